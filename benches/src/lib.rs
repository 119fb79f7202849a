//! End-to-end tooling for borderflow: the [`testbed`] that starts a whole
//! system on this machine (broker, ingest, aggregators) for the system tests
//! and the load tool, [`process`] for services run as child processes, the
//! [`load`] tool behind `borderflow-bench`, the seeded workloads in [`data`],
//! and the criterion benches under `benches/`.

pub mod aggregator_core;
pub mod audit;
pub mod data;
pub mod harness;
pub mod load;
pub mod process;
pub mod testbed;
pub mod totals;

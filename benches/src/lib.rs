//! End-to-end tooling for borderflow: the [`testbed`] that starts a whole
//! system on this machine (broker, ingest, aggregators) for the system tests
//! and the load tool, [`process`] for services run as child processes, and
//! the criterion benches under `benches/`.

pub mod process;
pub mod testbed;

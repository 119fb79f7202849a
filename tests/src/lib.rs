//! borderflow's system tests (under `tests/`) and the one test bed they, and
//! the `borderflow-bench` load tool, run on.
//!
//! Start reading at [`testbed`]: a [`Testbed`](testbed::Testbed) is a whole
//! borderflow on 127.0.0.1 — a [`broker`] (tansu on a free port, or a given
//! cluster) with fresh topics, development secrets and certificates, ingest
//! and any number of aggregators, in this process or as child
//! [`process`]es. Around it: [`admin`] reads a service's admin port,
//! [`harness`] streams simulated traffic (plain, or [`planted`] with a
//! scenario's incidents) through a bed and keeps an undisturbed reference
//! run, [`fault`] is what the fault tests share, [`totals`], [`anomalies`]
//! and [`audit`] read back what a run counted, flagged and recorded, and
//! [`data`] holds the seeded workloads the tests and the criterion benches
//! share. [`offline`] judges a scenario with the aggregator's detection
//! steps alone, in memory.

pub mod admin;
pub mod anomalies;
pub mod audit;
pub mod broker;
pub mod browser;
pub mod data;
pub mod exercise;
pub mod fault;
pub mod harness;
pub mod offline;
pub mod planted;
pub mod process;
pub mod testbed;
pub mod totals;
pub mod twins;

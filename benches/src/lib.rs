//! Measurements of borderflow: the [`load`] tool behind `borderflow-bench`
//! (a whole system on this machine, or against a given cluster, on the
//! system tests' test bed), the in-memory [`aggregator_core`] the criterion
//! benches under `benches/` and `borderflow-memory` drive, and the seeded
//! workloads in [`data`] they share with the system tests.

pub mod aggregator_core;
pub mod documents_on_disk;
pub mod load;

/// The seeded workloads, kept with the test bed so the system tests use
/// them too.
pub use borderflow_systest::data;

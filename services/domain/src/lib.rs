//! borderflow's pure domain, shared by ingest, the aggregator and the simulator.
//!
//! Nothing here does I/O or depends on an async runtime, so every piece is
//! unit-tested and benchmarked directly. Start with [`time`] (civil dates and
//! epoch milliseconds) and [`keys`] (pseudonymous document and person keys).

pub mod ees;
pub mod geo;
pub mod keys;
pub mod mrz;
pub mod time;

//! borderflow's pure domain, shared by ingest, the aggregator and the simulator.
//!
//! Nothing here does I/O or depends on an async runtime, so every piece is
//! unit-tested and benchmarked directly. Start with [`time`] (civil dates and
//! epoch milliseconds) and [`keys`] (pseudonymous document and person keys).
//!
//! The rules every edge applies to what it is given live here once, so the
//! simulator, ingest and the aggregator cannot disagree: [`ids`] for
//! crossing, lane, checkpoint and officer identifiers, [`country`] for
//! country codes, [`duration`] for durations in flags and scenario files;
//! and the legal limits detectors and the simulator must share: the stay
//! limit in [`ees`], the age of majority and of travelling alone in
//! [`minor`], the admission of nationals on expired passports in
//! [`admission`], the biometric age bands in [`biometric`] and the travel
//! speeds in [`travel`], the queue service level in [`crossing_rules`].

pub mod admission;
pub mod biometric;
pub mod country;
pub mod crossing_rules;
pub mod duration;
pub mod ees;
pub mod geo;
pub mod ids;
pub mod keys;
pub mod minor;
pub mod mrz;
pub mod rescan;
pub mod time;
pub mod travel;
pub mod twins;

//! The detection catalogue (DESIGN §7) as a pure core: rules and detectors
//! without I/O, driven by the consumers.
//!
//! - [`event`]: rules on one inspection (MRZ, expiry, reference lists,
//!   minors, biometrics); [`rescan`] holds a failed zone for the re-scan
//!   that clears a misread.
//! - [`document`]: rules on one document's history (stays, double entries,
//!   impossible travel, repeated refusals).
//! - [`crossing`]: per-crossing detectors on the event-time windows (flow,
//!   inspection time, queue service level, refusals, nationality mix), per
//!   officer and per checkpoint.
//!
//! - [`pair`]: the two posts of a twin pair reconciled from the liaison
//!   exchange (travellers who never arrived, transit delays).
//!
//! Reference data (lists, the crossing registry, market calendars) is read
//! through [`References`], which the store storey implements.

pub mod anomaly;
pub mod baseline;
pub mod calendar;
pub mod config;
pub mod crossing;
pub mod document;
pub mod escort;
pub mod event;
pub mod pair;
pub mod references;
pub mod rescan;
pub mod stats;

pub use config::DetectConfig;
pub use references::References;

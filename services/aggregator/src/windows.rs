//! Event-time windows: what one crossing's inspections add up to in one
//! window ([`window`]), the log-scale histograms of waits and durations
//! ([`histogram`]), a window as the record it is published as
//! ([`publish`]), and what a record of the inspections topic must hold to
//! be counted ([`codec`]), and the statistics dimensions windows count by
//! ([`cells`]). Pure: no I/O, no clock.

pub mod cells;
pub mod codec;
pub mod histogram;
pub mod publish;
pub mod window;

pub use window::{EventFacts, Window};

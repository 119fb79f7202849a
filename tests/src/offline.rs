//! A scenario judged by the aggregator's own detection steps without a
//! broker or a clock, and scored: the judge lives in `borderflow-replay`
//! (one implementation for these tests and the what-if replay tool).

pub use borderflow_replay::judge::{Judged, judge};

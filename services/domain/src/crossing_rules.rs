//! The service level a crossing's queues are judged by: a common land-border
//! target, most travellers through passport control within three quarters
//! of an hour. The aggregator's QUEUE_SLA rule takes its defaults from
//! here; tests that plant lane closures read the same figures.

/// The longest acceptable wait in the queue, minutes.
pub const QUEUE_SLA_WAIT_MINUTES: u64 = 45;

/// The share of travellers who must wait less than that.
pub const QUEUE_SLA_SHARE: f64 = 0.95;

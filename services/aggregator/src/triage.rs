//! The operators' triage of anomalies, pure: the lifecycle (new →
//! acknowledged → escalated or dismissed → closed, with reopening, assigning
//! and notes), checked action by action, and the figures operators and
//! alerts watch (how long anomalies wait to be acknowledged, how many are
//! open by severity and age). The records live on the compacted triage
//! topic (`store::TriageStore` reads them); the answers are in `grpc`.
//!
//! Reading order: [`lifecycle`] (one action applied to a record),
//! [`figures`] (open anomalies and their waits).

pub mod figures;
pub mod lifecycle;

pub use lifecycle::{Act, Refused, apply, state_of};

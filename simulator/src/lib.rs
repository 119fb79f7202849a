//! borderflow-simulator: realistic traffic for many crossings, streamed to
//! ingest by simulated checkpoints.
//!
//! [`model`] is the pure, seeded generator; the rest is the I/O around it.

pub mod cli;
pub mod clock;
pub mod link;
pub mod model;
pub mod outbox;
pub mod run;
pub mod setup;
pub mod stats;

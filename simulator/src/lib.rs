//! borderflow-simulator: realistic traffic for many crossings, streamed to
//! ingest by simulated checkpoints, with scenarios that plant incidents,
//! ground truth, and a scorecard of what the system caught.
//!
//! [`model`] is the pure, seeded generator; [`scenario`] reads scenario
//! files; [`plant`] turns them into injections and ground truth; [`score`]
//! matches anomalies against the truth. [`exercise::run_scenario`] runs a
//! scenario against a deployment, which a trainer may steer live through
//! [`control`] (pause, speed, inject, end early); the rest is the I/O
//! around it.

pub mod check;
pub mod cli;
pub mod clock;
pub mod control;
pub mod exercise;
pub mod link;
pub mod model;
pub mod outbox;
pub mod plant;
pub mod reference;
pub mod report;
pub mod run;
pub mod scenario;
pub mod score;
pub mod setup;
pub mod stats;
pub mod truth;

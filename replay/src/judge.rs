//! A scenario judged by the aggregator's detection steps without a broker
//! or a clock, and scored: what the system tests measure the rules with,
//! on many scenarios and seeds in minutes (the end-to-end scenario tests
//! measure the whole system). The scenario streams straight into the
//! [`Stages`], never held whole.

use std::collections::BTreeMap;
use std::sync::Arc;

use borderflow_aggregator::detect::DetectConfig;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::protection::v1::Referral;
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::score::Scorecard;
use borderflow_simulator::truth::Truth;

use crate::scenario::{play, prepare, scorecard};
use crate::stages::Stages;

/// What a scenario raised and how it scored.
#[derive(Debug)]
pub struct Judged {
    pub scorecard: Scorecard,
    pub truth: Truth,
    /// The latest version of every anomaly, by id.
    pub anomalies: Vec<Anomaly>,
    /// Every referral made, by case reference.
    pub referrals: BTreeMap<String, Referral>,
}

/// Runs `scenario` through the detection steps and scores it.
///
/// # Panics
///
/// If the scenario does not plan (a shipped one always does) or a step
/// dead-letters one of the generator's records (they are all valid).
pub fn judge(scenario: &Scenario, detect: DetectConfig) -> Judged {
    let (world, plan) = prepare(scenario).expect("a shipped scenario plans");
    let detect = Arc::new(detect);
    let mut stages = Stages::new(detect.clone(), &world);
    let played = play(scenario, plan, &world, |payload| stages.deliver(payload));
    let outcome = stages.finish();
    if let Some(first) = &outcome.first_dead_letter {
        panic!(
            "the generator's records are valid, yet some were dead-lettered ({:?}), first: {first}",
            outcome.dead_letters
        );
    }
    Judged {
        scorecard: scorecard(scenario, &played, detect.period, &outcome.anomalies),
        truth: played.truth,
        anomalies: outcome.anomalies,
        referrals: outcome.referrals,
    }
}

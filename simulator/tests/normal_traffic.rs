//! A simulated week of each shipped network's normal traffic gives the
//! per-document and per-event rules nothing to flag: entries and exits
//! alternate, nobody travels impossibly fast, foreigners stay within 90
//! days in 180, every document is valid. Only the background occurrences
//! planted on purpose (and recorded as truth) would raise anomalies.

use borderflow_domain::time::{Date, MS_PER_DAY};
use borderflow_proto::inspection::v1::InspectionEvent;
use borderflow_simulator::check::check;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::networks;
use borderflow_simulator::model::traffic::{Emission, Traffic, TrafficConfig};

fn week(network: &Network, scale: f64, days: i64) -> Vec<InspectionEvent> {
    let start = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
    let config = TrafficConfig {
        start_ms: start,
        end_ms: start + days * MS_PER_DAY,
        seed: 5,
        scale,
        heartbeat_idle_ms: 5 * 60_000,
    };
    Traffic::new(network, &config)
        .filter_map(|item| match item.emission {
            Emission::Event(e) => Some(*e),
            Emission::Heartbeat(_) => None,
        })
        .collect()
}

fn assert_consistent(network: &Network, events: &[InspectionEvent]) {
    let problems = check(network, events);
    let mut rules: Vec<&str> = problems.iter().map(|p| p.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    assert!(
        problems.is_empty(),
        "{}: {} problems: {rules:?}",
        network.name,
        problems.len()
    );
}

/// Travellers come back within the week, so histories are exercised.
fn assert_returning(events: &[InspectionEvent]) {
    let mut seen = std::collections::HashMap::<&[String], u32>::new();
    for e in events {
        if let Some(borderflow_proto::inspection::v1::document_read::Source::Mrz(z)) =
            e.document.as_ref().and_then(|d| d.source.as_ref())
        {
            *seen.entry(z.lines.as_slice()).or_default() += 1;
        }
    }
    let returning = seen.values().filter(|n| **n > 1).count();
    assert!(
        returning * 10 > seen.len(),
        "{returning} of {} documents seen twice",
        seen.len()
    );
}

#[test]
fn central_asia_week_is_consistent() {
    let network = networks::resolve("central-asia", 1).unwrap();
    let events = week(&network, 0.2, 7);
    assert!(events.len() > 100_000, "{}", events.len());
    assert_consistent(&network, &events);
    assert_returning(&events);
}

#[test]
fn international_airport_week_is_consistent() {
    let network = networks::resolve("international-airport", 1).unwrap();
    let events = week(&network, 0.1, 7);
    assert_consistent(&network, &events);
    assert_returning(&events);
}

#[test]
fn a_generated_network_stays_consistent_beyond_the_stay_limit() {
    // 200 days: foreigners come back many times; none overstays.
    let network = networks::generated(6, 3);
    let events = week(&network, 0.3, 200);
    assert_consistent(&network, &events);
}

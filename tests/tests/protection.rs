//! Protection at the border, judged by the aggregator's own detection
//! steps in memory (`offline`): the mass-influx exercise is found as one
//! MASS_INFLUX with the figures a crisis cell needs, scored like every
//! other kind, and every referral the booths made reaches the referrals
//! output once, with minimal data.

use std::collections::BTreeMap;

use borderflow_aggregator::detect::DetectConfig;
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::inspection::v1::ReferralCategory;
use borderflow_simulator::model::inject::Escort;
use borderflow_simulator::plant::plan;
use borderflow_simulator::scenario::{Scenario, builtin};
use borderflow_systest::offline::judge;

fn scenario(name: &str) -> Scenario {
    Scenario::from_toml(builtin::scenario(name).unwrap(), name).unwrap()
}

fn value(anomaly: &borderflow_proto::analytics::v1::Anomaly, name: &str) -> f64 {
    anomaly
        .evidence
        .as_ref()
        .unwrap()
        .values
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no {name} in {anomaly:?}"))
        .value
}

#[test]
fn the_mass_influx_exercise_is_found_scored_and_referred() {
    let scenario = scenario("mass-influx");
    let judged = judge(&scenario, DetectConfig::default());
    let card = &judged.scorecard;
    let row = card
        .incidents
        .iter()
        .find(|r| r.kind == "mass_influx")
        .unwrap_or_else(|| panic!("no mass_influx row: {card:#?}"));
    assert_eq!((row.planted, row.detected), (1, 1), "{row:#?}");
    assert_eq!(row.false_alarms, 0);
    let influx: Vec<_> = judged
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::MassInflux as i32)
        .collect();
    assert_eq!(influx.len(), 1, "one episode: {influx:#?}");
    let a = influx[0];
    assert_eq!(a.crossing_id, "TJ-PANJIPOYON");
    // The figures add up: women, men, girls and boys are the arrivals of
    // known sex and age, and most of them need protection.
    let arrivals = value(a, "arrivals");
    let people = value(a, "women") + value(a, "men") + value(a, "girls") + value(a, "boys");
    assert!(people <= arrivals && people >= 0.9 * arrivals, "{a:#?}");
    assert!(value(a, "girls") + value(a, "boys") > 0.0);
    assert!(value(a, "protection_requests") > 0.3 * arrivals, "{a:#?}");
    assert!(value(a, "in_need_share") >= 0.2);
    eprintln!("{}", a.explanation);
    assert!(
        a.explanation.starts_with("Mass influx: "),
        "{}",
        a.explanation
    );
    // Everything the influx raised beside it is accounted for: no false
    // alarm at its crossing (the run's background has its own, elsewhere).
    assert!(
        card.false_alarms
            .iter()
            .all(|f| f.anomaly.crossing_id != "TJ-PANJIPOYON"),
        "{:#?}",
        card.false_alarms
    );

    // Every referral the booths recorded, once, under its own reference.
    let mut planted: BTreeMap<i32, usize> = BTreeMap::new();
    for (_, party) in plan(&scenario).unwrap().injections.planted() {
        for member in &party.members {
            for &category in member.protection.iter().flat_map(|p| &p.referrals) {
                *planted.entry(category).or_default() += 1;
            }
        }
    }
    let mut referred: BTreeMap<i32, usize> = BTreeMap::new();
    for r in judged.referrals.values() {
        *referred.entry(r.category).or_default() += 1;
        assert_eq!(r.crossing_id, "TJ-PANJIPOYON");
        assert_eq!(r.country, "TJK");
    }
    assert!(
        planted[&(ReferralCategory::AsylumAuthority as i32)] > 100,
        "{planted:?}"
    );
    assert_eq!(referred, planted);
    let alone = plan(&scenario)
        .unwrap()
        .injections
        .planted()
        .flat_map(|(_, p)| &p.members)
        .filter(|m| m.escort == Escort::Alone)
        .count();
    assert_eq!(alone, 12, "every child alone the scenario asks for");
}

#[test]
fn a_week_without_displacement_raises_no_influx() {
    // The combined exercise's week without its displacement (market days,
    // holidays, a crisis outflow of documented families, a trafficking
    // group, a market-day rush) holds look-alikes of an influx but none.
    let mut text = builtin::scenario("central-asia-week")
        .unwrap()
        .replacen("\nseed = ", "\nscale = 0.5\nseed = ", 1)
        .replace("seed = 2026", "seed = 90002");
    let influx = text
        .find("[[incident]]\nkind = \"mass_influx\"")
        .expect("the week's displacement");
    text.truncate(influx);
    assert!(text.contains("kind = \"nationality_shift\""));
    let week = Scenario::from_toml(&text, "central-asia-week").unwrap();
    let judged = judge(&week, DetectConfig::default());
    let influx: Vec<_> = judged
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::MassInflux as i32)
        .collect();
    assert!(influx.is_empty(), "{influx:#?}");
    assert!(judged.referrals.is_empty());
}

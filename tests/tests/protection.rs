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

#[test]
fn the_trafficking_ring_exercise_makes_one_case_per_adult_and_none_of_the_look_alikes() {
    let scenario = scenario("trafficking-ring");
    let judged = judge(&scenario, DetectConfig::default());
    let card = &judged.scorecard;
    let row = card
        .incidents
        .iter()
        .find(|r| r.kind == "trafficking_ring")
        .unwrap_or_else(|| panic!("no trafficking_ring row: {card:#?}"));
    assert_eq!((row.planted, row.detected), (2, 2), "{row:#?}");
    // Families, grandparents with consent letters, school groups and the
    // group whose adults cross once make no case.
    let cases = card
        .anomaly_kinds
        .iter()
        .find(|k| k.anomaly == "TRAFFICKING_CASE")
        .expect("a TRAFFICKING_CASE row");
    assert_eq!(cases.false_alarms, 0, "{:#?}", card.false_alarms);
    let mut by_adult: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for a in judged
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::TraffickingCase as i32)
    {
        let key = a.evidence.as_ref().unwrap().document_key.clone();
        by_adult.entry(key).or_default().push(a);
    }
    assert_eq!(by_adult.len(), 2, "one case per adult: {by_adult:#?}");
    for cases in by_adult.values() {
        assert_eq!(cases.len(), 1, "revised, never raised twice: {cases:#?}");
        let case = cases[0];
        eprintln!("{} ({:?})", case.explanation, case.severity);
        assert_eq!(value(case, "occasions"), 3.0, "{case:#?}");
        // Either adult's case holds three indicators by its last trip.
        assert_eq!(value(case, "indicators"), 3.0, "{case:#?}");
        assert_eq!(
            case.severity,
            borderflow_proto::analytics::v1::Severity::Critical as i32
        );
    }
    let consent = by_adult
        .values()
        .map(|c| c[0])
        .find(|c| value(c, "no_relation") == 0.0)
        .expect("the adult with consent letters");
    assert_eq!(value(consent, "young_adults_one_issuer"), 5.0);
    assert_eq!(consent.crossing_id, "KG-DOSTUK");
    // The once-only group is what it always was.
    let group = card
        .incidents
        .iter()
        .find(|r| r.kind == "trafficking")
        .expect("the trafficking group");
    assert_eq!((group.planted, group.detected), (3, 3), "{group:#?}");
}

//! Twin crossings judged by the aggregator's own steps in memory
//! (`offline`), with the liaison exchange between the two posts of each
//! pair: the pair incidents of the `twin-crossings` exercise (travellers
//! lost, a side closed, a slower zone, booths not reporting) are found as
//! MIRROR_GAP or TRANSIT_DELAY, and a plain run of coupled pairs
//! reconciles without a false gap or delay.

use borderflow_aggregator::detect::DetectConfig;
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_simulator::scenario::{Scenario, builtin};
use borderflow_systest::offline::judge;

fn scenario(text: &str) -> Scenario {
    Scenario::from_toml(text, "twin-crossings").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_pair_incidents_are_found_where_the_travellers_left() {
    let text = builtin::scenario("twin-crossings").unwrap();
    let judged = judge(&scenario(text), DetectConfig::default());
    let card = &judged.scorecard;
    for kind in [
        "vanished_travellers",
        "twin_closure",
        "zone_slowdown",
        "unreported_booths",
    ] {
        let row = card
            .incidents
            .iter()
            .find(|r| r.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} row: {card:#?}"));
        eprintln!(
            "{kind}: planted {} detected {} delay {:?}",
            row.planted, row.detected, row.delay
        );
        assert_eq!(row.detected, row.planted, "{row:#?}");
    }
    let pair_alarms: Vec<_> = card
        .false_alarms
        .iter()
        .filter(|f| f.anomaly.kind == "MIRROR_GAP" || f.anomaly.kind == "TRANSIT_DELAY")
        .collect();
    assert!(pair_alarms.is_empty(), "{pair_alarms:#?}");
    let korday: Vec<_> = judged
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::MirrorGap as i32 && a.crossing_id == "KZ-KORDAY")
        .collect();
    assert_eq!(korday.len(), 1, "one episode: {korday:#?}");
    eprintln!("{}", korday[0].explanation);
    let missing: f64 = korday[0]
        .evidence
        .as_ref()
        .unwrap()
        .values
        .iter()
        .find(|m| m.name == "missing")
        .unwrap()
        .value;
    assert!(missing >= 5.0, "{:#?}", korday[0]);
}

#[test]
fn coupled_pairs_without_incidents_reconcile() {
    // The exercise's days without its incidents, another seed.
    let text = builtin::scenario("twin-crossings").unwrap();
    let plain = &text[..text.find("[[incident]]").unwrap()];
    let plain = plain.replace("seed = 211", "seed = 90211");
    let judged = judge(&scenario(&plain), DetectConfig::default());
    let pair: Vec<_> = judged
        .anomalies
        .iter()
        .filter(|a| {
            a.kind == AnomalyKind::MirrorGap as i32 || a.kind == AnomalyKind::TransitDelay as i32
        })
        .collect();
    assert!(pair.is_empty(), "{pair:#?}");
    // Every other kind, against the same days with the posts uncoupled.
    let by_kind = |judged: &borderflow_systest::offline::Judged| {
        let mut kinds = std::collections::BTreeMap::<String, usize>::new();
        for f in &judged.scorecard.false_alarms {
            *kinds.entry(f.anomaly.kind.clone()).or_default() += 1;
        }
        kinds
    };
    let uncoupled = plain.replace("couple_twins = true", "couple_twins = false");
    let apart = judge(&scenario(&uncoupled), DetectConfig::default());
    eprintln!(
        "false alarms over {:.0} crossing-days, coupled: {:?}; uncoupled: {:?}",
        judged.scorecard.crossing_days,
        by_kind(&judged),
        by_kind(&apart)
    );
}

use std::collections::HashMap;

use borderflow_domain::time::{Date, MS_PER_HOUR};
use borderflow_proto::inspection::v1::{Direction, InspectionEvent, Outcome};
use borderflow_proto::timestamp_to_ms;

use super::{HORIZON_MS, document_of};
use crate::model::inject::{Injections, UnreportedBooths, Vanishing, ZoneSlowdown};
use crate::model::network::{CrossingSpec, Mode, Network, Profile, TwinSpec};
use crate::model::traffic::{Emission, Emitted, ShardedTraffic, Traffic, TrafficConfig};

fn post(id: &str, country: &str, neighbour: &str, rate: f64) -> CrossingSpec {
    CrossingSpec {
        id: id.into(),
        name: id.into(),
        names: Default::default(),
        country: country.into(),
        neighbour: neighbour.into(),
        latitude: 43.0,
        longitude: 74.7,
        mode: Mode::Road,
        lanes: 6,
        officers: 18,
        capacity_per_hour: 600,
        rate_per_hour: rate,
        profile: Profile::default(),
        nationals_share: 0.5,
        nationalities: vec![("KGZ".into(), 1.0)],
        twin: None,
    }
}

fn network() -> Network {
    let mut network = Network {
        name: "pair".into(),
        crossings: vec![
            post("KZ-A", "KAZ", "KGZ", 150.0),
            post("KG-B", "KGZ", "KAZ", 90.0),
            post("KZ-AIR", "KAZ", "", 40.0),
        ],
        special_days: Vec::new(),
        twins: vec![TwinSpec {
            posts: ["KZ-A".into(), "KG-B".into()],
            transit_minutes: 15.0,
        }],
    };
    network.crossings[2].mode = Mode::Air;
    let text = toml::to_string(&network).unwrap();
    Network::from_toml(&text, "pair").unwrap()
}

fn config(hours: i64) -> TrafficConfig {
    let start = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
    TrafficConfig {
        start_ms: start,
        end_ms: start + hours * MS_PER_HOUR,
        seed: 11,
        scale: 1.0,
        heartbeat_idle_ms: 5 * 60_000,
    }
}

fn coupled(vanishing: Vec<Vanishing>) -> Injections {
    Injections {
        couple_twins: true,
        vanishing,
        ..Injections::default()
    }
}

fn ms(at: Option<&borderflow_proto::Timestamp>) -> i64 {
    timestamp_to_ms(at.unwrap()).unwrap()
}

fn inspections(items: &[Emitted], crossing: usize) -> Vec<&InspectionEvent> {
    items
        .iter()
        .filter(|i| i.crossing == crossing)
        .filter_map(|i| match &i.emission {
            Emission::Event(e) => Some(&**e),
            Emission::Heartbeat(_) => None,
        })
        .collect()
}

#[test]
fn a_party_leaving_one_post_arrives_at_the_other_after_the_transit() {
    let network = network();
    let items: Vec<Emitted> =
        Traffic::with_injections(&network, &config(48), coupled(Vec::new())).collect();
    assert!(items.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    let (a, b) = (inspections(&items, 0), inspections(&items, 1));
    assert!(a.len() > 3_000, "{}", a.len());
    // The follower has no travellers of its own: each of its records is
    // the twin of one at the leading post.
    let exits: Vec<_> = a
        .iter()
        .filter(|e| e.direction == Direction::Exit as i32 && e.outcome == Outcome::Admitted as i32)
        .collect();
    let entries = a
        .iter()
        .filter(|e| {
            e.direction == Direction::Entry as i32 && e.outcome != Outcome::Unspecified as i32
        })
        .count();
    let b_entries: HashMap<u64, Vec<&&InspectionEvent>> = b
        .iter()
        .filter(|e| e.direction == Direction::Entry as i32)
        .fold(HashMap::new(), |mut m, e| {
            m.entry(document_of(e)).or_default().push(e);
            m
        });
    let b_exits = b
        .iter()
        .filter(|e| e.direction == Direction::Exit as i32)
        .count();
    let sent_back = b
        .iter()
        .filter(|e| e.outcome == Outcome::Refused as i32)
        .count();
    // A party held at A's second line queues again from the hall.
    let mut held = std::collections::HashSet::new();
    let mut from_the_hall = 0;
    for e in a.iter().filter(|e| e.direction == Direction::Entry as i32) {
        if e.outcome == Outcome::Unspecified as i32 {
            continue;
        }
        let document = document_of(e);
        if held.remove(&document) {
            from_the_hall += 1;
        }
        if e.outcome == Outcome::ReferredToSecondary as i32 {
            held.insert(document);
        }
    }
    assert!(from_the_hall > 0);
    assert_eq!(
        b_exits + sent_back + from_the_hall,
        entries,
        "every entry at A left B before, was sent back by B, or came from A's second line"
    );
    let mut transits = Vec::new();
    for exit in &exits {
        let left = ms(exit.completed_at.as_ref());
        let arrived = b_entries.get(&document_of(exit)).and_then(|found| {
            found
                .iter()
                .map(|e| ms(e.completed_at.as_ref()))
                .filter(|t| *t > left && *t - left < HORIZON_MS)
                .min()
        });
        if let Some(arrived) = arrived {
            transits.push(arrived - left);
        } else {
            // Only the last hours' exits may still be on their way.
            assert!(
                left > config(48).end_ms - HORIZON_MS,
                "exit at {left} never arrived"
            );
        }
    }
    transits.sort_unstable();
    let median = transits[transits.len() / 2] as f64 / 60_000.0;
    // A 15-minute drive, a wait at the far booths and the inspection.
    assert!(
        (17.0..40.0).contains(&median),
        "median transit {median} min"
    );
    assert!(transits[0] >= 60_000, "{}", transits[0]);
    // The far post's booths and officers inspect, with links kept: an
    // escorted minor's adult is inspected at the same post.
    let ids: std::collections::HashSet<&str> = b.iter().map(|e| e.event_id.as_str()).collect();
    for e in &b {
        assert!(e.checkpoint_id.starts_with("KG-B-L"), "{}", e.checkpoint_id);
        assert!(e.officer_id.starts_with("KG-B-O"), "{}", e.officer_id);
        let escort = &e.traveller.as_ref().unwrap().accompanied_by;
        assert!(
            escort.is_empty() || ids.contains(escort.as_str()),
            "{escort}"
        );
    }
}

#[test]
fn each_document_alternates_in_and_out_of_each_country() {
    let network = network();
    let items: Vec<Emitted> =
        Traffic::with_injections(&network, &config(72), coupled(Vec::new())).collect();
    for crossing in [0, 1] {
        let mut last: HashMap<u64, i32> = HashMap::new();
        for e in inspections(&items, crossing) {
            // Failed reads and second line are no passage.
            if e.outcome != Outcome::Admitted as i32 {
                continue;
            }
            if let Some(previous) = last.insert(document_of(e), e.direction) {
                assert_ne!(previous, e.direction, "crossing {crossing}: {}", e.event_id);
            }
        }
    }
}

#[test]
fn coupling_is_seeded_and_the_same_on_any_number_of_threads() {
    let network = network();
    let serial: Vec<String> = Traffic::with_injections(&network, &config(24), coupled(Vec::new()))
        .map(|i| format!("{}{}{:?}", i.at_ms, i.crossing, i.emission))
        .collect();
    for threads in [1, 2, 3] {
        let sharded: Vec<String> =
            ShardedTraffic::with_injections(&network, &config(24), coupled(Vec::new()), threads)
                .unwrap()
                .map(|i| format!("{}{}{:?}", i.at_ms, i.crossing, i.emission))
                .collect();
        assert!(sharded == serial, "{threads} threads");
    }
    // Uncoupled, the follower runs its own travellers again.
    let plain = Traffic::with_injections(&network, &config(24), Injections::default()).count();
    assert_ne!(plain, serial.len());
}

#[test]
fn vanished_parties_never_reach_the_twin() {
    let network = network();
    let start = config(24).start_ms;
    let vanishing = Vanishing {
        crossing: 0,
        from_ms: start + 10 * MS_PER_HOUR,
        to_ms: start + 11 * MS_PER_HOUR,
        parties: 12,
        truth: 0,
        taken: Vec::new(),
    };
    let all: Vec<Emitted> =
        Traffic::with_injections(&network, &config(24), coupled(Vec::new())).collect();
    let some: Vec<Emitted> =
        Traffic::with_injections(&network, &config(24), coupled(vec![vanishing])).collect();
    let entries = |items: &[Emitted]| {
        inspections(items, 1)
            .iter()
            .filter(|e| e.direction == Direction::Entry as i32)
            .count()
    };
    let missing = entries(&all) - entries(&some);
    // Twelve parties, some of them families.
    assert!((12..=30).contains(&missing), "{missing}");
    assert_eq!(inspections(&all, 0).len(), inspections(&some, 0).len());
}

/// Per document, the time from leaving A to reaching B's queue, for
/// travellers leaving A in [from, to).
fn transits(items: &[Emitted], from: i64, to: i64) -> Vec<i64> {
    let b_entries: HashMap<u64, Vec<i64>> = inspections(items, 1)
        .iter()
        .filter(|e| e.direction == Direction::Entry as i32)
        .fold(HashMap::new(), |mut m, e| {
            m.entry(document_of(e))
                .or_default()
                .push(ms(e.queued_at.as_ref()));
            m
        });
    let mut out: Vec<i64> = inspections(items, 0)
        .iter()
        .filter(|e| e.direction == Direction::Exit as i32 && e.outcome == Outcome::Admitted as i32)
        .filter_map(|e| {
            let left = ms(e.completed_at.as_ref());
            if !(from..to).contains(&left) {
                return None;
            }
            b_entries
                .get(&document_of(e))?
                .iter()
                .filter(|t| **t > left)
                .min()
                .map(|t| t - left)
        })
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn a_slower_zone_lengthens_the_drive_only_for_those_setting_out_then() {
    let network = network();
    let start = config(24).start_ms;
    let slowdown = ZoneSlowdown {
        crossing: 0,
        from_ms: start + 10 * MS_PER_HOUR,
        to_ms: start + 12 * MS_PER_HOUR,
        factor: 4.0,
        truth: 0,
    };
    let plain: Vec<Emitted> =
        Traffic::with_injections(&network, &config(24), coupled(Vec::new())).collect();
    let slow: Vec<Emitted> = Traffic::with_injections(
        &network,
        &config(24),
        Injections {
            slowdowns: vec![slowdown],
            ..coupled(Vec::new())
        },
    )
    .collect();
    let median = |v: &[i64]| v[v.len() / 2] as f64 / 60_000.0;
    let (during, during_plain) = (
        transits(&slow, start + 10 * MS_PER_HOUR, start + 12 * MS_PER_HOUR),
        transits(&plain, start + 10 * MS_PER_HOUR, start + 12 * MS_PER_HOUR),
    );
    // A 15-minute drive taking four times as long.
    assert!(
        (3.0..5.0).contains(&(median(&during) / median(&during_plain))),
        "{} vs {}",
        median(&during),
        median(&during_plain)
    );
    // Before it, nothing changed: the same draws, the same drives.
    assert_eq!(
        transits(&slow, start, start + 9 * MS_PER_HOUR),
        transits(&plain, start, start + 9 * MS_PER_HOUR)
    );
    // Nobody is lost on the slower road.
    assert_eq!(during.len(), during_plain.len());
}

#[test]
fn unreported_booths_inspect_but_nothing_of_theirs_comes_out() {
    let network = network();
    let start = config(24).start_ms;
    let (from, to) = (start + 10 * MS_PER_HOUR, start + 12 * MS_PER_HOUR);
    let silent = UnreportedBooths {
        crossing: 1,
        booths: 2,
        from_ms: from,
        to_ms: to,
        truth: 0,
    };
    let all: Vec<Emitted> =
        Traffic::with_injections(&network, &config(24), coupled(Vec::new())).collect();
    let some: Vec<Emitted> = Traffic::with_injections(
        &network,
        &config(24),
        Injections {
            unreported: vec![silent],
            ..coupled(Vec::new())
        },
    )
    .collect();
    let lost: Vec<&Emitted> = all
        .iter()
        .filter(|i| i.crossing == 1 && i.lane < 2 && (from..to).contains(&i.at_ms))
        .collect();
    assert!(
        lost.iter()
            .any(|i| matches!(i.emission, Emission::Event(_)))
    );
    assert!(
        lost.iter()
            .any(|i| matches!(i.emission, Emission::Heartbeat(_)))
    );
    // Exactly those items are missing; the other booths and the twin's
    // traffic are untouched.
    let key = |i: &Emitted| format!("{}{}{}{:?}", i.at_ms, i.crossing, i.lane, i.emission);
    let kept: Vec<String> = all
        .iter()
        .filter(|i| !(i.crossing == 1 && i.lane < 2 && (from..to).contains(&i.at_ms)))
        .map(key)
        .collect();
    assert_eq!(some.iter().map(key).collect::<Vec<_>>(), kept);
}

#[test]
fn every_record_of_the_coupled_stream_has_an_id_of_its_own() {
    let network = network();
    let items: Vec<Emitted> =
        Traffic::with_injections(&network, &config(72), coupled(Vec::new())).collect();
    let mut seen = std::collections::HashSet::new();
    let mut refused_back = 0;
    for item in &items {
        if let Emission::Event(e) = &item.emission {
            assert!(seen.insert(e.event_id.clone()), "{} twice", e.event_id);
            refused_back += usize::from(
                item.crossing == 0
                    && e.direction == Direction::Entry as i32
                    && e.outcome == Outcome::Refused as i32,
            );
        }
    }
    // Parties refused entry at A go back to B: records of their own.
    assert!(refused_back > 0);
}

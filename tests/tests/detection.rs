//! Every kind of the detection catalogue, end to end on a real broker: a
//! day's steady traffic at four crossings with planted incidents of every
//! kind streams through ingest to two aggregator instances in one consumer
//! group, and exactly the expected anomalies come out, with evidence.

#[path = "detection/plant.rs"]
mod plant;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use borderflow_access::Role;
use borderflow_common::grpc::{Authorized, Bearer};
use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::mrz::{self, Corruption};
use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE};
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, ListAnomaliesRequest};
use borderflow_proto::inspection::v1::{
    CheckpointStatus, Direction, GuardianRelation, Outcome, RefusalReason,
};
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;
use borderflow_proto::reference::v1::{ListEntry, ReferenceList, UpsertEntriesRequest};
use borderflow_simulator::cli::register_crossings;
use borderflow_simulator::link::LinkConfig;
use borderflow_simulator::model::network::{CrossingSpec, Mode, Network, Profile};
use borderflow_simulator::model::traffic::{Emission, Emitted, Traffic, TrafficConfig};
use borderflow_simulator::run::{Ingests, RunConfig, run_emissions};
use borderflow_simulator::stats::Stats;
use borderflow_systest::testbed::Testbed;
use plant::{Planter, heartbeat};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio_util::sync::CancellationToken;

const MIN: i64 = MS_PER_MINUTE;
const HOUR: i64 = MS_PER_HOUR;
/// Crossing indices.
const KOR: usize = 0;
const AKZ: usize = 1;
const DOS: usize = 2;
const IRK: usize = 3;

fn crossing(
    id: &str,
    name: &str,
    country: &str,
    neighbour: &str,
    lat: f64,
    lon: f64,
) -> CrossingSpec {
    CrossingSpec {
        id: id.into(),
        name: name.into(),
        names: Default::default(),
        country: country.into(),
        neighbour: neighbour.into(),
        latitude: lat,
        longitude: lon,
        mode: Mode::Road,
        lanes: 4,
        officers: 12,
        capacity_per_hour: 600,
        rate_per_hour: 120.0,
        profile: Profile::default(),
        nationals_share: 0.6,
        nationalities: Vec::new(),
        twin: None,
    }
}

fn network() -> Network {
    Network {
        name: "detection".into(),
        crossings: vec![
            crossing("KZ-KOR", "Korday", "KAZ", "KGZ", 43.22, 74.72),
            crossing("KZ-AKZ", "Ak-Zhol", "KAZ", "KGZ", 42.98, 71.30),
            crossing("KG-DOS", "Dostuk", "KGZ", "UZB", 40.79, 72.97),
            crossing("KG-IRK", "Irkeshtam", "KGZ", "CHN", 39.68, 73.90),
        ],
        special_days: Vec::new(),
        twins: Vec::new(),
    }
}

/// Monday 4 May 2026, midnight UTC.
fn t0() -> i64 {
    Date::new(2026, 5, 4).unwrap().start_epoch_ms()
}

/// The traffic and incidents, and the kinds each incident must raise.
struct Exercise {
    emissions: Vec<Emitted>,
    expected: BTreeMap<AnomalyKind, usize>,
    /// Event ids that must appear in some anomaly's evidence, by kind.
    evidence: Vec<(AnomalyKind, String)>,
    lists: Vec<ListEntry>,
}

fn in_span(item: &Emitted, crossing: usize, from: i64, to: i64) -> bool {
    item.crossing == crossing && item.at_ms >= from && item.at_ms < to
}

fn exercise(network: &Network, keys: &Pseudonymiser) -> Exercise {
    let start = t0();
    let traffic = TrafficConfig {
        start_ms: start,
        end_ms: start + 14 * HOUR,
        seed: 17,
        scale: 1.0,
        heartbeat_idle_ms: 5 * MIN,
    };
    let mut emissions: Vec<Emitted> = Traffic::new(network, &traffic).collect();
    let mut p = Planter::new(99);
    let mut expected = BTreeMap::new();
    let mut evidence = Vec::new();
    let mut lists = Vec::new();
    let mut planted = Vec::new();
    let day = Date::from_epoch_ms(start);
    let c = |i: usize| &network.crossings[i];
    let mut expect = |kind: AnomalyKind, n: usize| *expected.entry(kind).or_default() += n;

    // Per-event rules, at Korday and Ak-Zhol, from 08:00.
    let at = start + 8 * HOUR;
    let mut broken = Planter::lines(&p.document("KGZ", day, 30));
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    broken = mrz::corrupt(&broken, Corruption::SubstituteChecked, &mut rng);
    let mut plant = Planter::plant(at, AKZ, broken);
    plant.outcome = Outcome::Refused;
    plant.reason = RefusalReason::B;
    planted.push((AnomalyKind::MrzCheckDigit, plant));
    expect(AnomalyKind::MrzCheckDigit, 1);

    let mut expired = p.document("UZB", day, 40);
    expired.expiry_date = day.add_days(-20);
    let mut plant = Planter::plant(at + 10 * MIN, KOR, Planter::lines(&expired));
    plant.outcome = Outcome::Refused;
    plant.reason = RefusalReason::A;
    planted.push((AnomalyKind::DocumentExpired, plant));
    expect(AnomalyKind::DocumentExpired, 1);

    let stolen = p.document("TJK", day, 35);
    lists.push(ListEntry {
        list: ReferenceList::LostStolen as i32,
        key: keys
            .document_key(&stolen.issuing_state, &stolen.document_number)
            .0
            .to_vec(),
        source: "INTERPOL SLTD".into(),
        reference: "test-stolen-1".into(),
        added_at: None,
    });
    let mut plant = Planter::plant(at + 20 * MIN, KOR, Planter::lines(&stolen));
    plant.outcome = Outcome::ReferredToSecondary;
    planted.push((AnomalyKind::LostStolenDocument, plant));
    expect(AnomalyKind::LostStolenDocument, 1);

    let wanted = p.document("AFG", day, 44);
    lists.push(ListEntry {
        list: ReferenceList::Watchlist as i32,
        key: keys
            .person_key(
                &wanted.primary_identifier,
                &wanted.secondary_identifier,
                Some(wanted.birth_date),
                &wanted.nationality,
            )
            .0
            .to_vec(),
        source: "national watchlist".into(),
        reference: "test-person-1".into(),
        added_at: None,
    });
    let mut plant = Planter::plant(at + 30 * MIN, AKZ, Planter::lines(&wanted));
    plant.outcome = Outcome::ReferredToSecondary;
    planted.push((AnomalyKind::WatchlistHit, plant));
    expect(AnomalyKind::WatchlistHit, 1);

    let adult = p.uuid();
    let mut plant = Planter::plant(
        at + 40 * MIN,
        KOR,
        Planter::lines(&p.document("UZB", day, 12)),
    );
    plant.accompanied_by = Some((adult, GuardianRelation::Unrelated));
    planted.push((AnomalyKind::MinorUnaccompanied, plant));
    expect(AnomalyKind::MinorUnaccompanied, 1);

    let mut plant = Planter::plant(
        at + 50 * MIN,
        AKZ,
        Planter::lines(&p.document("KAZ", day, 50)),
    );
    plant.biometric = 0.31;
    planted.push((AnomalyKind::BiometricMismatch, plant));
    expect(AnomalyKind::BiometricMismatch, 1);

    // Per-document rules.
    let cloned = Planter::lines(&p.document("UZB", day, 33));
    let mut exit = Planter::plant(start + 9 * HOUR, KOR, cloned.clone());
    exit.direction = Direction::Exit;
    planted.push((AnomalyKind::ImpossibleTravel, exit));
    planted.push((
        AnomalyKind::ImpossibleTravel,
        Planter::plant(start + 9 * HOUR + 30 * MIN, DOS, cloned),
    ));
    expect(AnomalyKind::ImpossibleTravel, 1);

    let twice = Planter::lines(&p.document("CHN", day, 41));
    planted.push((
        AnomalyKind::DoubleEntry,
        Planter::plant(start + 2 * HOUR, KOR, twice.clone()),
    ));
    planted.push((
        AnomalyKind::DoubleEntry,
        Planter::plant(start + 12 * HOUR, AKZ, twice),
    ));
    expect(AnomalyKind::DoubleEntry, 1);

    // An entry 100 days ago with no exit since: a remote post's record,
    // sent with today's traffic.
    let stayer = Planter::lines(&p.document("TJK", day.add_days(-100), 29));
    let mut old = Planter::plant(start - 100 * MS_PER_DAY, KOR, stayer);
    old.at_ms = start - 100 * MS_PER_DAY;
    // That booth closed after its shift, 100 days ago: a checkpoint last
    // heard of then is closed, not silent, until today's traffic.
    let mut closed = heartbeat(KOR, c(KOR), old.lane, old.at_ms + 1_000);
    if let Emission::Heartbeat(beat) = &mut closed.emission {
        beat.status = CheckpointStatus::Closed as i32;
    }
    emissions.push(closed);
    planted.push((AnomalyKind::Overstay, old));
    expect(AnomalyKind::Overstay, 1);

    let refused = Planter::lines(&p.document("IND", day, 38));
    for (hour, crossing) in [(3, KOR), (10, AKZ)] {
        let mut plant = Planter::plant(start + hour * HOUR, crossing, refused.clone());
        plant.outcome = Outcome::Refused;
        plant.reason = RefusalReason::E;
        planted.push((AnomalyKind::RepeatedRefusal, plant));
    }
    expect(AnomalyKind::RepeatedRefusal, 1);

    // An officer at Irkeshtam admits five travellers with expired documents.
    for i in 0..5 {
        let mut doc = p.document("CHN", day, 30 + i);
        doc.expiry_date = day.add_days(-5 - i64::from(i));
        let mut plant = Planter::plant(
            start + 10 * HOUR + i64::from(i) * 7 * MIN,
            IRK,
            Planter::lines(&doc),
        );
        plant.officer = Some("KG-IRK-O007".into());
        plant.lane = 2;
        planted.push((AnomalyKind::OfficerOverride, plant));
    }
    expect(AnomalyKind::DocumentExpired, 5);
    expect(AnomalyKind::OfficerOverride, 1);

    for (kind, plant) in planted {
        let (emitted, id) = p.emit(&plant, c(plant.crossing));
        evidence.push((kind, id));
        emissions.push(emitted);
    }

    // Per-crossing detectors (the baseline warms up for 6 h).
    // Surge at Korday, 09:00-09:30 (a surge lasts two periods): 260 more
    // travellers, waits short.
    for i in 0..260 {
        let plant = Planter::plant(
            start + 9 * HOUR + i * 6_900,
            KOR,
            Planter::lines(&p.document("KAZ", day, 30)),
        );
        emissions.push(p.emit(&plant, c(KOR)).0);
    }
    expect(AnomalyKind::FlowSurge, 1);
    // Refusals at Korday, 11:00-11:15.
    for i in 0..10 {
        let mut plant = Planter::plant(
            start + 11 * HOUR + i * 80_000,
            KOR,
            Planter::lines(&p.document("KGZ", day, 30)),
        );
        plant.outcome = Outcome::Refused;
        plant.reason = RefusalReason::G;
        plant.lane = 1;
        emissions.push(p.emit(&plant, c(KOR)).0);
    }
    expect(AnomalyKind::RefusalRateSpike, 1);
    // Ak-Zhol stops, 10:00-10:30, its booths still sending heartbeats.
    emissions.retain(|e| {
        !(in_span(e, AKZ, start + 10 * HOUR, start + 10 * HOUR + 30 * MIN)
            && matches!(e.emission, Emission::Event(_))
            && !evidence
                .iter()
                .any(|(_, id)| matches!(&e.emission, Emission::Event(ev) if &ev.event_id == id)))
    });
    for lane in 0..4 {
        for minute in [0, 5, 10, 15, 20, 25] {
            emissions.push(heartbeat(
                AKZ,
                c(AKZ),
                lane,
                start + 10 * HOUR + minute * MIN + 1,
            ));
        }
    }
    expect(AnomalyKind::FlowDrop, 1);
    // Booth 2 of Ak-Zhol loses its link 12:00-12:40: nothing from it.
    emissions.retain(|e| {
        !(in_span(e, AKZ, start + 12 * HOUR, start + 12 * HOUR + 40 * MIN) && e.lane == 1)
    });
    expect(AnomalyKind::CheckpointSilent, 1);
    // Dostuk: inspections three times slower 08:00-09:00 (equipment failure).
    for e in emissions
        .iter_mut()
        .filter(|e| in_span(e, DOS, start + 8 * HOUR, start + 9 * HOUR))
    {
        if let Emission::Event(event) = &mut e.emission {
            let started =
                borderflow_proto::timestamp_to_ms(event.started_at.as_ref().unwrap()).unwrap();
            let duration = e.at_ms - started;
            event.started_at = Some(borderflow_proto::ms_to_timestamp(
                e.at_ms - 3 * duration.max(30_000),
            ));
            event.queued_at = event.started_at;
        }
    }
    expect(AnomalyKind::SlowInspections, 1);
    // Dostuk 10:00-11:00: the usual volume, but mostly people fleeing a crisis.
    let crisis: Vec<(i64, u32)> = emissions
        .iter()
        .filter(|e| {
            in_span(e, DOS, start + 10 * HOUR, start + 11 * HOUR)
                && matches!(e.emission, Emission::Event(_))
        })
        .map(|e| (e.at_ms, e.lane))
        .collect();
    emissions.retain(|e| {
        !(in_span(e, DOS, start + 10 * HOUR, start + 11 * HOUR)
            && matches!(e.emission, Emission::Event(_)))
    });
    for (i, (t, lane)) in crisis.into_iter().enumerate() {
        let mut plant = Planter::plant(
            t,
            DOS,
            Planter::lines(&p.document(if i % 5 == 0 { "KGZ" } else { "AFG" }, day, 30)),
        );
        plant.lane = lane;
        emissions.push(p.emit(&plant, c(DOS)).0);
    }
    expect(AnomalyKind::NationalityMixShift, 1);
    // Irkeshtam 12:00-12:15: everyone waited over an hour.
    for e in emissions
        .iter_mut()
        .filter(|e| in_span(e, IRK, start + 12 * HOUR, start + 12 * HOUR + 15 * MIN))
    {
        if let Emission::Event(event) = &mut e.emission {
            let started =
                borderflow_proto::timestamp_to_ms(event.started_at.as_ref().unwrap()).unwrap();
            event.queued_at = Some(borderflow_proto::ms_to_timestamp(started - 70 * MIN));
        }
    }
    expect(AnomalyKind::QueueSla, 1);

    emissions.sort_by_key(|e| e.at_ms);
    Exercise {
        emissions,
        expected,
        evidence,
        lists,
    }
}

async fn anomalies(
    client: &mut borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient<
        Authorized,
    >,
) -> Vec<Anomaly> {
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let Ok(page) = client
            .list_anomalies(ListAnomaliesRequest {
                filter: None,
                page_size: 1_000,
                page_token: token.clone(),
            })
            .await
        else {
            return all;
        };
        let page = page.into_inner();
        all.extend(page.anomalies);
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

fn count(anomalies: &[Anomaly]) -> BTreeMap<AnomalyKind, usize> {
    let mut counts = BTreeMap::new();
    for a in anomalies {
        *counts
            .entry(AnomalyKind::try_from(a.kind).unwrap())
            .or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_kind_in_the_catalogue_fires_exactly_as_planted() {
    let network = network();
    let bed = Testbed::start(network.clone(), 12).await.unwrap();
    let secret = std::fs::read_to_string(&bed.setup.secret_file).unwrap();
    let keys = Pseudonymiser::new(secret.trim().as_bytes()).unwrap();
    let exercise = exercise(&network, &keys);

    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    // Accelerated, the stream's disorder in event time grows with the clock
    // speed (100 ms of wall-clock jitter is 90 s here): the allowed lateness
    // grows with it, to 1.7 s of wall time, enough for a booth's stream on
    // a busy two-core machine, and within the 30 minutes the closing
    // heartbeats advance event time by.
    let flags = ["--baseline-warmup=6h", "--allowed-lateness=25m"];
    let mut first = bed
        .start_aggregator(bed.aggregator_config(&flags))
        .await
        .unwrap();
    let mut second = bed
        .start_aggregator(bed.aggregator_config(&flags))
        .await
        .unwrap();
    let trainer = Bearer::from_file(&bed.token_file(Role::Trainer)).unwrap();
    register_crossings(
        &format!("http://{}", first.grpc_addr),
        None,
        trainer,
        &network,
    )
    .await
    .unwrap();
    let channel = bed
        .aggregator_channel(first.grpc_addr, Role::Trainer)
        .await
        .unwrap();
    ReferenceServiceClient::new(channel)
        .upsert_entries(UpsertEntriesRequest {
            entries: exercise.lists.clone(),
        })
        .await
        .unwrap();
    // Both instances follow the reference topic before traffic starts.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let config = RunConfig {
        traffic: TrafficConfig {
            start_ms: t0(),
            end_ms: t0() + 14 * HOUR,
            seed: 17,
            scale: 1.0,
            heartbeat_idle_ms: 5 * MIN,
        },
        // 14 simulated hours in about a minute: records reach the topic
        // roughly in event-time order, as from live booths.
        clock_speed: Some(900.0),
        link: LinkConfig::default(),
        outbox_dir: None,
        closing_after_ms: 30 * MIN,
    };
    let stats = Arc::new(Stats::default());
    let channel = bed.ingest_endpoint(ingest.grpc_addr).unwrap();
    run_emissions(
        &network,
        &config,
        &Ingests::one(channel, bed.tokens().unwrap()),
        exercise.emissions.into_iter(),
        Vec::new(),
        stats.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap();

    let mut client = bed.analytics(second.grpc_addr).await.unwrap();
    let started = std::time::Instant::now();
    let mut found = Vec::new();
    while started.elapsed() < Duration::from_secs(90) {
        found = anomalies(&mut client).await;
        if count(&found) == exercise.expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for aggregator in [&first, &second] {
        let (_, metrics) = borderflow_systest::admin::http_get(aggregator.admin_addr, "/metrics")
            .await
            .unwrap();
        for result in [
            "counted",
            "amended",
            "too_late",
            "duplicate",
            "replayed",
            "heartbeat",
        ] {
            let n = borderflow_systest::admin::metric_sum(
                &metrics,
                "borderflow_aggregator_records_total",
                &[&format!("result=\"{result}\"")],
            );
            eprintln!("{} records {result}: {n}", aggregator.admin_addr);
        }
    }
    let counts = count(&found);
    for a in &found {
        let at = |t: &Option<borderflow_proto::Timestamp>| {
            borderflow_domain::time::format_rfc3339(
                t.as_ref()
                    .and_then(borderflow_proto::timestamp_to_ms)
                    .unwrap_or_default(),
            )
        };
        eprintln!(
            "{:?} {} at {} seen {}: {}",
            AnomalyKind::try_from(a.kind).unwrap(),
            a.crossing_id,
            at(&a.event_time),
            at(&a.detected_at),
            a.explanation
        );
    }
    assert_eq!(counts, exercise.expected, "anomalies by kind");
    for (kind, id) in &exercise.evidence {
        assert!(
            found.iter().any(|a| a.kind == *kind as i32
                && a.evidence
                    .as_ref()
                    .is_some_and(|e| e.event_ids.contains(id)))
                || matches!(kind, AnomalyKind::OfficerOverride),
            "no {kind:?} anomaly names planted event {id}"
        );
    }
    let officer = found
        .iter()
        .find(|a| a.kind == AnomalyKind::OfficerOverride as i32)
        .unwrap();
    assert_eq!(officer.evidence.as_ref().unwrap().officer_id, "KG-IRK-O007");
    let silent = found
        .iter()
        .find(|a| a.kind == AnomalyKind::CheckpointSilent as i32)
        .unwrap();
    assert_eq!(
        silent.evidence.as_ref().unwrap().checkpoint_id,
        "KZ-AKZ-L02"
    );
    assert!(
        found
            .iter()
            .all(|a| !a.explanation.is_empty() && a.evidence.is_some())
    );

    first.stop_and_wait().await.unwrap();
    second.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}

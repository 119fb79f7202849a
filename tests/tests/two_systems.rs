//! Two countries, two borderflows, one broker: Kazakhstan's and
//! Kyrgyzstan's systems each with their own secrets, topics (a prefix),
//! consumer groups, registry and operators, sharing only the exchange
//! topic and the pair's key. The simulator plays both countries' booths,
//! each streaming to its own country's ingest. Kyrgyzstan's aggregator is
//! down for five hours of the run, while travellers vanish between the
//! posts: Kazakhstan's system waits for the other side's periods instead
//! of raising a gap, both systems find the vanished travellers once it is
//! back, no period is counted twice, and each system's audit trail holds
//! what it sent and what it received.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use borderflow_aggregator::statistics::liaison::audit;
use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::audit::v1::{AuditOutcome, AuditRecord};
use borderflow_proto::liaison::v1::LiaisonRecord;
use borderflow_simulator::exercise::{ExerciseOptions, Neighbour, Targets, run_scenario};
use borderflow_simulator::model::network::Network;
use borderflow_simulator::scenario::Scenario;
use borderflow_simulator::stats::Stats;
use borderflow_systest::broker::free_port;
use borderflow_systest::testbed::{Service, Testbed};
use borderflow_systest::twins;
use tokio_util::sync::CancellationToken;

const HOUR: i64 = 3_600_000;

/// Flags for one country's aggregator.
fn aggregator_flags(
    keys: &str,
    liaison: &str,
    country: &str,
    grpc: SocketAddr,
    admin: SocketAddr,
) -> Vec<String> {
    vec![
        keys.to_owned(),
        liaison.to_owned(),
        format!("--operated-countries={country}"),
        format!("--group-id=borderflow-{}", country.to_lowercase()),
        format!("--grpc-addr={grpc}"),
        format!("--admin-addr={admin}"),
    ]
}

fn local() -> SocketAddr {
    format!("127.0.0.1:{}", free_port().unwrap())
        .parse()
        .unwrap()
}

async fn start_aggregator(
    bed: &Testbed,
    flags: &[String],
) -> Service<borderflow_aggregator::Running> {
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    bed.start_aggregator(bed.aggregator_config(&flags))
        .await
        .unwrap()
}

/// Waits until the run's simulated clock has reached `at_ms`.
async fn until(stats: &Stats, at_ms: i64) {
    while stats.sim_time_ms.load(Ordering::Relaxed) < at_ms {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Kazakhstan's and Kyrgyzstan's systems on one broker.
struct TwoSystems {
    kaz: Testbed,
    kgz: Testbed,
    ingests: [Service<borderflow_ingest::Running>; 2],
    kaz_aggregator: Service<borderflow_aggregator::Running>,
    /// Taken while it is down.
    kgz_aggregator: Option<Service<borderflow_aggregator::Running>>,
    kgz_flags: Vec<String>,
    targets: Targets,
}

impl TwoSystems {
    async fn start() -> Self {
        let network = Network::from_toml(twins::NETWORK, "pair").unwrap();
        let kaz = Testbed::start(network.clone(), 3).await.unwrap();
        let kgz = Testbed::builder(network)
            .partitions(3)
            .brokers(Some(kaz.bootstrap().to_owned()))
            .topic_prefix("kgz.")
            .start()
            .await
            .unwrap();
        // The pair's key is agreed between the two services; nothing else
        // is shared.
        let keys = format!("--pair-keys-file={}", kaz.setup.pair_keys_file.display());
        let liaison = format!("--topic-liaison={}", kaz.topics.liaison);
        assert_ne!(
            std::fs::read(&kaz.setup.secret_file).unwrap(),
            std::fs::read(&kgz.setup.secret_file).unwrap()
        );
        let kaz_ingest = kaz.start_ingest(kaz.ingest_config(&[&keys])).await.unwrap();
        let kgz_ingest = kgz
            .start_ingest(kgz.ingest_config(&[&keys, &liaison]))
            .await
            .unwrap();
        let kaz_aggregator = start_aggregator(
            &kaz,
            &aggregator_flags(&keys, &liaison, "KAZ", local(), local()),
        )
        .await;
        let kgz_flags = aggregator_flags(&keys, &liaison, "KGZ", local(), local());
        let kgz_aggregator = start_aggregator(&kgz, &kgz_flags).await;
        let targets = Targets {
            home: kaz
                .system(kaz_ingest.grpc_addr, kaz_aggregator.grpc_addr)
                .await
                .unwrap(),
            neighbours: vec![Neighbour {
                countries: vec!["KGZ".into()],
                system: kgz
                    .system(kgz_ingest.grpc_addr, kgz_aggregator.grpc_addr)
                    .await
                    .unwrap(),
            }],
        };
        Self {
            kaz,
            kgz,
            ingests: [kaz_ingest, kgz_ingest],
            kaz_aggregator,
            kgz_aggregator: Some(kgz_aggregator),
            kgz_flags,
            targets,
        }
    }

    /// A coupled scenario on the pair: `head` (span, speed, seed) and
    /// `incidents`.
    fn scenario(&self, head: &str, incidents: &str) -> Scenario {
        let network_file = self.kaz.dir().join("pair.toml");
        std::fs::write(&network_file, twins::NETWORK).unwrap();
        let text = format!(
            "name = \"two-systems\"\nnetwork = \"{}\"\nstart = \"2026-05-04T00:00:00Z\"\n\
             baseline = \"4h\"\ncouple_twins = true\n{head}\n{incidents}",
            network_file.display()
        );
        Scenario::from_toml(&text, "two-systems").unwrap()
    }

    fn options(&self) -> ExerciseOptions {
        ExerciseOptions {
            outbox_dir: Some(self.kaz.dir().join("outbox")),
            settle_quiet: Duration::from_secs(8),
            settle_limit: Duration::from_secs(300),
            ..ExerciseOptions::default()
        }
    }

    /// The exchange topic, every record checked (see
    /// [`twins::check_exchanged`]), and both systems' inspections.
    fn exchanged(&self) -> Exchanged {
        let inspections = [twins::inspections(&self.kaz), twins::inspections(&self.kgz)];
        let national: HashSet<Vec<u8>> = inspections[0]
            .national_keys
            .union(&inspections[1].national_keys)
            .cloned()
            .collect();
        let pairs =
            PairKeys::parse(&std::fs::read_to_string(&self.kaz.setup.pair_keys_file).unwrap())
                .unwrap();
        let records = twins::read_topic(&self.kaz, &self.kaz.topics.liaison);
        let periods = twins::check_exchanged(&records, &pairs, &national);
        Exchanged {
            inspections,
            records,
            periods,
        }
    }

    async fn stop(mut self) {
        if let Some(mut kgz) = self.kgz_aggregator.take() {
            kgz.stop_and_wait().await.unwrap();
        }
        self.kaz_aggregator.stop_and_wait().await.unwrap();
        for ingest in &mut self.ingests {
            ingest.stop_and_wait().await.unwrap();
        }
    }
}

struct Exchanged {
    inspections: [twins::Inspections; 2],
    records: Vec<(Vec<u8>, Vec<u8>)>,
    periods: BTreeMap<(String, bool, i64), LiaisonRecord>,
}

impl Exchanged {
    /// No double count: each period a post published holds the
    /// inspections its system decided in it, once each. Only the
    /// exercise's last, unfinished period is never published.
    fn assert_counts_add_up(&self) {
        for (inspections, post) in [
            (&self.inspections[0], "KZ-A"),
            (&self.inspections[1], "KG-B"),
        ] {
            for exit in [false, true] {
                let published: BTreeMap<i64, u64> = self
                    .periods
                    .iter()
                    .filter(|((c, e, _), _)| c == post && *e == exit)
                    .map(|((_, _, start), r)| (*start, r.total))
                    .collect();
                let period_ms = 15 * 60_000;
                let last = *published.keys().next_back().unwrap();
                let mut decided: BTreeMap<i64, u64> = BTreeMap::new();
                let times = &inspections.decided[&(post.to_owned(), exit)];
                for at in times {
                    *decided.entry(at - at.rem_euclid(period_ms)).or_default() += 1;
                }
                let unpublished: Vec<_> = decided.range(last + period_ms..).collect();
                eprintln!(
                    "{post} exit={exit}: {} decided, {} periods published, after the last: {unpublished:?}",
                    times.len(),
                    published.len()
                );
                assert!(times.len() > 500, "{post} {exit}: {}", times.len());
                assert!(unpublished.len() <= 1, "{unpublished:?}");
                let differing: Vec<_> = published
                    .iter()
                    .filter(|(start, total)| decided.get(start).copied().unwrap_or(0) != **total)
                    .map(|(start, total)| (start, total, decided.get(start)))
                    .collect();
                assert!(differing.is_empty(), "{post} exit={exit}: {differing:?}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_systems_reconcile_through_an_outage_of_one() {
    let systems = TwoSystems::start().await;
    let scenario = twins::vanishing_scenario(systems.kaz.dir(), 8);
    let mut systems = systems;

    // Kyrgyzstan's aggregator goes down four hours in and comes back at
    // nine, where its clients expect it; its ingest takes the booths'
    // inspections all along.
    let stats = Arc::new(Stats::default());
    let outage = tokio::spawn({
        let stats = stats.clone();
        let start = scenario.start_ms;
        let mut down = systems.kgz_aggregator.take().unwrap();
        async move {
            until(&stats, start + 4 * HOUR).await;
            down.stop_and_wait().await.unwrap();
            let at = |stats: &Stats| {
                (stats.sim_time_ms.load(Ordering::Relaxed) - start) as f64 / HOUR as f64
            };
            eprintln!("KGZ aggregator down at +{:.1} h", at(&stats));
            until(&stats, start + 9 * HOUR).await;
            eprintln!("KGZ aggregator up at +{:.1} h", at(&stats));
        }
    });
    let restart = async {
        outage.await.unwrap();
        start_aggregator(&systems.kgz, &systems.kgz_flags).await
    };
    let options = systems.options();
    let run = run_scenario(
        &scenario,
        &systems.targets,
        &options,
        stats.clone(),
        CancellationToken::new(),
    );
    let (outcome, restarted) = tokio::join!(run, restart);
    let outcome = outcome.unwrap();

    // Both systems found the vanished travellers, each on its own side,
    // and neither raised a gap while the other was silent.
    let row = outcome
        .scorecard
        .incidents
        .iter()
        .find(|r| r.kind == "vanished_travellers")
        .unwrap();
    eprintln!("vanished_travellers: {row:?}");
    assert_eq!(
        (row.planted, row.detected),
        (1, 1),
        "{:#?}",
        outcome.scorecard
    );
    let found: HashSet<&str> = outcome
        .anomalies
        .iter()
        .filter(|a| a.kind == AnomalyKind::MirrorGap as i32)
        .map(|a| a.crossing_id.as_str())
        .collect();
    assert_eq!(
        found,
        HashSet::from(["KZ-A", "KG-B"]),
        "{:#?}",
        outcome.anomalies
    );
    let false_pair: Vec<_> = outcome
        .scorecard
        .false_alarms
        .iter()
        .filter(|f| f.anomaly.kind == "MIRROR_GAP" || f.anomaly.kind == "TRANSIT_DELAY")
        .collect();
    assert!(false_pair.is_empty(), "{false_pair:#?}");

    // What crossed: both countries' periods, signed, with neither
    // system's national keys, and no double count, the outage
    // notwithstanding.
    let exchanged = systems.exchanged();
    exchanged.assert_counts_add_up();

    // Each trail: every period its system sent; Kazakhstan's, up
    // throughout, every period Kyrgyzstan sent as received and accepted.
    let (kaz, kgz) = (&systems.kaz, &systems.kgz);
    let kaz_trail = borderflow_systest::audit::read(
        &kaz.kafka(),
        &kaz.topics.audit,
        3,
        0,
        Duration::from_secs(30),
    );
    let kgz_trail = borderflow_systest::audit::read(
        &kgz.kafka(),
        &kgz.topics.audit,
        3,
        0,
        Duration::from_secs(30),
    );
    let ids = |trail: &[AuditRecord], method: &str| -> HashSet<String> {
        trail
            .iter()
            .filter(|r| r.method == method && r.outcome == AuditOutcome::Allowed as i32)
            .map(|r| r.id.clone())
            .collect()
    };
    let sent = [ids(&kaz_trail, audit::SENT), ids(&kgz_trail, audit::SENT)];
    let received = [
        ids(&kgz_trail, audit::RECEIVED),
        ids(&kaz_trail, audit::RECEIVED),
    ];
    // Per sender: records on the exchange, and those in the other's trail.
    let mut sent_by = [(0, 0), (0, 0)];
    for (_, payload) in &exchanged.records {
        let record = LiaisonRecord::decode(&payload[..]).unwrap();
        let signature = hex::encode(&record.signature[..12]);
        let i = usize::from(record.country == "KGZ");
        assert!(
            sent[i].contains(&format!("sent:{signature}")),
            "{} {signature} is not in its sender's trail",
            record.crossing_id
        );
        sent_by[i].0 += 1;
        if received[i].contains(&format!("received:{signature}")) {
            sent_by[i].1 += 1;
        }
    }
    eprintln!("records sent by KAZ (received by KGZ), by KGZ (received by KAZ): {sent_by:?}");
    assert_eq!(
        sent_by[1].0, sent_by[1].1,
        "Kazakhstan's trail misses receipts"
    );
    // Kyrgyzstan's records what it read live: not what Kazakhstan sent
    // while it was down (that it read at start-up, from the topic).
    assert!(
        sent_by[0].1 > 0 && sent_by[0].1 < sent_by[0].0,
        "{sent_by:?}"
    );

    systems.kgz_aggregator = Some(restarted);
    systems.stop().await;
}

/// A plain week of the pair on two systems: no gap, no delay, every
/// period adds up (about ten minutes; run with `--ignored`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a week of event time: about 10 minutes"]
async fn a_plain_week_of_two_systems_reconciles() {
    let systems = TwoSystems::start().await;
    let scenario = systems.scenario(
        "duration = \"7d\"\nspeed = \"1 day in 1 minute\"\nseed = 31",
        "",
    );
    let outcome = run_scenario(
        &scenario,
        &systems.targets,
        &systems.options(),
        Arc::new(Stats::default()),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let pair: Vec<_> = outcome
        .anomalies
        .iter()
        .filter(|a| {
            a.kind == AnomalyKind::MirrorGap as i32 || a.kind == AnomalyKind::TransitDelay as i32
        })
        .collect();
    let mut kinds = BTreeMap::<&str, usize>::new();
    for f in &outcome.scorecard.false_alarms {
        *kinds.entry(f.anomaly.kind.as_str()).or_default() += 1;
    }
    eprintln!("false alarms by kind over the week: {kinds:?}");
    assert!(pair.is_empty(), "{pair:#?}");
    let exchanged = systems.exchanged();
    eprintln!("{} records exchanged", exchanged.records.len());
    exchanged.assert_counts_add_up();
    systems.stop().await;
}

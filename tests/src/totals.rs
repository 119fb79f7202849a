//! What a run should count and what it counted: the model's events by
//! crossing, direction and outcome, and the same figures read back from an
//! aggregator's closed windows and from the inspections topic.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use borderflow_common::grpc::Authorized;
use borderflow_common::kafka::KafkaArgs;
use borderflow_domain::time::{Date, MS_PER_HOUR};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::ListWindowsRequest;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_proto::inspection::v1::{Inspection, InspectionRecord, inspection_record};
use borderflow_simulator::link::LinkConfig;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::traffic::{Emission, Traffic, TrafficConfig};
use borderflow_simulator::run::RunConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;

/// (crossing, direction, outcome) → inspections.
pub type Totals = BTreeMap<(String, i32, i32), u64>;

/// `hours` of a network's traffic from a fixed Monday, seed 7.
pub fn traffic_config(hours: i64) -> TrafficConfig {
    let start = Date::new(2026, 5, 4)
        .expect("a valid date")
        .start_epoch_ms();
    TrafficConfig {
        start_ms: start,
        end_ms: start + hours * MS_PER_HOUR,
        seed: 7,
        scale: 1.0,
        heartbeat_idle_ms: 5 * 60_000,
    }
}

/// Streams [`traffic_config`] at `speed` (unpaced when `None`).
pub fn run_config(hours: i64, speed: Option<f64>) -> RunConfig {
    RunConfig {
        traffic: traffic_config(hours),
        clock_speed: speed,
        link: LinkConfig::default(),
        outbox_dir: None,
        closing_after_ms: 10 * 60_000,
    }
}

/// Whether an inspection of `outcome` is in a window's flows: a read
/// abandoned before a decision (a misread zone retaken at once) is counted
/// among the inspections but in no flow.
pub fn in_a_flow(outcome: i32) -> bool {
    outcome != borderflow_proto::inspection::v1::Outcome::Unspecified as i32
}

/// How many events the model sends over `hours` (failed reads included).
pub fn sent(network: &Network, hours: i64) -> u64 {
    Traffic::new(network, &traffic_config(hours))
        .filter(|item| matches!(item.emission, Emission::Event(_)))
        .count() as u64
}

/// What the model sends, counted the way windows count.
pub fn expected(network: &Network, hours: i64) -> Totals {
    let mut totals = Totals::new();
    for item in Traffic::new(network, &traffic_config(hours)) {
        if let Emission::Event(e) = item.emission
            && in_a_flow(e.outcome)
        {
            *totals
                .entry((e.crossing_id.clone(), e.direction, e.outcome))
                .or_default() += 1;
        }
    }
    totals
}

/// What an aggregator's closed windows hold.
pub async fn observed(
    client: &mut AnalyticsServiceClient<Authorized>,
    crossings: &[String],
) -> Totals {
    let mut totals = Totals::new();
    for crossing in crossings {
        let Ok(response) = client
            .list_windows(ListWindowsRequest {
                crossing_id: crossing.clone(),
                ..Default::default()
            })
            .await
        else {
            continue;
        };
        for window in response.into_inner().windows {
            for flow in window.flows {
                *totals
                    .entry((crossing.clone(), flow.direction, flow.outcome))
                    .or_default() += flow.count;
            }
        }
    }
    totals
}

/// Polls the windows until they hold `want` or `limit` passes; returns the
/// last totals seen.
pub async fn wait_for(
    client: &mut AnalyticsServiceClient<Authorized>,
    crossings: &[String],
    want: &Totals,
    limit: Duration,
) -> Totals {
    let started = Instant::now();
    loop {
        let seen = observed(client, crossings).await;
        if &seen == want || started.elapsed() > limit {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What a topic of inspection records holds, each event id once, and how
/// many records repeated an event id.
pub fn on_topic(kafka: &KafkaArgs, topic: &str, partitions: i32) -> (Totals, u64) {
    let mut totals = Totals::new();
    let repeats = each_inspection(kafka, topic, partitions, |i| {
        if in_a_flow(i.outcome) {
            *totals
                .entry((i.crossing_id, i.direction, i.outcome))
                .or_default() += 1;
        }
    });
    (totals, repeats)
}

/// Reads a topic of inspection records whole and hands each inspection to
/// `visit`, each event id once; returns how many records repeated one.
pub fn each_inspection(
    kafka: &KafkaArgs,
    topic: &str,
    partitions: i32,
    mut visit: impl FnMut(Inspection),
) -> u64 {
    let consumer: BaseConsumer = kafka
        .reader_config("totals-check")
        .create()
        .expect("a reader");
    let mut list = rdkafka::TopicPartitionList::new();
    let mut ends = Vec::new();
    for p in 0..partitions {
        list.add_partition_offset(topic, p, rdkafka::Offset::Beginning)
            .expect("a partition");
        ends.push(
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(5))
                .map_or(0, |w| w.1),
        );
    }
    consumer.assign(&list).expect("assigned");
    let mut seen = std::collections::HashSet::new();
    let mut repeats = 0;
    let mut read = vec![0i64; ends.len()];
    let deadline = Instant::now() + Duration::from_secs(60);
    // Some brokers (tansu) report a partition's end as the start of its
    // last record batch: past the reported ends, read on until quiet.
    let mut last_record = Instant::now();
    while Instant::now() < deadline
        && (read.iter().zip(&ends).any(|(r, e)| r < e)
            || last_record.elapsed() < Duration::from_millis(500))
    {
        let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        last_record = Instant::now();
        read[message.partition() as usize] = message.offset() + 1;
        let Ok(record) = InspectionRecord::decode(message.payload().unwrap_or_default()) else {
            continue;
        };
        if let Some(inspection_record::Body::Inspection(i)) = record.body {
            if seen.insert(i.event_id.clone()) {
                visit(i);
            } else {
                repeats += 1;
            }
        }
    }
    repeats
}

/// A one-line account of two totals.
pub fn describe(expected: &Totals, observed: &Totals) -> String {
    let e: u64 = expected.values().sum();
    let o: u64 = observed.values().sum();
    format!(
        "expected {e} inspections in {} groups, observed {o} in {}",
        expected.len(),
        observed.len()
    )
}

//! The event path end to end on a real broker: simulated checkpoints stream
//! through gRPC ingest and Kafka into the aggregator, and the windows read
//! back through `AnalyticsService` account for exactly the events sent.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use borderflow_benches::testbed::{Testbed, eventually};
use borderflow_domain::time::{Date, MS_PER_HOUR};
use borderflow_proto::analytics::v1::ListWindowsRequest;
use borderflow_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use borderflow_simulator::link::LinkConfig;
use borderflow_simulator::model::networks;
use borderflow_simulator::model::traffic::{Emission, Traffic, TrafficConfig};
use borderflow_simulator::run::{RunConfig, run};
use borderflow_simulator::stats::Stats;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

/// (crossing, direction, outcome) → inspections.
type Totals = BTreeMap<(String, i32, i32), u64>;

fn traffic_config(hours: i64) -> TrafficConfig {
    let start = Date::new(2026, 5, 4).unwrap().start_epoch_ms();
    TrafficConfig {
        start_ms: start,
        end_ms: start + hours * MS_PER_HOUR,
        seed: 7,
        scale: 1.0,
        heartbeat_idle_ms: 5 * 60_000,
    }
}

fn run_config(hours: i64, speed: Option<f64>) -> RunConfig {
    RunConfig {
        traffic: traffic_config(hours),
        clock_speed: speed,
        link: LinkConfig::default(),
        outbox_dir: None,
        closing_after_ms: 10 * 60_000,
    }
}

/// What the model sends, counted the way windows count.
fn expected(network: &borderflow_simulator::model::network::Network, hours: i64) -> Totals {
    let mut totals = Totals::new();
    for item in Traffic::new(network, &traffic_config(hours)) {
        if let Emission::Event(e) = item.emission {
            *totals
                .entry((e.crossing_id.clone(), e.direction, e.outcome))
                .or_default() += 1;
        }
    }
    totals
}

/// What the aggregator's closed windows hold.
async fn observed(client: &mut AnalyticsServiceClient<Channel>, crossings: &[String]) -> Totals {
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

/// Polls the windows until they hold `want` or a minute passes; returns
/// the last totals seen.
async fn wait_for(
    client: &mut AnalyticsServiceClient<Channel>,
    crossings: &[String],
    want: &Totals,
) -> Totals {
    let started = std::time::Instant::now();
    loop {
        let seen = observed(client, crossings).await;
        if &seen == want || started.elapsed() > Duration::from_secs(60) {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What the inspections topic holds, each event id once.
fn on_topic(bed: &Testbed) -> Totals {
    use borderflow_proto::Message as _;
    use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    let consumer: BaseConsumer = bed
        .kafka()
        .reader_config("end-to-end-check")
        .create()
        .unwrap();
    let mut list = rdkafka::TopicPartitionList::new();
    let mut ends = Vec::new();
    for p in 0..bed.partitions {
        list.add_partition_offset(&bed.topics.inspections, p, rdkafka::Offset::Beginning)
            .unwrap();
        ends.push(
            consumer
                .fetch_watermarks(&bed.topics.inspections, p, Duration::from_secs(5))
                .unwrap()
                .1,
        );
    }
    consumer.assign(&list).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut totals = Totals::new();
    let mut read = vec![0i64; ends.len()];
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while read.iter().zip(&ends).any(|(r, e)| r < e) && std::time::Instant::now() < deadline {
        let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        read[message.partition() as usize] = message.offset() + 1;
        let record = InspectionRecord::decode(message.payload().unwrap_or_default()).unwrap();
        if let Some(inspection_record::Body::Inspection(i)) = record.body
            && seen.insert(i.event_id.clone())
        {
            *totals
                .entry((i.crossing_id, i.direction, i.outcome))
                .or_default() += 1;
        }
    }
    totals
}

fn describe(expected: &Totals, observed: &Totals) -> String {
    let e: u64 = expected.values().sum();
    let o: u64 = observed.values().sum();
    format!(
        "expected {e} inspections in {} groups, observed {o} in {}",
        expected.len(),
        observed.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_sent_is_counted_exactly_once() {
    let network = networks::generated(8, 3);
    let crossings: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
    let bed = Testbed::start(network.clone(), 12).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();

    let hours = 4;
    let want = expected(&network, hours);
    let stats = Arc::new(Stats::default());
    let channel = bed.ingest_channel(ingest.grpc_addr).await.unwrap();
    run(
        &network,
        &run_config(hours, None),
        channel,
        &bed.tokens().unwrap(),
        Vec::new(),
        stats.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let sent: u64 = want.values().sum();
    assert_eq!(stats.generated.load(Ordering::Relaxed), sent);
    assert_eq!(
        stats.acked.load(Ordering::Relaxed),
        sent,
        "ingest acknowledged every event"
    );
    assert_eq!(stats.rejected.load(Ordering::Relaxed), 0);

    let mut client = Testbed::analytics(aggregator.grpc_addr).await.unwrap();
    let last = wait_for(&mut client, &crossings, &want).await;
    assert_eq!(last, want, "{}", describe(&want, &last));
    eprintln!("counted exactly: {}", describe(&want, &last));

    aggregator.stop_and_wait().await.unwrap();
    ingest.stop_and_wait().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_aggregator_restarted_mid_stream_still_counts_exactly() {
    let network = networks::generated(6, 11);
    let crossings: Vec<String> = network.crossings.iter().map(|c| c.id.clone()).collect();
    let bed = Testbed::start(network.clone(), 12).await.unwrap();
    let mut ingest = bed.start_ingest(bed.ingest_config(&[])).await.unwrap();
    let mut first = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();

    let hours = 6;
    let want = expected(&network, hours);
    let stats = Arc::new(Stats::default());
    let channel = bed.ingest_channel(ingest.grpc_addr).await.unwrap();
    let tokens = bed.tokens().unwrap();
    // Six simulated hours in about six seconds.
    let sim = {
        let network = network.clone();
        let stats = stats.clone();
        tokio::spawn(async move {
            run(
                &network,
                &run_config(hours, Some(3_600.0)),
                channel,
                &tokens,
                Vec::new(),
                stats,
                CancellationToken::new(),
            )
            .await
        })
    };
    let half = want.values().sum::<u64>() / 3;
    eventually(Duration::from_secs(30), || async {
        (stats.acked.load(Ordering::Relaxed) >= half).then_some(())
    })
    .await
    .expect("the stream got going");
    first.stop_and_wait().await.unwrap();
    let at_stop = stats.acked.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = bed
        .start_aggregator(bed.aggregator_config(&[]))
        .await
        .unwrap();
    sim.await.unwrap().unwrap();
    assert!(
        at_stop < want.values().sum::<u64>(),
        "the aggregator stopped mid-stream"
    );

    assert_eq!(on_topic(&bed), want, "the topic holds every event sent");
    let mut client = Testbed::analytics(second.grpc_addr).await.unwrap();
    let last = wait_for(&mut client, &crossings, &want).await;
    assert_eq!(last, want, "{}", describe(&want, &last));
    eprintln!(
        "stopped after {at_stop} acknowledged; restarted and counted exactly: {}",
        describe(&want, &last)
    );
    ingest.stop_and_wait().await.unwrap();
}

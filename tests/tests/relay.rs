//! The relay on a real broker: an anomaly this instance produced reaches its
//! store (and so `WatchAnomalies` and the dashboard) once Kafka has confirmed
//! it, with no materialiser reading the topic back; reading it back changes
//! nothing; one Kafka refused never reaches the store, and the batch
//! carrying it reports the failure.

use std::sync::Arc;
use std::time::Duration;

use borderflow_aggregator::partition::effects::Effects as _;
use borderflow_aggregator::store::AnomalyStore;
use borderflow_aggregator::stream::output::{Batch, InFlight, Outputs, Relay};
use borderflow_common::kafka::{KafkaArgs, Topics};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{Anomaly, AnomalyKind, AnomalyStatus};
use borderflow_proto::ms_to_timestamp;
use borderflow_systest::broker::{LocalBroker, Storage, create_topics};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message as _;
use rdkafka::producer::FutureProducer;

fn anomaly(id: &str) -> Anomaly {
    Anomaly {
        id: id.into(),
        kind: AnomalyKind::MrzCheckDigit as i32,
        crossing_id: "KZ-KORDAY".into(),
        event_time: Some(ms_to_timestamp(1_000)),
        status: AnomalyStatus::Open as i32,
        revision: 1,
        ..Anomaly::default()
    }
}

/// Waits for the in-flight batches, failing on a refused delivery.
fn settle(in_flight: &mut InFlight) -> Result<(), String> {
    in_flight
        .drain(Duration::from_secs(20))
        .map(|_| ())
        .map_err(|err| err.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_anomalies_kafka_confirmed_reach_the_store() {
    let topic = Topics::ANOMALIES;
    let broker = tokio::task::spawn_blocking(move || {
        let broker = LocalBroker::start(Storage::Memory)?;
        create_topics(&broker.bootstrap(), &[topic], 2)?;
        anyhow::Ok(broker)
    })
    .await
    .unwrap()
    .unwrap();
    let mut kafka = KafkaArgs::local(broker.bootstrap());
    kafka.delivery_timeout = Duration::from_secs(3);
    let producer: FutureProducer = kafka.producer_config("relay-test").create().unwrap();
    let store = Arc::new(AnomalyStore::new(100));
    let mut watcher = store.subscribe();
    let relay = Relay::new(store.clone(), tokio::runtime::Handle::current());

    let delivered = anomaly("a-delivered");
    let refused = anomaly("a-refused");
    let (mut confirmed, mut failed) = (
        InFlight::new(producer.clone()),
        InFlight::new(producer.clone()),
    );
    let topics = Topics::default();
    // tansu creates no topics on demand: a delivery there times out.
    let missing = Topics {
        anomalies: "no-such-topic".into(),
        ..Topics::default()
    };
    for (anomaly, topics, in_flight) in [
        (&delivered, &topics, &mut confirmed),
        (&refused, &missing, &mut failed),
    ] {
        let mut batch = Batch::default();
        let mut out = Outputs {
            producer: &producer,
            topics,
            batch: &mut batch,
            relay: &relay,
            source: Topics::INSPECTIONS,
        };
        out.anomaly(anomaly).unwrap();
        in_flight.push(batch);
    }

    let seen = tokio::time::timeout(Duration::from_secs(20), watcher.recv())
        .await
        .expect("the delivered anomaly is broadcast")
        .unwrap();
    assert_eq!(seen.id, "a-delivered");
    let outcomes =
        tokio::task::spawn_blocking(move || (settle(&mut confirmed), settle(&mut failed)))
            .await
            .unwrap();
    assert_eq!(
        outcomes.0,
        Ok(()),
        "the delivered anomaly's batch is confirmed"
    );
    assert!(outcomes.1.is_err(), "the refused anomaly's batch fails");
    assert!(
        store.get("a-refused").is_none(),
        "nothing Kafka refused is shown"
    );

    // The materialiser's read-back of the same record: no change, no
    // second broadcast.
    let bootstrap = broker.bootstrap();
    let read_back = tokio::task::spawn_blocking(move || read_one(&bootstrap, topic))
        .await
        .unwrap();
    assert_eq!(read_back, delivered);
    assert!(!store.apply(read_back), "the read-back changes nothing");
    assert_eq!(store.len(), 1);
    assert!(watcher.try_recv().is_err(), "broadcast once");
}

/// The first record of `topic`, decoded, as the materialiser reads it.
fn read_one(bootstrap: &str, topic: &str) -> Anomaly {
    let consumer: BaseConsumer = KafkaArgs::local(bootstrap)
        .reader_config("relay-test-reader")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            return Anomaly::decode(message.payload().unwrap_or_default()).unwrap();
        }
    }
    panic!("the delivered anomaly is on the topic");
}

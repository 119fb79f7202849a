//! Showing this instance's own anomalies to its watchers once durable.

use std::sync::Arc;

use borderflow_proto::analytics::v1::Anomaly;
use futures::channel::oneshot;
use rdkafka::producer::DeliveryFuture;
use rdkafka::producer::future_producer::OwnedDeliveryResult;
use tokio::runtime::Handle;

use crate::store::AnomalyStore;

/// Shows this instance's own anomalies to its watchers as soon as Kafka has
/// confirmed them, instead of once its materialiser reads them back from the
/// anomalies topic: one consumer hop (a fetch wait) less between a detection
/// and `WatchAnomalies` or the dashboard. Only what is durable is shown; the
/// read-back finds the same record and changes nothing. The batch carrying
/// the anomaly is confirmed through the relay task, so it needs the
/// aggregator's runtime running (it is, until processing has stopped).
#[derive(Clone, Debug)]
pub struct Relay {
    store: Arc<AnomalyStore>,
    runtime: Handle,
}

impl Relay {
    pub fn new(store: Arc<AnomalyStore>, runtime: Handle) -> Self {
        Self { store, runtime }
    }

    pub(super) fn relay(
        &self,
        delivery: DeliveryFuture,
        anomaly: Anomaly,
    ) -> oneshot::Receiver<OwnedDeliveryResult> {
        let (report, relayed) = oneshot::channel();
        let store = self.store.clone();
        self.runtime.spawn(async move {
            // A cancelled delivery drops `report`: the batch sees it cancelled.
            if let Ok(result) = delivery.await {
                if result.is_ok() {
                    store.apply_relayed(anomaly);
                }
                let _ = report.send(result);
            }
        });
        relayed
    }
}

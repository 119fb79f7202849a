//! One crossing's traffic, with a scenario's incidents planted, fed in the
//! order its booths produce it straight into an aggregator partition (no
//! broker): what the crossing-level rules raise, and when.

use std::sync::Arc;

use borderflow_aggregator::detect::{DetectConfig, References};
use borderflow_aggregator::partition::{PartitionState, WindowConfig};
use borderflow_aggregator::windows::codec;
use borderflow_proto::analytics::v1::AnomalyKind;
use borderflow_proto::inspection::v1::CheckpointStatus;
use borderflow_simulator::exercise::traffic_config;
use borderflow_simulator::model::inject::Injections;
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::traffic::{Emission, Traffic};
use borderflow_simulator::plant::plan;
use borderflow_simulator::scenario::Scenario;
use borderflow_systest::data;

/// An anomaly the rules raised.
#[derive(Clone, Debug)]
pub(crate) struct Raised {
    pub(crate) kind: AnomalyKind,
    /// The start of the first period in which the condition held.
    pub(crate) since_ms: i64,
    /// The watermark when it was raised.
    pub(crate) detected_ms: i64,
    pub(crate) explanation: String,
}

/// A scenario on `central-asia` of `days` days from Monday 4 May 2026 with
/// `incidents` (TOML tables, offsets from the start), at `scale`.
pub(crate) fn scenario(days: u32, seed: u64, scale: f64, incidents: &str) -> Scenario {
    let text = format!(
        "name = \"sensitivity\"\nnetwork = \"central-asia\"\nstart = \"2026-05-04T00:00:00Z\"\n\
         duration = \"{days}d\"\nseed = {seed}\nscale = {scale}\nbaseline = \"1d\"\ntail = \"0s\"\n{incidents}"
    );
    Scenario::from_toml(&text, "sensitivity").unwrap_or_else(|e| panic!("{e}"))
}

/// What the crossing-level rules raise at crossing `id` over `scenario`,
/// with its incidents planted.
pub(crate) fn raised(scenario: &Scenario, id: &str) -> Vec<Raised> {
    let network = &scenario.network;
    let index = network.index_of(id).expect("a crossing of the network");
    let mut planned = plan(scenario).unwrap_or_else(|e| panic!("{}: {}", e.field, e.reason));
    // The crossing alone: its stream does not depend on the others.
    let single = Network {
        name: network.name.clone(),
        crossings: vec![network.crossings[index].clone()],
        special_days: network.special_days.clone(),
        twins: Vec::new(),
    };
    let mut injections = Injections::default();
    if let Some(changes) = planned.injections.crossings.remove(&index) {
        injections.crossings.insert(0, changes);
    }
    let refs: Arc<dyn References> = Arc::new(data::reference_store(&single));
    let mut state = PartitionState::new(
        0,
        WindowConfig::default(),
        Arc::new(DetectConfig::default()),
        refs,
    );
    let keys = data::bench_keys();
    let mut out = Vec::new();
    let mut offset = 0;
    for item in Traffic::with_injections(&single, &traffic_config(scenario), injections) {
        offset += 1;
        match &item.emission {
            Emission::Event(event) => {
                let built = data::inspections(std::slice::from_ref(&**event), &keys, 0);
                let inspection = built.first().expect("the generator's events are valid");
                let facts = codec::facts(inspection, false, &Default::default()).unwrap();
                state.inspection(offset, id, &facts);
            }
            Emission::Heartbeat(beat) => {
                let status = CheckpointStatus::try_from(beat.status).unwrap();
                state.heartbeat(offset, id, &beat.checkpoint_id, item.at_ms, status);
            }
        }
        for anomaly in state.take_anomalies() {
            let ms = |t: Option<borderflow_proto::Timestamp>| t.map_or(0, |t| t.seconds * 1000);
            out.push(Raised {
                kind: AnomalyKind::try_from(anomaly.kind).unwrap(),
                since_ms: ms(anomaly.event_time),
                detected_ms: ms(anomaly.detected_at),
                explanation: anomaly.explanation,
            });
        }
        state.take_closed();
        state.take_snapshots();
    }
    out
}

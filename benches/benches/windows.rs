//! Window update: `PartitionState::inspection` for every inspection of one
//! partition's share of the seeded traffic, including the window closes
//! the watermark brings and the per-crossing detectors they feed.

use std::hint::black_box;
use std::sync::Arc;

use borderflow_aggregator::codec;
use borderflow_aggregator::detect::DetectConfig;
use borderflow_aggregator::partition::{PartitionState, WindowConfig};
use borderflow_benches::data;
use borderflow_simulator::model::networks;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn windows(c: &mut Criterion) {
    let mut group = c.benchmark_group("window_update");
    group.sample_size(20);
    for crossings in [10, 1_000] {
        let network = networks::generated(crossings, data::SEED);
        let events = data::events(&network, data::SEED, 50_000);
        let inspections = data::inspections(&events, &data::bench_keys(), 0);
        let detect = Arc::new(DetectConfig::default());
        group.throughput(Throughput::Elements(inspections.len() as u64));
        group.bench_function(format!("{crossings}_crossings"), |b| {
            b.iter(|| {
                let mut state = PartitionState::new(0, WindowConfig::default(), detect.clone());
                for (offset, inspection) in inspections.iter().enumerate() {
                    let facts = codec::facts(inspection, false).expect("valid records");
                    black_box(state.inspection(offset as i64, &inspection.crossing_id, &facts));
                }
                state.take_closed().len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, windows);
criterion_main!(benches);

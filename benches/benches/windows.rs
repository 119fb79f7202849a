//! Window update: `PartitionState::inspection` for every inspection of one
//! partition's share of the seeded traffic, including the window closes
//! the watermark brings and the per-crossing detectors they feed, and
//! turning the closed windows into records at the end of each batch.

use std::hint::black_box;
use std::sync::Arc;

use borderflow_aggregator::detect::{DetectConfig, References};
use borderflow_aggregator::partition::{PartitionState, WindowConfig};
use borderflow_aggregator::windows::codec;
use borderflow_benches::data;
use borderflow_simulator::model::networks;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Records between publications, as the aggregator's default batch.
const BATCH: usize = 5_000;

/// The allocator the service binaries use, so the figures match them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn windows(c: &mut Criterion) {
    let mut group = c.benchmark_group("window_update");
    group.sample_size(20);
    for crossings in [10, 1_000] {
        let network = networks::generated(crossings, data::SEED);
        let events = data::events(&network, data::SEED, 50_000);
        let inspections = data::inspections(&events, &data::bench_keys(), 0);
        let detect = Arc::new(DetectConfig::default());
        let refs: Arc<dyn References> = Arc::new(data::reference_store(&network));
        group.throughput(Throughput::Elements(inspections.len() as u64));
        group.bench_function(format!("{crossings}_crossings"), |b| {
            b.iter(|| {
                let mut state =
                    PartitionState::new(0, WindowConfig::default(), detect.clone(), refs.clone());
                let mut published = 0;
                for (offset, inspection) in inspections.iter().enumerate() {
                    let facts = codec::facts(inspection, false, &Default::default())
                        .expect("valid records");
                    black_box(state.inspection(offset as i64, &inspection.crossing_id, &facts));
                    // What the stage publishes at the end of each batch.
                    if offset % BATCH == BATCH - 1 {
                        published += state.take_closed().len();
                    }
                }
                published + state.take_closed().len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, windows);
criterion_main!(benches);

//! The aggregator core in memory, no broker: decode, per-event rules,
//! windows with the per-crossing detectors, the per-document rules, and
//! encoding what a batch publishes, over 12 partitions, for records of the
//! seeded generator as ingest writes them, through the production steps
//! (`PartitionState::step`, `DocumentPartition::step`). Target: ≥ 1 M events/s per core
//! (this runs on one thread).

use std::hint::black_box;
use std::sync::Arc;

use borderflow_benches::aggregator_core::Core;
use borderflow_benches::data;
use borderflow_simulator::model::networks;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator the service binaries use, so the figures match them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RECORDS: usize = 100_000;
const PARTITIONS: usize = 12;

fn aggregator_core(c: &mut Criterion) {
    let mut group = c.benchmark_group("aggregator_core");
    group.sample_size(10);
    // Sparse: the generated network as it is, about one inspection per
    // crossing and window. Busy: 40 × the rates, tens per window (a
    // national peak hour).
    for (name, network) in [
        ("sparse_50_crossings", networks::generated(50, data::SEED)),
        (
            "busy_50_crossings",
            data::busier(networks::generated(50, data::SEED), 40.0),
        ),
    ] {
        let events = data::events(&network, data::SEED, RECORDS);
        let records = data::encode(&data::inspections(&events, &data::bench_keys(), 0));
        let refs = Arc::new(data::reference_store(&network));
        group.throughput(Throughput::Elements(records.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut core = Core::new(PARTITIONS, refs.clone());
                core.run(black_box(&records));
                core.produced_bytes()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, aggregator_core);
criterion_main!(benches);

//! The inspections topic's records: encoding what ingest publishes, and the
//! aggregator's decode (with its checks) of the same bytes.

use std::hint::black_box;

use borderflow_aggregator::windows::codec::{self, Decoded};
use borderflow_benches::data;
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::{InspectionRecord, inspection_record};
use borderflow_simulator::model::networks;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator the service binaries use, so the figures match them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn codec(c: &mut Criterion) {
    let network = networks::generated(50, data::SEED);
    let events = data::events(&network, data::SEED, 20_000);
    let records: Vec<InspectionRecord> = data::inspections(&events, &data::bench_keys(), 0)
        .into_iter()
        .map(|i| InspectionRecord {
            body: Some(inspection_record::Body::Inspection(i)),
        })
        .collect();
    let encoded: Vec<Vec<u8>> = records.iter().map(|r| r.encode_to_vec()).collect();
    let bytes: usize = encoded.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("record");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function(format!("encode_{}_bytes_avg", bytes / records.len()), |b| {
        b.iter(|| {
            records
                .iter()
                .map(|r| black_box(r.encode_to_vec()).len())
                .sum::<usize>()
        })
    });
    group.bench_function("decode", |b| {
        b.iter(|| {
            encoded
                .iter()
                .filter(|payload| {
                    matches!(
                        codec::decode(black_box(payload)),
                        Ok(Decoded::Inspection(_))
                    )
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);

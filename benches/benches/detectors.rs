//! Each detector family on the seeded traffic: the per-event rules, the
//! per-document rules (histories, stays, timers), and the per-crossing
//! detectors over the windows that traffic closes (counted per inspection
//! the windows hold, so the figures compare with the per-event ones).

use std::hint::black_box;
use std::sync::Arc;

use borderflow_aggregator::detect::crossing::CrossingDetectors;
use borderflow_aggregator::detect::document::DocumentProcessor;
use borderflow_aggregator::detect::{self, DetectConfig};
use borderflow_aggregator::partition::{PartitionState, WindowConfig};
use borderflow_aggregator::store::ReferenceStore;
use borderflow_aggregator::windows::codec;
use borderflow_benches::data;
use borderflow_proto::analytics::v1::DetectorSample;
use borderflow_proto::inspection::v1::Inspection;
use borderflow_simulator::model::networks;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator the service binaries use, so the figures match them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EVENTS: usize = 50_000;

/// Each crossing's closed windows in order: (start, what detectors see).
fn samples(
    inspections: &[Inspection],
    detect: &Arc<DetectConfig>,
    refs: &Arc<ReferenceStore>,
) -> Vec<(String, Vec<(i64, DetectorSample)>)> {
    let mut state = PartitionState::new(0, WindowConfig::default(), detect.clone(), refs.clone());
    let mut by_crossing: std::collections::BTreeMap<String, Vec<(i64, DetectorSample)>> =
        Default::default();
    for (offset, inspection) in inspections.iter().enumerate() {
        let facts = codec::facts(inspection, false, &Default::default()).expect("valid records");
        state.inspection(offset as i64, &inspection.crossing_id, &facts);
        for closed in state.take_closed() {
            let (Some(window), Some(sample)) = (closed.record.window, closed.record.sample) else {
                continue;
            };
            let start = window
                .start
                .as_ref()
                .and_then(borderflow_proto::timestamp_to_ms)
                .unwrap_or_default();
            by_crossing
                .entry(window.crossing_id)
                .or_default()
                .push((start, sample));
        }
    }
    by_crossing.into_iter().collect()
}

fn detectors(c: &mut Criterion) {
    let network = networks::generated(50, data::SEED);
    let events = data::events(&network, data::SEED, EVENTS);
    let inspections = data::inspections(&events, &data::bench_keys(), 0);
    let refs = Arc::new(data::reference_store(&network));
    let detect = Arc::new(DetectConfig::default());
    let mut group = c.benchmark_group("detectors");
    group.sample_size(20);
    group.throughput(Throughput::Elements(inspections.len() as u64));

    group.bench_function("event_rules", |b| {
        b.iter(|| {
            inspections
                .iter()
                .map(|i| {
                    let (_, _, at) = codec::times(i).expect("valid times");
                    detect::event::evaluate(black_box(i), at, refs.as_ref(), &detect)
                        .anomalies
                        .len()
                })
                .sum::<usize>()
        })
    });

    let keyed: Vec<([u8; 32], &Inspection)> = inspections
        .iter()
        .filter_map(|i| {
            Some((
                <[u8; 32]>::try_from(&i.document.as_ref()?.document_key[..]).ok()?,
                i,
            ))
        })
        .collect();
    group.bench_function("document_rules", |b| {
        b.iter(|| {
            let mut processor = DocumentProcessor::new(detect.clone(), 120_000);
            let mut out = Vec::new();
            for (key, inspection) in &keyed {
                // Every history in memory: nothing to load first.
                let Ok(()) = processor.process(*key, inspection, refs.as_ref(), &mut out) else {
                    unreachable!("a processor with every history in memory")
                };
            }
            out.len()
        })
    });

    let samples = samples(&inspections, &detect, &refs);
    let covered: u64 = samples
        .iter()
        .flat_map(|(_, s)| s)
        .map(|(_, s)| s.inspections)
        .sum();
    let windows: usize = samples.iter().map(|(_, s)| s.len()).sum();
    group.throughput(Throughput::Elements(covered));
    group.bench_function(format!("crossing_detectors_{windows}_windows"), |b| {
        b.iter(|| {
            let mut out = Vec::new();
            for (crossing, windows) in &samples {
                let mut detectors =
                    CrossingDetectors::new(Arc::from(crossing.as_str()), detect.clone());
                for (start, sample) in windows {
                    detectors.observe(*start, sample);
                    detectors.advance(start + 180_000, &mut out);
                }
            }
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, detectors);
criterion_main!(benches);

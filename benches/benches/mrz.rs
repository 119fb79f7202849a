//! MRZ validation throughput over a mixed batch of all five layouts, from
//! the same seeded generator the simulator and the property tests use.
//! Target: 2 M documents/s per core (≤ 500 ns each).

use std::hint::black_box;

use borderflow_domain::mrz::{Corruption, DocumentSpec, Format, corrupt, validate, write};
use borderflow_domain::time::Date;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator of the binaries that run this code.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 9303;
const BATCH: usize = 1_000;

fn reference() -> Date {
    Date::new(2025, 5, 4).expect("reference date exists")
}

/// `BATCH` valid zones, the five layouts in turn.
fn valid_batch() -> Vec<Vec<String>> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..BATCH)
        .map(|i| {
            let format = Format::ALL[i % Format::ALL.len()];
            let spec = DocumentSpec::random(&mut rng, format, reference());
            write(&spec).expect("generated documents are writable")
        })
        .collect()
}

/// The same zones, each with one corruption, the five kinds in turn.
fn corrupted_batch(valid: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    valid
        .iter()
        .enumerate()
        .map(|(i, lines)| corrupt(lines, Corruption::ALL[i % Corruption::ALL.len()], &mut rng))
        .collect()
}

fn as_refs(batch: &[Vec<String>]) -> Vec<Vec<&str>> {
    batch
        .iter()
        .map(|lines| lines.iter().map(String::as_str).collect())
        .collect()
}

fn validate_all(zones: &[Vec<&str>], reference: Date) -> usize {
    zones
        .iter()
        .map(|zone| usize::from(validate(black_box(zone), reference).is_valid()))
        .sum()
}

fn mrz(c: &mut Criterion) {
    let valid = valid_batch();
    let corrupted = corrupted_batch(&valid);
    let (valid, corrupted) = (as_refs(&valid), as_refs(&corrupted));
    let reference = reference();
    assert_eq!(validate_all(&valid, reference), valid.len());
    assert_eq!(validate_all(&corrupted, reference), 0);

    let mut group = c.benchmark_group("mrz");
    group.throughput(Throughput::Elements(valid.len() as u64));
    group.bench_function("validate_mixed_valid", |b| {
        b.iter(|| validate_all(&valid, reference))
    });
    group.bench_function("validate_mixed_corrupted", |b| {
        b.iter(|| validate_all(&corrupted, reference))
    });
    group.finish();
}

criterion_group!(benches, mrz);
criterion_main!(benches);

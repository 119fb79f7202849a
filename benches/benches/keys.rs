//! Pseudonymisation: the document key and the person key (two HMAC-SHA256)
//! of each document the seeded generator's travellers carry, as ingest
//! computes them for every inspection.

use std::hint::black_box;

use borderflow_benches::data;
use borderflow_domain::mrz;
use borderflow_domain::time::Date;
use borderflow_proto::inspection::v1::document_read;
use borderflow_simulator::model::networks;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// What the keys are computed from.
struct Fields {
    issuing_state: String,
    number: String,
    primary: String,
    secondary: String,
    birth: Option<Date>,
    nationality: String,
}

/// The allocator the service binaries use, so the figures match them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn fields() -> Vec<Fields> {
    let network = networks::generated(50, data::SEED);
    let on = Date::new(2026, 5, 4).expect("a real date");
    data::events(&network, data::SEED, 20_000)
        .iter()
        .filter_map(|event| match event.document.as_ref()?.source.as_ref()? {
            document_read::Source::Mrz(zone) => {
                let lines: Vec<&str> = zone.lines.iter().map(String::as_str).collect();
                let report = mrz::validate(&lines, on);
                Some(Fields {
                    issuing_state: report.issuing_state().to_owned(),
                    number: report.document_number().into_owned(),
                    primary: report.primary_identifier().to_owned(),
                    secondary: report.secondary_identifier().to_owned(),
                    birth: report.birth_date(),
                    nationality: report.nationality().to_owned(),
                })
            }
            document_read::Source::Fields(_) => None,
        })
        .collect()
}

fn keys(c: &mut Criterion) {
    let documents = fields();
    let keys = data::bench_keys();
    let mut group = c.benchmark_group("pseudonymise");
    group.throughput(Throughput::Elements(documents.len() as u64));
    group.bench_function("document_and_person_key", |b| {
        b.iter(|| {
            let mut x = 0u8;
            for d in &documents {
                let document = keys.document_key(&d.issuing_state, &d.number);
                let person = keys.person_key(&d.primary, &d.secondary, d.birth, &d.nationality);
                x ^= document.0[0] ^ person.0[0];
            }
            black_box(x)
        })
    });
    group.finish();
}

criterion_group!(benches, keys);
criterion_main!(benches);

//! The simulator's traffic generator in memory: inspection events per
//! second over two simulated days of the Central Asia network (its
//! population warms up, so returning travellers reuse their written zones)
//! and of a generated network of 500 crossings, on one thread and sharded
//! over every core (the same stream). Target: ≥ 1 M events/s, so the
//! generator is never what limits a run.

use std::hint::black_box;

use borderflow_domain::time::{Date, MS_PER_DAY};
use borderflow_simulator::model::network::Network;
use borderflow_simulator::model::networks;
use borderflow_simulator::model::traffic::{
    Emission, Emitted, ShardedTraffic, Traffic, TrafficConfig,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The allocator of the binaries that run this code.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SEED: u64 = 7;

fn config(days: i64) -> TrafficConfig {
    let start = Date::new(2026, 5, 4).expect("a real date").start_epoch_ms();
    TrafficConfig {
        start_ms: start,
        end_ms: start + days * MS_PER_DAY,
        seed: SEED,
        scale: 1.0,
        heartbeat_idle_ms: 5 * 60_000,
    }
}

/// Inspection events generated (heartbeats are made but not counted).
fn events(network: &Network, config: &TrafficConfig, threads: usize) -> u64 {
    if threads == 1 {
        count(Traffic::new(network, config))
    } else {
        count(ShardedTraffic::new(network, config, threads).expect("generator threads start"))
    }
}

fn count(items: impl Iterator<Item = Emitted>) -> u64 {
    let mut events = 0;
    for item in items {
        if matches!(black_box(&item).emission, Emission::Event(_)) {
            events += 1;
        }
    }
    events
}

fn generator(c: &mut Criterion) {
    let mut group = c.benchmark_group("generator");
    group.sample_size(10);
    for (name, network, days) in [
        (
            "central_asia_2_days",
            networks::resolve("central-asia", SEED).expect("shipped network"),
            2,
        ),
        ("generated_500_1_day", networks::generated(500, SEED), 1),
    ] {
        let config = config(days);
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        group.throughput(Throughput::Elements(events(&network, &config, 1)));
        group.bench_function(name, |b| b.iter(|| events(&network, &config, 1)));
        group.bench_function(format!("{name}_sharded_{cores}_threads"), |b| {
            b.iter(|| events(&network, &config, cores))
        });
    }
    group.finish();
}

criterion_group!(benches, generator);
criterion_main!(benches);

//! `borderflow-memory`: where the aggregator's memory goes. Runs the
//! aggregator core in memory over the seeded traffic of a generated network
//! (windows and per-crossing detectors, per-document histories, and the
//! materialised window store every instance keeps), then frees each part in
//! turn and reports the live heap bytes it held, counted by a wrapping
//! global allocator. No broker: the librdkafka queues are not in it.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use borderflow_aggregator::store::WindowStore;
use borderflow_benches::aggregator_core::Core;
use borderflow_benches::{data, documents_on_disk};
use borderflow_simulator::model::networks;
use clap::Parser;
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

/// The system allocator, counting what is requested and freed. (The
/// services run on mimalloc; the bytes requested are the same.)
#[global_allocator]
static ALLOCATOR: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

#[derive(Parser, Debug)]
#[command(
    name = "borderflow-memory",
    about = "Live heap of the aggregator's state, part by part, after a seeded workload"
)]
struct Args {
    /// Crossings of the generated network.
    #[arg(long, default_value_t = 10_000)]
    crossings: usize,
    /// Inspection records to process.
    #[arg(long, default_value_t = 1_400_000)]
    records: usize,
    /// Partitions of the inspections and by-document topics.
    #[arg(long, default_value_t = 12)]
    partitions: usize,
    /// Event time of windows the materialised store keeps per crossing
    /// (the aggregator's `--query-retention`), in hours.
    #[arg(long, default_value_t = 48)]
    query_retention_hours: i64,
    /// Write the figures as JSON here.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Instead: the per-document state on disk, as with the aggregator's
    /// `--state-dir`, over this many distinct documents (memory and disk
    /// reported at each quarter).
    #[arg(long)]
    on_disk_documents: Option<u64>,
    /// With `--on-disk-documents`: the aggregator's
    /// `--state-cache-documents`.
    #[arg(long, default_value_t = 250_000)]
    state_cache_documents: usize,
}

/// Heap bytes requested and not yet freed.
fn live() -> i64 {
    let stats = ALLOCATOR.stats();
    // A reallocation's growth or shrinkage is in these two as well.
    stats.bytes_allocated as i64 - stats.bytes_deallocated as i64
}

fn mib(bytes: i64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `VmRSS` and `VmHWM` of this process, in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[derive(serde::Serialize)]
struct Part {
    part: &'static str,
    bytes: i64,
    bytes_per_document: f64,
    bytes_per_record: f64,
}

/// The per-document state on disk: memory and disk as documents grow.
fn on_disk(args: &Args, documents: u64) -> anyhow::Result<()> {
    let network = networks::generated(args.crossings, data::SEED);
    let crossing = network
        .crossings
        .iter()
        .find(|c| c.country != "UZB")
        .ok_or_else(|| anyhow::anyhow!("the network has no crossing outside UZB"))?;
    let refs = Arc::new(data::reference_store(&network));
    let dir = std::env::temp_dir().join(format!("borderflow-memory-{}", std::process::id()));
    let setup = documents_on_disk::Setup {
        refs,
        crossing: &crossing.id,
        nationality: "UZB",
        partitions: args.partitions,
        cache_documents: args.state_cache_documents,
        dir: &dir,
    };
    let quarters: Vec<u64> = (1..=4).map(|q| documents * q / 4).collect();
    let before = live();
    let checkpoints = documents_on_disk::run(&setup, documents, &quarters, || {
        (live() - before, rss_kib().0)
    });
    let _ = std::fs::remove_dir_all(&dir);
    let checkpoints = checkpoints?;
    let mut table = String::new();
    writeln!(
        table,
        "per-document state on disk ({} partitions, --state-cache-documents {}), first entries of distinct documents\n",
        args.partitions, args.state_cache_documents
    )?;
    writeln!(
        table,
        "{:>12} {:>12} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "documents", "in memory", "heap MiB", "RSS MiB", "disk MiB", "B/doc disk", "records/s"
    )?;
    for c in &checkpoints {
        writeln!(
            table,
            "{:>12} {:>12} {:>10.1} {:>10.1} {:>10.1} {:>10.0} {:>12.0}",
            c.documents,
            c.in_memory,
            mib(c.heap_bytes),
            c.rss_kib as f64 / 1024.0,
            mib(c.disk_bytes as i64),
            c.disk_bytes as f64 / c.documents.max(1) as f64,
            c.records_per_second
        )?;
    }
    std::io::stdout().lock().write_all(table.as_bytes())?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&checkpoints)?)?;
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(documents) = args.on_disk_documents {
        return on_disk(&args, documents);
    }
    let started = Instant::now();
    let network = networks::generated(args.crossings, data::SEED);
    let events = data::events(&network, data::SEED, args.records);
    let inspections = data::inspections(&events, &data::bench_keys(), 0);
    drop(events);
    let documents = data::distinct_documents(&inspections);
    let span_ms = match (inspections.first(), inspections.last()) {
        (Some(a), Some(b)) => {
            let at = |i: &borderflow_proto::inspection::v1::Inspection| {
                borderflow_aggregator::windows::codec::times(i).map_or(0, |(_, _, t)| t)
            };
            at(b) - at(a)
        }
        _ => 0,
    };
    let records = data::encode(&inspections);
    drop(inspections);
    let refs = Arc::new(data::reference_store(&network));
    drop(network);
    eprintln!(
        "{} records, {documents} documents, {:.1} h of event time, generated in {:.1} s",
        records.len(),
        span_ms as f64 / 3_600_000.0,
        started.elapsed().as_secs_f64()
    );

    let before = live();
    let store = Arc::new(WindowStore::new(args.query_retention_hours * 3_600_000));
    let mut core = Core::new(args.partitions, refs);
    core.materialise_into(store.clone());
    let run = Instant::now();
    core.run(&records);
    let seconds = run.elapsed().as_secs_f64();
    let total = live() - before;
    let (rss, hwm) = rss_kib();
    let in_documents = core.documents();
    // The same state as an aggregator's `--state-dir` keeps it on disk.
    let store_dir = std::env::temp_dir().join(format!("borderflow-memory-{}", std::process::id()));
    let store_bytes: u64 = core.store_documents(&store_dir)?.iter().sum();
    let _ = std::fs::remove_dir_all(&store_dir);

    let mut parts = Vec::new();
    let mut measure = |part: &'static str, free: &mut dyn FnMut()| {
        let held = live();
        free();
        let bytes = held - live();
        parts.push(Part {
            part,
            bytes,
            bytes_per_document: bytes as f64 / in_documents.max(1) as f64,
            bytes_per_record: bytes as f64 / records.len().max(1) as f64,
        });
    };
    measure("per-document histories and timers", &mut || {
        core.drop_documents()
    });
    measure(
        "windows (open and closed) and per-crossing detectors",
        &mut || core.drop_partitions(),
    );
    let (windows_kept, crossings_kept) = (store.all_closed().len(), store.crossing_ids().len());
    let mut store = Some(store);
    measure("materialised window store", &mut || {
        drop(core.take_materialised());
        store = None;
    });
    let other = total - parts.iter().map(|p| p.bytes).sum::<i64>();

    let mut table = String::new();
    writeln!(
        table,
        "{} records ({:.0} records/s in memory), {} crossings, {in_documents} documents in state",
        records.len(),
        records.len() as f64 / seconds,
        args.crossings,
    )?;
    writeln!(
        table,
        "materialised store: {windows_kept} windows of {crossings_kept} crossings ({} h retention)\n",
        args.query_retention_hours
    )?;
    writeln!(
        table,
        "{:<56} {:>10} {:>12} {:>12}",
        "live heap after the run", "MiB", "B/document", "B/record"
    )?;
    for p in &parts {
        writeln!(
            table,
            "{:<56} {:>10.1} {:>12.0} {:>12.0}",
            p.part,
            mib(p.bytes),
            p.bytes_per_document,
            p.bytes_per_record
        )?;
    }
    writeln!(
        table,
        "{:<56} {:>10.1}",
        "other (reference store, buffers)",
        mib(other)
    )?;
    writeln!(table, "{:<56} {:>10.1}", "total", mib(total))?;
    writeln!(
        table,
        "\n{:<56} {:>10} {:>12}",
        "on disk", "MiB", "B/document"
    )?;
    writeln!(
        table,
        "{:<56} {:>10.1} {:>12.0}",
        "per-document state, local store (--state-dir)",
        mib(store_bytes as i64),
        store_bytes as f64 / in_documents.max(1) as f64
    )?;
    writeln!(
        table,
        "\nprocess RSS after the run {:.1} MiB, peak {:.1} MiB (including the {:.1} MiB of input records)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
        mib(before)
    )?;
    std::io::stdout().lock().write_all(table.as_bytes())?;
    if let Some(path) = &args.json {
        let json = serde_json::json!({
            "records": records.len(),
            "crossings": args.crossings,
            "documents": in_documents,
            "windows_in_store": windows_kept,
            "parts": parts,
            "other_bytes": other,
            "total_bytes": total,
            "document_store_bytes": store_bytes,
            "rss_kib": rss,
            "peak_rss_kib": hwm,
        });
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}

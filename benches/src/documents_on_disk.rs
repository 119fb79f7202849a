//! The per-document state as an aggregator with `--state-dir` keeps it:
//! histories in the partitions' local copies, memory holding those in use
//! up to a cache size. Drives the stage's own step, batch end and eviction
//! ([`Owned`]) over a stream of first entries of distinct documents (each
//! leaves a history and a pending OVERSTAY check, and none expires), so
//! the state only grows, and reports memory and disk as it does.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use borderflow_aggregator::detect::{DetectConfig, References};
use borderflow_aggregator::partition::effects::{Effects, Record};
use borderflow_aggregator::partition::{Closed, DocumentPartition};
use borderflow_aggregator::stream::documents::{LocalStores, Owned};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::{Anomaly, CrossingWindowRecord};
use borderflow_proto::inspection::v1::{
    Direction, DocumentFacts, Inspection, InspectionRecord, Outcome, inspection_record,
};
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::protection::v1::Referral;
use borderflow_proto::statistics::v1::HourRecord;

use crate::aggregator_core::BATCH;

/// Where the state stood after some documents.
#[derive(Debug, serde::Serialize)]
pub struct Checkpoint {
    pub documents: u64,
    pub in_memory: usize,
    pub heap_bytes: i64,
    pub rss_kib: u64,
    pub disk_bytes: u64,
    pub records_per_second: f64,
}

/// Counts anomalies; nothing else is produced.
#[derive(Default)]
struct Count(u64);

impl Effects for Count {
    type Error = Infallible;

    fn anomaly(&mut self, _: &Anomaly) -> Result<(), Infallible> {
        self.0 += 1;
        Ok(())
    }
    fn hour(&mut self, _: &HourRecord) -> Result<(), Infallible> {
        Ok(())
    }
    fn referral(&mut self, _: &Referral) -> Result<(), Infallible> {
        Ok(())
    }
    fn window(&mut self, _: &Closed) -> Result<(), Infallible> {
        Ok(())
    }
    fn snapshot(&mut self, _: &CrossingWindowRecord) -> Result<(), Infallible> {
        Ok(())
    }
    fn by_document(&mut self, _: &[u8], _: &[u8]) -> Result<(), Infallible> {
        Ok(())
    }
    fn dead_letter(&mut self, _: &Record<'_>, _: &'static str, _: &str) -> Result<(), Infallible> {
        Ok(())
    }
}

pub struct Setup<'a> {
    pub refs: Arc<dyn References>,
    /// A registered crossing, and a nationality foreign to its country.
    pub crossing: &'a str,
    pub nationality: &'a str,
    pub partitions: usize,
    /// Histories in memory across the partitions
    /// (`--state-cache-documents`).
    pub cache_documents: usize,
    pub dir: &'a std::path::Path,
}

/// Processes the first entries of `documents` distinct documents, a
/// million a day of event time (a large country's crossings, all of them
/// new documents); `measure` gives (live heap bytes, RSS KiB) and is taken
/// at each of `checkpoints` (documents processed).
pub fn run(
    setup: &Setup<'_>,
    documents: u64,
    checkpoints: &[u64],
    measure: impl Fn() -> (i64, u64),
) -> anyhow::Result<Vec<Checkpoint>> {
    const T0: i64 = 1_780_000_000_000;
    const PER_DAY: i64 = 1_000_000;
    let span_ms = (documents as i64 * 86_400_000) / PER_DAY;
    let local = LocalStores::open(setup.dir, "document-state", Duration::from_secs(86_400))?;
    let detect = Arc::new(DetectConfig::default());
    let mut owned: Vec<Owned> = (0..setup.partitions)
        .map(|p| {
            let mut state = DocumentPartition::new(detect.clone(), 120_000, setup.refs.clone())
                .in_partition(p as i32)
                .keep_changes();
            state.tiered(setup.cache_documents / setup.partitions);
            local.restoring(p as i32);
            Owned::new(state)
        })
        .collect();
    let mut written = vec![0i64; setup.partitions];
    let mut next_offset = vec![0i64; setup.partitions];
    let mut count = Count::default();
    let mut out = Vec::new();
    let started = Instant::now();
    for n in 0..documents {
        // Document keys are HMACs: spread evenly.
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&splitmix(n).to_be_bytes());
        key[8..16].copy_from_slice(&n.to_be_bytes());
        let inspection = Inspection {
            event_id: format!("{:032x}", u128::from(n) + 1),
            crossing_id: setup.crossing.into(),
            direction: Direction::Entry as i32,
            outcome: Outcome::Admitted as i32,
            completed_at: Some(ms_to_timestamp(
                T0 + (n as i64 * span_ms) / documents as i64,
            )),
            document: Some(DocumentFacts {
                nationality: setup.nationality.into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let payload = InspectionRecord {
            body: Some(inspection_record::Body::Inspection(inspection)),
        }
        .encode_to_vec();
        let p = (u64::from(key[0]) % setup.partitions as u64) as usize;
        let record = Record {
            partition: p as i32,
            offset: next_offset[p],
            key: Some(&key),
            payload: &payload,
        };
        next_offset[p] += 1;
        owned[p].step(Some(&local), &record, &mut count)?;
        if (n + 1) % BATCH as u64 == 0 || n + 1 == documents {
            for (p, state) in owned.iter_mut().enumerate() {
                if let Some(changes) = state.take_changes(Some(&local))? {
                    let generation = changes.generation;
                    let records = changes.into_records();
                    written[p] += records.len() as i64;
                    local.write_changes(p as i32, records, written[p] - 1, generation)?;
                }
                state.evict(Some(&local));
            }
        }
        if checkpoints.contains(&(n + 1)) {
            let (heap_bytes, rss_kib) = measure();
            out.push(Checkpoint {
                documents: n + 1,
                in_memory: owned.iter().map(|o| o.state.documents()).sum(),
                heap_bytes,
                rss_kib,
                disk_bytes: (0..setup.partitions).map(|p| local.size(p as i32)).sum(),
                records_per_second: (n + 1) as f64 / started.elapsed().as_secs_f64(),
            });
        }
    }
    Ok(out)
}

fn splitmix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

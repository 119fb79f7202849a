//! The aggregator's telemetry contract: every metric it exports, with help
//! text. Labels are bounded: crossing, direction, outcome, kind, severity,
//! partition, sex, age band (the configured bands), referral service,
//! triage action and state; never a document, person, event or anomaly id.
//! The triage figures are in `metrics/triage.rs`.

use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, CrossingWindow, Severity, WindowState,
};
use borderflow_proto::inspection::v1::{Direction, ReferralCategory, Sex};
use borderflow_proto::protection::v1::Referral;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use metrics::{
    Counter, Gauge, Histogram, counter, describe_counter, describe_gauge, describe_histogram,
    gauge, histogram,
};

mod triage;

pub use triage::{
    TRIAGE_ACTIONS, TRIAGE_OLDEST_NEW, TRIAGE_OPEN, TRIAGE_TIME_TO_ACKNOWLEDGE, acknowledged,
    report_triage, triage_action, triage_figures,
};

use crate::partition::Closed;
use crate::windows::cells::{AgeBand, CellKey, Field};
use crate::windows::histogram::bucket_lower;

pub const CROSSING_INSPECTIONS: &str = "borderflow_crossing_inspections_total";
pub const TRAVELLERS: &str = "borderflow_travellers_total";
pub const CROSSING_DURATION: &str = "borderflow_crossing_inspection_duration_seconds";
pub const CROSSING_WAIT: &str = "borderflow_crossing_queue_wait_seconds";
pub const CROSSING_LAST_WINDOW: &str = "borderflow_crossing_last_window_inspections";
pub const CROSSING_LAST_WAIT_P95: &str = "borderflow_crossing_last_window_wait_p95_seconds";
pub const CROSSING_LAST_WINDOW_END: &str = "borderflow_crossing_last_window_end_timestamp_seconds";
pub const ANOMALIES: &str = "borderflow_anomalies_total";
pub const REFERRALS: &str = "borderflow_referrals_total";
pub const RECORDS: &str = "borderflow_aggregator_records_total";
pub const DOCUMENT_RECORDS: &str = "borderflow_aggregator_document_records_total";
pub const DEADLETTERS: &str = "borderflow_aggregator_deadletter_total";
pub const WINDOWS_PUBLISHED: &str = "borderflow_aggregator_windows_published_total";
pub const CONSUMER_LAG: &str = "borderflow_aggregator_consumer_lag_records";
pub const PROCESSING_DELAY: &str = "borderflow_aggregator_processing_delay_seconds";
pub const WATERMARK: &str = "borderflow_aggregator_watermark_timestamp_seconds";
pub const MATERIALISE_ERRORS: &str = "borderflow_aggregator_materialise_errors_total";
pub const RESTARTS: &str = "borderflow_aggregator_pipeline_restarts_total";
pub const RESUME_REWINDS: &str = "borderflow_aggregator_resume_rewinds_total";
pub const PARTITIONS_RESTORING: &str = "borderflow_aggregator_partitions_restoring";
pub const RESTORE_DURATION: &str = "borderflow_aggregator_restore_duration_seconds";
pub const ASSIGNMENT_RESTORE: &str = "borderflow_aggregator_assignment_restore_seconds";
pub const RESTORE_FAILURES: &str = "borderflow_aggregator_restore_failures_total";
pub const REPLAYED_RECORDS: &str = "borderflow_aggregator_replayed_records_total";
pub const RESTORED_RECORDS: &str = "borderflow_aggregator_state_restored_records_total";
pub const STATE_CHANGES: &str = "borderflow_aggregator_state_changes_total";
pub const LOCAL_STATE_BYTES: &str = "borderflow_aggregator_local_state_bytes";
pub const LOCAL_STATE_WRITE_FAILURES: &str =
    "borderflow_aggregator_local_state_write_failures_total";
pub const DOCUMENT_HISTORIES: &str = "borderflow_aggregator_document_histories";
pub const DOCUMENT_HISTORIES_IN_MEMORY: &str = "borderflow_aggregator_document_histories_in_memory";
pub const DOCUMENT_HISTORIES_LOADED: &str = "borderflow_aggregator_document_histories_loaded_total";
pub const DOCUMENT_HISTORIES_EVICTED: &str =
    "borderflow_aggregator_document_histories_evicted_total";
pub const DOCUMENT_HISTORIES_EXPIRED: &str =
    "borderflow_aggregator_document_histories_expired_total";
pub const STANDBY_PARTITIONS: &str = "borderflow_aggregator_standby_partitions";
pub const STANDBY_RECORDS: &str = "borderflow_aggregator_standby_records_total";
pub const LIAISON_PUBLISHED: &str = "borderflow_liaison_periods_published_total";
pub const LIAISON_RECEIVED: &str = "borderflow_liaison_records_received_total";
pub const LIAISON_LATE: &str = "borderflow_liaison_late_records_total";
pub const PAIR_UNRECONCILED: &str = "borderflow_pair_unreconciled_travellers";
pub const PAIR_TRAVELLERS: &str = "borderflow_pair_judged_travellers";
pub const PAIR_TRANSIT: &str = "borderflow_pair_transit_median_seconds";
pub const API_CALLS: &str = "borderflow_api_calls_total";
pub const API_DENIED: &str = "borderflow_api_denied_total";
pub const AUDIT_WRITE_FAILURES: &str = "borderflow_audit_write_failures_total";

pub fn describe() {
    triage::describe();
    describe_counter!(
        LIAISON_PUBLISHED,
        "Periods of this system's twin posts published to the exchange with the neighbouring country's system, by pair and direction."
    );
    describe_counter!(
        LIAISON_RECEIVED,
        "Records read from the exchange (this system's and the neighbour's), by pair (unknown: a pair this system holds no key for) and outcome: accepted, or why refused (signature, unknown_pair, not_a_post, version, invalid)."
    );
    describe_counter!(
        LIAISON_LATE,
        "Inspections at a twin post left out of the exchange because their period was already published, by crossing."
    );
    describe_gauge!(
        PAIR_UNRECONCILED,
        "In the latest period judged, travellers who do not reconcile across a twin pair, by pair, from and to post and check (gone: left and never arrived; unrecorded: arrived, never recorded leaving)."
    );
    describe_gauge!(
        PAIR_TRAVELLERS,
        "In the latest period judged, travellers judged across a twin pair (those who left, or arrived), by pair, from and to post and check."
    );
    describe_gauge!(
        PAIR_TRANSIT,
        metrics::Unit::Seconds,
        "In the latest period judged, the median time from one post of a twin pair to the other of the travellers who arrived, by pair, from and to post."
    );
    describe_gauge!(
        PARTITIONS_RESTORING,
        "Assigned partitions whose state is being restored (paused, not processed), by stage."
    );
    describe_histogram!(
        RESTORE_DURATION,
        metrics::Unit::Seconds,
        "Time to restore an assigned partition's state whole, by stage."
    );
    describe_gauge!(
        ASSIGNMENT_RESTORE,
        metrics::Unit::Seconds,
        "For the latest assignment, by stage: time from its first partition's restore starting to the last one's state being whole."
    );
    describe_counter!(
        RESTORE_FAILURES,
        "Restore attempts that failed and were started again, by stage."
    );
    describe_counter!(
        REPLAYED_RECORDS,
        "By-document records replayed to rebuild document histories on assignment."
    );
    describe_counter!(
        RESTORED_RECORDS,
        "Document state records restored on assignment, by source: the local copy or the changelog."
    );
    describe_counter!(
        STATE_CHANGES,
        "Records written to the document state changelog (changed histories and partition records)."
    );
    describe_gauge!(
        LOCAL_STATE_BYTES,
        metrics::Unit::Bytes,
        "Size on disk of the local copy of the document state, per by-document partition (its flushed segments; the keyspace journal of recent writes is not counted)."
    );
    describe_counter!(
        LOCAL_STATE_WRITE_FAILURES,
        "Failed writes to the local copy of the document state (the copy is dropped and rebuilt on the next restore)."
    );
    describe_gauge!(
        DOCUMENT_HISTORIES,
        "Document histories held, per by-document partition (with --state-dir: in its local copy, as of the last write)."
    );
    describe_gauge!(
        DOCUMENT_HISTORIES_IN_MEMORY,
        "Document histories in memory, per by-document partition (with --state-dir: those in use, up to --state-cache-documents)."
    );
    describe_gauge!(
        STANDBY_PARTITIONS,
        "By-document partitions not owned here whose local state copy follows the changelog (--standby-documents)."
    );
    describe_counter!(
        STANDBY_RECORDS,
        "Changelog records written to standby copies of the document state."
    );
    describe_counter!(
        DOCUMENT_HISTORIES_LOADED,
        "Document histories read from the local copy into memory: for a record of the document, or for an OVERSTAY check falling due."
    );
    describe_counter!(
        DOCUMENT_HISTORIES_EVICTED,
        "Document histories dropped from memory (held in the local copy) to keep within --state-cache-documents."
    );
    describe_counter!(
        DOCUMENT_HISTORIES_EXPIRED,
        "Document histories forgotten: no passage within the retention and no pending OVERSTAY check."
    );
    describe_counter!(
        API_CALLS,
        "Calls to the gRPC and dashboard APIs, by interface, method, the role that granted it and outcome."
    );
    describe_counter!(
        API_DENIED,
        "Calls refused: unauthenticated (by reason) or denied (role or scope)."
    );
    describe_counter!(
        AUDIT_WRITE_FAILURES,
        "Audit records the audit topic did not confirm."
    );
    describe_counter!(
        RESUME_REWINDS,
        "Seeks back after a resumed fetch started past the committed offset."
    );
    describe_counter!(
        CROSSING_INSPECTIONS,
        "Inspections counted in closed windows, by crossing, direction and outcome."
    );
    describe_counter!(
        TRAVELLERS,
        "Inspections counted in closed windows network-wide, by direction, sex and age band."
    );
    describe_histogram!(
        CROSSING_DURATION,
        metrics::Unit::Seconds,
        "Inspection durations (started to completed) per crossing."
    );
    describe_histogram!(
        CROSSING_WAIT,
        metrics::Unit::Seconds,
        "Queue waiting times (queued to started) per crossing."
    );
    describe_gauge!(
        CROSSING_LAST_WINDOW,
        "Inspections in the most recently closed window of each crossing."
    );
    describe_gauge!(
        CROSSING_LAST_WAIT_P95,
        metrics::Unit::Seconds,
        "95th percentile queue wait in the most recently closed window."
    );
    describe_gauge!(
        CROSSING_LAST_WINDOW_END,
        metrics::Unit::Seconds,
        "Event-time end of the most recently closed window of each crossing."
    );
    describe_counter!(
        ANOMALIES,
        "Anomalies flagged, by crossing, kind and severity."
    );
    describe_counter!(
        REFERRALS,
        "Protection referrals published, by crossing and service (a replay after a crash publishes again, under the same case reference)."
    );
    describe_counter!(
        RECORDS,
        "Inspection records processed, by what happened to them."
    );
    describe_counter!(
        DOCUMENT_RECORDS,
        "Records of the by-document topic the per-document rules processed."
    );
    describe_counter!(
        DEADLETTERS,
        "Records sent to the dead-letter topic, by reason."
    );
    describe_counter!(WINDOWS_PUBLISHED, "Window results published, by state.");
    describe_gauge!(
        CONSUMER_LAG,
        "Records behind the end of each consumed partition, by topic."
    );
    describe_gauge!(
        PROCESSING_DELAY,
        metrics::Unit::Seconds,
        "Wall-clock time from a record's creation to its processing, per partition."
    );
    describe_gauge!(
        WATERMARK,
        metrics::Unit::Seconds,
        "Event-time watermark of each partition."
    );
    describe_counter!(
        MATERIALISE_ERRORS,
        "Unreadable records on the materialised topics."
    );
    describe_counter!(
        RESTARTS,
        "Processing loops restarted after an output could not be delivered."
    );
}

// Per-record metrics keep their handles per thread: looking a labelled
// metric up in the registry (and building its key) costs more than the
// rest of a small record's bookkeeping. Processing threads start after the
// recorder is installed, so the handles they keep are the live ones.
thread_local! {
    static RECORD_COUNTERS: RefCell<Vec<(&'static str, Counter)>> = const { RefCell::new(Vec::new()) };
    static DOCUMENT_COUNTER: RefCell<Option<Counter>> = const { RefCell::new(None) };
    static DELAY_GAUGES: RefCell<Vec<(String, Vec<Option<Gauge>>)>> = const { RefCell::new(Vec::new()) };
    static CROSSING_HANDLES: RefCell<HashMap<String, CrossingHandles>> = RefCell::new(HashMap::new());
}

pub fn record(result: &'static str) {
    RECORD_COUNTERS.with_borrow_mut(|cache| {
        if let Some((_, counter)) = cache.iter().find(|(r, _)| *r == result) {
            counter.increment(1);
        } else {
            let counter = counter!(RECORDS, "result" => result);
            counter.increment(1);
            cache.push((result, counter));
        }
    });
}

/// A by-document record went through the per-document rules.
pub fn document_record() {
    DOCUMENT_COUNTER.with_borrow_mut(|cache| {
        cache
            .get_or_insert_with(|| counter!(DOCUMENT_RECORDS))
            .increment(1);
    });
}

pub fn partitions_restoring(stage: &'static str, partitions: usize) {
    gauge!(PARTITIONS_RESTORING, "stage" => stage).set(partitions as f64);
}

pub fn restore_duration(stage: &'static str, elapsed: std::time::Duration) {
    histogram!(RESTORE_DURATION, "stage" => stage).record(elapsed.as_secs_f64());
}

pub fn assignment_restored(stage: &'static str, elapsed: std::time::Duration) {
    gauge!(ASSIGNMENT_RESTORE, "stage" => stage).set(elapsed.as_secs_f64());
}

pub fn restore_failure(stage: &'static str) {
    counter!(RESTORE_FAILURES, "stage" => stage).increment(1);
}

/// Once per restored by-document partition: records taken from each source.
pub fn document_state_restored(local: u64, changelog: u64, replayed: u64) {
    counter!(RESTORED_RECORDS, "source" => "local").increment(local);
    counter!(RESTORED_RECORDS, "source" => "changelog").increment(changelog);
    counter!(REPLAYED_RECORDS).increment(replayed);
}

pub fn document_state_changes(records: usize) {
    counter!(STATE_CHANGES).increment(records as u64);
}

pub fn local_state_size(partition: i32, bytes: u64) {
    gauge!(LOCAL_STATE_BYTES, "partition" => partition.to_string()).set(bytes as f64);
}

pub fn local_state_write_failed() {
    counter!(LOCAL_STATE_WRITE_FAILURES).increment(1);
}

/// Every tick, per by-document partition: histories held and those in
/// memory.
pub fn document_histories(partition: i32, held: u64, in_memory: usize) {
    let partition = partition.to_string();
    gauge!(DOCUMENT_HISTORIES, "partition" => partition.clone()).set(held as f64);
    gauge!(DOCUMENT_HISTORIES_IN_MEMORY, "partition" => partition).set(in_memory as f64);
}

pub fn document_histories_expired(expired: u64) {
    if expired > 0 {
        counter!(DOCUMENT_HISTORIES_EXPIRED).increment(expired);
    }
}

pub fn document_histories_loaded(histories: usize) {
    if histories > 0 {
        counter!(DOCUMENT_HISTORIES_LOADED).increment(histories as u64);
    }
}

pub fn document_histories_evicted(histories: usize) {
    if histories > 0 {
        counter!(DOCUMENT_HISTORIES_EVICTED).increment(histories as u64);
    }
}

pub fn standby_partitions(partitions: usize) {
    gauge!(STANDBY_PARTITIONS).set(partitions as f64);
}

pub fn standby_records(records: usize) {
    if records > 0 {
        counter!(STANDBY_RECORDS).increment(records as u64);
    }
}

pub fn api_call(
    interface: &'static str,
    method: &'static str,
    role: &'static str,
    outcome: &'static str,
) {
    counter!(API_CALLS, "interface" => interface, "method" => method, "role" => role, "outcome" => outcome)
        .increment(1);
}

pub fn api_denied(interface: &'static str, method: &'static str, reason: &'static str) {
    counter!(API_DENIED, "interface" => interface, "method" => method, "reason" => reason)
        .increment(1);
}

pub fn audit_write_failure() {
    counter!(AUDIT_WRITE_FAILURES).increment(1);
}

pub fn deadletter(reason: &'static str) {
    counter!(DEADLETTERS, "reason" => reason).increment(1);
}

pub fn materialise_error(topic: &str) {
    counter!(MATERIALISE_ERRORS, "topic" => topic.to_owned()).increment(1);
}

pub fn restart(pipeline: &'static str) {
    counter!(RESTARTS, "pipeline" => pipeline).increment(1);
}

pub fn resume_rewind(topic: &str, partition: i32) {
    counter!(RESUME_REWINDS, "topic" => topic.to_owned(), "partition" => partition.to_string())
        .increment(1);
}

pub fn consumer_lag(topic: &str, partition: i32, lag: i64) {
    gauge!(CONSUMER_LAG, "topic" => topic.to_owned(), "partition" => partition.to_string())
        .set(lag as f64);
}

/// How far behind its newest record's creation a partition's processing
/// is, set once per batch with the batch's newest record.
pub fn processing_delay(topic: &str, partition: i32, delay_ms: i64) {
    let seconds = delay_ms.max(0) as f64 / 1_000.0;
    let Ok(index) = usize::try_from(partition) else {
        return;
    };
    DELAY_GAUGES.with_borrow_mut(|cache| {
        let position = match cache.iter().position(|(t, _)| t == topic) {
            Some(position) => position,
            None => {
                cache.push((topic.to_owned(), Vec::new()));
                cache.len() - 1
            }
        };
        let gauges = &mut cache[position].1;
        if gauges.len() <= index {
            gauges.resize(index + 1, None);
        }
        gauges[index]
            .get_or_insert_with(|| {
                gauge!(PROCESSING_DELAY, "topic" => topic.to_owned(), "partition" => partition.to_string())
            })
            .set(seconds);
    });
}

/// An anomaly was flagged.
pub fn anomaly(anomaly: &Anomaly) {
    counter!(
        ANOMALIES,
        "crossing" => anomaly.crossing_id.clone(),
        "kind" => AnomalyKind::label_of(anomaly.kind),
        "severity" => Severity::label_of(anomaly.severity),
    )
    .increment(1);
}

pub fn referral(referral: &Referral) {
    let category = ReferralCategory::try_from(referral.category).unwrap_or_default();
    counter!(
        REFERRALS,
        "crossing" => referral.crossing_id.clone(),
        "category" => category.label(),
    )
    .increment(1);
}

pub fn liaison_published(pair: &str, exit: bool) {
    let direction = if exit { "exit" } else { "entry" };
    counter!(LIAISON_PUBLISHED, "pair" => pair.to_owned(), "direction" => direction).increment(1);
}

pub fn liaison_received(pair: &str, outcome: &'static str) {
    counter!(LIAISON_RECEIVED, "pair" => pair.to_owned(), "outcome" => outcome).increment(1);
}

pub fn liaison_late(crossing: &str) {
    counter!(LIAISON_LATE, "crossing" => crossing.to_owned()).increment(1);
}

/// A twin pair's flow's latest judged period: per check, (missing, judged
/// travellers), and the median transit when it was measured.
pub fn pair_judged(
    pair: &str,
    from: &str,
    to: &str,
    checks: &[(&'static str, usize, usize)],
    transit_ms: Option<i64>,
) {
    for &(check, missing, total) in checks {
        let labels = [
            ("pair", pair.to_owned()),
            ("from", from.to_owned()),
            ("to", to.to_owned()),
            ("check", check.to_owned()),
        ];
        gauge!(PAIR_UNRECONCILED, &labels).set(missing as f64);
        gauge!(PAIR_TRAVELLERS, &labels).set(total as f64);
    }
    if let Some(ms) = transit_ms {
        gauge!(PAIR_TRANSIT, "pair" => pair.to_owned(), "from" => from.to_owned(), "to" => to.to_owned())
            .set(ms as f64 / 1_000.0);
    }
}

pub fn watermark(partition: i32, watermark_ms: i64) {
    gauge!(WATERMARK, "partition" => partition.to_string()).set(watermark_ms as f64 / 1_000.0);
}

/// A window was published closed: its inspections not yet counted enter
/// the per-crossing counters (late ones when they amend it); on its first
/// close its distributions enter the histograms and its figures the gauges.
pub fn window_published(closed: &Closed) {
    let Some(window) = &closed.record.window else {
        return;
    };
    let state = match WindowState::try_from(window.state) {
        Ok(WindowState::Closed) => "closed",
        Ok(WindowState::Amended) => "amended",
        _ => "open",
    };
    counter!(WINDOWS_PUBLISHED, "state" => state).increment(1);
    // A window's cells differ in nationality, mode and outcome too: one
    // look-up per label set, not per cell.
    let mut travellers: BTreeMap<CellKey, u64> = BTreeMap::new();
    for (key, n) in closed.new_cells.iter() {
        *travellers
            .entry(key.project(&[Field::Direction, Field::Sex, Field::AgeBand]))
            .or_default() += n;
    }
    for (key, n) in travellers {
        counter!(
            TRAVELLERS,
            "direction" => direction_label(key.direction()),
            "sex" => sex_label(key.sex()),
            "age_band" => age_label(key.age_band()),
        )
        .increment(n);
    }
    CROSSING_HANDLES.with_borrow_mut(|cache| {
        let crossing = window.crossing_id.as_str();
        if !cache.contains_key(crossing) {
            cache.insert(crossing.to_owned(), CrossingHandles::default());
        }
        let handles = cache.get_mut(crossing).expect("inserted above");
        handles.published(crossing, closed, window);
    });
}

fn direction_label(direction: i32) -> &'static str {
    match Direction::try_from(direction) {
        Ok(Direction::Entry) => "entry",
        Ok(Direction::Exit) => "exit",
        _ => "unknown",
    }
}

fn sex_label(sex: i32) -> &'static str {
    match Sex::try_from(sex) {
        Ok(Sex::Female) => "female",
        Ok(Sex::Male) => "male",
        Ok(Sex::Nonspecific) => "nonspecific",
        _ => "unknown",
    }
}

/// `0-4`, `60+`, `unknown`: a bounded set (the configured bands).
fn age_label(band: Option<AgeBand>) -> String {
    match band {
        Some(AgeBand { from, to: Some(to) }) => format!("{from}-{to}"),
        Some(AgeBand { from, to: None }) => format!("{from}+"),
        None => "unknown".into(),
    }
}

/// One crossing's labelled series, looked up once per processing thread
/// (a window closes per few records, so the look-ups would cost more than
/// the window's own bookkeeping). Each is registered when first used, as it
/// would be by a look-up, so the exposition is the same.
#[derive(Default)]
struct CrossingHandles {
    flows: [[Option<Counter>; 3]; 2],
    duration: Option<Histogram>,
    wait: Option<Histogram>,
    last_window: Option<Gauge>,
    last_wait_p95: Option<Gauge>,
    last_end: Option<Gauge>,
}

impl CrossingHandles {
    fn published(&mut self, crossing: &str, closed: &Closed, window: &CrossingWindow) {
        let label = || crossing.to_owned();
        for (d, row) in closed.new_flows.iter().enumerate() {
            for (o, &n) in row.iter().enumerate() {
                if n > 0 {
                    self.flows[d][o]
                        .get_or_insert_with(|| {
                            counter!(
                                CROSSING_INSPECTIONS,
                                "crossing" => label(),
                                "direction" => ["entry", "exit"][d],
                                "outcome" => ["admitted", "refused", "referred"][o],
                            )
                        })
                        .increment(n);
                }
            }
        }
        if !closed.first {
            return;
        }
        for (name, handle, distribution) in [
            (
                CROSSING_DURATION,
                &mut self.duration,
                &window.inspection_duration,
            ),
            (CROSSING_WAIT, &mut self.wait, &window.queue_wait),
        ] {
            let Some(d) = distribution else { continue };
            let h = handle.get_or_insert_with(|| histogram!(name, "crossing" => label()));
            for (&bucket, &count) in d.bucket_indices.iter().zip(&d.bucket_counts) {
                let lower = bucket_lower(bucket as u16) as f64;
                h.record_many(lower / 1_000.0, count as usize);
            }
        }
        self.last_window
            .get_or_insert_with(|| gauge!(CROSSING_LAST_WINDOW, "crossing" => label()))
            .set(window.inspections as f64);
        if let Some(wait) = &window.queue_wait {
            self.last_wait_p95
                .get_or_insert_with(|| gauge!(CROSSING_LAST_WAIT_P95, "crossing" => label()))
                .set(wait.p95_seconds);
        }
        if let Some(end) = window
            .end
            .as_ref()
            .and_then(borderflow_proto::timestamp_to_ms)
        {
            self.last_end
                .get_or_insert_with(|| gauge!(CROSSING_LAST_WINDOW_END, "crossing" => label()))
                .set(end as f64 / 1_000.0);
        }
    }
}

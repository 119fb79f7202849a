//! Windows to and from their published form (`CrossingWindowRecord`).

use borderflow_proto::analytics::v1::{
    CrossingWindow, CrossingWindowRecord, Distribution, FlowCount, ModeCounts, NationalityCount,
    RefusalCount, WindowState as WindowStateProto,
};
use borderflow_proto::inspection::v1::{Direction, Outcome};
use borderflow_proto::{ms_to_timestamp, timestamp_to_ms};

use crate::windows::cells::Cells;
use crate::windows::histogram::LogHistogram;
use crate::windows::window::{Counts, ProtectionCounts, Window, WindowState};

/// Kafka key of a window: crossing and window start.
pub fn window_key(record: &CrossingWindowRecord) -> String {
    let window = record.window.as_ref();
    let start = window
        .and_then(|w| w.start.as_ref())
        .and_then(timestamp_to_ms)
        .unwrap_or_default();
    format!("{}@{start}", window.map_or("", |w| w.crossing_id.as_str()))
}

/// Kafka key of a crossing's detector snapshot.
pub fn snapshot_key(record: &CrossingWindowRecord) -> String {
    let crossing = record
        .detector_state
        .as_ref()
        .map_or("", |s| s.crossing_id.as_str());
    format!("{crossing}#state")
}

/// The record of `window` of `crossing_id`, read from `partition`.
pub fn to_record(crossing_id: &str, partition: i32, window: &Window) -> CrossingWindowRecord {
    let ids = if window.state == WindowState::Open {
        Vec::new()
    } else {
        let sorted = window.sorted_ids();
        let mut bytes = Vec::with_capacity(sorted.len() * 16);
        for id in sorted {
            bytes.extend_from_slice(&id.to_be_bytes());
        }
        bytes
    };
    let cells = if window.state == WindowState::Open {
        Vec::new()
    } else {
        window.cells.to_proto()
    };
    CrossingWindowRecord {
        window: Some(to_api(crossing_id, window)),
        source_partition: partition,
        through_offset: window.through_offset,
        event_ids: ids,
        sample: window.sample.clone(),
        detector_state: None,
        cells,
    }
}

/// The public view of a window.
pub fn to_api(crossing_id: &str, window: &Window) -> CrossingWindow {
    let c = &window.counts;
    CrossingWindow {
        crossing_id: crossing_id.to_owned(),
        start: Some(ms_to_timestamp(window.start_ms)),
        end: Some(ms_to_timestamp(window.end_ms)),
        state: match window.state {
            WindowState::Open => WindowStateProto::Open,
            WindowState::Closed => WindowStateProto::Closed,
            WindowState::Amended => WindowStateProto::Amended,
        } as i32,
        revision: window.revision,
        inspections: c.inspections,
        entries: c.entries,
        exits: c.exits,
        modes: Some(ModeCounts {
            air: c.modes[0],
            road: c.modes[1],
            rail: c.modes[2],
            sea: c.modes[3],
            pedestrian: c.modes[4],
        }),
        admitted: c.admitted,
        refused: c.refused,
        referred: c.referred,
        refusal_reasons: c
            .reasons
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| RefusalCount {
                reason: i as i32 + 1,
                count: *n,
            })
            .collect(),
        inspection_duration: Some(distribution(&window.duration)),
        queue_wait: Some(distribution(&window.wait)),
        late_events: c.late_events,
        document_failures: c.document_failures,
        alerts: c.alerts,
        minors: c.minors,
        nationalities: window
            .nationalities
            .iter()
            .map(|(n, count)| NationalityCount {
                nationality: n.clone(),
                count: *count,
            })
            .collect(),
        flows: flows(&c.flows),
        protection_requests: c.protection.requests,
        suspected_trafficking_victims: c.protection.trafficking_suspected,
        unaccompanied_minors: c.protection.unaccompanied_minors,
        undocumented_entries: c.protection.undocumented_entries,
        referrals: c.protection.referral_counts(),
        entries_in_need: c.protection.entries_in_need,
    }
}

const FLOW_DIRECTIONS: [Direction; 2] = [Direction::Entry, Direction::Exit];
const FLOW_OUTCOMES: [Outcome; 3] = [
    Outcome::Admitted,
    Outcome::Refused,
    Outcome::ReferredToSecondary,
];

fn flows(counts: &[[u64; 3]; 2]) -> Vec<FlowCount> {
    let mut out = Vec::new();
    for (d, row) in counts.iter().enumerate() {
        for (o, &count) in row.iter().enumerate() {
            if count > 0 {
                out.push(FlowCount {
                    direction: FLOW_DIRECTIONS[d] as i32,
                    outcome: FLOW_OUTCOMES[o] as i32,
                    count,
                });
            }
        }
    }
    out
}

pub fn distribution(h: &LogHistogram) -> Distribution {
    Distribution {
        count: h.count(),
        mean_seconds: h.mean_ms() / 1_000.0,
        p50_seconds: h.quantile_ms(0.50) / 1_000.0,
        p95_seconds: h.quantile_ms(0.95) / 1_000.0,
        p99_seconds: h.quantile_ms(0.99) / 1_000.0,
        max_seconds: h.max_ms() as f64 / 1_000.0,
        bucket_indices: h.buckets().iter().map(|&(b, _)| u32::from(b)).collect(),
        bucket_counts: h.buckets().iter().map(|&(_, n)| u64::from(n)).collect(),
    }
}

fn histogram(d: Option<&Distribution>) -> LogHistogram {
    let Some(d) = d else {
        return LogHistogram::default();
    };
    let buckets = d
        .bucket_indices
        .iter()
        .zip(&d.bucket_counts)
        .filter_map(|(&b, &n)| Some((u16::try_from(b).ok()?, u32::try_from(n).ok()?)))
        .collect();
    let sum_ms = (d.mean_seconds * 1_000.0 * d.count as f64).round().max(0.0) as u64;
    LogHistogram::from_parts(
        buckets,
        sum_ms,
        (d.max_seconds * 1_000.0).round().max(0.0) as u64,
    )
}

/// A window as published, back in processing form; `None` when the record
/// lacks the window or its times.
pub fn from_record(record: &CrossingWindowRecord) -> Option<(String, Window)> {
    let api = record.window.as_ref()?;
    let start = timestamp_to_ms(api.start.as_ref()?)?;
    let end = timestamp_to_ms(api.end.as_ref()?)?;
    // The service level only matters while a window is open.
    let mut window = Window::new(start, end - start, 0);
    window.state = match WindowStateProto::try_from(api.state).ok()? {
        WindowStateProto::Open => WindowState::Open,
        WindowStateProto::Closed => WindowState::Closed,
        WindowStateProto::Amended => WindowState::Amended,
        WindowStateProto::Unspecified => return None,
    };
    window.revision = api.revision;
    let modes = api.modes.unwrap_or_default();
    let mut reasons = [0u64; 9];
    for r in &api.refusal_reasons {
        if (1..=9).contains(&r.reason) {
            reasons[r.reason as usize - 1] = r.count;
        }
    }
    window.counts = Counts {
        inspections: api.inspections,
        entries: api.entries,
        exits: api.exits,
        modes: [
            modes.air,
            modes.road,
            modes.rail,
            modes.sea,
            modes.pedestrian,
        ],
        admitted: api.admitted,
        refused: api.refused,
        referred: api.referred,
        reasons,
        document_failures: api.document_failures,
        alerts: api.alerts,
        minors: api.minors,
        late_events: api.late_events,
        waits_over_sla: record.sample.as_ref().map_or(0, |s| s.waits_over_sla),
        protection: ProtectionCounts {
            requests: api.protection_requests,
            trafficking_suspected: api.suspected_trafficking_victims,
            unaccompanied_minors: api.unaccompanied_minors,
            undocumented_entries: api.undocumented_entries,
            entries_in_need: api.entries_in_need,
            referrals: ProtectionCounts::referrals_from(&api.referrals),
        },
        flows: {
            let mut counts = [[0u64; 3]; 2];
            for flow in &api.flows {
                let d = FLOW_DIRECTIONS
                    .iter()
                    .position(|x| *x as i32 == flow.direction);
                let o = FLOW_OUTCOMES.iter().position(|x| *x as i32 == flow.outcome);
                if let (Some(d), Some(o)) = (d, o) {
                    counts[d][o] = flow.count;
                }
            }
            counts
        },
    };
    window.duration = histogram(api.inspection_duration.as_ref());
    window.wait = histogram(api.queue_wait.as_ref());
    window.nationalities = api
        .nationalities
        .iter()
        .map(|n| (n.nationality.clone(), n.count))
        .collect();
    window.sample = record.sample.clone();
    window.cells = Cells::from_proto(&record.cells);
    let ids = record
        .event_ids
        .chunks_exact(16)
        .map(|chunk| u128::from_be_bytes(chunk.try_into().expect("16-byte chunk")))
        .collect();
    let window = window.restored(ids, record.through_offset);
    Some((api.crossing_id.clone(), window))
}

#[cfg(test)]
mod tests {
    use borderflow_proto::inspection::v1::{Direction, Outcome, TravelMode};

    use super::*;
    use crate::windows::cells::AgeBands;
    use crate::windows::window::EventFacts;

    #[test]
    fn a_closed_window_survives_publication() {
        let mut window = Window::new(60_000, 60_000, 45 * 60_000);
        for i in 0..50u128 {
            window.add(
                &EventFacts {
                    event_id: i * 7919,
                    event_ms: 60_500,
                    direction: Direction::Exit as i32,
                    mode: TravelMode::Air as i32,
                    outcome: if i % 10 == 0 {
                        Outcome::Refused
                    } else {
                        Outcome::Admitted
                    } as i32,
                    refusal_reason: if i % 10 == 0 { 3 } else { 0 },
                    duration_ms: 20_000 + i as u64 * 1_000,
                    wait_ms: i as u64 * 60_000,
                    nationality: if i % 2 == 0 { "TJK" } else { "KAZ" },
                    sex: 1 + (i % 2) as i32,
                    age_band: AgeBands::default().band(Some(i as u32)),
                    minor: i % 5 == 0,
                    document_failure: i == 3,
                    alerted: i == 4,
                    officer_id: "OFF-1",
                    checkpoint_id: "CP-1",
                    group_id: "",
                    protection: Default::default(),
                },
                100 + i as i64,
            );
        }
        window.close(true);
        window.through_offset = 200;
        window.revision = 1;
        window.dirty = false;
        let record = to_record("TJ-DUS", 3, &window);
        let (crossing, back) = from_record(&record).unwrap();
        assert_eq!(crossing, "TJ-DUS");
        assert_eq!(back.counts, window.counts);
        assert_eq!(back.sorted_ids(), window.sorted_ids());
        assert_eq!(back.through_offset, 200);
        assert_eq!(back.duration.buckets(), window.duration.buckets());
        assert_eq!(back.nationalities, window.nationalities);
        assert_eq!(back.sample, window.sample);
        assert_eq!(back.cells, window.cells);
        assert_eq!(back.cells.total(), 50);
        assert_eq!(back.sample.as_ref().unwrap().officers.len(), 1);
        assert_eq!(record.source_partition, 3);
    }
}

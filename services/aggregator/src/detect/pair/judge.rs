//! Judging a flow's periods: matching keys across the two sides, the gap
//! and delay rules, and the episodes they open or grow.

use std::collections::HashMap;

use borderflow_proto::analytics::v1::{Anomaly, Severity};

use super::draft::{gap_draft, transit_draft};
use super::{Episode, Flow, FlowId, Judged, PairKey, Share, SidePeriod};
use crate::detect::DetectConfig;
use crate::detect::anomaly::Draft;

/// What a period is judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Left the first post, never inspected at the second.
    Gone = 0,
    /// Inspected at the second post, never recorded leaving the first.
    Unrecorded = 1,
    /// The transit time between the two.
    Transit = 2,
}

impl Check {
    pub fn label(self) -> &'static str {
        match self {
            Self::Gone => "gone",
            Self::Unrecorded => "unrecorded",
            Self::Transit => "transit",
        }
    }
}

pub(super) fn run(flow: &mut Flow, config: &DetectConfig) -> Vec<Anomaly> {
    let horizon = config.mirror_horizon.as_millis() as i64;
    let lookback = config.mirror_lookback.as_millis() as i64;
    let id = flow.id.clone();
    let mut out = Vec::new();
    // Travellers who left: judged once the far side is in to the horizon
    // and its queue (someone who reached it is recorded once inspected).
    let wait = flow.queue_allowance_ms().min(lookback);
    let ready: Vec<i64> = flow
        .exits
        .range(flow.judged_exits.saturating_add(1)..)
        .take_while(|(_, p)| flow.entries_through >= p.end_ms() + horizon + wait)
        .map(|(start, _)| *start)
        .collect();
    for start in ready {
        let period = &flow.exits[&start];
        let arrivals = index(
            flow.entries.values(),
            period.start_ms,
            period.end_ms() + horizon,
            false,
        );
        let mut missing = 0;
        let mut transits = Vec::new();
        let mut left = 0;
        for &(key, at, admitted) in &period.passages {
            if !admitted {
                continue;
            }
            left += 1;
            match first_after(&arrivals, &key, at, at + horizon) {
                Some(arrived) => transits.push(arrived - at),
                None => missing += 1,
            }
        }
        let (start_ms, end_ms) = (period.start_ms, period.end_ms());
        let detected = flow.entries_through;
        flow.judged_exits = start;
        flow.latest.gone = Some((missing, left));
        let gap = judge_gap(&mut flow.gone, (missing, left, start_ms), config)
            .map(|window| gap_draft(&id, Check::Gone, (end_ms, detected), window, config));
        flow.judged.push(Judged {
            check: Check::Gone,
            start_ms,
            judged: left,
            missing,
            transit_ms: None,
            alarm: gap.is_some(),
        });
        out.extend(episode(flow, &id, Check::Gone, start_ms, end_ms, gap));
        let delay =
            judge_transit(flow, (start_ms, transits), config).map(|(median, travellers, usual)| {
                transit_draft(&id, start_ms, detected, travellers, median, usual)
            });
        out.extend(episode(flow, &id, Check::Transit, start_ms, end_ms, delay));
    }
    // Travellers who arrived: judged once the near side is in to the
    // horizon past the period's end (a late booth's records amend its
    // periods in that time), and only a look-back after the near side's
    // first period (earlier arrivals may have left before it).
    let first_exit = flow.exits.keys().next().copied().unwrap_or(i64::MAX);
    let ready: Vec<i64> = flow
        .entries
        .range(flow.judged_entries.saturating_add(1)..)
        .take_while(|(_, p)| flow.exits_through >= p.end_ms() + horizon)
        .map(|(start, _)| *start)
        .collect();
    for start in ready {
        let period = &flow.entries[&start];
        let (start_ms, end_ms) = (period.start_ms, period.end_ms());
        flow.judged_entries = start;
        if start_ms < first_exit.saturating_add(lookback) {
            continue;
        }
        let departures = index(flow.exits.values(), start_ms - lookback, end_ms, true);
        let arrived = period.passages.len();
        let missing = period
            .passages
            .iter()
            .filter(|(key, at, _)| last_before(&departures, key, at - lookback, *at).is_none())
            .count();
        let detected = flow.exits_through.max(end_ms);
        flow.latest.unrecorded = Some((missing, arrived));
        let gap = judge_gap(&mut flow.unrecorded, (missing, arrived, start_ms), config)
            .map(|window| gap_draft(&id, Check::Unrecorded, (end_ms, detected), window, config));
        flow.judged.push(Judged {
            check: Check::Unrecorded,
            start_ms,
            judged: arrived,
            missing,
            transit_ms: None,
            alarm: gap.is_some(),
        });
        out.extend(episode(flow, &id, Check::Unrecorded, start_ms, end_ms, gap));
    }
    prune(flow, lookback);
    out
}

/// Keys of the passages of `periods` inside [from, to], with their times
/// (only admitted ones when `admitted_only`).
fn index<'a>(
    periods: impl Iterator<Item = &'a SidePeriod>,
    from: i64,
    to: i64,
    admitted_only: bool,
) -> HashMap<PairKey, Vec<i64>> {
    let mut out: HashMap<PairKey, Vec<i64>> = HashMap::new();
    for period in periods.filter(|p| p.end_ms() > from && p.start_ms <= to) {
        for &(key, at, admitted) in &period.passages {
            if (from..=to).contains(&at) && (admitted || !admitted_only) {
                out.entry(key).or_default().push(at);
            }
        }
    }
    out
}

fn first_after(
    index: &HashMap<PairKey, Vec<i64>>,
    key: &PairKey,
    after: i64,
    until: i64,
) -> Option<i64> {
    index
        .get(key)?
        .iter()
        .copied()
        .filter(|t| *t > after && *t <= until)
        .min()
}

fn last_before(
    index: &HashMap<PairKey, Vec<i64>>,
    key: &PairKey,
    from: i64,
    before: i64,
) -> Option<i64> {
    index
        .get(key)?
        .iter()
        .copied()
        .filter(|t| *t >= from && *t < before)
        .max()
}

/// A window of periods judged a gap: its first period's start, the
/// travellers missing in it and judged, and how many were expected.
pub(super) struct Window {
    pub(super) start_ms: i64,
    /// The first period of the window with clearly more missing than
    /// usual: when the gap began.
    pub(super) began_ms: i64,
    pub(super) missing: usize,
    pub(super) total: usize,
    pub(super) expected: f64,
}

/// The window ending with `period` (missing, judged, start) when its
/// count is far above the learned share's binomial spread; otherwise
/// learns the period.
fn judge_gap(
    share: &mut Share,
    period: (usize, usize, i64),
    config: &DetectConfig,
) -> Option<Window> {
    let (missing, total, start_ms) = period;
    let span = config.mirror_window.as_millis() as i64;
    share.recent.push_back(period);
    while share
        .recent
        .front()
        .is_some_and(|(_, _, start)| *start <= start_ms - span)
    {
        share.recent.pop_front();
    }
    let window = share
        .recent
        .iter()
        .fold((0, 0), |(m, n), (pm, pn, _)| (m + pm, n + pn));
    let p = share.rate();
    let n = window.1 as f64;
    let expected = n * p;
    let spread = (n * p * (1.0 - p)).sqrt();
    let alarm = share.periods >= config.mirror_learning_periods
        && window.0 >= config.mirror_min_missing as usize
        && window.0 as f64 > expected + config.mirror_z * spread + 1.0;
    if !alarm {
        share.learn(missing, total);
    }
    alarm.then(|| Window {
        start_ms: share.recent.front().map_or(start_ms, |(_, _, s)| *s),
        began_ms: share
            .recent
            .iter()
            .find(|(m, n, _)| *m as f64 > *n as f64 * p + 1.0)
            .map_or(start_ms, |(_, _, s)| *s),
        missing: window.0,
        total: window.1,
        expected,
    })
}

/// (median, travellers, usual) transit over the window ending with
/// `period` (start, transit times) when its median is well above the
/// learned one; otherwise learns the window's median. Travellers of one
/// party or one coach share a drive, so a window, not a period, is judged.
fn judge_transit(
    flow: &mut Flow,
    period: (i64, Vec<i64>),
    config: &DetectConfig,
) -> Option<(f64, usize, f64)> {
    let start_ms = period.0;
    let span = config.mirror_window.as_millis() as i64;
    flow.transits.push_back(period);
    while flow
        .transits
        .front()
        .is_some_and(|(start, _)| *start <= start_ms - span)
    {
        flow.transits.pop_front();
    }
    let mut transits: Vec<i64> = flow
        .transits
        .iter()
        .flat_map(|(_, t)| t.iter().copied())
        .collect();
    if transits.len() < config.transit_min_travellers as usize {
        return None;
    }
    transits.sort_unstable();
    let median = transits[transits.len() / 2] as f64;
    flow.latest.transit_ms = Some(median as i64);
    let usual = flow.transit.usual_ms();
    let delay = usual.filter(|usual| {
        flow.transit.periods >= config.mirror_learning_periods
            && median >= usual * config.transit_delay_factor
            && median - usual >= config.transit_delay_min.as_millis() as f64
    });
    flow.judged.push(Judged {
        check: Check::Transit,
        start_ms,
        judged: transits.len(),
        missing: 0,
        transit_ms: Some(median as i64),
        alarm: delay.is_some(),
    });
    match delay {
        Some(usual) => Some((median, transits.len(), usual)),
        None => {
            flow.transit.learn(median);
            None
        }
    }
}

/// Opens, grows or ends the check's episode; the anomaly when it alarms.
fn episode(
    flow: &mut Flow,
    id: &FlowId,
    check: Check,
    start_ms: i64,
    end_ms: i64,
    draft: Option<(Draft<'_>, Severity)>,
) -> Option<Anomaly> {
    let Some((draft, severity)) = draft else {
        flow.episodes[check as usize] = None;
        return None;
    };
    let slot = &mut flow.episodes[check as usize];
    let episode = match slot.take() {
        Some(open) if open.last_end_ms >= start_ms => Episode {
            first_start_ms: open.first_start_ms,
            first_event: open.first_event,
            last_end_ms: end_ms,
            revision: open.revision + 1,
        },
        _ => Episode {
            first_start_ms: start_ms,
            first_event: None,
            last_end_ms: end_ms,
            revision: 1,
        },
    };
    let mut anomaly = Draft { severity, ..draft }.build(&[
        id.pair_id.as_bytes(),
        id.from.as_bytes(),
        id.to.as_bytes(),
        check.label().as_bytes(),
        &episode.first_start_ms.to_be_bytes(),
    ]);
    anomaly.revision = episode.revision;
    let mut episode = episode;
    match &episode.first_event {
        Some(first) => anomaly.event_time = Some(*first),
        None => episode.first_event = anomaly.event_time,
    }
    *slot = Some(episode);
    Some(anomaly)
}

/// Drops periods no check needs any more: exits a look-back older than
/// the entries still to judge, entries older than the exits still to judge.
fn prune(flow: &mut Flow, lookback: i64) {
    let exits_needed_from = flow.judged_entries.saturating_sub(lookback);
    let entries_needed_from = flow.judged_exits;
    flow.exits
        .retain(|start, p| *start > flow.judged_exits || p.end_ms() > exits_needed_from);
    flow.entries
        .retain(|start, p| *start > flow.judged_entries || p.end_ms() > entries_needed_from);
}

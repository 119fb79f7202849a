//! The statistics every instance answers from, read back from the
//! statistics topic: each crossing's hours as published, and the days and
//! months summed from them as they arrive.
//!
//! An hour is published again when a late event amends it; the store keeps
//! the hour as last seen and moves its day and month by the difference, so
//! a re-publication never counts twice. Hours are kept in memory for the
//! hourly retention, measured on the topic partition they arrive on (an
//! hour and its re-publications share a key, so a partition, and arrive in
//! order: an amendment comes within the late retention, long before its
//! hour would be dropped). Days and months are kept in full.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR};
use borderflow_proto::statistics::v1::{Granularity, HourRecord};
use borderflow_proto::timestamp_to_ms;

use crate::windows::cells::Cells;

/// A period's start and end, milliseconds since the epoch (UTC).
pub type Period = (i64, i64);

/// The periods of `granularity` that `t_ms` falls in.
pub fn period_of(granularity: Granularity, t_ms: i64) -> Option<Period> {
    match granularity {
        Granularity::Hour => {
            let start = t_ms.div_euclid(MS_PER_HOUR) * MS_PER_HOUR;
            Some((start, start + MS_PER_HOUR))
        }
        Granularity::Day => {
            let start = t_ms.div_euclid(MS_PER_DAY) * MS_PER_DAY;
            Some((start, start + MS_PER_DAY))
        }
        Granularity::Month => {
            let day = Date::from_epoch_ms(t_ms);
            let start = Date::new(day.year(), day.month(), 1)?;
            let next = if day.month() == 12 {
                Date::new(day.year() + 1, 1, 1)?
            } else {
                Date::new(day.year(), day.month() + 1, 1)?
            };
            Some((start.start_epoch_ms(), next.start_epoch_ms()))
        }
        Granularity::Unspecified => None,
    }
}

#[derive(Debug, Default)]
struct Crossing {
    hours: BTreeMap<i64, Cells>,
    days: BTreeMap<i64, Cells>,
    months: BTreeMap<i64, Cells>,
}

#[derive(Debug, Default)]
struct Inner {
    crossings: HashMap<Arc<str>, Crossing>,
    /// The newest hour seen per topic partition.
    newest: HashMap<i32, i64>,
    /// The oldest hour still held in memory (the earliest horizon applied).
    hours_from_ms: Option<i64>,
}

/// Why a record was not applied.
#[derive(Debug, thiserror::Error)]
pub enum Unapplied {
    #[error("hour record without a crossing id")]
    NoCrossing,
    #[error("hour record without a valid start")]
    NoStart,
}

#[derive(Debug)]
pub struct StatisticsStore {
    hourly_retention_ms: i64,
    inner: RwLock<Inner>,
    /// The reader has caught up with the topic as it was at start-up.
    loaded: AtomicBool,
}

/// One period's counts over the crossings asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodCells {
    pub period: Period,
    pub cells: Cells,
}

impl StatisticsStore {
    pub fn new(hourly_retention_ms: i64) -> Self {
        Self {
            hourly_retention_ms,
            inner: RwLock::default(),
            loaded: AtomicBool::new(false),
        }
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    pub fn mark_loaded(&self) {
        self.loaded.store(true, Ordering::Release);
    }

    /// Applies an hour as published, read from topic partition `partition`.
    pub fn apply(&self, partition: i32, record: &HourRecord) -> Result<(), Unapplied> {
        if record.crossing_id.is_empty() {
            return Err(Unapplied::NoCrossing);
        }
        let start = record
            .start
            .as_ref()
            .and_then(timestamp_to_ms)
            .ok_or(Unapplied::NoStart)?;
        let hour = Cells::from_proto(&record.cells);
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let newest = inner.newest.entry(partition).or_insert(start);
        *newest = (*newest).max(start);
        let horizon = *newest - self.hourly_retention_ms;
        inner.hours_from_ms = Some(inner.hours_from_ms.map_or(horizon, |h| h.max(horizon)));
        let crossing = match inner.crossings.get_mut(record.crossing_id.as_str()) {
            Some(crossing) => crossing,
            None => inner
                .crossings
                .entry(Arc::from(record.crossing_id.as_str()))
                .or_default(),
        };
        let day = period_of(Granularity::Day, start).map(|p| p.0);
        let month = period_of(Granularity::Month, start).map(|p| p.0);
        let old = crossing.hours.insert(start, hour.clone());
        for (map, at) in [(&mut crossing.days, day), (&mut crossing.months, month)] {
            let Some(at) = at else { continue };
            let total = map.entry(at).or_default();
            if let Some(old) = &old {
                total.subtract(old);
            }
            total.merge(&hour);
        }
        // Hours past the retention go; their days and months stay.
        while let Some(entry) = crossing.hours.first_entry() {
            if *entry.key() >= horizon {
                break;
            }
            entry.remove();
        }
        Ok(())
    }

    /// The oldest hour start still held, if any hour was ever seen.
    pub fn hours_from_ms(&self) -> Option<i64> {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .hours_from_ms
    }

    /// Every crossing with statistics, sorted.
    pub fn crossing_ids(&self) -> Vec<String> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<String> = inner.crossings.keys().map(|k| k.to_string()).collect();
        ids.sort_unstable();
        ids
    }

    /// The periods of `granularity` starting in `[from_ms, to_ms)`, each
    /// summed over the crossings `include` accepts; periods without any
    /// inspection are left out.
    pub fn periods(
        &self,
        granularity: Granularity,
        from_ms: i64,
        to_ms: i64,
        include: impl Fn(&str) -> bool,
    ) -> Vec<PeriodCells> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let mut sums: BTreeMap<i64, Cells> = BTreeMap::new();
        for (id, crossing) in &inner.crossings {
            if !include(id) {
                continue;
            }
            let map = match granularity {
                Granularity::Hour => &crossing.hours,
                Granularity::Day => &crossing.days,
                Granularity::Month => &crossing.months,
                Granularity::Unspecified => continue,
            };
            for (&start, cells) in map.range(from_ms..to_ms) {
                sums.entry(start).or_default().merge(cells);
            }
        }
        sums.into_iter()
            .filter(|(_, cells)| !cells.is_empty())
            .filter_map(|(start, cells)| {
                Some(PeriodCells {
                    period: period_of(granularity, start)?,
                    cells,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;

//! A crossing's hours for the statistics: every inspection its windows
//! count, summed by the hour its window starts in.
//!
//! An hour counts exactly what its windows count: an inspection is added
//! when a window counts it (a re-sent event or a replayed record is not
//! counted, so not added), and a restored window adds what it held. An hour
//! is published with its windows when one closes or is amended, and after
//! a restart once more with what was restored, so its record on the topic
//! always ends up equal to the sum of its windows. The exception is the
//! hour a restart's restored windows begin in mid-way (the window store
//! keeps a horizon): it keeps the record its previous owner published. It is kept while its
//! windows may still be amended (the late retention), then dropped.

use std::collections::BTreeMap;

use borderflow_domain::time::window_start;
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::statistics::v1::HourRecord;

use crate::windows::cells::{CellKey, Cells};

pub const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Default)]
struct Hour {
    cells: Cells,
    /// To publish.
    due: bool,
}

#[derive(Debug, Default)]
pub struct Hours {
    by_start: BTreeMap<i64, Hour>,
    /// The hour the restored windows begin in mid-way after a restart (the
    /// store keeps windows from a horizon): partial here, so never
    /// published (its last publication stands).
    partial: Option<i64>,
}

impl Hours {
    fn hour(&mut self, window_start_ms: i64) -> &mut Hour {
        self.by_start
            .entry(window_start(window_start_ms, HOUR_MS))
            .or_default()
    }

    /// A window starting at `window_start_ms` counted an inspection.
    pub fn count(&mut self, window_start_ms: i64, key: CellKey) {
        self.hour(window_start_ms).cells.add(key, 1);
    }

    /// A window starting at `window_start_ms` closed or was amended: its
    /// hour is due (published with the window; kept until then).
    pub fn changed(&mut self, window_start_ms: i64) {
        if let Some(hour) = self
            .by_start
            .get_mut(&window_start(window_start_ms, HOUR_MS))
        {
            hour.due = true;
        }
    }

    /// A window put back after a restart: what it holds, its hour due (in
    /// case the hour's last publication was lost with the process).
    pub fn restored(&mut self, window_start_ms: i64, cells: &Cells) {
        let hour = self.hour(window_start_ms);
        hour.cells.merge(cells);
        hour.due = true;
    }

    /// The restored windows are those starting at or after `horizon_ms`:
    /// the hour it falls inside, if any, is partial.
    pub fn restored_from(&mut self, horizon_ms: i64) {
        let hour = window_start(horizon_ms, HOUR_MS);
        self.partial = (hour != horizon_ms).then_some(hour);
    }

    pub fn is_due(&self) -> bool {
        self.by_start
            .iter()
            .any(|(start, h)| h.due && Some(*start) != self.partial)
    }

    /// The hours due since the last call, as records.
    pub fn take(&mut self, crossing_id: &str, partition: i32) -> Vec<HourRecord> {
        let mut out = Vec::new();
        for (&start, hour) in self.by_start.iter_mut().filter(|(_, h)| h.due) {
            hour.due = false;
            if Some(start) == self.partial {
                continue;
            }
            out.push(HourRecord {
                crossing_id: crossing_id.to_owned(),
                start: Some(ms_to_timestamp(start)),
                cells: hour.cells.to_proto(),
                source_partition: partition,
            });
        }
        out
    }

    /// Drops the hours that ended at or before `horizon` (their windows are
    /// past amending) once published.
    pub fn evict(&mut self, horizon: i64) {
        while let Some(entry) = self.by_start.first_entry() {
            let waiting = entry.get().due && Some(*entry.key()) != self.partial;
            if *entry.key() + HOUR_MS > horizon || waiting {
                break;
            }
            entry.remove();
        }
    }

    pub fn len(&self) -> usize {
        self.by_start.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_start.is_empty()
    }
}

/// Kafka key of an hour: crossing and hour start.
pub fn hour_key(record: &HourRecord) -> String {
    let start = record
        .start
        .as_ref()
        .and_then(borderflow_proto::timestamp_to_ms)
        .unwrap_or_default();
    format!("{}@{start}", record.crossing_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::cells::CellValues;

    fn key(sex: i32) -> CellKey {
        CellKey::new(&CellValues {
            sex,
            nationality: "KAZ",
            ..CellValues::default()
        })
    }

    fn counts(records: &[HourRecord]) -> Vec<u64> {
        records
            .iter()
            .map(|r| r.cells.iter().map(|c| c.count).sum())
            .collect()
    }

    #[test]
    fn an_hour_is_published_when_a_window_of_it_is() {
        let mut hours = Hours::default();
        hours.count(HOUR_MS, key(1));
        hours.count(HOUR_MS + 60_000, key(2));
        hours.count(2 * HOUR_MS, key(1));
        assert!(!hours.is_due(), "counting alone publishes nothing");
        hours.changed(HOUR_MS);
        let records = hours.take("KZ-1", 2);
        assert_eq!(counts(&records), vec![2]);
        assert_eq!(records[0].cells.len(), 2);
        assert_eq!(hour_key(&records[0]), format!("KZ-1@{HOUR_MS}"));
        assert!(hours.take("KZ-1", 2).is_empty(), "nothing due since");
        // A late event amends a window of the first hour.
        hours.count(HOUR_MS + 120_000, key(1));
        hours.changed(HOUR_MS + 120_000);
        hours.changed(2 * HOUR_MS);
        assert_eq!(counts(&hours.take("KZ-1", 2)), vec![3, 1]);
    }

    #[test]
    fn a_restored_window_adds_what_it_held_and_is_published() {
        let mut hours = Hours::default();
        let mut cells = Cells::default();
        cells.add(key(2), 4);
        hours.restored(0, &cells);
        hours.count(60_000, key(2));
        hours.changed(60_000);
        let records = hours.take("X", 0);
        assert_eq!(counts(&records), vec![5]);
    }

    #[test]
    fn an_hour_restored_from_mid_way_is_never_published() {
        let mut hours = Hours::default();
        let mut cells = Cells::default();
        cells.add(key(1), 2);
        // Restored from the 40th minute of hour 0 (the store's horizon).
        hours.restored(HOUR_MS + 60_000, &cells);
        hours.restored(40 * 60_000, &cells);
        hours.restored_from(40 * 60_000);
        assert_eq!(counts(&hours.take("X", 0)), vec![2], "hour 1 only");
        hours.count(41 * 60_000, key(1));
        hours.changed(41 * 60_000);
        assert!(!hours.is_due());
        hours.evict(2 * HOUR_MS);
        assert_eq!(hours.len(), 0, "dropped with its windows");
        // From a whole hour, nothing is partial.
        hours.restored(0, &cells);
        hours.restored_from(0);
        assert_eq!(counts(&hours.take("X", 0)), vec![2]);
    }

    #[test]
    fn hours_go_once_past_the_horizon_and_published() {
        let mut hours = Hours::default();
        hours.count(0, key(1));
        hours.changed(0);
        hours.count(HOUR_MS, key(1));
        hours.changed(HOUR_MS);
        hours.evict(2 * HOUR_MS);
        assert_eq!(hours.len(), 2, "unpublished hours stay");
        hours.take("X", 0);
        hours.evict(HOUR_MS + 1);
        assert_eq!(hours.len(), 1);
        hours.evict(2 * HOUR_MS);
        assert!(hours.is_empty());
    }
}

//! A table: for each period, one row per combination of the requested
//! dimensions' values (the other dimensions summed), and the period's
//! total.

use std::collections::BTreeMap;

use borderflow_proto::ms_to_timestamp;
use borderflow_proto::statistics::v1::{Confidentiality, Dimension, StatisticsRow};

use crate::store::statistics::{Period, PeriodCells};
use crate::windows::cells::{CellKey, Field};

/// Whether a row's count is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Published,
    /// Under the threshold.
    Primary,
    /// Withheld so that a total cannot reveal a primary cell.
    Secondary,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub period: Period,
    /// The values of the requested dimensions; the others unspecified.
    pub key: CellKey,
    pub count: u64,
    /// The period's total over every dimension.
    pub total: bool,
    pub status: Status,
}

impl Row {
    /// The count if it may be published.
    pub fn value(&self) -> Option<u64> {
        (self.status == Status::Published).then_some(self.count)
    }

    /// The row as the contract carries it, with the dimensions `fields`.
    pub fn to_proto(&self, fields: &[Field]) -> StatisticsRow {
        let row = self;
        let key = row.key;
        let has = |f: Field| !row.total && fields.contains(&f);
        let band = if has(Field::AgeBand) {
            key.age_band()
        } else {
            None
        };
        StatisticsRow {
            period_start: Some(ms_to_timestamp(row.period.0)),
            period_end: Some(ms_to_timestamp(row.period.1)),
            direction: if has(Field::Direction) {
                key.direction()
            } else {
                0
            },
            sex: if has(Field::Sex) { key.sex() } else { 0 },
            age_from: band.map(|b| u32::from(b.from)),
            age_to: band.and_then(|b| b.to).map(u32::from),
            nationality: if has(Field::Nationality) {
                key.nationality()
            } else {
                String::new()
            },
            mode: if has(Field::Mode) { key.mode() } else { 0 },
            outcome: if has(Field::Outcome) {
                key.outcome()
            } else {
                0
            },
            refusal_reason: if has(Field::RefusalReason) {
                key.refusal_reason()
            } else {
                0
            },
            count: row.value(),
            confidentiality: match row.status {
                Status::Published => Confidentiality::Free,
                Status::Primary => Confidentiality::Primary,
                Status::Secondary => Confidentiality::Secondary,
            } as i32,
            total: row.total,
            age_unknown: has(Field::AgeBand) && band.is_none(),
        }
    }
}

/// The key's field of a contract dimension.
pub fn field(dimension: Dimension) -> Option<Field> {
    Some(match dimension {
        Dimension::Direction => Field::Direction,
        Dimension::Sex => Field::Sex,
        Dimension::AgeBand => Field::AgeBand,
        Dimension::Nationality => Field::Nationality,
        Dimension::Mode => Field::Mode,
        Dimension::Outcome => Field::Outcome,
        Dimension::RefusalReason => Field::RefusalReason,
        Dimension::Unspecified => return None,
    })
}

/// The rows of `periods` broken down by `by`: per period, its total
/// first, then its cells in key order. Nothing is suppressed yet.
pub fn table(periods: &[PeriodCells], by: &[Field]) -> Vec<Row> {
    let mut rows = Vec::new();
    for p in periods {
        let mut cells: BTreeMap<CellKey, u64> = BTreeMap::new();
        for (key, n) in p.cells.iter() {
            *cells.entry(key.project(by)).or_default() += n;
        }
        rows.push(Row {
            period: p.period,
            key: CellKey::default().project(&[]),
            count: p.cells.total(),
            total: true,
            status: Status::Published,
        });
        if by.is_empty() {
            continue;
        }
        rows.extend(cells.into_iter().map(|(key, count)| Row {
            period: p.period,
            key,
            count,
            total: false,
            status: Status::Published,
        }));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::cells::{AgeBands, CellValues, Cells};

    #[test]
    fn rows_sum_the_dimensions_not_asked_for() {
        let bands = AgeBands::default();
        let mut cells = Cells::default();
        for (sex, age, nationality, n) in [
            (1, 30, "KAZ", 4),
            (1, 31, "UZB", 2),
            (2, 8, "KAZ", 3),
            (2, 40, "KAZ", 1),
        ] {
            cells.add(
                CellKey::new(&CellValues {
                    sex,
                    age_band: bands.band(Some(age)),
                    nationality,
                    ..CellValues::default()
                }),
                n,
            );
        }
        let periods = [PeriodCells {
            period: (0, 3_600_000),
            cells,
        }];
        let rows = table(&periods, &[Field::Sex]);
        let counts: Vec<(bool, i32, u64)> = rows
            .iter()
            .map(|r| (r.total, r.key.sex(), r.count))
            .collect();
        assert_eq!(counts, vec![(true, 0, 10), (false, 1, 6), (false, 2, 4)]);
        let rows = table(&periods, &[Field::Sex, Field::AgeBand]);
        assert_eq!(rows.len(), 1 + 3, "men 25-59, girls 5-13, women 25-59");
        assert_eq!(table(&periods, &[]).len(), 1);
    }
}

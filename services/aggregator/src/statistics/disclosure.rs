//! Statistical disclosure control on a table before it is published.
//!
//! Primary suppression: a count above zero and under the threshold is
//! withheld (a small cell can single out a person: "the one woman over 60
//! of that nationality who crossed at that post that hour").
//!
//! Secondary suppression: every line of the table — the cells that differ
//! in one dimension only — sums to a figure published elsewhere (the same
//! query without that dimension, or the period's total). A line with
//! exactly one withheld cell would give it away by subtraction, so the
//! smallest other published cell of that line is withheld too (preferring
//! cells that are not alone in another line, whose total would give them
//! away in turn), and so on until no line has exactly one. A line whose only
//! cell is withheld is left so when that cell is under the threshold: its
//! total is the same small figure, withheld wherever it is published. Zero
//! cells are not withheld: an absent combination reveals nobody.
//!
//! What this does not cover: a sparse table can leave no safe complement
//! (every candidate alone in another line, whose total — published in the
//! table without that dimension — gives it away); the unit tests measure
//! this at a few in a thousand secondary cells on random sparse tables.
//! Nor differencing across tables of other scopes or periods (a country's table against the sum of its crossings' tables,
//! overlapping custom ranges). Periods are fixed calendar units and scopes
//! are whole crossings or countries, which limits it; the threshold is a
//! deployment setting, not the caller's.

use std::collections::BTreeMap;

use super::table::{Row, Status};
use crate::windows::cells::{CellKey, Field};

/// Applies primary and secondary suppression to `rows` (as built by
/// [`table`](super::table()) with the fields `by`), period by period.
pub fn protect(rows: &mut [Row], by: &[Field], threshold: u64) {
    for row in rows.iter_mut() {
        if row.count > 0 && row.count < threshold {
            row.status = Status::Primary;
        }
    }
    let mut start = 0;
    while start < rows.len() {
        let period = rows[start].period;
        let end = rows[start..]
            .iter()
            .position(|r| r.period != period)
            .map_or(rows.len(), |n| start + n);
        secondary(&mut rows[start..end], by);
        start = end;
    }
}

/// Secondary suppression within one period's rows.
fn secondary(rows: &mut [Row], by: &[Field]) {
    let cells: Vec<usize> = (0..rows.len()).filter(|&i| !rows[i].total).collect();
    // Ordered, so the same table is always withheld the same way (two
    // different answers to one query could be differenced).
    let lines: Vec<BTreeMap<CellKey, Vec<usize>>> = (0..by.len())
        .map(|d| {
            let others = others(by, d);
            let mut lines: BTreeMap<CellKey, Vec<usize>> = BTreeMap::new();
            for &i in &cells {
                lines
                    .entry(rows[i].key.project(&others))
                    .or_default()
                    .push(i);
            }
            lines
        })
        .collect();
    // A cell alone in one of its lines is a poor complement: withheld, that
    // line's total (published) would give it away.
    let alone = |rows: &[Row], i: usize| {
        (0..by.len()).any(|e| {
            let line = &lines[e][&rows[i].key.project(&others(by, e))];
            line.iter().filter(|&&j| rows[j].count > 0).count() == 1
        })
    };
    loop {
        let mut changed = false;
        for dimension in &lines {
            for line in dimension.values() {
                let withheld = line
                    .iter()
                    .filter(|&&i| rows[i].status != Status::Published)
                    .count();
                if withheld != 1 {
                    continue;
                }
                let complement = line
                    .iter()
                    .copied()
                    .filter(|&i| rows[i].status == Status::Published && rows[i].count > 0)
                    .min_by_key(|&i| (alone(rows, i), rows[i].count, rows[i].key));
                if let Some(i) = complement {
                    rows[i].status = Status::Secondary;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
    }
}

/// The fields of `by` but the `d`-th: what identifies a line along it.
fn others(by: &[Field], d: usize) -> Vec<Field> {
    by.iter()
        .enumerate()
        .filter(|&(e, _)| e != d)
        .map(|(_, f)| *f)
        .collect()
}

#[cfg(test)]
mod tests;

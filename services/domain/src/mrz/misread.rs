//! A reader's slip: one character of a zone read as its look-alike, the
//! way optical character recognition confuses them (0 and O, 1 and I,
//! 8 and B, 5 and S, 2 and Z, 6 and G, 0 and D). Only slips that the
//! zone's checks catch are produced: a character covered by a check digit
//! (document number, dates, a TD3 personal number), read so that the check
//! fails. A slip the checks cannot see is no failed read.

use rand::Rng;
use rand::seq::SliceRandom;

use super::corrupt::{checked_runs, layout_of};
use super::validate::validate;
use crate::time::Date;

/// Look-alikes in both directions.
const CONFUSED: &[(char, char)] = &[
    ('0', 'O'),
    ('1', 'I'),
    ('8', 'B'),
    ('5', 'S'),
    ('2', 'Z'),
    ('6', 'G'),
    ('0', 'D'),
];

fn look_alike(c: char) -> Option<char> {
    CONFUSED.iter().find_map(|&(a, b)| {
        if a == c {
            Some(b)
        } else if b == c {
            Some(a)
        } else {
            None
        }
    })
}

/// `lines` with one checked character misread, read on `on`; `None` when
/// the zone is not a valid one of a known layout or no checked character
/// has a look-alike the checks would catch.
pub fn misread(lines: &[String], on: Date, rng: &mut impl Rng) -> Option<Vec<String>> {
    let zone: Vec<Vec<char>> = lines.iter().map(|line| line.chars().collect()).collect();
    let text: Vec<&str> = lines.iter().map(String::as_str).collect();
    if !validate(&text, on).is_valid() {
        return None;
    }
    let layout = layout_of(&zone)?;
    let mut positions: Vec<(usize, usize, char)> = checked_runs(&zone, layout)
        .iter()
        .flat_map(|&(span, _)| (span.start..span.end()).map(move |c| (span.line, c)))
        .filter_map(|(line, column)| {
            let (line, column) = (usize::from(line), usize::from(column));
            let c = *zone.get(line)?.get(column)?;
            look_alike(c).map(|alike| (line, column, alike))
        })
        .collect();
    positions.shuffle(rng);
    positions.into_iter().find_map(|(line, column, alike)| {
        let mut read = lines.to_vec();
        let mut chars: Vec<char> = read[line].chars().collect();
        chars[column] = alike;
        read[line] = chars.into_iter().collect();
        let text: Vec<&str> = read.iter().map(String::as_str).collect();
        (!validate(&text, on).is_valid()).then_some(read)
    })
}

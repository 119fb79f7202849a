//! Controlled damage to a valid zone, of the kinds a reader meets (OCR
//! slips, transposed characters, forged check digits), each of which
//! [`validate`](super::validate) must detect.

use rand::Rng;
use rand::seq::IndexedRandom;

use super::charset::{self, ALPHABET, FILLER};
use super::layout::{Format, Layout, Span};
use super::number::Number;
use super::zone::Zone;

/// A kind of damage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Corruption {
    /// One character of a field with its own check digit replaced by another
    /// MRZ character whose value differs modulo 10, so the digit changes.
    SubstituteChecked,
    /// Two adjacent, different characters of such a field swapped where the
    /// 7-3-1 weights make the digit change (their values differ modulo 5).
    SwapAdjacent,
    /// The composite check digit replaced by another digit; visas have none
    /// and get [`SubstituteChecked`](Self::SubstituteChecked) instead.
    WrongComposite,
    /// A line one character longer or shorter.
    WrongLineLength,
    /// A lower-case letter or punctuation mark written over a character.
    BadCharacter,
}

impl Corruption {
    pub const ALL: [Corruption; 5] = [
        Self::SubstituteChecked,
        Self::SwapAdjacent,
        Self::WrongComposite,
        Self::WrongLineLength,
        Self::BadCharacter,
    ];
}

/// What OCR and tampering leave behind: lower case, punctuation, spaces.
const BAD: &[char] = &[
    'a', 'e', 'k', 'o', 'x', 'z', '.', ',', '-', '\'', ' ', '/', '#', '«',
];

/// Applies `corruption` to a zone. Zones whose layout does not match any
/// format get a bad character instead of the check-digit kinds, or a
/// changed length when they have no character at all.
pub fn corrupt(lines: &[String], corruption: Corruption, rng: &mut impl Rng) -> Vec<String> {
    let mut zone: Vec<Vec<char>> = lines.iter().map(|line| line.chars().collect()).collect();
    let layout = layout_of(&zone);
    let done = match (corruption, layout) {
        (Corruption::SubstituteChecked, Some(layout)) => substitute(&mut zone, layout, rng),
        (Corruption::SwapAdjacent, Some(layout)) => {
            swap(&mut zone, layout, rng) || substitute(&mut zone, layout, rng)
        }
        (Corruption::WrongComposite, Some(layout)) => match layout.composite_check {
            Some(at) => replace_digit(&mut zone, at, rng),
            None => substitute(&mut zone, layout, rng),
        },
        (Corruption::WrongLineLength, _) => change_length(&mut zone, rng),
        _ => false,
    };
    if !done && !bad_character(&mut zone, rng) {
        change_length(&mut zone, rng);
    }
    zone.into_iter()
        .map(|line| line.into_iter().collect())
        .collect()
}

pub(super) fn layout_of(zone: &[Vec<char>]) -> Option<&'static Layout> {
    let lengths: Vec<usize> = zone.iter().map(Vec::len).collect();
    let first = zone.first().and_then(|line| line.first()).copied();
    let format = Format::guess(&lengths, first)?;
    let fits = lengths.iter().all(|&n| n == format.line_length());
    fits.then(|| format.layout())
}

/// The runs of characters covered by a field's own check digit: the
/// document number (with any continuation), the dates and a TD3 personal
/// number.
pub(super) fn checked_runs(zone: &[Vec<char>], layout: &Layout) -> Vec<(Span, Run)> {
    let text: Vec<String> = zone.iter().map(|line| line.iter().collect()).collect();
    let lines: Vec<&str> = text.iter().map(String::as_str).collect();
    let mut ascii = [true; 3];
    for (ascii, line) in ascii.iter_mut().zip(&lines) {
        *ascii = line.is_ascii();
    }
    let zone = Zone::new(&lines, ascii, usize::from(layout.width));
    let number = Number::locate(&zone, layout);
    let mut runs = vec![
        (number.principal, Run::Text),
        (layout.birth_date, Run::Digits),
        (layout.expiry_date, Run::Digits),
    ];
    if let Some(overflow) = number.overflow.filter(|span| span.len > 0) {
        runs.push((overflow, Run::Continued));
    }
    if layout.optional_data_check.is_some() {
        runs.push((layout.optional_data, Run::Text));
    }
    runs
}

/// What a run may hold after a substitution.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Run {
    Text,
    /// Dates stay numeric, as an OCR slip would leave them.
    Digits,
    /// A continued document number must not gain a filler: that would end
    /// it early and move its check digit.
    Continued,
}

fn char_at(zone: &[Vec<char>], line: u8, column: u8) -> char {
    zone.get(usize::from(line))
        .and_then(|l| l.get(usize::from(column)))
        .copied()
        .unwrap_or('\0')
}

fn value(c: char) -> Option<u8> {
    charset::char_value(c)
}

fn substitute(zone: &mut [Vec<char>], layout: &Layout, rng: &mut impl Rng) -> bool {
    let runs = checked_runs(zone, layout);
    let positions: Vec<(u8, u8, Run)> = runs
        .iter()
        .flat_map(|&(span, run)| (span.start..span.end()).map(move |c| (span.line, c, run)))
        .collect();
    let Some(&(line, column, run)) = positions.choose(rng) else {
        return false;
    };
    let old = char_at(zone, line, column);
    let candidates: Vec<char> = ALPHABET
        .iter()
        .map(|&b| char::from(b))
        .filter(|&c| run != Run::Digits || c.is_ascii_digit())
        .filter(|&c| run != Run::Continued || c != '<')
        .filter(|&c| value(c).map(|v| v % 10) != value(old).map(|v| v % 10))
        .collect();
    match candidates.choose(rng) {
        Some(&new) => {
            zone[usize::from(line)][usize::from(column)] = new;
            true
        }
        None => false,
    }
}

fn swap(zone: &mut [Vec<char>], layout: &Layout, rng: &mut impl Rng) -> bool {
    let runs = checked_runs(zone, layout);
    let mut pairs = Vec::new();
    for (span, _) in runs {
        for column in span.start..span.end().saturating_sub(1) {
            let a = value(char_at(zone, span.line, column));
            let b = value(char_at(zone, span.line, column + 1));
            // Adjacent weights differ by 4, 2 or 6, so the sum changes by
            // that times the value difference: non-zero mod 10 unless the
            // values agree mod 5.
            if let (Some(a), Some(b)) = (a, b)
                && a % 5 != b % 5
            {
                pairs.push((span.line, column));
            }
        }
    }
    let Some(&(line, column)) = pairs.choose(rng) else {
        return false;
    };
    zone[usize::from(line)].swap(usize::from(column), usize::from(column) + 1);
    true
}

fn replace_digit(zone: &mut [Vec<char>], at: Span, rng: &mut impl Rng) -> bool {
    let old = char_at(zone, at.line, at.start);
    let digits: Vec<char> = ('0'..='9').filter(|&d| d != old).collect();
    match digits.choose(rng) {
        Some(&new) => {
            zone[usize::from(at.line)][usize::from(at.start)] = new;
            true
        }
        None => false,
    }
}

fn change_length(zone: &mut Vec<Vec<char>>, rng: &mut impl Rng) -> bool {
    if zone.is_empty() {
        zone.push(vec![char::from(FILLER)]);
        return true;
    }
    let index = rng.random_range(0..zone.len());
    let line = &mut zone[index];
    if !line.is_empty() && rng.random_bool(0.5) {
        line.remove(rng.random_range(0..line.len()));
    } else {
        let c = char::from(*ALPHABET.choose(rng).unwrap_or(&FILLER));
        line.insert(rng.random_range(0..=line.len()), c);
    }
    true
}

fn bad_character(zone: &mut [Vec<char>], rng: &mut impl Rng) -> bool {
    let positions: Vec<(usize, usize)> = zone
        .iter()
        .enumerate()
        .flat_map(|(l, line)| (0..line.len()).map(move |c| (l, c)))
        .collect();
    let Some(&(line, column)) = positions.choose(rng) else {
        return false;
    };
    let old = zone[line][column];
    let choices: Vec<char> = BAD
        .iter()
        .copied()
        .filter(|&c| c != old && value(c).is_none())
        .collect();
    match choices.choose(rng) {
        Some(&new) => {
            zone[line][column] = new;
            true
        }
        None => false,
    }
}

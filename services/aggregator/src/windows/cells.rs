//! The statistics dimensions of an inspection, packed into one integer
//! ([`CellKey`]): direction, sex, age band, nationality, travel mode,
//! outcome and refusal reason. A window counts its inspections by key
//! ([`Cells`]); hours, days, months and tables are sums of those counts.
//!
//! Packing keeps a window's breakdown a short sorted vector of
//! `(u64, u32)` pairs instead of a map of strings: a busy crossing's
//! minute holds a few dozen combinations, and the hot path adds one
//! inspection with a binary search.

use std::fmt;
use std::str::FromStr;

use borderflow_proto::statistics::v1::StatisticsCell;

/// Lower bounds of the age bands, in years, ascending from 0; the last
/// band is open-ended. The default follows the bands migration statistics
/// use for children, youth, working age and older people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgeBands {
    bounds: [u8; Self::MAX],
    len: u8,
}

/// One band: `from` to `to` years, both included; `to` is `None` for the
/// top band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgeBand {
    pub from: u8,
    pub to: Option<u8>,
}

impl AgeBands {
    pub const MAX: usize = 16;
    /// The oldest lower bound accepted.
    const OLDEST: u8 = 120;

    /// The band `age` falls in; `None` when the age is unknown.
    pub fn band(&self, age: Option<u32>) -> Option<AgeBand> {
        let age = age?;
        let bounds = &self.bounds[..self.len as usize];
        let i = bounds.partition_point(|&b| u32::from(b) <= age).max(1) - 1;
        Some(AgeBand {
            from: bounds[i],
            to: bounds.get(i + 1).map(|next| next - 1),
        })
    }

    pub fn bounds(&self) -> &[u8] {
        &self.bounds[..self.len as usize]
    }
}

impl Default for AgeBands {
    fn default() -> Self {
        "0,5,14,18,25,60".parse().expect("the default bands parse")
    }
}

impl FromStr for AgeBands {
    type Err = String;

    /// Comma-separated lower bounds: `0,5,14,18,25,60`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut bands = Self {
            bounds: [0; Self::MAX],
            len: 0,
        };
        for part in s.split(',') {
            let bound: u8 = part
                .trim()
                .parse()
                .map_err(|_| format!("age band bound {part:?} is not a whole number of years"))?;
            if bound > Self::OLDEST {
                return Err(format!("age band bound {bound} is over {}", Self::OLDEST));
            }
            let len = bands.len as usize;
            if len == 0 && bound != 0 {
                return Err("the first age band must start at 0".into());
            }
            if len > 0 && bound <= bands.bounds[len - 1] {
                return Err(format!(
                    "age band bounds must ascend: {bound} after {}",
                    bands.bounds[len - 1]
                ));
            }
            if len == Self::MAX {
                return Err(format!("at most {} age bands", Self::MAX));
            }
            bands.bounds[len] = bound;
            bands.len += 1;
        }
        Ok(bands)
    }
}

impl fmt::Display for AgeBands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.bounds().iter().map(u8::to_string).collect();
        f.write_str(&parts.join(","))
    }
}

/// An inspection's dimension values, packed. Field values are the
/// contract's enum numbers; a value out of its field's range counts as
/// unspecified rather than spilling into a neighbour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey(u64);

/// Bit layout: (shift, width) of each field.
const DIRECTION: (u32, u32) = (0, 2);
const SEX: (u32, u32) = (2, 2);
const AGE_FROM: (u32, u32) = (4, 7);
const AGE_TO: (u32, u32) = (11, 7);
const MODE: (u32, u32) = (18, 3);
const OUTCOME: (u32, u32) = (21, 2);
const REASON: (u32, u32) = (23, 4);
const NATIONALITY: (u32, u32) = (27, 18);
/// `AGE_FROM` when the age is unknown, `AGE_TO` for the open top band.
const NONE_7: u64 = 127;

fn put(key: &mut u64, (shift, width): (u32, u32), value: u64) {
    let value = if value < (1 << width) { value } else { 0 };
    *key |= value << shift;
}

fn get(key: u64, (shift, width): (u32, u32)) -> u64 {
    (key >> shift) & ((1 << width) - 1)
}

/// A nationality code's characters in 6 bits each: `A`–`Z`, `0`–`9` and
/// the filler `<`; anything else (or a code longer than three) is unknown.
fn pack_nationality(code: &str) -> u64 {
    let bytes = code.as_bytes();
    if bytes.is_empty() || bytes.len() > 3 {
        return 0;
    }
    let mut packed = 0u64;
    for &b in bytes {
        let v = match b {
            b'A'..=b'Z' => b - b'A' + 1,
            b'0'..=b'9' => b - b'0' + 27,
            b'<' => 37,
            _ => return 0,
        };
        packed = packed << 6 | u64::from(v);
    }
    // Shorter codes are left-aligned so they sort with their prefix.
    packed << (6 * (3 - bytes.len()))
}

fn unpack_nationality(packed: u64) -> String {
    let mut out = String::with_capacity(3);
    for i in (0..3).rev() {
        let v = ((packed >> (6 * i)) & 63) as u8;
        match v {
            0 => {}
            1..=26 => out.push((b'A' + v - 1) as char),
            27..=36 => out.push((b'0' + v - 27) as char),
            _ => out.push('<'),
        }
    }
    out
}

/// What the key of an inspection is made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellValues<'a> {
    pub direction: i32,
    pub sex: i32,
    pub age_band: Option<AgeBand>,
    pub nationality: &'a str,
    pub mode: i32,
    pub outcome: i32,
    pub refusal_reason: i32,
}

impl CellKey {
    pub fn new(v: &CellValues<'_>) -> Self {
        let mut key = 0;
        let small = |n: i32| u64::try_from(n).unwrap_or(0);
        put(&mut key, DIRECTION, small(v.direction));
        put(&mut key, SEX, small(v.sex));
        let (from, to) = match v.age_band {
            Some(band) => (u64::from(band.from), band.to.map_or(NONE_7, u64::from)),
            None => (NONE_7, NONE_7),
        };
        put(&mut key, AGE_FROM, from);
        put(&mut key, AGE_TO, to);
        put(&mut key, MODE, small(v.mode));
        put(&mut key, OUTCOME, small(v.outcome));
        put(&mut key, REASON, small(v.refusal_reason));
        put(&mut key, NATIONALITY, pack_nationality(v.nationality));
        Self(key)
    }

    pub fn direction(self) -> i32 {
        get(self.0, DIRECTION) as i32
    }
    pub fn sex(self) -> i32 {
        get(self.0, SEX) as i32
    }
    pub fn age_band(self) -> Option<AgeBand> {
        let from = get(self.0, AGE_FROM);
        (from != NONE_7).then(|| AgeBand {
            from: from as u8,
            to: Some(get(self.0, AGE_TO))
                .filter(|&t| t != NONE_7)
                .map(|t| t as u8),
        })
    }
    pub fn nationality(self) -> String {
        unpack_nationality(get(self.0, NATIONALITY))
    }
    pub fn mode(self) -> i32 {
        get(self.0, MODE) as i32
    }
    pub fn outcome(self) -> i32 {
        get(self.0, OUTCOME) as i32
    }
    pub fn refusal_reason(self) -> i32 {
        get(self.0, REASON) as i32
    }

    /// The key with only the fields `keep` selects; the others read as
    /// unspecified (a total over them).
    pub fn project(self, keep: &[Field]) -> Self {
        let mut out = 0;
        for field in keep {
            let layout = field.layout();
            out |= get(self.0, layout) << layout.0;
            if *field == Field::AgeBand {
                out |= get(self.0, AGE_TO) << AGE_TO.0;
            }
        }
        if !keep.contains(&Field::AgeBand) {
            // "No band" reads as unknown; a total over ages is marked by
            // the caller, not by the key.
            out |= NONE_7 << AGE_FROM.0 | NONE_7 << AGE_TO.0;
        }
        Self(out)
    }

    pub fn to_proto(self, count: u64) -> StatisticsCell {
        let band = self.age_band();
        StatisticsCell {
            direction: self.direction(),
            sex: self.sex(),
            age_from: band.map(|b| u32::from(b.from)),
            age_to: band.and_then(|b| b.to).map(u32::from),
            nationality: self.nationality(),
            mode: self.mode(),
            outcome: self.outcome(),
            refusal_reason: self.refusal_reason(),
            count,
        }
    }

    pub fn from_proto(cell: &StatisticsCell) -> Self {
        let band = cell.age_from.map(|from| AgeBand {
            from: u8::try_from(from).unwrap_or(0),
            to: cell.age_to.and_then(|t| u8::try_from(t).ok()),
        });
        Self::new(&CellValues {
            direction: cell.direction,
            sex: cell.sex,
            age_band: band,
            nationality: &cell.nationality,
            mode: cell.mode,
            outcome: cell.outcome,
            refusal_reason: cell.refusal_reason,
        })
    }
}

/// A dimension of the packed key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Direction,
    Sex,
    AgeBand,
    Nationality,
    Mode,
    Outcome,
    RefusalReason,
}

impl Field {
    fn layout(self) -> (u32, u32) {
        match self {
            Self::Direction => DIRECTION,
            Self::Sex => SEX,
            Self::AgeBand => AGE_FROM,
            Self::Nationality => NATIONALITY,
            Self::Mode => MODE,
            Self::Outcome => OUTCOME,
            Self::RefusalReason => REASON,
        }
    }
}

/// Counts by key, sorted by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cells(Vec<(CellKey, u64)>);

impl Cells {
    pub fn add(&mut self, key: CellKey, n: u64) {
        match self.0.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (key, n)),
        }
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Cells) {
        if self.0.is_empty() {
            self.0.clone_from(&other.0);
            return;
        }
        for &(key, n) in &other.0 {
            self.add(key, n);
        }
    }

    /// Takes away every count of `other` (which this includes).
    pub fn subtract(&mut self, other: &Cells) {
        for &(key, n) in &other.0 {
            if let Ok(i) = self.0.binary_search_by_key(&key, |(k, _)| *k) {
                self.0[i].1 = self.0[i].1.saturating_sub(n);
            }
        }
        self.0.retain(|(_, n)| *n > 0);
    }

    pub fn iter(&self) -> impl Iterator<Item = (CellKey, u64)> + '_ {
        self.0.iter().copied()
    }

    pub fn total(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn to_proto(&self) -> Vec<StatisticsCell> {
        self.0.iter().map(|(k, n)| k.to_proto(*n)).collect()
    }

    pub fn from_proto(cells: &[StatisticsCell]) -> Self {
        let mut out = Self::default();
        for cell in cells {
            out.add(CellKey::from_proto(cell), cell.count);
        }
        out
    }
}

#[cfg(test)]
mod tests;

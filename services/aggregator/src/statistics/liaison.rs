//! What crosses to the neighbouring country's system: a post's period as a
//! signed [`LiaisonRecord`] (counts under disclosure control, pair keys
//! truncated to 16 bytes, no event id, booth, officer or national key),
//! and the checks a record from the other side passes before it is used.

use borderflow_domain::twins::PairKey as ExchangeKey;
use borderflow_proto::Message as _;
use borderflow_proto::inspection::v1::Direction;
use borderflow_proto::liaison::v1::{KeyedPassage, LiaisonRecord};
use borderflow_proto::{ms_to_timestamp, timestamp_to_ms};

pub mod audit;

use super::{protect, table};
use crate::detect::pair::{PairKey, SidePeriod};
use crate::partition::liaison::PostPeriod;
use crate::store::statistics::PeriodCells;
use crate::windows::cells::Field;

/// The layout version this system writes and reads.
pub const VERSION: u32 = 1;

/// The breakdown the exchange carries.
pub const BY: [Field; 3] = [Field::Nationality, Field::Sex, Field::AgeBand];

/// Most passages one record may carry: a period of the busiest crossing
/// point, with room to spare.
pub const MAX_PASSAGES: usize = 100_000;

/// The record of `period` for the neighbour, signed with the pair's key.
pub fn record(
    period: &PostPeriod,
    pair: &ExchangeKey,
    country: &str,
    threshold: u64,
) -> LiaisonRecord {
    let periods = [PeriodCells {
        period: (period.start_ms, period.start_ms + period.len_ms),
        cells: period.cells.clone(),
    }];
    let mut rows = table(&periods, &BY);
    protect(&mut rows, &BY, threshold);
    let mut passages: Vec<KeyedPassage> = period
        .passages
        .iter()
        .map(|(key, at, admitted)| KeyedPassage {
            key: key.to_vec(),
            offset_seconds: i32::try_from((at - period.start_ms).div_euclid(1_000))
                .unwrap_or(i32::MIN),
            admitted: *admitted,
        })
        .collect();
    // In key order: the order of inspection is not the neighbour's.
    passages.sort_by(|a, b| a.key.cmp(&b.key));
    let mut record = LiaisonRecord {
        version: VERSION,
        pair_id: pair.pair_id.clone(),
        crossing_id: period.crossing_id.clone(),
        country: country.to_owned(),
        direction: if period.exit {
            Direction::Exit
        } else {
            Direction::Entry
        } as i32,
        period_start: Some(ms_to_timestamp(period.start_ms)),
        period_seconds: (period.len_ms / 1_000) as u32,
        total: period.cells.total(),
        cells: rows
            .iter()
            .filter(|r| !r.total)
            .map(|r| r.to_proto(&BY))
            .collect(),
        passages,
        threshold: threshold as u32,
        signature: Default::default(),
        longest_wait_seconds: (period.longest_wait_ms.max(0) / 1_000) as u32,
    };
    record.signature = pair.sign(&record.encode_to_vec()).to_vec();
    record
}

/// Why a record from the exchange is not used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("version {0} is not one this system reads")]
    Version(u32),
    #[error("no exchange key for pair {0:?}")]
    UnknownPair(String),
    #[error("crossing {0:?} is not a post of the pair")]
    NotAPost(String),
    #[error("the signature is not the pair key's")]
    Signature,
    #[error("{0} is missing or out of range")]
    Field(&'static str),
}

impl Refused {
    /// A bounded metric label.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Version(_) => "version",
            Self::UnknownPair(_) => "unknown_pair",
            Self::NotAPost(_) => "not_a_post",
            Self::Signature => "signature",
            Self::Field(_) => "invalid",
        }
    }
}

/// The period a record from either side describes, once its version, pair,
/// post and signature check out.
pub fn verify(record: &LiaisonRecord, pair: Option<&ExchangeKey>) -> Result<SidePeriod, Refused> {
    if record.version != VERSION {
        return Err(Refused::Version(record.version));
    }
    let pair = pair.ok_or_else(|| Refused::UnknownPair(record.pair_id.clone()))?;
    if pair.twin_of(&record.crossing_id).is_none() {
        return Err(Refused::NotAPost(record.crossing_id.clone()));
    }
    let unsigned = LiaisonRecord {
        signature: Default::default(),
        ..record.clone()
    };
    if !pair.verify(&unsigned.encode_to_vec(), &record.signature) {
        return Err(Refused::Signature);
    }
    let start_ms = record
        .period_start
        .as_ref()
        .and_then(timestamp_to_ms)
        .ok_or(Refused::Field("period_start"))?;
    if record.period_seconds == 0 || record.period_seconds > 86_400 {
        return Err(Refused::Field("period_seconds"));
    }
    let exit = match Direction::try_from(record.direction) {
        Ok(Direction::Exit) => true,
        Ok(Direction::Entry) => false,
        _ => return Err(Refused::Field("direction")),
    };
    if record.passages.len() > MAX_PASSAGES {
        return Err(Refused::Field("passages"));
    }
    let mut passages = Vec::with_capacity(record.passages.len());
    for p in &record.passages {
        let key = PairKey::try_from(&p.key[..]).map_err(|_| Refused::Field("passages.key"))?;
        passages.push((
            key,
            start_ms + i64::from(p.offset_seconds) * 1_000,
            p.admitted,
        ));
    }
    Ok(SidePeriod {
        crossing_id: record.crossing_id.clone(),
        exit,
        start_ms,
        len_ms: i64::from(record.period_seconds) * 1_000,
        passages,
        longest_wait_ms: i64::from(record.longest_wait_seconds) * 1_000,
    })
}

#[cfg(test)]
mod tests {
    use borderflow_domain::twins::PairKeys;

    use super::*;
    use crate::windows::cells::{AgeBands, CellKey, CellValues, Cells};

    fn pairs() -> PairKeys {
        PairKeys::parse(
            "KZ-A KG-B 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        )
        .unwrap()
    }

    fn period() -> PostPeriod {
        let bands = AgeBands::default();
        let mut cells = Cells::default();
        for (nationality, sex, age, n) in
            [("KGZ", 1, 30, 40), ("KGZ", 2, 30, 35), ("UZB", 2, 70, 1)]
        {
            cells.add(
                CellKey::new(&CellValues {
                    nationality,
                    sex,
                    age_band: bands.band(Some(age)),
                    ..CellValues::default()
                }),
                n,
            );
        }
        PostPeriod {
            crossing_id: "KZ-A".into(),
            exit: true,
            start_ms: 900_000,
            len_ms: 900_000,
            cells,
            passages: vec![([9; 16], 901_000, true), ([1; 16], 960_500, false)],
            longest_wait_ms: 0,
        }
    }

    #[test]
    fn a_record_carries_counts_under_control_and_keys_only() {
        let pairs = pairs();
        let pair = pairs.of_post("KZ-A").unwrap();
        let record = record(&period(), pair, "KAZ", 5);
        assert_eq!(record.total, 76);
        assert_eq!(record.pair_id, "KG-B+KZ-A");
        // The lone older woman of another nationality is withheld, and so
        // is a cell that would give her away by subtraction.
        let shown: Vec<(String, Option<u64>)> = record
            .cells
            .iter()
            .map(|c| (c.nationality.clone(), c.count))
            .collect();
        assert!(shown.contains(&("UZB".into(), None)), "{shown:?}");
        assert!(!shown.iter().any(|(_, c)| *c == Some(1)));
        // Keys in key order, with seconds into the period.
        let keys: Vec<(u8, i32, bool)> = record
            .passages
            .iter()
            .map(|p| (p.key[0], p.offset_seconds, p.admitted))
            .collect();
        assert_eq!(keys, vec![(1, 60, false), (9, 1, true)]);
        let side = verify(&record, Some(pair)).unwrap();
        assert!(side.exit);
        assert_eq!(side.passages[0], ([1; 16], 960_000, false));
    }

    #[test]
    fn a_record_not_signed_by_the_pair_key_is_refused() {
        let pairs = pairs();
        let pair = pairs.of_post("KZ-A").unwrap();
        let good = record(&period(), pair, "KAZ", 5);
        let mut forged = good.clone();
        forged.total += 1;
        assert_eq!(verify(&forged, Some(pair)), Err(Refused::Signature));
        let other = ExchangeKey::new("KZ-A", "KG-B", &[3; 32]).unwrap();
        let unsigned = record(&period(), &other, "KAZ", 5);
        assert_eq!(verify(&unsigned, Some(pair)), Err(Refused::Signature));
        assert!(matches!(verify(&good, None), Err(Refused::UnknownPair(_))));
        let mut later = good.clone();
        later.version = 2;
        assert_eq!(verify(&later, Some(pair)), Err(Refused::Version(2)));
        let mut elsewhere = good;
        elsewhere.crossing_id = "KZ-ALA".into();
        assert!(matches!(
            verify(&elsewhere, Some(pair)),
            Err(Refused::NotAPost(_))
        ));
    }
}

//! The liaison exchange as this instance has read it: every twin post's
//! periods, this system's and the neighbours', once each record's version,
//! pair and signature check out (a record that does not is counted and
//! left out). Per pair, periods are kept in arrival order, so a flow being
//! reconciled takes what is new since it last looked; a period published
//! again with more in it replaces the first and is offered again (one with
//! no more is a replay, and ignored).
//! Periods older than the retention are dropped. Beside them, what the
//! flows reconciled here judged ([`JudgedBook`]), for the pair view.

mod judged;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use borderflow_domain::twins::PairKeys;
use borderflow_proto::liaison::v1::LiaisonRecord;

use crate::detect::pair::SidePeriod;
use crate::statistics::liaison::{Refused, verify};

pub use judged::{FlowJudgements, JudgedBook, PeriodJudgement, TransitVerdict, Verdict};

/// What the store keeps of one period besides its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodFigures {
    pub country: String,
    pub total: u64,
    pub keyed: usize,
}

#[derive(Debug, Default)]
struct Pair {
    /// Periods in arrival order; `first` is the index of the front.
    log: VecDeque<Arc<SidePeriod>>,
    first: u64,
    /// By (crossing, exit, start).
    figures: BTreeMap<(String, bool, i64), PeriodFigures>,
}

#[derive(Debug)]
pub struct LiaisonStore {
    pairs_keys: PairKeys,
    retention_ms: i64,
    inner: RwLock<HashMap<String, Pair>>,
    loaded: AtomicBool,
    judged: JudgedBook,
}

impl LiaisonStore {
    pub fn new(pairs_keys: PairKeys, retention_ms: i64) -> Self {
        Self {
            pairs_keys,
            retention_ms,
            inner: RwLock::default(),
            loaded: AtomicBool::new(false),
            judged: JudgedBook::new(retention_ms),
        }
    }

    pub fn keys(&self) -> &PairKeys {
        &self.pairs_keys
    }

    /// What the flows reconciled on this instance judged.
    pub fn judged(&self) -> &JudgedBook {
        &self.judged
    }

    /// The view holds what the topic held at start-up.
    pub fn mark_loaded(&self) {
        self.loaded.store(true, Ordering::Release);
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Takes a record read from the exchange.
    pub fn apply(&self, record: &LiaisonRecord) -> Result<(), Refused> {
        let side = verify(record, self.pairs_keys.of_pair(&record.pair_id))?;
        let figures = PeriodFigures {
            country: record.country.clone(),
            total: record.total,
            keyed: side.passages.len(),
        };
        let mut inner = self.inner.write().expect("liaison store lock");
        let pair = inner.entry(record.pair_id.clone()).or_default();
        let (end, len) = (side.start_ms + side.len_ms, side.len_ms);
        // A period published again (a restart replayed it) holds what it
        // held or more: a copy with fewer travellers adds nothing.
        let at = (side.crossing_id.clone(), side.exit, side.start_ms);
        if pair
            .figures
            .get(&at)
            .is_some_and(|f| f.total >= figures.total && f.keyed >= figures.keyed)
        {
            return Ok(());
        }
        pair.figures.insert(at, figures);
        pair.log.push_back(Arc::new(side));
        // Retention, from the newest period of the pair.
        let horizon = pair
            .log
            .iter()
            .map(|p| p.start_ms + p.len_ms)
            .max()
            .unwrap_or(end)
            - self.retention_ms;
        while pair
            .log
            .front()
            .is_some_and(|p| p.start_ms + p.len_ms < horizon)
        {
            pair.log.pop_front();
            pair.first += 1;
        }
        pair.figures
            .retain(|(_, _, start), _| *start + len >= horizon);
        Ok(())
    }

    /// The periods of `pair_id` received at or after position `from`, and
    /// the position after them. A position dropped by the retention starts
    /// at the oldest kept.
    pub fn since(&self, pair_id: &str, from: u64) -> (Vec<Arc<SidePeriod>>, u64) {
        let inner = self.inner.read().expect("liaison store lock");
        let Some(pair) = inner.get(pair_id) else {
            return (Vec::new(), from);
        };
        let skip = from.saturating_sub(pair.first) as usize;
        let periods: Vec<Arc<SidePeriod>> = pair.log.iter().skip(skip).cloned().collect();
        let next = pair.first + pair.log.len() as u64;
        (periods, next.max(from))
    }

    /// The end of the last period published for `crossing_id`, if any.
    pub fn published_through(&self, crossing_id: &str) -> Option<i64> {
        let pair = self.pairs_keys.of_post(crossing_id)?;
        let inner = self.inner.read().expect("liaison store lock");
        inner
            .get(&pair.pair_id)?
            .log
            .iter()
            .filter(|p| p.crossing_id == crossing_id)
            .map(|p| p.start_ms + p.len_ms)
            .max()
    }

    /// Both sides' figures of `pair_id` from `from_ms`: (crossing, exit,
    /// period start) to what was published.
    pub fn figures(
        &self,
        pair_id: &str,
        from_ms: i64,
    ) -> Vec<((String, bool, i64), PeriodFigures)> {
        let inner = self.inner.read().expect("liaison store lock");
        inner
            .get(pair_id)
            .map(|pair| {
                pair.figures
                    .iter()
                    .filter(|((_, _, start), _)| *start >= from_ms)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::liaison::PostPeriod;
    use crate::statistics::liaison::record;

    const P: i64 = 900_000;

    fn keys() -> PairKeys {
        PairKeys::parse(
            "KZ-A KG-B 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        )
        .unwrap()
    }

    fn published(crossing: &str, exit: bool, start_ms: i64) -> LiaisonRecord {
        let keys = keys();
        let period = PostPeriod {
            crossing_id: crossing.into(),
            exit,
            start_ms,
            len_ms: P,
            passages: vec![([1; 16], start_ms + 5_000, true)],
            ..PostPeriod::default()
        };
        record(&period, keys.of_post(crossing).unwrap(), "KAZ", 5)
    }

    #[test]
    fn flows_take_what_is_new_and_posts_resume_after_the_last_published() {
        let store = LiaisonStore::new(keys(), 10 * P);
        store.apply(&published("KZ-A", true, 0)).unwrap();
        store.apply(&published("KG-B", false, 0)).unwrap();
        let (periods, next) = store.since("KG-B+KZ-A", 0);
        assert_eq!((periods.len(), next), (2, 2));
        store.apply(&published("KZ-A", true, P)).unwrap();
        let (periods, next) = store.since("KG-B+KZ-A", next);
        assert_eq!((periods.len(), next), (1, 3));
        assert_eq!(store.published_through("KZ-A"), Some(2 * P));
        assert_eq!(store.published_through("KG-B"), Some(P));
        assert_eq!(store.published_through("KZ-ALA"), None);
        let figures = store.figures("KG-B+KZ-A", 0);
        assert_eq!(figures.len(), 3);
        assert_eq!(figures[0].1.keyed, 1);
    }

    #[test]
    fn a_forged_record_is_not_taken_and_old_periods_go() {
        let store = LiaisonStore::new(keys(), 2 * P);
        let mut forged = published("KZ-A", true, 0);
        forged.total = 1_000;
        assert_eq!(store.apply(&forged), Err(Refused::Signature));
        assert_eq!(store.since("KG-B+KZ-A", 0).0.len(), 0);
        for p in 0..6 {
            store.apply(&published("KZ-A", true, p * P)).unwrap();
        }
        let (periods, next) = store.since("KG-B+KZ-A", 0);
        assert_eq!(next, 6);
        assert_eq!(
            periods.first().unwrap().start_ms,
            3 * P,
            "two periods' retention"
        );
    }
}

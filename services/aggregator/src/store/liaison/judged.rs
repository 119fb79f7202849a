//! What the flows reconciled on this instance judged, per period, for the
//! dashboard's pair view: the liaison stage records each judged period
//! here, the view reads a pair's flows back. Only the instance whose
//! liaison stage reconciles a flow holds its judgements (each flow is
//! reconciled by one partition); a restart judges the exchange's retained
//! periods again and fills this again. Periods older than the retention,
//! counted from a flow's newest, are dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use crate::detect::pair::{Check, FlowId, Judged};

/// One check's verdict on a period: travellers judged, those who did not
/// reconcile, and whether it alarmed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub judged: usize,
    pub missing: usize,
    pub alarm: bool,
}

/// The transit judged over the window ending with a period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransitVerdict {
    pub median_ms: i64,
    pub travellers: usize,
    pub alarm: bool,
}

/// Everything judged of one period start of a flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodJudgement {
    /// Of the leaving post's period.
    pub gone: Option<Verdict>,
    pub transit: Option<TransitVerdict>,
    /// Of the entering post's period.
    pub unrecorded: Option<Verdict>,
}

/// One flow's judged periods, by start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowJudgements {
    pub from: String,
    pub to: String,
    /// The post whose operators are told.
    pub told: String,
    pub periods: BTreeMap<i64, PeriodJudgement>,
}

/// A pair's flows, by (from, to).
type PairFlows = BTreeMap<(String, String), FlowJudgements>;

#[derive(Debug)]
pub struct JudgedBook {
    retention_ms: i64,
    /// By pair id.
    inner: RwLock<HashMap<String, PairFlows>>,
}

impl JudgedBook {
    pub fn new(retention_ms: i64) -> Self {
        Self {
            retention_ms,
            inner: RwLock::default(),
        }
    }

    /// Keeps what `id`'s flow judged (a period judged again replaces the
    /// first verdict).
    pub fn record(&self, id: &FlowId, judged: &[Judged]) {
        if judged.is_empty() {
            return;
        }
        let mut inner = self.inner.write().expect("judged book lock");
        let flow = inner
            .entry(id.pair_id.clone())
            .or_default()
            .entry((id.from.clone(), id.to.clone()))
            .or_insert_with(|| FlowJudgements {
                from: id.from.clone(),
                to: id.to.clone(),
                told: id.told.clone(),
                periods: BTreeMap::new(),
            });
        for j in judged {
            let period = flow.periods.entry(j.start_ms).or_default();
            let verdict = Verdict {
                judged: j.judged,
                missing: j.missing,
                alarm: j.alarm,
            };
            match j.check {
                Check::Gone => period.gone = Some(verdict),
                Check::Unrecorded => period.unrecorded = Some(verdict),
                Check::Transit => {
                    period.transit = j.transit_ms.map(|median_ms| TransitVerdict {
                        median_ms,
                        travellers: j.judged,
                        alarm: j.alarm,
                    });
                }
            }
        }
        if let Some(&newest) = flow.periods.keys().next_back() {
            let horizon = newest - self.retention_ms;
            flow.periods = flow.periods.split_off(&horizon);
        }
    }

    /// The flows of `pair_id` judged here, with their periods from
    /// `from_ms`.
    pub fn flows(&self, pair_id: &str, from_ms: i64) -> Vec<FlowJudgements> {
        let inner = self.inner.read().expect("judged book lock");
        inner
            .get(pair_id)
            .map(|flows| {
                flows
                    .values()
                    .map(|flow| FlowJudgements {
                        periods: flow
                            .periods
                            .range(from_ms..)
                            .map(|(k, v)| (*k, *v))
                            .collect(),
                        ..flow.clone()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: i64 = 900_000;

    fn id() -> FlowId {
        FlowId {
            pair_id: "KG-B+KZ-A".into(),
            from: "KZ-A".into(),
            to: "KG-B".into(),
            told: "KZ-A".into(),
        }
    }

    fn judged(check: Check, start_ms: i64, missing: usize) -> Judged {
        Judged {
            check,
            start_ms,
            judged: 40,
            missing,
            transit_ms: (check == Check::Transit).then_some(720_000),
            alarm: missing > 3,
        }
    }

    #[test]
    fn a_flows_checks_meet_in_their_period_and_old_periods_go() {
        let book = JudgedBook::new(4 * P);
        book.record(
            &id(),
            &[
                judged(Check::Gone, 0, 1),
                judged(Check::Transit, 0, 0),
                judged(Check::Unrecorded, 0, 0),
                judged(Check::Gone, P, 5),
            ],
        );
        let flows = book.flows("KG-B+KZ-A", 0);
        assert_eq!(flows.len(), 1);
        let first = flows[0].periods[&0];
        assert_eq!(
            first.gone,
            Some(Verdict {
                judged: 40,
                missing: 1,
                alarm: false
            })
        );
        assert_eq!(first.transit.unwrap().median_ms, 720_000);
        assert_eq!(first.unrecorded.unwrap().missing, 0);
        assert!(flows[0].periods[&P].gone.unwrap().alarm);
        assert_eq!(book.flows("KG-B+KZ-A", P)[0].periods.len(), 1);
        assert!(book.flows("KZ-X+KZ-Y", 0).is_empty());

        let later: Vec<Judged> = (2..8).map(|p| judged(Check::Gone, p * P, 0)).collect();
        book.record(&id(), &later);
        let kept: Vec<i64> = book.flows("KG-B+KZ-A", 0)[0]
            .periods
            .keys()
            .copied()
            .collect();
        assert_eq!(kept, vec![3 * P, 4 * P, 5 * P, 6 * P, 7 * P]);
    }
}

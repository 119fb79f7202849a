//! A twin pair as the pair view shows it: per direction of travel, per
//! period, the travellers the leaving post's country published as exits
//! and those the entering post's published as entries (both from the
//! liaison exchange), beside what the reconciliation judged of them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::liaison::{FlowJudgements, PeriodFigures};

/// One period of one direction of travel.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct PeriodPoint {
    pub(crate) start_ms: i64,
    /// Travellers inspected leaving `from` in the period (the exchange's
    /// total; none when the period was not published).
    pub(crate) left: Option<u64>,
    /// Travellers inspected entering at `to` in the period.
    pub(crate) entered: Option<u64>,
    /// Of `from`'s admitted exits of the period: how many were judged, how
    /// many never reached `to`, and whether that alarmed.
    pub(crate) gone_judged: Option<usize>,
    pub(crate) gone: Option<usize>,
    pub(crate) gone_alarm: bool,
    /// Of `to`'s entries of the period: how many were judged, how many were
    /// never recorded leaving `from`.
    pub(crate) unrecorded_judged: Option<usize>,
    pub(crate) unrecorded: Option<usize>,
    pub(crate) unrecorded_alarm: bool,
    /// The median transit over the window ending with the period.
    pub(crate) transit_median_s: Option<f64>,
    pub(crate) transit_alarm: bool,
}

/// Sums over the periods shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct FlowTotals {
    pub(crate) left: u64,
    pub(crate) entered: u64,
    pub(crate) gone_judged: usize,
    pub(crate) gone: usize,
    pub(crate) unrecorded_judged: usize,
    pub(crate) unrecorded: usize,
    /// Periods on which a check alarmed.
    pub(crate) alarms: usize,
}

/// One direction of travel between the posts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct FlowView {
    pub(crate) from: String,
    pub(crate) to: String,
    /// Whether this instance reconciles the flow (else only the exchanged
    /// counts are shown).
    pub(crate) judged_here: bool,
    pub(crate) totals: FlowTotals,
    /// Oldest first.
    pub(crate) periods: Vec<PeriodPoint>,
}

/// Both directions between `posts`, from `figures` (the liaison store's:
/// (crossing, exit, period start) to what was published) and `judged`
/// (what this instance's flows judged).
pub(crate) fn flows(
    posts: &[String; 2],
    figures: &[((String, bool, i64), PeriodFigures)],
    judged: &[FlowJudgements],
) -> Vec<FlowView> {
    [(&posts[0], &posts[1]), (&posts[1], &posts[0])]
        .into_iter()
        .map(|(from, to)| flow(from, to, figures, judged))
        .collect()
}

fn flow(
    from: &str,
    to: &str,
    figures: &[((String, bool, i64), PeriodFigures)],
    judged: &[FlowJudgements],
) -> FlowView {
    let mut points: BTreeMap<i64, PeriodPoint> = BTreeMap::new();
    for ((crossing, exit, start), published) in figures {
        if *exit && crossing == from {
            point(&mut points, *start).left = Some(published.total);
        } else if !*exit && crossing == to {
            point(&mut points, *start).entered = Some(published.total);
        }
    }
    let here = judged.iter().find(|f| f.from == from && f.to == to);
    for (start, judgement) in here.iter().flat_map(|f| f.periods.iter()) {
        let p = point(&mut points, *start);
        if let Some(v) = judgement.gone {
            (p.gone_judged, p.gone, p.gone_alarm) = (Some(v.judged), Some(v.missing), v.alarm);
        }
        if let Some(v) = judgement.unrecorded {
            (p.unrecorded_judged, p.unrecorded, p.unrecorded_alarm) =
                (Some(v.judged), Some(v.missing), v.alarm);
        }
        if let Some(t) = judgement.transit {
            p.transit_median_s = Some(t.median_ms as f64 / 1_000.0);
            p.transit_alarm = t.alarm;
        }
    }
    let periods: Vec<PeriodPoint> = points.into_values().collect();
    let mut totals = FlowTotals::default();
    for p in &periods {
        totals.left += p.left.unwrap_or(0);
        totals.entered += p.entered.unwrap_or(0);
        totals.gone_judged += p.gone_judged.unwrap_or(0);
        totals.gone += p.gone.unwrap_or(0);
        totals.unrecorded_judged += p.unrecorded_judged.unwrap_or(0);
        totals.unrecorded += p.unrecorded.unwrap_or(0);
        totals.alarms += usize::from(p.gone_alarm || p.unrecorded_alarm || p.transit_alarm);
    }
    FlowView {
        from: from.to_owned(),
        to: to.to_owned(),
        judged_here: here.is_some(),
        totals,
        periods,
    }
}

fn point(points: &mut BTreeMap<i64, PeriodPoint>, start_ms: i64) -> &mut PeriodPoint {
    points.entry(start_ms).or_insert_with(|| PeriodPoint {
        start_ms,
        ..PeriodPoint::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::liaison::{PeriodJudgement, TransitVerdict, Verdict};

    const P: i64 = 900_000;

    fn figures(
        crossing: &str,
        exit: bool,
        start: i64,
        total: u64,
    ) -> ((String, bool, i64), PeriodFigures) {
        let country = if crossing == "KZ-A" { "KAZ" } else { "KGZ" };
        (
            (crossing.into(), exit, start),
            PeriodFigures {
                country: country.into(),
                total,
                keyed: total as usize,
            },
        )
    }

    #[test]
    fn each_direction_pairs_exits_with_the_far_sides_entries_and_its_judgements() {
        let posts = ["KG-B".to_owned(), "KZ-A".to_owned()];
        let published = vec![
            figures("KZ-A", true, 0, 40),
            figures("KG-B", false, 0, 30),
            figures("KZ-A", true, P, 42),
            figures("KG-B", false, P, 45),
            // The other direction's.
            figures("KG-B", true, 0, 7),
            figures("KZ-A", false, P, 6),
        ];
        let judged = vec![FlowJudgements {
            from: "KZ-A".into(),
            to: "KG-B".into(),
            told: "KZ-A".into(),
            periods: [(
                0,
                PeriodJudgement {
                    gone: Some(Verdict {
                        judged: 40,
                        missing: 9,
                        alarm: true,
                    }),
                    transit: Some(TransitVerdict {
                        median_ms: 720_000,
                        travellers: 31,
                        alarm: false,
                    }),
                    unrecorded: Some(Verdict {
                        judged: 30,
                        missing: 0,
                        alarm: false,
                    }),
                },
            )]
            .into(),
        }];
        let flows = flows(&posts, &published, &judged);
        assert_eq!(
            flows
                .iter()
                .map(|f| (f.from.as_str(), f.to.as_str()))
                .collect::<Vec<_>>(),
            [("KG-B", "KZ-A"), ("KZ-A", "KG-B")]
        );
        let (back, out) = (&flows[0], &flows[1]);
        assert!(!back.judged_here);
        assert_eq!((back.totals.left, back.totals.entered), (7, 6));
        assert_eq!(back.periods.len(), 2);
        assert_eq!(
            (back.periods[1].left, back.periods[1].entered),
            (None, Some(6))
        );

        assert!(out.judged_here);
        assert_eq!(out.periods.len(), 2);
        let first = &out.periods[0];
        assert_eq!((first.left, first.entered), (Some(40), Some(30)));
        assert_eq!(
            (first.gone_judged, first.gone, first.gone_alarm),
            (Some(40), Some(9), true)
        );
        assert_eq!(first.unrecorded, Some(0));
        assert_eq!(first.transit_median_s, Some(720.0));
        assert_eq!(out.periods[1].gone, None, "not judged yet");
        assert_eq!(
            out.totals,
            FlowTotals {
                left: 82,
                entered: 75,
                gone_judged: 40,
                gone: 9,
                unrecorded_judged: 30,
                unrecorded: 0,
                alarms: 1,
            }
        );
    }
}

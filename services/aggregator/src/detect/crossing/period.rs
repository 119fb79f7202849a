//! One evaluation period's figures, summed from its windows' samples.

use std::collections::{BTreeMap, HashMap};

use borderflow_proto::analytics::v1::{
    DetectorSample, NationalityCount, OfficerTally, PeriodRecord,
};
use borderflow_proto::inspection::v1::CheckpointStatus;

use crate::windows::cells::Cells;
use crate::windows::window::{ProtectionCounts, REFERRAL_CATEGORIES};

/// An officer's alerted travellers in a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub alerted: u32,
    pub admitted: u32,
    pub event_ids: Vec<String>,
}

/// Evidence ids kept per officer and period.
const MAX_IDS: usize = 16;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeriodSums {
    pub inspections: u64,
    pub refused: u64,
    /// Refusal decisions (a party refused together is one).
    pub refused_parties: u64,
    pub duration_sum_ms: u64,
    pub waits_over_sla: u64,
    /// Parties by nationality (travellers in samples that did not count
    /// parties).
    pub nationalities: BTreeMap<String, u64>,
    pub officers: BTreeMap<String, Tally>,
    /// A checkpoint reported the crossing closed during the period.
    pub closed: bool,
    pub humanitarian: Humanitarian,
}

/// A period's arrivals and who among them needs protection.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Humanitarian {
    pub entries: u64,
    pub in_need: u64,
    pub protection_requests: u64,
    pub undocumented: u64,
    pub unaccompanied_minors: u64,
    pub trafficking_suspected: u64,
    /// Referrals by `ReferralCategory` − 1.
    pub referrals: [u64; REFERRAL_CATEGORIES],
    /// Entries by sex and age band.
    pub arrivals: Cells,
}

impl Humanitarian {
    fn add(&mut self, sample: &DetectorSample) {
        self.entries += sample.entries;
        self.in_need += sample.entries_in_need;
        self.protection_requests += sample.protection_requests;
        self.undocumented += sample.undocumented_entries;
        self.unaccompanied_minors += sample.unaccompanied_minors;
        self.trafficking_suspected += sample.suspected_trafficking_victims;
        let referrals = ProtectionCounts::referrals_from(&sample.referrals);
        for (sum, n) in self.referrals.iter_mut().zip(referrals) {
            *sum += n;
        }
        self.arrivals.merge(&Cells::from_proto(&sample.arrivals));
    }
}

impl PeriodSums {
    pub fn add(&mut self, sample: &DetectorSample) {
        self.closed |= sample
            .checkpoints
            .iter()
            .any(|c| c.status == CheckpointStatus::Closed as i32);
        self.inspections += sample.inspections;
        self.refused += sample.refused;
        self.refused_parties += sample.refused_parties;
        self.duration_sum_ms += sample.duration_sum_ms;
        self.waits_over_sla += sample.waits_over_sla;
        self.humanitarian.add(sample);
        // Parties where the sample counted them (a group travelling
        // together is one), else travellers.
        let mix = if sample.party_nationalities.is_empty() {
            &sample.nationalities
        } else {
            &sample.party_nationalities
        };
        for n in mix {
            *self.nationalities.entry(n.nationality.clone()).or_default() += n.count;
        }
        for o in &sample.officers {
            let tally = self.officers.entry(o.officer_id.clone()).or_default();
            tally.alerted += o.alerted;
            tally.admitted += o.alerted_admitted;
            for id in &o.alerted_admitted_event_ids {
                if tally.event_ids.len() < MAX_IDS {
                    tally.event_ids.push(id.clone());
                }
            }
        }
    }

    /// What later periods look back on.
    pub fn record(&self, start_ms: i64) -> PeriodRecord {
        PeriodRecord {
            start_ms,
            nationalities: self
                .nationalities
                .iter()
                .map(|(n, c)| NationalityCount {
                    nationality: n.clone(),
                    count: *c,
                })
                .collect(),
            officers: self
                .officers
                .iter()
                .filter(|(_, t)| t.alerted > 0)
                .map(|(id, t)| OfficerTally {
                    officer_id: id.clone(),
                    alerted: t.alerted,
                    alerted_admitted: t.admitted,
                    alerted_admitted_event_ids: t.event_ids.clone(),
                })
                .collect(),
        }
    }
}

/// Nationality counts pooled over `records`.
pub(super) fn pooled_nationalities<'a>(
    records: impl Iterator<Item = &'a PeriodRecord>,
) -> HashMap<String, f64> {
    let mut pooled = HashMap::new();
    for record in records {
        for n in &record.nationalities {
            *pooled.entry(n.nationality.clone()).or_insert(0.0) += n.count as f64;
        }
    }
    pooled
}

/// Officer tallies pooled over `records`.
pub(super) fn pooled_officers<'a>(
    records: impl Iterator<Item = &'a PeriodRecord>,
) -> BTreeMap<String, Tally> {
    let mut pooled: BTreeMap<String, Tally> = BTreeMap::new();
    for record in records {
        for o in &record.officers {
            let tally = pooled.entry(o.officer_id.clone()).or_default();
            tally.alerted += o.alerted;
            tally.admitted += o.alerted_admitted;
            for id in &o.alerted_admitted_event_ids {
                if tally.event_ids.len() < MAX_IDS {
                    tally.event_ids.push(id.clone());
                }
            }
        }
    }
    pooled
}

//! MASS_INFLUX: a sudden displacement across the border. Arrivals many
//! times the usual for the hour, and a large share of them in need of
//! protection — asking for it, without a valid document, unaccompanied or
//! separated children, suspected victims of trafficking — well above the
//! crossing's own usual share. A market rush, a holiday or a coach of
//! pilgrims surges without the need; an asylum seeker or a family without
//! papers now and then is need without the surge: neither is an influx.
//!
//! The finding carries what a crisis cell asks first: arrivals per hour by
//! sex and age band (women, men, girls, boys), protection requests,
//! unaccompanied and separated children, referrals by service.

use borderflow_domain::minor::MINOR_AGE;
use borderflow_domain::time::MS_PER_HOUR;
use borderflow_i18n::{Args as _, message};
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::Message as CatalogueMessage;
use borderflow_proto::analytics::v1::{
    AnomalyKind, CrossingDetectorState, Evidence, InfluxRuleState, Measurement, Severity,
};
use borderflow_proto::inspection::v1::{ReferralCategory, Sex};

use super::flow::{Calendar, spread, streak};
use super::period::Humanitarian;
use super::rule::{Finding, MIN_HISTORY, Period, PeriodRule, measure};
use crate::detect::baseline::{MeanVar, TrafficProfile};

#[derive(Clone, Debug, Default)]
pub(super) struct InfluxRule {
    /// Entries per period by hour of the week and of the day.
    arrivals: TrafficProfile,
    /// The usual share of entries in need of protection.
    need_share: MeanVar,
    /// Start of the run of periods that looked like an influx.
    since_ms: Option<i64>,
}

/// The share of need assumed before the crossing's own is learned.
const UNLEARNED_NEED_SHARE: f64 = 0.02;
/// How many times the crossing's usual share of need an influx shows.
const NEED_SHARE_FACTOR: f64 = 3.0;

impl PeriodRule for InfluxRule {
    fn name(&self) -> &'static str {
        "influx"
    }

    fn kinds(&self) -> &'static [AnomalyKind] {
        &[AnomalyKind::MassInflux]
    }

    fn evaluate(&mut self, p: &Period<'_>, findings: &mut Vec<Finding>) {
        let (start, h, c) = (p.start, &p.sums.humanitarian, p.config);
        let calendar = Calendar::of(p);
        let (market, special) = (calendar.market, calendar.special);
        let expected = calendar.expected(&self.arrivals, p);
        let n = h.entries as f64;
        let need = h.in_need as f64;
        let share = if n > 0.0 { need / n } else { 0.0 };
        let usual_share = if self.need_share.count >= MIN_HISTORY {
            self.need_share.mean
        } else {
            UNLEARNED_NEED_SHARE
        };
        let (mut influx, mut surge) = (false, false);
        if p.warm
            && !p.sums.closed
            && let Some(e) = expected
        {
            // No floor of ordinary travellers: at a remote crossing a few
            // dozen displaced people an hour are a crisis. The need count
            // below and the spread keep noise out.
            let sd = spread(e, self.arrivals.dispersion());
            surge = n >= c.influx_factor * e.mean && n - e.mean >= c.flow_z * sd;
            let in_need = h.in_need >= c.influx_min_need
                && share >= c.influx_need_share
                && share >= NEED_SHARE_FACTOR * usual_share;
            influx = surge && in_need;
        }
        let since = streak(
            &mut self.since_ms,
            influx,
            start,
            c.period_ms(),
            c.flow_periods,
        );
        if let (Some(since), Some(e)) = (since, expected) {
            findings.push(finding(since, p, e.mean, share, usual_share));
        }
        // Arrivals are learned from periods without a surge of any kind (a
        // pilgrimage must not raise the hour's expectation and hide the next
        // influx), the usual share of need from every period without an
        // influx.
        if !p.sums.closed {
            if !surge {
                self.arrivals.learn(start, n / special, market);
            }
            if !influx && n > 0.0 {
                self.need_share.observe(share);
            }
        }
    }

    fn snapshot(&self) -> Option<Vec<u8>> {
        let state = InfluxRuleState {
            arrivals: self.arrivals.slots.iter().map(|s| s.to_proto()).collect(),
            dispersion: Some(self.arrivals.dispersion.to_proto()),
            need_share: Some(self.need_share.to_proto()),
            since_ms: self.since_ms.unwrap_or_default(),
        };
        Some(state.encode_to_vec())
    }

    fn restore(&mut self, section: Option<&[u8]>, _legacy: &CrossingDetectorState) {
        // A snapshot from before the rule existed: it learns from now on.
        let Some(Ok(state)) = section.map(InfluxRuleState::decode) else {
            return;
        };
        self.arrivals = TrafficProfile::from_slots(
            state.arrivals.iter().map(MeanVar::from_proto).collect(),
            state
                .dispersion
                .as_ref()
                .map(MeanVar::from_proto)
                .unwrap_or_default(),
        )
        .unwrap_or_default();
        self.need_share = state
            .need_share
            .as_ref()
            .map(MeanVar::from_proto)
            .unwrap_or_default();
        self.since_ms = (state.since_ms != 0).then_some(state.since_ms);
    }
}

/// Arrivals by sex and age: women, men, girls, boys, and those whose sex
/// or age is not known (the bands that straddle majority count as unknown
/// age).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct People {
    pub women: u64,
    pub men: u64,
    pub girls: u64,
    pub boys: u64,
    pub other: u64,
}

pub(super) fn people(h: &Humanitarian) -> People {
    let mut out = People::default();
    for (key, n) in h.arrivals.iter() {
        let band = key.age_band();
        let minor = band
            .and_then(|b| b.to)
            .is_some_and(|to| u32::from(to) < MINOR_AGE);
        let adult = band.is_some_and(|b| u32::from(b.from) >= MINOR_AGE);
        let slot = match (Sex::try_from(key.sex()), minor, adult) {
            (Ok(Sex::Female), true, _) => &mut out.girls,
            (Ok(Sex::Female), _, true) => &mut out.women,
            (Ok(Sex::Male), true, _) => &mut out.boys,
            (Ok(Sex::Male), _, true) => &mut out.men,
            _ => &mut out.other,
        };
        *slot += n;
    }
    out
}

/// The band's label in measurement names: `0_4`, `60_plus`, `unknown`.
fn band_label(key: crate::windows::cells::CellKey) -> String {
    match key.age_band() {
        Some(b) => match b.to {
            Some(to) => format!("{}_{to}", b.from),
            None => format!("{}_plus", b.from),
        },
        None => "unknown".into(),
    }
}

fn sex_label(sex: i32) -> &'static str {
    match Sex::try_from(sex) {
        Ok(Sex::Female) => "female",
        Ok(Sex::Male) => "male",
        Ok(Sex::Nonspecific) => "nonspecific",
        _ => "unknown",
    }
}

fn finding(since: i64, p: &Period<'_>, usual: f64, share: f64, usual_share: f64) -> Finding {
    let h = &p.sums.humanitarian;
    let n = h.entries as f64;
    let per_hour = MS_PER_HOUR as f64 / p.config.period_ms() as f64;
    let who = people(h);
    let ratio = n / usual.max(1.0);
    let severity = if ratio >= 10.0 || h.unaccompanied_minors >= 5 {
        Severity::Critical
    } else {
        Severity::High
    };
    let referred: Vec<CatalogueMessage> = ReferralCategory::ALL
        .iter()
        .zip(h.referrals)
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| {
            message("referred-to").number("count", n as f64).part(
                "service",
                message(&format!("service-{}", c.label().replace('_', "-"))),
            )
        })
        .collect();
    let referred = if referred.is_empty() {
        message("referred-none")
    } else {
        message("referred-list").list("items", referred, ", ")
    };
    let explanation = message("mass-influx")
        .number("arrivals", n.round())
        .fixed("minutes", p.minutes(), 0)
        .fixed("ratio", ratio, 1)
        .fixed("usual", usual, 0)
        .fixed("share", share * 100.0, 0)
        .number("requests", h.protection_requests as f64)
        .number("undocumented", h.undocumented as f64)
        .number("unaccompanied", h.unaccompanied_minors as f64)
        .number("women", who.women as f64)
        .number("men", who.men as f64)
        .number("girls", who.girls as f64)
        .number("boys", who.boys as f64)
        .part("referred", referred);
    let mut values: Vec<Measurement> = vec![
        measure("arrivals", n, ""),
        measure("arrivals_per_hour", n * per_hour, "1/h"),
        measure("in_need_share", share, ""),
        measure("usual_in_need_share", usual_share, ""),
        measure("protection_requests", h.protection_requests as f64, ""),
        measure("undocumented_entries", h.undocumented as f64, ""),
        measure("unaccompanied_minors", h.unaccompanied_minors as f64, ""),
        measure(
            "suspected_trafficking_victims",
            h.trafficking_suspected as f64,
            "",
        ),
        measure("women", who.women as f64, ""),
        measure("men", who.men as f64, ""),
        measure("girls", who.girls as f64, ""),
        measure("boys", who.boys as f64, ""),
    ];
    for (category, n) in ReferralCategory::ALL.iter().zip(h.referrals) {
        values.push(measure(
            &format!("referrals_{}", category.label()),
            n as f64,
            "",
        ));
    }
    for (key, n) in h.arrivals.iter() {
        let name = format!(
            "arrivals_per_hour_{}_{}",
            sex_label(key.sex()),
            band_label(key)
        );
        values.push(measure(&name, n as f64 * per_hour, "1/h"));
    }
    Finding {
        since_ms: since,
        kind: AnomalyKind::MassInflux,
        subject: String::new(),
        severity,
        message: explanation,
        evidence: Evidence {
            values,
            baseline: Some(usual),
            threshold: Some(p.config.influx_factor * usual),
            ..Evidence::default()
        },
    }
}

#[cfg(test)]
mod tests;

//! A consistency check of a stream of inspections against the law and the
//! model, not against the detectors: used by the tests to show that normal
//! traffic holds no real violation, so every anomaly a rule raises on it
//! is either a planted occurrence or a false alarm of that rule.
//!
//! Per document and country, admitted entries and exits alternate; no two
//! consecutive passages at crossings farther apart than the domain's
//! minimum distance are faster than its travel speed limits; a foreigner's
//! presence stays within the stay limit; nobody is refused twice; every
//! zone is valid; an expired document is only a national's own, entering
//! within the admission grace; a minor travels with a parent, guardian or
//! an adult holding consent, or alone from the age the law allows.
//!
//! Benign look-alikes are not problems here: low biometric scores of
//! genuine travellers, lawful minors, nationals coming home.

use std::collections::HashMap;

use borderflow_domain::admission::EXPIRED_NATIONAL_PASSPORT_DAYS;
use borderflow_domain::ees::{STAY_LIMIT_DAYS, STAY_WINDOW_DAYS, days_present};
use borderflow_domain::minor::{ALONE_AGE, MINOR_AGE};
use borderflow_domain::mrz;
use borderflow_domain::time::{Date, MS_PER_DAY, MS_PER_HOUR};
use borderflow_domain::travel::{MIN_DISTANCE_KM, speed_limit_kmh};
use borderflow_proto::inspection::v1::{
    Direction, GuardianRelation, InspectionEvent, Outcome, document_read,
};
use borderflow_proto::timestamp_to_ms;

use crate::model::network::{Mode, Network};

/// One inconsistency: which rule, and the event (never the document).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub rule: &'static str,
    pub event_id: String,
}

struct Passage {
    at_ms: i64,
    crossing: usize,
    direction: i32,
    outcome: i32,
    event_id: String,
}

/// Checks `events` (any order) of `network`.
pub fn check<'a>(
    network: &Network,
    events: impl IntoIterator<Item = &'a InspectionEvent>,
) -> Vec<Problem> {
    let index: HashMap<&str, usize> = network
        .crossings
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    let mut documents: HashMap<Vec<String>, (String, Vec<Passage>)> = HashMap::new();
    for e in events {
        let mut flag = |rule| {
            problems.push(Problem {
                rule,
                event_id: e.event_id.clone(),
            })
        };
        let Some(at_ms) = e.completed_at.as_ref().and_then(timestamp_to_ms) else {
            flag("missing time");
            continue;
        };
        let Some(&crossing) = index.get(e.crossing_id.as_str()) else {
            flag("unknown crossing");
            continue;
        };
        let lines = match e.document.as_ref().and_then(|d| d.source.as_ref()) {
            Some(document_read::Source::Mrz(z)) => z.lines.clone(),
            _ => {
                flag("no zone");
                continue;
            }
        };
        let date = Date::from_epoch_ms(at_ms);
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let report = mrz::validate(&refs, date);
        if !report.is_valid() {
            flag("zone invalid");
        }
        if report.expired_on(date) == Some(true) {
            let country = &network.crossings[crossing].country;
            let lapsed = report
                .expiry_date()
                .map_or(i64::MAX, |d| date.days_since_epoch() - d.days_since_epoch());
            let coming_home = e.direction == Direction::Entry as i32
                && report.nationality() == country
                && report.issuing_state() == country
                && lapsed <= i64::from(EXPIRED_NATIONAL_PASSPORT_DAYS);
            if !coming_home {
                flag("document expired");
            }
        }
        let age = report.birth_date().map(|b| b.age_on(date));
        if let Some(t) = &e.traveller
            && let Some(age) = age.filter(|a| *a < MINOR_AGE)
        {
            let escorted = !t.accompanied_by.is_empty()
                && [
                    GuardianRelation::Parent,
                    GuardianRelation::LegalGuardian,
                    GuardianRelation::AuthorisedAdult,
                ]
                .contains(&t.guardian_relation());
            let alone = t.accompanied_by.is_empty() && age >= ALONE_AGE;
            if !escorted && !alone {
                flag("minor unaccompanied");
            }
        }
        let nationality = report.nationality().to_owned();
        documents
            .entry(lines)
            .or_insert_with(|| (nationality, Vec::new()))
            .1
            .push(Passage {
                at_ms,
                crossing,
                direction: e.direction,
                outcome: e.outcome,
                event_id: e.event_id.clone(),
            });
    }
    for (nationality, mut passages) in documents.into_values() {
        passages.sort_by_key(|p| p.at_ms);
        history(network, &nationality, &passages, &mut problems);
    }
    problems
}

fn history(
    network: &Network,
    nationality: &str,
    passages: &[Passage],
    problems: &mut Vec<Problem>,
) {
    let mut flag = |rule, p: &Passage| {
        problems.push(Problem {
            rule,
            event_id: p.event_id.clone(),
        })
    };
    for pair in passages.windows(2) {
        let (a, b) = (
            &network.crossings[pair[0].crossing],
            &network.crossings[pair[1].crossing],
        );
        let km = a.coordinates().distance_km(b.coordinates());
        let hours = (pair[1].at_ms - pair[0].at_ms) as f64 / MS_PER_HOUR as f64;
        let limit = speed_limit_kmh(a.mode == Mode::Air || b.mode == Mode::Air);
        if km >= MIN_DISTANCE_KM && (hours <= 0.0 || km / hours > limit) {
            flag("impossible travel", &pair[1]);
        }
    }
    let refused: Vec<&Passage> = passages
        .iter()
        .filter(|p| p.outcome == Outcome::Refused as i32)
        .collect();
    for again in refused.iter().skip(1) {
        flag("refused again", again);
    }
    let mut countries: HashMap<&str, Vec<&Passage>> = HashMap::new();
    for p in passages
        .iter()
        .filter(|p| p.outcome == Outcome::Admitted as i32)
    {
        countries
            .entry(network.crossings[p.crossing].country.as_str())
            .or_default()
            .push(p);
    }
    for (country, admitted) in countries {
        let mut open: Option<i64> = None;
        let mut stays = Vec::new();
        let mut last_entry = false;
        for p in admitted {
            let day = p.at_ms.div_euclid(MS_PER_DAY);
            if p.direction == Direction::Entry as i32 {
                if last_entry {
                    flag("double entry", p);
                }
                last_entry = true;
                open.get_or_insert(day);
            } else {
                last_entry = false;
                if let Some(entry) = open.take() {
                    stays.push((entry, day));
                }
            }
            if nationality != country {
                let mut all = stays.clone();
                if let Some(entry) = open {
                    all.push((entry, day));
                }
                if days_present(&all, day, STAY_WINDOW_DAYS) > STAY_LIMIT_DAYS {
                    flag("overstay", p);
                }
            }
        }
    }
}

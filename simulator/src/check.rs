//! A consistency check of a stream of inspections against the law and the
//! model, not against the detectors: used by the tests to show that normal
//! traffic holds no real violation, so every anomaly a rule raises on it
//! is either a planted occurrence or a false alarm of that rule.
//!
//! Per document and country, admitted entries and exits alternate; no two
//! consecutive passages at crossings farther apart than the domain's
//! minimum distance are faster than its travel speed limits; a foreigner's
//! presence stays within the stay limit; nobody is refused twice; every
//! zone is valid or read again cleanly at its booth within the re-scan
//! grace (a misread, a worn zone keyed in); an expired document is only a
//! national's own, entering within the admission grace; a minor travels
//! with a parent, guardian or an adult holding consent, or alone from the
//! age the law allows.
//!
//! Benign look-alikes are not problems here: low biometric scores of
//! genuine travellers, lawful minors, nationals coming home, misreads.

use std::collections::HashMap;

use borderflow_domain::admission::EXPIRED_NATIONAL_PASSPORT_DAYS;
use borderflow_domain::duration;
use borderflow_domain::ees::{STAY_LIMIT_DAYS, STAY_WINDOW_DAYS, days_present};
use borderflow_domain::minor::{ALONE_AGE, MINOR_AGE};
use borderflow_domain::mrz;
use borderflow_domain::rescan::RESCAN_GRACE;
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
    let mut documents: HashMap<String, (String, Vec<Passage>)> = HashMap::new();
    // Per checkpoint: (started, completed, valid, keys) of every read.
    let mut reads: HashMap<String, Vec<(i64, i64, bool, Keys)>> = HashMap::new();
    // Failed zones: (event id, checkpoint, completed, keys).
    let mut failed: Vec<(String, String, i64, Keys)> = Vec::new();
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
        let date = Date::from_epoch_ms(at_ms);
        let Some(read) = identify(e, date) else {
            flag("no document");
            continue;
        };
        if !read.valid {
            failed.push((
                e.event_id.clone(),
                e.checkpoint_id.clone(),
                at_ms,
                read.keys(),
            ));
        }
        reads.entry(e.checkpoint_id.clone()).or_default().push((
            e.started_at
                .as_ref()
                .and_then(timestamp_to_ms)
                .unwrap_or(at_ms),
            at_ms,
            read.valid,
            read.keys(),
        ));
        if let Some(expiry) = read.expiry.filter(|expiry| *expiry < date) {
            let country = &network.crossings[crossing].country;
            let lapsed = date.days_since_epoch() - expiry.days_since_epoch();
            let coming_home = e.direction == Direction::Entry as i32
                && read.nationality == *country
                && read.issuing_state == *country
                && lapsed <= i64::from(EXPIRED_NATIONAL_PASSPORT_DAYS);
            if !coming_home {
                flag("document expired");
            }
        }
        let age = read.birth.map(|b| b.age_on(date));
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
        documents
            .entry(read.document)
            .or_insert_with(|| (read.nationality, Vec::new()))
            .1
            .push(Passage {
                at_ms,
                crossing,
                direction: e.direction,
                outcome: e.outcome,
                event_id: e.event_id.clone(),
            });
    }
    // A failed zone is a finding only if its booth does not start a clean
    // read of the same document (or person) within the re-scan grace.
    let grace = duration::parse_ms(RESCAN_GRACE).expect("the grace is a duration");
    for (event_id, checkpoint, at_ms, keys) in failed {
        let rescanned = reads.get(&checkpoint).is_some_and(|reads| {
            reads.iter().any(|(started, completed, valid, other)| {
                *valid
                    && *completed >= at_ms
                    && *started <= at_ms + grace
                    && (other.0 == keys.0 || other.1 == keys.1)
            })
        });
        if !rescanned {
            problems.push(Problem {
                rule: "zone invalid",
                event_id,
            });
        }
    }
    for (nationality, mut passages) in documents.into_values() {
        passages.sort_by_key(|p| p.at_ms);
        history(network, &nationality, &passages, &mut problems);
    }
    problems
}

/// A document as its issuing state and number, a person as names, birth
/// date and nationality: what the aggregator's two keys are made of.
type Keys = (String, String);

/// What one read says, from a zone or keyed in.
struct Identity {
    document: String,
    person: String,
    nationality: String,
    issuing_state: String,
    birth: Option<Date>,
    expiry: Option<Date>,
    valid: bool,
}

impl Identity {
    fn keys(&self) -> Keys {
        (self.document.clone(), self.person.clone())
    }
}

fn identify(e: &InspectionEvent, date: Date) -> Option<Identity> {
    let name = |text: &str| {
        text.split(|c: char| c == '<' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let code = |text: &str| text.trim_end_matches('<').trim().to_owned();
    match e.document.as_ref()?.source.as_ref()? {
        document_read::Source::Mrz(zone) => {
            let refs: Vec<&str> = zone.lines.iter().map(String::as_str).collect();
            let report = mrz::validate(&refs, date);
            let birth = report.birth_date();
            let nationality = code(report.nationality());
            Some(Identity {
                document: format!(
                    "{} {}",
                    code(report.issuing_state()),
                    report.document_number()
                ),
                person: format!(
                    "{}/{}/{birth:?}/{nationality}",
                    name(report.primary_identifier()),
                    name(report.secondary_identifier())
                ),
                nationality,
                issuing_state: code(report.issuing_state()),
                birth,
                expiry: report.expiry_date(),
                valid: report.is_valid(),
            })
        }
        document_read::Source::Fields(fields) => {
            let birth = fields.birth_date.as_ref().and_then(|d| d.to_date());
            let nationality = code(&fields.nationality);
            Some(Identity {
                document: format!("{} {}", code(&fields.issuing_state), fields.document_number),
                person: format!(
                    "{}/{}/{birth:?}/{nationality}",
                    name(&fields.primary_identifier),
                    name(&fields.secondary_identifier)
                ),
                nationality,
                issuing_state: code(&fields.issuing_state),
                birth,
                expiry: fields.expiry_date.as_ref().and_then(|d| d.to_date()),
                valid: true,
            })
        }
    }
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

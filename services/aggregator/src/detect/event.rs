//! Rules on one inspection alone: the document's machine-readable zone and
//! validity, the reference lists, minors, the biometric match.
//!
//! Each rule knows the benign look-alikes a real border sees: a national
//! coming home on a recently expired passport is admitted by right; a
//! minor old enough to travel alone, or with a parent, guardian or an adult
//! carrying their consent, is travelling lawfully; the match threshold
//! depends on the modality and is lower for young children and the elderly,
//! whom matchers score lower when they are who they claim to be.

use borderflow_domain::biometric::hard_to_match;
use borderflow_domain::time::Date;
use borderflow_i18n::{Args as _, message};
use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyKind, Evidence, Measurement, Message, Severity,
};
use borderflow_proto::inspection::v1::{
    BiometricModality, Direction, DocumentFacts, DocumentKind, GuardianRelation, Inspection,
    MrzField, Outcome,
};

use super::anomaly::Draft;
use super::config::DetectConfig;
use crate::detect::References;

/// What the per-event rules found.
#[derive(Debug, Default)]
pub struct Verdict {
    /// The traveller carries at least one alert.
    pub alerted: bool,
    pub anomalies: Vec<Anomaly>,
    /// MRZ_CHECK_DIGIT, held rather than reported: a clean re-scan of the
    /// same document at the same checkpoint clears it (see
    /// [`rescan`](super::rescan)).
    pub zone_failure: Option<Anomaly>,
}

/// Applies every per-event rule to `inspection` (event time `event_ms`).
pub fn evaluate(
    inspection: &Inspection,
    event_ms: i64,
    refs: &dyn References,
    config: &DetectConfig,
) -> Verdict {
    let mut verdict = Verdict::default();
    let context = Context::new(inspection, event_ms, refs);
    let document = inspection.document.as_ref();
    if let Some(document) = document {
        if !document.mrz_valid {
            let failed = failed_fields(document);
            verdict.alerted = true;
            verdict.zone_failure = Some(
                context.draft(
                    AnomalyKind::MrzCheckDigit,
                    by_outcome(inspection, Severity::High, Severity::Medium),
                    message("mrz-check-failed")
                        .list("fields", failed, ", ")
                        .part("outcome", context.outcome_at()),
                    Evidence::default(),
                ),
            );
        }
        let expiry = document.expiry_date.as_ref().and_then(|d| d.to_date());
        let days = expiry.map_or(0, |e| {
            Date::from_epoch_ms(event_ms).days_since_epoch() - e.days_since_epoch()
        });
        if document.expired && !context.national_coming_home(document, days, config) {
            verdict.push(
                context.draft(
                    AnomalyKind::DocumentExpired,
                    by_outcome(inspection, Severity::High, Severity::Low),
                    match expiry {
                        Some(since) => message("document-expired").text("since", since.to_string()),
                        None => message("document-expired-undated"),
                    }
                    .number("days", days as f64)
                    .part("outcome", context.outcome_at()),
                    Evidence {
                        values: vec![measure("days_expired", days as f64, "days")],
                        ..Evidence::default()
                    },
                ),
            );
        }
        if let Some(entry) = refs.lost_or_stolen(&document.document_key) {
            verdict.push(
                context.draft(
                    AnomalyKind::LostStolenDocument,
                    by_outcome(inspection, Severity::Critical, Severity::High),
                    message("lost-stolen-document")
                        .part("reference", reference(&entry.source, &entry.reference))
                        .part("outcome", context.outcome_at()),
                    Evidence {
                        reference: describe(&entry.source, &entry.reference),
                        ..Evidence::default()
                    },
                ),
            );
        }
        if let Some(entry) = refs.watchlisted(&document.person_key) {
            verdict.push(
                context.draft(
                    AnomalyKind::WatchlistHit,
                    by_outcome(inspection, Severity::Critical, Severity::High),
                    message("watchlist-hit")
                        .part("reference", reference(&entry.source, &entry.reference))
                        .part("outcome", context.outcome_at()),
                    Evidence {
                        reference: describe(&entry.source, &entry.reference),
                        ..Evidence::default()
                    },
                ),
            );
        }
    }
    if let Some(traveller) = &inspection.traveller
        && let Some(age) = traveller.age_years
        && age < config.minor_age
    {
        let relation = GuardianRelation::try_from(traveller.guardian_relation).unwrap_or_default();
        let guarded = matches!(
            relation,
            GuardianRelation::Parent
                | GuardianRelation::LegalGuardian
                | GuardianRelation::AuthorisedAdult
        );
        let lawfully_alone = traveller.accompanied_by.is_empty() && age >= config.minor_alone_age;
        if (traveller.accompanied_by.is_empty() || !guarded) && !lawfully_alone {
            let how = if traveller.accompanied_by.is_empty() {
                "minor-without-adult"
            } else {
                "minor-unlinked-adult"
            };
            let mut evidence = Evidence {
                values: vec![measure("age", f64::from(age), "years")],
                ..Evidence::default()
            };
            if !traveller.accompanied_by.is_empty() {
                evidence.event_ids.push(traveller.accompanied_by.clone());
            }
            verdict.push(
                context.draft(
                    AnomalyKind::MinorUnaccompanied,
                    by_outcome(inspection, Severity::High, Severity::Medium),
                    message(how)
                        .number("age", f64::from(age))
                        .part("outcome", context.outcome_at()),
                    evidence,
                ),
            );
        }
    }
    let age = inspection.traveller.as_ref().and_then(|t| t.age_years);
    if let Some(checks) = &inspection.checks
        && let Some(score) = checks.biometric_score
        && score < config.biometric_threshold(checks.biometric_modality(), age)
        && inspection.outcome == Outcome::Admitted as i32
    {
        let threshold = config.biometric_threshold(checks.biometric_modality(), age);
        let modality = match checks.biometric_modality() {
            BiometricModality::Face => "modality-face",
            BiometricModality::Fingerprint => "modality-fingerprint",
            BiometricModality::Iris => "modality-iris",
            BiometricModality::Unspecified => "modality-unspecified",
        };
        let explanation = match age {
            Some(age) if hard_to_match(age) => {
                message("biometric-mismatch-aged").number("age", f64::from(age))
            }
            _ => message("biometric-mismatch"),
        };
        verdict.push(
            context.draft(
                AnomalyKind::BiometricMismatch,
                Severity::High,
                explanation
                    .part("modality", message(modality))
                    .fixed("score", f64::from(score), 2)
                    .fixed("threshold", f64::from(threshold), 2)
                    .part("outcome", context.outcome_at()),
                Evidence {
                    values: vec![measure("match_score", f64::from(score), "")],
                    threshold: Some(f64::from(threshold)),
                    ..Evidence::default()
                },
            ),
        );
    }
    verdict
}

impl Verdict {
    fn push(&mut self, anomaly: Anomaly) {
        self.alerted = true;
        self.anomalies.push(anomaly);
    }
}

/// What every per-event anomaly shares.
struct Context<'a> {
    inspection: &'a Inspection,
    event_ms: i64,
    refs: &'a dyn References,
}

impl<'a> Context<'a> {
    fn new(inspection: &'a Inspection, event_ms: i64, refs: &'a dyn References) -> Self {
        Self {
            inspection,
            event_ms,
            refs,
        }
    }

    /// The crossing's name, looked up only when an anomaly needs it (most
    /// events raise none).
    fn place(&self) -> String {
        self.refs
            .crossing(&self.inspection.crossing_id)
            .map(|c| c.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| self.inspection.crossing_id.clone())
    }

    /// A national entering their own state on its recently expired
    /// passport or identity card: admitted by right, not a finding.
    fn national_coming_home(
        &self,
        document: &DocumentFacts,
        days_expired: i64,
        config: &DetectConfig,
    ) -> bool {
        let grace = config.national_expired_grace.as_secs() as i64 / 86_400;
        self.inspection.direction == Direction::Entry as i32
            && document.kind != DocumentKind::Visa as i32
            && days_expired <= grace
            && self
                .refs
                .crossing(&self.inspection.crossing_id)
                .is_some_and(|c| {
                    !c.country.is_empty()
                        && c.country == document.nationality
                        && c.country == document.issuing_state
                })
    }

    fn outcome_at(&self) -> Message {
        let outcome = match Outcome::try_from(self.inspection.outcome).unwrap_or_default() {
            Outcome::Admitted => "outcome-admitted-at",
            Outcome::Refused => "outcome-refused-at",
            Outcome::ReferredToSecondary => "outcome-secondary-at",
            Outcome::Unspecified => "outcome-unrecorded-at",
        };
        message(outcome).crossing("place", &self.inspection.crossing_id, &self.place())
    }

    /// An anomaly about this event; its id is the kind and the event id.
    fn draft(
        &self,
        kind: AnomalyKind,
        severity: Severity,
        explanation: Message,
        mut evidence: Evidence,
    ) -> Anomaly {
        let i = self.inspection;
        evidence.event_ids.insert(0, i.event_id.clone());
        evidence.crossing_ids = vec![i.crossing_id.clone()];
        evidence.officer_id.clone_from(&i.officer_id);
        evidence.checkpoint_id.clone_from(&i.checkpoint_id);
        if let Some(document) = &i.document {
            evidence.document_key = hex::encode(&document.document_key);
            if kind == AnomalyKind::WatchlistHit {
                evidence.person_key = hex::encode(&document.person_key);
            }
        }
        Draft {
            kind,
            severity,
            crossing_id: &i.crossing_id,
            event_ms: self.event_ms,
            detected_ms: self.event_ms,
            message: explanation,
            evidence,
        }
        .build(&[i.event_id.as_bytes()])
    }
}

fn by_outcome(inspection: &Inspection, admitted: Severity, otherwise: Severity) -> Severity {
    if inspection.outcome == Outcome::Admitted as i32 {
        admitted
    } else {
        otherwise
    }
}

/// A list entry's source and reference as an explanation shows them.
fn reference(source: &str, reference: &str) -> Message {
    match (source.is_empty(), reference.is_empty()) {
        (true, true) => message("reference-none"),
        _ => message("reference").text("reference", describe(source, reference)),
    }
}

fn describe(source: &str, reference: &str) -> String {
    match (source.is_empty(), reference.is_empty()) {
        (false, false) => format!("{source}, {reference}"),
        (false, true) => source.to_owned(),
        (true, false) => reference.to_owned(),
        (true, true) => "no source given".to_owned(),
    }
}

fn measure(name: &str, value: f64, unit: &str) -> Measurement {
    Measurement {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
    }
}

/// The failed checks of a document, for the explanation.
/// The fields whose checks failed, as catalogue messages in the order of
/// their English names, each once; the layout when none is named.
fn failed_fields(document: &DocumentFacts) -> Vec<Message> {
    let mut names: Vec<(&str, &str)> = document
        .check_digits
        .iter()
        .filter(|c| !c.valid)
        .map(|c| field_name(c.field))
        .chain(document.findings.iter().map(|f| field_name(f.field)))
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        names.push(field_name(MrzField::Layout as i32));
    }
    names.into_iter().map(|(_, key)| message(key)).collect()
}

/// A field's English name (for the order) and its message.
fn field_name(field: i32) -> (&'static str, &'static str) {
    match MrzField::try_from(field).unwrap_or_default() {
        MrzField::Unspecified => ("unknown field", "mrz-field-unknown"),
        MrzField::Layout => ("layout", "mrz-field-layout"),
        MrzField::DocumentCode => ("document code", "mrz-field-document-code"),
        MrzField::IssuingState => ("issuing state", "mrz-field-issuing-state"),
        MrzField::DocumentNumber => ("document number", "mrz-field-document-number"),
        MrzField::DocumentNumberCheck => (
            "document number check digit",
            "mrz-field-document-number-check",
        ),
        MrzField::OptionalData => ("optional data", "mrz-field-optional-data"),
        MrzField::OptionalDataCheck => {
            ("optional data check digit", "mrz-field-optional-data-check")
        }
        MrzField::BirthDate => ("birth date", "mrz-field-birth-date"),
        MrzField::BirthDateCheck => ("birth date check digit", "mrz-field-birth-date-check"),
        MrzField::Sex => ("sex", "mrz-field-sex"),
        MrzField::ExpiryDate => ("expiry date", "mrz-field-expiry-date"),
        MrzField::ExpiryDateCheck => ("expiry date check digit", "mrz-field-expiry-date-check"),
        MrzField::Nationality => ("nationality", "mrz-field-nationality"),
        MrzField::Name => ("name", "mrz-field-name"),
        MrzField::CompositeCheck => ("composite check digit", "mrz-field-composite-check"),
    }
}

#[cfg(test)]
mod tests;

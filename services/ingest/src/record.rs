//! Turns a structurally valid event into the record ingest publishes: the
//! document is read and checked, personal data is replaced by pseudonymous
//! keys, and raw data is kept only when raw forwarding is enabled.

use borderflow_domain::keys::Pseudonymiser;
use borderflow_domain::mrz;
use borderflow_domain::time::Date;
use borderflow_domain::twins::{PairKey, PairKeys};
use borderflow_proto::inspection::v1::{
    CheckDigitResult, DocumentFacts, DocumentFields, DocumentFormat, DocumentKind, Inspection,
    InspectionEvent, MrzField, MrzFinding, RawDocument, Sex, TravellerFacts, document_read,
};
use borderflow_proto::ms_to_timestamp;

use crate::validate::EventTimes;

/// Builds records with one deployment secret, and the exchange keys of
/// the twin pairs whose posts report here.
#[derive(Clone, Debug)]
pub struct RecordBuilder {
    keys: Pseudonymiser,
    forward_raw: bool,
    pairs: PairKeys,
}

impl RecordBuilder {
    pub fn new(keys: Pseudonymiser, forward_raw: bool) -> Self {
        Self {
            keys,
            forward_raw,
            pairs: PairKeys::default(),
        }
    }

    /// Documents read at a post of one of `pairs` also get the pair's key.
    pub fn with_pairs(mut self, pairs: PairKeys) -> Self {
        self.pairs = pairs;
        self
    }

    /// The pseudonymised record of `event`, which `validate_event` accepted
    /// with `times`.
    pub fn build(
        &self,
        event: InspectionEvent,
        times: EventTimes,
        ingested_at_ms: i64,
    ) -> Inspection {
        let on = Date::from_epoch_ms(times.completed_at);
        let source = event.document.and_then(|d| d.source);
        let pair = self.pairs.of_post(&event.crossing_id);
        let (mut document, raw) = match &source {
            Some(document_read::Source::Mrz(zone)) => {
                let lines: Vec<&str> = zone.lines.iter().map(String::as_str).collect();
                self.read_mrz(&lines, on, pair)
            }
            Some(document_read::Source::Fields(fields)) => self.read_fields(fields, on, pair),
            None => (DocumentFacts::default(), RawDocument::default()),
        };
        let traveller = event.traveller.unwrap_or_default();
        let age_years = document
            .birth_date
            .as_ref()
            .and_then(|d| d.to_date())
            .map(|birth| birth.age_on(on))
            .or(traveller.age_years);
        // The rules need the age on the inspection date, not the birth date:
        // the full date stays at the edge unless raw forwarding is enabled.
        if !self.forward_raw {
            document.birth_date = None;
        }
        Inspection {
            event_id: event.event_id,
            crossing_id: event.crossing_id,
            lane_id: event.lane_id,
            checkpoint_id: event.checkpoint_id,
            officer_id: event.officer_id,
            direction: event.direction,
            mode: event.mode,
            queued_at: event.queued_at,
            started_at: event.started_at,
            completed_at: event.completed_at,
            document: Some(document),
            traveller: Some(TravellerFacts {
                age_years,
                group_id: traveller.group_id,
                accompanied_by: traveller.accompanied_by,
                guardian_relation: traveller.guardian_relation,
            }),
            checks: event.checks,
            outcome: event.outcome,
            refusal_reason: event.refusal_reason,
            ingested_at: Some(ms_to_timestamp(ingested_at_ms)),
            raw: self.forward_raw.then_some(raw),
            protection: event.protection,
        }
    }

    fn read_mrz(
        &self,
        lines: &[&str],
        on: Date,
        pair: Option<&PairKey>,
    ) -> (DocumentFacts, RawDocument) {
        let report = mrz::validate(lines, on);
        let number = report.document_number();
        let birth_date = report.birth_date();
        let expiry_date = report.expiry_date();
        let facts = DocumentFacts {
            format: report
                .format()
                .map_or(DocumentFormat::Unspecified, DocumentFormat::from)
                as i32,
            document_code: report.document_code().to_owned(),
            kind: kind_of(report.document_code()) as i32,
            issuing_state: report.issuing_state().to_owned(),
            nationality: report.nationality().to_owned(),
            birth_date: birth_date.map(Into::into),
            sex: Sex::from(report.sex()) as i32,
            expiry_date: expiry_date.map(Into::into),
            document_key: self
                .keys
                .document_key(report.issuing_state(), &number)
                .0
                .to_vec()
                .into(),
            twin_key: pair
                .map(|p| p.document_key(report.issuing_state(), &number).0.to_vec())
                .unwrap_or_default()
                .into(),
            person_key: self
                .keys
                .person_key(
                    report.primary_identifier(),
                    report.secondary_identifier(),
                    birth_date,
                    report.nationality(),
                )
                .0
                .to_vec()
                .into(),
            mrz_valid: report.is_valid(),
            check_digits: report
                .check_digits()
                .iter()
                .map(|&(field, valid)| CheckDigitResult {
                    field: MrzField::from(field) as i32,
                    valid,
                })
                .collect(),
            findings: report
                .findings()
                .iter()
                .map(|f| MrzFinding::from(*f))
                .collect(),
            expired: expiry_date.is_some_and(|expiry| expiry < on),
        };
        let raw = if self.forward_raw {
            RawDocument {
                mrz_lines: lines.iter().map(|l| (*l).to_owned()).collect(),
                document_number: number.into_owned(),
                primary_identifier: report
                    .primary_identifier()
                    .replace('<', " ")
                    .trim()
                    .to_owned(),
                secondary_identifier: report
                    .secondary_identifier()
                    .replace('<', " ")
                    .trim()
                    .to_owned(),
            }
        } else {
            RawDocument::default()
        };
        (facts, raw)
    }

    fn read_fields(
        &self,
        fields: &DocumentFields,
        on: Date,
        pair: Option<&PairKey>,
    ) -> (DocumentFacts, RawDocument) {
        let birth_date = fields.birth_date.as_ref().and_then(|d| d.to_date());
        let expiry_date = fields.expiry_date.as_ref().and_then(|d| d.to_date());
        let code = fields.document_code.trim().to_ascii_uppercase();
        let facts = DocumentFacts {
            format: DocumentFormat::Fields as i32,
            kind: kind_of(&code) as i32,
            document_code: code,
            issuing_state: fields.issuing_state.trim().to_ascii_uppercase(),
            nationality: fields.nationality.trim().to_ascii_uppercase(),
            birth_date: birth_date.map(Into::into),
            sex: fields.sex,
            expiry_date: expiry_date.map(Into::into),
            document_key: self
                .keys
                .document_key(&fields.issuing_state, &fields.document_number)
                .0
                .to_vec()
                .into(),
            twin_key: pair
                .map(|p| {
                    p.document_key(&fields.issuing_state, &fields.document_number)
                        .0
                        .to_vec()
                })
                .unwrap_or_default()
                .into(),
            person_key: self
                .keys
                .person_key(
                    &fields.primary_identifier,
                    &fields.secondary_identifier,
                    birth_date,
                    &fields.nationality,
                )
                .0
                .to_vec()
                .into(),
            // Nothing machine-readable to check.
            mrz_valid: true,
            check_digits: Vec::new(),
            findings: Vec::new(),
            expired: expiry_date.is_some_and(|expiry| expiry < on),
        };
        let raw = RawDocument {
            mrz_lines: Vec::new(),
            document_number: fields.document_number.clone(),
            primary_identifier: fields.primary_identifier.clone(),
            secondary_identifier: fields.secondary_identifier.clone(),
        };
        (facts, raw)
    }
}

/// The kind of document from its ICAO document code.
fn kind_of(code: &str) -> DocumentKind {
    match code.as_bytes().first() {
        Some(b'P') => DocumentKind::Passport,
        Some(b'I' | b'A' | b'C') => DocumentKind::IdentityCard,
        Some(b'V') => DocumentKind::Visa,
        Some(_) => DocumentKind::Other,
        None => DocumentKind::Unspecified,
    }
}

#[cfg(test)]
mod tests;

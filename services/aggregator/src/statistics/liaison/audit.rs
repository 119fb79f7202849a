//! The exchange in the audit trail: each system records every period it
//! sent to the neighbour and every record it read from the exchange, with
//! what it made of it. Nothing personal is in either: the resource names
//! the pair, the post, the direction and the period, the count is the
//! period's total.
//!
//! A sent period's record id is derived from the record's signature, so
//! a period sent again after a restart (outputs are at least once) is
//! recognisably the same, and the neighbour's receipt of it carries the
//! same signature in its id: `sent:<sig>` here, `received:<sig>` there.

use borderflow_domain::time::format_rfc3339;
use borderflow_proto::audit::v1::{AuditOutcome, AuditPhase, AuditRecord};
use borderflow_proto::inspection::v1::Direction;
use borderflow_proto::liaison::v1::LiaisonRecord;
use borderflow_proto::{ms_to_timestamp, timestamp_to_ms};

use super::Refused;

/// The interface exchange records are audited under.
pub const INTERFACE: &str = "liaison";
pub const SENT: &str = "borderflow.liaison.v1.Exchange/Send";
pub const RECEIVED: &str = "borderflow.liaison.v1.Exchange/Receive";

/// The trail's record of sending `record` to the exchange `topic`.
pub fn sent(record: &LiaisonRecord, topic: &str, instance: &str, now_ms: i64) -> AuditRecord {
    AuditRecord {
        id: format!("sent:{}", signature_id(record)),
        principal: principal(&record.country),
        countries: vec![record.country.clone()],
        authenticated_by: "pair-key-signature".into(),
        source: topic.to_owned(),
        method: SENT.into(),
        outcome: AuditOutcome::Allowed as i32,
        status: "Ok".into(),
        ..common(record, instance, now_ms)
    }
}

/// The trail's record of reading `record` from the exchange `topic`, as
/// accepted or refused.
pub fn received(
    record: &LiaisonRecord,
    verdict: Result<(), &Refused>,
    topic: &str,
    instance: &str,
    now_ms: i64,
) -> AuditRecord {
    let (outcome, status, reason) = match verdict {
        Ok(()) => (AuditOutcome::Allowed, "Ok".to_owned(), String::new()),
        Err(refused) => (
            outcome_of(refused),
            refused.label().to_owned(),
            refused.to_string(),
        ),
    };
    AuditRecord {
        id: format!("received:{}", signature_id(record)),
        // The sender as the record claims it; verified only when allowed.
        principal: principal(&record.country),
        countries: vec![record.country.clone()],
        authenticated_by: if verdict.is_ok() {
            "pair-key-signature".into()
        } else {
            String::new()
        },
        source: topic.to_owned(),
        method: RECEIVED.into(),
        outcome: outcome as i32,
        status,
        reason,
        ..common(record, instance, now_ms)
    }
}

fn common(record: &LiaisonRecord, instance: &str, now_ms: i64) -> AuditRecord {
    let direction = match Direction::try_from(record.direction) {
        Ok(Direction::Exit) => "exit",
        Ok(Direction::Entry) => "entry",
        _ => "unspecified",
    };
    let start = record
        .period_start
        .as_ref()
        .and_then(timestamp_to_ms)
        .map_or_else(|| "-".to_owned(), format_rfc3339);
    AuditRecord {
        time: Some(ms_to_timestamp(now_ms)),
        interface: INTERFACE.into(),
        resource: format!(
            "pair/{}/post/{}/{direction}/{start}",
            bounded(&record.pair_id),
            bounded(&record.crossing_id)
        ),
        result_count: record.total,
        phase: AuditPhase::Complete as i32,
        instance: instance.to_owned(),
        ..AuditRecord::default()
    }
}

/// The sending system, as the exchange names it.
fn principal(country: &str) -> String {
    format!("liaison:{}", bounded(country))
}

/// A record's identity in the trail: the first 12 bytes of its signature,
/// in hex (a refused record may carry none).
fn signature_id(record: &LiaisonRecord) -> String {
    match record.signature.get(..12) {
        Some(bytes) => hex::encode(bytes),
        None => "unsigned".into(),
    }
}

/// A record can claim anything: a claimed name enters the trail cut to a
/// sane length.
fn bounded(text: &str) -> String {
    text.chars().take(64).collect()
}

fn outcome_of(refused: &Refused) -> AuditOutcome {
    match refused {
        Refused::Signature => AuditOutcome::Unauthenticated,
        Refused::UnknownPair(_) | Refused::NotAPost(_) => AuditOutcome::Denied,
        Refused::Version(_) | Refused::Field(_) => AuditOutcome::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> LiaisonRecord {
        LiaisonRecord {
            version: 1,
            pair_id: "KG-B+KZ-A".into(),
            crossing_id: "KZ-A".into(),
            country: "KAZ".into(),
            direction: Direction::Exit as i32,
            period_start: Some(ms_to_timestamp(1_777_852_800_000)),
            period_seconds: 900,
            total: 42,
            signature: (0u8..32).collect(),
            ..LiaisonRecord::default()
        }
    }

    #[test]
    fn a_sent_period_and_its_receipt_share_the_signature() {
        let r = record();
        let sent = sent(&r, "borderflow.liaison.v1", "agg-0", 5);
        let got = received(&r, Ok(()), "borderflow.liaison.v1", "agg-1", 6);
        assert_eq!(sent.id, "sent:000102030405060708090a0b");
        assert_eq!(got.id, "received:000102030405060708090a0b");
        assert_eq!(
            sent.resource,
            "pair/KG-B+KZ-A/post/KZ-A/exit/2026-05-04T00:00:00.000Z"
        );
        assert_eq!(got.resource, sent.resource);
        assert_eq!(
            (sent.result_count, sent.principal.as_str()),
            (42, "liaison:KAZ")
        );
        assert_eq!(sent.method, SENT);
        assert_eq!(got.method, RECEIVED);
        assert_eq!(got.outcome, AuditOutcome::Allowed as i32);
        assert_eq!(got.instance, "agg-1");
    }

    #[test]
    fn a_refused_record_is_recorded_with_its_reason_and_no_authentication() {
        let r = record();
        let forged = received(&r, Err(&Refused::Signature), "t", "agg", 0);
        assert_eq!(forged.outcome, AuditOutcome::Unauthenticated as i32);
        assert_eq!(forged.status, "signature");
        assert!(forged.authenticated_by.is_empty());
        assert!(forged.reason.contains("signature"), "{}", forged.reason);
        let stranger = received(&r, Err(&Refused::UnknownPair("X+Y".into())), "t", "agg", 0);
        assert_eq!(stranger.outcome, AuditOutcome::Denied as i32);
        let long = LiaisonRecord {
            pair_id: "P".repeat(500),
            signature: Vec::new(),
            ..record()
        };
        let bounded = received(&long, Err(&Refused::Field("pair_id")), "t", "agg", 0);
        assert!(bounded.resource.len() < 200, "{}", bounded.resource);
        assert_eq!(bounded.id, "received:unsigned");
        assert_eq!(bounded.outcome, AuditOutcome::Failed as i32);
    }
}

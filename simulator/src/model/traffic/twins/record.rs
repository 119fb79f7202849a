//! The far side's records: a traveller's inspection at the other post,
//! its decision, and the ids and keys that tie it to the first.

use borderflow_domain::mrz;
use borderflow_domain::time::Date;
use borderflow_proto::inspection::v1::{
    Direction, InspectionEvent, Outcome, RefusalReason, document_read,
};
use borderflow_proto::{Timestamp, ms_to_timestamp, timestamp_to_ms};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::post::{Post, Slot};
use super::{Pair, TWIN_STREAM};
use crate::model::traffic::{stable_hash, uuid};

/// The same traveller's inspection at `post`: a new record of the same
/// document in `slot`, with the booth's officer on duty.
pub(super) fn mirror(
    event: &InspectionEvent,
    post: &Post,
    direction: Direction,
    slot: Slot,
) -> Box<InspectionEvent> {
    let Slot {
        lane,
        queued,
        started,
        completed,
    } = slot;
    let hour = post.local_hour(started);
    let officer = post.spec.officer_on_duty(lane, hour) as usize;
    let mut far = Box::new(event.clone());
    far.event_id = mirrored_id(&event.event_id, post.index);
    far.crossing_id.clone_from(&post.names.crossing_id);
    far.lane_id.clone_from(&post.names.lane_ids[lane as usize]);
    far.checkpoint_id
        .clone_from(&post.names.checkpoint_ids[lane as usize]);
    far.officer_id.clone_from(&post.names.officer_ids[officer]);
    far.direction = direction as i32;
    far.mode = post.names.mode;
    far.queued_at = Some(ms_to_timestamp(queued));
    far.started_at = Some(ms_to_timestamp(started));
    far.completed_at = Some(ms_to_timestamp(completed));
    if let Some(traveller) = far.traveller.as_mut() {
        for id in [&mut traveller.group_id, &mut traveller.accompanied_by] {
            if !id.is_empty() {
                *id = mirrored_id(id, post.index);
            }
        }
    }
    if let Some(checks) = far.checks.as_mut() {
        checks.secondary_referral = false;
        checks.biometric_modality = post.names.modality;
    }
    far.protection = None;
    far
}

/// The far post's decision: admitted, or refused for one of the reasons a
/// land border refuses without document fraud.
pub(super) fn decide(
    mut far: Box<InspectionEvent>,
    refused: bool,
    rng: &mut ChaCha8Rng,
) -> Box<InspectionEvent> {
    let reasons = [RefusalReason::C, RefusalReason::E, RefusalReason::G];
    let (outcome, reason) = if refused {
        (
            Outcome::Refused,
            reasons[rng.random_range(0..reasons.len())],
        )
    } else {
        (Outcome::Admitted, RefusalReason::Unspecified)
    };
    far.outcome = outcome as i32;
    far.refusal_reason = reason as i32;
    far
}

/// The id of an event's counterpart at crossing `post`: the same input
/// always gives the same id, so a party's escort and group links hold.
pub(super) fn mirrored_id(id: &str, post: usize) -> String {
    let mut rng =
        ChaCha8Rng::seed_from_u64(stable_hash(id) ^ (post as u64).rotate_left(17) ^ TWIN_STREAM);
    uuid(&mut rng)
}

/// A second record at `post` derived from the same event (the way back
/// after a refusal): ids of its own, its party's and escort's alike, so it
/// is not the first record again.
pub(super) fn rekey(event: &mut InspectionEvent, post: usize) {
    event.event_id = mirrored_id(&event.event_id, post);
    if let Some(traveller) = event.traveller.as_mut() {
        for id in [&mut traveller.group_id, &mut traveller.accompanied_by] {
            if !id.is_empty() {
                *id = mirrored_id(id, post);
            }
        }
    }
}

/// Members of one party travel together: their group, else themselves.
pub(super) fn party_of(event: &InspectionEvent) -> &str {
    event
        .traveller
        .as_ref()
        .map(|t| t.group_id.as_str())
        .filter(|g| !g.is_empty())
        .unwrap_or(&event.event_id)
}

/// The document an inspection read (issuing state and number), as a
/// hash: the same whether the zone was read or the fields keyed in.
pub(super) fn document_of(event: &InspectionEvent) -> u64 {
    match event.document.as_ref().and_then(|d| d.source.as_ref()) {
        Some(document_read::Source::Mrz(zone)) => {
            let lines: Vec<&str> = zone.lines.iter().map(String::as_str).collect();
            let report = mrz::validate(&lines, Date::from_epoch_ms(0));
            let state = report.issuing_state().trim_end_matches('<');
            stable_hash(&format!("{state}{}", report.document_number()))
        }
        Some(document_read::Source::Fields(fields)) => stable_hash(&format!(
            "{}{}",
            fields.issuing_state, fields.document_number
        )),
        None => stable_hash(&event.event_id),
    }
}

pub(super) fn lane_of(pair: &Pair, crossing: usize, event: &InspectionEvent) -> u32 {
    let post = if crossing == pair.lead.index {
        &pair.lead
    } else {
        &pair.twin
    };
    post.names
        .lane_ids
        .iter()
        .position(|l| *l == event.lane_id)
        .unwrap_or(0) as u32
}

pub(super) fn time_of(at: Option<&Timestamp>) -> i64 {
    at.and_then(timestamp_to_ms).unwrap_or(0)
}

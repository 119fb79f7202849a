//! Protection referrals, pure: the minimal-data [`Referral`] records an
//! inspection gives rise to, one per service the booth referred the
//! traveller to. What a partner needs to prepare and nothing that
//! identifies anyone: crossing, time, service, sex, age band, whether
//! accompanied, why, and a case reference derived one-way from the
//! inspection and the service.

use borderflow_domain::minor::MINOR_AGE;
use borderflow_domain::time::MS_PER_MINUTE;
use borderflow_proto::inspection::v1::{
    Direction, GuardianRelation, Inspection, ReferralCategory, Sex,
};
use borderflow_proto::protection::v1::{Accompaniment, Referral, ReferralGrounds};
use sha2::{Digest, Sha256};

use crate::windows::cells::AgeBands;

/// The case reference of a referral: `BF-` and 16 characters of a
/// one-way hash of the inspection's event id and the service, in groups of
/// four (Crockford's base 32, no look-alike letters). The same inspection
/// and service always give the same reference, so a replay upserts.
pub fn case_reference(event_id: &str, category: ReferralCategory) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut hash = Sha256::new();
    hash.update(b"borderflow referral\x1f");
    hash.update(event_id.as_bytes());
    hash.update([0x1f, category as u8]);
    let digest = hash.finalize();
    let bits = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
    let mut out = String::from("BF");
    for i in 0..16 {
        if i % 4 == 0 {
            out.push('-');
        }
        let digit = (bits >> (123 - 5 * i)) & 31;
        out.push(ALPHABET[digit as usize] as char);
    }
    out
}

/// How a traveller of `age` travels, from the inspection's escort fields.
pub fn accompaniment(age: Option<u32>, accompanied_by: &str, relation: i32) -> Accompaniment {
    match age {
        None => Accompaniment::AgeUnknown,
        Some(a) if a >= MINOR_AGE => Accompaniment::Adult,
        Some(_) if accompanied_by.is_empty() => Accompaniment::UnaccompaniedMinor,
        Some(_) if relation == GuardianRelation::Unrelated as i32 => Accompaniment::SeparatedMinor,
        Some(_) => Accompaniment::AccompaniedMinor,
    }
}

/// The referrals of one inspection (none when the booth referred the
/// traveller nowhere); `country` operates the crossing (empty if unknown).
/// Categories the contract does not know, or repeated, are skipped (ingest
/// refuses them; a record from elsewhere must not stop the stream).
pub fn referrals(
    inspection: &Inspection,
    event_ms: i64,
    bands: &AgeBands,
    country: &str,
) -> Vec<Referral> {
    let Some(protection) = inspection.protection.as_ref() else {
        return Vec::new();
    };
    let traveller = inspection.traveller.as_ref();
    let age = traveller.and_then(|t| t.age_years);
    let band = bands.band(age);
    let accompaniment = accompaniment(
        age,
        traveller.map_or("", |t| t.accompanied_by.as_str()),
        traveller.map_or(0, |t| t.guardian_relation),
    );
    let sex = inspection
        .document
        .as_ref()
        .map_or(Sex::Unspecified as i32, |d| d.sex);
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for &value in &protection.referrals {
        let Ok(category) = ReferralCategory::try_from(value) else {
            continue;
        };
        if category == ReferralCategory::Unspecified || seen.contains(&category) {
            continue;
        }
        seen.push(category);
        out.push(Referral {
            case_reference: case_reference(&inspection.event_id, category),
            crossing_id: inspection.crossing_id.clone(),
            country: country.to_owned(),
            // To the minute: the time a partner needs, not one that matches
            // the inspection's to the millisecond.
            referred_at: Some(borderflow_proto::ms_to_timestamp(
                event_ms.div_euclid(MS_PER_MINUTE) * MS_PER_MINUTE,
            )),
            category: category as i32,
            sex,
            age_from: band.map(|b| u32::from(b.from)),
            age_to: band.and_then(|b| b.to).map(u32::from),
            accompaniment: accompaniment as i32,
            grounds: Some(ReferralGrounds {
                protection_requested: protection.protection_requested,
                suspected_trafficking_victim: protection.suspected_trafficking_victim,
            }),
            direction: Direction::try_from(inspection.direction).unwrap_or(Direction::Unspecified)
                as i32,
        });
    }
    out
}

#[cfg(test)]
mod tests;

//! Travellers and their documents: who crosses, with which papers.

use borderflow_domain::mrz::{self, DocumentSpec, Format};
use borderflow_domain::time::Date;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::network::{CrossingSpec, Mode};

/// A traveller as the booth sees them.
#[derive(Clone, Debug)]
pub struct Traveller {
    pub document: DocumentSpec,
    /// The machine-readable zone of `document`.
    pub mrz: Vec<String>,
}

impl Traveller {
    pub fn age_on(&self, date: Date) -> u32 {
        self.document.birth_date.age_on(date)
    }

    pub fn nationality(&self) -> &str {
        &self.document.nationality
    }
}

/// Nationalities seen when a crossing lists none.
const FALLBACK_NATIONALITIES: &[&str] = &[
    "KAZ", "KGZ", "UZB", "TJK", "TKM", "RUS", "CHN", "TUR", "AFG", "IND", "DEU",
];

/// Picks the nationality of a traveller at `crossing`.
pub fn nationality(rng: &mut impl Rng, crossing: &CrossingSpec) -> String {
    if rng.random_bool(crossing.nationals_share) {
        return crossing.country.clone();
    }
    if !crossing.nationalities.is_empty() {
        let total: f64 = crossing.nationalities.iter().map(|(_, w)| w.max(0.0)).sum();
        if total > 0.0 {
            let mut pick = rng.random_range(0.0..total);
            for (code, weight) in &crossing.nationalities {
                pick -= weight.max(0.0);
                if pick < 0.0 {
                    return code.clone();
                }
            }
        }
    }
    if !crossing.neighbour.is_empty() && rng.random_bool(0.6) {
        return crossing.neighbour.clone();
    }
    FALLBACK_NATIONALITIES
        .choose(rng)
        .copied()
        .unwrap_or("KAZ")
        .to_owned()
}

/// The document layout a traveller of `nationality` presents at `crossing`:
/// passports, and identity cards across land borders of the region.
pub fn format(rng: &mut impl Rng, crossing: &CrossingSpec, nationality: &str) -> Format {
    let regional = matches!(nationality, "KAZ" | "KGZ" | "UZB" | "TJK" | "TKM" | "RUS");
    let land = !matches!(crossing.mode, Mode::Air | Mode::Sea);
    match rng.random_range(0..100) {
        0..25 if land && regional => Format::Td1,
        25..28 if land && regional => Format::Td2,
        _ => Format::Td3,
    }
}

/// A new traveller of `nationality` with a valid document of `format` on
/// `date`, aged in `ages` (whole years).
pub fn new_traveller(
    rng: &mut impl Rng,
    nationality: &str,
    format: Format,
    date: Date,
    ages: std::ops::Range<u32>,
) -> Traveller {
    let mut document = DocumentSpec::random(rng, format, date);
    document.nationality = nationality.to_owned();
    document.issuing_state = nationality.to_owned();
    let age = rng.random_range(ages);
    // Somewhere within the year of life `age`; leap days may shift the
    // age by one at the edges, which is harmless here.
    document.birth_date =
        date.add_days(-(i64::from(age) * 365 + i64::from(age / 4) + rng.random_range(0..365)));
    // Adults' documents run up to ten years, minors' five.
    let validity = if age < 18 { 5 * 365 } else { 10 * 365 };
    document.expiry_date = date.add_days(rng.random_range(30..validity));
    let mrz = mrz::write(&document).unwrap_or_else(|_| {
        // DocumentSpec::random writes cleanly; a failure here means a bad
        // nationality code from a network file, which validation refuses.
        Vec::new()
    });
    Traveller { document, mrz }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn travellers_carry_valid_documents_of_their_nationality() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let date = Date::new(2026, 5, 4).unwrap();
        for format in Format::ALL {
            for _ in 0..200 {
                let t = new_traveller(&mut rng, "KGZ", format, date, 0..90);
                let lines: Vec<&str> = t.mrz.iter().map(String::as_str).collect();
                let report = mrz::validate(&lines, date);
                assert!(report.is_valid(), "{format:?} {:?}", report.findings());
                assert_eq!(report.nationality(), "KGZ");
                assert!(t.age_on(date) < 90);
                assert!(report.expiry_date().unwrap() > date);
            }
        }
    }
}

//! Travellers and their documents: who crosses, with which papers.

use borderflow_domain::minor::MINOR_AGE;
use borderflow_domain::mrz::{self, DocumentSpec, Format, Sex};
use borderflow_domain::time::Date;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::names;
use super::network::{CrossingSpec, Mode};

/// A traveller as the booth sees them: the document and its zone, written
/// once and reused on every crossing.
#[derive(Clone, Debug)]
pub struct Traveller {
    pub document: DocumentSpec,
    /// The machine-readable zone of `document`.
    pub mrz: Vec<String>,
    /// When the document was issued (its photo and fingerprints enrolled).
    pub issued: Date,
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

/// Nationalities that carry identity cards across the region's land
/// borders (the CIS and EAEU agreements accept them).
const ID_CARD_NATIONALITIES: &[&str] = &["KAZ", "KGZ", "UZB", "TJK", "TKM", "RUS"];

/// Nationalities that mostly need a visa in the region; some of their
/// inspections are read from the visa sticker's zone.
const VISA_NATIONALITIES: &[&str] = &["AFG", "IND", "PAK", "IRN", "CHN", "BGD"];

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
/// passports; identity cards across the region's land borders; the visa
/// sticker for some visa nationals.
pub fn format(rng: &mut impl Rng, crossing: &CrossingSpec, nationality: &str) -> Format {
    let land = !matches!(crossing.mode, Mode::Air | Mode::Sea);
    let regional = ID_CARD_NATIONALITIES.contains(&nationality);
    let visa = nationality != crossing.country && VISA_NATIONALITIES.contains(&nationality);
    match rng.random_range(0..100) {
        0..25 if land && regional => Format::Td1,
        25..28 if land && regional => Format::Td2,
        0..30 if visa && land => Format::MrvB,
        0..30 if visa => Format::MrvA,
        _ => Format::Td3,
    }
}

/// A new traveller of `nationality` with a valid document of `format`
/// numbered `document_number` on `date`, aged in `ages` (whole years). A
/// visa is issued by `host`, the country the crossing belongs to. Built
/// directly rather than through `DocumentSpec::random`: the generator makes
/// one per new traveller and must stay fast.
pub fn new_traveller(
    rng: &mut impl Rng,
    nationality: &str,
    format: Format,
    date: Date,
    ages: std::ops::Range<u32>,
    host: &str,
    document_number: String,
) -> Traveller {
    let sex = if rng.random_bool(0.5) {
        Sex::Male
    } else {
        Sex::Female
    };
    let (primary_identifier, secondary_identifier) = names::regional(rng, nationality, sex);
    let age = rng.random_range(ages);
    // Somewhere within the year of life `age`; leap days may shift the
    // age by one at the edges, which is harmless here.
    let birth_date =
        date.add_days(-(i64::from(age) * 365 + i64::from(age / 4) + rng.random_range(0..365)));
    // Adults' documents run up to ten years, minors' five, visas months;
    // at least two months are left, so no document of the normal
    // population expires during a scenario.
    let validity = match (format.is_visa(), age < MINOR_AGE) {
        (true, _) => 180,
        (false, true) => 5 * 365,
        (false, false) => 10 * 365,
    };
    let expiry_date = date.add_days(rng.random_range(60..validity));
    let document = DocumentSpec {
        format,
        document_code: match format {
            Format::Td1 | Format::Td2 => "ID",
            Format::Td3 => "P",
            Format::MrvA | Format::MrvB => "V",
        }
        .to_owned(),
        issuing_state: if format.is_visa() { host } else { nationality }.to_owned(),
        document_number,
        primary_identifier,
        secondary_identifier,
        nationality: nationality.to_owned(),
        birth_date,
        sex,
        expiry_date,
        optional_data: String::new(),
    };
    let mrz = mrz::write(&document).unwrap_or_else(|_| {
        // Every field above is written cleanly; a failure here means a bad
        // nationality code from a network file, which validation refuses.
        Vec::new()
    });
    Traveller {
        document,
        mrz,
        issued: expiry_date.add_days(-validity),
    }
}

/// Two letters and seven digits, as most of the region's passports.
const NUMBER_SPACE: u64 = 26 * 26 * 10_000_000;

/// A number drawn at random (for the few travellers incidents bring).
pub fn random_document_number(rng: &mut impl Rng) -> String {
    spell_number(rng.random_range(0..NUMBER_SPACE))
}

fn spell_number(value: u64) -> String {
    let mut spelt = [0u8; 9];
    let letters = value / 10_000_000;
    spelt[0] = b'A' + (letters / 26) as u8;
    spelt[1] = b'A' + (letters % 26) as u8;
    let mut digits = value % 10_000_000;
    for place in spelt[2..].iter_mut().rev() {
        *place = b'0' + (digits % 10) as u8;
        digits /= 10;
    }
    String::from_utf8_lossy(&spelt).into_owned()
}

/// The numbers of the documents a network's crossings hand their new
/// travellers: a state never issues one number twice, and two documents
/// sharing a number would share a document key, joining two people's
/// histories (false double entries and impossible travel). Crossing `i` of
/// `n` takes the values `i`, `n + i`, `2n + i`, … of the number space,
/// spread over it by a bijection, so numbers are unique across the network
/// until a crossing has issued the space's share of one crossing
/// (6.76 billion / `n`).
#[derive(Clone, Copy, Debug)]
pub struct NumberSeries {
    crossing: u64,
    crossings: u64,
    next: u64,
}

impl NumberSeries {
    pub fn new(crossing: usize, crossings: usize) -> Self {
        Self {
            crossing: crossing as u64,
            crossings: crossings.max(1) as u64,
            next: 0,
        }
    }

    pub fn issue(&mut self) -> String {
        // x ↦ (A·x + B) mod SPACE permutes the space: A shares no factor
        // with 26² · 10⁷ = 2⁹ · 5⁷ · 13².
        const A: u128 = 2_654_435_761;
        const B: u128 = 1_234_567_891;
        let value = (self.next * self.crossings + self.crossing) % NUMBER_SPACE;
        self.next += 1;
        let spread = (A * u128::from(value) + B) % u128::from(NUMBER_SPACE);
        spell_number(spread as u64)
    }
}

/// The same person's document rewritten: after changing fields (an expired
/// date, a cloned number) the zone must be written again.
pub fn rewrite(mut traveller: Traveller) -> Traveller {
    if let Ok(mrz) = mrz::write(&traveller.document) {
        traveller.mrz = mrz;
    }
    traveller
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
            for nationality in ["KGZ", "AFG", "DEU"] {
                for _ in 0..100 {
                    let number = random_document_number(&mut rng);
                    let t =
                        new_traveller(&mut rng, nationality, format, date, 0..90, "UZB", number);
                    let lines: Vec<&str> = t.mrz.iter().map(String::as_str).collect();
                    let report = mrz::validate(&lines, date);
                    assert!(report.is_valid(), "{format:?} {:?}", report.findings());
                    assert_eq!(report.nationality(), nationality);
                    assert!(t.age_on(date) < 90);
                    assert!(report.expiry_date().unwrap() > date.add_days(59));
                    if format.is_visa() {
                        assert_eq!(report.issuing_state(), "UZB");
                    }
                }
            }
        }
    }

    #[test]
    fn issued_numbers_are_unique_across_crossings_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for crossing in 0..7 {
            let mut series = NumberSeries::new(crossing, 7);
            for _ in 0..20_000 {
                let number = series.issue();
                assert_eq!(number.len(), 9, "{number}");
                assert!(
                    number[..2].bytes().all(|b| b.is_ascii_uppercase()),
                    "{number}"
                );
                assert!(number[2..].bytes().all(|b| b.is_ascii_digit()), "{number}");
                assert!(seen.insert(number.clone()), "{number} issued twice");
            }
        }
        // Spread over the space, not counting up from AA0000000.
        let prefixes: std::collections::HashSet<_> =
            seen.iter().map(|n| n[..2].to_owned()).collect();
        assert!(prefixes.len() > 600, "{}", prefixes.len());
    }
}

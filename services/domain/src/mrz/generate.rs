//! Plausible documents for the simulator, the tests and the benches.

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::time::Date;

use super::layout::Format;
use super::names;
use super::report::Sex;

/// Everything a zone states, in caller-friendly form; [`write`](super::write)
/// turns it into lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentSpec {
    pub format: Format,
    /// One or two characters: `P`, `ID`, `V`.
    pub document_code: String,
    /// A state or organisation code: `D`, `KGZ`, `UNO`.
    pub issuing_state: String,
    /// Up to 9 characters; a TD1 number may have up to 22.
    pub document_number: String,
    /// Family name(s), `A`–`Z` with spaces, hyphens or apostrophes.
    pub primary_identifier: String,
    /// Given name(s), same alphabet; may be empty.
    pub secondary_identifier: String,
    pub nationality: String,
    pub birth_date: Date,
    pub sex: Sex,
    pub expiry_date: Date,
    /// The personal number of a TD3, the optional data of other layouts
    /// (TD1: line 1 first, then line 2).
    pub optional_data: String,
}

const PRIMARY: &[&str] = &[
    "ERIKSSON",
    "MUELLER",
    "DUBOIS",
    "ROSSI",
    "GARCIA LOPEZ",
    "O'NEILL",
    "NOWAK",
    "KOWALSKA",
    "IVANOVA",
    "SMITH",
    "NGUYEN",
    "DE LA CRUZ",
    "VAN DER BERG",
    "OKAFOR",
    "HASHEMI",
    "KARLSSON-BERG",
    "POPESCU",
    "PAPADOPOULOS",
    "YILMAZ",
    "HORVATH",
    "SCHMIDT",
    "MARTIN",
    "BONDARENKO",
    "ABDULLAHI",
    "FERREIRA DA SILVA",
    "LI",
    "WOJCIECHOWSKI-NOWAKOWSKA",
];

const SECONDARY: &[&str] = &[
    "ANNA",
    "MARIA",
    "PETER",
    "JOHN",
    "JEAN-LUC",
    "MOHAMMED",
    "FATIMA",
    "WEI",
    "OLGA",
    "AHMET",
    "SOFIA",
    "LUCA",
    "MATEUSZ",
    "ZEYNEP",
    "CHIAMAKA",
    "DMYTRO",
    "INES",
    "JOAO",
    "ELENA",
    "ALEKSANDRA",
    "GIOVANNI",
    "NIKOLAOS",
    "MARIE-CLAIRE",
    "D'ARCY",
    "KRISTOFFERSON",
];

const STATES: &[&str] = &[
    "D", "FRA", "ITA", "ESP", "NLD", "POL", "UKR", "GBR", "USA", "TUR", "SRB", "MDA", "GEO", "KGZ",
    "CHE", "AUT", "ROU", "BGR", "GRC", "MAR", "NGA", "CHN", "IND", "BRA", "SWE",
];

/// Issuers and nationalities beyond states (Doc 9303 Part 3).
const ORGANISATIONS: &[&str] = &["UNO", "EUE", "UNK", "XPO", "XOM"];
const SPECIAL_NATIONALITIES: &[&str] = &[
    "XXA", "XXB", "XXC", "XXX", "UNA", "UNK", "GBN", "GBO", "GBD",
];

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl DocumentSpec {
    /// A plausible document of `format`, valid on `reference`: born within
    /// the last 95 years (so the century reads back unambiguously), expiring
    /// within ten years from `reference`. Names always fit without
    /// truncation; a TD1 number is longer than nine characters one time in
    /// ten.
    pub fn random(rng: &mut impl Rng, format: Format, reference: Date) -> Self {
        let document_code = pick(rng, document_codes(format)).to_owned();
        let issuing_state = if rng.random_bool(0.03) {
            pick(rng, ORGANISATIONS)
        } else {
            pick(rng, STATES)
        };
        let nationality = match rng.random_range(0..100) {
            0..3 => pick(rng, SPECIAL_NATIONALITIES),
            3..15 => pick(rng, STATES),
            _ if ORGANISATIONS.contains(&issuing_state) => pick(rng, STATES),
            _ => issuing_state,
        };
        let number_len = if format == Format::Td1 && rng.random_bool(0.1) {
            rng.random_range(10..=16)
        } else {
            rng.random_range(7..=9)
        };
        let (primary_identifier, secondary_identifier) = random_name(rng, format);
        let birth_date = reference.add_days(-rng.random_range(0..=95 * 365));
        let expiry_date = reference.add_days(rng.random_range(0..=3652));
        let sex = match rng.random_range(0..100) {
            0..48 => Sex::Male,
            48..96 => Sex::Female,
            _ => Sex::Unspecified,
        };
        let optional_room = optional_room(format, number_len);
        let optional_data = if rng.random_bool(0.5) || optional_room == 0 {
            String::new()
        } else {
            let len = rng.random_range(1..=optional_room);
            alphanumeric(rng, len)
        };
        Self {
            format,
            document_code,
            issuing_state: issuing_state.to_owned(),
            document_number: document_number(rng, number_len),
            primary_identifier,
            secondary_identifier,
            nationality: nationality.to_owned(),
            birth_date,
            sex,
            expiry_date,
            optional_data,
        }
    }
}

fn document_codes(format: Format) -> &'static [&'static str] {
    match format {
        Format::Td1 => &["I", "ID", "IR", "A", "AC", "C"],
        Format::Td2 => &["I", "ID", "IR", "AC"],
        Format::Td3 => &["P", "PD", "PO", "PS"],
        Format::MrvA | Format::MrvB => &["V", "VS"],
    }
}

fn pick<'t>(rng: &mut impl Rng, items: &[&'t str]) -> &'t str {
    items.choose(rng).copied().unwrap_or_default()
}

fn alphanumeric(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(*ALPHANUMERIC.choose(rng).unwrap_or(&b'0')))
        .collect()
}

/// One or two letters, then digits and letters.
fn document_number(rng: &mut impl Rng, len: usize) -> String {
    let letters = rng.random_range(1..=2);
    (0..len)
        .map(|i| {
            let set = if i < letters {
                &ALPHANUMERIC[..26]
            } else {
                ALPHANUMERIC
            };
            char::from(*set.choose(rng).unwrap_or(&b'A'))
        })
        .collect()
}

/// Names that fit `format` without truncation: given names are dropped until
/// they do.
fn random_name(rng: &mut impl Rng, format: Format) -> (String, String) {
    let width = format.name_length();
    let encoded_len = |text: &str| names::encode(text).map_or(0, |e| e.len());
    let mut primary = pick(rng, PRIMARY).to_owned();
    if rng.random_bool(0.15) {
        primary = format!("{primary} {}", pick(rng, PRIMARY));
    }
    if encoded_len(&primary) + 3 > width {
        primary = pick(rng, &PRIMARY[..5]).to_owned();
    }
    let mut given: Vec<&str> = (0..rng.random_range(0..=3))
        .map(|_| pick(rng, SECONDARY))
        .collect();
    loop {
        let secondary = given.join(" ");
        let len = encoded_len(&secondary);
        if len == 0 || encoded_len(&primary) + 2 + len <= width {
            return (primary, secondary);
        }
        given.pop();
    }
}

/// Optional data that fits beside a number of `number_len` characters.
fn optional_room(format: Format, number_len: usize) -> usize {
    let layout = format.layout();
    let mut room = usize::from(layout.optional_data.len);
    if number_len > 9 {
        room = room.saturating_sub(number_len - 9 + 2);
    }
    room + layout.optional_data_2.map_or(0, |s| usize::from(s.len))
}

//! Names that look like the region's: the MRZ generator's own list is
//! European, which would make a Central Asian exercise look odd to trainers.
//! Only the spelling matters to the system (names are pseudonymised at
//! ingest); every name here fits every MRZ layout untruncated.

use borderflow_domain::mrz::Sex;
use rand::Rng;
use rand::seq::IndexedRandom;

/// (male, female) forms of family names.
const TURKIC: &[(&str, &str)] = &[
    ("NURLANOV", "NURLANOVA"),
    ("ABDULLAEV", "ABDULLAEVA"),
    ("ZHUMABAEV", "ZHUMABAEVA"),
    ("TOKTOGULOV", "TOKTOGULOVA"),
    ("ISMAILOV", "ISMAILOVA"),
    ("KARIMOV", "KARIMOVA"),
    ("SEITKALIEV", "SEITKALIEVA"),
    ("BERDIEV", "BERDIEVA"),
    ("ORAZOV", "ORAZOVA"),
    ("MAMATOV", "MAMATOVA"),
    ("YUSUPOV", "YUSUPOVA"),
    ("AKHMETOV", "AKHMETOVA"),
];
const TURKIC_GIVEN: &[(&str, &str)] = &[
    ("NURSULTAN", "AIGERIM"),
    ("AZAMAT", "GULNARA"),
    ("BAKYT", "DINARA"),
    ("TIMUR", "MADINA"),
    ("RUSTAM", "ZARINA"),
    ("ERLAN", "AIZADA"),
    ("SHERZOD", "NILUFAR"),
    ("MAKSAT", "ALTYNAI"),
    ("DAULET", "SAULE"),
    ("BOBUR", "DILNOZA"),
];
const PERSIAN: &[(&str, &str)] = &[
    ("RAHMONOV", "RAHMONOVA"),
    ("SAIDOV", "SAIDOVA"),
    ("NAZAROV", "NAZAROVA"),
    ("KHOLOV", "KHOLOVA"),
    ("AHMADI", "AHMADI"),
    ("KARIMI", "KARIMI"),
    ("HAIDARI", "HAIDARI"),
    ("SHARIPOV", "SHARIPOVA"),
];
const PERSIAN_GIVEN: &[(&str, &str)] = &[
    ("FIRDAVS", "MANIZHA"),
    ("SOMON", "NIGORA"),
    ("DILSHOD", "SHAHNOZA"),
    ("AHMAD", "FARIDA"),
    ("MAHMUD", "ZAHRA"),
    ("JAMSHED", "PARVINA"),
];
const RUSSIAN: &[(&str, &str)] = &[
    ("IVANOV", "IVANOVA"),
    ("KUZNETSOV", "KUZNETSOVA"),
    ("SMIRNOV", "SMIRNOVA"),
    ("POPOV", "POPOVA"),
    ("VOLKOV", "VOLKOVA"),
];
const RUSSIAN_GIVEN: &[(&str, &str)] = &[
    ("ALEKSEI", "ELENA"),
    ("DMITRII", "OLGA"),
    ("SERGEI", "TATIANA"),
    ("ANDREI", "NATALIA"),
];
const GENERIC: &[(&str, &str)] = &[
    ("SMITH", "SMITH"),
    ("MUELLER", "MUELLER"),
    ("YILMAZ", "YILMAZ"),
    ("KHAN", "KHAN"),
    ("SINGH", "KAUR"),
    ("MARTIN", "MARTIN"),
    ("HASSAN", "HASSAN"),
    ("KIM", "KIM"),
];
const GENERIC_GIVEN: &[(&str, &str)] = &[
    ("JOHN", "MARY"),
    ("AHMET", "AYSE"),
    ("MOHAMMED", "FATIMA"),
    ("PETER", "ANNA"),
    ("RAHUL", "PRIYA"),
    ("JAN", "EVA"),
];
const CHINESE: &[&str] = &["WANG", "LI", "ZHANG", "LIU", "CHEN", "MA", "YANG"];
const CHINESE_GIVEN: &[&str] = &["WEI", "FANG", "JUN", "LING", "HAO", "XIN", "YAN"];

/// (family name, given names) for a traveller of `nationality`.
pub fn regional(rng: &mut impl Rng, nationality: &str, sex: Sex) -> (String, String) {
    let female = sex == Sex::Female;
    let pick = |rng: &mut _, list: &[(&'static str, &'static str)]| -> &'static str {
        let (m, f) = list.choose(rng).copied().unwrap_or(("X", "X"));
        if female { f } else { m }
    };
    let (family, given) = match nationality {
        "KAZ" | "KGZ" | "UZB" | "TKM" | "TUR" => (pick(rng, TURKIC), pick(rng, TURKIC_GIVEN)),
        "TJK" | "AFG" | "IRN" => (pick(rng, PERSIAN), pick(rng, PERSIAN_GIVEN)),
        "RUS" => (pick(rng, RUSSIAN), pick(rng, RUSSIAN_GIVEN)),
        "CHN" => (
            CHINESE.choose(rng).copied().unwrap_or("LI"),
            CHINESE_GIVEN.choose(rng).copied().unwrap_or("WEI"),
        ),
        _ => (pick(rng, GENERIC), pick(rng, GENERIC_GIVEN)),
    };
    (family.to_owned(), given.to_owned())
}

//! A protected table as the file a statistics office loads: one row per
//! period and combination of dimension values, SDMX-style columns and
//! codes, CSV or JSON.
//!
//! | column | values |
//! |---|---|
//! | `FREQ` | `H` hour, `D` day, `M` month |
//! | `TIME_PERIOD` | `2026-03-01T14:00:00Z`, `2026-03-01`, `2026-03` (UTC) |
//! | `REF_AREA` | the crossing id, the country (ISO 3166-1 alpha-3), or `_T` for every crossing the caller may see |
//! | `DIRECTION` | `ENTRY`, `EXIT` |
//! | `SEX` | `F`, `M`, `X` (non-specific) |
//! | `AGE` | `Y0T4`, `Y5T13`, …, `Y_GE60`: years, both ends included |
//! | `CITIZENSHIP` | ICAO 9303 nationality code of the document |
//! | `TRANSPORT_MODE` | `AIR`, `ROAD`, `RAIL`, `SEA`, `PEDESTRIAN` |
//! | `OUTCOME` | `ADMITTED`, `REFUSED`, `REFERRED` |
//! | `REFUSAL_REASON` | `A` … `I` (Schengen Borders Code Annex V), `_Z` when not refused |
//! | `OBS_VALUE` | inspections (persons crossing); empty when withheld |
//! | `CONF_STATUS` | `F` published, `C` withheld (under the threshold), `D` withheld (secondary) |
//! | `UNIT_MEASURE` | `PS` (persons) |
//!
//! In every dimension `_T` is the total over its values (the dimension was
//! not asked for) and `_U` unknown.

use borderflow_domain::time::{Date, format_rfc3339};
use borderflow_proto::inspection::v1::{Direction, Outcome, Sex, TravelMode};
use borderflow_proto::statistics::v1::Granularity;
use serde_json::{Map, Value, json};

use super::table::{Row, Status};
use crate::windows::cells::Field;

/// The columns, in order.
pub const COLUMNS: [&str; 13] = [
    "FREQ",
    "TIME_PERIOD",
    "REF_AREA",
    "DIRECTION",
    "SEX",
    "AGE",
    "CITIZENSHIP",
    "TRANSPORT_MODE",
    "OUTCOME",
    "REFUSAL_REASON",
    "OBS_VALUE",
    "CONF_STATUS",
    "UNIT_MEASURE",
];

const TOTAL: &str = "_T";
const UNKNOWN: &str = "_U";

/// What the rows are a table of.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    pub granularity: Granularity,
    /// `REF_AREA`.
    pub area: &'a str,
    pub by: &'a [Field],
    pub rows: &'a [Row],
}

fn frequency(g: Granularity) -> &'static str {
    match g {
        Granularity::Hour => "H",
        Granularity::Day => "D",
        Granularity::Month => "M",
        Granularity::Unspecified => UNKNOWN,
    }
}

/// `TIME_PERIOD` of a period starting at `start_ms`.
pub fn time_period(g: Granularity, start_ms: i64) -> String {
    let date = Date::from_epoch_ms(start_ms);
    match g {
        Granularity::Hour => {
            let mut text = format_rfc3339(start_ms);
            // Whole hours: drop the milliseconds.
            text.replace_range(19..23, "");
            text
        }
        Granularity::Day => date.to_string(),
        Granularity::Month | Granularity::Unspecified => {
            format!("{:04}-{:02}", date.year(), date.month())
        }
    }
}

/// The codes of a row's dimensions, in `COLUMNS` order (`DIRECTION` to
/// `REFUSAL_REASON`).
pub fn codes(row: &Row, by: &[Field]) -> [String; 7] {
    let key = row.key;
    let code = |field: Field, value: &dyn Fn() -> String| {
        if row.total || !by.contains(&field) {
            TOTAL.to_owned()
        } else {
            value()
        }
    };
    let direction = code(Field::Direction, &|| {
        match Direction::try_from(key.direction()) {
            Ok(Direction::Entry) => "ENTRY",
            Ok(Direction::Exit) => "EXIT",
            _ => UNKNOWN,
        }
        .to_owned()
    });
    let sex = code(Field::Sex, &|| {
        match Sex::try_from(key.sex()) {
            Ok(Sex::Female) => "F",
            Ok(Sex::Male) => "M",
            Ok(Sex::Nonspecific) => "X",
            _ => UNKNOWN,
        }
        .to_owned()
    });
    let age = code(Field::AgeBand, &|| match key.age_band() {
        Some(band) => match band.to {
            Some(to) => format!("Y{}T{to}", band.from),
            None => format!("Y_GE{}", band.from),
        },
        None => UNKNOWN.to_owned(),
    });
    let citizenship = code(Field::Nationality, &|| {
        let n = key.nationality();
        if n.is_empty() { UNKNOWN.to_owned() } else { n }
    });
    let mode = code(Field::Mode, &|| {
        match TravelMode::try_from(key.mode()) {
            Ok(TravelMode::Air) => "AIR",
            Ok(TravelMode::Road) => "ROAD",
            Ok(TravelMode::Rail) => "RAIL",
            Ok(TravelMode::Sea) => "SEA",
            Ok(TravelMode::Pedestrian) => "PEDESTRIAN",
            _ => UNKNOWN,
        }
        .to_owned()
    });
    let outcome = code(Field::Outcome, &|| {
        match Outcome::try_from(key.outcome()) {
            Ok(Outcome::Admitted) => "ADMITTED",
            Ok(Outcome::Refused) => "REFUSED",
            Ok(Outcome::ReferredToSecondary) => "REFERRED",
            _ => UNKNOWN,
        }
        .to_owned()
    });
    let reason = code(Field::RefusalReason, &|| match key.refusal_reason() {
        r @ 1..=9 => char::from(b'A' + r as u8 - 1).to_string(),
        _ => "_Z".to_owned(),
    });
    [direction, sex, age, citizenship, mode, outcome, reason]
}

/// SDMX's `CONF_STATUS` code of a row's status.
pub fn confidentiality(status: Status) -> &'static str {
    match status {
        Status::Published => "F",
        Status::Primary => "C",
        Status::Secondary => "D",
    }
}

/// Every row's values, in `COLUMNS` order.
fn records<'a>(table: &'a Table<'_>) -> impl Iterator<Item = [String; 13]> + 'a {
    table.rows.iter().map(|row| {
        let [d, s, a, c, m, o, r] = codes(row, table.by);
        [
            frequency(table.granularity).to_owned(),
            time_period(table.granularity, row.period.0),
            table.area.to_owned(),
            d,
            s,
            a,
            c,
            m,
            o,
            r,
            row.value().map_or_else(String::new, |v| v.to_string()),
            confidentiality(row.status).to_owned(),
            "PS".to_owned(),
        ]
    })
}

/// The table as CSV with a header line.
pub fn csv(table: &Table<'_>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(COLUMNS);
    for record in records(table) {
        let _ = writer.write_record(&record);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The table as JSON: `{"columns": [...], "observations": [{...}, ...]}`,
/// `OBS_VALUE` a number or null.
pub fn json(table: &Table<'_>) -> String {
    let observations: Vec<Value> = records(table)
        .zip(table.rows)
        .map(|(record, row)| {
            let mut object = Map::new();
            for (column, value) in COLUMNS.iter().zip(record) {
                object.insert((*column).to_owned(), Value::String(value));
            }
            object.insert(
                "OBS_VALUE".into(),
                row.value().map_or(Value::Null, Value::from),
            );
            Value::Object(object)
        })
        .collect();
    json!({ "columns": COLUMNS, "observations": observations }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::{protect, table};
    use crate::store::statistics::PeriodCells;
    use crate::windows::cells::{AgeBands, CellKey, CellValues, Cells};

    /// 2026-03-01T00:00:00Z
    const MARCH: i64 = 1_772_323_200_000;

    fn protected() -> Vec<Row> {
        let bands = AgeBands::default();
        let mut cells = Cells::default();
        for (sex, age, n) in [
            (2, 30, 12),
            (1, 30, 20),
            (1, 70, 2),
            (2, 70, 9),
            (1, 10, 30),
            (2, 10, 31),
        ] {
            cells.add(
                CellKey::new(&CellValues {
                    sex,
                    age_band: bands.band(Some(age)),
                    nationality: "KGZ",
                    ..CellValues::default()
                }),
                n,
            );
        }
        let by = [Field::Sex, Field::AgeBand];
        let mut rows = table(
            &[PeriodCells {
                period: (MARCH, MARCH + 1),
                cells,
            }],
            &by,
        );
        protect(&mut rows, &by, 5);
        rows
    }

    #[test]
    fn periods_are_written_as_sdmx_reads_them() {
        assert_eq!(
            time_period(Granularity::Hour, MARCH + 14 * 3_600_000),
            "2026-03-01T14:00:00Z"
        );
        assert_eq!(time_period(Granularity::Day, MARCH), "2026-03-01");
        assert_eq!(time_period(Granularity::Month, MARCH), "2026-03");
    }

    #[test]
    fn csv_has_one_row_per_cell_and_withheld_cells_have_no_value() {
        let rows = protected();
        let by = [Field::Sex, Field::AgeBand];
        let text = csv(&Table {
            granularity: Granularity::Month,
            area: "KGZ",
            by: &by,
            rows: &rows,
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert_eq!(lines[1], "M,2026-03,KGZ,_T,_T,_T,_T,_T,_T,_T,104,F,PS");
        assert!(lines.contains(&"M,2026-03,KGZ,_T,M,Y_GE60,_T,_T,_T,_T,,C,PS"));
        assert!(
            lines
                .iter()
                .any(|l| l.contains(",F,Y25T59,") && l.ends_with(",,D,PS"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains(",F,Y5T13,") && l.ends_with(",31,F,PS"))
        );
        assert_eq!(lines.len(), 1 + 1 + 6);
    }

    #[test]
    fn json_carries_the_same_observations() {
        let rows = protected();
        let by = [Field::Sex, Field::AgeBand];
        let text = json(&Table {
            granularity: Granularity::Day,
            area: "_T",
            by: &by,
            rows: &rows,
        });
        let value: Value = serde_json::from_str(&text).unwrap();
        let observations = value["observations"].as_array().unwrap();
        assert_eq!(observations.len(), 7);
        assert_eq!(observations[0]["OBS_VALUE"], json!(104));
        assert_eq!(observations[0]["TIME_PERIOD"], json!("2026-03-01"));
        let withheld = observations
            .iter()
            .filter(|o| o["OBS_VALUE"].is_null())
            .count();
        assert_eq!(
            withheld,
            rows.iter().filter(|r| r.value().is_none()).count()
        );
        assert!(withheld >= 2);
    }
}

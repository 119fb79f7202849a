//! Hostile inspection events: a valid event with one to four of its fields
//! replaced by values no booth should send, and which fields a refusal may
//! then name.

use borderflow_domain::mrz::{self, DocumentSpec, Format};
use borderflow_domain::time::Date;
use borderflow_proto::inspection::v1::{
    BoothChecks, CalendarDate, Direction, DocumentFields, DocumentRead, InspectionEvent,
    MachineReadableZone, Outcome, TravelMode, Traveller, document_read,
};
use borderflow_proto::{Timestamp, ms_to_timestamp};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A complete, valid event of `crossing`'s first booth.
pub(crate) fn valid_event(crossing: &str, seed: u64) -> InspectionEvent {
    let day = Date::new(2026, 5, 4).unwrap();
    let t = day.start_epoch_ms() + 9 * 3_600_000 + seed as i64 % 3_600 * 1_000;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let spec = DocumentSpec::random(&mut rng, Format::Td3, day);
    InspectionEvent {
        event_id: uuid::Builder::from_random_bytes((u128::from(seed) + 1).to_be_bytes())
            .into_uuid()
            .to_string(),
        crossing_id: crossing.into(),
        lane_id: "L01".into(),
        checkpoint_id: format!("{crossing}-L01"),
        officer_id: format!("{crossing}-O001"),
        direction: Direction::Entry as i32,
        mode: TravelMode::Road as i32,
        queued_at: Some(ms_to_timestamp(t - 300_000)),
        started_at: Some(ms_to_timestamp(t - 60_000)),
        completed_at: Some(ms_to_timestamp(t)),
        document: Some(DocumentRead {
            source: Some(document_read::Source::Mrz(MachineReadableZone {
                lines: mrz::write(&spec).unwrap(),
            })),
        }),
        traveller: Some(Traveller::default()),
        checks: Some(BoothChecks {
            biometric_score: Some(0.9),
            ..BoothChecks::default()
        }),
        outcome: Outcome::Admitted as i32,
        refusal_reason: 0,
        protection: None,
    }
}

/// Text no field should hold, and text that nearly passes: arbitrary
/// Unicode, control characters and NUL, identifiers around the length
/// limit, bidirectional overrides, and very long runs.
pub(crate) fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f]{1,16}",
        "[A-Za-z0-9._:-]{0,70}",
        "[A-Z0-9<]{0,12}\\x00[A-Z0-9<]{0,12}",
        Just("\u{202e}GEN-00001".to_owned()),
        Just("GEN-00001\u{0}".to_owned()),
        Just("ＧＥＮ－００００１".to_owned()),
        (1usize..20_000, any::<char>()).prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum TextField {
    EventId,
    Crossing,
    Lane,
    Checkpoint,
    Officer,
    GroupId,
    AccompaniedBy,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum EnumField {
    Direction,
    Mode,
    Outcome,
    RefusalReason,
    GuardianRelation,
    BiometricModality,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum TimeField {
    Queued,
    Started,
    Completed,
}

/// One hostile replacement.
#[derive(Clone, Debug)]
pub(crate) enum Hostile {
    Text(TextField, String),
    Enum(EnumField, i32),
    Time(TimeField, Option<Timestamp>),
    Mrz(Vec<String>),
    Keyed(Box<DocumentFields>),
    NoDocument,
    Age(u32),
    Score(f32),
}

fn extreme_i32() -> impl Strategy<Value = i32> {
    prop_oneof![
        Just(i32::MIN),
        Just(i32::MAX),
        Just(-1),
        Just(0),
        any::<i32>(),
        1900..2100i32,
    ]
}

fn calendar_date() -> impl Strategy<Value = Option<CalendarDate>> {
    prop::option::of(
        (extreme_i32(), -1..14i32, -1..33i32).prop_map(|(year, month, day)| CalendarDate {
            year,
            month,
            day,
        }),
    )
}

fn timestamp() -> impl Strategy<Value = Option<Timestamp>> {
    let seconds = prop_oneof![
        any::<i64>(),
        Just(i64::MIN),
        Just(i64::MAX),
        Just(-1i64),
        // Both edges of the accepted range, 2000-01-01 and 2100-01-01.
        946_684_790i64..946_684_810,
        4_102_444_790i64..4_102_444_810,
        1_777_800_000i64..1_777_900_000,
    ];
    let nanos = prop_oneof![
        any::<i32>(),
        0..1_000_000_000i32,
        Just(-1),
        Just(1_000_000_000)
    ];
    prop::option::of((seconds, nanos).prop_map(|(seconds, nanos)| Timestamp { seconds, nanos }))
}

/// Zones of absurd shape: too many lines, lines of any length, repeated
/// thousands of times, and the right shape with the wrong content.
fn absurd_zone() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        prop::collection::vec(hostile_text(), 0..6),
        prop::collection::vec("[A-Z0-9<]{0,200}", 0..5),
        prop::collection::vec("[A-Z0-9<]{44}", 2..=3),
        prop::collection::vec("[A-Z0-9<a-z\\x00-\\x1f]{30}", 3),
        (1usize..5_000).prop_map(|n| vec!["P<UTO".to_owned(); n]),
    ]
}

/// Hostile text, or half the time a value that passes (so that the
/// other fields of the same document get looked at).
fn sometimes(plausible: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![hostile_text(), plausible]
}

fn keyed() -> impl Strategy<Value = DocumentFields> {
    (
        [
            sometimes("P|I|V|ID"),
            sometimes("[A-Z]{3}"),
            sometimes("[A-Z0-9]{9}"),
        ],
        [
            sometimes("[A-Z ]{0,30}"),
            sometimes("[A-Z ]{0,30}"),
            sometimes("[A-Z]{3}"),
        ],
        calendar_date(),
        extreme_i32(),
        calendar_date(),
    )
        .prop_map(
            |([code, state, number], [primary, secondary, nationality], birth, sex, expiry)| {
                DocumentFields {
                    document_code: code,
                    issuing_state: state,
                    document_number: number,
                    primary_identifier: primary,
                    secondary_identifier: secondary,
                    nationality,
                    birth_date: birth,
                    sex,
                    expiry_date: expiry,
                }
            },
        )
}

/// Keyed-in fields that pass the structural checks, with `birth` and
/// `expiry` as the dates.
fn plausible_fields(birth: CalendarDate, expiry: CalendarDate) -> Hostile {
    Hostile::Keyed(Box::new(DocumentFields {
        document_code: "P".into(),
        issuing_state: "UTO".into(),
        document_number: "L898902C3".into(),
        primary_identifier: "ERIKSSON".into(),
        secondary_identifier: "ANNA MARIA".into(),
        nationality: "UTO".into(),
        birth_date: Some(birth),
        sex: 2,
        expiry_date: Some(expiry),
    }))
}

/// Cases too rare to leave to chance: the extremes of every number that
/// reaches arithmetic, and the largest shapes.
pub(crate) fn pinned() -> Vec<Vec<Hostile>> {
    let date = |year, month, day| CalendarDate { year, month, day };
    let at = |seconds, nanos| Some(Timestamp { seconds, nanos });
    vec![
        vec![plausible_fields(date(i32::MIN, 1, 1), date(2030, 1, 1))],
        vec![plausible_fields(date(i32::MAX, 12, 31), date(2030, 1, 1))],
        vec![plausible_fields(date(1980, 2, 29), date(i32::MIN, 1, 1))],
        vec![plausible_fields(date(1980, 1, 1), date(i32::MAX, 12, 31))],
        vec![plausible_fields(date(0, 0, 0), date(2030, 2, 30))],
        vec![Hostile::Time(
            TimeField::Completed,
            at(i64::MAX, 999_999_999),
        )],
        vec![Hostile::Time(TimeField::Queued, at(i64::MIN, 0))],
        vec![Hostile::Time(TimeField::Started, at(0, -1))],
        vec![Hostile::Mrz(vec!["P<UTO".into(); 5_000])],
        vec![Hostile::Mrz(vec!["\0".repeat(44), "\0".repeat(44)])],
        vec![Hostile::Text(TextField::EventId, "\0".repeat(36))],
        vec![Hostile::Text(
            TextField::Crossing,
            "\u{202e}GEN-00001".into(),
        )],
        vec![Hostile::Age(u32::MAX)],
        vec![Hostile::Score(f32::NAN)],
        vec![Hostile::Enum(EnumField::RefusalReason, i32::MIN)],
    ]
}

pub(crate) fn hostile() -> impl Strategy<Value = Hostile> {
    use {EnumField as E, TextField as T, TimeField as Tm};
    let text = prop::sample::select(vec![
        T::EventId,
        T::Crossing,
        T::Lane,
        T::Checkpoint,
        T::Officer,
        T::GroupId,
        T::AccompaniedBy,
    ]);
    let enums = prop::sample::select(vec![
        E::Direction,
        E::Mode,
        E::Outcome,
        E::RefusalReason,
        E::GuardianRelation,
        E::BiometricModality,
    ]);
    let times = prop::sample::select(vec![Tm::Queued, Tm::Started, Tm::Completed]);
    prop_oneof![
        3 => (text, hostile_text()).prop_map(|(f, v)| Hostile::Text(f, v)),
        2 => (enums, extreme_i32()).prop_map(|(f, v)| Hostile::Enum(f, v)),
        2 => (times, timestamp()).prop_map(|(f, v)| Hostile::Time(f, v)),
        2 => absurd_zone().prop_map(Hostile::Mrz),
        1 => keyed().prop_map(|f| Hostile::Keyed(Box::new(f))),
        1 => Just(Hostile::NoDocument),
        1 => any::<u32>().prop_map(Hostile::Age),
        1 => prop_oneof![any::<f32>(), Just(f32::NAN), Just(f32::INFINITY), Just(-0.0f32)]
            .prop_map(Hostile::Score),
    ]
}

impl Hostile {
    pub(crate) fn apply(&self, event: &mut InspectionEvent) {
        let document = |e: &mut InspectionEvent, source| {
            e.document = Some(DocumentRead {
                source: Some(source),
            });
        };
        match self.clone() {
            Self::Text(field, value) => {
                *match field {
                    TextField::EventId => &mut event.event_id,
                    TextField::Crossing => &mut event.crossing_id,
                    TextField::Lane => &mut event.lane_id,
                    TextField::Checkpoint => &mut event.checkpoint_id,
                    TextField::Officer => &mut event.officer_id,
                    TextField::GroupId => &mut traveller(event).group_id,
                    TextField::AccompaniedBy => &mut traveller(event).accompanied_by,
                } = value
            }
            Self::Enum(field, value) => {
                *match field {
                    EnumField::Direction => &mut event.direction,
                    EnumField::Mode => &mut event.mode,
                    EnumField::Outcome => &mut event.outcome,
                    EnumField::RefusalReason => &mut event.refusal_reason,
                    EnumField::GuardianRelation => &mut traveller(event).guardian_relation,
                    EnumField::BiometricModality => &mut checks(event).biometric_modality,
                } = value
            }
            Self::Time(field, value) => {
                *match field {
                    TimeField::Queued => &mut event.queued_at,
                    TimeField::Started => &mut event.started_at,
                    TimeField::Completed => &mut event.completed_at,
                } = value
            }
            Self::Mrz(lines) => document(
                event,
                document_read::Source::Mrz(MachineReadableZone { lines }),
            ),
            Self::Keyed(fields) => document(event, document_read::Source::Fields(*fields)),
            Self::NoDocument => event.document = None,
            Self::Age(age) => traveller(event).age_years = Some(age),
            Self::Score(score) => checks(event).biometric_score = Some(score),
        }
    }

    /// The field paths a refusal caused by this replacement may name.
    /// Times are judged together, and an outcome with its refusal reason.
    pub(crate) fn implicates(&self, field: &str) -> bool {
        let prefixes: &[&str] = match self {
            Self::Text(f, _) => match f {
                TextField::EventId => &["event.event_id"],
                TextField::Crossing => &["event.crossing_id"],
                TextField::Lane => &["event.lane_id"],
                TextField::Checkpoint => &["event.checkpoint_id"],
                TextField::Officer => &["event.officer_id"],
                TextField::GroupId => &["event.traveller.group_id"],
                TextField::AccompaniedBy => &["event.traveller.accompanied_by"],
            },
            Self::Enum(f, _) => match f {
                EnumField::Direction => &["event.direction"],
                EnumField::Mode => &["event.mode"],
                EnumField::Outcome => &["event.outcome", "event.refusal_reason"],
                EnumField::RefusalReason => &["event.refusal_reason"],
                EnumField::GuardianRelation => &["event.traveller.guardian_relation"],
                EnumField::BiometricModality => &["event.checks.biometric_modality"],
            },
            Self::Time(..) => &["event.queued_at", "event.started_at", "event.completed_at"],
            Self::Mrz(_) | Self::Keyed(_) | Self::NoDocument => &["event.document"],
            Self::Age(_) => &["event.traveller.age_years"],
            Self::Score(_) => &["event.checks.biometric_score"],
        };
        prefixes.iter().any(|p| field.starts_with(p))
    }

    /// Whether this replacement can make the event speak for another booth.
    pub(crate) fn touches_identity(&self) -> bool {
        matches!(
            self,
            Self::Text(
                TextField::Crossing | TextField::Lane | TextField::Checkpoint,
                _
            )
        )
    }
}

fn traveller(event: &mut InspectionEvent) -> &mut Traveller {
    event.traveller.get_or_insert_with(Default::default)
}

fn checks(event: &mut InspectionEvent) -> &mut BoothChecks {
    event.checks.get_or_insert_with(Default::default)
}

//! `ReferenceService`: writes reference lists and the crossing registry to
//! the reference topic, which every instance follows. Each change is
//! audited with what it replaces before it is written; a call answers once
//! its records are durable and this instance's store has applied them.

use std::time::Duration;

use borderflow_domain::geo::Coordinates;
use borderflow_domain::{country, ids};
use borderflow_i18n::Lang;
use borderflow_proto::Message;
use borderflow_proto::analytics::v1::{Crossing, SpecialDayKind, TwinPost, Weekday};
use borderflow_proto::audit::v1::AuditChange;
use borderflow_proto::reference::v1::reference_service_server::ReferenceService;
use borderflow_proto::reference::v1::{
    DeleteEntriesRequest, DeleteEntriesResponse, ListEntriesRequest, ListEntriesResponse,
    ListEntry, ReferenceList, ReferenceRecord, UpsertCrossingsRequest, UpsertCrossingsResponse,
    UpsertEntriesRequest, UpsertEntriesResponse, reference_record,
};
use rdkafka::producer::FutureProducer;
use tonic::{Request, Response, Status};

use crate::access::Caller;
use crate::error::Error;
use crate::store::reference::{crossing_key, entry_key};
use crate::stream::materialise::{Materialiser, Stores};
use crate::stream::output::write_durable;

/// Most entries or crossings in one call.
const MAX_PER_CALL: usize = 10_000;

#[derive(Clone)]
pub struct ReferenceApi {
    producer: FutureProducer,
    topic: String,
    stores: Stores,
    materialiser: Materialiser,
    /// Longest a change waits to be durable and applied.
    timeout: Duration,
}

impl ReferenceApi {
    pub fn new(
        producer: FutureProducer,
        topic: String,
        stores: Stores,
        materialiser: Materialiser,
        timeout: Duration,
    ) -> Self {
        Self {
            producer,
            topic,
            stores,
            materialiser,
            timeout,
        }
    }

    /// Writes `records` and answers once each is durable and applied by
    /// this instance's store, within the configured write timeout.
    async fn write(&self, records: Vec<(String, ReferenceRecord)>) -> Result<u32, Error> {
        let count = records.len() as u32;
        let encoded: Vec<(String, Vec<u8>)> = records
            .into_iter()
            .map(|(key, record)| (key, record.encode_to_vec()))
            .collect();
        let written = write_durable(&self.producer, &self.topic, &encoded, self.timeout)
            .await
            .map_err(|err| Error::unavailable(format!("writing reference data: {err}")))?;
        self.materialiser
            .wait_applied(&written, self.timeout)
            .await
            .map_err(|e| Error::unavailable(e.to_string()))?;
        Ok(count)
    }

    /// The audit record's view of an entry change, with the entry it replaces.
    fn entry_change(&self, entry: &ListEntry, action: &str) -> AuditChange {
        let list = ReferenceList::try_from(entry.list).unwrap_or_default();
        let previous = self
            .stores
            .reference
            .entry(list, &entry.key)
            .map(|e| format!("source={} reference={}", e.source, e.reference))
            .unwrap_or_default();
        AuditChange {
            list: list_name(list).into(),
            key: hex::encode(&entry.key),
            action: action.into(),
            previous,
        }
    }

    async fn change_entries(
        &self,
        request: Request<Vec<ListEntry>>,
        deleted: bool,
    ) -> Result<u32, Status> {
        let caller = Caller::of(&request)?;
        let entries = request.into_inner();
        check_entries(&entries)?;
        let action = if deleted { "delete" } else { "upsert" };
        let changes = entries
            .iter()
            .map(|e| self.entry_change(e, action))
            .collect();
        caller.note(|n| n.count = entries.len() as u64);
        caller.pending_change(changes).await?;
        let records = entries
            .into_iter()
            .map(|entry| {
                let key = entry_key(
                    ReferenceList::try_from(entry.list).unwrap_or_default(),
                    &entry.key,
                );
                let body = if deleted {
                    reference_record::Body::DeletedEntry(entry)
                } else {
                    reference_record::Body::Entry(entry)
                };
                (key, ReferenceRecord { body: Some(body) })
            })
            .collect();
        Ok(self.write(records).await?)
    }
}

fn list_name(list: ReferenceList) -> &'static str {
    match list {
        ReferenceList::Watchlist => "watchlist",
        ReferenceList::LostStolen => "lost-stolen",
        ReferenceList::Unspecified => "unspecified",
    }
}

fn check_entries(entries: &[ListEntry]) -> Result<(), Error> {
    if entries.len() > MAX_PER_CALL {
        return Err(Error::invalid(
            "entries",
            format!("at most {MAX_PER_CALL} per call"),
        ));
    }
    for (i, entry) in entries.iter().enumerate() {
        if ReferenceList::try_from(entry.list).unwrap_or_default() == ReferenceList::Unspecified {
            return Err(Error::required(format!("entries[{i}].list")));
        }
        if entry.key.len() != 32 {
            return Err(Error::invalid(
                format!("entries[{i}].key"),
                format!(
                    "must be a 32-byte pseudonymous key, got {} bytes",
                    entry.key.len()
                ),
            ));
        }
        if entry.source.len() > 128 || entry.reference.len() > 128 {
            return Err(Error::invalid(
                format!("entries[{i}]"),
                "source and reference are limited to 128 bytes",
            ));
        }
    }
    Ok(())
}

/// Special days one registry entry may declare: a few years of holidays.
const MAX_SPECIAL_DAYS: usize = 400;

fn check_crossing(i: usize, crossing: &Crossing) -> Result<(), Error> {
    let field = |name: &str| format!("crossings[{i}].{name}");
    if let Err(problem) = ids::validate(&crossing.id) {
        return Err(Error::invalid(field("id"), problem.to_string()));
    }
    // Empty: not known, or no neighbour (an airport).
    for (name, code) in [
        ("country", &crossing.country),
        ("neighbour_country", &crossing.neighbour_country),
    ] {
        if !code.is_empty()
            && let Err(problem) = country::validate(code)
        {
            return Err(Error::invalid(field(name), problem.to_string()));
        }
    }
    if !Coordinates::new(crossing.latitude, crossing.longitude).is_valid() {
        return Err(Error::invalid(
            field("latitude"),
            "latitude/longitude out of range",
        ));
    }
    if crossing.name.len() > 200 {
        return Err(Error::invalid(field("name"), "at most 200 bytes"));
    }
    for (code, name) in &crossing.names {
        let at = || format!("{}[{code:?}]", field("names"));
        match Lang::parse(code) {
            Some(lang) if lang != Lang::En && lang.code() == code => {}
            _ => {
                return Err(Error::invalid(
                    at(),
                    "not a language code borderflow speaks besides English (ru)",
                ));
            }
        }
        if name.is_empty() || name.len() > 200 {
            return Err(Error::invalid(at(), "from 1 to 200 bytes"));
        }
    }
    if let Some(j) = crossing
        .market_days
        .iter()
        .position(|d| Weekday::try_from(*d).map_or(true, |day| day == Weekday::Unspecified))
    {
        return Err(Error::invalid(
            format!("{}[{j}]", field("market_days")),
            "not a weekday",
        ));
    }
    if !(0.0..=20.0).contains(&crossing.market_factor) {
        return Err(Error::invalid(
            field("market_factor"),
            "must be 0 (unknown) to 20",
        ));
    }
    if crossing.special_days.len() > MAX_SPECIAL_DAYS {
        return Err(Error::invalid(
            field("special_days"),
            format!("at most {MAX_SPECIAL_DAYS} days"),
        ));
    }
    for (j, day) in crossing.special_days.iter().enumerate() {
        let name = |sub: &str| format!("{}[{j}].{sub}", field("special_days"));
        if borderflow_domain::time::Date::parse(&day.date).is_none() {
            return Err(Error::invalid(name("date"), "not a date YYYY-MM-DD"));
        }
        if SpecialDayKind::try_from(day.kind).map_or(true, |k| k == SpecialDayKind::Unspecified) {
            return Err(Error::invalid(name("kind"), "not a kind of special day"));
        }
        if day.name.len() > 200 {
            return Err(Error::invalid(name("name"), "at most 200 bytes"));
        }
        if !(day.traffic_factor == 0.0 || (0.05..=20.0).contains(&day.traffic_factor)) {
            return Err(Error::invalid(
                name("traffic_factor"),
                "must be 0 (unknown) or 0.05 to 20",
            ));
        }
    }
    if crossing.utc_offset_minutes.abs() > 14 * 60 {
        return Err(Error::invalid(
            field("utc_offset_minutes"),
            "must lie within 14 hours of UTC",
        ));
    }
    if let Some(twin) = &crossing.twin {
        check_twin(&field, crossing, twin)?;
    }
    Ok(())
}

/// A twin post is another country's crossing, reached in at most a day.
fn check_twin(
    field: &impl Fn(&str) -> String,
    crossing: &Crossing,
    twin: &TwinPost,
) -> Result<(), Error> {
    if let Err(problem) = ids::validate(&twin.crossing_id) {
        return Err(Error::invalid(
            field("twin.crossing_id"),
            problem.to_string(),
        ));
    }
    if twin.crossing_id == crossing.id {
        return Err(Error::invalid(
            field("twin.crossing_id"),
            "a crossing cannot be its own twin",
        ));
    }
    if let Err(problem) = country::validate(&twin.country) {
        return Err(Error::invalid(field("twin.country"), problem.to_string()));
    }
    if twin.country == crossing.country {
        return Err(Error::invalid(
            field("twin.country"),
            "the twin post is operated by the neighbouring country, not the same one",
        ));
    }
    if twin.transit_seconds == 0 || twin.transit_seconds > MAX_TRANSIT_SECONDS {
        return Err(Error::invalid(
            field("twin.transit_seconds"),
            format!("must be from 1 to {MAX_TRANSIT_SECONDS} seconds"),
        ));
    }
    Ok(())
}

/// The longest typical transit between twin posts: a day.
const MAX_TRANSIT_SECONDS: u32 = 86_400;

#[tonic::async_trait]
impl ReferenceService for ReferenceApi {
    async fn upsert_entries(
        &self,
        request: Request<UpsertEntriesRequest>,
    ) -> Result<Response<UpsertEntriesResponse>, Status> {
        let request = request.map(|r| r.entries);
        let upserted = self.change_entries(request, false).await?;
        Ok(Response::new(UpsertEntriesResponse { upserted }))
    }

    async fn delete_entries(
        &self,
        request: Request<DeleteEntriesRequest>,
    ) -> Result<Response<DeleteEntriesResponse>, Status> {
        let request = request.map(|r| r.entries);
        let deleted = self.change_entries(request, true).await?;
        Ok(Response::new(DeleteEntriesResponse { deleted }))
    }

    async fn list_entries(
        &self,
        request: Request<ListEntriesRequest>,
    ) -> Result<Response<ListEntriesResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let list = ReferenceList::try_from(request.list).unwrap_or_default();
        caller.note(|n| n.resource = format!("list={}", list_name(list)));
        if list == ReferenceList::Unspecified {
            return Err(Error::required("list").into());
        }
        let start: usize = if request.page_token.is_empty() {
            0
        } else {
            request
                .page_token
                .parse()
                .map_err(|_| Error::invalid("page_token", "malformed"))?
        };
        let page = match request.page_size {
            0 => 100,
            n => (n as usize).min(1_000),
        };
        let all = self.stores.reference.entries(list);
        let entries: Vec<ListEntry> = all
            .iter()
            .skip(start)
            .take(page)
            .map(|e| (**e).clone())
            .collect();
        caller.note(|n| n.count = entries.len() as u64);
        let next = start + entries.len();
        Ok(Response::new(ListEntriesResponse {
            entries,
            next_page_token: if next < all.len() {
                next.to_string()
            } else {
                String::new()
            },
            total: all.len() as u64,
        }))
    }

    async fn upsert_crossings(
        &self,
        request: Request<UpsertCrossingsRequest>,
    ) -> Result<Response<UpsertCrossingsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let crossings = request.into_inner().crossings;
        if crossings.len() > MAX_PER_CALL {
            return Err(
                Error::invalid("crossings", format!("at most {MAX_PER_CALL} per call")).into(),
            );
        }
        let scope = caller.scope();
        let mut changes = Vec::with_capacity(crossings.len());
        for (i, crossing) in crossings.iter().enumerate() {
            check_crossing(i, crossing)?;
            let previous = self.stores.reference.crossing(&crossing.id);
            // A crossing seen only in traffic belongs to no country yet:
            // only an all-countries principal may say whose it is, or a
            // scoped one could claim another country's crossing and its data.
            let (open, closed) = self.stores.windows.current(&crossing.id);
            if previous.is_none() && (open.is_some() || closed.is_some()) && !scope.is_all() {
                caller.note(|n| n.reason = "scope".into());
                return Err(Error::denied(format!(
                    "crossings[{i}].id: {} is known from traffic only; registering it needs every country in scope",
                    crossing.id
                ))
                .into());
            }
            // A registry admin registers and changes only their own
            // countries' crossings, and cannot move one out of another's.
            let countries = std::iter::once(crossing.country.as_str())
                .chain(previous.as_deref().map(|p| p.country.as_str()));
            for country in countries {
                if !scope.covers_country(country) {
                    caller.note(|n| n.reason = "scope".into());
                    return Err(Error::denied(format!(
                        "crossings[{i}].country: {country:?} is outside your country scope"
                    ))
                    .into());
                }
            }
            changes.push(AuditChange {
                list: "crossing".into(),
                key: crossing.id.clone(),
                action: "upsert".into(),
                previous: previous
                    .map(|p| format!("name={} country={}", p.name, p.country))
                    .unwrap_or_default(),
            });
        }
        caller.note(|n| n.count = crossings.len() as u64);
        caller.pending_change(changes).await?;
        let records = crossings
            .into_iter()
            .map(|crossing| {
                (
                    crossing_key(&crossing.id),
                    ReferenceRecord {
                        body: Some(reference_record::Body::Crossing(crossing)),
                    },
                )
            })
            .collect();
        let upserted = self.write(records).await?;
        Ok(Response::new(UpsertCrossingsResponse { upserted }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use borderflow_proto::analytics::v1::SpecialDay;

    fn dostuk() -> Crossing {
        Crossing {
            id: "KG-DOSTUK".into(),
            latitude: 40.66,
            longitude: 72.78,
            market_days: vec![Weekday::Tuesday as i32, Weekday::Saturday as i32],
            market_factor: 2.0,
            utc_offset_minutes: 360,
            ..Crossing::default()
        }
    }

    /// The field the refusal names, as a client reads it.
    fn refused(crossing: Crossing) -> String {
        let status = Status::from(check_crossing(3, &crossing).unwrap_err());
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        let field = crate::error::field_of(&status).unwrap().to_owned();
        assert!(status.message().starts_with(&format!("{field}: ")));
        field
    }

    #[test]
    fn a_twin_post_is_another_country_s_within_a_day() {
        let twin = |id: &str, country: &str, transit_seconds| Crossing {
            id: "KZ-KORDAY".into(),
            country: "KAZ".into(),
            twin: Some(TwinPost {
                crossing_id: id.into(),
                country: country.into(),
                transit_seconds,
            }),
            ..Crossing::default()
        };
        assert!(check_crossing(0, &twin("KG-AKZHOL", "KGZ", 600)).is_ok());
        for (crossing, field) in [
            (
                twin("KZ-KORDAY", "KGZ", 600),
                "crossings[3].twin.crossing_id",
            ),
            (
                twin("KG AKZHOL", "KGZ", 600),
                "crossings[3].twin.crossing_id",
            ),
            (twin("KG-AKZHOL", "KAZ", 600), "crossings[3].twin.country"),
            (twin("KG-AKZHOL", "", 600), "crossings[3].twin.country"),
            (
                twin("KG-AKZHOL", "KGZ", 0),
                "crossings[3].twin.transit_seconds",
            ),
            (
                twin("KG-AKZHOL", "KGZ", 90_000),
                "crossings[3].twin.transit_seconds",
            ),
        ] {
            let message = check_crossing(3, &crossing).unwrap_err().to_string();
            assert!(message.contains(field), "{message}");
        }
    }

    #[test]
    fn names_in_other_languages_are_checked_by_language() {
        let mut named = dostuk();
        named.names.insert("ru".into(), "Достук".into());
        assert!(check_crossing(0, &named).is_ok());
        for (code, name) in [
            ("de", "Dostuk"),
            ("en", "Dostuk"),
            ("RU", "Достук"),
            ("ru", ""),
        ] {
            let mut bad = dostuk();
            bad.names.insert(code.into(), name.into());
            assert_eq!(refused(bad), format!("crossings[3].names[{code:?}]"));
        }
    }

    #[test]
    fn a_declared_calendar_is_checked_field_by_field() {
        assert!(check_crossing(0, &dostuk()).is_ok());
        let mut bad_day = dostuk();
        bad_day.market_days.push(9);
        assert!(refused(bad_day).starts_with("crossings[3].market_days[2]"));
        let factor = Crossing {
            market_factor: f64::NAN,
            ..dostuk()
        };
        assert!(refused(factor).starts_with("crossings[3].market_factor"));
        let offset = Crossing {
            utc_offset_minutes: 15 * 60,
            ..dostuk()
        };
        assert!(refused(offset).starts_with("crossings[3].utc_offset_minutes"));
        let holiday = SpecialDay {
            date: "2026-03-21".into(),
            kind: SpecialDayKind::PublicHoliday as i32,
            name: "Nowruz".into(),
            traffic_factor: 1.4,
        };
        let with = |day: SpecialDay| Crossing {
            special_days: vec![holiday.clone(), day],
            ..dostuk()
        };
        assert!(check_crossing(0, &with(holiday.clone())).is_ok());
        let date = with(SpecialDay {
            date: "2026-02-30".into(),
            ..holiday.clone()
        });
        assert_eq!(refused(date), "crossings[3].special_days[1].date");
        let kind = with(SpecialDay {
            kind: 0,
            ..holiday.clone()
        });
        assert_eq!(refused(kind), "crossings[3].special_days[1].kind");
        let factor = with(SpecialDay {
            traffic_factor: 0.01,
            ..holiday.clone()
        });
        assert_eq!(
            refused(factor),
            "crossings[3].special_days[1].traffic_factor"
        );
        let lowercase = Crossing {
            country: "kgz".into(),
            ..dostuk()
        };
        assert!(
            refused(lowercase).starts_with("crossings[3].country"),
            "a code no scope would ever cover"
        );
        let neighbour = Crossing {
            neighbour_country: "Uzb".into(),
            ..dostuk()
        };
        assert!(refused(neighbour).starts_with("crossings[3].neighbour_country"));
        let airport = Crossing {
            country: "KGZ".into(),
            neighbour_country: String::new(),
            ..dostuk()
        };
        assert!(check_crossing(0, &airport).is_ok());
    }
}

//! `StatisticsService`: tables of the statistics store within the caller's
//! country scope, every figure under disclosure control, and their export.

use borderflow_proto::statistics::v1::statistics_service_server::StatisticsService;
use borderflow_proto::statistics::v1::{
    Dimension, ExportFormat, ExportStatisticsRequest, ExportStatisticsResponse, Granularity,
    QueryStatisticsRequest, QueryStatisticsResponse,
};
use tonic::{Request, Response, Status};

use crate::access::Caller;
use crate::error::Error;
use crate::statistics::export::{self, Table};
use crate::statistics::table::field;
use crate::statistics::{Row, protect, table};
use crate::stream::materialise::Stores;
use crate::windows::cells::Field;

/// The most rows one table may have: a wider breakdown over a longer range
/// is asked for in parts.
pub const MAX_ROWS: usize = 200_000;

#[derive(Clone)]
pub struct StatisticsApi {
    stores: Stores,
    threshold: u32,
}

/// A protected table and what it covers.
pub struct Answer {
    pub granularity: Granularity,
    pub by: Vec<Dimension>,
    pub fields: Vec<Field>,
    /// A crossing id, a country code, or `*` for the caller's whole scope.
    pub scope: String,
    pub rows: Vec<Row>,
}

/// `hour`, `day` or `month`: a granularity in file names and the dashboard.
pub fn period_name(granularity: Granularity) -> &'static str {
    match granularity {
        Granularity::Hour => "hour",
        Granularity::Day => "day",
        _ => "month",
    }
}

/// An exported table.
pub struct File {
    pub content: String,
    pub content_type: &'static str,
    pub name: String,
}

impl Answer {
    /// The table as a file of `format` (CSV when unspecified).
    pub fn file(&self, format: ExportFormat) -> File {
        let area = if self.scope == "*" {
            "_T"
        } else {
            self.scope.as_str()
        };
        let table = Table {
            granularity: self.granularity,
            area,
            by: &self.fields,
            rows: &self.rows,
        };
        let (content, content_type, extension) = match format {
            ExportFormat::Json => (export::json(&table), "application/json", "json"),
            _ => (export::csv(&table), "text/csv", "csv"),
        };
        let period = period_name(self.granularity);
        let area = area.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
        File {
            content,
            content_type,
            name: format!("borderflow-statistics-{area}-{period}.{extension}"),
        }
    }
}

impl StatisticsApi {
    pub fn new(stores: Stores, threshold: u32) -> Self {
        Self { stores, threshold }
    }

    /// The threshold under which a cell is withheld.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// The table `request` asks for, within `caller`'s scope, protected;
    /// notes the scope and the row count for the audit record.
    pub fn answer(
        &self,
        caller: &Caller,
        request: &QueryStatisticsRequest,
    ) -> Result<Answer, Error> {
        let granularity = match Granularity::try_from(request.granularity) {
            Ok(Granularity::Unspecified) => return Err(Error::required("granularity")),
            Ok(g) => g,
            Err(_) => return Err(Error::invalid("granularity", "not a granularity")),
        };
        let (from, to) = super::range(request.from.as_ref(), request.to.as_ref())?;
        let mut by = Vec::new();
        let mut fields = Vec::new();
        for &d in &request.by {
            let dimension = Dimension::try_from(d)
                .ok()
                .filter(|d| *d != Dimension::Unspecified)
                .ok_or_else(|| Error::invalid("by", format!("{d} is not a dimension")))?;
            if by.contains(&dimension) {
                return Err(Error::invalid(
                    "by",
                    format!("{} is named twice", dimension.as_str_name()),
                ));
            }
            by.push(dimension);
            fields.extend(field(dimension));
        }
        let (crossing, country) = (request.crossing_id.as_str(), request.country.as_str());
        let scope = match (crossing, country) {
            ("", "") => "*".to_owned(),
            (id, "") => {
                caller.check_crossing(id)?;
                id.to_owned()
            }
            ("", country) => {
                caller.check_country(country)?;
                country.to_owned()
            }
            _ => {
                return Err(Error::invalid(
                    "country",
                    "give a crossing_id or a country, not both",
                ));
            }
        };
        caller.note(|n| {
            n.resource = format!(
                "statistics scope={scope} granularity={} by={}",
                granularity.as_str_name(),
                by.iter()
                    .map(|d| d.as_str_name())
                    .collect::<Vec<_>>()
                    .join("+")
            );
        });
        let store = &self.stores.statistics;
        if !store.is_loaded() {
            return Err(Error::unavailable(
                "the statistics are still loading; try again shortly",
            ));
        }
        // Hours are held for the hourly retention: a range starting
        // earlier is refused, an open one starts at the oldest hour held.
        let mut from = from;
        if granularity == Granularity::Hour
            && let Some(kept) = store.hours_from_ms()
            && from < kept
        {
            if request.from.is_none() {
                from = kept;
            } else {
                return Err(Error::invalid(
                    "from",
                    format!(
                        "hours are kept from {}; ask for days or months before that",
                        borderflow_domain::time::format_rfc3339(kept)
                    ),
                ));
            }
        }
        let visible = caller.scope();
        let reference = &self.stores.reference;
        let periods = store.periods(granularity, from, to, |id| match (crossing, country) {
            ("", "") => visible.covers(id),
            (only, "") => id == only,
            _ => reference.crossing(id).is_some_and(|c| c.country == country),
        });
        let mut rows = table(&periods, &fields);
        if rows.len() > MAX_ROWS {
            return Err(Error::invalid(
                "by",
                format!(
                    "the table would have {} rows (at most {MAX_ROWS}); ask for a shorter range or fewer dimensions",
                    rows.len()
                ),
            ));
        }
        protect(&mut rows, &fields, u64::from(self.threshold));
        caller.note(|n| n.count = rows.len() as u64);
        Ok(Answer {
            granularity,
            by,
            fields,
            scope,
            rows,
        })
    }
}

#[tonic::async_trait]
impl StatisticsService for StatisticsApi {
    async fn query_statistics(
        &self,
        request: Request<QueryStatisticsRequest>,
    ) -> Result<Response<QueryStatisticsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let answer = self.answer(&caller, request.get_ref())?;
        Ok(Response::new(QueryStatisticsResponse {
            granularity: answer.granularity as i32,
            by: answer.by.iter().map(|d| *d as i32).collect(),
            rows: answer
                .rows
                .iter()
                .map(|r| r.to_proto(&answer.fields))
                .collect(),
            threshold: self.threshold,
            scope: answer.scope,
        }))
    }

    async fn export_statistics(
        &self,
        request: Request<ExportStatisticsRequest>,
    ) -> Result<Response<ExportStatisticsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.get_ref();
        let format = match ExportFormat::try_from(request.format) {
            Ok(ExportFormat::Unspecified | ExportFormat::Csv) => ExportFormat::Csv,
            Ok(ExportFormat::Json) => ExportFormat::Json,
            Err(_) => return Err(Error::invalid("format", "not an export format").into()),
        };
        let query = request
            .query
            .clone()
            .ok_or_else(|| Error::required("query"))?;
        let answer = self.answer(&caller, &query)?;
        let file = answer.file(format);
        Ok(Response::new(ExportStatisticsResponse {
            content: file.content,
            content_type: file.content_type.into(),
            file_name: file.name,
            rows: answer.rows.len() as u64,
        }))
    }
}

//! The statistics view's endpoints: a period range by sex and age band,
//! per period, under the same disclosure control as the StatisticsService
//! (the same code answers both), and the same table as a CSV download.

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use borderflow_domain::time::parse_rfc3339;
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::statistics::v1::{
    Dimension, ExportFormat, Granularity, QueryStatisticsRequest,
};
use serde::{Deserialize, Serialize};

use super::Dashboard;
use super::api::problem;
use crate::access::Caller;
use crate::error::Error;
use crate::grpc::statistics::{Answer, period_name};
use crate::http_api::response::http_status;
use crate::statistics::export::{codes, confidentiality};

/// `?granularity=hour|day|month&from=&to=&country=&crossing=&by=`; times
/// are RFC 3339 or dates (UTC).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    granularity: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[serde(default)]
    country: String,
    #[serde(default)]
    crossing: String,
    /// `sex,age_band` (the default) or `sex`.
    by: Option<String>,
}

impl Params {
    fn request(&self) -> Result<QueryStatisticsRequest, Error> {
        let granularity = match self.granularity.as_deref().unwrap_or("day") {
            "hour" => Granularity::Hour,
            "day" => Granularity::Day,
            "month" => Granularity::Month,
            _ => return Err(Error::invalid("granularity", "is hour, day or month")),
        };
        let time = |field: &'static str, text: &Option<String>| match text.as_deref() {
            None | Some("") => Ok(None),
            Some(text) => parse_rfc3339(text)
                .map(|ms| Some(ms_to_timestamp(ms)))
                .ok_or_else(|| Error::invalid(field, "is not an RFC 3339 time or a date")),
        };
        Ok(QueryStatisticsRequest {
            granularity: granularity as i32,
            from: time("from", &self.from)?,
            to: time("to", &self.to)?,
            crossing_id: self.crossing.clone(),
            country: self.country.clone(),
            by: match self.by.as_deref() {
                None | Some("" | "sex,age_band") => {
                    vec![Dimension::Sex as i32, Dimension::AgeBand as i32]
                }
                Some("sex") => vec![Dimension::Sex as i32],
                Some(_) => return Err(Error::invalid("by", "is sex,age_band or sex")),
            },
        })
    }
}

/// One cell of the sex × age band table.
#[derive(Serialize)]
struct CellView {
    /// `F`, `M`, `X`, `_U`.
    sex: String,
    /// `Y0T4` … `Y_GE60`, `_U`.
    age: String,
    /// Absent when withheld.
    count: Option<u64>,
    /// `F` published, `C` withheld (small), `D` withheld (secondary).
    status: &'static str,
}

#[derive(Serialize)]
struct PeriodView {
    start_ms: i64,
    end_ms: i64,
    total: Option<u64>,
    cells: Vec<CellView>,
}

#[derive(Serialize)]
struct StatisticsView {
    granularity: &'static str,
    scope: String,
    threshold: u32,
    periods: Vec<PeriodView>,
}

fn view(answer: &Answer, threshold: u32) -> StatisticsView {
    let mut periods: Vec<PeriodView> = Vec::new();
    for row in &answer.rows {
        if row.total {
            periods.push(PeriodView {
                start_ms: row.period.0,
                end_ms: row.period.1,
                total: row.value(),
                cells: Vec::new(),
            });
            continue;
        }
        let [_, sex, age, ..] = codes(row, &answer.fields);
        if let Some(period) = periods.last_mut() {
            period.cells.push(CellView {
                sex,
                age,
                count: row.value(),
                status: confidentiality(row.status),
            });
        }
    }
    StatisticsView {
        granularity: period_name(answer.granularity),
        scope: answer.scope.clone(),
        threshold,
        periods,
    }
}

fn refused(error: &Error) -> Response {
    problem(http_status(error.code()), error.to_string())
}

fn answer(dashboard: &Dashboard, caller: &Caller, params: &Params) -> Result<Answer, Error> {
    let request = params.request()?;
    dashboard.statistics.answer(caller, &request)
}

pub(crate) async fn statistics(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<Params>,
) -> Response {
    match answer(&dashboard, &caller, &params) {
        Ok(answer) => Json(view(&answer, dashboard.statistics.threshold())).into_response(),
        Err(error) => refused(&error),
    }
}

/// The same table as a CSV file to save.
pub(crate) async fn csv(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<Params>,
) -> Response {
    match answer(&dashboard, &caller, &params) {
        Ok(answer) => {
            let file = answer.file(ExportFormat::Csv);
            let disposition = format!("attachment; filename=\"{}\"", file.name);
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                file.content,
            )
                .into_response()
        }
        Err(error) => refused(&error),
    }
}

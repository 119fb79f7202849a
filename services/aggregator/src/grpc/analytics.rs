//! `AnalyticsService` over the materialised stores, within the caller's
//! country scope: lists and streams leave out-of-scope crossings and their
//! anomalies, and a named out-of-scope resource answers `PERMISSION_DENIED`.

use std::sync::Arc;

use borderflow_proto::analytics::v1::analytics_service_server::AnalyticsService;
use borderflow_proto::analytics::v1::{
    AnomalyFilter, Crossing, CrossingSummary, GetAnomalyRequest, GetAnomalyResponse,
    GetCrossingStatsRequest, GetCrossingStatsResponse, ListAnomaliesRequest, ListAnomaliesResponse,
    ListCrossingsRequest, ListCrossingsResponse, ListTriageRequest, ListTriageResponse,
    ListWindowsRequest, ListWindowsResponse, TriageAnomalyRequest, TriageAnomalyResponse,
    WatchAnomaliesRequest, WatchAnomaliesResponse, WatchCrossingStatsRequest,
    WatchCrossingStatsResponse, WindowState,
};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::triage::TriageApi;
use super::{as_seen, follow, language};
use crate::access::Caller;
use crate::error::Error;
use crate::store::AnomalyQuery;
use crate::stream::materialise::Stores;

const DEFAULT_RECENT: usize = 60;
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1_000;

#[derive(Clone)]
pub struct AnalyticsApi {
    stores: Stores,
    triage: TriageApi,
    shutdown: CancellationToken,
}

impl AnalyticsApi {
    pub fn new(stores: Stores, triage: TriageApi, shutdown: CancellationToken) -> Self {
        Self {
            stores,
            triage,
            shutdown,
        }
    }

    /// The registry entry of a crossing, or a bare one for a crossing only
    /// known from its traffic.
    fn crossing(&self, id: &str) -> Option<Crossing> {
        if let Some(known) = self.stores.reference.crossing(id) {
            return Some((*known).clone());
        }
        let (open, closed) = self.stores.windows.current(id);
        (open.is_some() || closed.is_some()).then(|| Crossing {
            id: id.to_owned(),
            ..Crossing::default()
        })
    }

    pub fn summary(&self, id: &str) -> Option<CrossingSummary> {
        let crossing = self.crossing(id)?;
        let (current, last_closed) = self.stores.windows.current(id);
        Some(CrossingSummary {
            crossing: Some(crossing),
            current,
            last_closed,
            open_anomalies: self.stores.anomalies.open_count(id),
        })
    }
}

/// `summary` with its windows as `caller` may see them.
fn summary_as_seen(summary: CrossingSummary, caller: &Caller) -> CrossingSummary {
    CrossingSummary {
        current: summary.current.map(|w| as_seen(w, caller)),
        last_closed: summary.last_closed.map(|w| as_seen(w, caller)),
        ..summary
    }
}

/// Page tokens are "<event time ms>:<anomaly id>" of the last item returned.
pub(super) fn parse_token(token: &str) -> Result<Option<(i64, String)>, Error> {
    if token.is_empty() {
        return Ok(None);
    }
    let (ms, id) = token
        .split_once(':')
        .ok_or_else(|| Error::invalid("page_token", "malformed"))?;
    let ms = ms
        .parse()
        .map_err(|_| Error::invalid("page_token", "malformed"))?;
    Ok(Some((ms, id.to_owned())))
}

/// The filter within the caller's scope; naming an out-of-scope crossing
/// is refused rather than answered with nothing.
pub(super) fn scoped_query(
    caller: &Caller,
    filter: Option<&AnomalyFilter>,
) -> Result<AnomalyQuery, Error> {
    let mut query = filter.map(AnomalyQuery::from).unwrap_or_default();
    caller.note(|n| {
        n.resource = format!(
            "crossings={} kinds={:?} min_severity={}",
            query.crossing_ids.join(","),
            query.kinds,
            query.min_severity
        );
    });
    for id in &query.crossing_ids {
        caller.check_crossing(id)?;
    }
    let scope = caller.scope();
    if !scope.is_all() {
        query.scope = Some(scope);
    }
    Ok(query)
}

#[tonic::async_trait]
impl AnalyticsService for AnalyticsApi {
    async fn list_crossings(
        &self,
        request: Request<ListCrossingsRequest>,
    ) -> Result<Response<ListCrossingsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let scope = caller.scope();
        let filter = request.into_inner().filter.to_lowercase();
        let crossings: Vec<CrossingSummary> = self
            .stores
            .crossing_ids()
            .into_iter()
            .filter(|id| scope.covers(id))
            .filter_map(|id| self.summary(&id))
            .map(|s| summary_as_seen(s, &caller))
            .filter(|s| {
                filter.is_empty()
                    || s.crossing.as_ref().is_some_and(|c| {
                        c.id.to_lowercase().contains(&filter)
                            || c.name.to_lowercase().contains(&filter)
                    })
            })
            .collect();
        caller.note(|n| {
            n.resource = format!("filter={filter}");
            n.count = crossings.len() as u64;
        });
        Ok(Response::new(ListCrossingsResponse { crossings }))
    }

    async fn get_crossing_stats(
        &self,
        request: Request<GetCrossingStatsRequest>,
    ) -> Result<Response<GetCrossingStatsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        caller.note(|n| n.resource = format!("crossing={}", request.crossing_id));
        if request.crossing_id.is_empty() {
            return Err(Error::required("crossing_id").into());
        }
        caller.check_crossing(&request.crossing_id)?;
        let summary = self
            .summary(&request.crossing_id)
            .ok_or_else(|| Error::not_found(format!("crossing {}", request.crossing_id)))?;
        let limit = match request.recent_windows {
            0 => DEFAULT_RECENT,
            n => n as usize,
        };
        let recent = self.stores.windows.recent(&request.crossing_id, limit);
        caller.note(|n| n.count = recent.len() as u64 + 1);
        Ok(Response::new(GetCrossingStatsResponse {
            summary: Some(summary_as_seen(summary, &caller)),
            recent: recent.into_iter().map(|w| as_seen(w, &caller)).collect(),
        }))
    }

    async fn list_windows(
        &self,
        request: Request<ListWindowsRequest>,
    ) -> Result<Response<ListWindowsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        caller.note(|n| n.resource = format!("crossing={}", request.crossing_id));
        if request.crossing_id.is_empty() {
            return Err(Error::required("crossing_id").into());
        }
        caller.check_crossing(&request.crossing_id)?;
        let (from, to) = super::range(request.from.as_ref(), request.to.as_ref())?;
        let limit = match request.limit {
            0 => usize::MAX,
            n => n as usize,
        };
        let windows = self
            .stores
            .windows
            .range(&request.crossing_id, from, to, limit);
        caller.note(|n| n.count = windows.len() as u64);
        let windows = windows.into_iter().map(|w| as_seen(w, &caller)).collect();
        Ok(Response::new(ListWindowsResponse { windows }))
    }

    type WatchCrossingStatsStream = ReceiverStream<Result<WatchCrossingStatsResponse, Status>>;

    async fn watch_crossing_stats(
        &self,
        request: Request<WatchCrossingStatsRequest>,
    ) -> Result<Response<Self::WatchCrossingStatsStream>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        caller.note(|n| n.resource = format!("crossings={}", request.crossing_ids.join(",")));
        for id in &request.crossing_ids {
            caller.check_crossing(id)?;
        }
        let scope = caller.scope();
        let reads_protection = caller.clone();
        let updates = self.stores.windows.subscribe();
        let stream = follow(
            updates,
            Vec::new(),
            self.shutdown.clone(),
            caller,
            move |window| {
                let wanted = (request.crossing_ids.is_empty()
                || request.crossing_ids.contains(&window.crossing_id))
                && !(request.closed_only && window.state == WindowState::Open as i32)
                // Checked per window: the registry may move a crossing.
                && scope.covers(&window.crossing_id);
                wanted.then(|| WatchCrossingStatsResponse {
                    window: Some(as_seen(window.clone(), &reads_protection)),
                })
            },
        );
        Ok(Response::new(stream))
    }

    async fn list_anomalies(
        &self,
        request: Request<ListAnomaliesRequest>,
    ) -> Result<Response<ListAnomaliesResponse>, Status> {
        let caller = Caller::of(&request)?;
        let lang = language::of(&request);
        let request = request.into_inner();
        let limit = match request.page_size {
            0 => DEFAULT_PAGE,
            n => (n as usize).min(MAX_PAGE),
        };
        let after = parse_token(&request.page_token)?;
        let query = scoped_query(&caller, request.filter.as_ref())?;
        let (anomalies, next) = self.stores.anomalies.list(&query, limit, after);
        caller.note(|n| n.count = anomalies.len() as u64);
        Ok(Response::new(ListAnomaliesResponse {
            anomalies: anomalies
                .iter()
                .map(|a| language::localised(a, lang, &*self.stores.reference))
                .collect(),
            next_page_token: next
                .map(|(ms, id)| format!("{ms}:{id}"))
                .unwrap_or_default(),
        }))
    }

    async fn get_anomaly(
        &self,
        request: Request<GetAnomalyRequest>,
    ) -> Result<Response<GetAnomalyResponse>, Status> {
        let caller = Caller::of(&request)?;
        let lang = language::of(&request);
        let id = request.into_inner().id;
        caller.note(|n| n.resource = format!("anomaly={id}"));
        let anomaly = self.stores.anomalies.get(&id);
        // Unknown and out of scope answer alike to a scoped caller, so
        // scope cannot be probed for which anomalies exist.
        let scope = caller.scope();
        let anomaly = match anomaly {
            Some(anomaly) if scope.covers(&anomaly.crossing_id) => anomaly,
            None if scope.is_all() => {
                return Err(Error::not_found(format!("anomaly {id}")).into());
            }
            _ => {
                caller.note(|n| n.reason = "scope".into());
                return Err(Error::denied(format!(
                    "anomaly {id} is not known within your country scope"
                ))
                .into());
            }
        };
        caller.note(|n| n.count = 1);
        Ok(Response::new(GetAnomalyResponse {
            anomaly: Some(language::localised(&anomaly, lang, &*self.stores.reference)),
        }))
    }

    type WatchAnomaliesStream = ReceiverStream<Result<WatchAnomaliesResponse, Status>>;

    async fn watch_anomalies(
        &self,
        request: Request<WatchAnomaliesRequest>,
    ) -> Result<Response<Self::WatchAnomaliesStream>, Status> {
        let caller = Caller::of(&request)?;
        let lang = language::of(&request);
        let request = request.into_inner();
        let query = Arc::new(scoped_query(&caller, request.filter.as_ref())?);
        // Subscribe first so nothing falls between the replay and the feed.
        let updates = self.stores.anomalies.subscribe();
        let replay = if request.replay > 0 {
            let (mut recent, _) = self
                .stores
                .anomalies
                .list(&query, request.replay as usize, None);
            recent.reverse();
            recent
                .into_iter()
                .map(|a| WatchAnomaliesResponse {
                    anomaly: Some(language::localised(&a, lang, &*self.stores.reference)),
                })
                .collect()
        } else {
            Vec::new()
        };
        let registry = self.stores.reference.clone();
        let stream = follow(
            updates,
            replay,
            self.shutdown.clone(),
            caller,
            move |anomaly| {
                query.matches(anomaly).then(|| WatchAnomaliesResponse {
                    anomaly: Some(language::localised(anomaly, lang, &*registry)),
                })
            },
        );
        Ok(Response::new(stream))
    }

    async fn triage_anomaly(
        &self,
        request: Request<TriageAnomalyRequest>,
    ) -> Result<Response<TriageAnomalyResponse>, Status> {
        let caller = Caller::of(&request)?;
        let record = self
            .triage
            .act(&caller, request.into_inner().into())
            .await?;
        Ok(Response::new(TriageAnomalyResponse {
            triage: Some(record),
        }))
    }

    async fn list_triage(
        &self,
        request: Request<ListTriageRequest>,
    ) -> Result<Response<ListTriageResponse>, Status> {
        let caller = Caller::of(&request)?;
        let lang = language::of(&request);
        let mut answer = self.triage.list(&caller, request.get_ref())?;
        for item in &mut answer.items {
            if let Some(anomaly) = &item.anomaly {
                item.anomaly = Some(language::localised(anomaly, lang, &*self.stores.reference));
            }
        }
        Ok(Response::new(answer))
    }
}

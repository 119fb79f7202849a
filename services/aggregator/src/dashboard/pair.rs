//! The pair view's endpoints: the twin pairs this system exchanges for
//! (it holds their exchange key) that have a post in the caller's country
//! scope, and one pair's two directions of travel over time (`view`).
//! Both sides' figures are what the liaison exchange carries, aggregates
//! only; anomalies only for a role that reads them, and only at crossings
//! the caller may see.

mod view;

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use borderflow_access::Permission;
use borderflow_domain::twins::PairKey;
use borderflow_proto::analytics::v1::AnomalyKind;
use serde::{Deserialize, Serialize};

use super::anomaly::AnomalyView;
use super::api::problem;
use super::{Dashboard, language};
use crate::access::Caller;
use crate::store::AnomalyQuery;
use view::FlowView;

const HOUR_MS: i64 = 3_600_000;
/// Hours of periods shown unless asked otherwise, and the most asked for
/// (the exchange's retention bounds it too).
const DEFAULT_HOURS: i64 = 24;
const MAX_HOURS: i64 = 7 * 24;
const PAIR_ANOMALIES: usize = 50;

#[derive(Clone, Debug, Serialize)]
struct PostView {
    id: String,
    /// The registry's, else the one the post's records name.
    country: String,
    name: String,
    names: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct PairSummary {
    id: String,
    posts: Vec<PostView>,
}

#[derive(Serialize)]
struct Pairs {
    pairs: Vec<PairSummary>,
}

#[derive(Serialize)]
struct PairDetail {
    id: String,
    posts: Vec<PostView>,
    /// The periods shown start at or after this (none before either post
    /// has published).
    from_ms: Option<i64>,
    /// The latest period start either post published, if any.
    latest_ms: Option<i64>,
    flows: Vec<FlowView>,
    /// The pair's MIRROR_GAP and TRANSIT_DELAY anomalies not retracted,
    /// newest first; empty unless `anomalies_shown`.
    anomalies: Vec<AnomalyView>,
    anomalies_shown: bool,
}

/// `?hours=N`: how far back from the latest period.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PairParams {
    hours: Option<i64>,
}

fn post(dashboard: &Dashboard, id: &str, published: Option<&str>) -> PostView {
    let registered = dashboard.stores.reference.crossing(id);
    PostView {
        id: id.to_owned(),
        country: registered
            .as_ref()
            .map(|c| c.country.clone())
            .filter(|c| !c.is_empty())
            .or_else(|| published.map(str::to_owned))
            .unwrap_or_default(),
        name: registered
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        names: registered
            .map(|c| c.names.clone().into_iter().collect())
            .unwrap_or_default(),
    }
}

/// Whether `caller` may see `pair`: a post of it is in their scope.
fn visible(caller: &Caller, pair: &PairKey) -> bool {
    let scope = caller.scope();
    pair.posts.iter().any(|p| scope.covers(p))
}

pub(crate) async fn pairs(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let liaison = &dashboard.stores.liaison;
    let pairs: Vec<PairSummary> = liaison
        .keys()
        .pairs()
        .iter()
        .filter(|pair| visible(&caller, pair))
        .map(|pair| PairSummary {
            id: pair.pair_id.clone(),
            posts: pair
                .posts
                .iter()
                .map(|p| post(&dashboard, p, None))
                .collect(),
        })
        .collect();
    caller.note(|n| n.count = pairs.len() as u64);
    Json(Pairs { pairs }).into_response()
}

pub(crate) async fn pair(
    State(dashboard): State<Dashboard>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<PairParams>,
) -> Response {
    caller.note(|n| n.resource = format!("pair={id}"));
    let hours = params.hours.unwrap_or(DEFAULT_HOURS);
    if !(1..=MAX_HOURS).contains(&hours) {
        return problem(
            StatusCode::BAD_REQUEST,
            format!("hours: is 1 to {MAX_HOURS}, not {hours}"),
        );
    }
    let liaison = &dashboard.stores.liaison;
    let Some(pair) = liaison.keys().of_pair(&id) else {
        return problem(
            StatusCode::NOT_FOUND,
            format!("pair {id} is not one this system exchanges for"),
        );
    };
    if !visible(&caller, pair) {
        caller.note(|n| n.reason = "scope".into());
        return problem(
            StatusCode::FORBIDDEN,
            format!("pair {id} has no post in your country scope"),
        );
    }
    let everything = liaison.figures(&id, i64::MIN);
    let latest_ms = everything.iter().map(|((_, _, start), _)| *start).max();
    let from_ms = latest_ms.map(|latest| latest - hours * HOUR_MS);
    let since = from_ms.unwrap_or(i64::MIN);
    let figures: Vec<_> = everything
        .into_iter()
        .filter(|((_, _, start), _)| *start >= since)
        .collect();
    let published = |crossing: &str| {
        figures
            .iter()
            .find(|((c, _, _), _)| c == crossing)
            .map(|(_, f)| f.country.as_str())
    };
    let posts: Vec<PostView> = pair
        .posts
        .iter()
        .map(|p| post(&dashboard, p, published(p)))
        .collect();
    let flows = view::flows(&pair.posts, &figures, &liaison.judged().flows(&id, since));

    let anomalies_shown = caller.may(Permission::ReadAnomalies);
    let anomalies = if anomalies_shown {
        let scope = caller.scope();
        let query = AnomalyQuery {
            crossing_ids: pair.posts.to_vec(),
            kinds: vec![
                AnomalyKind::MirrorGap as i32,
                AnomalyKind::TransitDelay as i32,
            ],
            scope: (!scope.is_all()).then_some(scope),
            ..AnomalyQuery::default()
        };
        let lang = language(&headers);
        let stores = &dashboard.stores;
        stores
            .anomalies
            .list(&query, PAIR_ANOMALIES, None)
            .0
            .iter()
            .map(|a| AnomalyView::of(a, lang, &*stores.reference))
            .collect()
    } else {
        Vec::new()
    };
    caller.note(|n| {
        n.count = (flows.iter().map(|f| f.periods.len()).sum::<usize>() + anomalies.len()) as u64;
    });
    Json(PairDetail {
        id,
        posts,
        from_ms,
        latest_ms,
        flows,
        anomalies,
        anomalies_shown,
    })
    .into_response()
}

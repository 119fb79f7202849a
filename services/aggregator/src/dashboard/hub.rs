//! The live hub: one task per aggregator follows the stores' update
//! channels and, once a second, rebuilds the summaries of the crossings
//! that were touched, keeps those that changed and broadcasts them,
//! serialised once, to every connected page. Pages that fall behind the
//! bounded broadcast start over from a snapshot.

mod follow;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use borderflow_i18n::Lang;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::timestamp_to_ms;
use serde::Serialize;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::anomaly::AnomalyView;
use super::delta::{Changes, Delta, Snapshot, Tracker};
use super::view::{ALERT_SEVERITY, Alerts, CrossingView, Inputs, summarise, window_clock};
use crate::store::{AnomalyQuery, CrossingScope};
use crate::stream::materialise::Stores;

/// Frames a page may fall behind before it is resynchronised.
const FRAME_BUFFER: usize = 1_024;
const SNAPSHOT_ANOMALIES: usize = 100;
/// Serious anomalies read back when the hub starts, to know the alerts.
const ALERT_SCAN: usize = 10_000;

/// One server-sent event, serialised once for every page that sees every
/// crossing; pages of a narrower scope serialise their part of it.
#[derive(Clone, Debug)]
pub(crate) enum Frame {
    Delta(Arc<DeltaFrame>),
    /// The anomaly serialised once per language.
    Anomaly {
        crossing_id: String,
        json: Arc<Vec<(Lang, Arc<str>)>>,
    },
}

/// `json` in `lang` (English when it has none in `lang`).
pub(crate) fn in_language(json: &[(Lang, Arc<str>)], lang: Lang) -> Arc<str> {
    json.iter()
        .find(|(l, _)| *l == lang)
        .or_else(|| json.first())
        .map(|(_, j)| j.clone())
        .unwrap_or_else(|| Arc::from(""))
}

/// One tick's changes, whole and serialised.
#[derive(Debug)]
pub(crate) struct DeltaFrame {
    seq: u64,
    clock_ms: Option<i64>,
    changes: Changes,
    skipped: u64,
    json: Arc<str>,
}

impl DeltaFrame {
    /// The frame as `viewer` may see it.
    pub(crate) fn json_for(&self, viewer: &Viewer) -> Arc<str> {
        if viewer.scope.is_all() {
            return self.json.clone();
        }
        let changed: Vec<CrossingView> = self
            .changes
            .changed
            .iter()
            .filter(|c| viewer.sees(c))
            .cloned()
            .collect();
        let removed: Vec<String> = self
            .changes
            .removed
            .iter()
            .filter(|id| viewer.scope.covers(id))
            .cloned()
            .collect();
        json(&Delta {
            seq: self.seq,
            clock_ms: self.clock_ms,
            changed: &changed,
            removed: &removed,
            anomalies_skipped: if viewer.anomalies { self.skipped } else { 0 },
        })
        .into()
    }
}

/// What one page may see: the crossings of its scope, and anomalies only
/// with a role that reads them.
#[derive(Clone, Debug)]
pub(crate) struct Viewer {
    pub(crate) scope: CrossingScope,
    pub(crate) anomalies: bool,
    /// The language explanations are shown in.
    pub(crate) lang: Lang,
}

impl Viewer {
    pub(crate) fn sees(&self, view: &CrossingView) -> bool {
        self.scope.is_all() || self.scope.covers_country(&view.country)
    }
}

pub(crate) struct Hub {
    stores: Stores,
    state: Mutex<HubState>,
    frames: broadcast::Sender<Frame>,
}

#[derive(Default)]
struct HubState {
    tracker: Tracker,
    alerts: Alerts,
    clock_ms: Option<i64>,
    seq: u64,
}

#[derive(Serialize)]
struct Page<'a> {
    clock_ms: Option<i64>,
    crossings: Vec<&'a CrossingView>,
}

impl Hub {
    /// Builds the first picture and starts following the stores.
    pub(crate) fn start(stores: Stores, shutdown: CancellationToken) -> Arc<Self> {
        let hub = Arc::new(Self {
            stores,
            state: Mutex::default(),
            frames: broadcast::channel(FRAME_BUFFER).0,
        });
        // Subscribed before the first scan, so nothing falls in between.
        let windows = hub.stores.windows.subscribe();
        let anomalies = hub.stores.anomalies.subscribe();
        {
            let mut state = hub.lock();
            hub.reload_alerts(&mut state);
            hub.refresh(&mut state, None);
        }
        tokio::spawn(follow::follow(hub.clone(), windows, anomalies, shutdown));
        hub
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A receiver of every frame after the snapshot returned with it, as
    /// `viewer` may see it.
    pub(crate) fn subscribe(&self, viewer: &Viewer) -> (broadcast::Receiver<Frame>, String) {
        let anomalies = if viewer.anomalies {
            let query = AnomalyQuery {
                scope: (!viewer.scope.is_all()).then(|| viewer.scope.clone()),
                ..AnomalyQuery::default()
            };
            let (recent, _) = self.stores.anomalies.list(&query, SNAPSHOT_ANOMALIES, None);
            recent
                .iter()
                .map(|a| AnomalyView::of(a, viewer.lang, &*self.stores.reference))
                .collect()
        } else {
            Vec::new()
        };
        let state = self.lock();
        let frames = self.frames.subscribe();
        let snapshot = json(&Snapshot {
            seq: state.seq,
            clock_ms: state.clock_ms,
            crossings: state.tracker.all().filter(|c| viewer.sees(c)).collect(),
            anomalies,
        });
        (frames, snapshot)
    }

    /// The summaries `viewer` may see as last sent, as JSON.
    pub(crate) fn crossings(&self, viewer: &Viewer) -> (String, usize) {
        let state = self.lock();
        let crossings: Vec<&CrossingView> =
            state.tracker.all().filter(|c| viewer.sees(c)).collect();
        let count = crossings.len();
        let body = json(&Page {
            clock_ms: state.clock_ms,
            crossings,
        });
        (body, count)
    }

    pub(crate) fn summary(&self, id: &str) -> Option<CrossingView> {
        self.lock().tracker.get(id).cloned()
    }

    fn reload_alerts(&self, state: &mut HubState) {
        let serious = AnomalyQuery {
            min_severity: ALERT_SEVERITY as i32,
            ..AnomalyQuery::default()
        };
        let (anomalies, _) = self.stores.anomalies.list(&serious, ALERT_SCAN, None);
        state.alerts = Alerts::default();
        for anomaly in anomalies {
            state.alerts.note(&anomaly);
        }
    }

    /// Rebuilds the summaries of `ids`, or of every crossing.
    fn refresh(&self, state: &mut HubState, ids: Option<HashSet<String>>) -> Changes {
        let complete = ids.is_none();
        let ids: Vec<String> = match ids {
            Some(ids) => ids.into_iter().collect(),
            None => self.stores.crossing_ids(),
        };
        let gathered: Vec<_> = ids
            .into_iter()
            .map(|id| {
                let crossing = self.stores.reference.crossing(&id);
                let (open, closed) = self.stores.windows.current(&id);
                (id, crossing, open, closed)
            })
            .collect();
        for (_, _, open, closed) in &gathered {
            let newest = open.iter().chain(closed).filter_map(window_clock).max();
            state.clock_ms = state.clock_ms.max(newest);
        }
        let clock = state.clock_ms.unwrap_or(i64::MIN);
        let fresh: Vec<_> = gathered
            .into_iter()
            .map(|(id, crossing, open, closed)| {
                let known = crossing.is_some() || open.is_some() || closed.is_some();
                let view = known.then(|| {
                    summarise(
                        &id,
                        Inputs {
                            crossing: crossing.as_deref(),
                            open: open.as_ref(),
                            closed: closed.as_ref(),
                            open_anomalies: self.stores.anomalies.open_count(&id),
                            alert: state.alerts.active(&id, clock),
                        },
                    )
                });
                (id, view)
            })
            .collect();
        state.tracker.update(fresh, complete)
    }

    /// One tick: broadcasts the delta, then each anomaly that arrived.
    pub(super) fn tick(
        &self,
        ids: Option<HashSet<String>>,
        arrived: Vec<Arc<Anomaly>>,
        skipped: u64,
    ) {
        let mut state = self.lock();
        if skipped > 0 {
            self.reload_alerts(&mut state);
        }
        for anomaly in &arrived {
            state.alerts.note(anomaly);
            let detected = anomaly.detected_at.as_ref().and_then(timestamp_to_ms);
            state.clock_ms = state.clock_ms.max(detected);
        }
        let changes = self.refresh(&mut state, ids);
        state.seq += 1;
        let delta = json(&Delta {
            seq: state.seq,
            clock_ms: state.clock_ms,
            changed: &changes.changed,
            removed: &changes.removed,
            anomalies_skipped: skipped,
        });
        let frame = DeltaFrame {
            seq: state.seq,
            clock_ms: state.clock_ms,
            changes,
            skipped,
            json: delta.into(),
        };
        // Sent under the lock, so a snapshot and the frames after it never overlap.
        let _ = self.frames.send(Frame::Delta(Arc::new(frame)));
        for anomaly in arrived {
            let views = Lang::ALL
                .iter()
                .map(|&lang| {
                    (
                        lang,
                        Arc::from(json(&AnomalyView::of(
                            &anomaly,
                            lang,
                            &*self.stores.reference,
                        ))),
                    )
                })
                .collect();
            let _ = self.frames.send(Frame::Anomaly {
                crossing_id: anomaly.crossing_id.clone(),
                json: Arc::new(views),
            });
        }
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("dashboard views are plain data")
}

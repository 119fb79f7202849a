//! One inspections partition's part in the exchange with neighbouring
//! countries' systems, sans-io: its twin posts' periods to publish, and the
//! flows it reconciles from what the exchange holds (the liaison store).
//! The Kafka stage (`stream::liaison`) and the broker-free judge run it
//! alike.
//!
//! Each post of a pair is in one inspections partition (records are keyed
//! by crossing), so each flow is reconciled once: by the partition of the
//! post it leaves when this system operates that post, else by the
//! partition of the post it enters.

use std::collections::HashSet;
use std::sync::Arc;

use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::Anomaly;
use borderflow_proto::inspection::v1::{Direction, InspectionRecord, Outcome, inspection_record};
use borderflow_proto::liaison::v1::LiaisonRecord;
use borderflow_proto::timestamp_to_ms;

use crate::detect::DetectConfig;
use crate::detect::pair::{Flow, FlowId, Judged, Latest, PairKey};
use crate::ids::parse_uuid;
use crate::partition::effects::Record;
use crate::partition::liaison::{Passage, PostPeriods};
use crate::statistics::liaison::record;
use crate::store::LiaisonStore;
use crate::windows::cells::{AgeBands, CellKey, CellValues};

/// How this system exchanges.
#[derive(Clone, Debug)]
pub struct Settings {
    pub period_ms: i64,
    pub lateness_ms: i64,
    pub min_cell: u64,
    /// Countries whose posts this system operates; empty: every post whose
    /// inspections reach it.
    pub operated: Vec<String>,
    pub bands: AgeBands,
}

/// What a record was to the exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stepped {
    /// Not a twin post's, or not an inspection that decided anything.
    Ignored,
    Counted,
    /// Its period was already exchanged.
    Late,
}

/// What one reconciliation raised, and what each flow judged (for the
/// operators' pair view).
#[derive(Debug, Default)]
pub struct Reconciled {
    pub anomalies: Vec<Anomaly>,
    pub judged: Vec<(FlowId, Vec<Judged>)>,
}

pub struct Exchange {
    keys: Arc<PairKeys>,
    settings: Settings,
    periods: PostPeriods,
    /// Flows reconciled here, each with its position in the store's log.
    flows: Vec<(Flow, u64)>,
    seen: HashSet<String>,
    last_offset: i64,
}

impl Exchange {
    pub fn new(keys: Arc<PairKeys>, settings: Settings) -> Self {
        Self {
            periods: PostPeriods::new(settings.period_ms, settings.lateness_ms),
            keys,
            settings,
            flows: Vec::new(),
            seen: HashSet::new(),
            last_offset: -1,
        }
    }

    /// Whether this system operates `crossing_id`, by the country the
    /// registry gives it.
    fn operates(&self, country: Option<&str>) -> bool {
        self.settings.operated.is_empty()
            || country.is_some_and(|c| self.settings.operated.iter().any(|o| o == c))
    }

    /// Takes one record of the partition. `country_of` is the registry's.
    pub fn step(
        &mut self,
        record: &Record<'_>,
        store: &LiaisonStore,
        country_of: &dyn Fn(&str) -> Option<String>,
    ) -> Stepped {
        self.last_offset = self.last_offset.max(record.offset);
        let Some(crossing) = record.key.and_then(|k| std::str::from_utf8(k).ok()) else {
            return Stepped::Ignored;
        };
        let Some(pair) = self.keys.of_post(crossing) else {
            return Stepped::Ignored;
        };
        if !self.operates(country_of(crossing).as_deref()) {
            return Stepped::Ignored;
        }
        if !self.seen.contains(crossing) {
            // First sight: resume after what was published, and take up
            // the flows told here.
            self.seen.insert(crossing.to_owned());
            if let Some(through) = store.published_through(crossing) {
                self.periods.resume(crossing, through);
            }
            let twin = pair.twin_of(crossing).unwrap_or_default().to_owned();
            let twin_country = country_of(&twin);
            let twin_is_ours = twin_country.is_some() && self.operates(twin_country.as_deref());
            let mut flows = vec![(crossing.to_owned(), twin.clone())];
            if !twin_is_ours {
                flows.push((twin.clone(), crossing.to_owned()));
            }
            for (from, to) in flows {
                let id = FlowId {
                    pair_id: pair.pair_id.clone(),
                    from,
                    to,
                    told: crossing.to_owned(),
                };
                self.flows.push((Flow::new(id), 0));
            }
        }
        let Ok(decoded) = InspectionRecord::decode(record.payload) else {
            return Stepped::Ignored;
        };
        match decoded.body {
            Some(inspection_record::Body::Heartbeat(beat)) => {
                if let Some(at) = beat.at.as_ref().and_then(timestamp_to_ms) {
                    self.periods.tick(crossing, &beat.checkpoint_id, at);
                }
                Stepped::Ignored
            }
            Some(inspection_record::Body::Inspection(inspection)) => {
                let outcome = Outcome::try_from(inspection.outcome).unwrap_or_default();
                let Some(at_ms) = inspection.completed_at.as_ref().and_then(timestamp_to_ms) else {
                    return Stepped::Ignored;
                };
                if outcome == Outcome::Unspecified {
                    self.periods
                        .tick(crossing, &inspection.checkpoint_id, at_ms);
                    return Stepped::Ignored;
                }
                let document = inspection.document.unwrap_or_default();
                let age = inspection.traveller.as_ref().and_then(|t| t.age_years);
                let cell = CellKey::new(&CellValues {
                    sex: document.sex,
                    nationality: &document.nationality,
                    age_band: self.settings.bands.band(age),
                    ..CellValues::default()
                });
                let key = PairKey::try_from(document.twin_key.get(..16).unwrap_or_default()).ok();
                let exit = inspection.direction == Direction::Exit as i32;
                // Leaving when the inspection ends, arriving when the queue
                // is joined: the transit is the zone's, not the queue's.
                let reached_ms = inspection
                    .queued_at
                    .as_ref()
                    .and_then(timestamp_to_ms)
                    .filter(|q| *q <= at_ms)
                    .unwrap_or(at_ms);
                let added = self.periods.add(Passage {
                    crossing_id: crossing,
                    checkpoint_id: &inspection.checkpoint_id,
                    exit,
                    at_ms,
                    passage_ms: if exit { at_ms } else { reached_ms },
                    wait_ms: inspection
                        .started_at
                        .as_ref()
                        .and_then(timestamp_to_ms)
                        .map_or(0, |started| (started - reached_ms).max(0)),
                    cell,
                    key,
                    admitted: outcome == Outcome::Admitted,
                    offset: record.offset,
                    event: parse_uuid(&inspection.event_id),
                });
                match added {
                    crate::partition::liaison::Added::Counted => Stepped::Counted,
                    crate::partition::liaison::Added::Amended => Stepped::Counted,
                    crate::partition::liaison::Added::Late => Stepped::Late,
                    crate::partition::liaison::Added::Duplicate => Stepped::Ignored,
                }
            }
            _ => Stepped::Ignored,
        }
    }

    /// The periods due, as signed records keyed by pair id.
    pub fn publish(
        &mut self,
        country_of: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<(String, LiaisonRecord)> {
        self.periods
            .take()
            .into_iter()
            .filter_map(|period| {
                let pair = self.keys.of_post(&period.crossing_id)?;
                let country = country_of(&period.crossing_id).unwrap_or_default();
                let record = record(&period, pair, &country, self.settings.min_cell);
                Some((pair.pair_id.clone(), record))
            })
            .collect()
    }

    /// Judges the flows told here on what the exchange holds now.
    pub fn reconcile(&mut self, store: &LiaisonStore, config: &DetectConfig) -> Vec<Anomaly> {
        self.reconcile_judged(store, config).anomalies
    }

    /// [`Exchange::reconcile`], with every period each flow judged.
    pub fn reconcile_judged(&mut self, store: &LiaisonStore, config: &DetectConfig) -> Reconciled {
        let mut out = Reconciled::default();
        for (flow, position) in &mut self.flows {
            let (periods, next) = store.since(&flow.id.pair_id, *position);
            *position = next;
            if periods.is_empty() {
                continue;
            }
            for period in periods {
                flow.offer((*period).clone());
            }
            out.anomalies.extend(flow.judge(config));
            let judged = flow.take_judged();
            if !judged.is_empty() {
                out.judged.push((flow.id.clone(), judged));
            }
        }
        out
    }

    /// The offset to resume from: no later than the first record of a
    /// period not yet exchanged.
    pub fn commit_offset(&self) -> Option<i64> {
        if self.last_offset < 0 {
            return None;
        }
        let next = self.last_offset + 1;
        Some(self.periods.oldest_offset().map_or(next, |o| o.min(next)))
    }

    /// Each flow reconciled here and its latest judged period.
    pub fn latest(&self) -> impl Iterator<Item = (&FlowId, Latest)> {
        self.flows.iter().map(|(flow, _)| (&flow.id, flow.latest))
    }

    /// Records left out: their period was already exchanged.
    pub fn late(&self) -> u64 {
        self.periods.late()
    }
}

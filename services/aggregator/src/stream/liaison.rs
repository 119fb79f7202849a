//! The liaison stage over Kafka: a consumer group of its own on the
//! inspections topic (records of posts without a pair key are skipped
//! before they are decoded), a thin adapter to [`Exchange`]. At the end of
//! each batch it publishes the periods due to the exchange topic, keyed by
//! pair, tracked until durable like every output; every tick it reconciles
//! its flows on the liaison store and publishes what they raise.
//!
//! Each period sent is written to the audit trail in the same batch.
//!
//! A flow judged again after a restart raises the same anomalies again
//! (ids derived from the flow and the episode); one this instance's store
//! already holds at that revision or later is not published twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use borderflow_common::clock::now_ms;
use borderflow_common::kafka::Topics;
use borderflow_domain::twins::PairKeys;
use borderflow_proto::Message as _;
use tracing::{debug, warn};

use crate::detect::DetectConfig;
use crate::liaison::{Exchange, Settings, Stepped};
use crate::metrics;
use crate::partition::effects::{Effects, Record};
use crate::statistics::liaison::audit;
use crate::store::{LiaisonStore, ReferenceStore};
use crate::stream::output::Outputs;
use crate::stream::pipeline::Stage;

#[derive(Clone)]
pub struct LiaisonStage {
    pub keys: Arc<PairKeys>,
    pub settings: Settings,
    pub detect: Arc<DetectConfig>,
    pub liaison: Arc<LiaisonStore>,
    pub reference: Arc<ReferenceStore>,
    pub anomalies: Arc<crate::store::AnomalyStore>,
    /// Longest wait for the liaison view before a partition resumes.
    pub catch_up_deadline: Duration,
    /// This instance's name in the audit trail.
    pub instance: String,
}

impl LiaisonStage {
    fn country_of(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |id: &str| self.reference.crossing(id).map(|c| c.country.clone())
    }
}

impl Stage for LiaisonStage {
    type Partition = Exchange;

    fn name(&self) -> &'static str {
        "liaison"
    }

    fn topic<'a>(&self, topics: &'a Topics) -> &'a str {
        &topics.inspections
    }

    /// A post resumes after the last period published: the view must hold
    /// what the exchange topic held.
    fn before_assign(&self) -> anyhow::Result<()> {
        let started = Instant::now();
        while !self.liaison.is_loaded() {
            if started.elapsed() > self.catch_up_deadline {
                bail!("the liaison view has not read the exchange topic yet");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    fn assign(&self, _partition: i32, _committed: Option<i64>) -> anyhow::Result<Exchange> {
        Ok(Exchange::new(self.keys.clone(), self.settings.clone()))
    }

    fn process(
        &self,
        state: &mut Exchange,
        record: &Record<'_>,
        _out: &mut Outputs<'_>,
    ) -> anyhow::Result<()> {
        if state.step(record, &self.liaison, &self.country_of()) == Stepped::Late
            && let Some(crossing) = record.key.and_then(|k| std::str::from_utf8(k).ok())
        {
            metrics::liaison_late(crossing);
        }
        Ok(())
    }

    fn finish(&self, state: &mut Exchange, out: &mut Outputs<'_>) -> anyhow::Result<()> {
        let topic = out.topics.liaison.clone();
        let audit_topic = out.topics.audit.clone();
        for (pair, record) in state.publish(&self.country_of()) {
            let exit = record.direction == borderflow_proto::inspection::v1::Direction::Exit as i32;
            out.send(&topic, pair.as_bytes(), &record.encode_to_vec(), None)?;
            // Into the audit trail with the period, durable alike.
            let entry = audit::sent(&record, &topic, &self.instance, now_ms());
            out.send(
                &audit_topic,
                entry.principal.as_bytes(),
                &entry.encode_to_vec(),
                None,
            )?;
            metrics::liaison_published(&pair, exit);
        }
        Ok(())
    }

    fn tick(&self, state: &mut Exchange, out: &mut Outputs<'_>) {
        let reconciled = state.reconcile_judged(&self.liaison, &self.detect);
        // What each flow judged, for the dashboard's pair view.
        for (id, judged) in &reconciled.judged {
            self.liaison.judged().record(id, judged);
        }
        for anomaly in reconciled.anomalies {
            if self
                .anomalies
                .get(&anomaly.id)
                .is_some_and(|held| held.revision >= anomaly.revision)
            {
                continue;
            }
            if let Err(err) = out.anomaly(&anomaly) {
                warn!(%err, kind = anomaly.kind, "a twin pair's anomaly was not published; the next judging raises it again");
            }
        }
        for (id, latest) in state.latest() {
            let checks: Vec<(&'static str, usize, usize)> =
                [("gone", latest.gone), ("unrecorded", latest.unrecorded)]
                    .into_iter()
                    .filter_map(|(check, figures)| figures.map(|(m, t)| (check, m, t)))
                    .collect();
            metrics::pair_judged(&id.pair_id, &id.from, &id.to, &checks, latest.transit_ms);
        }
        debug!(late = state.late(), "liaison tick");
    }

    fn commit_offset(&self, state: &Exchange) -> Option<i64> {
        state.commit_offset()
    }
}

//! Live control of an exercise: while `borderflow-sim run` plays a
//! scenario, the trainer pauses and resumes it, changes the clock's speed,
//! injects incidents, ends it early and watches the planted truth beside
//! the operators' dashboard, over the gRPC service
//! `borderflow.exercise.v1.ExerciseControl` (`grpc.rs`, served with
//! `--control-addr`, a bearer token equal to the trainer's secret
//! required) or the `borderflow-sim control` client (`cli/control.rs`).
//!
//! Start reading at [`Control`]: a handle the run lends its levers to
//! while it plays (`run::Levers`: the shared [`crate::clock::Clock`], an
//! early end, channels to the traffic thread and the dispatcher). An
//! injection (`inject.rs` resolves what is asked for) is planned by the
//! scenario's own planner into the run's truth, its reference entries are
//! loaded, then the traffic model takes it between two items, at most
//! [`crate::run::LOOKAHEAD_MS`] of event time ahead of the clock; the
//! scorecard scores it like the scenario's own incidents. Every action,
//! and the run's start and end, goes to the exercise log (`log.rs`).
//!
//! The planted truth is served here only, to the trainer: the aggregator
//! and its dashboard, which the trainees use, never see it.

mod error;
pub mod grpc;
pub mod inject;
mod log;
pub mod status;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use borderflow_common::clock::now_ms;
use borderflow_domain::time::format_rfc3339;

pub use error::{Error, Result};
pub use log::{ExerciseLog, LogEntry};
pub use status::{IncidentState, PlantedIncident, RunState, Source, Status};

use crate::exercise::System;
use crate::plant;
use crate::reference;
use crate::run::{Levers, Played};
use crate::scenario::{Incident, Scenario};
use crate::truth::Truth;
use inject::Request;
use log::LogBook;

/// A log's entries so far and, until the run ends, those to come.
pub type LogWatch = (
    Vec<LogEntry>,
    Option<tokio::sync::broadcast::Receiver<LogEntry>>,
);

/// The control of one exercise at a time; clones share it.
#[derive(Clone, Debug, Default)]
pub struct Control {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    log: LogBook,
    run: Mutex<Run>,
    /// One injection at a time: each plans against the truth the one
    /// before left.
    injecting: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct Run {
    scenario: Option<Arc<Scenario>>,
    phase: Phase,
    /// The speed the run starts at (`None`: unpaced).
    speed: Option<f64>,
    live: Option<Live>,
    injected: Vec<Incident>,
    /// Where the traffic stopped.
    ended_ms: Option<i64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Idle,
    Starting,
    Playing,
    Closing,
    Ended,
}

/// What a run under way lends its control.
#[derive(Debug)]
struct Live {
    levers: Levers,
    truth: Arc<Mutex<Truth>>,
    /// Where an injection's reference entries go.
    systems: Vec<System>,
}

/// `x720`, or `unpaced`.
pub fn speed_text(speed: Option<f64>) -> String {
    speed.map_or_else(|| "unpaced".to_owned(), |s| format!("x{s}"))
}

impl Control {
    /// A run of `scenario` at `speed` is starting: the log opens (written
    /// to `log_path` too, when given).
    pub(crate) fn begin(
        &self,
        scenario: &Scenario,
        speed: Option<f64>,
        log_path: Option<&Path>,
    ) -> anyhow::Result<()> {
        self.inner.log.open(log_path)?;
        *self.run() = Run {
            scenario: Some(Arc::new(scenario.clone())),
            phase: Phase::Starting,
            speed,
            ..Run::default()
        };
        Ok(())
    }

    /// The traffic starts, steered by `levers`.
    pub(crate) fn attach(&self, levers: Levers, truth: Arc<Mutex<Truth>>, systems: Vec<System>) {
        let (start_ms, detail) = {
            let mut run = self.run();
            run.phase = Phase::Playing;
            run.live = Some(Live {
                levers,
                truth,
                systems,
            });
            run.scenario.as_ref().map_or_else(
                || (0, String::new()),
                |s| {
                    let detail = format!(
                        "scenario {:?} on {}, {} to {}, {}, {} incidents",
                        s.name,
                        s.network.name,
                        format_rfc3339(s.start_ms),
                        format_rfc3339(s.end_ms),
                        speed_text(run.speed),
                        s.incidents.len()
                    );
                    (s.start_ms, detail)
                },
            )
        };
        self.write_at(start_ms, "start", detail, "ok".into());
    }

    /// The traffic has stopped: the booths close, the scorecard is made.
    pub(crate) fn closing(&self, played: &Played) {
        let mut run = self.run();
        run.phase = Phase::Closing;
        run.ended_ms = Some(played.ended_at.unwrap_or(played.last_ms));
    }

    /// The run is over, as `outcome` says; the log closes.
    pub(crate) fn finish(&self, detail: String, outcome: String) -> ExerciseLog {
        self.write("end", detail, outcome);
        self.run().phase = Phase::Ended;
        self.inner.log.close()
    }

    /// Stops event time.
    pub fn pause(&self) -> Result<Status> {
        let paused = self.levers().map(|l| l.clock.pause());
        let outcome = match &paused {
            Ok(true) => "ok".to_owned(),
            Ok(false) => "already paused".to_owned(),
            Err(e) => e.to_string(),
        };
        self.write("pause", String::new(), outcome);
        paused?;
        self.status(false)
    }

    /// Lets event time go on from where it stopped.
    pub fn resume(&self) -> Result<Status> {
        let resumed = self.levers().map(|l| l.clock.resume());
        let outcome = match &resumed {
            Ok(true) => "ok".to_owned(),
            Ok(false) => "not paused".to_owned(),
            Err(e) => e.to_string(),
        };
        self.write("resume", String::new(), outcome);
        resumed?;
        self.status(false)
    }

    /// Goes on at `speed` (`None`: unpaced) from the event time reached.
    pub fn set_speed(&self, speed: Option<f64>) -> Result<Status> {
        let changed = match speed {
            Some(s) if !(s.is_finite() && s > 0.0) => Err(Error::Invalid(
                crate::scenario::FieldError::new("speed", "must be positive, or 0 for unpaced"),
            )),
            _ => self.levers().map(|l| {
                let was = l.clock.pacing().speed();
                l.clock.set_speed(speed);
                was
            }),
        };
        let (detail, outcome) = match &changed {
            Ok(was) => (
                format!("{} (was {})", speed_text(speed), speed_text(*was)),
                "ok".to_owned(),
            ),
            Err(e) => (speed_text(speed), e.to_string()),
        };
        self.write("speed", detail, outcome);
        changed?;
        self.status(false)
    }

    /// Stops the traffic at the event time reached; the run closes as at
    /// its end and is scored over the span played.
    pub fn end_early(&self) -> Result<Status> {
        let ended = self.levers().map(|l| {
            // Event time stops first, so the end is where the clock stood.
            l.clock.pause();
            l.end.cancel();
            l.clock.now_ms()
        });
        let outcome = match &ended {
            Ok(at) => format!("ok: the traffic stops at {}", format_rfc3339(*at)),
            Err(e) => e.to_string(),
        };
        self.write("end_early", String::new(), outcome);
        ended?;
        self.status(false)
    }

    /// Plants an incident from now on (see `inject.rs`).
    pub async fn inject(&self, request: Request) -> Result<PlantedIncident> {
        let detail = describe(&request);
        let planted = self.plant(&request).await;
        let outcome = match &planted {
            Ok(p) => format!(
                "planted {:?}: {} occurrences of {} at {}, {} to {}",
                p.label,
                p.occurrences,
                p.kind,
                p.crossings.join(", "),
                format_rfc3339(p.start_ms),
                format_rfc3339(p.end_ms)
            ),
            Err(e) => format!("refused: {e}"),
        };
        self.write("inject", detail, outcome);
        planted
    }

    async fn plant(&self, request: &Request) -> Result<PlantedIncident> {
        let _one_at_a_time = self.inner.injecting.lock().await;
        let (scenario, levers, truth, systems, at) = {
            let run = self.run();
            let live = run.playing()?;
            let scenario = run.scenario.clone().ok_or(Error::NotStarted)?;
            let at = inject::At {
                now_ms: live.levers.clock.now_ms(),
                frontier_ms: live.levers.frontier.load(Ordering::Relaxed),
                index: scenario.incidents.len() + run.injected.len(),
                injected: run.injected.len(),
            };
            (
                scenario,
                live.levers.clone(),
                live.truth.clone(),
                live.systems.clone(),
                at,
            )
        };
        let incident = inject::resolve(&scenario, request, &at)?;
        let (plan, before) = {
            let mut truth = truth.lock().expect("truth lock");
            let before = truth.occurrences.len();
            let plan = plant::plan_more(&scenario, &incident, &mut truth)
                .map_err(|e| inject::rename(e, &at))?;
            if truth.occurrences.len() == before {
                return Err(Error::Planting {
                    what: incident.label.clone(),
                    reason: "planted nothing: its crossings are closed for all of its span".into(),
                });
            }
            (plan, before)
        };
        // Nothing of it reaches the traffic unless all of it can.
        let take_back = || {
            truth
                .lock()
                .expect("truth lock")
                .occurrences
                .truncate(before)
        };
        for system in &systems {
            if plan.references.is_empty() {
                break;
            }
            let entries = reference::entries(&plan.references, &system.keys, at.now_ms);
            if let Err(e) = reference::load(system.aggregator.clone(), entries).await {
                take_back();
                return Err(Error::References(format!("{e:#}")));
            }
        }
        if levers.injections.send(plan.injections).is_err() {
            take_back();
            return Err(Error::Ended);
        }
        for event in plan.link_events {
            // The dispatcher gone, the run is closing: outages are moot.
            let _ = levers.link_events.send(event);
        }
        let mut run = self.run();
        run.injected.push(incident.clone());
        let truth = truth.lock().expect("truth lock");
        let lines = status::planted(
            &truth,
            std::slice::from_ref(&incident),
            scenario.incidents.len(),
            at.now_ms,
            true,
        );
        lines
            .into_iter()
            .find(|line| line.index == incident.index)
            .ok_or(Error::Ended)
    }

    /// Where the run stands and, with `upcoming` also those to come, the
    /// incidents planted so far.
    pub fn status(&self, upcoming: bool) -> Result<Status> {
        let run = self.run();
        let scenario = run.scenario.as_ref().ok_or(Error::NotStarted)?;
        let pacing = run.live.as_ref().map(|l| l.levers.clock.pacing());
        let event_ms = run.event_ms();
        let paused = pacing.is_some_and(|p| p.is_paused());
        let state = match run.phase {
            Phase::Idle | Phase::Starting => RunState::Starting,
            Phase::Playing if paused => RunState::Paused,
            Phase::Playing => RunState::Running,
            Phase::Closing => RunState::Closing,
            Phase::Ended => RunState::Ended,
        };
        let incidents = match &run.live {
            Some(live) => {
                let all: Vec<Incident> = scenario
                    .incidents
                    .iter()
                    .chain(&run.injected)
                    .cloned()
                    .collect();
                let truth = live.truth.lock().expect("truth lock");
                status::planted(&truth, &all, scenario.incidents.len(), event_ms, upcoming)
            }
            None => Vec::new(),
        };
        Ok(Status {
            scenario: scenario.name.clone(),
            state,
            event_ms,
            wall_ms: now_ms(),
            speed: pacing.map_or(run.speed, |p| p.speed()),
            paused,
            start_ms: scenario.start_ms,
            end_ms: scenario.end_ms,
            incidents,
        })
    }

    /// The log so far and, until the run ends, its entries to come.
    pub fn watch_log(&self) -> Result<LogWatch> {
        if self.run().phase == Phase::Idle {
            return Err(Error::NotStarted);
        }
        Ok(self.inner.log.watch())
    }

    /// The incidents injected so far.
    pub fn injected(&self) -> Vec<Incident> {
        self.run().injected.clone()
    }

    fn run(&self) -> std::sync::MutexGuard<'_, Run> {
        self.inner.run.lock().expect("control lock")
    }

    /// The levers of a run that is playing.
    fn levers(&self) -> Result<Levers> {
        self.run().playing().map(|live| live.levers.clone())
    }

    /// Adds an entry at the run's event time now.
    fn write(&self, action: &str, detail: String, outcome: String) {
        let event_ms = self.run().event_ms();
        self.write_at(event_ms, action, detail, outcome);
    }

    fn write_at(&self, event_ms: i64, action: &str, detail: String, outcome: String) {
        self.inner.log.write(LogEntry {
            wall_ms: now_ms(),
            event_ms,
            action: action.to_owned(),
            detail,
            outcome,
        });
    }
}

impl Run {
    /// The event time: the clock's while the traffic plays, where it
    /// stopped after.
    fn event_ms(&self) -> i64 {
        match (&self.live, self.ended_ms) {
            (_, Some(ended)) => ended,
            (Some(live), None) => live.levers.clock.now_ms(),
            (None, None) => self.scenario.as_ref().map_or(0, |s| s.start_ms),
        }
    }

    /// The run's levers and truth, while its traffic plays.
    fn playing(&self) -> Result<&Live> {
        match (self.phase, &self.live) {
            (Phase::Playing, Some(live)) => Ok(live),
            (Phase::Idle | Phase::Starting, _) => Err(Error::NotStarted),
            _ => Err(Error::Ended),
        }
    }
}

/// An injection request as the log records it.
fn describe(request: &Request) -> String {
    match request {
        Request::Catalogue(label) => format!("catalogue {label:?}"),
        Request::Spec { text, format } => {
            let mut one_line = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            if one_line.len() > 500 {
                let mut cut = 500;
                while !one_line.is_char_boundary(cut) {
                    cut -= 1;
                }
                one_line.truncate(cut);
                one_line.push('…');
            }
            let format = match format {
                inject::Format::Toml => "toml",
                inject::Format::Json => "json",
            };
            format!("{format} spec: {one_line}")
        }
    }
}

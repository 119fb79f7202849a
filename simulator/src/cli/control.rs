//! `borderflow-sim control`: the trainer's client of a running exercise's
//! control endpoint (`crate::control`, served by `run --control-addr`).

use std::path::PathBuf;

use anyhow::Context;
use borderflow_common::grpc::{Bearer, authorized};
use borderflow_domain::time::format_rfc3339;
use borderflow_proto::exercise::v1 as pb;
use borderflow_proto::exercise::v1::exercise_control_client::ExerciseControlClient;
use borderflow_proto::{Timestamp, timestamp_to_ms};

use crate::control::speed_text;
use crate::scenario::time::parse_speed;

#[derive(clap::Args, Debug)]
pub struct ControlArgs {
    /// The exercise's control endpoint: `ADDRESS:PORT`, a port on
    /// 127.0.0.1, or a URL (`http://127.0.0.1:7300`).
    #[arg(long, env = "BORDERFLOW_SIM_CONTROL_ADDR")]
    pub addr: String,
    /// File with the trainer's secret, the one `run --control-token-file`
    /// was given.
    #[arg(long, env = "BORDERFLOW_SIM_CONTROL_TOKEN_FILE")]
    pub token_file: PathBuf,
    #[command(subcommand)]
    pub action: ControlAction,
}

#[derive(clap::Subcommand, Debug)]
pub enum ControlAction {
    /// Stops event time.
    Pause,
    /// Goes on from where the pause stopped.
    Resume,
    /// Goes on at another speed: `x720`, `1440`, `real-time`, `unpaced`
    /// or `1 day in 2 minutes`.
    Speed { speed: String },
    /// Plants one of the scenario's incidents again, from now, by its
    /// label (`name` in the scenario file).
    Inject { label: String },
    /// Plants the incident a file describes as a scenario file's
    /// `[[incident]]` does (TOML; JSON when the name ends in `.json`),
    /// from now unless it gives a `start`.
    InjectFile { path: PathBuf },
    /// Stops the traffic now; the run closes and is scored over the span
    /// played.
    End,
    /// Where the exercise stands and the truth planted so far.
    Status {
        /// Also the incidents that have not started yet.
        #[arg(long)]
        all: bool,
    },
    /// The exercise log.
    Log {
        /// Keep printing new entries until the run ends.
        #[arg(long)]
        follow: bool,
    },
}

/// Runs one control action; `report` receives what it answered.
pub(super) async fn control(args: ControlArgs, report: impl Fn(&str)) -> anyhow::Result<()> {
    let channel = crate::run::connect(&url(&args.addr), None).await?;
    let bearer = Bearer::from_file(&args.token_file)?;
    let mut client = ExerciseControlClient::new(authorized(channel, bearer));
    let refused = |s: tonic::Status| anyhow::anyhow!("{:?}: {}", s.code(), s.message());
    let status = match args.action {
        ControlAction::Pause => {
            client
                .pause(pb::PauseRequest {})
                .await
                .map_err(refused)?
                .into_inner()
                .status
        }
        ControlAction::Resume => {
            client
                .resume(pb::ResumeRequest {})
                .await
                .map_err(refused)?
                .into_inner()
                .status
        }
        ControlAction::Speed { speed } => {
            let speed = parse_speed(&speed).map_err(|e| anyhow::anyhow!("speed: {e}"))?;
            let request = pb::SetSpeedRequest {
                speed: speed.unwrap_or(0.0),
            };
            client
                .set_speed(request)
                .await
                .map_err(refused)?
                .into_inner()
                .status
        }
        ControlAction::Inject { label } => {
            let incident = pb::inject_request::Incident::CatalogueLabel(label);
            return inject(&mut client, incident, &report).await;
        }
        ControlAction::InjectFile { path } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let format = if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                pb::SpecFormat::Json
            } else {
                pb::SpecFormat::Toml
            };
            let incident = pb::inject_request::Incident::Spec(pb::IncidentSpec {
                text,
                format: format as i32,
            });
            return inject(&mut client, incident, &report).await;
        }
        ControlAction::End => {
            client
                .end_early(pb::EndEarlyRequest {})
                .await
                .map_err(refused)?
                .into_inner()
                .status
        }
        ControlAction::Status { all } => {
            let request = pb::GetStatusRequest {
                include_upcoming: all,
            };
            client
                .get_status(request)
                .await
                .map_err(refused)?
                .into_inner()
                .status
        }
        ControlAction::Log { follow } => {
            let mut entries = client
                .watch_log(pb::WatchLogRequest { follow })
                .await
                .map_err(refused)?
                .into_inner();
            while let Some(response) = entries.message().await.map_err(refused)? {
                if let Some(entry) = response.entry {
                    report(&log_line(&entry));
                }
            }
            return Ok(());
        }
    };
    if let Some(status) = status {
        report(&status_text(&status));
    }
    Ok(())
}

async fn inject(
    client: &mut ExerciseControlClient<borderflow_common::grpc::Authorized>,
    incident: pb::inject_request::Incident,
    report: &impl Fn(&str),
) -> anyhow::Result<()> {
    let planted = client
        .inject(pb::InjectRequest {
            incident: Some(incident),
        })
        .await
        .map_err(|s| anyhow::anyhow!("{:?}: {}", s.code(), s.message()))?
        .into_inner()
        .incident;
    if let Some(planted) = planted {
        report(&format!("planted: {}", incident_line(&planted)));
    }
    Ok(())
}

/// A URL for `addr`: as given, or `http://` before an address, or
/// 127.0.0.1 before a port.
fn url(addr: &str) -> String {
    let addr = addr.trim();
    if addr.contains("://") {
        addr.to_owned()
    } else if addr.parse::<u16>().is_ok() {
        format!("http://127.0.0.1:{addr}")
    } else {
        format!("http://{addr}")
    }
}

fn time(ts: Option<&Timestamp>) -> String {
    ts.and_then(timestamp_to_ms)
        .map_or_else(|| "?".to_owned(), format_rfc3339)
}

/// The status as lines of text.
fn status_text(status: &pb::ExerciseStatus) -> String {
    let state = pb::RunState::try_from(status.state)
        .map_or("?", |s| s.as_str_name())
        .trim_start_matches("RUN_STATE_")
        .to_ascii_lowercase();
    let speed = speed_text((status.speed > 0.0).then_some(status.speed));
    let mut text = format!(
        "{:?}: {state} at {speed}, event time {} (wall {}); scenario {} to {}",
        status.scenario,
        time(status.event_time.as_ref()),
        time(status.wall_time.as_ref()),
        time(status.start.as_ref()),
        time(status.end.as_ref()),
    );
    if status.incidents.is_empty() {
        text.push_str("\n  no incidents planted yet");
    }
    for incident in &status.incidents {
        text.push_str("\n  ");
        text.push_str(&incident_line(incident));
    }
    text
}

/// One planted incident, with its truth.
fn incident_line(p: &pb::PlantedIncident) -> String {
    let name = |value: &str, prefix: &str| value.trim_start_matches(prefix).to_ascii_lowercase();
    let state = pb::IncidentState::try_from(p.state).map_or("?", |s| s.as_str_name());
    let source = pb::IncidentSource::try_from(p.source).map_or("?", |s| s.as_str_name());
    let officer = if p.officer_id.is_empty() {
        String::new()
    } else {
        format!(", officer {}", p.officer_id)
    };
    format!(
        "[{}, {}] {:?}: {} at {}{officer}, {} to {}; expects {}; {} occurrences, {} events so far",
        name(state, "INCIDENT_STATE_"),
        name(source, "INCIDENT_SOURCE_"),
        p.label,
        p.kind,
        p.crossing_ids.join(", "),
        time(p.start.as_ref()),
        time(p.end.as_ref()),
        p.expected_anomalies.join(", "),
        p.occurrences,
        p.events,
    )
}

fn log_line(e: &pb::LogEntry) -> String {
    let detail = if e.detail.is_empty() {
        String::new()
    } else {
        format!(" {}", e.detail)
    };
    format!(
        "{} (event {}) {}{detail}: {}",
        time(e.wall_time.as_ref()),
        time(e.event_time.as_ref()),
        e.action,
        e.outcome
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_reads_as_text() {
        let at = |ms| Some(borderflow_proto::ms_to_timestamp(ms));
        let day = 1_777_852_800_000;
        let status = pb::ExerciseStatus {
            scenario: "week".into(),
            state: pb::RunState::Paused as i32,
            event_time: at(day + 3_600_000),
            wall_time: at(0),
            speed: 720.0,
            paused: true,
            start: at(day),
            end: at(day + 86_400_000),
            incidents: vec![pb::PlantedIncident {
                label: "ring (injected #1)".into(),
                kind: "forged_documents".into(),
                crossing_ids: vec!["KG-AKZHOL".into()],
                start: at(day + 3_600_000),
                end: at(day + 7_200_000),
                source: pb::IncidentSource::Injected as i32,
                state: pb::IncidentState::Active as i32,
                occurrences: 6,
                events: 2,
                expected_anomalies: vec!["MRZ_CHECK_DIGIT".into()],
                officer_id: String::new(),
            }],
        };
        assert_eq!(
            status_text(&status),
            "\"week\": paused at x720, event time 2026-05-04T01:00:00.000Z (wall \
             1970-01-01T00:00:00.000Z); scenario 2026-05-04T00:00:00.000Z to \
             2026-05-05T00:00:00.000Z\n  [active, injected] \"ring (injected #1)\": \
             forged_documents at KG-AKZHOL, 2026-05-04T01:00:00.000Z to \
             2026-05-04T02:00:00.000Z; expects MRZ_CHECK_DIGIT; 6 occurrences, 2 events so far"
        );
        let entry = pb::LogEntry {
            wall_time: at(0),
            event_time: at(day),
            action: "speed".into(),
            detail: "x720 (was x60)".into(),
            outcome: "ok".into(),
        };
        assert_eq!(
            log_line(&entry),
            "1970-01-01T00:00:00.000Z (event 2026-05-04T00:00:00.000Z) speed x720 (was x60): ok"
        );
    }

    #[test]
    fn addresses_become_urls() {
        assert_eq!(url("7300"), "http://127.0.0.1:7300");
        assert_eq!(url("127.0.0.1:7300"), "http://127.0.0.1:7300");
        assert_eq!(
            url("https://trainer.example:443"),
            "https://trainer.example:443"
        );
    }
}

use borderflow_proto::analytics::v1::{
    Anomaly, AnomalyStatus, Crossing, CrossingWindow, Distribution, Severity, WindowState,
};
use borderflow_proto::inspection::v1::TravelMode;
use borderflow_proto::ms_to_timestamp;

use super::*;

const MINUTE: i64 = 60_000;

fn crossing() -> Crossing {
    Crossing {
        id: "KZ-1".into(),
        name: "Khorgos".into(),
        country: "KAZ".into(),
        neighbour_country: "CHN".into(),
        latitude: 44.2,
        longitude: 80.4,
        mode: TravelMode::Road as i32,
        lanes: 4,
        capacity_per_hour: 600,
        ..Crossing::default()
    }
}

fn window(start_min: i64, state: WindowState, inspections: u64) -> CrossingWindow {
    CrossingWindow {
        crossing_id: "KZ-1".into(),
        start: Some(ms_to_timestamp(start_min * MINUTE)),
        end: Some(ms_to_timestamp((start_min + 1) * MINUTE)),
        state: state as i32,
        inspections,
        admitted: inspections.saturating_sub(2),
        refused: 2.min(inspections),
        queue_wait: Some(Distribution {
            count: inspections,
            p50_seconds: 61.04,
            p95_seconds: 300.6,
            p99_seconds: 612.0,
            ..Distribution::default()
        }),
        ..CrossingWindow::default()
    }
}

fn anomaly(crossing: &str, severity: Severity, at_ms: i64) -> Anomaly {
    Anomaly {
        id: format!("{crossing}-{at_ms}"),
        crossing_id: crossing.into(),
        severity: severity as i32,
        event_time: Some(ms_to_timestamp(at_ms)),
        status: AnomalyStatus::Open as i32,
        ..Anomaly::default()
    }
}

#[test]
fn the_rate_comes_from_the_last_closed_window() {
    let c = crossing();
    let open = window(11, WindowState::Open, 3);
    let closed = window(10, WindowState::Closed, 7);
    let view = summarise(
        "KZ-1",
        Inputs {
            crossing: Some(&c),
            open: Some(&open),
            closed: Some(&closed),
            open_anomalies: 2,
            alert: false,
        },
    );
    assert_eq!(view.rate_per_min, 7.0);
    assert!(!view.provisional);
    assert_eq!(view.window_end_ms, Some(11 * MINUTE));
    assert_eq!(view.open_inspections, 3);
    assert_eq!((view.inspections, view.admitted, view.refused), (7, 5, 2));
    assert_eq!(view.wait_p50_s, Some(61.0), "rounded to whole seconds");
    assert_eq!(view.wait_p95_s, Some(301.0));
    assert_eq!((view.lat, view.lon), (Some(44.2), Some(80.4)));
    assert_eq!(view.mode, "road");
    assert_eq!(view.state, State::Ok);
    assert_eq!(view.open_anomalies, 2);
}

#[test]
fn before_any_window_closes_the_open_one_stands_in() {
    let open = window(11, WindowState::Open, 4);
    let view = summarise(
        "KZ-1",
        Inputs {
            open: Some(&open),
            ..Inputs::default()
        },
    );
    assert_eq!(view.rate_per_min, 4.0);
    assert!(view.provisional);
    assert_eq!(view.wait_p95_s, None, "waits only from closed windows");
    assert_eq!((view.lat, view.mode), (None, "unknown"), "not registered");
}

#[test]
fn a_crossing_near_capacity_or_with_long_waits_is_busy() {
    let c = crossing(); // 600 an hour: busy from 8 a minute
    let near = window(10, WindowState::Closed, 8);
    let busy = summarise(
        "KZ-1",
        Inputs {
            crossing: Some(&c),
            closed: Some(&near),
            ..Inputs::default()
        },
    );
    assert_eq!(busy.state, State::Busy);

    let mut slow = window(10, WindowState::Closed, 2);
    slow.queue_wait.as_mut().unwrap().p95_seconds = 25.0 * 60.0;
    let waiting = summarise(
        "KZ-1",
        Inputs {
            crossing: Some(&c),
            closed: Some(&slow),
            ..Inputs::default()
        },
    );
    assert_eq!(waiting.state, State::Busy);

    let alert = summarise(
        "KZ-1",
        Inputs {
            crossing: Some(&c),
            closed: Some(&near),
            alert: true,
            ..Inputs::default()
        },
    );
    assert_eq!(alert.state, State::Alert, "an alert outranks load");
}

#[test]
fn serious_anomalies_hold_an_alert_for_a_while() {
    let mut alerts = Alerts::default();
    assert!(!alerts.note(&anomaly("A", Severity::Medium, 100 * MINUTE)));
    let mut retracted = anomaly("A", Severity::Critical, 100 * MINUTE);
    retracted.status = AnomalyStatus::Retracted as i32;
    assert!(!alerts.note(&retracted));
    assert!(!alerts.active("A", 100 * MINUTE));

    assert!(alerts.note(&anomaly("A", Severity::High, 100 * MINUTE)));
    assert!(alerts.note(&anomaly("A", Severity::High, 90 * MINUTE)));
    assert!(alerts.active("A", 100 * MINUTE));
    assert!(alerts.active("A", 115 * MINUTE));
    assert!(!alerts.active("A", 116 * MINUTE), "expired after the hold");
    assert!(!alerts.active("B", 100 * MINUTE));
    assert!(
        alerts.active("A", i64::MIN),
        "no clock yet: nothing expires"
    );
}

#[test]
fn the_clock_is_the_open_window_start_or_the_closed_window_end() {
    assert_eq!(
        window_clock(&window(5, WindowState::Open, 1)),
        Some(5 * MINUTE)
    );
    assert_eq!(
        window_clock(&window(5, WindowState::Closed, 1)),
        Some(6 * MINUTE)
    );
    assert_eq!(window_clock(&CrossingWindow::default()), None);
}

#[test]
fn chart_points_leave_out_percentiles_of_empty_windows() {
    let mut w = window(10, WindowState::Amended, 0);
    w.queue_wait.as_mut().unwrap().count = 0;
    let point = WindowPoint::from(&w);
    assert_eq!(point.wait_p50_s, None);
    assert_eq!(point.duration_p95_s, None);
    assert!(!point.open);
    let busy = WindowPoint::from(&window(10, WindowState::Open, 12));
    assert!(busy.open);
    assert_eq!(busy.rate_per_min, 12.0);
    assert_eq!(busy.wait_p99_s, Some(612.0));
    assert_eq!(
        (busy.start_ms, busy.end_ms),
        (Some(10 * MINUTE), Some(11 * MINUTE))
    );
}

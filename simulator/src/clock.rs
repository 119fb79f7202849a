//! The scenario clock: simulated (event) time mapped onto wall time at a
//! chosen speed, or as fast as ingest takes it, and steered while the run
//! plays: paused, resumed, sped up or slowed down (`crate::control`).
//!
//! [`Pacing`] is the mapping, pure: an anchor (an event time and the wall
//! instant it was reached), a speed, and whether time stands still. Every
//! change re-anchors it at the event time reached, so event time never
//! jumps: a pause holds it, a resume goes on from there (what fell due
//! while paused is not overdue afterwards, it never fell due), and a new
//! speed goes on from where the old one had got. [`Clock`] shares one
//! pacing between the dispatcher, the traffic thread and the control
//! endpoint, and waits on it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// How event time maps onto wall time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacing {
    anchor_ms: i64,
    anchor_wall: Instant,
    /// Simulated seconds per wall second; `None` runs unpaced.
    speed: Option<f64>,
    paused: bool,
}

/// When an event time falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Now,
    At(Instant),
    /// Not while paused.
    Paused,
}

/// A usable speed: positive and finite, else unpaced.
fn valid(speed: Option<f64>) -> Option<f64> {
    speed.filter(|s| s.is_finite() && *s > 0.0)
}

impl Pacing {
    /// Event time `sim_ms` at wall instant `wall`, going on at `speed`.
    pub fn new(sim_ms: i64, wall: Instant, speed: Option<f64>) -> Self {
        Self {
            anchor_ms: sim_ms,
            anchor_wall: wall,
            speed: valid(speed),
            paused: false,
        }
    }

    pub fn speed(&self) -> Option<f64> {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The event time at `wall`; `None` when running unpaced, where event
    /// time is whatever was sent last.
    pub fn sim_at(&self, wall: Instant) -> Option<i64> {
        if self.paused {
            return Some(self.anchor_ms);
        }
        let speed = self.speed?;
        let elapsed = wall.saturating_duration_since(self.anchor_wall);
        Some(self.anchor_ms + (elapsed.as_secs_f64() * 1_000.0 * speed) as i64)
    }

    /// When event time `sim_ms` falls due. While paused, what the clock
    /// has reached stays due and nothing later is.
    pub fn due(&self, sim_ms: i64) -> Due {
        if self.paused {
            return if sim_ms <= self.anchor_ms {
                Due::Now
            } else {
                Due::Paused
            };
        }
        let Some(speed) = self.speed else {
            return Due::Now;
        };
        let wall_ms = (sim_ms - self.anchor_ms).max(0) as f64 / speed;
        Due::At(self.anchor_wall + Duration::from_secs_f64(wall_ms / 1_000.0))
    }

    /// Stops event time at what it is at `wall`; `sent_ms` is what an
    /// unpaced run has sent, its event time. False when already paused.
    pub fn pause(&mut self, wall: Instant, sent_ms: i64) -> bool {
        if self.paused {
            return false;
        }
        self.anchor_ms = self.sim_at(wall).unwrap_or(sent_ms);
        self.anchor_wall = wall;
        self.paused = true;
        true
    }

    /// Lets event time go on from where it stopped, from `wall`. False
    /// when not paused.
    pub fn resume(&mut self, wall: Instant) -> bool {
        if !self.paused {
            return false;
        }
        self.anchor_wall = wall;
        self.paused = false;
        true
    }

    /// Goes on at `speed` (`None`: unpaced) from the event time reached at
    /// `wall` (`sent_ms` when unpaced). A paused clock stays paused and
    /// takes the speed when resumed. False when the speed is the same.
    pub fn set_speed(&mut self, speed: Option<f64>, wall: Instant, sent_ms: i64) -> bool {
        let speed = valid(speed);
        if speed == self.speed {
            return false;
        }
        if !self.paused {
            self.anchor_ms = self.sim_at(wall).unwrap_or(sent_ms);
            self.anchor_wall = wall;
        }
        self.speed = speed;
        true
    }

    /// Starts event time at `sim_ms` from `wall`, keeping the speed and a
    /// pause: the run starts streaming now, whatever preparation took.
    pub fn restart(&mut self, sim_ms: i64, wall: Instant) {
        self.anchor_ms = sim_ms;
        self.anchor_wall = wall;
    }
}

/// What falls due within this counts as due now: sleeping for less is not
/// worth a timer.
const DUE_EARLY: Duration = Duration::from_millis(1);

/// One pacing shared by the run's parts, with what has been sent so far.
#[derive(Debug)]
pub struct Clock {
    pacing: watch::Sender<Pacing>,
    /// The latest event time the dispatcher sent.
    sent_ms: AtomicI64,
}

impl Clock {
    /// A clock at `sim_start_ms` from now, going at `speed`.
    pub fn new(sim_start_ms: i64, speed: Option<f64>) -> Self {
        Self {
            pacing: watch::Sender::new(Pacing::new(sim_start_ms, Instant::now(), speed)),
            sent_ms: AtomicI64::new(sim_start_ms),
        }
    }

    pub fn pacing(&self) -> Pacing {
        *self.pacing.borrow()
    }

    /// The event time now.
    pub fn now_ms(&self) -> i64 {
        self.pacing()
            .sim_at(Instant::now())
            .unwrap_or_else(|| self.sent_ms())
    }

    /// The latest event time sent.
    pub fn sent_ms(&self) -> i64 {
        self.sent_ms.load(Ordering::Relaxed)
    }

    /// Records that what was due at `at_ms` went out.
    pub fn sent(&self, at_ms: i64) {
        self.sent_ms.fetch_max(at_ms, Ordering::Relaxed);
    }

    /// Starts event time at `sim_ms` now (see [`Pacing::restart`]).
    pub fn restart(&self, sim_ms: i64) {
        self.pacing
            .send_modify(|p| p.restart(sim_ms, Instant::now()));
        self.sent_ms.store(sim_ms, Ordering::Relaxed);
    }

    /// Pauses; false when already paused. Event time stops where what
    /// counts as due now ends, so nothing already let through lies after it.
    pub fn pause(&self) -> bool {
        let sent = self.sent_ms();
        self.pacing
            .send_if_modified(|p| p.pause(Instant::now() + DUE_EARLY, sent))
    }

    /// Resumes; false when not paused.
    pub fn resume(&self) -> bool {
        self.pacing.send_if_modified(|p| p.resume(Instant::now()))
    }

    /// Goes on at `speed`; false when it is the speed already.
    pub fn set_speed(&self, speed: Option<f64>) -> bool {
        let sent = self.sent_ms();
        self.pacing
            .send_if_modified(|p| p.set_speed(speed, Instant::now(), sent))
    }

    /// Whether `sim_ms` is due (within a millisecond).
    pub fn is_due(&self, sim_ms: i64) -> bool {
        match self.pacing.borrow().due(sim_ms) {
            Due::Now => true,
            Due::At(at) => at <= Instant::now() + DUE_EARLY,
            Due::Paused => false,
        }
    }

    /// Waits until `sim_ms` is due, following pauses and changes of speed;
    /// returns at once when running unpaced or behind schedule.
    pub async fn wait_until(&self, sim_ms: i64) {
        let mut changes = self.pacing.subscribe();
        loop {
            let due = changes.borrow_and_update().due(sim_ms);
            let changed = match due {
                Due::Now => return,
                Due::At(at) if at <= Instant::now() + DUE_EARLY => return,
                Due::At(at) => tokio::select! {
                    () = tokio::time::sleep_until(at.into()) => return,
                    changed = changes.changed() => changed,
                },
                Due::Paused => changes.changed().await,
            };
            // The sender lives as long as `self`; never spin.
            if changed.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_day_at_speed_1440_takes_a_minute() {
        let t0 = Instant::now();
        let pacing = Pacing::new(0, t0, Some(1_440.0));
        assert_eq!(pacing.due(86_400_000), Due::At(t0 + 60 * SECOND));
        assert_eq!(pacing.sim_at(t0 + 60 * SECOND), Some(86_400_000));
        let unpaced = Pacing::new(0, t0, None);
        assert_eq!(unpaced.due(1_000), Due::Now);
        assert_eq!(unpaced.sim_at(t0 + SECOND), None);
        assert_eq!(Pacing::new(0, t0, Some(0.0)).speed(), None);
    }

    #[test]
    fn a_pause_holds_event_time_and_a_resume_goes_on_from_there() {
        let t0 = Instant::now();
        let mut pacing = Pacing::new(0, t0, Some(60.0));
        // Ten wall seconds at x60: ten simulated minutes.
        assert!(pacing.pause(t0 + 10 * SECOND, 0));
        assert!(!pacing.pause(t0 + 11 * SECOND, 0));
        for wall in [10, 20, 600] {
            assert_eq!(pacing.sim_at(t0 + wall * SECOND), Some(600_000));
        }
        // What the clock reached stays due, nothing after it.
        assert_eq!(pacing.due(600_000), Due::Now);
        assert_eq!(pacing.due(600_001), Due::Paused);
        // Resumed at 100 s: the next minute is due a second later, not
        // ninety seconds ago.
        let resumed = t0 + 100 * SECOND;
        assert!(pacing.resume(resumed));
        assert!(!pacing.resume(resumed));
        assert_eq!(pacing.sim_at(resumed), Some(600_000));
        assert_eq!(pacing.due(660_000), Due::At(resumed + SECOND));
        assert_eq!(pacing.sim_at(resumed + 2 * SECOND), Some(720_000));
    }

    #[test]
    fn a_new_speed_goes_on_from_the_time_reached() {
        let t0 = Instant::now();
        let mut pacing = Pacing::new(0, t0, Some(60.0));
        let t1 = t0 + 10 * SECOND;
        assert!(pacing.set_speed(Some(720.0), t1, 0));
        assert!(!pacing.set_speed(Some(720.0), t1, 0));
        // No jump where the speed changed; twelve times faster after.
        assert_eq!(pacing.sim_at(t1), Some(600_000));
        assert_eq!(pacing.sim_at(t1 + SECOND), Some(1_320_000));
        assert_eq!(pacing.due(1_320_000), Due::At(t1 + SECOND));
        // Slowing down works the same way.
        let t2 = t1 + SECOND;
        assert!(pacing.set_speed(Some(1.0), t2, 0));
        assert_eq!(pacing.sim_at(t2 + SECOND), Some(1_321_000));
    }

    #[test]
    fn a_paused_clock_takes_a_new_speed_when_resumed() {
        let t0 = Instant::now();
        let mut pacing = Pacing::new(0, t0, Some(60.0));
        pacing.pause(t0 + SECOND, 0);
        assert!(pacing.set_speed(Some(120.0), t0 + 5 * SECOND, 0));
        assert_eq!(pacing.sim_at(t0 + 9 * SECOND), Some(60_000));
        pacing.resume(t0 + 10 * SECOND);
        assert_eq!(pacing.sim_at(t0 + 11 * SECOND), Some(180_000));
    }

    #[test]
    fn an_unpaced_run_pauses_at_what_it_sent_and_can_be_paced_from_there() {
        let t0 = Instant::now();
        let mut pacing = Pacing::new(0, t0, None);
        assert!(pacing.pause(t0 + SECOND, 42_000));
        assert_eq!(pacing.due(42_000), Due::Now);
        assert_eq!(pacing.due(42_001), Due::Paused);
        pacing.resume(t0 + 2 * SECOND);
        assert_eq!(pacing.due(50_000_000), Due::Now);
        assert!(pacing.set_speed(Some(1_000.0), t0 + 3 * SECOND, 90_000));
        assert_eq!(pacing.sim_at(t0 + 4 * SECOND), Some(1_090_000));
    }

    #[test]
    fn a_restart_keeps_speed_and_pause() {
        let t0 = Instant::now();
        let mut pacing = Pacing::new(0, t0, Some(10.0));
        pacing.pause(t0, 0);
        pacing.restart(5_000, t0 + 30 * SECOND);
        assert_eq!(pacing.due(5_000), Due::Now);
        assert_eq!(pacing.due(5_001), Due::Paused);
        pacing.resume(t0 + 40 * SECOND);
        assert_eq!(pacing.sim_at(t0 + 41 * SECOND), Some(15_000));
    }

    #[tokio::test]
    async fn a_wait_follows_a_pause_and_a_resume() {
        let clock = std::sync::Arc::new(Clock::new(0, Some(10.0)));
        assert!(clock.pause());
        // Half a simulated second after the pause: 50 ms of wall time.
        let at = clock.now_ms() + 500;
        let waiting = tokio::spawn({
            let clock = clock.clone();
            async move { clock.wait_until(at).await }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "due while paused");
        assert!(!clock.is_due(at));
        assert_eq!(clock.now_ms(), at - 500);
        assert!(clock.resume());
        tokio::time::timeout(SECOND, waiting)
            .await
            .expect("due 50 ms after the resume")
            .unwrap();
        assert!(clock.is_due(at));
    }
}

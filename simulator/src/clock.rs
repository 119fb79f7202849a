//! The scenario clock: simulated time mapped onto wall time at a chosen
//! speed, or as fast as ingest takes it.

use tokio::time::{Duration, Instant, sleep_until};

#[derive(Clone, Copy, Debug)]
pub struct Clock {
    sim_start_ms: i64,
    wall_start: Instant,
    /// Simulated seconds per wall second; `None` runs unpaced.
    speed: Option<f64>,
}

impl Clock {
    pub fn start(sim_start_ms: i64, speed: Option<f64>) -> Self {
        Self {
            sim_start_ms,
            wall_start: Instant::now(),
            speed: speed.filter(|s| s.is_finite() && *s > 0.0),
        }
    }

    /// The wall instant at which simulated time `sim_ms` is due.
    pub fn due(&self, sim_ms: i64) -> Option<Instant> {
        let speed = self.speed?;
        let elapsed_ms = (sim_ms - self.sim_start_ms).max(0) as f64 / speed;
        Some(self.wall_start + Duration::from_secs_f64(elapsed_ms / 1_000.0))
    }

    /// Waits until `sim_ms` is due; returns at once when running unpaced or
    /// behind schedule.
    pub async fn wait_until(&self, sim_ms: i64) {
        if let Some(due) = self.due(sim_ms)
            && due > Instant::now() + Duration::from_millis(1)
        {
            sleep_until(due).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_at_speed_1440_takes_a_minute() {
        let clock = Clock::start(0, Some(1_440.0));
        let due = clock.due(86_400_000).unwrap();
        let wall = due - clock.wall_start;
        assert!((wall.as_secs_f64() - 60.0).abs() < 1e-6);
        assert!(Clock::start(0, None).due(1_000).is_none());
    }
}

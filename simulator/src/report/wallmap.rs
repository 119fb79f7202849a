//! Wall-clock time mapped to the exercise's event time, so operators'
//! actions (stamped in wall time) sit on the same axis as the traffic and
//! the anomalies. The map is learnt from pairs known to coincide: each
//! triaged anomaly's publication (wall) against its detection (event),
//! and the trainer's logged actions (both). Between pairs it interpolates;
//! beyond them it follows the nearest segment's pace.

/// A monotone piecewise-linear map from wall time to event time.
#[derive(Clone, Debug, Default)]
pub struct WallMap {
    /// (wall ms, event ms), sorted by wall time, both non-decreasing.
    points: Vec<(i64, i64)>,
}

impl WallMap {
    /// The map through `pairs` (wall ms, event ms); pairs that would make
    /// event time run backwards are dropped.
    pub fn new(mut pairs: Vec<(i64, i64)>) -> Self {
        pairs.sort_unstable();
        let mut points: Vec<(i64, i64)> = Vec::with_capacity(pairs.len());
        for (wall, event) in pairs {
            match points.last() {
                Some(&(w, e)) if wall == w || event < e => {}
                _ => points.push((wall, event)),
            }
        }
        Self { points }
    }

    /// The event time at wall time `wall_ms`, if the map knows any pair.
    pub fn event_ms(&self, wall_ms: i64) -> Option<i64> {
        let p = &self.points;
        match p.len() {
            0 => None,
            1 => Some(p[0].1 + (wall_ms - p[0].0)),
            n => {
                let i = p.partition_point(|&(w, _)| w <= wall_ms).clamp(1, n - 1);
                let ((w0, e0), (w1, e1)) = (p[i - 1], p[i]);
                let pace = (e1 - e0) as f64 / (w1 - w0) as f64;
                Some(e0 + ((wall_ms - w0) as f64 * pace).round() as i64)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_between_pairs_and_follows_the_pace_beyond() {
        // At 60× from wall 1 000 s: event 0 then 60 000 s later.
        let map = WallMap::new(vec![(2_000_000, 60_000_000), (1_000_000, 0)]);
        assert_eq!(map.event_ms(1_500_000), Some(30_000_000));
        assert_eq!(map.event_ms(2_100_000), Some(66_000_000));
        assert_eq!(map.event_ms(900_000), Some(-6_000_000));
        // A pair running event time backwards is dropped.
        let map = WallMap::new(vec![(0, 0), (10, 100), (20, 50), (30, 300)]);
        assert_eq!(map.event_ms(25), Some(250));
        assert_eq!(WallMap::default().event_ms(5), None);
        assert_eq!(WallMap::new(vec![(10, 1_000)]).event_ms(15), Some(1_005));
    }
}

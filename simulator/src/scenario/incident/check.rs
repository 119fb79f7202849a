//! What a kind's validation works with: the incident's place in the file
//! and its span, the scenario, and the checks several kinds share (a
//! crossing by id, a count, a factor in range, a plausible journey). Every
//! error names the incident and the field.

use std::ops::Range;

use borderflow_domain::time::MS_PER_HOUR;

use super::plausible_speed_kmh;
use crate::model::network::{Mode, Network};
use crate::scenario::{FieldError, Scenario};

/// The most of anything an incident plants.
const MAX_COUNT: u32 = 10_000;

pub(super) struct Check<'a> {
    pub(super) index: usize,
    /// The kind's name as written.
    pub(super) kind: &'static str,
    pub(super) start_ms: i64,
    pub(super) end_ms: i64,
    pub(super) scenario: &'a Scenario,
}

impl<'a> Check<'a> {
    pub(super) fn network(&self) -> &'a Network {
        &self.scenario.network
    }

    pub(super) fn duration_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }

    /// `field` of this incident is wrong: `reason`.
    pub(super) fn err(&self, field: &str, reason: impl Into<String>) -> FieldError {
        FieldError::new(super::field(self.index, self.kind, field), reason)
    }

    /// The index of crossing `id`, named in `field`.
    pub(super) fn crossing(&self, field: &str, id: &str) -> Result<usize, FieldError> {
        let network = self.network();
        network.index_of(id).ok_or_else(|| {
            self.err(
                field,
                format!("{id:?} is not a crossing of {}", network.name),
            )
        })
    }

    /// The indices of at least `least` crossings, named in `field`.
    pub(super) fn crossings(
        &self,
        field: &str,
        ids: &[String],
        least: usize,
    ) -> Result<Vec<usize>, FieldError> {
        if ids.len() < least {
            return Err(self.err(field, format!("needs at least {least} crossings")));
        }
        ids.iter().map(|id| self.crossing(field, id)).collect()
    }

    /// `count` as written, or `default`, within bounds.
    pub(super) fn count(&self, count: Option<u32>, default: u32) -> Result<u32, FieldError> {
        match count.unwrap_or(default) {
            0 => Err(self.err("count", "must be at least 1")),
            n if n > MAX_COUNT => Err(self.err("count", format!("must be at most {MAX_COUNT}"))),
            n => Ok(n),
        }
    }

    /// `factor` if it lies in `range`, which `what` describes.
    pub(super) fn factor(
        &self,
        factor: f64,
        range: Range<f64>,
        what: &str,
    ) -> Result<f64, FieldError> {
        if !(factor.is_finite() && range.contains(&factor)) {
            return Err(self.err("factor", format!("must be {what}")));
        }
        Ok(factor)
    }

    /// Whether a traveller can get from crossing `a` to `b` in `ms`; the
    /// incident's `duration` decides how long they have.
    pub(super) fn travel(&self, a: usize, b: usize, ms: i64) -> Result<(), FieldError> {
        let network = self.network();
        let (x, y) = (&network.crossings[a], &network.crossings[b]);
        let km = x.coordinates().distance_km(y.coordinates());
        let air = x.mode == Mode::Air || y.mode == Mode::Air;
        let hours = ms as f64 / MS_PER_HOUR as f64;
        if km > 50.0 && km / hours.max(1e-9) > plausible_speed_kmh(air) {
            return Err(self.err(
                "duration",
                format!(
                    "too short to travel {km:.0} km from {} to {} plausibly",
                    x.id, y.id
                ),
            ));
        }
        Ok(())
    }
}

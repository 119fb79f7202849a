//! Refusal campaigns: while one is in force, a share of the entering
//! parties of its nationalities is refused (a new visa requirement, a
//! campaign against a kind of document), whatever the base rate would
//! have decided.

use borderflow_proto::inspection::v1::RefusalReason;
use rand::Rng;

use super::CrossingTraffic;

impl CrossingTraffic {
    /// The refusal reason and occurrence of party `id`, entering (or not)
    /// at `at`, if a campaign refuses it.
    pub(super) fn campaign(
        &mut self,
        id: u32,
        entering: bool,
        at: i64,
    ) -> Option<(RefusalReason, u32)> {
        let nationality = &self.population.get(id).nationality;
        let campaign = self
            .campaigns
            .iter()
            .find(|c| c.covers(nationality, entering, at))?;
        // Drawn only for the parties a campaign covers: the rest of the
        // crossing's traffic is the same with or without it.
        if !self.rng.random_bool(campaign.share) {
            return None;
        }
        let reason = campaign.reasons[self.rng.random_range(0..campaign.reasons.len())];
        Some((reason, campaign.truth))
    }
}

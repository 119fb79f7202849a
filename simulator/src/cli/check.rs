//! `borderflow-sim check`: validates a scenario and summarises its plan.

use std::collections::BTreeMap;

use borderflow_domain::time::format_rfc3339;

use super::CheckArgs;
use crate::plant;
use crate::scenario::Scenario;

pub(super) fn check(args: &CheckArgs, report: impl Fn(&str)) -> anyhow::Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let plan = plant::plan(&scenario)
        .map_err(|e| anyhow::anyhow!("scenario {}: {}: {}", args.scenario, e.field, e.reason))?;
    report(&format!(
        "{}: valid; network {} ({} crossings), {} to {}, baseline until {}, seed {}, speed {}",
        scenario.name,
        scenario.network.name,
        scenario.network.crossings.len(),
        format_rfc3339(scenario.start_ms),
        format_rfc3339(scenario.end_ms),
        format_rfc3339(scenario.baseline_end_ms),
        scenario.seed,
        scenario
            .speed
            .map_or_else(|| "unpaced".to_owned(), |s| format!("x{s:.0}")),
    ));
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &plan.truth.occurrences {
        *by_kind.entry(o.kind.as_str()).or_default() += 1;
    }
    for incident in &scenario.incidents {
        report(&format!(
            "  incident {}: {} from {} to {}",
            incident.index + 1,
            incident.label,
            format_rfc3339(incident.start_ms),
            format_rfc3339(incident.end_ms)
        ));
    }
    for (kind, n) in by_kind {
        report(&format!("  {n} planted occurrence(s) of {kind}"));
    }
    report(&format!(
        "  {} reference list entries",
        plan.references.len()
    ));
    Ok(())
}

//! Incidents as written (one flat table per incident, its `kind` saying
//! which parameters it takes) and as validated.

use borderflow_domain::time::{MS_PER_HOUR, MS_PER_MINUTE};
use serde::Deserialize;

use super::time::{parse_duration_ms, parse_instant};
use super::{FieldError, Scenario};
use crate::model::network::{Mode, is_country_code};
use crate::model::profile::Intensity;

/// The kinds of incident a scenario can plant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    FlowSurge,
    FlowDrop,
    ForgedDocuments,
    StolenDocuments,
    WatchlistedPerson,
    ImpossibleTravel,
    Overstay,
    DoubleEntry,
    RepeatedRefusals,
    OfficerOverride,
    SlowInspections,
    NationalityShift,
    Trafficking,
    LinkOutage,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::FlowSurge => "flow_surge",
            Self::FlowDrop => "flow_drop",
            Self::ForgedDocuments => "forged_documents",
            Self::StolenDocuments => "stolen_documents",
            Self::WatchlistedPerson => "watchlisted_person",
            Self::ImpossibleTravel => "impossible_travel",
            Self::Overstay => "overstay",
            Self::DoubleEntry => "double_entry",
            Self::RepeatedRefusals => "repeated_refusals",
            Self::OfficerOverride => "officer_override",
            Self::SlowInspections => "slow_inspections",
            Self::NationalityShift => "nationality_shift",
            Self::Trafficking => "trafficking",
            Self::LinkOutage => "link_outage",
        }
    }
}

/// An incident as written. Which fields a kind takes is checked on
/// validation, with the field named.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    pub kind: Option<Kind>,
    /// A label for the scorecard.
    pub name: Option<String>,
    /// RFC 3339, or `+<duration>` from the scenario's start.
    pub start: Option<String>,
    pub duration: Option<String>,
    pub crossing: Option<String>,
    /// Several crossings: a route, or the two ends of a cloned document.
    pub crossings: Option<Vec<String>>,
    pub factor: Option<f64>,
    pub count: Option<u32>,
    pub nationality: Option<String>,
    /// `entry` or `exit`.
    pub direction: Option<String>,
    pub attempts: Option<u32>,
    /// Time between the two uses of a cloned document.
    pub gap: Option<String>,
    /// The officer's number at the crossing (1-based).
    pub officer: Option<u32>,
    /// The booth (1-based).
    pub lane: Option<u32>,
    /// Booths affected (1-based); all when absent.
    pub lanes: Option<Vec<u32>>,
    /// Overstayers who leave during the incident.
    pub exits: Option<u32>,
    /// Trafficking groups whose minors cross with no adult at all.
    pub unaccompanied: Option<u32>,
}

/// A validated incident.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    pub index: usize,
    pub label: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub kind: IncidentKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum IncidentKind {
    FlowSurge {
        crossing: usize,
        factor: f64,
    },
    FlowDrop {
        crossing: usize,
        factor: f64,
    },
    ForgedDocuments {
        crossing: usize,
        count: u32,
    },
    StolenDocuments {
        crossing: usize,
        count: u32,
    },
    WatchlistedPerson {
        route: Vec<usize>,
    },
    ImpossibleTravel {
        from: usize,
        to: usize,
        count: u32,
        gap_ms: i64,
    },
    Overstay {
        crossing: usize,
        count: u32,
        exits: u32,
        nationality: Option<String>,
    },
    DoubleEntry {
        first: usize,
        second: usize,
        count: u32,
    },
    RepeatedRefusals {
        crossing: usize,
        count: u32,
        attempts: u32,
    },
    OfficerOverride {
        crossing: usize,
        officer: u32,
        count: u32,
    },
    SlowInspections {
        crossing: usize,
        factor: f64,
        lanes: Vec<u32>,
    },
    NationalityShift {
        crossing: usize,
        nationality: String,
        factor: f64,
        entering: bool,
    },
    Trafficking {
        crossing: usize,
        count: u32,
        unaccompanied: u32,
    },
    LinkOutage {
        crossing: usize,
        lane: u32,
    },
}

impl IncidentKind {
    pub fn kind(&self) -> Kind {
        match self {
            Self::FlowSurge { .. } => Kind::FlowSurge,
            Self::FlowDrop { .. } => Kind::FlowDrop,
            Self::ForgedDocuments { .. } => Kind::ForgedDocuments,
            Self::StolenDocuments { .. } => Kind::StolenDocuments,
            Self::WatchlistedPerson { .. } => Kind::WatchlistedPerson,
            Self::ImpossibleTravel { .. } => Kind::ImpossibleTravel,
            Self::Overstay { .. } => Kind::Overstay,
            Self::DoubleEntry { .. } => Kind::DoubleEntry,
            Self::RepeatedRefusals { .. } => Kind::RepeatedRefusals,
            Self::OfficerOverride { .. } => Kind::OfficerOverride,
            Self::SlowInspections { .. } => Kind::SlowInspections,
            Self::NationalityShift { .. } => Kind::NationalityShift,
            Self::Trafficking { .. } => Kind::Trafficking,
            Self::LinkOutage { .. } => Kind::LinkOutage,
        }
    }
}

/// Fastest plausible travel between two crossings, km/h, below the
/// aggregator's impossible-travel limits (1,000 by air, 200 on the ground).
pub fn plausible_speed_kmh(air: bool) -> f64 {
    if air { 700.0 } else { 120.0 }
}

impl IncidentSpec {
    /// Validates the incident at `index` of `scenario`.
    pub fn resolve(&self, index: usize, scenario: &Scenario) -> Result<Incident, FieldError> {
        let at = |name: &str| format!("incident[{index}].{name}");
        let err = |name: &str, reason: String| FieldError::new(at(name), reason);
        let kind = self.kind.ok_or_else(|| err("kind", "is required".into()))?;
        let used = self.used_fields();
        let allowed = allowed(kind);
        if let Some(extra) = used
            .iter()
            .find(|f| !allowed.contains(f) && !COMMON.contains(f))
        {
            return Err(err(extra, format!("is not a parameter of {}", kind.name())));
        }
        let start_text = self
            .start
            .as_deref()
            .ok_or_else(|| err("start", "is required".into()))?;
        let start_ms = parse_instant(start_text, scenario.start_ms).map_err(|r| err("start", r))?;
        let duration = match &self.duration {
            Some(d) => parse_duration_ms(d).map_err(|r| err("duration", r))?,
            None => return Err(err("duration", "is required".into())),
        };
        if duration <= 0 {
            return Err(err("duration", "must be positive".into()));
        }
        let end_ms = start_ms + duration;
        if start_ms < scenario.baseline_end_ms {
            return Err(err(
                "start",
                "falls inside the baseline period, which must stay free of incidents".into(),
            ));
        }
        if end_ms > scenario.end_ms {
            return Err(err("duration", "runs past the end of the scenario".into()));
        }
        let network = &scenario.network;
        let crossing = |name: &str, id: &str| {
            network.index_of(id).ok_or_else(|| {
                err(
                    name,
                    format!("{id:?} is not a crossing of {}", network.name),
                )
            })
        };
        let one = || -> Result<usize, FieldError> {
            crossing(
                "crossing",
                self.crossing
                    .as_deref()
                    .ok_or_else(|| err("crossing", "is required".into()))?,
            )
        };
        let many = |least: usize| -> Result<Vec<usize>, FieldError> {
            let ids = self
                .crossings
                .as_ref()
                .ok_or_else(|| err("crossings", "is required".into()))?;
            if ids.len() < least {
                return Err(err(
                    "crossings",
                    format!("needs at least {least} crossings"),
                ));
            }
            ids.iter().map(|id| crossing("crossings", id)).collect()
        };
        let count = |default: u32| -> Result<u32, FieldError> {
            match self.count.unwrap_or(default) {
                0 => Err(err("count", "must be at least 1".into())),
                n if n > 10_000 => Err(err("count", "must be at most 10000".into())),
                n => Ok(n),
            }
        };
        let factor = |range: std::ops::Range<f64>, what: &str| -> Result<f64, FieldError> {
            let f = self
                .factor
                .ok_or_else(|| err("factor", "is required".into()))?;
            if !(f.is_finite() && range.contains(&f)) {
                return Err(err("factor", format!("must be {what}")));
            }
            Ok(f)
        };
        let open = |c: usize, name: &str| -> Result<(), FieldError> {
            let intensity = Intensity::new(&network.crossings[c], 1.0);
            let mut t = start_ms;
            while t < end_ms {
                if intensity.is_open(t) {
                    return Ok(());
                }
                t += 15 * MS_PER_MINUTE;
            }
            Err(err(
                name,
                format!(
                    "{} is closed throughout the incident",
                    network.crossings[c].id
                ),
            ))
        };
        let kind = match kind {
            Kind::FlowSurge => IncidentKind::FlowSurge {
                crossing: one()?,
                factor: factor(1.5..100.0, "between 1.5 and 100")?,
            },
            Kind::FlowDrop => IncidentKind::FlowDrop {
                crossing: one()?,
                factor: factor(0.0..0.7, "at least 0 and below 0.7")?,
            },
            Kind::ForgedDocuments => IncidentKind::ForgedDocuments {
                crossing: one()?,
                count: count(12)?,
            },
            Kind::StolenDocuments => IncidentKind::StolenDocuments {
                crossing: one()?,
                count: count(6)?,
            },
            Kind::WatchlistedPerson => {
                let route = many(1)?;
                // Passages fall in the middle half of each leg.
                let leg = duration / route.len() as i64 / 2;
                for pair in route.windows(2) {
                    check_travel(network, pair[0], pair[1], leg).map_err(|r| err("duration", r))?;
                }
                IncidentKind::WatchlistedPerson { route }
            }
            Kind::ImpossibleTravel => {
                let ends = many(2)?;
                if ends.len() != 2 {
                    return Err(err("crossings", "needs exactly two crossings".into()));
                }
                let gap_ms = parse_duration_ms(
                    self.gap
                        .as_deref()
                        .ok_or_else(|| err("gap", "is required".into()))?,
                )
                .map_err(|r| err("gap", r))?;
                let (a, b) = (&network.crossings[ends[0]], &network.crossings[ends[1]]);
                let km = a.coordinates().distance_km(b.coordinates());
                let air = a.mode == Mode::Air || b.mode == Mode::Air;
                let limit = if air { 1_000.0 } else { 200.0 };
                let speed = km / (gap_ms.max(1) as f64 / MS_PER_HOUR as f64);
                if km < 100.0 || speed < 1.5 * limit {
                    return Err(err(
                        "gap",
                        format!(
                            "{km:.0} km in that time is {speed:.0} km/h; impossible travel needs crossings at least 100 km apart and more than {:.0} km/h",
                            1.5 * limit
                        ),
                    ));
                }
                if gap_ms >= duration {
                    return Err(err("gap", "must be shorter than the incident".into()));
                }
                IncidentKind::ImpossibleTravel {
                    from: ends[0],
                    to: ends[1],
                    count: count(4)?,
                    gap_ms,
                }
            }
            Kind::Overstay => {
                let crossing = one()?;
                let count = count(5)?;
                let exits = self.exits.unwrap_or(0);
                if exits > count {
                    return Err(err("exits", "cannot exceed count".into()));
                }
                let nationality = self.nationality.clone();
                if let Some(n) = &nationality
                    && (!is_country_code(n) || *n == network.crossings[crossing].country)
                {
                    return Err(err(
                        "nationality",
                        "must be a foreign ICAO code: nationals cannot overstay".into(),
                    ));
                }
                IncidentKind::Overstay {
                    crossing,
                    count,
                    exits,
                    nationality,
                }
            }
            Kind::DoubleEntry => {
                let (first, second) = match (&self.crossing, &self.crossings) {
                    (Some(_), None) => (one()?, one()?),
                    (None, Some(_)) => {
                        let ends = many(2)?;
                        (ends[0], ends[1])
                    }
                    _ => {
                        return Err(err(
                            "crossings",
                            "give either crossing or two crossings".into(),
                        ));
                    }
                };
                if network.crossings[first].country != network.crossings[second].country {
                    return Err(err(
                        "crossings",
                        "both entries must be into the same country".into(),
                    ));
                }
                check_travel(network, first, second, duration / 2)
                    .map_err(|r| err("duration", r))?;
                IncidentKind::DoubleEntry {
                    first,
                    second,
                    count: count(5)?,
                }
            }
            Kind::RepeatedRefusals => {
                let attempts = self.attempts.unwrap_or(3);
                if !(2..=20).contains(&attempts) {
                    return Err(err("attempts", "must be between 2 and 20".into()));
                }
                IncidentKind::RepeatedRefusals {
                    crossing: one()?,
                    count: count(4)?,
                    attempts,
                }
            }
            Kind::OfficerOverride => {
                let crossing = one()?;
                let spec = &network.crossings[crossing];
                let officer = self
                    .officer
                    .ok_or_else(|| err("officer", "is required".into()))?;
                if officer == 0 || officer > spec.officers {
                    return Err(err(
                        "officer",
                        format!("must be between 1 and {}", spec.officers),
                    ));
                }
                IncidentKind::OfficerOverride {
                    crossing,
                    officer: officer - 1,
                    count: count(8)?,
                }
            }
            Kind::SlowInspections => {
                let crossing = one()?;
                let lanes = self.lanes.clone().unwrap_or_default();
                if let Some(bad) = lanes
                    .iter()
                    .find(|l| **l == 0 || **l > network.crossings[crossing].lanes)
                {
                    return Err(err("lanes", format!("booth {bad} does not exist")));
                }
                IncidentKind::SlowInspections {
                    crossing,
                    factor: factor(1.5..20.0, "between 1.5 and 20")?,
                    lanes: lanes.iter().map(|l| l - 1).collect(),
                }
            }
            Kind::NationalityShift => {
                let nationality = self
                    .nationality
                    .clone()
                    .ok_or_else(|| err("nationality", "is required".into()))?;
                if !is_country_code(&nationality) {
                    return Err(err(
                        "nationality",
                        "must be a three-letter ICAO code".into(),
                    ));
                }
                let entering = match self.direction.as_deref().unwrap_or("entry") {
                    "entry" => true,
                    "exit" => false,
                    other => return Err(err("direction", format!("{other:?}: use entry or exit"))),
                };
                IncidentKind::NationalityShift {
                    crossing: one()?,
                    nationality,
                    factor: factor(
                        0.2..20.0,
                        "between 0.2 and 20 (extra arrivals per usual arrival)",
                    )?,
                    entering,
                }
            }
            Kind::Trafficking => {
                let count = count(4)?;
                let unaccompanied = self.unaccompanied.unwrap_or(count / 3);
                if unaccompanied > count {
                    return Err(err("unaccompanied", "cannot exceed count".into()));
                }
                IncidentKind::Trafficking {
                    crossing: one()?,
                    count,
                    unaccompanied,
                }
            }
            Kind::LinkOutage => {
                let crossing = one()?;
                let lane = self.lane.ok_or_else(|| err("lane", "is required".into()))?;
                if lane == 0 || lane > network.crossings[crossing].lanes {
                    return Err(err("lane", format!("booth {lane} does not exist")));
                }
                if duration < 20 * MS_PER_MINUTE {
                    return Err(err(
                        "duration",
                        "an outage shorter than 20m is not one to detect".into(),
                    ));
                }
                IncidentKind::LinkOutage {
                    crossing,
                    lane: lane - 1,
                }
            }
        };
        for (c, name) in crossings_of(&kind) {
            open(c, name)?;
        }
        Ok(Incident {
            index,
            label: self
                .name
                .clone()
                .unwrap_or_else(|| format!("{} #{}", kind.kind().name(), index + 1)),
            start_ms,
            end_ms,
            kind,
        })
    }

    fn used_fields(&self) -> Vec<&'static str> {
        let mut used = Vec::new();
        let mut mark = |set: bool, name: &'static str| {
            if set {
                used.push(name);
            }
        };
        mark(self.crossing.is_some(), "crossing");
        mark(self.crossings.is_some(), "crossings");
        mark(self.factor.is_some(), "factor");
        mark(self.count.is_some(), "count");
        mark(self.nationality.is_some(), "nationality");
        mark(self.direction.is_some(), "direction");
        mark(self.attempts.is_some(), "attempts");
        mark(self.gap.is_some(), "gap");
        mark(self.officer.is_some(), "officer");
        mark(self.lane.is_some(), "lane");
        mark(self.lanes.is_some(), "lanes");
        mark(self.exits.is_some(), "exits");
        mark(self.unaccompanied.is_some(), "unaccompanied");
        used
    }
}

/// Fields every kind takes.
const COMMON: &[&str] = &["kind", "name", "start", "duration"];

fn allowed(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::FlowSurge | Kind::FlowDrop => &["crossing", "factor"],
        Kind::ForgedDocuments | Kind::StolenDocuments => &["crossing", "count"],
        Kind::WatchlistedPerson => &["crossings"],
        Kind::ImpossibleTravel => &["crossings", "count", "gap"],
        Kind::Overstay => &["crossing", "count", "exits", "nationality"],
        Kind::DoubleEntry => &["crossing", "crossings", "count"],
        Kind::RepeatedRefusals => &["crossing", "count", "attempts"],
        Kind::OfficerOverride => &["crossing", "officer", "count"],
        Kind::SlowInspections => &["crossing", "factor", "lanes"],
        Kind::NationalityShift => &["crossing", "nationality", "factor", "direction"],
        Kind::Trafficking => &["crossing", "count", "unaccompanied"],
        Kind::LinkOutage => &["crossing", "lane"],
    }
}

/// The crossings an incident needs open, with the field naming them.
fn crossings_of(kind: &IncidentKind) -> Vec<(usize, &'static str)> {
    match kind {
        IncidentKind::WatchlistedPerson { route } => {
            route.iter().map(|c| (*c, "crossings")).collect()
        }
        IncidentKind::ImpossibleTravel { from, to, .. } => {
            vec![(*from, "crossings"), (*to, "crossings")]
        }
        IncidentKind::DoubleEntry { first, second, .. } => {
            vec![(*first, "crossings"), (*second, "crossings")]
        }
        IncidentKind::FlowSurge { crossing, .. }
        | IncidentKind::FlowDrop { crossing, .. }
        | IncidentKind::ForgedDocuments { crossing, .. }
        | IncidentKind::StolenDocuments { crossing, .. }
        | IncidentKind::Overstay { crossing, .. }
        | IncidentKind::RepeatedRefusals { crossing, .. }
        | IncidentKind::OfficerOverride { crossing, .. }
        | IncidentKind::SlowInspections { crossing, .. }
        | IncidentKind::NationalityShift { crossing, .. }
        | IncidentKind::Trafficking { crossing, .. }
        | IncidentKind::LinkOutage { crossing, .. } => vec![(*crossing, "crossing")],
    }
}

/// Whether a traveller can get from crossing `a` to `b` in `ms`.
fn check_travel(
    network: &crate::model::network::Network,
    a: usize,
    b: usize,
    ms: i64,
) -> Result<(), String> {
    let (x, y) = (&network.crossings[a], &network.crossings[b]);
    let km = x.coordinates().distance_km(y.coordinates());
    let air = x.mode == Mode::Air || y.mode == Mode::Air;
    let hours = ms as f64 / MS_PER_HOUR as f64;
    if km > 50.0 && km / hours.max(1e-9) > plausible_speed_kmh(air) {
        return Err(format!(
            "too short to travel {km:.0} km from {} to {} plausibly",
            x.id, y.id
        ));
    }
    Ok(())
}

//! The crossings a simulation runs on: where they are, what they handle,
//! how many booths and officers they have and how busy they get.

use std::collections::BTreeMap;
use std::path::Path;

use borderflow_domain::geo::Coordinates;
use borderflow_proto::analytics::v1::Crossing;
use borderflow_proto::inspection::v1::TravelMode;
use serde::{Deserialize, Serialize};

mod calendar;
mod twins;
mod validate;

pub use calendar::{DayKind, SpecialDay};
pub use twins::{Twin, TwinSpec};

/// How people cross at a crossing point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Air,
    Road,
    Rail,
    Sea,
    Pedestrian,
}

impl Mode {
    pub fn proto(self) -> TravelMode {
        match self {
            Self::Air => TravelMode::Air,
            Self::Road => TravelMode::Road,
            Self::Rail => TravelMode::Rail,
            Self::Sea => TravelMode::Sea,
            Self::Pedestrian => TravelMode::Pedestrian,
        }
    }
}

/// The shape of a crossing's traffic over the day and the week.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Relative traffic per hour of the day (24 values, local time); the
    /// mean is normalised to 1.
    #[serde(default = "flat_day")]
    pub hourly: Vec<f64>,
    /// Relative traffic per day of the week, Monday first (7 values).
    #[serde(default = "flat_week")]
    pub weekly: Vec<f64>,
    /// Opening hours as [open, close) in local hours; closed crossings see
    /// no traffic. `[0, 24]` is always open.
    #[serde(default = "always_open")]
    pub open_hours: [u32; 2],
    /// UTC offset of local time, hours.
    #[serde(default)]
    pub utc_offset_hours: i32,
    /// Market days (local), when traders and shoppers add traffic on top of
    /// the weekly shape: a market crossing may run above its capacity then.
    #[serde(default)]
    pub market_days: Vec<Weekday>,
    /// Traffic on a market day relative to the same weekday without one.
    #[serde(default = "no_market")]
    pub market_factor: f64,
    /// The network's special days the crossing keeps (filled from the
    /// network's list when it is read, not written per crossing).
    #[serde(skip)]
    pub special_days: Vec<SpecialDay>,
}

/// A day of the week, as written in network files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    /// Monday = 0 … Sunday = 6, as [`borderflow_domain::time::Date::weekday`].
    pub fn index(self) -> u32 {
        self as u32
    }

    pub fn proto(self) -> borderflow_proto::analytics::v1::Weekday {
        use borderflow_proto::analytics::v1::Weekday as W;
        match self {
            Self::Mon => W::Monday,
            Self::Tue => W::Tuesday,
            Self::Wed => W::Wednesday,
            Self::Thu => W::Thursday,
            Self::Fri => W::Friday,
            Self::Sat => W::Saturday,
            Self::Sun => W::Sunday,
        }
    }
}

fn no_market() -> f64 {
    1.0
}

fn flat_day() -> Vec<f64> {
    vec![1.0; 24]
}

fn flat_week() -> Vec<f64> {
    vec![1.0; 7]
}

fn always_open() -> [u32; 2] {
    [0, 24]
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            hourly: flat_day(),
            weekly: flat_week(),
            open_hours: always_open(),
            utc_offset_hours: 0,
            market_days: Vec::new(),
            market_factor: no_market(),
            special_days: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossingSpec {
    pub id: String,
    pub name: String,
    /// The name in other working languages, by language code (`ru`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    /// ISO 3166-1 alpha-3 of the country operating the crossing.
    pub country: String,
    /// The country on the other side; empty for airports and seaports.
    #[serde(default)]
    pub neighbour: String,
    pub latitude: f64,
    pub longitude: f64,
    pub mode: Mode,
    /// Inspection booths; each is a checkpoint with its own credential.
    pub lanes: u32,
    /// Officers on duty across shifts.
    #[serde(default = "default_officers")]
    pub officers: u32,
    /// Travellers per hour the booths can inspect at full staffing.
    pub capacity_per_hour: u32,
    /// Mean travellers per hour over a week, before the profile's shape.
    pub rate_per_hour: f64,
    #[serde(default)]
    pub profile: Profile,
    /// Share of travellers holding the operating country's documents.
    #[serde(default = "default_nationals")]
    pub nationals_share: f64,
    /// Other nationalities and their relative weights.
    #[serde(default)]
    pub nationalities: Vec<(String, f64)>,
    /// The other country's post of the same crossing point (filled from
    /// the network's pairs when it is read, not written per crossing).
    #[serde(skip)]
    pub twin: Option<Twin>,
}

fn default_officers() -> u32 {
    8
}

fn default_nationals() -> f64 {
    0.5
}

impl CrossingSpec {
    pub fn coordinates(&self) -> Coordinates {
        Coordinates::new(self.latitude, self.longitude)
    }

    /// The checkpoint id of booth `lane` (0-based).
    pub fn checkpoint_id(&self, lane: u32) -> String {
        format!("{}-L{:02}", self.id, lane + 1)
    }

    pub fn lane_id(lane: u32) -> String {
        format!("L{:02}", lane + 1)
    }

    /// The id of officer `k` (0-based).
    pub fn officer_id(&self, k: u32) -> String {
        format!("{}-O{:03}", self.id, k + 1)
    }

    /// The officer (0-based) staffing booth `lane` in the shift of local
    /// hour `hour`: three eight-hour shifts rotate over the officers.
    pub fn officer_on_duty(&self, lane: u32, hour: u32) -> u32 {
        let shift = hour / 8;
        (lane + shift * self.lanes) % self.officers
    }

    /// The registry entry the aggregator learns.
    pub fn registry_entry(&self) -> Crossing {
        Crossing {
            id: self.id.clone(),
            name: self.name.clone(),
            names: self.names.clone().into_iter().collect(),
            country: self.country.clone(),
            neighbour_country: self.neighbour.clone(),
            latitude: self.latitude,
            longitude: self.longitude,
            mode: self.mode.proto() as i32,
            lanes: self.lanes,
            capacity_per_hour: self.capacity_per_hour,
            market_days: self
                .profile
                .market_days
                .iter()
                .map(|day| day.proto() as i32)
                .collect(),
            market_factor: if self.profile.market_days.is_empty() {
                0.0
            } else {
                self.profile.market_factor
            },
            utc_offset_minutes: self.profile.utc_offset_hours * 60,
            special_days: self
                .profile
                .special_days
                .iter()
                .map(SpecialDay::proto)
                .collect(),
            twin: self.twin.as_ref().map(Twin::proto),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub name: String,
    #[serde(rename = "crossing")]
    pub crossings: Vec<CrossingSpec>,
    /// Public holidays and festivals, for the crossings of the countries
    /// that keep them.
    #[serde(default, rename = "special_day")]
    pub special_days: Vec<SpecialDay>,
    /// Crossing points whose two sides are both in the network.
    #[serde(default, rename = "twin", skip_serializing_if = "Vec::is_empty")]
    pub twins: Vec<TwinSpec>,
}

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("parsing {path}: {message}")]
    Parse { path: String, message: String },
    #[error("network {network}: crossing[{index}].{field}: {reason}")]
    Invalid {
        network: String,
        index: usize,
        field: &'static str,
        reason: String,
    },
    #[error("network {network}: twin[{index}].{field}: {reason}")]
    InvalidTwin {
        network: String,
        index: usize,
        field: &'static str,
        reason: String,
    },
    #[error("network {network}: special_day[{index}].{field}: {reason}")]
    InvalidSpecialDay {
        network: String,
        index: usize,
        field: &'static str,
        reason: String,
    },
}

impl Network {
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, NetworkError> {
        let mut network: Network = toml::from_str(text).map_err(|e| NetworkError::Parse {
            path: origin.to_owned(),
            message: e.to_string(),
        })?;
        network.validate()?;
        network.spread_special_days();
        network.spread_twins();
        Ok(network)
    }

    pub fn load(path: &Path) -> Result<Self, NetworkError> {
        let text = std::fs::read_to_string(path).map_err(|source| NetworkError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    pub fn crossing(&self, id: &str) -> Option<&CrossingSpec> {
        self.crossings.iter().find(|c| c.id == id)
    }

    /// The index of crossing `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.crossings.iter().position(|c| c.id == id)
    }

    /// Every (crossing index, lane) booth of the network.
    pub fn checkpoints(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        self.crossings
            .iter()
            .enumerate()
            .flat_map(|(i, c)| (0..c.lanes).map(move |lane| (i, lane)))
    }
}

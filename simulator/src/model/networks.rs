//! Built-in networks and how a network is named on the command line.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::network::{CrossingSpec, Mode, Network, NetworkError, Profile};

/// Countries of the generated network, with their neighbours for land
/// crossings.
const COUNTRIES: &[(&str, &str)] = &[
    ("KAZ", "KGZ"),
    ("KGZ", "UZB"),
    ("UZB", "TJK"),
    ("TJK", "AFG"),
    ("TKM", "IRN"),
    ("KAZ", "RUS"),
    ("UZB", "KAZ"),
    ("KGZ", "CHN"),
];

/// A daytime-heavy land-border day: quiet nights, morning and late
/// afternoon peaks.
pub fn land_day() -> Vec<f64> {
    vec![
        0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 1.9, 1.8, 1.5, 1.3, 1.2, 1.3, 1.4, 1.6, 1.8, 1.7,
        1.4, 1.1, 0.8, 0.6, 0.4, 0.3,
    ]
}

/// A generated network of `count` crossings scattered over Central Asia,
/// mostly road crossings with a few airports and rail stations: for scale
/// runs and tests.
pub fn generated(count: usize, seed: u64) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x006e_6574_776f_726b);
    let crossings = (0..count)
        .map(|i| {
            let (country, neighbour) = COUNTRIES[i % COUNTRIES.len()];
            let mode = match rng.random_range(0..20) {
                0 => Mode::Air,
                1 => Mode::Rail,
                2 => Mode::Pedestrian,
                _ => Mode::Road,
            };
            let lanes = rng.random_range(2..=6u32);
            let capacity = lanes * rng.random_range(30..=50u32);
            let rate = f64::from(capacity) * rng.random_range(0.15..0.6);
            CrossingSpec {
                id: format!("GEN-{:05}", i + 1),
                name: format!("Generated crossing {}", i + 1),
                names: [(
                    "ru".to_owned(),
                    format!("Сгенерированный пункт пропуска {}", i + 1),
                )]
                .into(),
                country: country.to_owned(),
                neighbour: if mode == Mode::Air {
                    String::new()
                } else {
                    neighbour.to_owned()
                },
                latitude: rng.random_range(36.5..52.0),
                longitude: rng.random_range(52.0..82.0),
                mode,
                lanes,
                officers: lanes * 3,
                capacity_per_hour: capacity,
                rate_per_hour: rate,
                profile: Profile {
                    hourly: land_day(),
                    utc_offset_hours: 5,
                    ..Profile::default()
                },
                nationals_share: rng.random_range(0.3..0.8),
                nationalities: Vec::new(),
                twin: None,
            }
        })
        .collect();
    Network {
        name: format!("generated-{count}"),
        crossings,
        special_days: Vec::new(),
        twins: Vec::new(),
    }
}

/// Resolves a network name: `generated:N`, a built-in name, or a TOML file.
pub fn resolve(name: &str, seed: u64) -> Result<Network, NetworkError> {
    if let Some(count) = name.strip_prefix("generated:") {
        let count: usize = count.parse().map_err(|_| NetworkError::Parse {
            path: name.to_owned(),
            message: "expected generated:<number of crossings>".into(),
        })?;
        return Ok(generated(count.max(1), seed));
    }
    if let Some(network) = super::builtin::network(name) {
        return network;
    }
    Network::load(Path::new(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_networks_are_valid_and_stable() {
        let a = generated(500, 1);
        a.validate().unwrap();
        assert_eq!(a.crossings.len(), 500);
        assert_eq!(a, generated(500, 1));
        assert_eq!(resolve("generated:12", 1).unwrap().crossings.len(), 12);
        assert!(resolve("generated:x", 1).is_err());
    }
}

//! Networks shipped with the simulator, as TOML files in `networks/`,
//! compiled in so the binary runs them from anywhere.

use super::network::{Network, NetworkError};

/// (name, TOML) of every shipped network.
const NETWORKS: &[(&str, &str)] = &[
    (
        "central-asia",
        include_str!("../../networks/central-asia.toml"),
    ),
    (
        "international-airport",
        include_str!("../../networks/international-airport.toml"),
    ),
];

/// The shipped network called `name`, if there is one.
pub fn network(name: &str) -> Option<Result<Network, NetworkError>> {
    NETWORKS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| Network::from_toml(text, n))
}

/// Names of the shipped networks.
pub fn names() -> Vec<&'static str> {
    NETWORKS.iter().map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::traffic::FAMILY_SHARE;

    #[test]
    fn every_shipped_network_is_valid() {
        for name in names() {
            let network = network(name).unwrap().unwrap();
            assert_eq!(network.name, name);
            assert!(!network.crossings.is_empty());
        }
    }

    /// Outside market days every crossing keeps its busiest hour under
    /// 85 % of its capacity, so queues stay short and no service level is
    /// breached by design (a market crossing overloads on purpose).
    #[test]
    fn ordinary_days_stay_under_capacity() {
        for name in names() {
            let network = network(name).unwrap().unwrap();
            for c in &network.crossings {
                let p = &c.profile;
                let norm = |v: &[f64]| {
                    let mean = v.iter().sum::<f64>() / v.len() as f64;
                    v.iter().copied().fold(0.0, f64::max) / mean
                };
                let travellers = c.rate_per_hour
                    * norm(&p.hourly)
                    * norm(&p.weekly)
                    * (1.0 + FAMILY_SHARE * 2.5);
                let load = travellers / f64::from(c.capacity_per_hour);
                assert!(load < 0.85, "{}: peak load {load:.2}", c.id);
                if !p.market_days.is_empty() {
                    eprintln!(
                        "{}: market-day peak load {:.2}",
                        c.id,
                        load * p.market_factor
                    );
                }
            }
        }
    }
}

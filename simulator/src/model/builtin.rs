//! Networks shipped with the simulator, as TOML files in `networks/`.

use super::network::{Network, NetworkError};

/// (name, TOML) of every shipped network.
const NETWORKS: &[(&str, &str)] = &[];

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

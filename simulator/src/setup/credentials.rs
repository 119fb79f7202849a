//! Checkpoint tokens. In a deployment each booth's token is issued and
//! installed like any credential; the simulator derives them from one secret
//! so it can speak for thousands of booths, and writes ingest's credentials
//! file with their hashes.

use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::model::network::Network;

/// Derives each checkpoint's bearer token from a secret.
#[derive(Clone)]
pub struct TokenIssuer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenIssuer(<secret>)")
    }
}

impl TokenIssuer {
    pub fn new(secret: &[u8]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"borderflow/checkpoint-token/v1\x1f");
        Self { mac }
    }

    /// The bearer token of `checkpoint_id`.
    pub fn token(&self, checkpoint_id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(checkpoint_id.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..20])
    }
}

/// Ingest's credentials file for every booth of `network`.
pub fn credentials_file(network: &Network, tokens: &TokenIssuer) -> String {
    let mut out = format!(
        "# Checkpoint credentials for network {:?}: token hashes only.\n",
        network.name
    );
    for crossing in &network.crossings {
        for lane in 0..crossing.lanes {
            let id = crossing.checkpoint_id(lane);
            let hash = hex::encode(Sha256::digest(tokens.token(&id).as_bytes()));
            let _ = write!(
                out,
                "\n[[checkpoint]]\nid = \"{id}\"\ncrossing = \"{}\"\nlanes = [\"{}\"]\ntoken_sha256 = \"{hash}\"\n",
                crossing.id,
                crate::model::network::CrossingSpec::lane_id(lane)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_per_checkpoint_and_secret() {
        let a = TokenIssuer::new(b"one secret");
        let b = TokenIssuer::new(b"another secret");
        assert_eq!(a.token("X-L01"), a.token("X-L01"));
        assert_ne!(a.token("X-L01"), a.token("X-L02"));
        assert_ne!(a.token("X-L01"), b.token("X-L01"));
        assert_eq!(a.token("X-L01").len(), 40);
    }
}

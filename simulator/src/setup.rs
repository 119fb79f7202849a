//! Everything a local or test deployment needs before it starts: the
//! pseudonymisation secret, checkpoint credentials, the twin pairs'
//! exchange keys, a small PKI and a local token issuer with a token per
//! role.

pub mod credentials;
pub mod identity;
pub mod pki;

use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::Rng;

use crate::model::network::Network;

/// Files written by [`write_dev_setup`].
#[derive(Clone, Debug)]
pub struct DevSetup {
    pub dir: PathBuf,
    /// The pseudonymisation secret for ingest (and the reference tool).
    pub secret_file: PathBuf,
    /// The secret checkpoint tokens are derived from (simulator side).
    pub token_secret_file: PathBuf,
    /// Ingest's checkpoint credentials (hashed tokens).
    pub credentials_file: PathBuf,
    /// The exchange key of every twin pair of the network (ingest and the
    /// aggregator).
    pub pair_keys_file: PathBuf,
    pub ca_file: PathBuf,
    pub server_cert_file: PathBuf,
    pub server_key_file: PathBuf,
    /// The local issuer's key, JWKS and role tokens.
    pub identity: identity::IdentityFiles,
}

/// Writes fresh secrets, the credentials of every booth of `network`, and a
/// CA with a server certificate for `hosts`, into `dir`.
pub fn write_dev_setup(dir: &Path, network: &Network, hosts: &[&str]) -> anyhow::Result<DevSetup> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rng = rand::rng();
    let secret: [u8; 32] = rng.random();
    let token_secret: [u8; 32] = rng.random();
    let setup = DevSetup {
        dir: dir.to_owned(),
        secret_file: dir.join("pseudonymisation.secret"),
        token_secret_file: dir.join("checkpoint-tokens.secret"),
        credentials_file: dir.join("credentials.toml"),
        pair_keys_file: dir.join("pair-keys"),
        ca_file: dir.join("ca.pem"),
        server_cert_file: dir.join("server.pem"),
        server_key_file: dir.join("server-key.pem"),
        identity: identity::IdentityFiles::in_dir(dir),
    };
    write_private(&setup.secret_file, hex::encode(secret).as_bytes())?;
    write_private(
        &setup.token_secret_file,
        hex::encode(token_secret).as_bytes(),
    )?;
    let tokens = credentials::TokenIssuer::new(hex::encode(token_secret).as_bytes());
    std::fs::write(
        &setup.credentials_file,
        credentials::credentials_file(network, &tokens),
    )
    .with_context(|| format!("writing {}", setup.credentials_file.display()))?;
    let keys = pair_keys(network, |_| rng.random());
    write_private(&setup.pair_keys_file, keys.as_bytes())?;
    let pki = pki::DevPki::generate(hosts)?;
    std::fs::write(&setup.ca_file, &pki.ca_pem)?;
    std::fs::write(&setup.server_cert_file, &pki.server_cert_pem)?;
    write_private(&setup.server_key_file, pki.server_key_pem.as_bytes())?;
    identity::write(&setup.identity)?;
    Ok(setup)
}

/// The pair-keys file of `network`'s declared twin pairs, each pair's key
/// from `key` (given the pair id).
pub fn pair_keys(network: &Network, mut key: impl FnMut(&str) -> [u8; 32]) -> String {
    let mut out = String::from(
        "# Twin pairs' exchange keys: both posts and the key, agreed between the two border services.\n",
    );
    for twin in &network.twins {
        let [a, b] = &twin.posts;
        let id = borderflow_domain::twins::pair_id(a, b);
        out.push_str(&format!("{a} {b} {}\n", hex::encode(key(&id))));
    }
    out
}

pub(crate) fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

//! The local token issuer of a development or training setup: an ES256
//! key, the JWKS the aggregator verifies against, and a token per role for
//! every country, so a local run works with access control on. A
//! deployment points the aggregator at its own OIDC issuer instead.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use borderflow_access::Role;
use borderflow_access::issuer::Issuer;

/// `iss` of the local issuer's tokens.
pub const DEV_ISSUER: &str = "https://borderflow.invalid/dev-issuer";
/// `aud` of the local issuer's tokens (the aggregator's default).
pub const DEV_AUDIENCE: &str = "borderflow";
/// How long the role tokens of a setup stay valid.
pub const DEV_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// Where a setup keeps the issuer's files.
#[derive(Clone, Debug)]
pub struct IdentityFiles {
    /// The issuer's private key (PKCS#8 PEM, owner-only).
    pub issuer_key_file: PathBuf,
    /// The public key set, for `--auth-jwks-file`.
    pub jwks_file: PathBuf,
    /// `<role>.jwt` for each role, every country.
    pub tokens_dir: PathBuf,
}

impl IdentityFiles {
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            issuer_key_file: dir.join("issuer-key.pem"),
            jwks_file: dir.join("jwks.json"),
            tokens_dir: dir.join("tokens"),
        }
    }

    /// The token file of `role`.
    pub fn token_file(&self, role: Role) -> PathBuf {
        self.tokens_dir.join(format!("{}.jwt", role.name()))
    }

    /// The issuer whose key this setup holds.
    pub fn issuer(&self) -> anyhow::Result<Issuer> {
        let pem = std::fs::read_to_string(&self.issuer_key_file)
            .with_context(|| format!("reading {}", self.issuer_key_file.display()))?;
        Ok(Issuer::from_pem(&pem, DEV_ISSUER, DEV_AUDIENCE)?)
    }
}

/// Writes a fresh issuer key, its JWKS and one token per role.
pub fn write(files: &IdentityFiles) -> anyhow::Result<()> {
    let issuer = Issuer::generate(DEV_ISSUER, DEV_AUDIENCE)?;
    super::write_private(&files.issuer_key_file, issuer.private_pem().as_bytes())?;
    std::fs::write(&files.jwks_file, serde_json::to_vec_pretty(&issuer.jwks())?)
        .with_context(|| format!("writing {}", files.jwks_file.display()))?;
    std::fs::create_dir_all(&files.tokens_dir)
        .with_context(|| format!("creating {}", files.tokens_dir.display()))?;
    for role in Role::ALL {
        let token = issuer.token(
            &format!("dev-{}", role.name()),
            &[role],
            &["*"],
            DEV_TOKEN_LIFETIME,
        );
        super::write_private(&files.token_file(role), token.as_bytes())?;
    }
    Ok(())
}

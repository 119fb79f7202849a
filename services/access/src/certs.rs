//! Systems that authenticate with a client certificate (mutual TLS): a
//! TOML file maps each certificate's SHA-256 to a principal with roles and
//! countries, as ingest maps booth certificates to checkpoints. The file is
//! re-read when it changes; a broken file keeps the previous table.
//!
//! ```toml
//! [[principal]]
//! name = "kgz-statistics-office"
//! cert_sha256 = "…64 hex digits of the DER certificate's SHA-256…"
//! roles = ["viewer"]
//! countries = ["KGZ"]
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use crate::error::ConfigError;
use crate::jwks::modified;
use crate::principal::{Method, Principal, Role, Scope};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "principal")]
    principals: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    cert_sha256: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    countries: Vec<String>,
}

type Table = HashMap<[u8; 32], Arc<Principal>>;

/// Certificate digests and the principals they stand for.
#[derive(Clone, Debug)]
pub struct CertPrincipals {
    path: PathBuf,
    table: Arc<RwLock<Arc<Table>>>,
}

impl CertPrincipals {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Ok(Self {
            path: path.to_owned(),
            table: Arc::new(RwLock::new(Arc::new(read(path)?))),
        })
    }

    pub fn len(&self) -> usize {
        self.current().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn current(&self) -> Arc<Table> {
        self.table.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The principal of a client certificate (DER), if registered.
    pub fn find(&self, cert_der: &[u8]) -> Option<Principal> {
        let digest: [u8; 32] = Sha256::digest(cert_der).into();
        self.current().get(&digest).map(|p| (**p).clone())
    }

    /// Re-reads the file whenever its modification time changes.
    pub async fn watch(&self, interval: Duration, shutdown: CancellationToken) {
        let mut seen = modified(&self.path);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
            let now = modified(&self.path);
            if now == seen {
                continue;
            }
            seen = now;
            match read(&self.path) {
                Ok(table) => {
                    let count = table.len();
                    *self.table.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(table);
                    info!(path = %self.path.display(), principals = count, "certificate principals reloaded");
                }
                Err(err) => {
                    error!(%err, "certificate principals not reloaded; keeping the previous ones")
                }
            }
        }
    }
}

fn read(path: &Path) -> Result<Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text).map_err(|message| ConfigError::Parse {
        what: path.display().to_string(),
        message,
    })
}

fn parse(text: &str) -> Result<Table, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut table = Table::new();
    for (index, entry) in file.principals.into_iter().enumerate() {
        let at = |field: &str| format!("principal[{index}].{field}");
        if entry.name.is_empty() {
            return Err(format!("{} is required", at("name")));
        }
        let digest: [u8; 32] = hex::decode(entry.cert_sha256.trim())
            .ok()
            .and_then(|d| d.try_into().ok())
            .ok_or_else(|| format!("{} is not 64 hex digits", at("cert_sha256")))?;
        let roles = entry
            .roles
            .iter()
            .map(|r| {
                r.parse::<Role>()
                    .map_err(|e| format!("{}: {e}", at("roles")))
            })
            .collect::<Result<_, _>>()?;
        let principal = Principal {
            display_name: entry.name.clone(),
            subject: entry.name,
            roles,
            scope: Scope::from_values(&entry.countries),
            method: Method::Mtls,
            expires_at: None,
        };
        if table.insert(digest, Arc::new(principal)).is_some() {
            return Err(format!("{} is listed twice", at("cert_sha256")));
        }
    }
    Ok(table)
}

/// Hex SHA-256 of a DER certificate, as the principals file stores it.
pub fn cert_digest(cert_der: &[u8]) -> String {
    hex::encode(Sha256::digest(cert_der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_map_certificates_to_principals_and_errors_name_the_field() {
        let digest = cert_digest(b"a certificate");
        let table = parse(&format!(
            "[[principal]]\nname = \"stats\"\ncert_sha256 = \"{digest}\"\nroles = [\"viewer\"]\ncountries = [\"kgz\"]\n"
        ))
        .unwrap();
        let principal = &table[&<[u8; 32]>::try_from(hex::decode(&digest).unwrap()).unwrap()];
        assert_eq!(principal.subject, "stats");
        assert!(principal.scope.covers("KGZ"));
        assert_eq!(principal.method, Method::Mtls);

        let bad_role = parse(&format!(
            "[[principal]]\nname = \"x\"\ncert_sha256 = \"{digest}\"\nroles = [\"root\"]\n"
        ))
        .unwrap_err();
        assert!(bad_role.starts_with("principal[0].roles"), "{bad_role}");
        let bad_hash = parse("[[principal]]\nname = \"x\"\ncert_sha256 = \"abc\"\n").unwrap_err();
        assert!(
            bad_hash.starts_with("principal[0].cert_sha256"),
            "{bad_hash}"
        );
    }
}

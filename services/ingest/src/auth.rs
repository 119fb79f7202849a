//! Checkpoint identity: who is calling, and which crossing they may speak for.
//!
//! Credentials are loaded from a TOML file in which tokens (or client
//! certificates) appear only as SHA-256 hashes. The file is re-read when it
//! changes, so credentials can be issued and revoked without a restart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tonic::metadata::MetadataMap;
use tracing::{error, info};

use crate::error::Error;

/// A checkpoint as its credential describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: String,
    pub crossing_id: String,
    /// Lanes it may report for; empty means every lane of its crossing.
    pub lanes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "checkpoint")]
    checkpoints: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    crossing: String,
    #[serde(default)]
    lanes: Vec<String>,
    /// Hex SHA-256 of the bearer token.
    token_sha256: Option<String>,
    /// Hex SHA-256 of the client certificate (DER), for mutual TLS.
    cert_sha256: Option<String>,
}

#[derive(Debug, Default)]
struct Table {
    by_token: HashMap<[u8; 32], Arc<Checkpoint>>,
    by_cert: HashMap<[u8; 32], Arc<Checkpoint>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("parsing {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// Authenticates callers against the current credentials.
#[derive(Clone, Debug)]
pub struct Authenticator {
    path: PathBuf,
    table: Arc<RwLock<Arc<Table>>>,
}

impl Authenticator {
    pub fn load(path: &Path) -> Result<Self, CredentialsError> {
        let table = read_table(path)?;
        Ok(Self {
            path: path.to_owned(),
            table: Arc::new(RwLock::new(Arc::new(table))),
        })
    }

    /// Number of checkpoints that can authenticate.
    pub fn len(&self) -> usize {
        let table = self.current();
        table.by_token.len() + table.by_cert.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn current(&self) -> Arc<Table> {
        self.table.read().expect("credentials lock").clone()
    }

    /// The checkpoint behind a request: its client certificate, else its
    /// `authorization: Bearer` token.
    pub fn authenticate(
        &self,
        metadata: &MetadataMap,
        peer_certs: Option<&[tonic::transport::CertificateDer<'static>]>,
    ) -> Result<Arc<Checkpoint>, Error> {
        let table = self.current();
        if let Some(cert) = peer_certs.and_then(<[_]>::first) {
            let digest: [u8; 32] = Sha256::digest(cert.as_ref()).into();
            if let Some(checkpoint) = table.by_cert.get(&digest) {
                return Ok(checkpoint.clone());
            }
        }
        let token = metadata
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(Error::Unauthenticated)?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        table
            .by_token
            .get(&digest)
            .cloned()
            .ok_or(Error::Unauthenticated)
    }

    /// Re-reads the file whenever its modification time changes; a broken
    /// file is reported and the previous credentials stay in force.
    pub async fn watch(&self, interval: Duration, shutdown: CancellationToken) {
        let mut seen = modified(&self.path);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(interval) => {}
            }
            let now = modified(&self.path);
            if now == seen {
                continue;
            }
            seen = now;
            match read_table(&self.path) {
                Ok(table) => {
                    let count = table.by_token.len() + table.by_cert.len();
                    *self.table.write().expect("credentials lock") = Arc::new(table);
                    info!(path = %self.path.display(), checkpoints = count, "credentials reloaded");
                }
                Err(err) => error!(%err, "credentials not reloaded; keeping the previous ones"),
            }
        }
    }
}

/// Whether `checkpoint` may submit an event for this crossing, lane and
/// checkpoint id.
pub fn authorise(
    checkpoint: &Checkpoint,
    crossing_id: &str,
    lane_id: &str,
    checkpoint_id: &str,
) -> Result<(), Error> {
    if crossing_id != checkpoint.crossing_id {
        return Err(Error::PermissionDenied(format!(
            "checkpoint {} may not submit for crossing {crossing_id}",
            checkpoint.id
        )));
    }
    if checkpoint_id != checkpoint.id {
        return Err(Error::PermissionDenied(format!(
            "checkpoint {} may not submit as checkpoint {checkpoint_id}",
            checkpoint.id
        )));
    }
    if !checkpoint.lanes.is_empty() && !checkpoint.lanes.iter().any(|l| l == lane_id) {
        return Err(Error::PermissionDenied(format!(
            "checkpoint {} may not submit for lane {lane_id}",
            checkpoint.id
        )));
    }
    Ok(())
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn read_table(path: &Path) -> Result<Table, CredentialsError> {
    let text = std::fs::read_to_string(path).map_err(|source| CredentialsError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_table(&text).map_err(|message| CredentialsError::Parse {
        path: path.to_owned(),
        message,
    })
}

fn parse_table(text: &str) -> Result<Table, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut table = Table::default();
    for (index, entry) in file.checkpoints.into_iter().enumerate() {
        let at = |field: &str| format!("checkpoint[{index}].{field}");
        if entry.id.is_empty() {
            return Err(format!("{} is required", at("id")));
        }
        if entry.crossing.is_empty() {
            return Err(format!("{} is required", at("crossing")));
        }
        let checkpoint = Arc::new(Checkpoint {
            id: entry.id,
            crossing_id: entry.crossing,
            lanes: entry.lanes,
        });
        if entry.token_sha256.is_none() && entry.cert_sha256.is_none() {
            return Err(format!("{} needs token_sha256 or cert_sha256", at("")));
        }
        if let Some(hash) = entry.token_sha256 {
            let digest = decode_hash(&hash)
                .ok_or_else(|| format!("{} is not 64 hex digits", at("token_sha256")))?;
            table.by_token.insert(digest, checkpoint.clone());
        }
        if let Some(hash) = entry.cert_sha256 {
            let digest = decode_hash(&hash)
                .ok_or_else(|| format!("{} is not 64 hex digits", at("cert_sha256")))?;
            table.by_cert.insert(digest, checkpoint);
        }
    }
    Ok(table)
}

fn decode_hash(text: &str) -> Option<[u8; 32]> {
    hex::decode(text.trim()).ok()?.try_into().ok()
}

/// Hex SHA-256 of a token, as the credentials file stores it.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests;

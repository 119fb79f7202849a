//! The issuer's signing keys: a JWKS from a file (re-read when it changes)
//! or from a URL (cached, refreshed on an interval and, at most once per
//! [`MIN_REFETCH`], when a token names a key the cached set lacks — how an
//! issuer's key rotation reaches a running service).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use jsonwebtoken::jwk::JwkSet;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::error::ConfigError;

/// Shortest time between two fetches prompted by unknown key ids, so a
/// stream of forged `kid`s cannot make the service hammer the issuer.
pub const MIN_REFETCH: Duration = Duration::from_secs(30);

/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// Where the keys come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    File(PathBuf),
    Url {
        url: String,
        client: reqwest::Client,
    },
}

/// The current key set, shared by every verification.
#[derive(Debug)]
pub struct Keys {
    source: KeySource,
    set: RwLock<Arc<JwkSet>>,
    last_fetch: Mutex<Instant>,
}

impl Keys {
    /// Loads the keys once; a service does not start without them.
    pub async fn load(source: KeySource) -> Result<Self, ConfigError> {
        let set = fetch(&source).await?;
        Ok(Self {
            source,
            set: RwLock::new(Arc::new(set)),
            last_fetch: Mutex::new(Instant::now()),
        })
    }

    /// A fixed key set (tests, tools).
    pub fn fixed(set: JwkSet) -> Self {
        Self {
            source: KeySource::File(PathBuf::new()),
            set: RwLock::new(Arc::new(set)),
            last_fetch: Mutex::new(Instant::now()),
        }
    }

    pub fn current(&self) -> Arc<JwkSet> {
        self.set.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Fetches the set again for a key id it lacks, unless a fetch happened
    /// within [`MIN_REFETCH`]; true when the set changed.
    pub async fn refetch_for_unknown_key(&self) -> bool {
        if !matches!(self.source, KeySource::Url { .. }) {
            return false;
        }
        {
            let mut last = self.last_fetch.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() < MIN_REFETCH {
                return false;
            }
            *last = Instant::now();
        }
        self.reload().await
    }

    async fn reload(&self) -> bool {
        match fetch(&self.source).await {
            Ok(set) => {
                let changed = *self.current() != set;
                if changed {
                    info!(keys = set.keys.len(), "issuer keys reloaded");
                    *self.set.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(set);
                }
                changed
            }
            Err(err) => {
                warn!(%err, "issuer keys not reloaded; keeping the previous ones");
                false
            }
        }
    }

    /// Keeps the set current until `shutdown`: a file when its modification
    /// time changes (checked every `interval`), a URL every `interval`.
    pub async fn watch(&self, interval: Duration, shutdown: CancellationToken) {
        let mut seen = match &self.source {
            KeySource::File(path) => modified(path),
            KeySource::Url { .. } => None,
        };
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
            if let KeySource::File(path) = &self.source {
                let now = modified(path);
                if now == seen {
                    continue;
                }
                seen = now;
            }
            *self.last_fetch.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
            self.reload().await;
        }
    }
}

/// When `path` last changed, for the watchers of files this crate reads.
pub(crate) fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

async fn fetch(source: &KeySource) -> Result<JwkSet, ConfigError> {
    match source {
        KeySource::File(path) => {
            let bytes = tokio::fs::read(path)
                .await
                .map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
            parse(&bytes, &path.display().to_string())
        }
        KeySource::Url { url, client } => {
            let failed = |message: String| ConfigError::Fetch {
                url: url.clone(),
                message,
            };
            let response = client
                .get(url)
                .send()
                .await
                .map_err(|e| failed(e.to_string()))?;
            if !response.status().is_success() {
                return Err(failed(format!("answered {}", response.status())));
            }
            let bytes = response.bytes().await.map_err(|e| failed(e.to_string()))?;
            parse(&bytes, url)
        }
    }
}

/// A JWKS document; keys of kinds this build cannot verify are dropped.
pub fn parse(bytes: &[u8], what: &str) -> Result<JwkSet, ConfigError> {
    if bytes.len() > MAX_JWKS_BYTES {
        return Err(ConfigError::Parse {
            what: what.to_owned(),
            message: format!("larger than {MAX_JWKS_BYTES} bytes"),
        });
    }
    let set: JwkSet = serde_json::from_slice(bytes).map_err(|e| ConfigError::Parse {
        what: what.to_owned(),
        message: e.to_string(),
    })?;
    if set.keys.is_empty() {
        return Err(ConfigError::Parse {
            what: what.to_owned(),
            message: "the key set holds no keys".into(),
        });
    }
    Ok(set)
}

//! `--neighbours-file`: neighbouring countries' own borderflow in a
//! two-country exercise. Each entry names the countries whose crossings
//! that system operates, where its ingest and aggregator listen, and the
//! files the simulator needs to act for its booths and its trainer:
//!
//! ```toml
//! [[neighbour]]
//! countries = ["KGZ"]
//! ingest = "https://127.0.0.1:50061"
//! aggregator = "https://127.0.0.1:50062"
//! setup = "kgz"   # that system's dev-setup directory, beside this file
//! ```
//!
//! `setup` stands for the four files `dev-setup` writes there (checkpoint
//! token secret, pseudonymisation secret, trainer token, CA); each may be
//! given on its own instead (`token_secret_file`, `secret_file`,
//! `aggregator_token_file`, `tls_ca`). Relative paths are taken from the
//! file's directory. Errors name `neighbour[i].field`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use borderflow_common::grpc::{Bearer, authorized};
use borderflow_domain::keys::Pseudonymiser;
use serde::Deserialize;
use tonic::transport::{Certificate, ClientTlsConfig};

use crate::exercise::{Neighbour, System};
use crate::run;
use crate::setup::credentials::TokenIssuer;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    neighbour: Vec<Entry>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Entry {
    countries: Vec<String>,
    ingest: String,
    aggregator: String,
    setup: Option<PathBuf>,
    token_secret_file: Option<PathBuf>,
    secret_file: Option<PathBuf>,
    aggregator_token_file: Option<PathBuf>,
    tls_ca: Option<PathBuf>,
}

/// The neighbours `path` declares, each country operated by one of them
/// at most (the home system operates every other).
pub(super) async fn load(path: &Path) -> anyhow::Result<Vec<Neighbour>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: File =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut seen = std::collections::HashSet::new();
    for (i, entry) in file.neighbour.iter().enumerate() {
        let field = format!("{}: neighbour[{i}].countries", path.display());
        anyhow::ensure!(!entry.countries.is_empty(), "{field}: names no country");
        for country in &entry.countries {
            anyhow::ensure!(
                country.len() == 3 && country.bytes().all(|b| b.is_ascii_uppercase()),
                "{field}: {country:?} is not an ISO 3166-1 alpha-3 code"
            );
            anyhow::ensure!(
                seen.insert(country.clone()),
                "{field}: {country} is operated by an earlier neighbour"
            );
        }
    }
    let mut out = Vec::new();
    for (i, entry) in file.neighbour.iter().enumerate() {
        let field = |name: &str| format!("{}: neighbour[{i}].{name}", path.display());
        let file_of = |given: &Option<PathBuf>, name: &str, in_setup: &str| {
            given
                .clone()
                .or_else(|| entry.setup.as_ref().map(|dir| dir.join(in_setup)))
                .map(|p| base.join(p))
                .with_context(|| format!("{}: required without `setup`", field(name)))
        };
        let read = |p: &Path, name: &str| {
            std::fs::read_to_string(p)
                .with_context(|| format!("{}: reading {}", field(name), p.display()))
        };
        let token_secret = file_of(
            &entry.token_secret_file,
            "token_secret_file",
            "checkpoint-tokens.secret",
        )?;
        let secret = file_of(&entry.secret_file, "secret_file", "pseudonymisation.secret")?;
        let trainer = file_of(
            &entry.aggregator_token_file,
            "aggregator_token_file",
            "tokens/trainer.jwt",
        )?;
        let tokens = TokenIssuer::new(read(&token_secret, "token_secret_file")?.trim().as_bytes());
        let keys = Pseudonymiser::new(read(&secret, "secret_file")?.trim().as_bytes())
            .with_context(|| field("secret_file"))?;
        let bearer = Bearer::from_file(&trainer).with_context(|| field("aggregator_token_file"))?;
        let tls = match file_of(&entry.tls_ca, "tls_ca", "ca.pem") {
            Ok(ca) => Some(
                ClientTlsConfig::new()
                    .ca_certificate(Certificate::from_pem(read(&ca, "tls_ca")?))
                    .domain_name("localhost"),
            ),
            Err(_) => None,
        };
        let https = |url: &str| url.starts_with("https://").then(|| tls.clone()).flatten();
        let ingest =
            run::ingest(&entry.ingest, https(&entry.ingest)).with_context(|| field("ingest"))?;
        let aggregator = run::connect(&entry.aggregator, https(&entry.aggregator))
            .await
            .with_context(|| field("aggregator"))?;
        out.push(Neighbour {
            countries: entry.countries.clone(),
            system: System {
                ingest,
                aggregator: authorized(aggregator, bearer),
                tokens,
                keys,
            },
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::networks;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("neighbours.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[tokio::test]
    async fn a_neighbour_from_its_setup_directory() {
        let dir = tempfile::tempdir().unwrap();
        let network = networks::resolve("central-asia", 1).unwrap();
        crate::setup::write_dev_setup(&dir.path().join("kgz"), &network, &["localhost"]).unwrap();
        let path = write(
            dir.path(),
            r#"
[[neighbour]]
countries = ["KGZ", "TJK"]
ingest = "https://127.0.0.1:50061"
aggregator = "https://127.0.0.1:50062"
setup = "kgz"
"#,
        );
        let neighbours = load(&path).await.unwrap();
        assert_eq!(neighbours.len(), 1);
        assert_eq!(neighbours[0].countries, ["KGZ", "TJK"]);
        // The neighbour's booths get tokens from its own secret.
        let secret =
            std::fs::read_to_string(dir.path().join("kgz/checkpoint-tokens.secret")).unwrap();
        let own = TokenIssuer::new(secret.trim().as_bytes());
        assert_eq!(neighbours[0].system.tokens.token("X-1"), own.token("X-1"));
    }

    #[tokio::test]
    async fn errors_name_the_entry_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                r#"[[neighbour]]
countries = ["kg"]
ingest = "http://a"
aggregator = "http://b"
"#,
                "neighbour[0].countries",
            ),
            (
                r#"[[neighbour]]
countries = ["KGZ"]
ingest = "http://a"
aggregator = "http://b"
[[neighbour]]
countries = ["KGZ"]
ingest = "http://a"
aggregator = "http://b"
setup = "x"
"#,
                "neighbour[1].countries",
            ),
            (
                r#"[[neighbour]]
countries = ["KGZ"]
ingest = "http://a"
aggregator = "http://b"
"#,
                "neighbour[0].token_secret_file",
            ),
            (
                r#"[[neighbour]]
countries = ["KGZ"]
ingest = "http://a"
aggregator = "http://b"
setup = "missing"
"#,
                "neighbour[0].token_secret_file",
            ),
        ];
        for (text, field) in cases {
            let error = format!("{:#}", load(&write(dir.path(), text)).await.unwrap_err());
            assert!(error.contains(field), "{field}: {error}");
        }
    }
}

//! Flags of a service that authenticates operators and systems.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use borderflow_common::config::parse_duration;

use crate::Authenticator;
use crate::certs::CertPrincipals;
use crate::error::ConfigError;
use crate::jwks::{KeySource, Keys};
use crate::jwt::{ClaimMapping, JwtVerifier, TokenPolicy};
use crate::principal::Role;

/// Identity sources. At least one must be configured: nothing is open by
/// default.
#[derive(clap::Args, Clone, Debug)]
pub struct AccessArgs {
    /// JWKS file of the token issuer (re-read when it changes).
    #[arg(
        long,
        env = "BORDERFLOW_AUTH_JWKS_FILE",
        conflicts_with = "auth_jwks_url"
    )]
    pub auth_jwks_file: Option<PathBuf>,

    /// JWKS URL of the token issuer (an OIDC provider's `jwks_uri`),
    /// cached and refreshed.
    #[arg(long, env = "BORDERFLOW_AUTH_JWKS_URL")]
    pub auth_jwks_url: Option<String>,

    /// PEM CA bundle to trust for the JWKS URL besides the system's roots.
    #[arg(long, env = "BORDERFLOW_AUTH_JWKS_CA", requires = "auth_jwks_url")]
    pub auth_jwks_ca: Option<PathBuf>,

    /// How often the JWKS is re-read (a file: whether it changed).
    #[arg(long, env = "BORDERFLOW_AUTH_JWKS_REFRESH", default_value = "10m", value_parser = parse_duration)]
    pub auth_jwks_refresh: Duration,

    /// Expected `iss` of tokens (the OIDC issuer URL).
    #[arg(long, env = "BORDERFLOW_AUTH_ISSUER")]
    pub auth_issuer: Option<String>,

    /// Expected `aud` of tokens.
    #[arg(long, env = "BORDERFLOW_AUTH_AUDIENCE", default_value = "borderflow")]
    pub auth_audience: String,

    /// Clock skew allowed on a token's expiry and not-before.
    #[arg(long, env = "BORDERFLOW_AUTH_LEEWAY", default_value = "60s", value_parser = parse_duration)]
    pub auth_leeway: Duration,

    /// Dot path of the roles claim (`roles`; Keycloak: `realm_access.roles`).
    #[arg(long, env = "BORDERFLOW_AUTH_ROLES_CLAIM", default_value = "roles")]
    pub auth_roles_claim: String,

    /// Maps an issuer's role or group names to borderflow roles:
    /// `CLAIM_VALUE=ROLE`, repeated or comma-separated. Without it the
    /// claim values are borderflow's role names.
    #[arg(long, env = "BORDERFLOW_AUTH_ROLE_MAP", value_delimiter = ',', value_parser = parse_role_mapping)]
    pub auth_role_map: Vec<(String, Role)>,

    /// Dot path of the countries claim (ISO 3166-1 alpha-3 codes; `*` for all).
    #[arg(
        long,
        env = "BORDERFLOW_AUTH_COUNTRIES_CLAIM",
        default_value = "countries"
    )]
    pub auth_countries_claim: String,

    /// TOML file mapping client certificates to principals (mutual TLS;
    /// needs --tls-client-ca).
    #[arg(long, env = "BORDERFLOW_AUTH_PRINCIPALS")]
    pub auth_principals: Option<PathBuf>,
}

/// Keys come over HTTPS; plain HTTP only from this machine (an issuer's
/// sidecar or a test), where nothing crosses a network.
fn check_url(url: &str) -> Result<(), ConfigError> {
    let refuse = || {
        ConfigError::Invalid(format!(
            "--auth-jwks-url: {url:?} must be https:// (plain http only for a loopback issuer)"
        ))
    };
    if url.starts_with("https://") {
        return Ok(());
    }
    let rest = url.strip_prefix("http://").ok_or_else(refuse)?;
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    match host {
        "127.0.0.1" | "[::1]" | "localhost" => Ok(()),
        _ => Err(refuse()),
    }
}

fn parse_role_mapping(text: &str) -> Result<(String, Role), String> {
    let (value, role) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected CLAIM_VALUE=ROLE"))?;
    Ok((value.trim().to_owned(), role.trim().parse()?))
}

impl AccessArgs {
    /// The authenticator these flags describe; an error when none is given.
    pub async fn build(&self) -> Result<Authenticator, ConfigError> {
        let source = match (&self.auth_jwks_file, &self.auth_jwks_url) {
            (Some(path), _) => Some(KeySource::File(path.clone())),
            (None, Some(url)) => {
                check_url(url)?;
                Some(KeySource::Url {
                    url: url.clone(),
                    client: self.http_client()?,
                })
            }
            (None, None) => None,
        };
        let jwt = match source {
            Some(source) => {
                let issuer = self.auth_issuer.clone().ok_or_else(|| {
                    ConfigError::Invalid(
                        "--auth-issuer: required with a JWKS (the `iss` tokens must carry)".into(),
                    )
                })?;
                let keys = Arc::new(Keys::load(source).await?);
                Some(JwtVerifier::new(
                    keys,
                    TokenPolicy {
                        issuer,
                        audience: self.auth_audience.clone(),
                        leeway_seconds: self.auth_leeway.as_secs(),
                        claims: ClaimMapping {
                            roles_claim: self.auth_roles_claim.clone(),
                            role_map: self
                                .auth_role_map
                                .iter()
                                .cloned()
                                .collect::<HashMap<_, _>>(),
                            countries_claim: self.auth_countries_claim.clone(),
                        },
                    },
                ))
            }
            None => None,
        };
        let certs = self
            .auth_principals
            .as_deref()
            .map(CertPrincipals::load)
            .transpose()?;
        if jwt.is_none() && certs.is_none() {
            return Err(ConfigError::Invalid(
                "no identity source: set --auth-jwks-file or --auth-jwks-url (with --auth-issuer), \
                 or --auth-principals for client certificates"
                    .into(),
            ));
        }
        Ok(Authenticator::new(jwt, certs, self.auth_jwks_refresh))
    }

    fn http_client(&self) -> Result<reqwest::Client, ConfigError> {
        // No redirects: a redirect could lead from https to plain http.
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &self.auth_jwks_ca {
            let pem = std::fs::read(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ConfigError::Parse {
                    what: path.display().to_string(),
                    message: e.to_string(),
                })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        builder
            .build()
            .map_err(|e| ConfigError::Invalid(format!("the JWKS HTTP client: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn keys_come_over_https_or_from_this_machine() {
        assert!(
            check_url("https://idp.example/realms/border/protocol/openid-connect/certs").is_ok()
        );
        assert!(check_url("http://127.0.0.1:8080/jwks.json").is_ok());
        assert!(check_url("http://localhost/jwks").is_ok());
        assert!(check_url("http://idp.example/jwks").is_err());
        assert!(check_url("http://127.0.0.1.evil.example/jwks").is_err());
        assert!(check_url("ftp://127.0.0.1/jwks").is_err());
    }
}

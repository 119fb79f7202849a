//! borderflow-access: who is calling and what they may see.
//!
//! Operators, analysts and other systems prove who they are with an
//! OIDC-style bearer JWT (verified against the issuer's JWKS, [`jwt`] and
//! [`jwks`]) or a client certificate ([`certs`]); either way they become a
//! [`Principal`] with roles and a country scope ([`principal`]: the
//! permission each role grants is the one table to read first). The
//! services decide per method and route which [`Permission`] it needs and
//! filter by scope; [`issuer`] is the local issuer of development and
//! training setups.

pub mod certs;
pub mod config;
pub mod error;
pub mod issuer;
pub mod jwks;
pub mod jwt;
pub mod principal;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use config::AccessArgs;
pub use error::{AuthError, ConfigError};
pub use principal::{Method, Permission, Principal, Role, Scope};

use crate::certs::CertPrincipals;
use crate::jwt::JwtVerifier;

/// Turns credentials into principals.
#[derive(Clone, Debug)]
pub struct Authenticator {
    jwt: Option<JwtVerifier>,
    certs: Option<CertPrincipals>,
    refresh: Duration,
}

impl Authenticator {
    pub fn new(jwt: Option<JwtVerifier>, certs: Option<CertPrincipals>, refresh: Duration) -> Self {
        Self {
            jwt,
            certs,
            refresh,
        }
    }

    /// The principal behind a request: a registered client certificate,
    /// else a bearer token.
    pub async fn authenticate(
        &self,
        bearer: Option<&str>,
        client_cert: Option<&[u8]>,
    ) -> Result<Principal, AuthError> {
        if let (Some(certs), Some(cert)) = (&self.certs, client_cert)
            && let Some(principal) = certs.find(cert)
        {
            return Ok(principal);
        }
        match (bearer, &self.jwt) {
            (Some(token), Some(jwt)) => jwt.verify(token).await,
            (Some(_), None) => Err(AuthError::TokensNotAccepted),
            (None, _) if client_cert.is_some() => Err(AuthError::UnknownCertificate),
            (None, _) => Err(AuthError::Missing),
        }
    }

    /// A bearer token, verified (the dashboard's sign-in).
    pub async fn verify_token(&self, token: &str) -> Result<Principal, AuthError> {
        self.authenticate(Some(token), None).await
    }

    /// Keeps keys and certificate principals current until `shutdown`.
    pub async fn watch(&self, shutdown: CancellationToken) {
        let keys = async {
            if let Some(jwt) = &self.jwt {
                jwt.keys().watch(self.refresh, shutdown.clone()).await;
            }
        };
        let certs = async {
            if let Some(certs) = &self.certs {
                certs.watch(Duration::from_secs(5), shutdown.clone()).await;
            }
        };
        tokio::join!(keys, certs);
    }
}

/// The token of an `authorization: Bearer <token>` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

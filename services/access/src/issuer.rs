//! A local token issuer for development, tests and training rooms: one
//! ES256 key, its JWKS, and signed tokens for any subject, roles and
//! countries. Deployments use their own OIDC issuer (Keycloak, Azure AD,
//! …); the services only ever see its JWKS.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::error::ConfigError;
use crate::principal::Role;

/// Signs tokens with one key.
pub struct Issuer {
    issuer: String,
    audience: String,
    kid: String,
    key: EncodingKey,
    jwk: Jwk,
    private_pem: String,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("issuer", &self.issuer)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// A fresh P-256 key.
    pub fn generate(issuer: &str, audience: &str) -> Result<Self, ConfigError> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| ConfigError::Invalid(format!("generating a signing key: {e}")))?;
        Self::from_pem(&key.serialize_pem(), issuer, audience)
    }

    /// The issuer of a PKCS#8 P-256 private key written by [`Self::private_pem`].
    pub fn from_pem(pem: &str, issuer: &str, audience: &str) -> Result<Self, ConfigError> {
        let invalid = |e: String| ConfigError::Invalid(format!("the signing key: {e}"));
        let pair = rcgen::KeyPair::from_pem(pem).map_err(|e| invalid(e.to_string()))?;
        let point = pair.public_key_raw();
        if point.len() != 65 || point[0] != 4 {
            return Err(invalid("not an uncompressed P-256 point".into()));
        }
        let (x, y) = point[1..].split_at(32);
        let kid = URL_SAFE_NO_PAD.encode(&sha256(&point[1..])[..12]);
        let jwk: Jwk = serde_json::from_value(json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(x),
            "y": URL_SAFE_NO_PAD.encode(y),
            "kid": kid,
            "alg": "ES256",
            "use": "sig",
        }))
        .map_err(|e| invalid(e.to_string()))?;
        let key = EncodingKey::from_ec_pem(pem.as_bytes()).map_err(|e| invalid(e.to_string()))?;
        Ok(Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            kid,
            key,
            jwk,
            private_pem: pem.to_owned(),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The private key, PKCS#8 PEM, to keep beside the JWKS.
    pub fn private_pem(&self) -> &str {
        &self.private_pem
    }

    /// The public key set the services verify against.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    /// A token for `subject` with `roles` and `countries` (`*` for all),
    /// valid from now for `lifetime`.
    pub fn token(
        &self,
        subject: &str,
        roles: &[Role],
        countries: &[&str],
        lifetime: Duration,
    ) -> String {
        let now = jsonwebtoken::get_current_timestamp();
        self.sign(&json!({
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "name": subject,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime.as_secs(),
            "roles": roles.iter().map(|r| r.name()).collect::<Vec<_>>(),
            "countries": countries,
        }))
    }

    /// Signs arbitrary claims (tests of what the verifier refuses).
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).expect("ES256 signing with a valid key")
    }
}

/// SHA-256, for the key id (a thumbprint of the public point).
fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

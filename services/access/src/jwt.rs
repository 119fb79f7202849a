//! Bearer tokens: OIDC-style JWTs verified with `jsonwebtoken` against the
//! issuer's JWKS — signature, algorithm, issuer, audience, expiry and
//! not-before, with a small clock-skew allowance — and their claims mapped
//! to a [`Principal`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::error::AuthError;
use crate::jwks::Keys;
use crate::principal::{Method, Principal, Role, Scope};

/// The only algorithms accepted: asymmetric signatures an OIDC issuer
/// (Keycloak, Azure AD, …) uses. Never `none`, never a shared secret.
pub const ACCEPTED: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// How a token's claims become roles and a scope.
#[derive(Clone, Debug)]
pub struct ClaimMapping {
    /// Dot path of the roles claim (`roles`, `realm_access.roles`).
    pub roles_claim: String,
    /// Claim value → role; empty means the values are role names.
    pub role_map: HashMap<String, Role>,
    /// Dot path of the countries claim: an array of ISO 3166-1 alpha-3
    /// codes (or one space- or comma-separated string); `*` for all.
    pub countries_claim: String,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            roles_claim: "roles".into(),
            role_map: HashMap::new(),
            countries_claim: "countries".into(),
        }
    }
}

/// What a token must say to be accepted.
#[derive(Clone, Debug)]
pub struct TokenPolicy {
    pub issuer: String,
    pub audience: String,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_seconds: u64,
    pub claims: ClaimMapping,
}

/// Verifies bearer tokens against an issuer's keys.
#[derive(Clone, Debug)]
pub struct JwtVerifier {
    keys: Arc<Keys>,
    policy: Arc<TokenPolicy>,
}

impl JwtVerifier {
    pub fn new(keys: Arc<Keys>, policy: TokenPolicy) -> Self {
        Self {
            keys,
            policy: Arc::new(policy),
        }
    }

    pub fn keys(&self) -> &Arc<Keys> {
        &self.keys
    }

    /// The principal a token proves, or why it proves nothing.
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithmName | ErrorKind::UnsupportedAlgorithm => {
                AuthError::UnsupportedAlgorithm
            }
            // `alg: none` and other unknown names fail to parse as a header.
            ErrorKind::Json(message) if message.to_string().contains("variant") => {
                AuthError::UnsupportedAlgorithm
            }
            _ => AuthError::Malformed,
        })?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(AuthError::UnsupportedAlgorithm);
        }
        let jwk = match self.find_key(header.kid.as_deref()) {
            Some(jwk) => jwk,
            None if self.keys.refetch_for_unknown_key().await => self
                .find_key(header.kid.as_deref())
                .ok_or(AuthError::UnknownKey)?,
            None => return Err(AuthError::UnknownKey),
        };
        if let Some(declared) = jwk.common.key_algorithm
            && Algorithm::try_from(declared).ok() != Some(header.alg)
        {
            return Err(AuthError::UnsupportedAlgorithm);
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| AuthError::UnknownKey)?;
        let claims = jsonwebtoken::decode::<Value>(token, &key, &self.validation(header.alg))
            .map_err(|e| classify(e.kind()))?
            .claims;
        self.principal(&claims)
    }

    fn find_key(&self, kid: Option<&str>) -> Option<Jwk> {
        let set = self.keys.current();
        match kid {
            Some(kid) => set.find(kid).cloned(),
            // A token without a key id is accepted only against a set of one.
            None if set.keys.len() == 1 => set.keys.first().cloned(),
            None => None,
        }
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut validation = Validation::new(alg);
        validation.algorithms = vec![alg];
        validation.leeway = self.policy.leeway_seconds;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.policy.issuer]);
        validation.set_audience(&[&self.policy.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation
    }

    fn principal(&self, claims: &Value) -> Result<Principal, AuthError> {
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuthError::MissingClaim("sub".into()))?;
        let mapping = &self.policy.claims;
        let roles: BTreeSet<Role> = strings(path(claims, &mapping.roles_claim))
            .iter()
            .filter_map(|value| {
                if mapping.role_map.is_empty() {
                    value.parse().ok()
                } else {
                    mapping.role_map.get(value).copied()
                }
            })
            .collect();
        let scope = Scope::from_values(strings(path(claims, &mapping.countries_claim)));
        let display_name = ["name", "preferred_username"]
            .iter()
            .find_map(|c| claims.get(*c).and_then(Value::as_str))
            .unwrap_or(subject)
            .to_owned();
        Ok(Principal {
            subject: subject.to_owned(),
            display_name,
            roles,
            scope,
            method: Method::Jwt,
            expires_at: claims.get("exp").and_then(Value::as_u64),
        })
    }
}

fn classify(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm => AuthError::UnsupportedAlgorithm,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
        ErrorKind::InvalidEcdsaKey | ErrorKind::InvalidEddsaKey | ErrorKind::InvalidRsaKey(_) => {
            AuthError::UnknownKey
        }
        _ => AuthError::Malformed,
    }
}

/// The value at a dot path (`realm_access.roles`).
fn path<'a>(claims: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted
        .split('.')
        .try_fold(claims, |value, part| value.get(part))
}

/// An array of strings, or one string of space- or comma-separated values.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s
            .split([' ', ','])
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;

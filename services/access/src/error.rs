//! Why a caller could not be authenticated.

pub type Result<T, E = AuthError> = std::result::Result<T, E>;

/// A credential that does not prove who the caller is. Every variant maps
/// to `UNAUTHENTICATED` (HTTP 401); [`AuthError::reason`] is the bounded
/// label used in audit records and metrics.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no credential: send `authorization: Bearer <token>` or a client certificate")]
    Missing,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm is not accepted (RS256, ES256 and EdDSA are)")]
    UnsupportedAlgorithm,
    #[error("the token was signed by a key the issuer's JWKS does not hold")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by another issuer")]
    WrongIssuer,
    #[error("the token is meant for another audience")]
    WrongAudience,
    #[error("the token lacks the {0} claim")]
    MissingClaim(String),
    #[error("the client certificate is not registered")]
    UnknownCertificate,
    #[error("this service accepts client certificates, not tokens")]
    TokensNotAccepted,
}

impl AuthError {
    /// A short, bounded label: audit `reason` and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Malformed => "malformed",
            Self::UnsupportedAlgorithm => "algorithm",
            Self::UnknownKey => "unknown-key",
            Self::BadSignature => "signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::WrongIssuer => "issuer",
            Self::WrongAudience => "audience",
            Self::MissingClaim(_) => "claims",
            Self::UnknownCertificate => "certificate",
            Self::TokensNotAccepted => "tokens-not-accepted",
        }
    }
}

/// A configuration that cannot be used (at start-up or on reload).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("parsing {what}: {message}")]
    Parse { what: String, message: String },
    #[error("fetching the JWKS from {url}: {message}")]
    Fetch { url: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::*;
use crate::issuer::Issuer;

const ISSUER: &str = "https://idp.example/realms/border";
const AUDIENCE: &str = "borderflow";

fn verifier_for(issuer: &Issuer, claims: ClaimMapping) -> JwtVerifier {
    JwtVerifier::new(
        Arc::new(Keys::fixed(issuer.jwks())),
        TokenPolicy {
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            leeway_seconds: 60,
            claims,
        },
    )
}

fn setup() -> (Issuer, JwtVerifier) {
    let issuer = Issuer::generate(ISSUER, AUDIENCE).unwrap();
    let verifier = verifier_for(&issuer, ClaimMapping::default());
    (issuer, verifier)
}

fn claims(issuer: &Issuer) -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    json!({
        "iss": issuer.issuer(), "aud": issuer.audience(), "sub": "aigerim",
        "iat": now, "nbf": now, "exp": now + 600,
        "roles": ["analyst"], "countries": ["KGZ"],
    })
}

fn with(issuer: &Issuer, change: impl FnOnce(&mut Value)) -> String {
    let mut claims = claims(issuer);
    change(&mut claims);
    issuer.sign(&claims)
}

async fn refused(verifier: &JwtVerifier, token: &str) -> AuthError {
    verifier.verify(token).await.unwrap_err()
}

#[tokio::test]
async fn a_valid_token_becomes_a_scoped_principal() {
    let (issuer, verifier) = setup();
    let token = issuer.token(
        "aigerim",
        &[Role::Analyst],
        &["KGZ"],
        Duration::from_secs(600),
    );
    let principal = verifier.verify(&token).await.unwrap();
    assert_eq!(principal.subject, "aigerim");
    assert_eq!(
        principal.roles.iter().copied().collect::<Vec<_>>(),
        vec![Role::Analyst]
    );
    assert!(principal.scope.covers("KGZ") && !principal.scope.covers("KAZ"));
    assert_eq!(principal.method, Method::Jwt);
    assert!(principal.expires_at.is_some());
}

#[tokio::test]
async fn every_broken_token_is_refused_with_its_reason() {
    let (issuer, verifier) = setup();
    let now = jsonwebtoken::get_current_timestamp();
    let cases = [
        (
            with(&issuer, |c| c["exp"] = json!(now - 120)),
            AuthError::Expired,
        ),
        (
            with(&issuer, |c| c["nbf"] = json!(now + 600)),
            AuthError::NotYetValid,
        ),
        (
            with(&issuer, |c| c["aud"] = json!("another-system")),
            AuthError::WrongAudience,
        ),
        (
            with(&issuer, |c| c["iss"] = json!("https://evil.example")),
            AuthError::WrongIssuer,
        ),
        (
            with(&issuer, |c| {
                c.as_object_mut().unwrap().remove("sub");
            }),
            AuthError::MissingClaim("sub".into()),
        ),
        ("not a token".to_owned(), AuthError::Malformed),
    ];
    for (token, expected) in cases {
        assert_eq!(refused(&verifier, &token).await, expected);
    }
}

#[tokio::test]
async fn clock_skew_within_the_leeway_is_allowed() {
    let (issuer, verifier) = setup();
    let now = jsonwebtoken::get_current_timestamp();
    let token = with(&issuer, |c| {
        c["exp"] = json!(now - 30);
        c["nbf"] = json!(now + 30);
    });
    assert!(verifier.verify(&token).await.is_ok());
}

#[tokio::test]
async fn tampered_unsigned_and_foreign_tokens_are_refused() {
    let (issuer, verifier) = setup();
    let token = issuer.token(
        "aigerim",
        &[Role::Viewer],
        &["KGZ"],
        Duration::from_secs(600),
    );
    let parts: Vec<&str> = token.split('.').collect();

    // The payload rewritten to claim every country, the signature kept.
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["countries"] = json!(["*"]);
    payload["roles"] = json!(["reference-admin"]);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_eq!(refused(&verifier, &forged).await, AuthError::BadSignature);

    // `alg: none` with no signature.
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    assert_eq!(
        refused(&verifier, &none).await,
        AuthError::UnsupportedAlgorithm
    );

    // A shared-secret algorithm, whatever key it names.
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::HS256),
        &claims(&issuer),
        &jsonwebtoken::EncodingKey::from_secret(b"guessable").unwrap(),
    )
    .unwrap();
    assert_eq!(
        refused(&verifier, &hs256).await,
        AuthError::UnsupportedAlgorithm
    );

    // Signed by another issuer's key (a different kid).
    let stranger = Issuer::generate(ISSUER, AUDIENCE).unwrap();
    let foreign = stranger.token(
        "aigerim",
        &[Role::Viewer],
        &["KGZ"],
        Duration::from_secs(600),
    );
    assert_eq!(refused(&verifier, &foreign).await, AuthError::UnknownKey);
}

#[tokio::test]
async fn claims_are_mapped_by_configuration() {
    let issuer = Issuer::generate(ISSUER, AUDIENCE).unwrap();
    let verifier = verifier_for(
        &issuer,
        ClaimMapping {
            roles_claim: "realm_access.roles".into(),
            role_map: [("bf-analysts".to_owned(), Role::Analyst)]
                .into_iter()
                .collect(),
            countries_claim: "border.countries".into(),
        },
    );
    let token = with(&issuer, |c| {
        c["realm_access"] = json!({"roles": ["bf-analysts", "offline_access", "viewer"]});
        c["border"] = json!({"countries": "KGZ TJK"});
    });
    let principal = verifier.verify(&token).await.unwrap();
    assert_eq!(
        principal.roles.iter().copied().collect::<Vec<_>>(),
        vec![Role::Analyst],
        "only mapped values count once a map is configured"
    );
    assert!(principal.scope.covers("TJK") && principal.scope.covers("KGZ"));
    assert!(!principal.scope.covers("UZB"));
}

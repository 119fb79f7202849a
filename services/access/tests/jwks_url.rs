//! Keys from an issuer's JWKS URL, served over a real socket: loaded at
//! start, refreshed on the interval so a rotated key is accepted, and a
//! stream of tokens naming unknown keys does not make the service hammer
//! the issuer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use borderflow_access::issuer::Issuer;
use borderflow_access::{AccessArgs, AuthError, Role};
use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const ISSUER: &str = "https://idp.test/realms/border";

#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    access: AccessArgs,
}

/// A JWKS endpoint on 127.0.0.1 that serves `jwks` and counts requests.
async fn serve(jwks: Arc<Mutex<String>>, hits: Arc<AtomicUsize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            hits.fetch_add(1, Ordering::Relaxed);
            let body = jwks.lock().unwrap().clone();
            tokio::spawn(async move {
                let mut request = [0u8; 2048];
                let _ = socket.read(&mut request).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    format!(
        "http://127.0.0.1:{}/protocol/openid-connect/certs",
        addr.port()
    )
}

fn jwks_of(issuer: &Issuer) -> String {
    serde_json::to_string(&issuer.jwks()).unwrap()
}

#[tokio::test]
async fn keys_load_refresh_and_unknown_keys_do_not_hammer_the_issuer() {
    let first = Issuer::generate(ISSUER, "borderflow").unwrap();
    let jwks = Arc::new(Mutex::new(jwks_of(&first)));
    let hits = Arc::new(AtomicUsize::new(0));
    let url = serve(jwks.clone(), hits.clone()).await;
    let flags = Flags::try_parse_from([
        "test",
        &format!("--auth-jwks-url={url}"),
        &format!("--auth-issuer={ISSUER}"),
        "--auth-jwks-refresh=300ms",
    ])
    .unwrap();
    let authenticator = flags.access.build().await.unwrap();
    assert_eq!(hits.load(Ordering::Relaxed), 1, "loaded once at start");
    let token = first.token("amina", &[Role::Analyst], &["KGZ"], Duration::from_secs(60));
    let principal = authenticator.verify_token(&token).await.unwrap();
    assert_eq!(principal.subject, "amina");

    // Forged key ids, many: refused, and at most one fetch between them.
    for _ in 0..50 {
        let stranger = Issuer::generate(ISSUER, "borderflow").unwrap();
        let forged = stranger.token("x", &[Role::Auditor], &["*"], Duration::from_secs(60));
        assert_eq!(
            authenticator.verify_token(&forged).await.unwrap_err(),
            AuthError::UnknownKey
        );
    }
    assert!(
        hits.load(Ordering::Relaxed) <= 2,
        "{} fetches",
        hits.load(Ordering::Relaxed)
    );

    // The issuer rotates its key; the refresh picks it up.
    let second = Issuer::generate(ISSUER, "borderflow").unwrap();
    *jwks.lock().unwrap() = jwks_of(&second);
    let stop = CancellationToken::new();
    let watching = {
        let authenticator = authenticator.clone();
        let stop = stop.clone();
        tokio::spawn(async move { authenticator.watch(stop).await })
    };
    let rotated = second.token("amina", &[Role::Analyst], &["KGZ"], Duration::from_secs(60));
    let started = Instant::now();
    let mut accepted = false;
    while started.elapsed() < Duration::from_secs(10) {
        if authenticator.verify_token(&rotated).await.is_ok() {
            accepted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(accepted, "the rotated key was never fetched");
    assert_eq!(
        authenticator.verify_token(&token).await.unwrap_err(),
        AuthError::UnknownKey,
        "the retired key is gone"
    );
    stop.cancel();
    watching.await.unwrap();
}

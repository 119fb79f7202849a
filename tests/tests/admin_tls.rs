//! The aggregator's admin port over HTTPS (`--admin-tls`, the gRPC
//! server's certificate): probes and metrics answer without a credential,
//! the dashboard API and the JSON API only with one, and plain HTTP gets
//! nothing.

use std::net::SocketAddr;
use std::sync::Arc;

use borderflow_access::Role;
use borderflow_simulator::model::networks;
use borderflow_systest::admin::http_get;
use borderflow_systest::testbed::Testbed;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, rustls};

/// GET `path` over TLS trusting `ca`: status and body.
async fn https_get(
    addr: SocketAddr,
    ca: &std::path::Path,
    path: &str,
    token: Option<&str>,
) -> (u16, String) {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let socket = TcpStream::connect(addr).await.unwrap();
    let mut stream = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), socket)
        .await
        .unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n{auth}\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head[9..12].parse().unwrap(), body.to_owned())
}

#[tokio::test]
async fn the_admin_port_serves_https_with_probes_open_and_data_behind_tokens() {
    let bed = Testbed::start(networks::generated(2, 1), 2).await.unwrap();
    let s = &bed.setup;
    let flags = [
        format!("--tls-cert={}", s.server_cert_file.display()),
        format!("--tls-key={}", s.server_key_file.display()),
        "--admin-tls".to_owned(),
    ];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let mut aggregator = bed
        .start_aggregator(bed.aggregator_config(&flags))
        .await
        .unwrap();
    let admin = aggregator.admin_addr;

    assert_eq!(https_get(admin, &s.ca_file, "/healthz", None).await.0, 200);
    // Ready once the consumer groups have assigned it its partitions and
    // their state is restored: a second or two after it starts serving.
    let started = std::time::Instant::now();
    let mut ready = https_get(admin, &s.ca_file, "/readyz", None).await.0;
    while ready != 200 && started.elapsed() < std::time::Duration::from_secs(30) {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        ready = https_get(admin, &s.ca_file, "/readyz", None).await.0;
    }
    assert_eq!(ready, 200);
    assert_eq!(
        https_get(admin, &s.ca_file, "/api/crossings", None).await.0,
        401
    );
    assert_eq!(
        https_get(admin, &s.ca_file, "/v1/crossings", None).await.0,
        401
    );
    let (status, metrics) = https_get(admin, &s.ca_file, "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("borderflow_api_denied_total"),
        "the refusals above are counted: {metrics}"
    );
    let analyst = std::fs::read_to_string(bed.token_file(Role::Analyst)).unwrap();
    let (status, body) = https_get(admin, &s.ca_file, "/v1/crossings", Some(&analyst)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"crossings\""), "{body}");

    // Plain HTTP on the same port gets no answer.
    let plain = http_get(admin, "/healthz").await;
    assert!(
        plain.as_ref().map_or(true, |(status, _)| *status != 200),
        "plain HTTP was answered: {plain:?}"
    );
    aggregator.stop_and_wait().await.unwrap();
}

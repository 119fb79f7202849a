//! gRPC plumbing shared by the servers and their clients: TLS settings from
//! files, the standard health service and server reflection.

use std::path::PathBuf;

use anyhow::Context;
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};
use tonic_health::server::HealthReporter;

/// The standard health service's name.
pub const HEALTH_SERVICE: &str = "grpc.health.v1.Health";

/// The gRPC response metadata key naming the request field an
/// `INVALID_ARGUMENT` is about (`inspection.document.mrz`, `page_token`),
/// beside the human-readable message: one contract for every service.
pub const FIELD_METADATA: &str = "borderflow-field";

/// The status for a request field that is missing or wrong: the message
/// says `field: reason`, the [`FIELD_METADATA`] names the field.
pub fn invalid_field(field: &str, reason: impl std::fmt::Display) -> tonic::Status {
    let mut status = tonic::Status::invalid_argument(format!("{field}: {reason}"));
    if let Ok(value) = field.parse() {
        status.metadata_mut().insert(FIELD_METADATA, value);
    }
    status
}

/// Largest gRPC message either side accepts (tonic's default is 4 MiB).
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

/// The connections a gRPC server accepts on `listener`, with Nagle's
/// algorithm off. tonic sets `TCP_NODELAY` only on listeners it binds
/// itself; on a socket with Nagle on, a small response frame written while
/// the previous one is unacknowledged waits for the peer's delayed ACK
/// (40 ms on Linux), which showed as a second mode at +40 ms in ingest's
/// submit → acknowledgement latency.
pub fn incoming(listener: TcpListener) -> TcpIncoming {
    TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// Server-side TLS; mutual TLS when a client CA is given.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ServerTlsArgs {
    /// PEM certificate chain of the gRPC server. Without it the server speaks
    /// plaintext (only for development).
    #[arg(long = "tls-cert", env = "BORDERFLOW_TLS_CERT", requires = "key")]
    pub cert: Option<PathBuf>,
    /// PEM private key of the gRPC server.
    #[arg(long = "tls-key", env = "BORDERFLOW_TLS_KEY", id = "key")]
    pub key: Option<PathBuf>,
    /// PEM CA bundle; when set, clients must present a certificate it signed.
    #[arg(
        long = "tls-client-ca",
        env = "BORDERFLOW_TLS_CLIENT_CA",
        requires = "key"
    )]
    pub client_ca: Option<PathBuf>,
}

impl ServerTlsArgs {
    pub fn server_config(&self) -> anyhow::Result<Option<ServerTlsConfig>> {
        let (Some(cert), Some(key)) = (&self.cert, &self.key) else {
            return Ok(None);
        };
        let identity = Identity::from_pem(read(cert)?, read(key)?);
        let mut config = ServerTlsConfig::new().identity(identity);
        if let Some(ca) = &self.client_ca {
            config = config
                .client_ca_root(Certificate::from_pem(read(ca)?))
                .client_auth_optional(false);
        }
        Ok(Some(config))
    }
}

/// Client-side TLS towards a borderflow server.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ClientTlsArgs {
    /// PEM CA bundle that signed the server certificate; enables TLS.
    #[arg(long = "tls-ca", env = "BORDERFLOW_TLS_CA")]
    pub ca: Option<PathBuf>,
    /// Name to verify in the server certificate (defaults to the URL host).
    #[arg(long = "tls-domain", env = "BORDERFLOW_TLS_DOMAIN")]
    pub domain: Option<String>,
    /// PEM client certificate for mutual TLS.
    #[arg(
        long = "tls-client-cert",
        env = "BORDERFLOW_TLS_CLIENT_CERT",
        requires = "client_key"
    )]
    pub client_cert: Option<PathBuf>,
    /// PEM client key for mutual TLS.
    #[arg(
        long = "tls-client-key",
        env = "BORDERFLOW_TLS_CLIENT_KEY",
        id = "client_key"
    )]
    pub client_key: Option<PathBuf>,
}

impl ClientTlsArgs {
    pub fn client_config(&self) -> anyhow::Result<Option<ClientTlsConfig>> {
        let Some(ca) = &self.ca else {
            return Ok(None);
        };
        let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca)?));
        if let Some(domain) = &self.domain {
            config = config.domain_name(domain.clone());
        }
        if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
            config = config.identity(Identity::from_pem(read(cert)?, read(key)?));
        }
        Ok(Some(config))
    }
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// The health service with the whole server (`""`) and each named service
/// marked serving; tonic-health leaves `""` unset unless told (#598).
pub async fn health_service(
    services: &[&str],
) -> (
    HealthReporter,
    tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health>,
) {
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    for name in services {
        reporter
            .set_service_status(*name, tonic_health::ServingStatus::Serving)
            .await;
    }
    (reporter, service)
}

/// Server reflection listing `services` and the health service, so generic
/// clients (grpcurl, grpc_health_probe) see what this server serves (#619):
/// the `v1` service and the `v1alpha` one that grpcio-reflection, older
/// grpcurl, evans and Postman speak. Every borderflow package is described,
/// so message types resolve whichever service names them.
pub fn reflection_services(
    services: &[&str],
) -> anyhow::Result<(
    tonic_reflection::server::v1::ServerReflectionServer<
        impl tonic_reflection::server::v1::ServerReflection,
    >,
    tonic_reflection::server::v1alpha::ServerReflectionServer<
        impl tonic_reflection::server::v1alpha::ServerReflection,
    >,
)> {
    // Naming services lists only those: the reflection service names itself.
    let builder = |reflection: &str| {
        let builder = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(borderflow_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .with_service_name(HEALTH_SERVICE)
            .with_service_name(reflection);
        services
            .iter()
            .fold(builder, |builder, name| builder.with_service_name(*name))
    };
    let v1 = builder("grpc.reflection.v1.ServerReflection")
        .build_v1()
        .context("building the reflection service")?;
    let v1alpha = builder("grpc.reflection.v1alpha.ServerReflection")
        .build_v1alpha()
        .context("building the v1alpha reflection service")?;
    Ok((v1, v1alpha))
}

/// Adds `authorization: Bearer <token>` to every call of a client (an
/// operator's or system's token towards the aggregator).
#[derive(Clone, Default)]
pub struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl std::fmt::Debug for Bearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Bearer(<token>)"
        } else {
            "Bearer(none)"
        })
    }
}

impl Bearer {
    /// A token; `None` sends calls without one.
    pub fn new(token: Option<&str>) -> anyhow::Result<Self> {
        token
            .map(|t| {
                format!("Bearer {}", t.trim())
                    .parse::<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>()
                    .map(|mut value| {
                        // Kept out of HTTP/2 header compression tables and debug output.
                        value.set_sensitive(true);
                        value
                    })
            })
            .transpose()
            .context("the token is not a valid header value")
            .map(Self)
    }

    /// The token in `path` (surrounding whitespace ignored).
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<Self> {
        let token = std::fs::read_to_string(path)
            .with_context(|| format!("reading the token in {}", path.display()))?;
        Self::new(Some(&token))
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A channel whose calls carry a bearer token.
pub type Authorized =
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, Bearer>;

/// `channel` with `bearer` on every call.
pub fn authorized(channel: tonic::transport::Channel, bearer: Bearer) -> Authorized {
    tonic::service::interceptor::InterceptedService::new(channel, bearer)
}

//! A Kafka-protocol broker on this machine: tansu, started as a child process
//! on a free loopback port. The test bed and the load tool use it; the
//! services themselves only ever see a broker address.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use borderflow_common::kafka::Topics;
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

/// Where the broker keeps its data.
#[derive(Clone, Debug)]
pub enum Storage {
    /// Lost when the broker stops; fast.
    Memory,
    /// A SQLite file that survives restarts; slower.
    Sqlite(PathBuf),
}

impl Storage {
    /// Where tansu runs: the database's directory for SQLite.
    fn working_dir(&self) -> Option<&Path> {
        match self {
            Self::Memory => None,
            Self::Sqlite(path) => path.parent().filter(|p| !p.as_os_str().is_empty()),
        }
    }

    fn url(&self) -> String {
        match self {
            Self::Memory => "memory://tansu/".into(),
            // tansu resolves the path relative to its working directory
            // (see `working_dir`), whatever the slashes.
            Self::Sqlite(path) => format!(
                "sqlite://{}",
                path.file_name().map_or_else(
                    || "broker.db".into(),
                    |name| name.to_string_lossy().into_owned()
                )
            ),
        }
    }
}

/// A running tansu broker, stopped when dropped.
#[derive(Debug)]
pub struct LocalBroker {
    port: u16,
    storage: Storage,
    child: Option<Child>,
    log: Option<PathBuf>,
}

impl LocalBroker {
    /// Starts tansu on a free port and waits until it accepts connections.
    pub fn start(storage: Storage) -> anyhow::Result<Self> {
        Self::start_on(free_port()?, storage, None)
    }

    /// Starts tansu on `port`, writing its output to `log` when given.
    pub fn start_on(port: u16, storage: Storage, log: Option<&Path>) -> anyhow::Result<Self> {
        let mut broker = Self {
            port,
            storage,
            child: None,
            log: log.map(Path::to_owned),
        };
        broker.spawn()?;
        Ok(broker)
    }

    fn spawn(&mut self) -> anyhow::Result<()> {
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let (stdout, stderr) = match &self.log {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("opening {}", path.display()))?;
                (Stdio::from(file.try_clone()?), Stdio::from(file))
            }
            None => (Stdio::null(), Stdio::null()),
        };
        let mut command = Command::new(tansu_binary());
        if let Some(dir) = self.storage.working_dir() {
            command.current_dir(dir);
        }
        let child = command
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", &self.storage.url()])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .context("starting tansu (install it with `cargo install tansu --locked --version 0.6.0 --features dynostore,libsql`)")?;
        self.child = Some(child);
        wait_for_port(self.addr(), Duration::from_secs(20))
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The bootstrap string for clients.
    pub fn bootstrap(&self) -> String {
        self.addr().to_string()
    }

    /// Stops the broker abruptly (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the broker again on the same port and storage.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn()
    }

    /// Creates every borderflow topic with `partitions` partitions.
    pub fn create_topics(&self, topics: &Topics, partitions: i32) -> anyhow::Result<()> {
        create_topics(&self.bootstrap(), &topics.all(), partitions)
    }
}

impl Drop for LocalBroker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The tansu executable: `$BORDERFLOW_TANSU`, else `tansu` on the PATH or in
/// `~/.cargo/bin`.
pub fn tansu_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BORDERFLOW_TANSU") {
        return path.into();
    }
    if let Some(home) = std::env::var_os("HOME") {
        let cargo_bin = Path::new(&home).join(".cargo/bin/tansu");
        if cargo_bin.exists() {
            return cargo_bin;
        }
    }
    "tansu".into()
}

/// Creates topics through the Kafka admin API (any broker), ignoring topics
/// that already exist.
pub fn create_topics(bootstrap: &str, names: &[&str], partitions: i32) -> anyhow::Result<()> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .context("creating a Kafka admin client")?;
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|name| NewTopic::new(name, partitions, TopicReplication::Fixed(1)))
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let results = runtime.block_on(admin.create_topics(&topics, &options))?;
    let mut failures = HashMap::new();
    for result in results {
        if let Err((name, code)) = result
            && code != RDKafkaErrorCode::TopicAlreadyExists
        {
            failures.insert(name, code);
        }
    }
    if !failures.is_empty() {
        bail!("creating topics failed: {failures:?}");
    }
    Ok(())
}

/// A port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn wait_for_port(addr: SocketAddr, limit: Duration) -> anyhow::Result<()> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("broker did not listen on {addr} within {limit:?}")
}

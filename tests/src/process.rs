//! Services as child processes, for the tests that kill, terminate and
//! measure them and for the load tool: the binaries cargo built, on free
//! ports of 127.0.0.1. A [`Testbed`](crate::testbed::Testbed) starts them
//! with its command lines ([`Testbed::spawn`](crate::testbed::Testbed::spawn)).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::admin::http_get;

/// Longest a service may take from its start to answering `/readyz`.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// A service running as a child process.
pub struct ChildService {
    pub name: String,
    pub child: Child,
    pub grpc_addr: SocketAddr,
    pub admin_addr: SocketAddr,
}

/// Where cargo put the workspace binaries built with this executable: its
/// own directory, or the one above for a test executable in `deps/`
/// (`cargo build --bins` puts the binaries beside `deps/`).
pub fn binary_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating this executable")?;
    let dir = exe.parent().context("this executable has no directory")?;
    if dir.file_name().is_some_and(|name| name == "deps") {
        return dir
            .parent()
            .map(Path::to_owned)
            .context("a deps/ directory outside a target directory");
    }
    Ok(dir.to_owned())
}

impl ChildService {
    /// Starts `program` with `args` (the program name first; its
    /// `--grpc-addr` and `--admin-addr` are replaced by the given
    /// addresses), its output in `log` and `RUST_LOG` as this process has
    /// it or else `log_filter`, and waits until `/readyz` answers 200.
    pub async fn start(
        program: &Path,
        args: &[String],
        log: PathBuf,
        addrs: (SocketAddr, SocketAddr),
        log_filter: &str,
    ) -> anyhow::Result<Self> {
        Self::start_within(program, args, log, addrs, log_filter, READY_WITHIN).await
    }

    /// [`start`](Self::start), waiting up to `ready_within` for `/readyz`.
    pub async fn start_within(
        program: &Path,
        args: &[String],
        log: PathBuf,
        (grpc_addr, admin_addr): (SocketAddr, SocketAddr),
        log_filter: &str,
        ready_within: Duration,
    ) -> anyhow::Result<Self> {
        let name = program.file_name().map_or_else(
            || program.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if !program.exists() {
            bail!(
                "{} is missing: build the services first (cargo build --workspace --bins; \
                 add --release for measurements)",
                program.display()
            );
        }
        let mut argv: Vec<String> = args
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with("--grpc-addr") && !a.starts_with("--admin-addr"))
            .cloned()
            .collect();
        argv.push(format!("--grpc-addr={grpc_addr}"));
        argv.push(format!("--admin-addr={admin_addr}"));
        let out =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(program)
            .args(&argv)
            .env("BORDERFLOW_LOG_FORMAT", "text")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| log_filter.into()),
            )
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut service = Self {
            name,
            child,
            grpc_addr,
            admin_addr,
        };
        service.wait_ready(ready_within, &log).await?;
        Ok(service)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_ready(&mut self, limit: Duration, log: &Path) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{} exited before it was ready ({status}); see {}",
                    self.name,
                    log.display()
                );
            }
            if let Ok((200, _)) = http_get(self.admin_addr, "/readyz").await {
                return Ok(());
            }
            if started.elapsed() > limit {
                bail!(
                    "{} not ready after {limit:?}; see {}",
                    self.name,
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`: no chance to flush, commit or say goodbye.
    pub fn kill9(&mut self) -> anyhow::Result<ExitStatus> {
        self.signal("KILL")?;
        Ok(self.child.wait()?)
    }

    /// SIGTERM, then waits up to `limit` for the exit; returns the status
    /// and how long the shutdown took.
    pub async fn terminate(&mut self, limit: Duration) -> anyhow::Result<(ExitStatus, Duration)> {
        let started = Instant::now();
        self.signal("TERM")?;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok((status, started.elapsed()));
            }
            if started.elapsed() > limit {
                let _ = self.signal("KILL");
                bail!("{} did not exit within {limit:?} of SIGTERM", self.name);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn signal(&self, signal: &str) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .context("running kill")?;
        if !status.success() {
            bail!("kill -{signal} {} failed", self.pid());
        }
        Ok(())
    }

    /// Peak resident set size so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        status_field(self.pid(), "VmHWM")
    }

    /// Current resident set size, in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        status_field(self.pid(), "VmRSS")
    }
}

impl Drop for ChildService {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn status_field(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("{field} in /proc/{pid}/status"))
}

/// Prints to stderr the lines of each service log that tell how a group
/// rebalance went (warnings, errors, assignments, revocations, rewinds,
/// commits), each prefixed with the log's file name: what a failed fault
/// test leaves to diagnose it once its directory is gone.
pub fn print_log_excerpts(logs: &[PathBuf]) {
    const WORDS: [&str; 8] = [
        "WARN",
        "ERROR",
        "rewind",
        "revoked",
        "assigned",
        "committed",
        "resum",
        "rebalanc",
    ];
    for log in logs {
        let name = log.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for line in text.lines().filter(|l| WORDS.iter().any(|w| l.contains(w))) {
            eprintln!("{name}: {line}");
        }
    }
}

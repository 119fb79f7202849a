//! Plays the network's traffic against ingest: the model runs on a thread of
//! its own (`generate.rs`), a dispatcher paces its output on the scenario
//! clock and hands each emission to its checkpoint's link. A steered run
//! (`steer.rs`) also takes a trainer's controls while it plays: a pause, a
//! new speed, incidents injected, an early end.

mod generate;
mod steer;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use borderflow_proto::inspection::v1::{CheckpointHeartbeat, CheckpointStatus};
use borderflow_proto::ms_to_timestamp;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tonic::transport::{Channel, Endpoint};

use crate::link::{self, Control, LinkConfig};
use crate::model::network::Network;
use crate::model::traffic::{Emission, Emitted, Traffic, TrafficConfig};
use crate::outbox::{DiskOutbox, MemoryOutbox, Outbox};
use crate::setup::credentials::TokenIssuer;
use crate::stats::Stats;
use generate::Generator;
pub use generate::LOOKAHEAD_MS;
use steer::{Fixed, next_of};
pub use steer::{Levers, Steer, Steering};

/// How a run plays out.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub traffic: TrafficConfig,
    pub clock_speed: Option<f64>,
    pub link: LinkConfig,
    /// Store-and-forward journals live here; in memory when `None`.
    pub outbox_dir: Option<PathBuf>,
    /// After the last event, every checkpoint reports itself closed this
    /// much later in simulated time, so the last windows close.
    pub closing_after_ms: i64,
}

/// A scheduled change of a checkpoint's link (outages).
#[derive(Clone, Debug)]
pub struct LinkEvent {
    pub at_ms: i64,
    pub checkpoint_id: String,
    pub up: bool,
}

/// Where checkpoints stream: one ingest for every crossing, or, when
/// neighbouring countries each run their own borderflow in one exercise,
/// the ingest of the crossing's country, with that system's credentials.
#[derive(Clone, Debug)]
pub struct Ingests {
    home: (IngestEndpoint, TokenIssuer),
    by_country: HashMap<String, (IngestEndpoint, TokenIssuer)>,
}

impl Ingests {
    /// Every checkpoint streams to `ingest` with a token from `tokens`.
    pub fn one(ingest: IngestEndpoint, tokens: TokenIssuer) -> Self {
        Self {
            home: (ingest, tokens),
            by_country: HashMap::new(),
        }
    }

    /// Checkpoints of `country` stream to `ingest` instead, with a token
    /// from `tokens`.
    pub fn with_country(
        mut self,
        country: &str,
        ingest: IngestEndpoint,
        tokens: TokenIssuer,
    ) -> Self {
        self.by_country.insert(country.to_owned(), (ingest, tokens));
        self
    }

    /// Ingest and credentials for a checkpoint of `country`.
    fn of(&self, country: &str) -> &(IngestEndpoint, TokenIssuer) {
        self.by_country.get(country).unwrap_or(&self.home)
    }
}

/// Streams `network`'s traffic to ingest.
pub async fn run(
    network: &Network,
    config: &RunConfig,
    ingests: &Ingests,
    link_events: Vec<LinkEvent>,
    stats: Arc<Stats>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let traffic = Traffic::new(network, &config.traffic);
    run_emissions(
        network,
        config,
        ingests,
        traffic,
        link_events,
        stats,
        shutdown,
    )
    .await
}

/// Streams any time-ordered emissions (the plain traffic or a scenario's).
pub async fn run_emissions<I>(
    network: &Network,
    config: &RunConfig,
    ingests: &Ingests,
    emissions: I,
    link_events: Vec<LinkEvent>,
    stats: Arc<Stats>,
    shutdown: CancellationToken,
) -> anyhow::Result<()>
where
    I: Iterator<Item = Emitted> + Send + 'static,
{
    let start_ms = config.traffic.start_ms;
    run_steered(
        network,
        config,
        ingests,
        Fixed::new(emissions, start_ms),
        link_events,
        stats,
        shutdown,
        Steering::fixed(start_ms, config.clock_speed),
    )
    .await
    .map(|_| ())
}

/// How a steered run played out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Played {
    /// The event time of the last item sent.
    pub last_ms: i64,
    /// The event time the run was ended at, when ended early.
    pub ended_at: Option<i64>,
}

/// Streams emissions that `steering` may pause, re-pace, change and end
/// early while they play (`crate::control`).
#[allow(clippy::too_many_arguments)]
pub async fn run_steered<S>(
    network: &Network,
    config: &RunConfig,
    ingests: &Ingests,
    emissions: S,
    link_events: Vec<LinkEvent>,
    stats: Arc<Stats>,
    shutdown: CancellationToken,
    steering: Steering,
) -> anyhow::Result<Played>
where
    S: Steer + Send + 'static,
{
    let mut links = JoinSet::new();
    let mut senders: HashMap<(usize, u32), mpsc::Sender<Control>> = HashMap::new();
    let mut by_id: HashMap<String, (usize, u32)> = HashMap::new();
    for (crossing, lane) in network.checkpoints() {
        let id = network.crossings[crossing].checkpoint_id(lane);
        let (tx, rx) = mpsc::channel(4 * config.link.batch_max.max(16));
        let outbox: Box<dyn Outbox> = match &config.outbox_dir {
            Some(dir) => Box::new(
                DiskOutbox::open(&dir.join(format!("{id}.journal")), false)
                    .with_context(|| format!("opening the outbox of {id}"))?,
            ),
            None => Box::new(MemoryOutbox::default()),
        };
        let (ingest, tokens) = ingests.of(&network.crossings[crossing].country);
        let client = link::client(ingest.connection(), &tokens.token(&id))?;
        links.spawn(link::run(
            client,
            rx,
            outbox,
            config.link.clone(),
            stats.clone(),
        ));
        senders.insert((crossing, lane), tx);
        by_id.insert(id, (crossing, lane));
    }

    let Steering {
        clock,
        end,
        injections,
        link_events: mut new_link_events,
        frontier,
    } = steering;
    // Event time starts now, whatever the preparation took.
    clock.restart(config.traffic.start_ms);
    // The model runs ahead on its own thread, bounded by the channel and,
    // paced, by the lookahead.
    let (items_tx, mut items) = mpsc::channel::<Emitted>(8_192);
    let generator = Generator {
        source: emissions,
        to: items_tx,
        clock: clock.clone(),
        injections,
        frontier,
        end: end.clone(),
        runtime: tokio::runtime::Handle::current(),
    };
    let generator = std::thread::Builder::new()
        .name("traffic".into())
        .spawn(move || generator.run())
        .context("spawning the traffic thread")?;

    let mut link_events: VecDeque<LinkEvent> = {
        let mut events = link_events;
        // Stable: events at one time keep their order (an outage ending
        // where the next begins).
        events.sort_by_key(|e| e.at_ms);
        events.into()
    };
    let mut last_ms = config.traffic.start_ms;
    loop {
        // An early end stops the generator, which closes the queue; what
        // the queue still holds is checked against it item by item, which
        // costs an unpaced run less than a third branch here.
        let item = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            event = next_of(&mut new_link_events) => {
                match event {
                    Some(event) => {
                        link_events.push_back(event);
                        link_events.make_contiguous().sort_by_key(|e| e.at_ms);
                    }
                    None => new_link_events = None,
                }
                continue;
            }
            item = items.recv() => item,
        };
        let Some(item) = item else { break };
        if end.is_cancelled() {
            break;
        }
        while let Some(event) = link_events.front().filter(|e| e.at_ms <= item.at_ms) {
            if let Some(key) = by_id.get(&event.checkpoint_id) {
                let control = if event.up {
                    Control::LinkUp
                } else {
                    Control::LinkDown
                };
                let _ = senders[key].send(control).await;
            }
            link_events.pop_front();
        }
        if !clock.is_due(item.at_ms) {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                () = end.cancelled() => break,
                () = clock.wait_until(item.at_ms) => {}
            }
        }
        last_ms = last_ms.max(item.at_ms);
        clock.sent(item.at_ms);
        stats.sim_time_ms.store(item.at_ms, Ordering::Relaxed);
        match &item.emission {
            Emission::Event(_) => stats.generated.fetch_add(1, Ordering::Relaxed),
            Emission::Heartbeat(_) => stats.heartbeats.fetch_add(1, Ordering::Relaxed),
        };
        if let Some(sender) = senders.get(&(item.crossing, item.lane)) {
            let _ = sender.send(Control::Emit(item.emission)).await;
        }
    }
    // Ended early: where the clock stood (the control pauses it first).
    let ended_at = end.is_cancelled().then(|| clock.now_ms().max(last_ms));
    drop(items);
    let _ = generator.join();
    for event in link_events.into_iter().filter(|e| e.up) {
        if let Some(key) = by_id.get(&event.checkpoint_id) {
            let _ = senders[key].send(Control::LinkUp).await;
        }
    }
    if !shutdown.is_cancelled() {
        // Every booth reports itself closed at the end of the exercise, then
        // once more later so the stream's event time passes the last
        // windows; closed booths are not silent ones. The first round is
        // acknowledged everywhere before the second starts: a booth's later
        // heartbeat overtaking another's closing one would make the other
        // look silent.
        let end = ended_at.unwrap_or_else(|| last_ms.max(config.traffic.end_ms));
        for (round, at) in [end, end + config.closing_after_ms].into_iter().enumerate() {
            if round > 0 {
                flush_all(&senders).await;
            }
            for ((crossing, lane), sender) in &senders {
                let spec = &network.crossings[*crossing];
                let beat = CheckpointHeartbeat {
                    checkpoint_id: spec.checkpoint_id(*lane),
                    crossing_id: spec.id.clone(),
                    at: Some(ms_to_timestamp(at)),
                    status: CheckpointStatus::Closed as i32,
                    buffered_events: 0,
                };
                let _ = sender.send(Control::Emit(Emission::Heartbeat(beat))).await;
            }
        }
    }
    drop(senders);
    let mut failed = None;
    loop {
        let joined = tokio::select! {
            _ = shutdown.cancelled() => {
                links.abort_all();
                break;
            }
            joined = links.join_next() => joined,
        };
        match joined {
            None => break,
            Some(Ok(Ok(()))) => {}
            Some(Ok(Err(err))) => {
                failed = Some(anyhow::Error::from(err).context("a checkpoint outbox failed"))
            }
            Some(Err(err)) if err.is_cancelled() => {}
            Some(Err(err)) => {
                failed = Some(anyhow::Error::from(err).context("a checkpoint task panicked"))
            }
        }
    }
    failed.map_or(Ok(Played { last_ms, ended_at }), Err)
}

/// Waits until every checkpoint has had everything it was given so far
/// acknowledged.
async fn flush_all<K>(senders: &HashMap<K, mpsc::Sender<Control>>) {
    let mut waiting = Vec::new();
    for sender in senders.values() {
        let (done, acknowledged) = tokio::sync::oneshot::channel();
        if sender.send(Control::Flush(done)).await.is_ok() {
            waiting.push(acknowledged);
        }
    }
    for acknowledged in waiting {
        // A link that ended has nothing left to acknowledge.
        let _ = acknowledged.await;
    }
}

/// Where ingest listens, with TLS when configured. Every checkpoint gets a
/// connection of its own, as booths on their own sites do: hundreds of
/// booths multiplexed on one HTTP/2 connection would share its fate (one
/// GOAWAY ends every stream on it), and their many small frames exhaust the
/// server's per-connection allowance for them.
#[derive(Clone, Debug)]
pub struct IngestEndpoint(Endpoint);

impl IngestEndpoint {
    /// A new connection, made (and remade) when first used.
    pub fn connection(&self) -> Channel {
        self.0.connect_lazy()
    }
}

/// Ingest at `endpoint`, with TLS when configured.
pub fn ingest(
    endpoint: &str,
    tls: Option<tonic::transport::ClientTlsConfig>,
) -> anyhow::Result<IngestEndpoint> {
    endpoint_of(endpoint, tls).map(IngestEndpoint)
}

/// A channel to a service (one connection, shared by its clients), with
/// TLS when configured.
pub async fn connect(
    endpoint: &str,
    tls: Option<tonic::transport::ClientTlsConfig>,
) -> anyhow::Result<Channel> {
    // Lazy: clients connect (and reconnect) on their own schedule.
    Ok(endpoint_of(endpoint, tls)?.connect_lazy())
}

fn endpoint_of(
    endpoint: &str,
    tls: Option<tonic::transport::ClientTlsConfig>,
) -> anyhow::Result<Endpoint> {
    let mut endpoint = Channel::from_shared(endpoint.to_owned())
        .context("parsing the address")?
        .http2_adaptive_window(true)
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5))
        .keep_alive_while_idle(true)
        .http2_keep_alive_interval(Duration::from_secs(20));
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls).context("configuring TLS")?;
    }
    Ok(endpoint)
}

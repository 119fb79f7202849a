//! What lets a run be steered while it plays: a shared clock, an early
//! end, and channels by which new changes reach the traffic thread and the
//! dispatcher. The control endpoint (`crate::control`) holds the
//! [`Levers`]; the run holds the [`Steering`].

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::LinkEvent;
use crate::clock::Clock;
use crate::model::inject::Injections;
use crate::model::traffic::{Emitted, Traffic};

/// Time-ordered emissions that can take more changes while they play.
pub trait Steer: Iterator<Item = Emitted> {
    /// Plays `injections` from the source's own time on.
    fn inject(&mut self, injections: Injections);
    /// The earliest event time a change can still take effect at.
    fn frontier(&self) -> i64;
}

impl Steer for Traffic {
    fn inject(&mut self, injections: Injections) {
        Traffic::inject(self, injections);
    }

    fn frontier(&self) -> i64 {
        Traffic::frontier(self)
    }
}

/// Any emissions, taking no changes: what `run_emissions` plays.
pub(super) struct Fixed<I> {
    items: I,
    last_ms: i64,
}

impl<I> Fixed<I> {
    pub(super) fn new(items: I, start_ms: i64) -> Self {
        Self {
            items,
            last_ms: start_ms,
        }
    }
}

impl<I: Iterator<Item = Emitted>> Iterator for Fixed<I> {
    type Item = Emitted;

    fn next(&mut self) -> Option<Emitted> {
        let item = self.items.next()?;
        self.last_ms = self.last_ms.max(item.at_ms);
        Some(item)
    }
}

impl<I: Iterator<Item = Emitted>> Steer for Fixed<I> {
    /// Never called: a fixed run has no channel for changes.
    fn inject(&mut self, _: Injections) {}

    fn frontier(&self) -> i64 {
        self.last_ms
    }
}

/// The run's side of its controls.
#[derive(Debug)]
pub struct Steering {
    pub(super) clock: Arc<Clock>,
    pub(super) end: CancellationToken,
    pub(super) injections: Option<mpsc::UnboundedReceiver<Injections>>,
    pub(super) link_events: Option<mpsc::UnboundedReceiver<LinkEvent>>,
    pub(super) frontier: Arc<AtomicI64>,
}

/// The control's side: what it pulls while the run plays.
#[derive(Clone, Debug)]
pub struct Levers {
    pub clock: Arc<Clock>,
    /// Cancelled, the traffic stops at the clock's time and the run
    /// closes as it would at its end.
    pub end: CancellationToken,
    /// Changes for the traffic model, taken between items.
    pub injections: mpsc::UnboundedSender<Injections>,
    /// Link outages for the dispatcher.
    pub link_events: mpsc::UnboundedSender<LinkEvent>,
    /// How far the traffic model has generated (see [`Steer::frontier`]).
    pub frontier: Arc<AtomicI64>,
}

impl Steering {
    /// A run at `speed` from `start_ms` that nothing steers.
    pub fn fixed(start_ms: i64, speed: Option<f64>) -> Self {
        Self {
            clock: Arc::new(Clock::new(start_ms, speed)),
            end: CancellationToken::new(),
            injections: None,
            link_events: None,
            frontier: Arc::new(AtomicI64::new(start_ms)),
        }
    }

    /// A run on `clock` that the returned levers steer.
    pub fn controlled(clock: Arc<Clock>) -> (Self, Levers) {
        let (injections, injections_rx) = mpsc::unbounded_channel();
        let (link_events, link_events_rx) = mpsc::unbounded_channel();
        let frontier = Arc::new(AtomicI64::new(clock.sent_ms()));
        let end = CancellationToken::new();
        let levers = Levers {
            clock: clock.clone(),
            end: end.clone(),
            injections,
            link_events,
            frontier: frontier.clone(),
        };
        let steering = Self {
            clock,
            end,
            injections: Some(injections_rx),
            link_events: Some(link_events_rx),
            frontier,
        };
        (steering, levers)
    }
}

/// The next message of an optional channel; never, without one.
pub(super) async fn next_of<T>(channel: &mut Option<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match channel {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

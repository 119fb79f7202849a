//! The traffic thread: the model generates ahead of the dispatcher, bounded
//! by the queue between them and, when paced, by [`LOOKAHEAD_MS`] of event
//! time, taking the trainer's changes between items.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::CancellationToken;

use super::steer::{Steer, next_of};
use crate::clock::Clock;
use crate::model::inject::Injections;
use crate::model::traffic::Emitted;

/// How far ahead of the clock, in event time, the model may generate when
/// paced. A change injected "now" takes effect this far ahead at most,
/// instead of behind a full queue (8,192 items are hours of event time at
/// a small network); two simulated minutes are a fraction of a wall second
/// at the usual speeds, so the model still keeps ahead of the dispatcher.
/// Unpaced, the queue alone bounds it: nothing waits on the clock there.
pub const LOOKAHEAD_MS: i64 = 2 * 60_000;

/// Once the queue is full, the model waits for this much room before it
/// goes on: one wait per this many items rather than one per item.
const ROOM: usize = 256;

/// What the traffic thread works with.
pub(super) struct Generator<S> {
    pub(super) source: S,
    pub(super) to: mpsc::Sender<Emitted>,
    pub(super) clock: Arc<Clock>,
    pub(super) injections: Option<mpsc::UnboundedReceiver<Injections>>,
    pub(super) frontier: Arc<AtomicI64>,
    pub(super) end: CancellationToken,
    pub(super) runtime: Handle,
}

/// What a wait ended with.
enum Wake {
    Injection(Option<Injections>),
    Ready,
    Gone,
}

impl<S: Steer> Generator<S> {
    /// Generates until the source ends, the run ends or the dispatcher
    /// stops taking items.
    pub(super) fn run(mut self) {
        let runtime = self.runtime.clone();
        loop {
            self.take_injections();
            let Some(mut item) = self.source.next() else {
                return;
            };
            self.frontier
                .store(self.source.frontier(), Ordering::Relaxed);
            if self.end.is_cancelled() {
                return;
            }
            let ahead = item.at_ms.saturating_sub(LOOKAHEAD_MS);
            if !self.clock.is_due(ahead) && !runtime.block_on(self.wait(Some(ahead))) {
                return;
            }
            // A plain run takes no changes: it waits for room as it always
            // has.
            if self.injections.is_none() {
                if self.to.blocking_send(item).is_err() {
                    return;
                }
                continue;
            }
            loop {
                match self.to.try_send(item) {
                    Ok(()) => break,
                    Err(TrySendError::Closed(_)) => return,
                    Err(TrySendError::Full(back)) => item = back,
                }
                if !runtime.block_on(self.wait(None)) {
                    return;
                }
            }
        }
    }

    /// Applies the changes waiting, without blocking.
    fn take_injections(&mut self) {
        let Some(rx) = &mut self.injections else {
            return;
        };
        loop {
            match rx.try_recv() {
                Ok(injections) => self.source.inject(injections),
                Err(mpsc::error::TryRecvError::Empty) => return,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.injections = None;
                    return;
                }
            }
        }
    }

    /// Waits for the clock to reach `due_ms`, or without one for [`ROOM`]
    /// in the queue, taking changes meanwhile; false when the run ended
    /// or the dispatcher stopped.
    async fn wait(&mut self, due_ms: Option<i64>) -> bool {
        let room = ROOM.min(self.to.max_capacity());
        loop {
            let wake = tokio::select! {
                biased;
                () = self.end.cancelled() => Wake::Gone,
                () = self.to.closed() => Wake::Gone,
                injection = next_of(&mut self.injections) => Wake::Injection(injection),
                () = self.clock.wait_until(due_ms.unwrap_or_default()), if due_ms.is_some() => {
                    Wake::Ready
                }
                // The permits go back at once: the room is what counts.
                permits = self.to.reserve_many(room), if due_ms.is_none() => match permits {
                    Ok(_) => Wake::Ready,
                    Err(_) => Wake::Gone,
                },
            };
            match wake {
                Wake::Gone => return false,
                Wake::Injection(Some(injections)) => self.source.inject(injections),
                Wake::Injection(None) => self.injections = None,
                Wake::Ready => return true,
            }
        }
    }
}

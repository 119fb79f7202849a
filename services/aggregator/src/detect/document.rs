//! Rules over one travel document's history: entry/exit linking and the EES
//! stay calculator (OVERSTAY), DOUBLE_ENTRY, IMPOSSIBLE_TRAVEL and
//! REPEATED_REFUSAL. State is keyed by the pseudonymous document key; the
//! aggregator repartitions records by that key so one instance sees a
//! document's whole history.

mod history;
mod processor;
mod rules;
pub mod stored;
pub mod trafficking;

pub use history::{Escorted, History, Minor, Passage, Place};
pub use processor::{Change, DocumentProcessor, NeedTimers, TIMER_LOOKAHEAD_MS};

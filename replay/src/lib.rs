//! What-if replay: a recorded range of borderflow's input replayed through
//! the aggregator's own detection steps under two sets of thresholds, in
//! memory and as fast as the steps go, and what changed — so a trainer or
//! an analyst can ask "what would a higher surge factor have done last
//! week" without touching production.
//!
//! ```text
//! borderflow-replay run --scenario flow-surge --what-if "--surge-factor 3"
//! borderflow-replay export --brokers kafka:9092 --from 2026-05-04T00:00:00Z \
//!     --to 2026-05-11T00:00:00Z --out week.bin
//! borderflow-replay run --records week.bin --network central-asia \
//!     --baseline "" --what-if "--flow-z 3 --flow-periods 3" --json
//! ```
//!
//! Start reading at [`stages`]: the production stage functions
//! (`PartitionState::step` and `publish`, `DocumentPartition::step`, the
//! liaison `Exchange`) over twelve in-memory partitions, fed one
//! inspections-topic value at a time and partitioned by crossing as ingest
//! publishes them. Around it:
//!
//! - the range: [`records`] (length-delimited `InspectionRecord`s, the
//!   file format and the in-memory form alike) from a [`scenario`] played
//!   into memory (the simulator's traffic through ingest's own
//!   [`ingest`] code, link cuts held as a booth's journal holds them) or
//!   from the inspections topic by [`export`];
//! - what the steps read beside it: the [`world`] (the crossing registry
//!   of a network, a scenario's reference lists, twin-pair keys);
//! - the settings: [`thresholds`], the aggregator's own detection flags
//!   parsed into its `DetectConfig`;
//! - one [`run`] per setting, timed, then [`compare`] and the pure
//!   [`diff`] (matched by id, then "moved" within a tolerance), and the
//!   [`report`] (text or JSON, with both scorecards for a scenario);
//! - [`judge`]: a scenario streamed through the stages and scored, what
//!   the system tests measure the rules with.
//!
//! A recorded range has no truth: its report is the difference alone. Its
//! records carry the keys ingest made with the deployment's secret, so the
//! reference lists (watchlists, lost and stolen documents) keyed with that
//! secret are not loaded: those rules raise nothing in either run, and no
//! threshold changes them.

pub mod cli;
pub mod compare;
pub mod diff;
pub mod error;
pub mod export;
pub mod ingest;
pub mod judge;
pub mod records;
pub mod report;
pub mod run;
pub mod scenario;
mod sink;
pub mod stages;
pub mod thresholds;
pub mod world;

pub use error::{Error, Result};

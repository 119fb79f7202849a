//! The stream storey: Kafka in and out. [`pipeline`] drives a stage per
//! consumer group over rdkafka, [`inspections`] and [`documents`] are the
//! thin adapters from records to the pure per-partition steps in
//! [`crate::partition`], [`liaison`] the one to [`crate::liaison`] (the
//! exchange with neighbouring countries' systems), [`output`] produces what they return and tracks
//! it until durable, [`resume`] finds a resumed partition's first record,
//! and [`materialise`] keeps every instance's stores current from the
//! output topics.

pub mod documents;
pub mod inspections;
pub mod liaison;
pub mod materialise;
pub mod output;
pub mod pipeline;
pub mod restore;
pub mod resume;

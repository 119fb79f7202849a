//! The pure model of the simulator: networks of crossings, arrival
//! intensities, travellers with documents, and the traffic they make.
//! Seeded and free of I/O: the same seed and scenario give the same events.

pub mod builtin;
pub mod network;
pub mod networks;
pub mod profile;
pub mod traffic;
pub mod traveller;

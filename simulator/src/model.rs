//! The pure model of the simulator: networks of crossings, arrival
//! intensities, a population of travellers who come and go, and the
//! traffic they make. Seeded and free of I/O: the same seed and scenario
//! give the same events.

pub mod background;
pub mod backlog;
pub mod biometric;
pub mod builtin;
pub mod inject;
pub mod names;
pub mod network;
pub mod networks;
pub mod population;
pub mod profile;
pub mod traffic;
pub mod traveller;
pub mod trips;

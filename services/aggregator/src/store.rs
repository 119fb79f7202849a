//! What every aggregator instance knows, materialised from Kafka: crossing
//! windows, anomalies and reference data. Query handlers, the dashboard and
//! the processing loops share these through concurrent maps.

mod anomalies;
pub mod reference;
mod windows;

pub use anomalies::{AnomalyQuery, AnomalyStore};
pub use reference::ReferenceStore;
pub use windows::{ClosedWindow, WindowStore};

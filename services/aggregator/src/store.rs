//! What every aggregator instance knows, materialised from Kafka: crossing
//! windows, anomalies, reference data and the newest audit records. Query handlers, the dashboard and
//! the processing loops share these through concurrent maps.

mod anomalies;
mod audit;
pub mod reference;
mod scope;
mod windows;

pub use anomalies::{AnomalyQuery, AnomalyStore};
pub use audit::{AuditQuery, AuditStore};
pub use reference::ReferenceStore;
pub use scope::CrossingScope;
pub use windows::{ClosedWindow, WindowStore};

//! What every aggregator instance knows, materialised from Kafka: crossing
//! windows, anomalies, reference data, the newest audit records and
//! protection referrals, the statistics, and the operators' triage of
//! anomalies. Query handlers, the dashboard and the processing loops share
//! these through concurrent maps.

mod anomalies;
mod audit;
pub mod liaison;
pub mod reference;
mod referrals;
mod scope;
pub mod statistics;
pub mod triage;
mod windows;

pub use anomalies::{AnomalyQuery, AnomalyStore};
pub use audit::{AuditQuery, AuditStore};
pub use liaison::LiaisonStore;
pub use reference::ReferenceStore;
pub use referrals::ReferralStore;
pub use scope::CrossingScope;
pub use statistics::StatisticsStore;
pub use triage::TriageStore;
pub use windows::{ClosedWindow, WindowStore};

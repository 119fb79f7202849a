//! What the detectors read of the reference data: the lost/stolen list and
//! the watchlist (by pseudonymous key), the crossing registry and the market
//! calendars it declares. The store that follows the reference topic
//! implements it; tests and benches may use [`Listed`].

use std::collections::HashMap;
use std::sync::Arc;

use borderflow_proto::analytics::v1::Crossing;
use borderflow_proto::reference::v1::ListEntry;

use super::calendar::MarketCalendar;

/// Reference data as the detectors see it.
pub trait References: Send + Sync + std::fmt::Debug {
    /// The lost/stolen entry for a 32-byte document key.
    fn lost_or_stolen(&self, document_key: &[u8]) -> Option<Arc<ListEntry>>;

    /// The watchlist entry for a 32-byte person key.
    fn watchlisted(&self, person_key: &[u8]) -> Option<Arc<ListEntry>>;

    /// The registry entry of a crossing.
    fn crossing(&self, id: &str) -> Option<Arc<Crossing>>;

    /// The market days a crossing's registry entry declares.
    fn calendar(&self, crossing_id: &str) -> Option<MarketCalendar> {
        self.crossing(crossing_id)
            .and_then(|crossing| MarketCalendar::of(&crossing))
    }
}

/// Reference data held in plain maps, fixed once built.
#[derive(Debug, Default)]
pub struct Listed {
    pub lost_stolen: HashMap<[u8; 32], Arc<ListEntry>>,
    pub watchlist: HashMap<[u8; 32], Arc<ListEntry>>,
    pub crossings: HashMap<String, Arc<Crossing>>,
}

impl Listed {
    pub fn with_crossing(mut self, crossing: Crossing) -> Self {
        self.crossings
            .insert(crossing.id.clone(), Arc::new(crossing));
        self
    }
}

impl References for Listed {
    fn lost_or_stolen(&self, document_key: &[u8]) -> Option<Arc<ListEntry>> {
        self.lost_stolen.get(document_key).cloned()
    }

    fn watchlisted(&self, person_key: &[u8]) -> Option<Arc<ListEntry>> {
        self.watchlist.get(person_key).cloned()
    }

    fn crossing(&self, id: &str) -> Option<Arc<Crossing>> {
        self.crossings.get(id).cloned()
    }
}

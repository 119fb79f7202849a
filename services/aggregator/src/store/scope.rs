//! Which crossings a principal's country scope covers, by the registry:
//! a crossing belongs to the country that operates it (`Crossing.country`).
//! A crossing the registry does not know is covered by an all-countries
//! scope only.

use std::sync::Arc;

use borderflow_access::Scope;

use super::ReferenceStore;

#[derive(Clone, Debug)]
pub struct CrossingScope {
    scope: Scope,
    reference: Arc<ReferenceStore>,
}

impl CrossingScope {
    pub fn new(scope: Scope, reference: Arc<ReferenceStore>) -> Self {
        Self { scope, reference }
    }

    pub fn covers(&self, crossing_id: &str) -> bool {
        self.scope.is_all()
            || self
                .reference
                .crossing(crossing_id)
                .is_some_and(|c| self.scope.covers(&c.country))
    }

    pub fn covers_country(&self, country: &str) -> bool {
        self.scope.covers(country)
    }

    pub fn is_all(&self) -> bool {
        self.scope.is_all()
    }
}

//! Where an exercise runs: one borderflow, or one per country when
//! neighbouring border services each run their own and exchange over the
//! liaison topic. The simulator plays the part of every booth, so it
//! streams each crossing's inspections to the system of the crossing's
//! country, registers each system's own crossings with it, and scores what
//! all of them flagged together.

use anyhow::Context;
use borderflow_common::grpc::Authorized;
use borderflow_domain::keys::Pseudonymiser;
use borderflow_proto::reference::v1::UpsertCrossingsRequest;
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;

use crate::model::network::{CrossingSpec, Network};
use crate::run::{IngestEndpoint, Ingests};
use crate::setup::credentials::TokenIssuer;

/// One country's borderflow as an exercise reaches it.
#[derive(Clone, Debug)]
pub struct System {
    /// Ingest's gRPC endpoint (see [`crate::run::ingest`]).
    pub ingest: IngestEndpoint,
    /// The aggregator's gRPC endpoint (ReferenceService and
    /// AnalyticsService), with a token of the trainer role.
    pub aggregator: Authorized,
    pub tokens: TokenIssuer,
    /// Keyed with the deployment's pseudonymisation secret.
    pub keys: Pseudonymiser,
}

impl System {
    /// Registers `crossings` with this system's aggregator.
    pub async fn register<'a>(
        &self,
        crossings: impl Iterator<Item = &'a CrossingSpec>,
    ) -> anyhow::Result<()> {
        let entries: Vec<_> = crossings.map(|c| c.registry_entry()).collect();
        let mut client = ReferenceServiceClient::new(self.aggregator.clone());
        for chunk in entries.chunks(5_000) {
            client
                .upsert_crossings(UpsertCrossingsRequest {
                    crossings: chunk.to_vec(),
                })
                .await
                .context("registering crossings with the aggregator")?;
        }
        Ok(())
    }
}

/// A neighbouring country's own system in the same exercise, and the
/// countries whose crossings it operates.
#[derive(Clone, Debug)]
pub struct Neighbour {
    pub countries: Vec<String>,
    pub system: System,
}

/// Where a scenario runs: one system, or one per country when neighbours
/// run their own. Each system registers only its own crossings, holds the
/// reference entries under its own secret, and is read back for what it
/// flagged; the scorecard scores them together.
#[derive(Clone, Debug)]
pub struct Targets {
    /// Every crossing no neighbour operates.
    pub home: System,
    pub neighbours: Vec<Neighbour>,
}

impl Targets {
    /// One system for every crossing.
    pub fn single(home: System) -> Self {
        Self {
            home,
            neighbours: Vec::new(),
        }
    }

    /// The system operating crossings of `country`.
    pub fn system_of(&self, country: &str) -> &System {
        self.neighbours
            .iter()
            .find(|n| n.countries.iter().any(|c| c == country))
            .map_or(&self.home, |n| &n.system)
    }

    /// Every system, the home system first.
    pub fn systems(&self) -> impl Iterator<Item = &System> {
        std::iter::once(&self.home).chain(self.neighbours.iter().map(|n| &n.system))
    }

    /// Where each checkpoint streams.
    pub fn ingests(&self) -> Ingests {
        let home = &self.home;
        let mut ingests = Ingests::one(home.ingest.clone(), home.tokens.clone());
        for n in &self.neighbours {
            for country in &n.countries {
                ingests =
                    ingests.with_country(country, n.system.ingest.clone(), n.system.tokens.clone());
            }
        }
        ingests
    }

    /// Registers with each system the crossings it operates.
    pub async fn register(&self, network: &Network) -> anyhow::Result<()> {
        for system in self.systems() {
            let own = network
                .crossings
                .iter()
                .filter(|c| std::ptr::eq(self.system_of(&c.country), system));
            system.register(own).await?;
        }
        Ok(())
    }
}

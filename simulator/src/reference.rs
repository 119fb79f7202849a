//! Reference list entries for a scenario's listed documents and persons,
//! keyed with the deployment's pseudonymisation secret exactly as ingest
//! keys what it reads from a zone, and loaded through
//! `ReferenceService.UpsertEntries` before traffic starts.

use anyhow::Context;
use borderflow_common::grpc::Authorized;
use borderflow_domain::keys::{Key, Pseudonymiser};
use borderflow_domain::mrz;
use borderflow_domain::time::Date;
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;
use borderflow_proto::reference::v1::{ListEntry, ReferenceList, UpsertEntriesRequest};

use crate::plant::ReferenceDocument;

/// The key ingest will compute for `document` read on `date`: the document
/// key for lost and stolen documents, the person key for watchlists.
pub fn key_of(document: &ReferenceDocument, keys: &Pseudonymiser, date: Date) -> Option<Key> {
    let lines: Vec<&str> = document.mrz.iter().map(String::as_str).collect();
    let report = mrz::validate(&lines, date);
    match document.list {
        ReferenceList::LostStolen => {
            Some(keys.document_key(report.issuing_state(), &report.document_number()))
        }
        ReferenceList::Watchlist => Some(keys.person_key(
            report.primary_identifier(),
            report.secondary_identifier(),
            report.birth_date(),
            report.nationality(),
        )),
        ReferenceList::Unspecified => None,
    }
}

/// The list entries for `documents`, added at `at_ms`.
pub fn entries(
    documents: &[ReferenceDocument],
    keys: &Pseudonymiser,
    at_ms: i64,
) -> Vec<ListEntry> {
    let date = Date::from_epoch_ms(at_ms);
    documents
        .iter()
        .filter_map(|d| {
            let key = key_of(d, keys, date)?;
            Some(ListEntry {
                list: d.list as i32,
                key: key.0.to_vec(),
                source: d.source.to_owned(),
                reference: d.reference.clone(),
                added_at: Some(ms_to_timestamp(at_ms)),
            })
        })
        .collect()
}

/// Upserts `entries`. The aggregator answers once its store serves them,
/// so the first events already meet them.
pub async fn load(aggregator: Authorized, entries: Vec<ListEntry>) -> anyhow::Result<()> {
    let mut client = ReferenceServiceClient::new(aggregator);
    for chunk in entries.chunks(1_000) {
        client
            .upsert_entries(UpsertEntriesRequest {
                entries: chunk.to_vec(),
            })
            .await
            .context("loading reference list entries")?;
    }
    Ok(())
}

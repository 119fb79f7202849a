//! Reference list entries for a scenario's listed documents and persons,
//! keyed with the deployment's pseudonymisation secret exactly as ingest
//! keys what it reads from a zone, and loaded through
//! `ReferenceService.UpsertEntries` before traffic starts.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Context;
use borderflow_domain::keys::{Key, Pseudonymiser};
use borderflow_domain::mrz;
use borderflow_domain::time::Date;
use borderflow_proto::ms_to_timestamp;
use borderflow_proto::reference::v1::reference_service_client::ReferenceServiceClient;
use borderflow_proto::reference::v1::{
    ListEntriesRequest, ListEntry, ReferenceList, UpsertEntriesRequest,
};
use tonic::transport::Channel;

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

/// Upserts `entries` and waits (up to `limit`) until the aggregator serves
/// them, so the first events already meet them.
pub async fn load(
    aggregator: Channel,
    entries: Vec<ListEntry>,
    limit: Duration,
) -> anyhow::Result<()> {
    let mut client = ReferenceServiceClient::new(aggregator);
    for chunk in entries.chunks(1_000) {
        client
            .upsert_entries(UpsertEntriesRequest {
                entries: chunk.to_vec(),
            })
            .await
            .context("loading reference list entries")?;
    }
    let started = Instant::now();
    for list in [ReferenceList::LostStolen, ReferenceList::Watchlist] {
        let wanted: HashSet<Vec<u8>> = entries
            .iter()
            .filter(|e| e.list == list as i32)
            .map(|e| e.key.to_vec())
            .collect();
        while !wanted.is_empty() {
            let served = served_keys(&mut client, list).await?;
            if wanted.iter().all(|k| served.contains(k)) {
                break;
            }
            if started.elapsed() > limit {
                tracing::warn!(list = ?list, "reference entries not served yet; starting anyway");
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(())
}

async fn served_keys(
    client: &mut ReferenceServiceClient<Channel>,
    list: ReferenceList,
) -> anyhow::Result<HashSet<Vec<u8>>> {
    let mut keys = HashSet::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_entries(ListEntriesRequest {
                list: list as i32,
                page_size: 1_000,
                page_token: token,
            })
            .await
            .context("listing reference entries")?
            .into_inner();
        keys.extend(page.entries.into_iter().map(|e| e.key.to_vec()));
        if page.next_page_token.is_empty() {
            return Ok(keys);
        }
        token = page.next_page_token;
    }
}

//! Reference data from the reference topic: watchlists, lost and stolen
//! documents (both by pseudonymous key) and the crossing registry.

use std::sync::Arc;

use borderflow_proto::Message;
use borderflow_proto::analytics::v1::Crossing;
use borderflow_proto::reference::v1::{
    ListEntry, ReferenceList, ReferenceRecord, reference_record,
};
use dashmap::DashMap;

use crate::detect::References;

#[derive(Debug, Default)]
pub struct ReferenceStore {
    watchlist: DashMap<[u8; 32], Arc<ListEntry>>,
    lost_stolen: DashMap<[u8; 32], Arc<ListEntry>>,
    crossings: DashMap<String, Arc<Crossing>>,
}

/// The Kafka key of a list entry.
pub fn entry_key(list: ReferenceList, key: &[u8]) -> String {
    let name = match list {
        ReferenceList::Watchlist => "watchlist",
        ReferenceList::LostStolen => "lost-stolen",
        ReferenceList::Unspecified => "unspecified",
    };
    format!("{name}/{}", hex::encode(key))
}

/// The Kafka key of a crossing.
pub fn crossing_key(id: &str) -> String {
    format!("crossing/{id}")
}

impl ReferenceStore {
    /// Applies one record of the reference topic (`None` is a tombstone).
    pub fn apply(&self, key: &[u8], payload: Option<&[u8]>) -> Result<(), String> {
        let Some(payload) = payload else {
            return self.tombstone(key);
        };
        let record = ReferenceRecord::decode(payload).map_err(|e| e.to_string())?;
        match record.body {
            Some(reference_record::Body::Entry(entry)) => {
                let key: [u8; 32] = entry
                    .key
                    .as_slice()
                    .try_into()
                    .map_err(|_| "entry key is not 32 bytes".to_owned())?;
                let list = self.list(entry.list).ok_or("entry has no list")?;
                list.insert(key, Arc::new(entry));
            }
            Some(reference_record::Body::DeletedEntry(entry)) => {
                if let (Some(list), Ok(key)) = (
                    self.list(entry.list),
                    <[u8; 32]>::try_from(entry.key.as_slice()),
                ) {
                    list.remove(&key);
                }
            }
            Some(reference_record::Body::Crossing(crossing)) => {
                self.crossings
                    .insert(crossing.id.clone(), Arc::new(crossing));
            }
            None => return self.tombstone(key),
        }
        Ok(())
    }

    fn tombstone(&self, key: &[u8]) -> Result<(), String> {
        let key = std::str::from_utf8(key).map_err(|_| "key is not UTF-8".to_owned())?;
        if let Some(id) = key.strip_prefix("crossing/") {
            self.crossings.remove(id);
            return Ok(());
        }
        let (list, hex_key) = key.split_once('/').ok_or("key has no list")?;
        let bytes: [u8; 32] = hex::decode(hex_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("key is not 64 hex digits")?;
        match list {
            "watchlist" => self.watchlist.remove(&bytes),
            "lost-stolen" => self.lost_stolen.remove(&bytes),
            _ => return Err(format!("unknown list {list}")),
        };
        Ok(())
    }

    fn list(&self, list: i32) -> Option<&DashMap<[u8; 32], Arc<ListEntry>>> {
        match ReferenceList::try_from(list).ok()? {
            ReferenceList::Watchlist => Some(&self.watchlist),
            ReferenceList::LostStolen => Some(&self.lost_stolen),
            ReferenceList::Unspecified => None,
        }
    }

    pub fn watchlisted(&self, person_key: &[u8]) -> Option<Arc<ListEntry>> {
        let key: [u8; 32] = person_key.try_into().ok()?;
        self.watchlist.get(&key).map(|e| e.clone())
    }

    pub fn lost_or_stolen(&self, document_key: &[u8]) -> Option<Arc<ListEntry>> {
        let key: [u8; 32] = document_key.try_into().ok()?;
        self.lost_stolen.get(&key).map(|e| e.clone())
    }

    /// The entry of `list` under `key`, if listed.
    pub fn entry(&self, list: ReferenceList, key: &[u8]) -> Option<Arc<ListEntry>> {
        let key: [u8; 32] = key.try_into().ok()?;
        self.list(list as i32)?.get(&key).map(|e| e.clone())
    }

    pub fn crossing(&self, id: &str) -> Option<Arc<Crossing>> {
        self.crossings.get(id).map(|c| c.clone())
    }

    pub fn crossings(&self) -> Vec<Arc<Crossing>> {
        let mut all: Vec<_> = self.crossings.iter().map(|c| c.clone()).collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// Entries of one list, ordered by key.
    pub fn entries(&self, list: ReferenceList) -> Vec<Arc<ListEntry>> {
        let Some(map) = self.list(list as i32) else {
            return Vec::new();
        };
        let mut all: Vec<_> = map.iter().map(|e| e.clone()).collect();
        all.sort_by(|a, b| a.key.cmp(&b.key));
        all
    }

    pub fn list_len(&self, list: ReferenceList) -> usize {
        self.list(list as i32).map_or(0, DashMap::len)
    }
}

impl References for ReferenceStore {
    fn lost_or_stolen(&self, document_key: &[u8]) -> Option<Arc<ListEntry>> {
        ReferenceStore::lost_or_stolen(self, document_key)
    }

    fn watchlisted(&self, person_key: &[u8]) -> Option<Arc<ListEntry>> {
        ReferenceStore::watchlisted(self, person_key)
    }

    fn crossing(&self, id: &str) -> Option<Arc<Crossing>> {
        ReferenceStore::crossing(self, id)
    }
}

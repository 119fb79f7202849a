//! What changed since the last tick: the hub keeps the summaries it last
//! sent and, each tick, sends only those that differ, so a screen watching
//! thousands of crossings receives tens of rows a second, not thousands.

use std::collections::BTreeMap;

use serde::Serialize;

use super::anomaly::AnomalyView;
use super::view::CrossingView;

/// The summaries last sent, by crossing id.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    last: BTreeMap<String, CrossingView>,
}

/// The rows that changed and the crossings that are gone.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Changes {
    pub(crate) changed: Vec<CrossingView>,
    pub(crate) removed: Vec<String>,
}

impl Changes {
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }
}

impl Tracker {
    /// Takes freshly built summaries (`None`: the crossing is no longer
    /// known). With `complete`, `fresh` covers every crossing, so any other
    /// one tracked is gone too.
    pub(crate) fn update<I>(&mut self, fresh: I, complete: bool) -> Changes
    where
        I: IntoIterator<Item = (String, Option<CrossingView>)>,
    {
        let mut changes = Changes::default();
        let mut seen = Vec::new();
        for (id, view) in fresh {
            match view {
                Some(view) => {
                    if self.last.get(&id) != Some(&view) {
                        changes.changed.push(view.clone());
                        self.last.insert(id.clone(), view);
                    }
                    if complete {
                        seen.push(id);
                    }
                }
                None => {
                    if self.last.remove(&id).is_some() {
                        changes.removed.push(id);
                    }
                }
            }
        }
        if complete {
            seen.sort_unstable();
            let gone: Vec<String> = self
                .last
                .keys()
                .filter(|id| seen.binary_search(id).is_err())
                .cloned()
                .collect();
            for id in gone {
                self.last.remove(&id);
                changes.removed.push(id);
            }
        }
        changes.changed.sort_by(|a, b| a.id.cmp(&b.id));
        changes
    }

    /// Every tracked summary, by id.
    pub(crate) fn all(&self) -> impl Iterator<Item = &CrossingView> {
        self.last.values()
    }

    pub(crate) fn get(&self, id: &str) -> Option<&CrossingView> {
        self.last.get(id)
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.last.len()
    }
}

/// The `snapshot` event: the whole picture, once per connection.
#[derive(Debug, Serialize)]
pub(crate) struct Snapshot<'a> {
    pub(crate) seq: u64,
    pub(crate) clock_ms: Option<i64>,
    pub(crate) crossings: Vec<&'a CrossingView>,
    pub(crate) anomalies: Vec<AnomalyView>,
}

/// The `delta` event, once per tick.
#[derive(Debug, Serialize)]
pub(crate) struct Delta<'a> {
    pub(crate) seq: u64,
    pub(crate) clock_ms: Option<i64>,
    pub(crate) changed: &'a [CrossingView],
    pub(crate) removed: &'a [String],
    /// Anomalies that arrived too fast to send one by one; the page
    /// reloads its feed when this is not zero.
    pub(crate) anomalies_skipped: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::view::{Inputs, summarise};

    fn view(id: &str, anomalies: u32) -> CrossingView {
        summarise(
            id,
            Inputs {
                open_anomalies: anomalies,
                ..Inputs::default()
            },
        )
    }

    fn fresh(views: &[CrossingView]) -> Vec<(String, Option<CrossingView>)> {
        views
            .iter()
            .map(|v| (v.id.clone(), Some(v.clone())))
            .collect()
    }

    #[test]
    fn the_first_update_sends_everything_then_only_what_changed() {
        let mut tracker = Tracker::default();
        let first = tracker.update(fresh(&[view("B", 0), view("A", 0)]), true);
        let ids: Vec<&str> = first.changed.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["A", "B"], "sorted by id");

        let same = tracker.update(fresh(&[view("A", 0), view("B", 0)]), true);
        assert!(same.is_empty(), "nothing changed: {same:?}");

        let next = tracker.update(fresh(&[view("B", 1)]), false);
        assert_eq!(next.changed, vec![view("B", 1)]);
        assert!(next.removed.is_empty(), "a partial update removes nothing");
        assert_eq!(tracker.get("B"), Some(&view("B", 1)));
        assert_eq!(tracker.len(), 2);
    }

    #[test]
    fn crossings_that_vanish_are_removed_once() {
        let mut tracker = Tracker::default();
        tracker.update(fresh(&[view("A", 0), view("B", 0), view("C", 0)]), true);

        let gone = tracker.update(vec![("A".to_owned(), None)], false);
        assert_eq!(gone.removed, ["A"]);
        let again = tracker.update(vec![("A".to_owned(), None)], false);
        assert!(again.is_empty(), "already removed");

        let rescan = tracker.update(fresh(&[view("C", 0)]), true);
        assert_eq!(rescan.removed, ["B"], "a complete rescan drops the unseen");
        assert!(rescan.changed.is_empty());
        let left: Vec<&str> = tracker.all().map(|v| v.id.as_str()).collect();
        assert_eq!(left, ["C"]);
    }

    #[test]
    fn a_delta_serialises_compactly() {
        let changed = [view("A", 2)];
        let json = serde_json::to_value(Delta {
            seq: 3,
            clock_ms: Some(60_000),
            changed: &changed,
            removed: &["B".to_owned()],
            anomalies_skipped: 0,
        })
        .unwrap();
        assert_eq!(json["seq"], 3);
        assert_eq!(json["changed"][0]["id"], "A");
        assert_eq!(json["changed"][0]["open_anomalies"], 2);
        assert_eq!(json["changed"][0]["state"], "ok");
        assert_eq!(json["removed"][0], "B");
    }
}

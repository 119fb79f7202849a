//! Closed windows kept for late events, compactly.
//!
//! A closed window stays for the late retention (hours) in case a late
//! event amends it, but almost none is ever touched again. In processing
//! form a window costs a kilobyte and more (counts, two histograms,
//! nationality and checkpoint lists, the detectors' sample, an id set);
//! once published it is kept as its published record instead, a few hundred
//! bytes, and brought back to processing form only when a late event
//! arrives for it, exactly as a restarted instance restores it.

use std::sync::Arc;

use borderflow_proto::Message as _;
use borderflow_proto::analytics::v1::CrossingWindowRecord;

use crate::windows::publish::from_record;
use crate::windows::window::Window;

#[derive(Debug)]
pub enum Retained {
    /// Not yet published since it last changed.
    Live(Box<Window>),
    /// As last published.
    Published(Published),
}

#[derive(Debug)]
pub struct Published {
    end_ms: i64,
    through_offset: i64,
    /// The encoded `CrossingWindowRecord`, shared with the materialised
    /// store that keeps the same record for queries.
    record: Arc<[u8]>,
}

impl Retained {
    /// Keeps a window that was just published as `record` (its encoding).
    pub fn published(window: &Window, record: Arc<[u8]>) -> Self {
        Self::Published(Published {
            end_ms: window.end_ms,
            through_offset: window.through_offset,
            record,
        })
    }

    pub fn end_ms(&self) -> i64 {
        match self {
            Self::Live(window) => window.end_ms,
            Self::Published(p) => p.end_ms,
        }
    }

    /// Every record with an offset up to here is included.
    pub fn through_offset(&self) -> i64 {
        match self {
            Self::Live(window) => window.through_offset,
            Self::Published(p) => p.through_offset,
        }
    }

    /// Changed since its last publication.
    pub fn is_dirty(&self) -> bool {
        matches!(self, Self::Live(window) if window.dirty)
    }

    /// The window in processing form, restored from its record if it was
    /// kept published.
    pub fn window_mut(&mut self) -> &mut Window {
        if let Self::Published(p) = self {
            let window = CrossingWindowRecord::decode(&*p.record)
                .ok()
                .as_ref()
                .and_then(from_record)
                .map(|(_, window)| window)
                .expect("a window record this process encoded decodes");
            *self = Self::Live(Box::new(window));
        }
        match self {
            Self::Live(window) => window,
            Self::Published(_) => unreachable!("restored above"),
        }
    }

    /// The window in processing form, if it is in that form.
    pub fn live_mut(&mut self) -> Option<&mut Window> {
        match self {
            Self::Live(window) => Some(window),
            Self::Published(_) => None,
        }
    }
}

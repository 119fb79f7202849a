//! The exercise log: the run's start and end and every control action,
//! each with the wall time and the event time it happened at, its
//! parameters and its outcome. Kept in memory for `WatchLog` and the
//! end-of-run report ([`ExerciseLog`], in the run's outcome) and written
//! as JSON lines to `--exercise-log` as it grows, so a run cut short still
//! leaves it behind.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use borderflow_domain::time::format_rfc3339;
use serde::Serialize;
use tokio::sync::broadcast;

/// One entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// Wall time, epoch milliseconds.
    pub wall_ms: i64,
    /// The exercise's event time then.
    pub event_ms: i64,
    /// `start`, `pause`, `resume`, `speed`, `inject`, `end_early`, `end`.
    pub action: String,
    /// The action's parameters.
    pub detail: String,
    /// `ok`, or what went wrong.
    pub outcome: String,
}

/// A run's log, as the report includes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExerciseLog {
    pub entries: Vec<LogEntry>,
}

/// An entry as a JSON line: times as RFC 3339 and as milliseconds.
#[derive(Serialize)]
struct Line<'a> {
    wall_time: String,
    event_time: String,
    #[serde(flatten)]
    entry: &'a LogEntry,
}

/// New entries a watcher has not taken yet before it counts as lagging.
const WATCH_BACKLOG: usize = 256;

/// The log while it is written: entries, the file, and watchers.
#[derive(Debug, Default)]
pub(crate) struct LogBook {
    book: Mutex<Book>,
}

#[derive(Debug, Default)]
struct Book {
    entries: Vec<LogEntry>,
    file: Option<(std::fs::File, String)>,
    /// Gone once the log is closed: watchers then end.
    watchers: Option<broadcast::Sender<LogEntry>>,
}

impl LogBook {
    /// Starts a log, written to `path` as well when given (replacing what
    /// was there).
    pub(crate) fn open(&self, path: Option<&Path>) -> anyhow::Result<()> {
        let file = path
            .map(|path| {
                std::fs::File::create(path)
                    .with_context(|| format!("creating the exercise log {}", path.display()))
                    .map(|file| (file, path.display().to_string()))
            })
            .transpose()?;
        let mut book = self.book.lock().expect("log lock");
        book.entries.clear();
        book.file = file;
        book.watchers = Some(broadcast::channel(WATCH_BACKLOG).0);
        Ok(())
    }

    /// Adds an entry.
    pub(crate) fn write(&self, entry: LogEntry) {
        tracing::info!(
            action = %entry.action,
            detail = %entry.detail,
            outcome = %entry.outcome,
            event_time = %format_rfc3339(entry.event_ms),
            "exercise log"
        );
        let mut book = self.book.lock().expect("log lock");
        if let Some((file, path)) = &mut book.file {
            let line = Line {
                wall_time: format_rfc3339(entry.wall_ms),
                event_time: format_rfc3339(entry.event_ms),
                entry: &entry,
            };
            let written = serde_json::to_string(&line)
                .map_err(std::io::Error::other)
                .and_then(|json| writeln!(file, "{json}"))
                .and_then(|()| file.flush());
            if let Err(e) = written {
                // The trainer's record of the exercise is incomplete.
                tracing::error!(path = %path, error = %e, "cannot write the exercise log");
            }
        }
        if let Some(watchers) = &book.watchers {
            // No watcher is no error.
            let _ = watchers.send(entry.clone());
        }
        book.entries.push(entry);
    }

    /// The entries so far and, unless the log is closed, the entries to
    /// come (nothing written between the two is missed).
    pub(crate) fn watch(&self) -> (Vec<LogEntry>, Option<broadcast::Receiver<LogEntry>>) {
        let book = self.book.lock().expect("log lock");
        let future = book.watchers.as_ref().map(broadcast::Sender::subscribe);
        (book.entries.clone(), future)
    }

    /// Closes the log: watchers end once they have what was written.
    pub(crate) fn close(&self) -> ExerciseLog {
        let mut book = self.book.lock().expect("log lock");
        book.watchers = None;
        book.file = None;
        ExerciseLog {
            entries: book.entries.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> LogEntry {
        LogEntry {
            wall_ms: 1_000,
            event_ms: 1_777_852_800_000,
            action: action.into(),
            detail: "x720 (was x60)".into(),
            outcome: "ok".into(),
        }
    }

    #[test]
    fn entries_go_to_the_file_as_json_lines_and_to_watchers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exercise.jsonl");
        let book = LogBook::default();
        book.open(Some(&path)).unwrap();
        book.write(entry("start"));
        let (past, future) = book.watch();
        let mut future = future.unwrap();
        book.write(entry("speed"));
        assert_eq!(past, [entry("start")]);
        assert_eq!(future.try_recv().unwrap(), entry("speed"));
        let log = book.close();
        assert_eq!(log.entries, [entry("start"), entry("speed")]);
        // Closed: a watcher ends, and new ones get only the past.
        assert!(future.try_recv().is_err());
        assert!(book.watch().1.is_none());
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["action"], "speed");
        assert_eq!(lines[1]["wall_time"], "1970-01-01T00:00:01.000Z");
        assert_eq!(lines[1]["event_time"], "2026-05-04T00:00:00.000Z");
        assert_eq!(lines[1]["event_ms"], 1_777_852_800_000_i64);
        assert_eq!(lines[1]["detail"], "x720 (was x60)");
        assert_eq!(lines[1]["outcome"], "ok");
    }
}

//! The wall clock, for what is stamped or measured in real time (ingest
//! time, processing delay); event time comes from the records themselves.

/// Wall-clock time in epoch milliseconds (0 before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

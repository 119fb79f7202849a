//! The re-scan at the booth: a reader misreads a character, or a worn zone
//! will not read, and the officer takes the document again at once (or
//! keys it in). A zone that fails its checks is a finding only if the same
//! checkpoint does not start a clean read of the same document within this
//! grace; a re-read starts within a minute or two, so five minutes leave
//! room without delaying a forged zone's report long.

/// The re-scan grace, in the duration grammar of flags and scenarios.
pub const RESCAN_GRACE: &str = "5m";

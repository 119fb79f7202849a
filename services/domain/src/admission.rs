//! Admission rules the detectors and the simulator share.
//!
//! A state cannot refuse its own nationals entry (ICCPR Art. 12(4);
//! Protocol 4 to the ECHR, Art. 3(2)); border guards accept a national
//! passport that expired recently as proof of nationality and admit the
//! holder, who renews it at home. An expired document presented by a
//! foreigner, or by a national leaving, stays a finding.

/// Days after expiry during which a national passport presented by its
/// holder entering their own state is admitted without a finding.
pub const EXPIRED_NATIONAL_PASSPORT_DAYS: u32 = 365;

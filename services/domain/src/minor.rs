//! Who is a minor at the border: anyone under eighteen, as the UN
//! Convention on the Rights of the Child (Art. 1) and EU law count them;
//! the checks on minors of the Schengen Borders Code (Annex VII, point 6)
//! apply to them. The detector that flags an unaccompanied minor, the
//! per-crossing statistics and the simulator that plants minors all read
//! the age from here.

/// Completed years of age below which a traveller is a minor.
pub const MINOR_AGE: u32 = 18;

/// Completed years from which a minor may lawfully cross alone: older
/// minors travel on their own to study or work, their parents' consent
/// given at home (the notarised consent the region's exit rules ask of
/// minors travelling without a parent; several states let minors of
/// sixteen and over travel so). A deployment whose law allows no minor to
/// cross alone sets the detector's `--minor-alone-age` to [`MINOR_AGE`].
pub const ALONE_AGE: u32 = 16;

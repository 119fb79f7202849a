//! How fast travellers move between crossings: above these speeds, two uses
//! of one document are impossible travel (the detector's defaults; the
//! simulator's scenario validation checks an impossible-travel incident
//! against them). Airliners cruise at 800–950 km/h; no land journey
//! between two crossings averages 200 km/h door to door.

/// Fastest travel between two crossings when one is an airport, km/h.
pub const AIR_SPEED_LIMIT_KMH: f64 = 1_000.0;

/// Fastest travel between two land or sea crossings, km/h.
pub const SURFACE_SPEED_LIMIT_KMH: f64 = 200.0;

/// Crossings closer than this are never impossible travel (twin posts of
/// one crossing, a city's two airports), km.
pub const MIN_DISTANCE_KM: f64 = 50.0;

/// The speed limit between two crossings.
pub fn speed_limit_kmh(air: bool) -> f64 {
    if air {
        AIR_SPEED_LIMIT_KMH
    } else {
        SURFACE_SPEED_LIMIT_KMH
    }
}

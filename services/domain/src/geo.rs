//! Geography: great-circle distances and plausible travel speeds.

use serde::{Deserialize, Serialize};

/// Mean Earth radius (IUGG), kilometres.
const EARTH_RADIUS_KM: f64 = 6_371.008_8;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

impl Coordinates {
    pub fn new(latitude: f64, longitude: f64) -> Self {
        Self {
            latitude,
            longitude,
        }
    }

    /// Whether both values are finite and within their ranges.
    pub fn is_valid(self) -> bool {
        self.latitude.is_finite()
            && self.longitude.is_finite()
            && (-90.0..=90.0).contains(&self.latitude)
            && (-180.0..=180.0).contains(&self.longitude)
    }

    /// Great-circle distance by the haversine formula, kilometres.
    pub fn distance_km(self, other: Coordinates) -> f64 {
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.longitude - self.longitude).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_between_known_places() {
        let almaty = Coordinates::new(43.2567, 76.9286);
        let bishkek = Coordinates::new(42.8746, 74.5698);
        let d = almaty.distance_km(bishkek);
        assert!((d - 195.0).abs() < 5.0, "{d}");
        assert_eq!(almaty.distance_km(almaty), 0.0);
        let antipode = Coordinates::new(-43.2567, 76.9286 - 180.0);
        let half_circumference = std::f64::consts::PI * EARTH_RADIUS_KM;
        assert!((almaty.distance_km(antipode) - half_circumference).abs() < 1.0);
    }

    #[test]
    fn validity() {
        assert!(Coordinates::new(89.9, -179.9).is_valid());
        assert!(!Coordinates::new(91.0, 0.0).is_valid());
        assert!(!Coordinates::new(f64::NAN, 0.0).is_valid());
    }
}

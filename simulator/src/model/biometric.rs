//! The booth's biometric match as a matcher scores real people: genuine
//! travellers mostly high but with a tail that overlaps any threshold, and
//! impostors (someone travelling on a look-alike's document) mostly low
//! but not always.
//!
//! Scores are drawn on the logit scale: a traveller's own quality (how well
//! their face or fingers match their enrolment, the same at every capture)
//! plus the noise of each capture. The booth software asks for another
//! capture while the best score is under its operating point, up to three
//! captures; a traveller still under it gets the officer's second look,
//! which clears nine in ten (the rest go to second line).
//!
//! Sources for the shape, not for any threshold: NIST FRVT (face; NISTIR
//! 8280 on demographic effects, 2019: false non-matches several times
//! higher for children and the elderly, and growing with the age of the
//! enrolment photo) and FpVTE 2012 (fingerprints: worn ridges of the
//! elderly and small ridges of young children). The parameters are our
//! estimates fitted to those qualitative findings: a genuine adult's face
//! scores about 0.9 at the median, one capture in a few hundred falls
//! under 0.6.

use borderflow_domain::biometric::{CHILD_AGE, ELDERLY_AGE};
use rand::Rng;
use rand_distr::{Distribution, Normal};

use super::network::Mode;

/// The booth software's operating point: below it, it asks for another
/// capture and then the officer's look. A property of the booth's matcher.
pub const OPERATING_POINT: f32 = 0.7;

/// Captures the booth takes at most.
const CAPTURES: u32 = 3;

/// Share of travellers still under the operating point after the last
/// capture whom the officer clears at the second look.
const CLEARED_AT_SECOND_LOOK: f64 = 0.9;

/// Spread of a traveller's own match quality, logit scale.
const PERSON_SD: f64 = 0.35;

/// Spread of one capture around it, logit scale.
const CAPTURE_SD: f64 = 0.45;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modality {
    Face,
    Fingerprint,
}

impl Modality {
    /// Airports compare faces with the chip; land and sea borders take
    /// fingerprints.
    pub fn at(mode: Mode) -> Self {
        if mode == Mode::Air {
            Self::Face
        } else {
            Self::Fingerprint
        }
    }
}

/// What the booth recorded for a genuine traveller.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Match {
    /// The best of the captures.
    pub score: f32,
    /// Still under the operating point after the last capture: the officer
    /// compared by eye.
    pub second_look: bool,
    /// The officer was satisfied at the second look (always true without one).
    pub cleared: bool,
}

/// The median genuine score of a traveller of `age` whose document was
/// issued `document_years` ago, logit scale.
fn genuine_centre(modality: Modality, age: u32, document_years: f64) -> f64 {
    let (adult, child, elderly, per_year) = match modality {
        Modality::Face => (2.2, 0.9, 0.4, 0.04),
        Modality::Fingerprint => (2.4, 0.7, 0.9, 0.01),
    };
    let band = if age < CHILD_AGE {
        child
    } else if age >= ELDERLY_AGE {
        elderly
    } else {
        0.0
    };
    adult - band - per_year * document_years.max(0.0)
}

fn logistic(x: f64) -> f32 {
    (1.0 / (1.0 + (-x).exp())) as f32
}

/// A genuine traveller's match at the booth.
pub fn genuine(rng: &mut impl Rng, modality: Modality, age: u32, document_years: f64) -> Match {
    let normal = |sd: f64| Normal::new(0.0, sd).expect("a positive spread");
    let own = genuine_centre(modality, age, document_years) + normal(PERSON_SD).sample(rng);
    let mut best = 0.0f32;
    for _ in 0..CAPTURES {
        best = best.max(logistic(own + normal(CAPTURE_SD).sample(rng)));
        if best >= OPERATING_POINT {
            break;
        }
    }
    let second_look = best < OPERATING_POINT;
    Match {
        score: best,
        second_look,
        cleared: !second_look || rng.random_bool(CLEARED_AT_SECOND_LOOK),
    }
}

/// An impostor's best score that the booth flagged (under the operating
/// point) and an officer nevertheless cleared.
pub fn impostor(rng: &mut impl Rng, modality: Modality) -> f32 {
    // Look-alikes: far above random impostors, far below genuine matches.
    let (centre, sd) = match modality {
        Modality::Face => (-1.0, 0.7),
        Modality::Fingerprint => (-2.5, 0.8),
    };
    let dist = Normal::new(centre, sd).expect("a positive spread");
    loop {
        let score = logistic(dist.sample(rng));
        if score < OPERATING_POINT {
            return score;
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn share_under(threshold: f32, modality: Modality, age: u32, years: f64) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 200_000;
        let under = (0..n)
            .filter(|_| genuine(&mut rng, modality, age, years).score < threshold)
            .count();
        under as f64 / f64::from(n)
    }

    #[test]
    fn genuine_scores_overlap_low_scores_more_for_the_young_and_old() {
        let p = OPERATING_POINT;
        let adult = share_under(p, Modality::Face, 35, 2.0);
        let child = share_under(p, Modality::Face, 6, 2.0);
        let elderly = share_under(p, Modality::Fingerprint, 80, 2.0);
        let adult_fingers = share_under(p, Modality::Fingerprint, 35, 2.0);
        let old_photo = share_under(p, Modality::Face, 35, 10.0);
        // Even after three captures, some genuine adults stay under the
        // booth's operating point ...
        assert!(adult > 0.0, "{adult}");
        // ... but few,
        assert!(adult < 0.01, "{adult}");
        // and more children, elderly and old photos.
        assert!(child > 5.0 * adult, "{child} vs {adult}");
        assert!(
            elderly > 5.0 * adult_fingers,
            "{elderly} vs {adult_fingers}"
        );
        assert!(old_photo > 1.5 * adult, "{old_photo} vs {adult}");
        // Some children's genuine scores go far down.
        assert!(share_under(0.5, Modality::Face, 6, 5.0) > 0.0);
    }

    #[test]
    fn second_looks_clear_most_and_only_happen_under_the_operating_point() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut looks = 0;
        let mut cleared = 0;
        for _ in 0..100_000 {
            let m = genuine(&mut rng, Modality::Face, 5, 5.0);
            assert_eq!(m.second_look, m.score < OPERATING_POINT);
            if m.second_look {
                looks += 1;
                cleared += usize::from(m.cleared);
            } else {
                assert!(m.cleared);
            }
        }
        assert!(looks > 100, "{looks}");
        let share = cleared as f64 / f64::from(looks);
        assert!((0.85..0.95).contains(&share), "{share}");
    }

    #[test]
    fn impostors_score_under_the_operating_point_and_mostly_far_under() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let faces: Vec<f32> = (0..10_000)
            .map(|_| impostor(&mut rng, Modality::Face))
            .collect();
        assert!(faces.iter().all(|s| *s < OPERATING_POINT));
        let high = faces.iter().filter(|s| **s > 0.5).count();
        // Some look-alikes score high: a threshold cannot catch them all.
        assert!(high > 0 && high < 2_000, "{high}");
    }
}

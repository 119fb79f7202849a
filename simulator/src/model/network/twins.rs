//! Twin posts: the two sides of one crossing point, each operated by its
//! own country (Korday in Kazakhstan and Ak-Zhol in Kyrgyzstan). A network
//! declares each pair once (`[[twin]]`); every post then knows its twin, so
//! the registry entry names it and the traffic model can move travellers
//! from one post to the other.

use serde::{Deserialize, Serialize};

use super::{CrossingSpec, Network, NetworkError};

/// One declared pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwinSpec {
    /// The two posts' crossing ids. When a simulation couples the pair, the
    /// first post's travellers are the pair's: the second sees them arrive
    /// from (or leave towards) the first.
    pub posts: [String; 2],
    /// Typical minutes from one post's booths to the other's, through the
    /// zone between them, queues excluded.
    pub transit_minutes: f64,
}

/// A post's twin, as the post sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Twin {
    pub crossing_id: String,
    /// The country operating the twin post.
    pub country: String,
    /// Typical transit between the posts, milliseconds.
    pub transit_ms: i64,
    /// This post carries the pair's travellers in a coupled simulation.
    pub leads: bool,
}

impl Twin {
    pub fn proto(&self) -> borderflow_proto::analytics::v1::TwinPost {
        borderflow_proto::analytics::v1::TwinPost {
            crossing_id: self.crossing_id.clone(),
            country: self.country.clone(),
            transit_seconds: u32::try_from(self.transit_ms / 1_000).unwrap_or(u32::MAX),
        }
    }
}

/// The longest typical transit between two posts: a day.
const MAX_TRANSIT_MINUTES: f64 = 24.0 * 60.0;

impl Network {
    /// Checks the declared pairs: two different countries' posts, each the
    /// other's neighbour, of one mode, open at the same hours, each in at
    /// most one pair.
    pub(super) fn validate_twins(&self) -> Result<(), NetworkError> {
        let mut paired = std::collections::HashSet::new();
        for (index, twin) in self.twins.iter().enumerate() {
            let fail = |field: &'static str, reason: String| NetworkError::InvalidTwin {
                network: self.name.clone(),
                index,
                field,
                reason,
            };
            let mut posts = Vec::with_capacity(2);
            for id in &twin.posts {
                let Some(post) = self.crossing(id) else {
                    return Err(fail(
                        "posts",
                        format!("{id:?} is not a crossing of the network"),
                    ));
                };
                if !paired.insert(id.as_str()) {
                    return Err(fail("posts", format!("{id:?} is in another pair already")));
                }
                posts.push(post);
            }
            let (a, b) = (posts[0], posts[1]);
            if a.country == b.country || a.neighbour != b.country || b.neighbour != a.country {
                return Err(fail(
                    "posts",
                    format!(
                        "{:?} and {:?} must be neighbouring countries' posts, each naming the other's country as its neighbour",
                        a.id, b.id
                    ),
                ));
            }
            if a.mode != b.mode {
                return Err(fail(
                    "posts",
                    format!("{:?} and {:?} differ in mode", a.id, b.id),
                ));
            }
            if utc_hours(a) != utc_hours(b) {
                return Err(fail(
                    "posts",
                    format!(
                        "{:?} and {:?} must open at the same hours (UTC)",
                        a.id, b.id
                    ),
                ));
            }
            if !(twin.transit_minutes.is_finite()
                && twin.transit_minutes >= 1.0
                && twin.transit_minutes <= MAX_TRANSIT_MINUTES)
            {
                return Err(fail(
                    "transit_minutes",
                    format!("must be from 1 to {MAX_TRANSIT_MINUTES} minutes"),
                ));
            }
        }
        Ok(())
    }

    /// Gives each post of a declared pair its twin.
    pub(super) fn spread_twins(&mut self) {
        for crossing in &mut self.crossings {
            crossing.twin = None;
        }
        for pair in self.twins.clone() {
            let transit_ms = (pair.transit_minutes * 60_000.0).round() as i64;
            for (side, [own, other]) in [
                [&pair.posts[0], &pair.posts[1]],
                [&pair.posts[1], &pair.posts[0]],
            ]
            .into_iter()
            .enumerate()
            {
                let country = self.crossing(other).map(|c| c.country.clone());
                if let (Some(country), Some(index)) = (country, self.index_of(own)) {
                    self.crossings[index].twin = Some(Twin {
                        crossing_id: other.clone(),
                        country,
                        transit_ms,
                        leads: side == 0,
                    });
                }
            }
        }
    }
}

/// Opening hours in UTC hours, [open, close).
fn utc_hours(c: &CrossingSpec) -> (i32, i32) {
    let [open, close] = c.profile.open_hours;
    if (open, close) == (0, 24) {
        return (0, 24);
    }
    let offset = c.profile.utc_offset_hours;
    (
        (open as i32 - offset).rem_euclid(24),
        (close as i32 - offset).rem_euclid(24),
    )
}

#[cfg(test)]
mod tests {
    use crate::model::builtin;

    #[test]
    fn the_central_asia_pairs_know_each_other() {
        let network = builtin::network("central-asia").unwrap().unwrap();
        let korday = network.crossing("KZ-KORDAY").unwrap().twin.clone().unwrap();
        assert_eq!(korday.crossing_id, "KG-AKZHOL");
        assert_eq!(korday.country, "KGZ");
        assert!(korday.leads);
        let akzhol = network.crossing("KG-AKZHOL").unwrap().twin.clone().unwrap();
        assert_eq!(akzhol.crossing_id, "KZ-KORDAY");
        assert!(!akzhol.leads);
        assert_eq!(akzhol.transit_ms, korday.transit_ms);
        let entry = network.crossing("KG-AKZHOL").unwrap().registry_entry();
        let twin = entry.twin.unwrap();
        assert_eq!(
            (twin.crossing_id.as_str(), twin.country.as_str()),
            ("KZ-KORDAY", "KAZ")
        );
        assert_eq!(
            u64::from(twin.transit_seconds) * 1_000,
            korday.transit_ms as u64
        );
        // Airports and the crossings to China have no twin here.
        assert!(network.crossing("KZ-ALA").unwrap().twin.is_none());
        assert!(network.crossing("KG-TORUGART").unwrap().twin.is_none());
    }

    fn declaring(posts: [&str; 2], transit_minutes: f64) -> String {
        let network = builtin::network("central-asia").unwrap().unwrap();
        let mut network = network.clone();
        network.twins = vec![super::TwinSpec {
            posts: posts.map(str::to_owned),
            transit_minutes,
        }];
        match network.validate() {
            Ok(()) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_pair_is_two_neighbours_posts_declared_once() {
        assert_eq!(declaring(["KZ-KORDAY", "KG-AKZHOL"], 12.0), "");
        let cases = [
            (["KZ-KORDAY", "KG-NOWHERE"], 12.0, "not a crossing"),
            (["KZ-KORDAY", "KZ-KORDAY"], 12.0, "another pair"),
            (
                ["KZ-KORDAY", "UZ-GISHTKUPRIK"],
                12.0,
                "neighbouring countries",
            ),
            (["KZ-KORDAY", "KG-FRU"], 12.0, "neighbouring countries"),
            (["KZ-KORDAY", "KG-AKZHOL"], 0.0, "transit_minutes"),
            (["KZ-KORDAY", "KG-AKZHOL"], f64::NAN, "transit_minutes"),
        ];
        for (posts, minutes, expected) in cases {
            let message = declaring(posts, minutes);
            assert!(message.contains("twin[0]"), "{message}");
            assert!(message.contains(expected), "{posts:?}: {message}");
        }
    }
}

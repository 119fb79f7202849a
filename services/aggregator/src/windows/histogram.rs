//! A small log-linear histogram of durations in milliseconds.
//!
//! Eight buckets per power of two (relative error under 6.25 %), kept sparse
//! because most windows see few distinct durations. Histograms merge by
//! adding counts, so windows combine into longer periods exactly.

/// Largest value tracked; larger values land in the last bucket.
const MAX_VALUE_MS: u64 = u32::MAX as u64;
const SUB_BUCKETS: u64 = 8;

/// Bucket of a duration in milliseconds.
pub fn bucket_of(value_ms: u64) -> u16 {
    let v = value_ms.min(MAX_VALUE_MS);
    if v < SUB_BUCKETS {
        return v as u16;
    }
    let exp = 63 - u64::from(v.leading_zeros()); // >= 3
    let mantissa = (v >> (exp - 3)) & (SUB_BUCKETS - 1);
    ((exp - 2) * SUB_BUCKETS + mantissa) as u16
}

/// Smallest value in `bucket`.
pub fn bucket_lower(bucket: u16) -> u64 {
    let b = u64::from(bucket);
    if b < SUB_BUCKETS {
        return b;
    }
    let exp = b / SUB_BUCKETS + 2;
    let mantissa = b % SUB_BUCKETS;
    (SUB_BUCKETS + mantissa) << (exp - 3)
}

/// Number of values `bucket` covers.
fn bucket_width(bucket: u16) -> u64 {
    bucket_lower(bucket + 1) - bucket_lower(bucket)
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogHistogram {
    /// (bucket, count), ascending by bucket.
    buckets: Vec<(u16, u32)>,
    count: u64,
    sum_ms: u64,
    max_ms: u64,
}

impl LogHistogram {
    pub fn record(&mut self, value_ms: u64) {
        let bucket = bucket_of(value_ms);
        match self.buckets.binary_search_by_key(&bucket, |&(b, _)| b) {
            Ok(i) => self.buckets[i].1 += 1,
            Err(i) => self.buckets.insert(i, (bucket, 1)),
        }
        self.count += 1;
        self.sum_ms = self.sum_ms.saturating_add(value_ms);
        self.max_ms = self.max_ms.max(value_ms);
    }

    pub fn merge(&mut self, other: &LogHistogram) {
        for &(bucket, n) in &other.buckets {
            match self.buckets.binary_search_by_key(&bucket, |&(b, _)| b) {
                Ok(i) => self.buckets[i].1 += n,
                Err(i) => self.buckets.insert(i, (bucket, n)),
            }
        }
        self.count += other.count;
        self.sum_ms = self.sum_ms.saturating_add(other.sum_ms);
        self.max_ms = self.max_ms.max(other.max_ms);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max_ms(&self) -> u64 {
        self.max_ms
    }

    pub fn sum_ms(&self) -> u64 {
        self.sum_ms
    }

    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ms as f64 / self.count as f64
        }
    }

    /// The `q`-quantile (0 < q ≤ 1): the middle of the bucket holding the
    /// value of rank ⌈q·n⌉, never above the largest value seen.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for &(bucket, n) in &self.buckets {
            seen += u64::from(n);
            if seen >= rank {
                let middle =
                    bucket_lower(bucket) as f64 + (bucket_width(bucket) as f64 - 1.0) / 2.0;
                return middle.min(self.max_ms as f64);
            }
        }
        self.max_ms as f64
    }

    /// The non-empty buckets, ascending.
    pub fn buckets(&self) -> &[(u16, u32)] {
        &self.buckets
    }

    /// Rebuilds a histogram from its buckets (as published), with the mean
    /// and maximum it reported.
    pub fn from_parts(buckets: Vec<(u16, u32)>, sum_ms: u64, max_ms: u64) -> Self {
        let mut buckets = buckets;
        buckets.sort_unstable_by_key(|&(b, _)| b);
        buckets.dedup_by(|a, b| {
            if a.0 == b.0 {
                b.1 += a.1;
                true
            } else {
                false
            }
        });
        let count = buckets.iter().map(|&(_, n)| u64::from(n)).sum();
        Self {
            buckets,
            count,
            sum_ms,
            max_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_cover_their_values() {
        for bucket in 0..240u16 {
            assert_eq!(bucket_of(bucket_lower(bucket)), bucket);
            assert_eq!(bucket_of(bucket_lower(bucket + 1) - 1), bucket);
        }
        for value in [0, 1, 7, 8, 9, 15, 16, 1_000, 45_000, 3_600_000] {
            let b = bucket_of(value);
            assert!(
                bucket_lower(b) <= value && value < bucket_lower(b + 1),
                "{value}"
            );
        }
    }

    #[test]
    fn relative_error_is_bounded() {
        let mut h = LogHistogram::default();
        for v in 1..=10_000u64 {
            h.record(v * 100);
        }
        for q in [0.5, 0.95, 0.99] {
            let exact = q * 1_000_000.0;
            let got = h.quantile_ms(q);
            assert!(
                (got - exact).abs() / exact < 0.0625,
                "q={q} exact={exact} got={got}"
            );
        }
        assert_eq!(h.max_ms(), 1_000_000);
        assert_eq!(h.count(), 10_000);
    }

    #[test]
    fn merging_equals_recording_everything_in_one() {
        let (mut a, mut b, mut all) = Default::default();
        for v in 0..500u64 {
            let value = v * v % 9_973;
            if v % 3 == 0 {
                LogHistogram::record(&mut a, value);
            } else {
                LogHistogram::record(&mut b, value);
            }
            LogHistogram::record(&mut all, value);
        }
        let mut merged: LogHistogram = a;
        merged.merge(&b);
        assert_eq!(merged, all);
    }

    #[test]
    fn small_samples() {
        let mut h = LogHistogram::default();
        assert_eq!(h.quantile_ms(0.5), 0.0);
        h.record(90_000);
        assert_eq!(h.quantile_ms(0.99), 90_000.0_f64.min(h.quantile_ms(0.99)));
        assert!(h.quantile_ms(0.5) <= 90_000.0);
        assert_eq!(h.mean_ms(), 90_000.0);
    }
}

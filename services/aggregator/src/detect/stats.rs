//! The statistics the detectors need, small enough to keep here.

use std::collections::HashMap;

/// P(X ≥ k) for X ~ Binomial(n, p).
pub fn binomial_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let ln_choose: f64 = (0..k)
        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
        .sum();
    let mut pmf = (ln_choose + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()).exp();
    let ratio = p / (1.0 - p);
    let mut total = 0.0;
    for i in k..=n {
        total += pmf;
        if pmf < total * 1e-12 {
            break;
        }
        pmf *= (n - i) as f64 / (i + 1) as f64 * ratio;
    }
    total.min(1.0)
}

/// Jensen-Shannon divergence (bits, 0 to 1) of two distributions given as
/// counts or shares over string keys.
pub fn js_divergence(a: &HashMap<String, f64>, b: &HashMap<String, f64>) -> f64 {
    // Every sum runs in key order: a map's own order differs from run to
    // run, and floating-point sums depend on it, so a replay would not
    // give the same figure to the last bit.
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    let total = |m: &HashMap<String, f64>| -> f64 { keys.iter().filter_map(|k| m.get(*k)).sum() };
    let (total_a, total_b) = (total(a), total(b));
    if total_a <= 0.0 || total_b <= 0.0 {
        return 0.0;
    }
    let mut divergence = 0.0;
    for key in keys {
        let p = a.get(key).copied().unwrap_or(0.0) / total_a;
        let q = b.get(key).copied().unwrap_or(0.0) / total_b;
        let m = (p + q) / 2.0;
        if p > 0.0 {
            divergence += 0.5 * p * (p / m).log2();
        }
        if q > 0.0 {
            divergence += 0.5 * q * (q / m).log2();
        }
    }
    divergence.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_tail_matches_known_values() {
        // P(X >= 1), n = 10, p = 0.1: 1 - 0.9^10.
        assert!((binomial_tail(1, 10, 0.1) - (1.0 - 0.9f64.powi(10))).abs() < 1e-12);
        // P(X >= 10), n = 10, p = 0.5: 0.5^10.
        assert!((binomial_tail(10, 10, 0.5) - 0.5f64.powi(10)).abs() < 1e-15);
        assert_eq!(binomial_tail(0, 5, 0.3), 1.0);
        assert_eq!(binomial_tail(6, 5, 0.3), 0.0);
        // Large n stays finite and small.
        let tail = binomial_tail(60, 10_000, 0.001);
        assert!(tail > 0.0 && tail < 1e-20, "{tail}");
    }

    #[test]
    fn js_divergence_bounds() {
        let a: HashMap<String, f64> = [("KAZ".into(), 80.0), ("KGZ".into(), 20.0)].into();
        assert_eq!(js_divergence(&a, &a), 0.0);
        let b: HashMap<String, f64> = [("AFG".into(), 1.0)].into();
        assert!((js_divergence(&a, &b) - 1.0).abs() < 1e-12);
        let c: HashMap<String, f64> = [
            ("KAZ".into(), 40.0),
            ("KGZ".into(), 10.0),
            ("AFG".into(), 50.0),
        ]
        .into();
        let d = js_divergence(&a, &c);
        assert!(d > 0.15 && d < 0.5, "{d}");
    }
}

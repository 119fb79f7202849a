//! One-to-one assignment of anomalies to the occurrences they detect: a
//! maximum matching of the bipartite graph (Kuhn's augmenting paths).
//!
//! Greedy assignment (each anomaly to its first free occurrence) is not
//! enough: an anomaly that could detect either of two occurrences may take
//! the one a later anomaly could alone detect, and leave the other missed.
//! An augmenting path moves it to the other occurrence instead. The graphs
//! are small and sparse (an anomaly concerns a handful of occurrences), so
//! the simple algorithm is fast enough.

/// For each left vertex (anomaly) with edges `edges[u]` to right vertices
/// (occurrences) below `right`, the right vertex it is assigned, in a
/// matching of maximum size. Left vertices are tried in order and their
/// edges in order, so earlier ones keep their first choice where the
/// matching allows.
pub(super) fn maximum_matching(edges: &[Vec<usize>], right: usize) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; right];
    // The round in which a right vertex was last visited: no clearing of
    // a visited set per left vertex.
    let mut seen: Vec<usize> = vec![usize::MAX; right];
    for u in 0..edges.len() {
        augment(u, u, edges, &mut seen, &mut owner);
    }
    let mut assigned = vec![None; edges.len()];
    for (v, u) in owner.iter().enumerate() {
        if let Some(u) = u {
            assigned[*u] = Some(v);
        }
    }
    assigned
}

/// Finds an augmenting path from left vertex `u` and flips it.
fn augment(
    u: usize,
    round: usize,
    edges: &[Vec<usize>],
    seen: &mut [usize],
    owner: &mut [Option<usize>],
) -> bool {
    for &v in &edges[u] {
        if seen[v] == round {
            continue;
        }
        seen[v] = round;
        if owner[v].is_none_or(|w| augment(w, round, edges, seen, owner)) {
            owner[v] = Some(u);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::maximum_matching;

    #[test]
    fn an_augmenting_path_beats_the_greedy_choice() {
        // Anomaly 0 could detect occurrence 0 or 1; anomaly 1 only 0.
        // Greedy gives 0 → 0 and leaves anomaly 1 (and occurrence 1) out.
        let edges = vec![vec![0, 1], vec![0]];
        assert_eq!(maximum_matching(&edges, 2), vec![Some(1), Some(0)]);
    }

    #[test]
    fn each_side_is_used_at_most_once() {
        // Three anomalies about one occurrence, one about nothing.
        let edges = vec![vec![0], vec![0], vec![], vec![0]];
        assert_eq!(maximum_matching(&edges, 1), vec![Some(0), None, None, None]);
    }

    #[test]
    fn a_longer_chain_is_resolved() {
        // 0:{0,1} 1:{1,2} 2:{0}: greedy 0→0, 1→1, 2 stuck; the maximum
        // moves 0 to 1 and 1 to 2.
        let edges = vec![vec![0, 1], vec![1, 2], vec![0]];
        let m = maximum_matching(&edges, 3);
        assert_eq!(m.iter().flatten().count(), 3);
        assert_eq!(m, vec![Some(1), Some(2), Some(0)]);
    }
}

//! Adjusted Rand index between two labellings.

use std::collections::HashMap;

use crate::KMeansError;

/// Adjusted Rand index (Hubert & Arabie), as scikit-learn's `adjusted_rand_score`:
/// `ARI = (sum_ij C(n_ij, 2) - E) / (max - E)` with `E = sum_i C(a_i, 2) * sum_j C(b_j, 2) /
/// C(n, 2)` and `max = (sum_i C(a_i, 2) + sum_j C(b_j, 2)) / 2`, where `n_ij` is the contingency
/// table and `a_i`, `b_j` its margins. 1.0 means identical partitions up to renaming; a
/// degenerate case with `max = E` (e.g. both labellings a single cluster) is 1.0.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> Result<f64, KMeansError> {
    if a.len() != b.len() {
        return Err(KMeansError::LengthMismatch {
            what: "labels",
            expected: a.len(),
            found: b.len(),
        });
    }
    let comb2 = |x: u64| (x * x.saturating_sub(1) / 2) as f64;
    let mut table: HashMap<(usize, usize), u64> = HashMap::new();
    let mut ra: HashMap<usize, u64> = HashMap::new();
    let mut rb: HashMap<usize, u64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *table.entry((x, y)).or_default() += 1;
        *ra.entry(x).or_default() += 1;
        *rb.entry(y).or_default() += 1;
    }
    let index: f64 = table.values().map(|&v| comb2(v)).sum();
    let sa: f64 = ra.values().map(|&v| comb2(v)).sum();
    let sb: f64 = rb.values().map(|&v| comb2(v)).sum();
    let total = comb2(a.len() as u64);
    if total == 0.0 {
        return Ok(1.0);
    }
    let expected = sa * sb / total;
    let max = (sa + sb) / 2.0;
    if max == expected {
        return Ok(1.0);
    }
    Ok((index - expected) / (max - expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_up_to_renaming_is_one() {
        let ari = adjusted_rand_index(&[0, 0, 1, 1, 2], &[2, 2, 0, 0, 1]).unwrap();
        assert_eq!(ari, 1.0);
    }

    #[test]
    fn matches_sklearn_value() {
        // sklearn.metrics.adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
        let ari = adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap();
        assert!((ari - 0.571_428_571_428_571_5).abs() < 1e-12, "{ari}");
        // adjusted_rand_score([0,0,1,1],[0,1,0,1]) = -0.5
        let ari = adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap();
        assert!((ari + 0.5).abs() < 1e-12, "{ari}");
    }

    #[test]
    fn length_mismatch_is_error() {
        assert!(matches!(
            adjusted_rand_index(&[0], &[0, 1]),
            Err(KMeansError::LengthMismatch { .. })
        ));
    }
}

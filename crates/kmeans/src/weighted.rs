//! k-means with a weight per row (scikit-learn's `sample_weight`): a row of weight 2 counts as
//! two copies of it, a row of weight 0 as absent. Seeding draws rows with probability
//! proportional to weight (times `D(x)^2` for k-means++), centroids are weighted means and the
//! inertia is the weighted sum of squared distances.
//!
//! This path is separate from the unweighted one ([`crate::lloyd`], [`crate::init`]), which keeps
//! its fused and vectorised passes: here the assignment pass is shared and the weighted sums
//! are a second, sequential pass (bit-identical on any thread count).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::lloyd::{assign, lloyd_rounds, sq_dist, LloydOutcome, Round};
use crate::KMeansError;

/// Checks weights for `n_rows` rows and `k` clusters: one per row, finite, not negative, and at
/// least `k` of them above zero.
pub(crate) fn check_weights(weights: &[f64], n_rows: usize, k: usize) -> Result<(), KMeansError> {
    let bad = |reason: String| Err(KMeansError::InvalidWeights { reason });
    if weights.len() != n_rows {
        return bad(format!(
            "{} weight(s) for {n_rows} row(s): give one per row",
            weights.len()
        ));
    }
    if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
        return bad(format!(
            "the weight of row {i} is {}: weights must be finite and not negative",
            weights[i]
        ));
    }
    let positive = weights.iter().filter(|&&w| w > 0.0).count();
    if positive == 0 {
        return bad("every weight is zero: at least one must be above zero".to_string());
    }
    if positive < k {
        return bad(format!(
            "only {positive} row(s) have a weight above zero, fewer than k = {k}"
        ));
    }
    Ok(())
}

/// The first row whose cumulative value reaches `v` (a draw in `[0, total]`): never a row that
/// adds nothing, since a draw of zero or below counts as the smallest positive value and one
/// above the total as the total.
fn draw(cumulative: &[f64], v: f64) -> usize {
    let total = cumulative[cumulative.len() - 1];
    let v = if v > 0.0 {
        v.min(total)
    } else {
        f64::MIN_POSITIVE
    };
    cumulative
        .partition_point(|&c| c < v)
        .min(cumulative.len() - 1)
}

/// Running sums of `values`.
fn cumulative(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    values
        .map(|v| {
            total += v;
            total
        })
        .collect()
}

/// Greedy k-means++ with weights (scikit-learn's `_kmeans_plusplus` with `sample_weight`):
/// the first centroid is drawn with probability proportional to weight; each next one is the
/// best of `2 + floor(ln k)` candidates drawn proportionally to `w(x) D(x)^2`, "best" meaning the
/// least weighted potential `sum_x w(x) min(D(x)^2, ||x - c||^2)`. Returns `k * d` centroids.
pub(crate) fn kmeans_plusplus_weighted(
    data: &[f64],
    d: usize,
    k: usize,
    weights: &[f64],
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let n = weights.len();
    let row = |i: usize| &data[i * d..(i + 1) * d];
    let by_weight = cumulative(weights.iter().copied());
    let first = draw(&by_weight, rng.random::<f64>() * by_weight[n - 1]);
    let mut centers = row(first).to_vec();
    let mut closest: Vec<f64> = (0..n).map(|i| sq_dist(row(i), row(first))).collect();
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    for _ in 1..k {
        let mass = cumulative(closest.iter().zip(weights).map(|(c, w)| c * w));
        let pot = mass[n - 1];
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..n_trials {
            let v = rng.random::<f64>() * pot;
            let cand = if pot > 0.0 {
                draw(&mass, v)
            } else {
                // Every weighted row sits on a centroid already: any row of positive weight.
                draw(&by_weight, rng.random::<f64>() * by_weight[n - 1])
            };
            let trial: Vec<f64> = (0..n)
                .map(|i| closest[i].min(sq_dist(row(i), row(cand))))
                .collect();
            let potential: f64 = trial.iter().zip(weights).map(|(t, w)| t * w).sum();
            if best.as_ref().is_none_or(|b| potential < b.0) {
                best = Some((potential, cand, trial));
            }
        }
        let (_, chosen, trial) = best.expect("at least two trials");
        centers.extend_from_slice(row(chosen));
        closest = trial;
    }
    centers
}

/// `k` distinct rows drawn one after another with probability proportional to weight among
/// the rows not drawn yet (scikit-learn's `choice(replace=False, p=w / w.sum())`).
pub(crate) fn random_rows_weighted(
    data: &[f64],
    d: usize,
    k: usize,
    weights: &[f64],
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let mut left = weights.to_vec();
    let mut centers = Vec::with_capacity(k * d);
    for _ in 0..k {
        let by_weight = cumulative(left.iter().copied());
        let i = draw(
            &by_weight,
            rng.random::<f64>() * by_weight[by_weight.len() - 1],
        );
        left[i] = 0.0;
        centers.extend_from_slice(&data[i * d..(i + 1) * d]);
    }
    centers
}

/// Lloyd's algorithm with weights ([`crate::lloyd::lloyd_rounds`]): each round assigns rows
/// to the nearest centroid and moves each centroid to the weighted mean of its rows; a cluster
/// of no weight is re-seeded with the farthest row whose cluster keeps some weight. The
/// inertia is the weighted sum of the final squared distances.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lloyd_weighted(
    data: &[f64],
    d: usize,
    k: usize,
    centroids: Vec<f64>,
    weights: &[f64],
    max_iter: usize,
    tol_abs: f64,
    fixed_rounds: bool,
) -> LloydOutcome {
    lloyd_rounds(
        data,
        d,
        k,
        centroids,
        max_iter,
        tol_abs,
        fixed_rounds,
        |centroids, labels, dist2| {
            let a = assign(data, d, centroids, k, labels, dist2, false);
            let mut sums = vec![0.0; k * d];
            let mut mass = vec![0.0; k];
            for (i, (&c, &w)) in labels.iter().zip(weights).enumerate() {
                mass[c] += w;
                for (s, x) in sums[c * d..(c + 1) * d]
                    .iter_mut()
                    .zip(&data[i * d..(i + 1) * d])
                {
                    *s += w * x;
                }
            }
            relocate_empty_weighted(data, d, labels, dist2, weights, &mut sums, &mut mass);
            Round {
                changed: a.changed,
                sums,
                mass,
            }
        },
        |dist2| dist2.iter().zip(weights).map(|(e, w)| e * w).sum(),
    )
}

/// Re-seeds every cluster of no weight with the farthest row of positive weight whose cluster
/// keeps some weight without it (by decreasing distance, lower index first on ties).
fn relocate_empty_weighted(
    data: &[f64],
    d: usize,
    labels: &[usize],
    dist2: &[f64],
    weights: &[f64],
    sums: &mut [f64],
    mass: &mut [f64],
) {
    let empty: Vec<usize> = (0..mass.len()).filter(|&c| mass[c] <= 0.0).collect();
    if empty.is_empty() {
        return;
    }
    let mut order: Vec<usize> = (0..labels.len()).filter(|&i| weights[i] > 0.0).collect();
    order.sort_by(|&a, &b| dist2[b].total_cmp(&dist2[a]).then(a.cmp(&b)));
    let mut candidates = order.into_iter();
    for e in empty {
        for i in candidates.by_ref() {
            let (old, w) = (labels[i], weights[i]);
            if mass[old] - w > 0.0 {
                let x = &data[i * d..(i + 1) * d];
                for (s, v) in sums[old * d..(old + 1) * d].iter_mut().zip(x) {
                    *s -= w * v;
                }
                mass[old] -= w;
                for (s, v) in sums[e * d..(e + 1) * d].iter_mut().zip(x) {
                    *s = w * v;
                }
                mass[e] = w;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn draws_never_pick_a_row_of_zero_weight() {
        let w = [0.0, 2.0, 0.0, 0.0, 1.0, 0.0];
        let c = cumulative(w.iter().copied());
        for v in [0.0, 1e-12, 1.0, 2.0, 2.0 + 1e-9, 3.0] {
            let i = draw(&c, v);
            assert!(w[i] > 0.0, "draw {v} picked row {i}");
        }
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let data: Vec<f64> = (0..6).map(f64::from).collect();
        for _ in 0..50 {
            let centers = random_rows_weighted(&data, 1, 2, &w, &mut rng);
            let mut rows: Vec<f64> = centers.clone();
            rows.sort_by(f64::total_cmp);
            assert_eq!(rows, [1.0, 4.0]);
            let seeded = kmeans_plusplus_weighted(&data, 1, 2, &w, &mut rng);
            assert!(seeded.iter().all(|&x| x == 1.0 || x == 4.0), "{seeded:?}");
        }
    }

    /// Integer weights fit as repeated rows do (deterministic starts: the same centroids,
    /// labels of the distinct rows and inertia).
    #[test]
    fn integer_weights_equal_repeated_rows() {
        use crate::{Init, KMeans, RowMatrix};
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (n, d, k) = (40, 3, 4);
        let data: Vec<f64> = (0..n * d).map(|_| next()).collect();
        let weights: Vec<f64> = (0..n).map(|_| (next() * 4.0).floor()).collect();
        let mut repeated = Vec::new();
        for (i, &w) in weights.iter().enumerate() {
            for _ in 0..w as usize {
                repeated.extend_from_slice(&data[i * d..(i + 1) * d]);
            }
        }
        let start: Vec<Vec<f64>> = (0..k).map(|c| data[c * d..(c + 1) * d].to_vec()).collect();
        let params = KMeans::params(k).init(Init::Given(start)).check().unwrap();
        let a = params
            .fit_weighted(&RowMatrix::from_row_major(&data, d).unwrap(), &weights)
            .unwrap();
        let b = params
            .fit(&RowMatrix::from_row_major(&repeated, d).unwrap())
            .unwrap();
        assert!((a.model.inertia() - b.model.inertia()).abs() < 1e-9);
        for (x, y) in a.model.centroids().iter().zip(b.model.centroids()) {
            for (u, v) in x.iter().zip(y) {
                assert!((u - v).abs() < 1e-12, "{u} vs {v}");
            }
        }
        // k-means++ with weights: two far groups, the heavy rows pull each centroid.
        let rows = RowMatrix::from_row_major(&[0.0, 1.0, 100.0, 101.0], 1).unwrap();
        let fit = KMeans::params(2)
            .seed(3)
            .check()
            .unwrap()
            .fit_weighted(&rows, &[3.0, 1.0, 1.0, 3.0])
            .unwrap();
        let mut c: Vec<f64> = fit.model.centroids().iter().map(|c| c[0]).collect();
        c.sort_by(f64::total_cmp);
        assert_eq!(c, [0.25, 100.75]);
        assert!((fit.model.inertia() - (3.0 * 0.0625 + 0.5625) * 2.0).abs() < 1e-12);
    }

    #[test]
    fn weights_are_checked() {
        assert!(check_weights(&[1.0, 2.0], 3, 1).is_err());
        assert!(check_weights(&[1.0, -1.0, 1.0], 3, 1).is_err());
        assert!(check_weights(&[1.0, f64::NAN, 1.0], 3, 1).is_err());
        let zero = check_weights(&[0.0; 3], 3, 1).unwrap_err().to_string();
        assert!(zero.contains("zero"), "{zero}");
        assert!(check_weights(&[0.0, 0.0, 1.0], 3, 2).is_err());
        assert!(check_weights(&[0.0, 3.0, 1.0], 3, 2).is_ok());
    }
}

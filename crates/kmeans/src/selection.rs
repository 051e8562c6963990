//! Choosing k: inertia (elbow) and mean silhouette for a range of k, and `k = auto`.

use std::ops::RangeInclusive;

use rayon::prelude::*;

use crate::lloyd::sq_dist;
use crate::table::{RowMatrix, Scaling};
use crate::{KMeans, KMeansError, KMeansFit, KMeansParams};

/// Mean silhouette coefficient of a labelling (exact, `O(n^2)` distance evaluations, parallel
/// over rows; fine for thousands of rows).
///
/// For row `i` in cluster `A`: `a(i)` = mean Euclidean distance to the other rows of `A`,
/// `b(i)` = smallest mean distance to the rows of another cluster, and
/// `s(i) = (b - a) / max(a, b)` (0 when `A` has one row or `a = b = 0`); the score is the mean
/// of `s(i)`, as scikit-learn's `silhouette_score`. Needs `2 <= clusters <= n - 1`.
pub fn silhouette_score(data: &RowMatrix, labels: &[usize]) -> Result<f64, KMeansError> {
    let n = data.n_rows();
    if labels.len() != n {
        return Err(KMeansError::LengthMismatch {
            what: "labels",
            expected: n,
            found: labels.len(),
        });
    }
    let n_labels = labels.iter().max().map_or(0, |m| m + 1);
    let mut sizes = vec![0usize; n_labels];
    for &l in labels {
        sizes[l] += 1;
    }
    let used = sizes.iter().filter(|&&s| s > 0).count();
    if used < 2 || used > n.saturating_sub(1) {
        return Err(KMeansError::SilhouetteUndefined {
            n_clusters: used,
            n_rows: n,
        });
    }
    let per_row: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let xi = data.row(i);
            let mut sums = vec![0.0; n_labels];
            for j in 0..n {
                if j != i {
                    sums[labels[j]] += sq_dist(xi, data.row(j)).sqrt();
                }
            }
            let own = labels[i];
            if sizes[own] <= 1 {
                return 0.0;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..n_labels)
                .filter(|&c| c != own && sizes[c] > 0)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            if m > 0.0 {
                (b - a) / m
            } else {
                0.0
            }
        })
        .collect();
    Ok(per_row.iter().sum::<f64>() / n as f64)
}

/// Inertia and mean silhouette of one k.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KScore {
    /// Number of clusters.
    pub k: usize,
    /// Best-of-`n_init` inertia (fitted space).
    pub inertia: f64,
    /// Mean silhouette in the fitted space (`None` for k = 1 or k = rows, where it is undefined).
    pub silhouette: Option<f64>,
}

/// The ks `k = auto` compares when the caller names none: 2 to 10 clusters (a collection's
/// groups of sound or key rarely need more, and each k costs a full fit and a silhouette);
/// [`KMeans::auto_k_range`] cuts it to what a table's rows allow.
pub const AUTO_K: RangeInclusive<usize> = 2..=10;

/// Scores of every k of a scan and the k with the best silhouette.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KSelection {
    /// One entry per k, in increasing k.
    pub scores: Vec<KScore>,
    /// k with the highest mean silhouette (smallest k on ties); `None` if no k had one.
    pub best_k: Option<usize>,
}

/// Result of [`KMeans::fit_auto`]: the scan and the fit of the chosen k.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoKFit {
    /// Every k's inertia and silhouette.
    pub selection: KSelection,
    /// The chosen k (best silhouette).
    pub chosen_k: usize,
    /// The fit with the chosen k.
    pub fit: KMeansFit,
}

impl KMeans {
    /// Fits every k of `ks` with the parameters `params(k)` and records inertia and silhouette
    /// (in the space each fit clustered in: z-scores when the parameters standardise).
    pub fn scan_k(
        data: &RowMatrix,
        ks: RangeInclusive<usize>,
        params: impl Fn(usize) -> KMeansParams,
    ) -> Result<KSelection, KMeansError> {
        Ok(scan(data, ks, params)?.0)
    }

    /// The ks `k = auto` compares on a table of `n_rows` rows: [`AUTO_K`] cut to `n_rows - 1`
    /// (a silhouette needs at least one cluster of two rows); `None` below 3 rows.
    pub fn auto_k_range(n_rows: usize) -> Option<RangeInclusive<usize>> {
        let top = (*AUTO_K.end()).min(n_rows.saturating_sub(1));
        (top >= *AUTO_K.start()).then(|| *AUTO_K.start()..=top)
    }

    /// `k = auto`: scans `ks` ([`KMeans::scan_k`]) and keeps the fit whose mean silhouette is
    /// highest (smallest k on ties). The range must contain a k with `2 <= k <= rows - 1`.
    pub fn fit_auto(
        data: &RowMatrix,
        ks: RangeInclusive<usize>,
        params: impl Fn(usize) -> KMeansParams,
    ) -> Result<AutoKFit, KMeansError> {
        let (from, to) = (*ks.start(), *ks.end());
        let (selection, best) = scan(data, ks, params)?;
        match (selection.best_k, best) {
            (Some(chosen_k), Some(fit)) => {
                tracing::info!(chosen_k, "k-means: k chosen by best mean silhouette");
                Ok(AutoKFit {
                    selection,
                    chosen_k,
                    fit,
                })
            }
            _ => Err(KMeansError::AutoKUndefined {
                from,
                to,
                distinct_rows: data.n_distinct_rows(),
            }),
        }
    }
}

fn scan(
    data: &RowMatrix,
    ks: RangeInclusive<usize>,
    params: impl Fn(usize) -> KMeansParams,
) -> Result<(KSelection, Option<KMeansFit>), KMeansError> {
    let (from, to) = (*ks.start(), *ks.end());
    if from == 0 || from > to {
        return Err(KMeansError::InvalidKRange { from, to });
    }
    // Every fit of a scan scales the same table the same way: scale it once.
    let mut scaled: Option<(Scaling, RowMatrix)> = None;
    let mut scores = Vec::new();
    let mut best: Option<(f64, KMeansFit)> = None;
    for k in ks {
        let fit = params(k).fit(data)?;
        let space = match fit.model.scaling() {
            Some(s) => {
                if scaled.as_ref().is_none_or(|(done, _)| done != s) {
                    scaled = Some((s.clone(), data.scaled(s)?));
                }
                scaled.as_ref().map_or(data, |(_, m)| m)
            }
            None => data,
        };
        let silhouette = silhouette_score(space, &fit.labels).ok();
        scores.push(KScore {
            k,
            inertia: fit.model.inertia(),
            silhouette,
        });
        if let Some(s) = silhouette {
            if best.as_ref().is_none_or(|(b, _)| s > *b) {
                best = Some((s, fit));
            }
        }
    }
    let best_k = best.as_ref().map(|(_, f)| f.model.k());
    Ok((KSelection { scores, best_k }, best.map(|(_, f)| f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `k = auto` compares 2..=10, fewer on a small table, and nothing below 3 rows.
    #[test]
    fn auto_k_range_is_cut_to_the_rows() {
        assert_eq!(KMeans::auto_k_range(1000), Some(2..=10));
        assert_eq!(KMeans::auto_k_range(11), Some(2..=10));
        assert_eq!(KMeans::auto_k_range(6), Some(2..=5));
        assert_eq!(KMeans::auto_k_range(3), Some(2..=2));
        assert_eq!(KMeans::auto_k_range(2), None);
        assert_eq!(KMeans::auto_k_range(0), None);
    }
}

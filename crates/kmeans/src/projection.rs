//! Principal component analysis: project the rows of a table onto the directions of largest
//! variance, e.g. to draw clustered files on a 2-D map.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::table::RowMatrix;
use crate::KMeansError;

/// A fitted PCA: the column means and the leading principal axes of a table.
///
/// The axes are the eigenvectors of the (population) covariance matrix, in decreasing order of
/// variance; each axis's sign is fixed so that its largest-magnitude coordinate is positive, so
/// the same data always gives the same picture.
///
/// ```
/// use kmeans::{Pca, RowMatrix};
///
/// // Points on the line y = 2x: one axis explains everything.
/// let data = RowMatrix::from_row_major(&[0.0, 0.0, 1.0, 2.0, 2.0, 4.0, 3.0, 6.0], 2)?;
/// let pca = Pca::fit(&data, 2)?;
/// assert!((pca.explained_variance_ratio[0] - 1.0).abs() < 1e-12);
/// let points = pca.transform(&data)?;
/// assert!((points[3][0] - points[0][0] - 45f64.sqrt()).abs() < 1e-12);
/// # Ok::<(), kmeans::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// Column means subtracted before projecting.
    pub mean: Vec<f64>,
    /// Principal axes (unit vectors, one per component), largest variance first.
    pub components: Vec<Vec<f64>>,
    /// Share of the total variance along each axis (0 for every axis of a constant table).
    pub explained_variance_ratio: Vec<f64>,
}

impl Pca {
    /// Fits `n_components` axes (at most the number of columns; the rest are dropped).
    ///
    /// Errors: [`KMeansError::NoRows`] for an empty table.
    pub fn fit(data: &RowMatrix, n_components: usize) -> Result<Self, KMeansError> {
        let (n, d) = (data.n_rows(), data.n_cols());
        if n == 0 {
            return Err(KMeansError::NoRows);
        }
        let (mean, _) = data.column_mean_var();
        let mut cov = DMatrix::<f64>::zeros(d, d);
        let mut centred = vec![0.0; d];
        for i in 0..n {
            for ((c, x), m) in centred.iter_mut().zip(data.row(i)).zip(&mean) {
                *c = x - m;
            }
            for a in 0..d {
                for b in a..d {
                    cov[(a, b)] += centred[a] * centred[b];
                }
            }
        }
        for a in 0..d {
            for b in a..d {
                let v = cov[(a, b)] / n as f64;
                cov[(a, b)] = v;
                cov[(b, a)] = v;
            }
        }
        let eigen = SymmetricEigen::new(cov);
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let total: f64 = eigen.eigenvalues.iter().map(|v| v.max(0.0)).sum();
        let take = n_components.min(d);
        let mut components = Vec::with_capacity(take);
        let mut explained_variance_ratio = Vec::with_capacity(take);
        for &i in order.iter().take(take) {
            let mut axis: Vec<f64> = eigen.eigenvectors.column(i).iter().copied().collect();
            let biggest =
                axis.iter().copied().fold(
                    0.0f64,
                    |best, v| if v.abs() > best.abs() { v } else { best },
                );
            if biggest < 0.0 {
                axis.iter_mut().for_each(|v| *v = -*v);
            }
            components.push(axis);
            explained_variance_ratio.push(if total > 0.0 {
                eigen.eigenvalues[i].max(0.0) / total
            } else {
                0.0
            });
        }
        Ok(Self {
            mean,
            components,
            explained_variance_ratio,
        })
    }

    /// Coordinates of each row of `data` on the fitted axes (one vector per row).
    ///
    /// Errors: [`KMeansError::ColumnCount`] if `data` has another number of columns.
    pub fn transform(&self, data: &RowMatrix) -> Result<Vec<Vec<f64>>, KMeansError> {
        if data.n_cols() != self.mean.len() {
            return Err(KMeansError::ColumnCount {
                fitted: "PCA",
                expected: self.mean.len(),
                found: data.n_cols(),
            });
        }
        Ok((0..data.n_rows())
            .map(|i| {
                let row = data.row(i);
                self.components
                    .iter()
                    .map(|axis| {
                        row.iter()
                            .zip(&self.mean)
                            .zip(axis)
                            .map(|((x, m), a)| (x - m) * a)
                            .sum()
                    })
                    .collect()
            })
            .collect())
    }
}

/// Rows drawn on a plane: see [`pca_2d`].
#[derive(Debug, Clone, PartialEq)]
pub struct Projection2d {
    /// One (x, y) per row: its coordinates on the first and second principal axes.
    pub points: Vec<(f64, f64)>,
    /// Share of the variance along each axis (0 for a missing axis).
    pub explained: (f64, f64),
}

/// The rows of `data` on their first two principal axes, and the share of variance of each
/// axis (a missing axis, for a one-column table, is all zeros).
///
/// Errors: [`KMeansError::NoRows`] for an empty table.
pub fn pca_2d(data: &RowMatrix) -> Result<Projection2d, KMeansError> {
    let pca = Pca::fit(data, 2)?;
    let points = pca
        .transform(data)?
        .into_iter()
        .map(|p| (p[0], p.get(1).copied().unwrap_or(0.0)))
        .collect();
    let share = |i: usize| pca.explained_variance_ratio.get(i).copied().unwrap_or(0.0);
    Ok(Projection2d {
        points,
        explained: (share(0), share(1)),
    })
}

/// The mean row of each group: `labels[i]` (below `k`) is row `i`'s group; a group without rows
/// gets all zeros. Returns `k` vectors of `data.n_cols()` values.
///
/// Errors: [`KMeansError::LengthMismatch`] if there is not one label per row, [`KMeansError::OutOfRange`] if a label is `>= k`.
pub fn group_means(
    data: &RowMatrix,
    labels: &[usize],
    k: usize,
) -> Result<Vec<Vec<f64>>, KMeansError> {
    if labels.len() != data.n_rows() {
        return Err(KMeansError::LengthMismatch {
            what: "labels",
            expected: data.n_rows(),
            found: labels.len(),
        });
    }
    let d = data.n_cols();
    let mut sums = vec![vec![0.0; d]; k];
    let mut counts = vec![0usize; k];
    for (i, &l) in labels.iter().enumerate() {
        let Some(sum) = sums.get_mut(l) else {
            return Err(KMeansError::OutOfRange {
                what: "label",
                index: l,
                bound: k,
            });
        };
        for (s, x) in sum.iter_mut().zip(data.row(i)) {
            *s += x;
        }
        counts[l] += 1;
    }
    for (sum, &c) in sums.iter_mut().zip(&counts) {
        if c > 0 {
            sum.iter_mut().for_each(|s| *s /= c as f64);
        }
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An elongated cloud in 3-D: the first axis is the long direction, the ratios sum to 1,
    /// the projection matches the centred rows times the axes, and an SVD of the centred data
    /// gives the same axes up to sign.
    #[test]
    fn axes_follow_the_variance_and_agree_with_an_svd() {
        let n = 200;
        let mut rows = Vec::with_capacity(n * 3);
        for i in 0..n {
            let t = i as f64 / n as f64 - 0.5;
            let wobble = ((i * 7919) % 101) as f64 / 101.0 - 0.5;
            let wobble2 = ((i * 104729) % 53) as f64 / 53.0 - 0.5;
            rows.extend_from_slice(&[
                3.0 + 10.0 * t + wobble,
                -1.0 + 5.0 * t - 2.0 * wobble,
                7.0 + 0.3 * wobble2,
            ]);
        }
        let data = RowMatrix::from_row_major(&rows, 3).unwrap();
        let pca = Pca::fit(&data, 2).unwrap();
        assert_eq!(pca.components.len(), 2);
        let long = [10.0, 5.0, 0.0];
        let norm = (125.0f64).sqrt();
        let cos: f64 = pca.components[0]
            .iter()
            .zip(long)
            .map(|(a, b)| a * b / norm)
            .sum();
        assert!(cos > 0.99, "first axis {:?}", pca.components[0]);
        assert!(pca.explained_variance_ratio[0] > 0.95);
        assert!(pca.explained_variance_ratio[0] >= pca.explained_variance_ratio[1]);
        let all = Pca::fit(&data, 5).unwrap();
        assert_eq!(all.components.len(), 3);
        let sum: f64 = all.explained_variance_ratio.iter().sum();
        assert!((sum - 1.0).abs() < 1e-12);

        let points = pca.transform(&data).unwrap();
        for (i, p) in points.iter().enumerate() {
            for (c, axis) in pca.components.iter().enumerate() {
                let expect: f64 = (0..3)
                    .map(|j| (data.row(i)[j] - pca.mean[j]) * axis[j])
                    .sum();
                assert!((p[c] - expect).abs() < 1e-12);
            }
        }

        let mut m = DMatrix::<f64>::zeros(n, 3);
        for i in 0..n {
            for j in 0..3 {
                m[(i, j)] = data.row(i)[j] - pca.mean[j];
            }
        }
        let svd = m.svd(false, true);
        let vt = svd.v_t.unwrap();
        let top = svd.singular_values.imax();
        let dot: f64 = (0..3).map(|j| vt[(top, j)] * pca.components[0][j]).sum();
        assert!((dot.abs() - 1.0).abs() < 1e-9, "dot {dot}");
    }

    /// Signs are fixed (largest coordinate positive) and a constant table projects to 0.
    #[test]
    fn signs_are_fixed_and_constant_tables_are_zero() {
        let a = RowMatrix::from_row_major(&[0.0, 0.0, -1.0, -2.0, -2.0, -4.1], 2).unwrap();
        let pca = Pca::fit(&a, 1).unwrap();
        let axis = &pca.components[0];
        assert!(axis[1] > 0.0 && axis[1].abs() > axis[0].abs());
        let c = RowMatrix::from_row_major(&[1.0, 2.0, 1.0, 2.0], 2).unwrap();
        let flat = pca_2d(&c).unwrap();
        assert_eq!(flat.points, vec![(0.0, 0.0), (0.0, 0.0)]);
        assert_eq!(flat.explained, (0.0, 0.0));
        let one = RowMatrix::from_row_major(&[1.0, 3.0], 1).unwrap();
        let line = pca_2d(&one).unwrap();
        assert_eq!(line.points, vec![(-1.0, 0.0), (1.0, 0.0)]);
        assert_eq!(line.explained, (1.0, 0.0));
        assert!(Pca::fit(&one, 1).unwrap().transform(&c).is_err());
    }

    #[test]
    fn group_means_average_each_label() {
        let data = RowMatrix::from_row_major(&[1.0, 2.0, 3.0, 4.0, 10.0, 20.0], 2).unwrap();
        let means = group_means(&data, &[0, 0, 2], 3).unwrap();
        assert_eq!(
            means,
            vec![vec![2.0, 3.0], vec![0.0, 0.0], vec![10.0, 20.0]]
        );
        assert!(group_means(&data, &[0, 0], 3).is_err());
        assert!(group_means(&data, &[0, 0, 3], 3).is_err());
    }
}

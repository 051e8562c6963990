//! Principal component analysis: project the rows of a table onto the directions of largest
//! variance, e.g. to draw clustered files on a 2-D map.
//!
//! The axes are found without the columns x columns covariance matrix, whose size would be
//! set by the table's width (a table of 20,000 columns would need 3.2 GB, one of 1,000,000
//! columns 8 TB): block subspace iteration with Rayleigh-Ritz on the covariance applied
//! implicitly, `C v = X_c^T (X_c v) / n` for the centred table `X_c`. The extra memory is a few
//! blocks of [`BLOCK`] vectors, one value per column or row each. A table of at most
//! [`BLOCK`] columns, or of at most [`BLOCK`] rows, is solved exactly in one or two steps (the
//! block spans every direction with variance); a larger one iterates until the residual of
//! each wanted axis is below [`RESIDUAL_TOLERANCE`] of the largest variance, at most
//! [`MAX_ITERATIONS`] times.

use nalgebra::{DMatrix, SymmetricEigen};
use rand::{Rng, SeedableRng};

use crate::table::RowMatrix;
use crate::KMeansError;

/// Vectors in the block iterated together (the wanted axes plus oversampling, which makes
/// the iteration converge as `(lambda_BLOCK / lambda_k)^t` rather than by the gap after axis k).
pub const BLOCK: usize = 32;

/// An axis is accepted when `|C v - lambda v|` is below this share of the largest variance.
pub const RESIDUAL_TOLERANCE: f64 = 1e-11;

/// Most subspace iterations (each is two passes over the table); a table whose variances are
/// too close together to separate within them gets the axes reached by then, which capture
/// nearly the largest variance but are not exactly the principal axes.
pub const MAX_ITERATIONS: usize = 300;

/// A fitted PCA: the column means and the leading principal axes of a table.
///
/// The axes are the eigenvectors of the (population) covariance matrix, in decreasing order of
/// variance, computed as the module documentation says; each axis's sign is fixed so that its
/// largest-magnitude coordinate is positive, so the same data always gives the same picture.
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

/// `p` vectors of `d` values, stored row-major (`d` rows of `p`): a block of candidate axes.
struct Block {
    d: usize,
    p: usize,
    values: Vec<f64>,
}

impl Block {
    fn identity(d: usize) -> Block {
        let mut values = vec![0.0; d * d];
        for j in 0..d {
            values[j * d + j] = 1.0;
        }
        Block { d, p: d, values }
    }

    /// An orthonormal basis of the block's span (Householder QR, so the span is kept even
    /// when the block is rank-deficient).
    fn orthonormal(&self) -> Block {
        let q = DMatrix::from_row_slice(self.d, self.p, &self.values)
            .qr()
            .q();
        let mut values = Vec::with_capacity(self.d * self.p);
        for j in 0..self.d {
            values.extend(q.row(j).iter());
        }
        Block {
            d: self.d,
            p: self.p,
            values,
        }
    }

    /// The covariance of `data` (centred by `mean`) applied to every vector of the block:
    /// `X_c^T (X_c Q) / n`, two passes over the rows.
    fn covariance_times(&self, data: &RowMatrix, mean: &[f64]) -> Block {
        let (d, p, n) = (self.d, self.p, data.n_rows());
        let mut out = vec![0.0; d * p];
        let mut y = vec![0.0; p];
        for i in 0..n {
            y.iter_mut().for_each(|v| *v = 0.0);
            for (j, (x, m)) in data.row(i).iter().zip(mean).enumerate() {
                let c = x - m;
                if c != 0.0 {
                    for (yk, q) in y.iter_mut().zip(&self.values[j * p..(j + 1) * p]) {
                        *yk += c * q;
                    }
                }
            }
            for (j, (x, m)) in data.row(i).iter().zip(mean).enumerate() {
                let c = x - m;
                if c != 0.0 {
                    for (o, yk) in out[j * p..(j + 1) * p].iter_mut().zip(&y) {
                        *o += c * yk;
                    }
                }
            }
        }
        let scale = 1.0 / n as f64;
        out.iter_mut().for_each(|v| *v *= scale);
        Block { d, p, values: out }
    }

    /// `self^T other` (p x p), for two blocks of the same shape.
    fn inner(&self, other: &Block) -> DMatrix<f64> {
        let p = self.p;
        let mut h = DMatrix::<f64>::zeros(p, p);
        for j in 0..self.d {
            let a = &self.values[j * p..(j + 1) * p];
            let b = &other.values[j * p..(j + 1) * p];
            for r in 0..p {
                for c in 0..p {
                    h[(r, c)] += a[r] * b[c];
                }
            }
        }
        h
    }

    /// The vector `self * w` (one value per row of the block).
    fn times(&self, w: &[f64]) -> Vec<f64> {
        (0..self.d)
            .map(|j| {
                self.values[j * self.p..(j + 1) * self.p]
                    .iter()
                    .zip(w)
                    .map(|(a, b)| a * b)
                    .sum()
            })
            .collect()
    }
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
        let (mean, var) = data.column_mean_var();
        let total: f64 = var.iter().map(|v| v.max(0.0)).sum();
        let take = n_components.min(d);
        let p = d.min(BLOCK.max(take));
        // Every direction at once for a narrow table; else a fixed pseudo-random start (the same
        // picture on every run).
        let mut q = if d <= p {
            Block::identity(d)
        } else {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed_9ca0);
            Block {
                d,
                p,
                values: (0..d * p).map(|_| rng.random_range(-1.0..1.0)).collect(),
            }
            .orthonormal()
        };
        let mut iteration = 0;
        let (values, vectors) = loop {
            let cq = q.covariance_times(data, &mean);
            let h = q.inner(&cq);
            let h = (&h + h.transpose()) * 0.5;
            let eigen = SymmetricEigen::new(h);
            let mut order: Vec<usize> = (0..p).collect();
            order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
            let ritz: Vec<(f64, Vec<f64>, Vec<f64>)> = order
                .iter()
                .take(take)
                .map(|&i| {
                    let w: Vec<f64> = eigen.eigenvectors.column(i).iter().copied().collect();
                    (eigen.eigenvalues[i], q.times(&w), cq.times(&w))
                })
                .collect();
            let largest = ritz.first().map_or(0.0, |r| r.0.max(0.0));
            let converged = ritz.iter().all(|(theta, v, cv)| {
                let residual: f64 = cv
                    .iter()
                    .zip(v)
                    .map(|(a, b)| (a - theta * b).powi(2))
                    .sum::<f64>()
                    .sqrt();
                residual <= RESIDUAL_TOLERANCE * largest
            });
            iteration += 1;
            if d <= p || converged || iteration >= MAX_ITERATIONS {
                let mut values = Vec::with_capacity(take);
                let mut vectors = Vec::with_capacity(take);
                for (theta, v, _) in ritz {
                    values.push(theta);
                    vectors.push(v);
                }
                break (values, vectors);
            }
            q = cq.orthonormal();
        };
        let mut components = Vec::with_capacity(take);
        let mut explained_variance_ratio = Vec::with_capacity(take);
        for (theta, mut axis) in values.into_iter().zip(vectors) {
            let norm = axis.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                axis.iter_mut().for_each(|v| *v /= norm);
            }
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
                (theta.max(0.0) / total).min(1.0)
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

    /// The former exact PCA, the reference: eigenvectors of the whole d x d covariance.
    fn exact_pca(data: &RowMatrix, take: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
        let (n, d) = (data.n_rows(), data.n_cols());
        let (mean, _) = data.column_mean_var();
        let mut cov = DMatrix::<f64>::zeros(d, d);
        for i in 0..n {
            for a in 0..d {
                for b in 0..d {
                    cov[(a, b)] += (data.row(i)[a] - mean[a]) * (data.row(i)[b] - mean[b]);
                }
            }
        }
        cov /= n as f64;
        let eigen = SymmetricEigen::new(cov);
        let total: f64 = eigen.eigenvalues.iter().map(|v| v.max(0.0)).sum();
        let mut order: Vec<usize> = (0..d).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let axes = order[..take]
            .iter()
            .map(|&i| eigen.eigenvectors.column(i).iter().copied().collect())
            .collect();
        let ratios = order[..take]
            .iter()
            .map(|&i| eigen.eigenvalues[i].max(0.0) / total)
            .collect();
        (axes, ratios)
    }

    /// A table whose variances decay geometrically along random directions, plus noise.
    fn decaying_table(n: usize, d: usize, seed: u64) -> RowMatrix {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut rows = vec![0.0; n * d];
        for r in 0..d.min(12) {
            let direction: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
            let scale = 0.6f64.powi(r as i32) * 10.0;
            for i in 0..n {
                let t = rng.random_range(-1.0..1.0) * scale;
                for (x, v) in rows[i * d..(i + 1) * d].iter_mut().zip(&direction) {
                    *x += t * v;
                }
            }
        }
        for x in rows.iter_mut() {
            *x += rng.random_range(-0.01..0.01) + 3.0;
        }
        RowMatrix::from_row_major(&rows, d).unwrap()
    }

    /// The same axes as the exact covariance PCA, up to sign: `1 - |cos|` below 1e-9 and the
    /// variance shares within 1e-9, on tables narrower than the block (solved exactly), wider
    /// than it (iterated) and with fewer rows than columns.
    #[test]
    fn axes_equal_the_exact_pca_up_to_sign() {
        for (n, d, seed) in [
            (300, 12, 1),
            (500, 80, 2),
            (20, 200, 3),
            (40, 33, 4),
            (7, 3, 5),
        ] {
            let data = decaying_table(n, d, seed);
            let pca = Pca::fit(&data, 2).unwrap();
            let (axes, ratios) = exact_pca(&data, 2);
            for c in 0..2 {
                let cos: f64 = pca.components[c]
                    .iter()
                    .zip(&axes[c])
                    .map(|(a, b)| a * b)
                    .sum();
                assert!(1.0 - cos.abs() < 1e-9, "{n}x{d} axis {c}: cos {cos}");
                let ratio = pca.explained_variance_ratio[c];
                assert!(
                    (ratio - ratios[c]).abs() < 1e-9,
                    "{n}x{d}: {ratio} vs {}",
                    ratios[c]
                );
            }
        }
    }

    /// 20,000 columns: no columns x columns matrix (that would be 3.2 GB), unit orthogonal axes
    /// whose variances are the two largest eigenvalues of the rows' n x n Gram matrix.
    #[test]
    fn a_table_of_20000_columns_projects_in_memory_of_its_own_size() {
        let (n, d) = (30, 20_000);
        let data = decaying_table(n, d, 6);
        let pca = Pca::fit(&data, 2).unwrap();
        let [a, b] = [&pca.components[0], &pca.components[1]];
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>();
        assert!((dot(a, a) - 1.0).abs() < 1e-12 && (dot(b, b) - 1.0).abs() < 1e-12);
        assert!(dot(a, b).abs() < 1e-10);
        let (mean, var) = data.column_mean_var();
        let total: f64 = var.iter().sum();
        let mut gram = DMatrix::<f64>::zeros(n, n);
        for i in 0..n {
            for k in 0..n {
                gram[(i, k)] = (0..d)
                    .map(|j| (data.row(i)[j] - mean[j]) * (data.row(k)[j] - mean[j]))
                    .sum::<f64>()
                    / n as f64;
            }
        }
        let mut eig: Vec<f64> = SymmetricEigen::new(gram)
            .eigenvalues
            .iter()
            .copied()
            .collect();
        eig.sort_by(|x, y| y.total_cmp(x));
        for (c, (value, got)) in eig.iter().zip(&pca.explained_variance_ratio).enumerate() {
            let expected = value / total;
            assert!(
                (got - expected).abs() < 1e-9,
                "axis {c}: {got} vs {expected}"
            );
        }
        let points = pca_2d(&data).unwrap().points;
        assert_eq!(points.len(), n);
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

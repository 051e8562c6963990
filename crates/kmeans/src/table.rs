//! `RowMatrix`: the validated, row-major, contiguous `f64` table every algorithm runs on.

use nalgebra::DMatrix;
use polars::prelude::{DataFrame, DataType};

use crate::KMeansError;

/// The largest magnitude a value to cluster may have: `1e140`.
///
/// k-means sums squared differences, and `(2 * 1e140)^2` summed over a million columns and a
/// billion rows is still about `4e295`, far from `f64::MAX` (about `1.8e308`); values near
/// `1e155` already square to infinity. Larger values are rejected with
/// [`KMeansError::TooLarge`] instead of producing infinite distances and inertia (rescale the
/// column first).
pub const MAX_ABS_VALUE: f64 = 1e140;

/// A dense table of finite `f64` values of magnitude at most [`MAX_ABS_VALUE`], stored
/// row-major (`data[row * n_cols + col]`), with one name per column.
///
/// Built from a polars [`DataFrame`], an nalgebra [`DMatrix`] or a row-major slice; every
/// constructor rejects NaN, infinite, null and too large values with an error naming the row
/// and column.
#[derive(Debug, Clone, PartialEq)]
pub struct RowMatrix {
    data: Vec<f64>,
    n_rows: usize,
    n_cols: usize,
    columns: Vec<String>,
}

/// Default column names `x0, x1, ...` for data without names.
fn default_names(n_cols: usize) -> Vec<String> {
    (0..n_cols).map(|j| format!("x{j}")).collect()
}

/// The first name of `names` that appears again later, if any.
pub(crate) fn first_repeated<S: AsRef<str>>(names: &[S]) -> Option<&str> {
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .map(AsRef::as_ref)
        .find(|name| !seen.insert(*name))
}

impl RowMatrix {
    /// Wraps a row-major slice of `n_cols` columns (columns named `x0, x1, ...`).
    ///
    /// Errors: `n_cols == 0` ([`KMeansError::NoNumericColumns`]), length not a multiple of
    /// `n_cols` ([`KMeansError::Ragged`]), non-finite values ([`KMeansError::NonFinite`]).
    pub fn from_row_major(data: &[f64], n_cols: usize) -> Result<Self, KMeansError> {
        Self::from_row_major_named(data.to_vec(), default_names(n_cols))
    }

    /// Wraps a row-major vector whose columns have the given names (one per column).
    pub fn from_row_major_named(data: Vec<f64>, columns: Vec<String>) -> Result<Self, KMeansError> {
        let n_cols = columns.len();
        if n_cols == 0 {
            return Err(KMeansError::NoNumericColumns);
        }
        if !data.len().is_multiple_of(n_cols) {
            return Err(KMeansError::Ragged {
                values: data.len(),
                n_cols,
            });
        }
        let n_rows = data.len() / n_cols;
        if let Some(pos) = data.iter().position(|v| !v.is_finite()) {
            return Err(KMeansError::NonFinite {
                row: pos / n_cols,
                column: columns[pos % n_cols].clone(),
                value: data[pos],
            });
        }
        if let Some(pos) = data.iter().position(|v| v.abs() > MAX_ABS_VALUE) {
            return Err(KMeansError::TooLarge {
                row: pos / n_cols,
                column: columns[pos % n_cols].clone(),
                value: data[pos],
            });
        }
        Ok(Self {
            data,
            n_rows,
            n_cols,
            columns,
        })
    }

    /// Copies an nalgebra matrix (one row per observation; columns named `x0, x1, ...`).
    pub fn from_dmatrix(m: &DMatrix<f64>) -> Result<Self, KMeansError> {
        let (n_rows, n_cols) = m.shape();
        let mut data = Vec::with_capacity(n_rows * n_cols);
        for i in 0..n_rows {
            data.extend(m.row(i).iter().copied());
        }
        Self::from_row_major_named(data, default_names(n_cols))
    }

    /// Extracts columns of a DataFrame, cast to `f64`.
    ///
    /// `columns = None` takes every primitive numeric column (integer or float) in the frame's
    /// order and ignores the others (e.g. a `file` string column). `Some(names)` takes exactly
    /// those columns in that order; an unknown name is [`KMeansError::UnknownColumn`], a
    /// non-numeric one [`KMeansError::NotNumeric`]. Nulls are [`KMeansError::Null`], NaN and
    /// infinities [`KMeansError::NonFinite`], both naming row and column.
    pub fn from_dataframe(df: &DataFrame, columns: Option<&[&str]>) -> Result<Self, KMeansError> {
        let names: Vec<String> = match columns {
            Some(list) => {
                if let Some(name) = first_repeated(list) {
                    return Err(KMeansError::DuplicateColumn {
                        name: name.to_string(),
                    });
                }
                for name in list {
                    let col = df.column(name).map_err(|_| KMeansError::UnknownColumn {
                        name: (*name).to_string(),
                        available: df
                            .get_column_names()
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })?;
                    if !col.dtype().is_primitive_numeric() {
                        return Err(KMeansError::NotNumeric {
                            name: (*name).to_string(),
                            dtype: col.dtype().to_string(),
                        });
                    }
                }
                list.iter().map(|s| (*s).to_string()).collect()
            }
            None => df
                .columns()
                .iter()
                .filter(|c| c.dtype().is_primitive_numeric())
                .map(|c| c.name().to_string())
                .collect(),
        };
        if names.is_empty() {
            return Err(KMeansError::NoNumericColumns);
        }
        let n_rows = df.height();
        let n_cols = names.len();
        let mut data = vec![0.0; n_rows * n_cols];
        for (j, name) in names.iter().enumerate() {
            let series = df
                .column(name)?
                .as_materialized_series()
                .cast(&DataType::Float64)?;
            let ca = series.f64()?;
            for (i, v) in ca.iter().enumerate() {
                match v {
                    None => {
                        return Err(KMeansError::Null {
                            row: i,
                            column: name.clone(),
                        })
                    }
                    Some(x) if !x.is_finite() => {
                        return Err(KMeansError::NonFinite {
                            row: i,
                            column: name.clone(),
                            value: x,
                        })
                    }
                    Some(x) => data[i * n_cols + j] = x,
                }
            }
        }
        Self::from_row_major_named(data, names)
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The row-major values.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Row `i` (panics if `i >= n_rows`, like slice indexing).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// How many rows are distinct (bit-for-bit, with `-0.0` equal to `0.0`).
    pub fn n_distinct_rows(&self) -> usize {
        let mut seen = std::collections::HashSet::new();
        for i in 0..self.n_rows {
            let bits: Vec<u64> = self.row(i).iter().map(|v| (v + 0.0).to_bits()).collect();
            seen.insert(bits);
        }
        seen.len()
    }

    /// Keeps only the rows whose index is listed, in that order (indices must be `< n_rows`).
    pub fn select_rows(&self, rows: &[usize]) -> Result<Self, KMeansError> {
        let mut data = Vec::with_capacity(rows.len() * self.n_cols);
        for &i in rows {
            if i >= self.n_rows {
                return Err(KMeansError::OutOfRange {
                    what: "row",
                    index: i,
                    bound: self.n_rows,
                });
            }
            data.extend_from_slice(self.row(i));
        }
        Self::from_row_major_named(data, self.columns.clone())
    }

    /// Per-column population mean and variance (`ddof = 0`, as `np.var(X, axis=0)`).
    ///
    /// Rows are cut into fixed chunks of `CHUNK_ROWS`; each chunk's mean and sum of squared
    /// deviations `M2 = sum (x - mean)^2` are computed two-pass (in cache) and in parallel, then
    /// combined in chunk order with Chan et al.'s pairwise update
    /// `mean_ab = mean_a + delta * n_b / n_ab`, `M2_ab = M2_a + M2_b + delta^2 * n_a * n_b / n_ab`
    /// (`delta = mean_b - mean_a`); `var = M2 / n`. One pass over memory, the same result on
    /// any thread count, and exactly the plain two-pass result for tables of one chunk.
    pub fn column_mean_var(&self) -> (Vec<f64>, Vec<f64>) {
        use rayon::prelude::*;
        let d = self.n_cols;
        let chunk = crate::lloyd::CHUNK_ROWS;
        let parts: Vec<(f64, Vec<f64>, Vec<f64>)> = self
            .data
            .par_chunks(chunk * d.max(1))
            .map(|rows| {
                let n = (rows.len() / d.max(1)) as f64;
                let mut mean = vec![0.0; d];
                for row in rows.chunks_exact(d) {
                    for (m, x) in mean.iter_mut().zip(row) {
                        *m += x;
                    }
                }
                mean.iter_mut().for_each(|m| *m /= n);
                let mut m2 = vec![0.0; d];
                for row in rows.chunks_exact(d) {
                    for ((v, x), m) in m2.iter_mut().zip(row).zip(&mean) {
                        let t = x - m;
                        *v += t * t;
                    }
                }
                (n, mean, m2)
            })
            .collect();
        let mut iter = parts.into_iter();
        let (mut n, mut mean, mut m2) = iter.next().unwrap_or((0.0, vec![0.0; d], vec![0.0; d]));
        for (nb, mb, m2b) in iter {
            let nab = n + nb;
            for j in 0..d {
                let delta = mb[j] - mean[j];
                mean[j] += delta * nb / nab;
                m2[j] += m2b[j] + delta * delta * n * nb / nab;
            }
            n = nab;
        }
        let n = n.max(1.0);
        m2.iter_mut().for_each(|v| *v /= n);
        (mean, m2)
    }

    /// Returns a copy with each column transformed as `(x - mean) / scale`.
    ///
    /// Errors: [`KMeansError::ScalingOverflow`] when the transform takes a value beyond
    /// [`MAX_ABS_VALUE`] (a scale of `1e-300` read from a hostile model, say).
    pub fn scaled(&self, scaling: &Scaling) -> Result<Self, KMeansError> {
        let mut data = self.data.clone();
        for row in data.chunks_exact_mut(self.n_cols) {
            for ((x, m), s) in row.iter_mut().zip(&scaling.mean).zip(&scaling.scale) {
                *x = (*x - m) / s;
            }
        }
        Self::from_row_major_named(data, self.columns.clone()).map_err(|e| match e {
            KMeansError::NonFinite { row, column, .. }
            | KMeansError::TooLarge { row, column, .. } => {
                KMeansError::ScalingOverflow { row, column }
            }
            other => other,
        })
    }
}

/// Per-column z-score standardisation `z = (x - mean) / scale`, remembered by a model so that
/// `predict` applies the same transform.
///
/// `scale` is the population standard deviation (`ddof = 0`, as scikit-learn's
/// `StandardScaler`); a zero-variance column gets `scale = 1` so it maps to 0, never NaN.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scaling {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column scales (standard deviation, or 1 for a constant column).
    pub scale: Vec<f64>,
}

impl Scaling {
    /// Fits the standardisation of every column of `data`.
    pub fn fit(data: &RowMatrix) -> Self {
        let (mean, var) = data.column_mean_var();
        Self::from_mean_var(mean, &var)
    }

    /// The standardisation of columns of these means and population variances (the rule of
    /// [`Scaling::fit`]: a variance at rounding-noise level of the mean gives `scale = 1`).
    pub fn from_mean_var(mean: Vec<f64>, var: &[f64]) -> Self {
        let scale = var
            .iter()
            .zip(&mean)
            .map(|(v, m)| {
                let s = v.sqrt();
                // Treat variance at rounding-noise level of the mean as zero (constant column).
                if s <= 10.0 * f64::EPSILON * m.abs().max(f64::MIN_POSITIVE) || s == 0.0 {
                    1.0
                } else {
                    s
                }
            })
            .collect();
        Self { mean, scale }
    }
}

#[cfg(test)]
mod tests {
    use super::RowMatrix;

    /// The chunked, pairwise-combined mean and variance agree with a plain two-pass computation
    /// on a table of several chunks (with an offset that would hurt a one-pass sum of squares).
    #[test]
    fn chunked_mean_var_matches_two_pass() {
        let (n, d) = (5 * crate::lloyd::CHUNK_ROWS + 77, 3);
        let data: Vec<f64> = (0..n * d)
            .map(|i| 1e6 + ((i * 7919) % 1013) as f64 * 0.37 - (i % d) as f64 * 50.0)
            .collect();
        let m = RowMatrix::from_row_major(&data, d).unwrap();
        let (mean, var) = m.column_mean_var();
        for j in 0..d {
            let col: Vec<f64> = data.iter().skip(j).step_by(d).copied().collect();
            let mu = col.iter().sum::<f64>() / n as f64;
            let v = col.iter().map(|x| (x - mu) * (x - mu)).sum::<f64>() / n as f64;
            assert!(
                (mean[j] - mu).abs() <= 1e-12 * mu.abs(),
                "{} vs {mu}",
                mean[j]
            );
            assert!((var[j] - v).abs() <= 1e-10 * v, "{} vs {v}", var[j]);
            assert!(v > 1000.0);
        }
    }
}

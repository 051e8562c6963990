//! A fitted similarity space: each column z-scored with the table's mean and population std,
//! weighted by `1 / sqrt(columns in its group)` (so that a group of many columns counts as
//! much as a group of few), then projected on the leading principal axes. Euclidean distance
//! between projected rows is the similarity; [`crate::NeighbourIndex`] searches it exactly.
//!
//! Everything fitted (means, stds, weights, axes) is plain data that serialises to JSON, so the
//! same space is applied to new rows (a query file, `predict`).

use serde::{Deserialize, Serialize};

use crate::projection::Pca;
use crate::table::RowMatrix;
use crate::KMeansError;

/// A column whose population std is below this is constant: its scale is 1 (it maps to 0).
pub const CONSTANT_STD: f64 = 1e-12;

/// A fitted similarity space (see the module documentation).
///
/// ```
/// use kmeans::{RowMatrix, SimilaritySpace};
///
/// // Two groups: "a" of one column, "b" of two (each of b's columns weighs 1/sqrt 2).
/// let rows = [0.0, 10.0, 5.0, 1.0, 30.0, 5.5, 2.0, 20.0, 6.0];
/// let data = RowMatrix::from_row_major_named(
///     rows.to_vec(),
///     vec!["x".into(), "y".into(), "z".into()],
/// )?;
/// let space = SimilaritySpace::fit(&data, &["a", "b", "b"], 2)?;
/// assert_eq!(space.n_axes(), 2);
/// let y = space.transform(&data)?;
/// assert_eq!((y.n_rows(), y.n_cols()), (3, 2));
/// # Ok::<(), kmeans::KMeansError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilaritySpace {
    /// The input columns, in order.
    columns: Vec<String>,
    /// Each column's group.
    groups: Vec<String>,
    /// Column means of the fitted table.
    mean: Vec<f64>,
    /// Column population stds (1 for a constant column).
    scale: Vec<f64>,
    /// Column weights, `1 / sqrt(columns in the group)`.
    weight: Vec<f64>,
    /// Mean of the weighted z rows (0 up to rounding on the fitted table), subtracted before
    /// projecting.
    centre: Vec<f64>,
    /// Principal axes of the weighted z rows (unit vectors of `columns.len()` values).
    axes: Vec<Vec<f64>>,
}

impl SimilaritySpace {
    /// Fits the space on the rows of `data`: `groups` names each column's group (one per
    /// column), `n_axes` the most principal axes kept (also at most `rows - 1` and the number
    /// of columns; with `rows - 1 <= n_axes` every distance between the fitted rows is kept
    /// exactly). `n_axes = 0` keeps every column (no projection).
    ///
    /// Errors: [`KMeansError::NoRows`], [`KMeansError::LengthMismatch`] if `groups` does not
    /// have one name per column.
    pub fn fit(data: &RowMatrix, groups: &[&str], n_axes: usize) -> Result<Self, KMeansError> {
        let (n, d) = (data.n_rows(), data.n_cols());
        if n == 0 {
            return Err(KMeansError::NoRows);
        }
        if groups.len() != d {
            return Err(KMeansError::LengthMismatch {
                what: "column groups",
                expected: d,
                found: groups.len(),
            });
        }
        let (mean, var) = data.column_mean_var();
        let scale = var
            .iter()
            .map(|v| {
                let s = v.max(0.0).sqrt();
                if s < CONSTANT_STD {
                    1.0
                } else {
                    s
                }
            })
            .collect();
        let weight = groups
            .iter()
            .map(|g| 1.0 / (groups.iter().filter(|h| *h == g).count() as f64).sqrt())
            .collect();
        let mut space = SimilaritySpace {
            columns: data.columns().to_vec(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            mean,
            scale,
            weight,
            centre: vec![0.0; d],
            axes: Vec::new(),
        };
        let z = space.weighted(data)?;
        let take = n_axes.min(n.saturating_sub(1)).min(d);
        if n_axes > 0 && take > 0 {
            let pca = Pca::fit(&z, take)?;
            space.centre = pca.mean;
            space.axes = pca.components;
        } else if n_axes > 0 {
            // One row: no direction has variance; every row maps to the origin of one axis.
            space.axes = vec![vec![0.0; d]];
        }
        Ok(space)
    }

    /// The input columns, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Each input column's group.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Dimensions of the space: the axes kept (the number of columns without projection).
    pub fn n_axes(&self) -> usize {
        if self.axes.is_empty() {
            self.columns.len()
        } else {
            self.axes.len()
        }
    }

    /// The weighted z-scores of the rows of `data` (`(x - mean) / scale * weight`).
    fn weighted(&self, data: &RowMatrix) -> Result<RowMatrix, KMeansError> {
        let d = self.columns.len();
        if data.n_cols() != d {
            return Err(KMeansError::ColumnCount {
                fitted: "similarity space",
                expected: d,
                found: data.n_cols(),
            });
        }
        let mut out = Vec::with_capacity(data.n_rows() * d);
        for i in 0..data.n_rows() {
            for (j, &x) in data.row(i).iter().enumerate() {
                out.push((x - self.mean[j]) / self.scale[j] * self.weight[j]);
            }
        }
        RowMatrix::from_row_major_named(out, self.columns.clone())
    }

    /// The rows of `data` (the fitted columns, in order) in the space: one row of
    /// [`n_axes`](Self::n_axes) coordinates each, columns named `axis_1`, ...
    pub fn transform(&self, data: &RowMatrix) -> Result<RowMatrix, KMeansError> {
        let z = self.weighted(data)?;
        if self.axes.is_empty() {
            return Ok(z);
        }
        let mut out = Vec::with_capacity(z.n_rows() * self.axes.len());
        for i in 0..z.n_rows() {
            let row = z.row(i);
            out.extend(self.axes.iter().map(|axis| {
                row.iter()
                    .zip(&self.centre)
                    .zip(axis)
                    .map(|((x, c), a)| (x - c) * a)
                    .sum::<f64>()
            }));
        }
        let names = (1..=self.axes.len()).map(|k| format!("axis_{k}")).collect();
        RowMatrix::from_row_major_named(out, names)
    }

    /// The space as JSON (every fitted number, exactly).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a similarity space serialises")
    }

    /// A space from [`to_json`](Self::to_json)'s text; `origin` names where it came from in
    /// errors.
    pub fn from_json(text: &str, origin: &std::path::Path) -> Result<Self, KMeansError> {
        let space: SimilaritySpace =
            serde_json::from_str(text).map_err(|source| KMeansError::Json {
                path: origin.to_path_buf(),
                source,
            })?;
        space.check().map_err(|reason| KMeansError::InvalidModel {
            path: origin.to_path_buf(),
            reason,
        })?;
        Ok(space)
    }

    /// Whether the fitted numbers are consistent (lengths agree, finite, scales positive).
    pub(crate) fn check(&self) -> Result<(), String> {
        let d = self.columns.len();
        if d == 0 {
            return Err("similarity space without columns".into());
        }
        for (what, v) in [
            ("mean", &self.mean),
            ("scale", &self.scale),
            ("weight", &self.weight),
            ("centre", &self.centre),
        ] {
            if v.len() != d {
                return Err(format!("{what} has {} values for {d} columns", v.len()));
            }
            if v.iter().any(|x| !x.is_finite()) {
                return Err(format!("{what} has a value that is not finite"));
            }
        }
        if self.groups.len() != d {
            return Err(format!("{} groups for {d} columns", self.groups.len()));
        }
        if self.scale.iter().any(|&s| s <= 0.0) {
            return Err("a scale is not positive".into());
        }
        if self
            .axes
            .iter()
            .any(|a| a.len() != d || a.iter().any(|x| !x.is_finite()))
        {
            return Err(format!("an axis does not have {d} finite values"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: usize, d: usize, seed: u64) -> RowMatrix {
        let mut state = seed;
        let values = (0..n * d)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64 * (1.0 + (i % d) as f64 * 10.0)
            })
            .collect();
        RowMatrix::from_row_major_named(values, (0..d).map(|j| format!("c{j}")).collect()).unwrap()
    }

    fn dist(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    /// With `rows - 1 <= axes`, the projection keeps every distance of the weighted z rows.
    #[test]
    fn few_rows_keep_every_distance() {
        let data = table(10, 6, 1);
        let groups = ["a", "a", "a", "a", "b", "c"];
        let full = SimilaritySpace::fit(&data, &groups, 0).unwrap();
        let projected = SimilaritySpace::fit(&data, &groups, 32).unwrap();
        // min(32 axes, 9 = rows - 1, 6 columns).
        assert_eq!(projected.n_axes(), 6);
        let (z, y) = (
            full.transform(&data).unwrap(),
            projected.transform(&data).unwrap(),
        );
        for i in 0..10 {
            for j in 0..10 {
                let (a, b) = (dist(z.row(i), z.row(j)), dist(y.row(i), y.row(j)));
                assert!((a - b).abs() < 1e-12, "{a} {b}");
            }
        }
        // Weights: group a (4 columns) 1/2, b and c 1; z-scores have unit std.
        let col = |j: usize| (0..10).map(|i| z.row(i)[j]).collect::<Vec<_>>();
        let std = |v: Vec<f64>| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        assert!((std(col(0)) - 0.5).abs() < 1e-12);
        assert!((std(col(5)) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_space_round_trips_through_json_and_bad_json_is_explained() {
        let data = table(20, 4, 2);
        let space = SimilaritySpace::fit(&data, &["a", "a", "b", "b"], 2).unwrap();
        let back = SimilaritySpace::from_json(&space.to_json(), "s.json".as_ref()).unwrap();
        assert_eq!(space, back);
        let mut broken: serde_json::Value = serde_json::from_str(&space.to_json()).unwrap();
        broken["scale"] = serde_json::json!([1.0, 0.0, 1.0, 1.0]);
        let err = SimilaritySpace::from_json(&broken.to_string(), "s.json".as_ref())
            .unwrap_err()
            .to_string();
        assert!(err.contains("s.json") && err.contains("scale"), "{err}");
        assert!(SimilaritySpace::fit(&data, &["a"], 2).is_err());
    }

    #[test]
    fn a_constant_column_maps_to_zero() {
        let data = RowMatrix::from_row_major_named(
            vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0],
            vec!["x".into(), "k".into()],
        )
        .unwrap();
        let space = SimilaritySpace::fit(&data, &["a", "b"], 0).unwrap();
        let z = space.transform(&data).unwrap();
        assert!((0..3).all(|i| z.row(i)[1] == 0.0));
    }
}

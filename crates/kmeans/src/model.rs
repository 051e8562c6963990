//! `KMeansModel` (centroids + scaling, predict, JSON save/load) and `KMeansFit` (a model plus
//! the labels and distances of the fitted rows).

use std::path::Path;

use nalgebra::DMatrix;
use polars::prelude::DataFrame;

use crate::lloyd::{assign, sq_dist};
use crate::params::KMeansValidParams;
use crate::table::{RowMatrix, Scaling};
use crate::KMeansError;

/// Largest model file [`KMeansModel::load`] reads: 64 MiB.
pub const MAX_MODEL_BYTES: u64 = 64 << 20;

/// A fitted k-means model: what is needed to assign new rows, plus how it was made.
/// Serialised to JSON by [`KMeansModel::save`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KMeansModel {
    /// Number of clusters.
    pub(crate) k: usize,
    /// Names of the columns the model was fitted on, in order.
    pub(crate) columns: Vec<String>,
    /// `k` centroids of `columns.len()` values, in the fitted space (z-scores when `scaling`
    /// is set; see [`KMeansModel::centroids_in_input_units`]).
    pub(crate) centroids: Vec<Vec<f64>>,
    /// Standardisation applied before clustering, if any.
    pub(crate) scaling: Option<Scaling>,
    /// The seed actually used.
    pub(crate) seed: u64,
    /// Sum of squared distances of the fitted rows to their centroid (for a streamed
    /// mini-batch model: of the last batch).
    pub(crate) inertia: f64,
    /// The parameters of the fit (seed resolved).
    pub(crate) params: KMeansValidParams,
}

/// The result of a fit: the model plus per-row results on the fitted table.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansFit {
    /// The fitted model.
    pub model: KMeansModel,
    /// Cluster of each row, in `0..k`.
    pub labels: Vec<usize>,
    /// Euclidean distance of each row to its centroid (in the fitted space).
    pub distances: Vec<f64>,
    /// Lloyd rounds run by the kept run (mini-batch: batches processed).
    pub iterations: usize,
    /// Whether the kept run stopped by convergence rather than by `max_iter`.
    pub converged: bool,
}

impl KMeansFit {
    /// Sum of squared distances of the rows to their centroid.
    pub fn inertia(&self) -> f64 {
        self.model.inertia
    }
    /// The centroids (fitted space).
    pub fn centroids(&self) -> &[Vec<f64>] {
        &self.model.centroids
    }
    /// How many fitted rows each cluster holds (`k` counts). A zero means the cluster is empty:
    /// the table has fewer distinct rows than `k`.
    pub fn cluster_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.model.k];
        for &label in &self.labels {
            if let Some(n) = sizes.get_mut(label) {
                *n += 1;
            }
        }
        sizes
    }
}

impl KMeansModel {
    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Names of the columns the model was fitted on, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }
    /// The `k` centroids in the fitted space (z-scores with [`Self::scaling`]; see
    /// [`Self::centroids_in_input_units`]).
    pub fn centroids(&self) -> &[Vec<f64>] {
        &self.centroids
    }
    /// The standardisation applied before clustering, if any.
    pub fn scaling(&self) -> Option<&Scaling> {
        self.scaling.as_ref()
    }
    /// The seed actually used.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Sum of squared distances of the fitted rows to their centroid (for a model of
    /// [`crate::MiniBatchKMeans::finish`]: an estimate from the last batch; of
    /// [`crate::MiniBatchParams::fit_chunks`]: exact, from its last pass).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }
    /// The parameters of the fit (seed resolved).
    pub fn params(&self) -> &KMeansValidParams {
        &self.params
    }

    /// Nearest centroid of each row (squared Euclidean, first minimum on ties), after the
    /// model's scaling. The table must have the model's number of columns.
    pub fn predict(&self, data: &RowMatrix) -> Result<Vec<usize>, KMeansError> {
        Ok(self.predict_with_distances(data)?.0)
    }

    /// Like [`KMeansModel::predict`], also returning each row's Euclidean distance to its centroid.
    pub fn predict_with_distances(
        &self,
        data: &RowMatrix,
    ) -> Result<(Vec<usize>, Vec<f64>), KMeansError> {
        let (labels, dist2) = self.assign_rows(data)?;
        Ok((labels, dist2.into_iter().map(f64::sqrt).collect()))
    }

    /// `data` in the space the model was fitted in (its scaling applied, borrowed when there is
    /// none); an error if it does not have the model's columns.
    fn fitted_space<'a>(
        &self,
        data: &'a RowMatrix,
    ) -> Result<std::borrow::Cow<'a, RowMatrix>, KMeansError> {
        if data.n_cols() != self.columns.len() {
            return Err(KMeansError::ColumnCount {
                fitted: "model",
                expected: self.columns.len(),
                found: data.n_cols(),
            });
        }
        Ok(match &self.scaling {
            Some(s) => std::borrow::Cow::Owned(data.scaled(s)?),
            None => std::borrow::Cow::Borrowed(data),
        })
    }

    /// Labels and squared distances (fitted space) of the rows of `data`.
    pub(crate) fn assign_rows(
        &self,
        data: &RowMatrix,
    ) -> Result<(Vec<usize>, Vec<f64>), KMeansError> {
        let d = self.columns.len();
        let x = self.fitted_space(data)?;
        let x = x.as_ref();
        let flat: Vec<f64> = self.centroids.iter().flatten().copied().collect();
        let n = x.n_rows();
        let mut labels = vec![0; n];
        let mut dist2 = vec![0.0; n];
        if n > 0 {
            assign(
                x.as_slice(),
                d,
                &flat,
                self.k,
                &mut labels,
                &mut dist2,
                false,
            );
        }
        Ok((labels, dist2))
    }

    /// Euclidean distance of every row to every centroid, row-major `n_rows x k`, after the
    /// model's scaling (scikit-learn's `transform`). The table must have the model's columns.
    pub fn distances_to_centroids(&self, data: &RowMatrix) -> Result<Vec<f64>, KMeansError> {
        let x = self.fitted_space(data)?;
        let x = x.as_ref();
        let mut out = Vec::with_capacity(x.n_rows() * self.k);
        for i in 0..x.n_rows() {
            let row = x.row(i);
            out.extend(self.centroids.iter().map(|c| sq_dist(row, c).sqrt()));
        }
        Ok(out)
    }

    /// Predicts the rows of a DataFrame, reading the model's columns by name.
    pub fn predict_dataframe(&self, df: &DataFrame) -> Result<Vec<usize>, KMeansError> {
        let names: Vec<&str> = self.columns.iter().map(String::as_str).collect();
        self.predict(&RowMatrix::from_dataframe(df, Some(&names))?)
    }

    /// Predicts the rows of an nalgebra matrix (columns in the model's order).
    pub fn predict_matrix(&self, m: &DMatrix<f64>) -> Result<Vec<usize>, KMeansError> {
        self.predict(&RowMatrix::from_dmatrix(m)?)
    }

    /// Centroids mapped back to the input units (`c * scale + mean`; unchanged without scaling).
    pub fn centroids_in_input_units(&self) -> Vec<Vec<f64>> {
        match &self.scaling {
            None => self.centroids.clone(),
            Some(s) => self
                .centroids
                .iter()
                .map(|c| {
                    c.iter()
                        .zip(&s.scale)
                        .zip(&s.mean)
                        .map(|((v, sc), m)| v * sc + m)
                        .collect()
                })
                .collect(),
        }
    }

    /// The model as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain numbers, strings and vectors cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the model as JSON, atomically: a reader sees the old file or the complete new
    /// one, never a half-written model, and an interrupted write leaves no temporary file
    /// ([`durable_output::write_atomic`]).
    pub fn save(&self, path: &Path) -> Result<(), KMeansError> {
        let json = self.to_json();
        durable_output::write_atomic::<durable_output::OutputError>(path, |out| {
            out.write_all(json.as_bytes())
                .map_err(|e| durable_output::OutputError::new(path, e))
        })
        .map_err(|e| KMeansError::Io {
            path: e.path,
            source: e.source,
        })
    }

    /// Reads a model written by [`KMeansModel::save`]; malformed JSON is
    /// [`KMeansError::Json`], inconsistent contents (shapes, non-finite values) are
    /// [`KMeansError::InvalidModel`].
    ///
    /// At most [`MAX_MODEL_BYTES`] are read (a model of 1,000 centroids of 1,000 columns takes
    /// about 20 MB), so a wrong path such as a device or a huge file is an error, not a hang.
    pub fn load(path: &Path) -> Result<Self, KMeansError> {
        use std::io::Read;
        let io_err = |source| KMeansError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let too_big = || KMeansError::InvalidModel {
            path: path.to_path_buf(),
            reason: format!("larger than {MAX_MODEL_BYTES} bytes: not a model file"),
        };
        if file
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() > MAX_MODEL_BYTES)
        {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        file.take(MAX_MODEL_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
        if bytes.len() as u64 > MAX_MODEL_BYTES {
            return Err(too_big());
        }
        let text = String::from_utf8(bytes).map_err(|_| KMeansError::InvalidModel {
            path: path.to_path_buf(),
            reason: "not UTF-8 text: not a model file".into(),
        })?;
        Self::from_json(&text, path)
    }

    /// Parses and checks a model from JSON text (`origin` names it in errors).
    pub fn from_json(text: &str, origin: &Path) -> Result<Self, KMeansError> {
        let model: Self = serde_json::from_str(text).map_err(|source| KMeansError::Json {
            path: origin.to_path_buf(),
            source,
        })?;
        let bad = |reason: String| KMeansError::InvalidModel {
            path: origin.to_path_buf(),
            reason,
        };
        let d = model.columns.len();
        if d == 0 {
            return Err(bad("no columns".into()));
        }
        if let Some(name) = crate::table::first_repeated(&model.columns) {
            return Err(bad(format!(
                "column `{name}` is named twice in its columns"
            )));
        }
        if model.k == 0 || model.centroids.len() != model.k {
            return Err(bad(format!(
                "k = {} but {} centroids",
                model.k,
                model.centroids.len()
            )));
        }
        for (i, c) in model.centroids.iter().enumerate() {
            if c.len() != d {
                return Err(bad(format!(
                    "centroid {i} has {} values for {d} columns",
                    c.len()
                )));
            }
            if c.iter().any(|v| !v.is_finite()) {
                return Err(bad(format!("centroid {i} has a non-finite value")));
            }
            if let Some(v) = c.iter().find(|v| v.abs() > crate::MAX_ABS_VALUE) {
                return Err(bad(format!(
                    "centroid {i} has the value {v:e}, beyond the ±{:e} that can be clustered",
                    crate::MAX_ABS_VALUE
                )));
            }
        }
        if let Some(s) = &model.scaling {
            if s.mean.len() != d || s.scale.len() != d {
                return Err(bad(
                    "scaling length differs from the number of columns".into()
                ));
            }
            if s.mean.iter().chain(&s.scale).any(|v| !v.is_finite())
                || s.scale.iter().any(|&v| v <= 0.0)
            {
                return Err(bad("scaling has a non-finite or non-positive value".into()));
            }
            if s.mean.iter().any(|v| v.abs() > crate::MAX_ABS_VALUE) {
                return Err(bad(format!(
                    "scaling has a mean beyond ±{:e}",
                    crate::MAX_ABS_VALUE
                )));
            }
        }
        Ok(model)
    }
}

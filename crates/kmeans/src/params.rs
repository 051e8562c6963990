//! `KMeansParams`: the builder, its validation and the full-batch fit (n_init restarts of Lloyd).

use nalgebra::DMatrix;
use polars::prelude::DataFrame;
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::init::{kmeans_plusplus, random_rows, Init};
use crate::lloyd::lloyd;
use crate::model::{KMeansFit, KMeansModel};
use crate::table::{RowMatrix, Scaling};
use crate::KMeansError;

/// Entry point of the builders: `KMeans::params(k)` (full-batch Lloyd) and
/// `KMeans::minibatch(k)` (mini-batch k-means).
#[derive(Debug, Clone, Copy)]
pub struct KMeans;

impl KMeans {
    /// Parameters for `k` clusters with scikit-learn's defaults: `n_init = 10` (1 for
    /// deterministic inits), `max_iter = 300`, `tol = 1e-4`, k-means++, no standardisation, a
    /// random seed (recorded in the model).
    pub fn params(k: usize) -> KMeansParams {
        KMeansParams {
            k,
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
            init: Init::KMeansPlusPlus,
            seed: None,
            standardize: false,
            fixed_rounds: false,
        }
    }

    /// Mini-batch k-means parameters for `k` clusters (see [`crate::MiniBatchParams`]).
    pub fn minibatch(k: usize) -> crate::MiniBatchParams {
        crate::MiniBatchParams::new(k)
    }
}

/// Parameters of a k-means fit (builder; validated by [`KMeansParams::validate`], which every
/// `fit*` method calls first).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KMeansParams {
    /// Number of clusters, `1 <= k <= rows`.
    pub k: usize,
    /// Number of initialisations; the run with the lowest inertia is kept.
    pub n_init: usize,
    /// Maximum number of Lloyd rounds per run (`>= 1`).
    pub max_iter: usize,
    /// Relative tolerance (`>= 0`): a run stops when `sum_c ||c_new - c_old||^2 <= tol *
    /// mean_j var(X[:, j])` (scikit-learn's definition, variances of the fitted data).
    pub tol: f64,
    /// Initialisation method.
    pub init: Init,
    /// Seed of the random streams (`None`: drawn from the OS, then recorded in the model).
    pub seed: Option<u64>,
    /// Standardise each column to z-scores before clustering.
    pub standardize: bool,
    /// Run exactly `max_iter` rounds, no early stop (to reproduce the original pipeline).
    pub fixed_rounds: bool,
}

impl KMeansParams {
    /// Number of initialisations (random inits only).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    /// Maximum number of Lloyd rounds per run.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Relative convergence tolerance (see the field doc).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Initialisation method.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    /// Seed making the result reproducible on every machine and thread count.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Standardise columns (z-score) before clustering; the model remembers the scaling.
    pub fn standardize(mut self, on: bool) -> Self {
        self.standardize = on;
        self
    }
    /// Run exactly `max_iter` rounds without the convergence test.
    pub fn fixed_rounds(mut self, on: bool) -> Self {
        self.fixed_rounds = on;
        self
    }

    /// Checks the parameters against a table: `max_iter >= 1`, `n_init >= 1`, finite `tol >= 0`,
    /// at least one row, `1 <= k <= rows`, and given centroids of shape `k x n_cols` with finite
    /// values. (Finiteness of the data is guaranteed by [`RowMatrix`].)
    pub fn validate(&self, data: &RowMatrix) -> Result<(), KMeansError> {
        if self.max_iter == 0 {
            return Err(KMeansError::InvalidMaxIter);
        }
        if self.n_init == 0 {
            return Err(KMeansError::InvalidNInit);
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(KMeansError::InvalidTol { tol: self.tol });
        }
        if data.n_rows() == 0 {
            return Err(KMeansError::NoRows);
        }
        if self.k == 0 || self.k > data.n_rows() {
            return Err(KMeansError::InvalidK {
                k: self.k,
                n_rows: data.n_rows(),
            });
        }
        if let Init::Given(c) = &self.init {
            if c.len() != self.k {
                return Err(KMeansError::Shape(format!(
                    "{} given centroids for k = {}",
                    c.len(),
                    self.k
                )));
            }
            for (i, row) in c.iter().enumerate() {
                if row.len() != data.n_cols() {
                    return Err(KMeansError::Shape(format!(
                        "given centroid {i} has {} values, the table {} columns",
                        row.len(),
                        data.n_cols()
                    )));
                }
                if let Some(j) = row.iter().position(|v| !v.is_finite()) {
                    return Err(KMeansError::NonFinite {
                        row: i,
                        column: format!("given centroid column {}", data.columns()[j]),
                        value: row[j],
                    });
                }
            }
        }
        Ok(())
    }

    /// Fits on the named columns of a DataFrame (`None`: every numeric column), see
    /// [`RowMatrix::from_dataframe`].
    pub fn fit_dataframe(
        &self,
        df: &DataFrame,
        columns: Option<&[&str]>,
    ) -> Result<KMeansFit, KMeansError> {
        self.fit(&RowMatrix::from_dataframe(df, columns)?)
    }

    /// Fits on the rows of an nalgebra matrix.
    pub fn fit_matrix(&self, m: &DMatrix<f64>) -> Result<KMeansFit, KMeansError> {
        self.fit(&RowMatrix::from_dmatrix(m)?)
    }

    /// Fits on a row-major slice with `n_cols` columns.
    pub fn fit_rows(&self, data: &[f64], n_cols: usize) -> Result<KMeansFit, KMeansError> {
        self.fit(&RowMatrix::from_row_major(data, n_cols)?)
    }

    /// Fits k-means: validates, optionally standardises, then runs `n_init` initialisations of
    /// Lloyd's algorithm (one for [`Init::First`] / [`Init::Given`]) and keeps the run with the
    /// lowest inertia (the first on ties). Run `r` draws from its own stream
    /// `ChaCha8Rng::seed_from_u64(run_seed(seed, r))`, and all reductions use fixed chunks
    /// combined in order, so a seed gives bit-identical results on any thread count.
    pub fn fit(&self, data: &RowMatrix) -> Result<KMeansFit, KMeansError> {
        self.validate(data)?;
        let scaling = self.standardize.then(|| Scaling::fit(data));
        let scaled;
        let x = match &scaling {
            Some(s) => {
                scaled = data.scaled(s)?;
                &scaled
            }
            None => data,
        };
        let (_, var) = x.column_mean_var();
        let tol_abs = self.tol * var.iter().sum::<f64>() / var.len() as f64;
        let seed = self.seed.unwrap_or_else(|| rand::rng().random());
        let d = x.n_cols();
        let k = self.k;
        let runs = match self.init {
            Init::First | Init::Given(_) => {
                if self.n_init > 1 {
                    tracing::debug!("k-means: deterministic init, n_init ignored");
                }
                1
            }
            _ => self.n_init,
        };
        let mut best: Option<crate::lloyd::LloydOutcome> = None;
        for r in 0..runs {
            let mut rng = ChaCha8Rng::seed_from_u64(run_seed(seed, r as u64));
            let init = match &self.init {
                Init::KMeansPlusPlus => kmeans_plusplus(x.as_slice(), d, k, &mut rng),
                Init::Random => random_rows(x.as_slice(), d, k, &mut rng),
                Init::First => x.as_slice()[..k * d].to_vec(),
                Init::Given(c) => c.iter().flatten().copied().collect(),
            };
            let out = lloyd(
                x.as_slice(),
                d,
                k,
                init,
                self.max_iter,
                tol_abs,
                self.fixed_rounds,
            );
            if best.as_ref().is_none_or(|b| out.inertia < b.inertia) {
                best = Some(out);
            }
        }
        let best = best.ok_or(KMeansError::InvalidNInit)?;
        let mut params = self.clone();
        params.seed = Some(seed);
        let model = KMeansModel {
            k,
            columns: data.columns().to_vec(),
            centroids: best.centroids.chunks_exact(d).map(|c| c.to_vec()).collect(),
            scaling,
            seed,
            inertia: best.inertia,
            params,
        };
        Ok(KMeansFit {
            model,
            labels: best.labels,
            distances: best.dist2.par_iter().map(|v| v.sqrt()).collect(),
            iterations: best.iterations,
            converged: best.converged,
        })
    }
}

/// Seed of run `r` derived from the user seed (SplitMix64 finaliser of `seed ^ r * golden`).
pub(crate) fn run_seed(seed: u64, r: u64) -> u64 {
    let mut z = seed ^ r.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

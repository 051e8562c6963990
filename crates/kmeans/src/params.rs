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

/// The most restarts `n_init` accepts: far more than any use needs (scikit-learn's default is
/// 10), and low enough that a typo such as `4294967295` is refused instead of starting a run
/// that never ends.
pub const MAX_N_INIT: usize = 1000;
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

/// The setters every k-means builder shares (seed and standardisation), written once for
/// [`KMeansParams`] and [`crate::MiniBatchParams`] (both hold these in fields of the same
/// names).
macro_rules! shared_setters {
    () => {
        /// Seed making the result reproducible on every machine and thread count (without
        /// one, a seed is drawn from the OS and recorded in the model).
        pub fn seed(mut self, seed: u64) -> Self {
            self.seed = Some(seed);
            self
        }
        /// Standardise columns (z-score) before clustering; the model remembers the scaling.
        pub fn standardize(mut self, on: bool) -> Self {
            self.standardize = on;
            self
        }
    };
}
pub(crate) use shared_setters;

/// Parameters of a k-means fit (builder). [`KMeansParams::check`] validates them on their own
/// and gives [`KMeansValidParams`], whose [`fit`](KMeansValidParams::fit) checks the data
/// against them; [`KMeansParams::fit`] does both.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KMeansParams {
    /// Number of clusters, `1 <= k <= rows`.
    pub(crate) k: usize,
    /// Number of initialisations; the run with the lowest inertia is kept.
    pub(crate) n_init: usize,
    /// Maximum number of Lloyd rounds per run (`>= 1`).
    pub(crate) max_iter: usize,
    /// Relative tolerance (`>= 0`).
    pub(crate) tol: f64,
    /// Initialisation method.
    pub(crate) init: Init,
    /// Seed of the random streams (`None`: drawn from the OS, then recorded in the model).
    pub(crate) seed: Option<u64>,
    /// Standardise each column to z-scores before clustering.
    pub(crate) standardize: bool,
    /// Run exactly `max_iter` rounds, no early stop (to reproduce the original pipeline).
    pub(crate) fixed_rounds: bool,
}

/// [`KMeansParams`] that passed [`KMeansParams::check`]: ready to [`fit`](Self::fit) any table
/// with at least `k` rows (and, for [`Init::Given`], the centroids' number of columns). A
/// model records the ones it was fitted with (seed resolved), see [`KMeansModel::params`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct KMeansValidParams(pub(crate) KMeansParams);

impl KMeansParams {
    shared_setters!();

    /// Number of initialisations (random inits only), 1 to [`MAX_N_INIT`].
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    /// Maximum number of Lloyd rounds per run.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    /// Relative convergence tolerance (`>= 0`): a run stops when `sum_c ||c_new - c_old||^2 <=
    /// tol * mean_j var(X[:, j])` (scikit-learn's definition, variances of the fitted data).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Initialisation method.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }
    /// Run exactly `max_iter` rounds without the convergence test.
    pub fn fixed_rounds(mut self, on: bool) -> Self {
        self.fixed_rounds = on;
        self
    }

    /// Checks the parameters on their own: `k >= 1`, `max_iter >= 1`, `1 <= n_init <=`
    /// [`MAX_N_INIT`], finite
    /// `tol >= 0`, and given centroids: `k` of them, of one length, with finite values.
    pub fn check(self) -> Result<KMeansValidParams, KMeansError> {
        if self.k == 0 {
            return Err(KMeansError::ZeroK);
        }
        if self.max_iter == 0 {
            return Err(KMeansError::InvalidMaxIter);
        }
        if !(1..=MAX_N_INIT).contains(&self.n_init) {
            return Err(KMeansError::InvalidNInit {
                n_init: self.n_init,
            });
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(KMeansError::InvalidTol { tol: self.tol });
        }
        if let Init::Given(c) = &self.init {
            if c.len() != self.k {
                return Err(KMeansError::GivenCentroids {
                    given: c.len(),
                    k: self.k,
                });
            }
            let width = c.first().map_or(0, Vec::len);
            for (i, row) in c.iter().enumerate() {
                if row.len() != width {
                    return Err(KMeansError::GivenCentroidWidth {
                        centroid: i,
                        values: row.len(),
                        columns: width,
                    });
                }
                if let Some(j) = row.iter().position(|v| !v.is_finite()) {
                    return Err(KMeansError::NonFinite {
                        row: i,
                        column: format!("given centroid column {j}"),
                        value: row[j],
                    });
                }
            }
        }
        Ok(KMeansValidParams(self))
    }

    /// [`check`](Self::check), then [`KMeansValidParams::fit`].
    pub fn fit(&self, data: &RowMatrix) -> Result<KMeansFit, KMeansError> {
        self.clone().check()?.fit(data)
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
}

impl KMeansValidParams {
    /// Checks a table against the parameters: at least one row, `k <= rows`, and given
    /// centroids with the table's number of columns. (Finiteness of the data is guaranteed by
    /// [`RowMatrix`].)
    pub fn check_data(&self, data: &RowMatrix) -> Result<(), KMeansError> {
        let p = &self.0;
        check_rows(p.k, data)?;
        if let Init::Given(c) = &p.init {
            if let Some(row) = c.first().filter(|row| row.len() != data.n_cols()) {
                return Err(KMeansError::GivenCentroidWidth {
                    centroid: 0,
                    values: row.len(),
                    columns: data.n_cols(),
                });
            }
        }
        Ok(())
    }

    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.0.k
    }
    /// Number of initialisations.
    pub fn n_init(&self) -> usize {
        self.0.n_init
    }
    /// Maximum number of Lloyd rounds per run.
    pub fn max_iter(&self) -> usize {
        self.0.max_iter
    }
    /// Relative convergence tolerance.
    pub fn tol(&self) -> f64 {
        self.0.tol
    }
    /// Initialisation method.
    pub fn init(&self) -> &Init {
        &self.0.init
    }
    /// The seed (`None` only before a fit has drawn one).
    pub fn seed(&self) -> Option<u64> {
        self.0.seed
    }
    /// Whether columns are standardised before clustering.
    pub fn standardize(&self) -> bool {
        self.0.standardize
    }
    /// Whether exactly `max_iter` rounds are run.
    pub fn fixed_rounds(&self) -> bool {
        self.0.fixed_rounds
    }

    /// Fits k-means: checks the data ([`Self::check_data`]), optionally standardises, then runs `n_init` initialisations of
    /// Lloyd's algorithm (one for [`Init::First`] / [`Init::Given`]) and keeps the run with the
    /// lowest inertia (the first on ties). Run `r` draws from its own stream
    /// `ChaCha8Rng::seed_from_u64(run_seed(seed, r))`, and all reductions use fixed chunks
    /// combined in order, so a seed gives bit-identical results on any thread count.
    pub fn fit(&self, data: &RowMatrix) -> Result<KMeansFit, KMeansError> {
        self.fit_with(data, None)
    }

    /// [`fit`](Self::fit) with a weight per row (scikit-learn's `sample_weight`): a row of
    /// weight 2 counts as two copies of it, a row of weight 0 as absent. Seeding draws rows in
    /// proportion to weight (times `D(x)^2` for k-means++), centroids are weighted means and the
    /// inertia is the weighted sum of squared distances. Standardisation, when on, is fitted
    /// without the weights.
    ///
    /// Errors: those of [`fit`](Self::fit), and [`KMeansError::InvalidWeights`] unless there is
    /// one finite, non-negative weight per row and at least `k` are above zero.
    ///
    /// ```
    /// use kmeans::{KMeans, RowMatrix};
    ///
    /// let rows = RowMatrix::from_row_major(&[0.0, 1.0, 10.0, 11.0], 1)?;
    /// let fit = KMeans::params(1).seed(1).check()?.fit_weighted(&rows, &[1.0, 1.0, 0.0, 2.0])?;
    /// // The weighted mean (0 + 1 + 2 * 11) / 4.
    /// assert_eq!(fit.model.centroids()[0], vec![5.75]);
    /// # Ok::<(), kmeans::KMeansError>(())
    /// ```
    pub fn fit_weighted(
        &self,
        data: &RowMatrix,
        weights: &[f64],
    ) -> Result<KMeansFit, KMeansError> {
        crate::weighted::check_weights(weights, data.n_rows(), self.0.k)?;
        self.fit_with(data, Some(weights))
    }

    fn fit_with(
        &self,
        data: &RowMatrix,
        weights: Option<&[f64]>,
    ) -> Result<KMeansFit, KMeansError> {
        self.check_data(data)?;
        let p = &self.0;
        let scaling = p.standardize.then(|| Scaling::fit(data));
        let scaled;
        let x = match &scaling {
            Some(s) => {
                scaled = data.scaled(s)?;
                &scaled
            }
            None => data,
        };
        let (_, var) = x.column_mean_var();
        let tol_abs = p.tol * var.iter().sum::<f64>() / var.len() as f64;
        let seed = p.seed.unwrap_or_else(|| rand::rng().random());
        let d = x.n_cols();
        let k = p.k;
        let runs = match p.init {
            Init::First | Init::Given(_) => {
                if p.n_init > 1 {
                    tracing::debug!("k-means: deterministic init, n_init ignored");
                }
                1
            }
            _ => p.n_init,
        };
        let mut best: Option<crate::lloyd::LloydOutcome> = None;
        for r in 0..runs {
            let mut rng = ChaCha8Rng::seed_from_u64(run_seed(seed, r as u64));
            let init = match (&p.init, weights) {
                (Init::KMeansPlusPlus, None) => kmeans_plusplus(x.as_slice(), d, k, &mut rng),
                (Init::KMeansPlusPlus, Some(w)) => {
                    crate::weighted::kmeans_plusplus_weighted(x.as_slice(), d, k, w, &mut rng)
                }
                (Init::Random, None) => random_rows(x.as_slice(), d, k, &mut rng),
                (Init::Random, Some(w)) => {
                    crate::weighted::random_rows_weighted(x.as_slice(), d, k, w, &mut rng)
                }
                (Init::First, _) => x.as_slice()[..k * d].to_vec(),
                (Init::Given(c), _) => c.iter().flatten().copied().collect(),
            };
            let out = match weights {
                None => lloyd(
                    x.as_slice(),
                    d,
                    k,
                    init,
                    p.max_iter,
                    tol_abs,
                    p.fixed_rounds,
                ),
                Some(w) => crate::weighted::lloyd_weighted(
                    x.as_slice(),
                    d,
                    k,
                    init,
                    w,
                    p.max_iter,
                    tol_abs,
                    p.fixed_rounds,
                ),
            };
            if best.as_ref().is_none_or(|b| out.inertia < b.inertia) {
                best = Some(out);
            }
        }
        let best = best.ok_or(KMeansError::InvalidNInit { n_init: runs })?;
        let mut params = self.clone();
        params.0.seed = Some(seed);
        let model = KMeansModel {
            space: None,
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

/// A table for `k` clusters has at least one row and `k` rows.
pub(crate) fn check_rows(k: usize, data: &RowMatrix) -> Result<(), KMeansError> {
    if data.n_rows() == 0 {
        return Err(KMeansError::NoRows);
    }
    if k > data.n_rows() {
        return Err(KMeansError::InvalidK {
            k,
            n_rows: data.n_rows(),
        });
    }
    Ok(())
}

/// Seed of run `r` derived from the user seed (SplitMix64 finaliser of `seed ^ r * golden`).
pub(crate) fn run_seed(seed: u64, r: u64) -> u64 {
    let mut z = seed ^ r.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

//! Mini-batch k-means (Sculley 2010, scikit-learn's `MiniBatchKMeans` update) for tables too
//! large to iterate over in full, with a streaming `partial_fit`.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::init::kmeans_plusplus;
use crate::lloyd::assign;
use crate::model::{KMeansFit, KMeansModel};
use crate::params::{run_seed, KMeansValidParams};
use crate::table::{RowMatrix, Scaling};
use crate::{Init, KMeans, KMeansError};

/// Parameters of mini-batch k-means (builder).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MiniBatchParams {
    /// Number of clusters.
    pub(crate) k: usize,
    /// Rows per batch (default 1024).
    pub(crate) batch_size: usize,
    /// Batches drawn by [`MiniBatchParams::fit`] (default 100).
    pub(crate) max_steps: usize,
    /// Seed (`None`: drawn from the OS and recorded).
    pub(crate) seed: Option<u64>,
    /// Standardise columns before clustering (`standardize`: [`MiniBatchParams::fit`] only;
    /// the streaming [`MiniBatchKMeans`] works in the input units).
    pub(crate) standardize: bool,
}

impl MiniBatchParams {
    /// Defaults for `k` clusters.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            batch_size: 1024,
            max_steps: 100,
            seed: None,
            standardize: false,
        }
    }
    /// Rows per batch.
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }
    /// Number of batches in [`MiniBatchParams::fit`].
    pub fn max_steps(mut self, n: usize) -> Self {
        self.max_steps = n;
        self
    }
    crate::params::shared_setters!();

    fn check(&self) -> Result<(), KMeansError> {
        if self.batch_size == 0 {
            return Err(KMeansError::InvalidBatchSize);
        }
        if self.max_steps == 0 {
            return Err(KMeansError::InvalidMaxIter);
        }
        if self.k == 0 {
            return Err(KMeansError::ZeroK);
        }
        Ok(())
    }

    /// Starts a streaming fit over rows of `n_cols` columns; feed it with
    /// [`MiniBatchKMeans::partial_fit`].
    pub fn start(&self, n_cols: usize) -> Result<MiniBatchKMeans, KMeansError> {
        self.check()?;
        if n_cols == 0 {
            return Err(KMeansError::NoNumericColumns);
        }
        let seed = self.seed.unwrap_or_else(|| rand::rng().random());
        Ok(MiniBatchKMeans {
            params: MiniBatchParams {
                seed: Some(seed),
                ..self.clone()
            },
            seed,
            d: n_cols,
            columns: None,
            centroids: Vec::new(),
            counts: vec![0.0; self.k],
            rng: ChaCha8Rng::seed_from_u64(run_seed(seed, 0)),
            steps: 0,
            last_inertia: 0.0,
        })
    }

    /// Whole-table mini-batch fit: k-means++ on a random sample of `max(3 * batch_size, k)`
    /// rows (or all rows), then `max_steps` random batches of `batch_size` rows through
    /// [`MiniBatchKMeans::partial_fit`], then one full assignment for labels and inertia.
    pub fn fit(&self, data: &RowMatrix) -> Result<KMeansFit, KMeansError> {
        self.check()?;
        crate::params::check_rows(self.k, data)?;
        let scaling = self.standardize.then(|| Scaling::fit(data));
        let scaled;
        let x = match &scaling {
            Some(s) => {
                scaled = data.scaled(s)?;
                &scaled
            }
            None => data,
        };
        let n = x.n_rows();
        let d = x.n_cols();
        let mut state = self.start(d)?;
        let init_n = (3 * self.batch_size).max(self.k).min(n);
        let sample = rand::seq::index::sample(&mut state.rng, n, init_n);
        let init_rows = x.select_rows(&sample.into_vec())?;
        state.centroids = kmeans_plusplus(init_rows.as_slice(), d, self.k, &mut state.rng);
        let bs = self.batch_size.min(n);
        for _ in 0..self.max_steps {
            let idx = rand::seq::index::sample(&mut state.rng, n, bs).into_vec();
            let batch = x.select_rows(&idx)?;
            state.partial_fit(&batch)?;
        }
        // Final assignment: labels and inertia on the whole table.
        let mut labels = vec![0; n];
        let mut dist2 = vec![0.0; n];
        let a = assign(
            x.as_slice(),
            d,
            &state.centroids,
            self.k,
            &mut labels,
            &mut dist2,
            false,
        );
        let seed = state.seed;
        let model = KMeansModel {
            k: self.k,
            columns: data.columns().to_vec(),
            centroids: state
                .centroids
                .chunks_exact(d)
                .map(|c| c.to_vec())
                .collect(),
            scaling,
            seed,
            inertia: a.inertia,
            params: minibatch_record(self, seed),
        };
        Ok(KMeansFit {
            model,
            labels,
            distances: dist2.iter().map(|v| v.sqrt()).collect(),
            iterations: self.max_steps,
            converged: false,
        })
    }
}

/// `KMeansParams` recorded in a mini-batch model (k, seed, standardisation; `max_iter` =
/// steps, `n_init = 1`, k-means++).
fn minibatch_record(p: &MiniBatchParams, seed: u64) -> KMeansValidParams {
    KMeansValidParams(
        KMeans::params(p.k)
            .n_init(1)
            .max_iter(p.max_steps)
            .init(Init::KMeansPlusPlus)
            .seed(seed)
            .standardize(p.standardize),
    )
}

/// State of a streaming mini-batch k-means.
#[derive(Debug, Clone)]
pub struct MiniBatchKMeans {
    params: MiniBatchParams,
    seed: u64,
    d: usize,
    columns: Option<Vec<String>>,
    centroids: Vec<f64>,
    counts: Vec<f64>,
    rng: ChaCha8Rng,
    steps: usize,
    last_inertia: f64,
}

impl MiniBatchKMeans {
    /// Updates the centroids with one batch (scikit-learn's `_mini_batch_update`): the first
    /// batch (at least `k` rows) initialises them by k-means++; then every row is assigned to
    /// its nearest centroid and each centroid `c` with `m` new rows of sum `s` becomes
    /// `(c * n_c + s) / (n_c + m)`, `n_c += m` — a per-centre learning rate `1 / count`.
    /// (scikit-learn's reassignment of rarely hit centres is not done.)
    pub fn partial_fit(&mut self, batch: &RowMatrix) -> Result<(), KMeansError> {
        let d = self.d;
        let k = self.params.k;
        if batch.n_cols() != d {
            return Err(KMeansError::ColumnCount {
                fitted: "mini-batch",
                expected: d,
                found: batch.n_cols(),
            });
        }
        if self.columns.is_none() {
            self.columns = Some(batch.columns().to_vec());
        }
        if self.centroids.is_empty() {
            if batch.n_rows() < k {
                return Err(KMeansError::InvalidK {
                    k,
                    n_rows: batch.n_rows(),
                });
            }
            self.centroids = kmeans_plusplus(batch.as_slice(), d, k, &mut self.rng);
        }
        let n = batch.n_rows();
        let mut labels = vec![0; n];
        let mut dist2 = vec![0.0; n];
        let a = assign(
            batch.as_slice(),
            d,
            &self.centroids,
            k,
            &mut labels,
            &mut dist2,
            true,
        );
        for c in 0..k {
            let m = a.counts[c] as f64;
            if m == 0.0 {
                continue;
            }
            let old = self.counts[c];
            let total = old + m;
            for j in 0..d {
                let v = &mut self.centroids[c * d + j];
                *v = (*v * old + a.sums[c * d + j]) / total;
            }
            self.counts[c] = total;
        }
        self.last_inertia = a.inertia;
        self.steps += 1;
        Ok(())
    }

    /// Batches processed so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Current centroids (empty before the first batch).
    pub fn centroids(&self) -> Vec<Vec<f64>> {
        self.centroids
            .chunks_exact(self.d)
            .map(|c| c.to_vec())
            .collect()
    }

    /// The current state as a model (inertia: the last batch's, before its update). Errors
    /// before the first batch.
    pub fn to_model(&self) -> Result<KMeansModel, KMeansError> {
        if self.centroids.is_empty() {
            return Err(KMeansError::NoRows);
        }
        Ok(KMeansModel {
            k: self.params.k,
            columns: self
                .columns
                .clone()
                .unwrap_or_else(|| (0..self.d).map(|j| format!("x{j}")).collect()),
            centroids: self.centroids(),
            scaling: None,
            seed: self.seed,
            inertia: self.last_inertia,
            params: minibatch_record(&self.params, self.seed),
        })
    }
}

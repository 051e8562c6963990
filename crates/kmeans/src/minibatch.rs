//! Mini-batch k-means (Sculley 2010, scikit-learn's `MiniBatchKMeans` update) for tables too
//! large to iterate over in full or to hold in memory: a whole-table [`MiniBatchParams::fit`],
//! a streaming [`MiniBatchKMeans`] fed batch by batch, and [`MiniBatchParams::fit_chunks`],
//! which runs the whole algorithm over a [`ChunkSource`] (a table read chunk by chunk, as
//! many times as needed) in memory bounded by one chunk.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::init::kmeans_plusplus;
use crate::lloyd::{assign, ordered_sum};
use crate::model::{KMeansFit, KMeansModel};
use crate::params::{run_seed, KMeansValidParams};
use crate::stream::{ChunkSource, Pass, RowSample, ScalingStats};
use crate::table::{RowMatrix, Scaling};
use crate::{Init, KMeans, KMeansError};

/// Random stream of the reservoir sample in [`MiniBatchParams::fit_chunks`] (the updates use
/// stream 0).
const SAMPLE_STREAM: u64 = 1;

/// Parameters of mini-batch k-means (builder). [`MiniBatchParams::check`] validates them and
/// gives the streaming state [`MiniBatchKMeans`]; [`MiniBatchParams::fit`] clusters a table in
/// memory, [`MiniBatchParams::fit_chunks`] a table read chunk by chunk.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MiniBatchParams {
    /// Number of clusters.
    pub(crate) k: usize,
    /// Rows per batch (default 1024).
    pub(crate) batch_size: usize,
    /// Batches drawn by [`MiniBatchParams::fit`] (default 100).
    pub(crate) max_steps: usize,
    /// Passes over the data in [`MiniBatchParams::fit_chunks`] (default 10).
    pub(crate) max_epochs: usize,
    /// Relative tolerance of the per-epoch centre movement (default 1e-4, see
    /// [`MiniBatchParams::tol`]).
    pub(crate) tol: f64,
    /// Rows of the sample k-means++ starts from (`None`: `3 * batch_size`, at least `k`).
    pub(crate) init_size: Option<usize>,
    /// Seed (`None`: drawn from the OS and recorded).
    pub(crate) seed: Option<u64>,
    /// Standardise columns before clustering.
    pub(crate) standardize: bool,
}

impl MiniBatchParams {
    /// Defaults for `k` clusters.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            batch_size: 1024,
            max_steps: 100,
            max_epochs: 10,
            tol: 1e-4,
            init_size: None,
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
    /// Passes over the data at most in [`MiniBatchParams::fit_chunks`].
    pub fn max_epochs(mut self, n: usize) -> Self {
        self.max_epochs = n;
        self
    }
    /// Relative tolerance (`>= 0`): [`MiniBatchKMeans::end_epoch`] reports convergence when
    /// the centres moved by `sum_c ||c_end - c_start||^2 <= tol * mean_j var(X[:, j])` over
    /// the epoch (variances of the initial sample, in the fitted space) and no centre had to
    /// be re-seeded. `0` never stops early.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    /// Rows of the sample k-means++ starts from (default `3 * batch_size`, as scikit-learn).
    pub fn init_size(mut self, n: usize) -> Self {
        self.init_size = Some(n);
        self
    }
    crate::params::shared_setters!();

    /// Rows of the initial sample: `init_size`, or `3 * batch_size`, and at least `k`.
    fn sample_rows(&self) -> usize {
        self.init_size
            .unwrap_or_else(|| self.batch_size.saturating_mul(3))
            .max(self.k)
    }

    fn validate(&self) -> Result<(), KMeansError> {
        if self.k == 0 {
            return Err(KMeansError::ZeroK);
        }
        if self.batch_size == 0 {
            return Err(KMeansError::InvalidBatchSize);
        }
        if self.max_steps == 0 || self.max_epochs == 0 {
            return Err(KMeansError::InvalidMaxIter);
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(KMeansError::InvalidTol { tol: self.tol });
        }
        if let Some(n) = self.init_size.filter(|&n| n < self.k) {
            return Err(KMeansError::InvalidInitSize {
                init_size: n,
                k: self.k,
            });
        }
        Ok(())
    }

    /// Checks the parameters (`k >= 1`, `batch_size >= 1`, `max_steps >= 1`,
    /// `max_epochs >= 1`, finite `tol >= 0`, `init_size >= k`) and starts a streaming fit
    /// (seed resolved): feed it with [`MiniBatchKMeans::partial_fit`] or
    /// [`MiniBatchKMeans::feed`].
    pub fn check(self) -> Result<MiniBatchKMeans, KMeansError> {
        self.validate()?;
        let seed = self.seed.unwrap_or_else(|| rand::rng().random());
        let k = self.k;
        Ok(MiniBatchKMeans {
            params: MiniBatchParams {
                seed: Some(seed),
                ..self
            },
            seed,
            d: None,
            columns: None,
            scaling: None,
            centroids: Vec::new(),
            counts: vec![0.0; k],
            rng: ChaCha8Rng::seed_from_u64(run_seed(seed, 0)),
            steps: 0,
            epochs: 0,
            last_inertia: 0.0,
            pending: Vec::new(),
            tol_abs: 0.0,
            epoch: EpochStats::new(k),
        })
    }

    /// [`check`](Self::check) for rows of `n_cols` columns (a batch of another width is then
    /// [`KMeansError::ColumnCount`]).
    pub fn start(&self, n_cols: usize) -> Result<MiniBatchKMeans, KMeansError> {
        if n_cols == 0 {
            return Err(KMeansError::NoNumericColumns);
        }
        let mut state = self.clone().check()?;
        state.d = Some(n_cols);
        Ok(state)
    }

    /// Whole-table mini-batch fit: k-means++ on a random sample of `max(3 * batch_size, k)`
    /// rows (or all rows), then `max_steps` random batches of `batch_size` rows through
    /// [`MiniBatchKMeans::partial_fit`], then one full assignment for labels and inertia.
    pub fn fit(&self, data: &RowMatrix) -> Result<KMeansFit, KMeansError> {
        self.validate()?;
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
        // The data is already scaled: the stream works in the fitted space.
        let mut state = MiniBatchParams {
            standardize: false,
            ..self.clone()
        }
        .start(d)?;
        let init_n = self.sample_rows().min(n);
        let sample = rand::seq::index::sample(&mut state.rng, n, init_n);
        let init_rows = x.select_rows(&sample.into_vec())?;
        state.init_from_sample(&init_rows)?;
        let bs = self.batch_size.min(n);
        for _ in 0..self.max_steps {
            let idx = rand::seq::index::sample(&mut state.rng, n, bs).into_vec();
            let batch = x.select_rows(&idx)?;
            state.partial_fit(&batch)?;
        }
        // Final assignment: labels and inertia on the whole table.
        let mut labels = vec![0; n];
        let mut dist2 = vec![0.0; n];
        assign(
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
            space: None,
            k: self.k,
            columns: data.columns().to_vec(),
            centroids: state.centroids(),
            scaling,
            seed,
            inertia: ordered_sum(&dist2),
            params: minibatch_record(self, seed, self.max_steps),
        };
        Ok(KMeansFit {
            model,
            labels,
            distances: dist2.iter().map(|v| v.sqrt()).collect(),
            iterations: self.max_steps,
            converged: false,
        })
    }

    /// Mini-batch k-means over a table read chunk by chunk, in memory bounded by one chunk
    /// (plus the sample of `init_size` rows):
    ///
    /// 1. a first pass ([`Pass::Sample`]) draws a uniform sample of the rows (reservoir
    ///    sampling) and, with `standardize`, the exact column means and variances;
    /// 2. k-means++ on that sample gives the initial centres;
    /// 3. each epoch ([`Pass::Epoch`]) feeds every chunk to [`MiniBatchKMeans::feed`]
    ///    (shuffled batches of `batch_size` rows), up to `max_epochs` passes or until
    ///    [`MiniBatchKMeans::end_epoch`] reports convergence;
    /// 4. a last pass ([`Pass::Labels`]) assigns every row to its nearest centre, calls
    ///    `on_labels(chunk, labels, distances)` for each chunk (Euclidean distances in the
    ///    fitted space) and measures the exact inertia and cluster sizes.
    ///
    /// The result depends on the seed and on the chunks (their order and boundaries), never
    /// on the thread count.
    ///
    /// ```
    /// use kmeans::{KMeans, RowMatrix};
    ///
    /// // Two groups of 1-D points, in three chunks (a file's row groups, say).
    /// let mut chunks = vec![
    ///     RowMatrix::from_row_major(&[0.0, 0.1, 0.2], 1)?,
    ///     RowMatrix::from_row_major(&[5.0, 5.1], 1)?,
    ///     RowMatrix::from_row_major(&[0.15, 5.2], 1)?,
    /// ];
    /// let mut labels = Vec::new();
    /// let fit = KMeans::minibatch(2).seed(1).fit_chunks(chunks.as_mut_slice(), |_chunk, l, _d| {
    ///     labels.extend_from_slice(l);
    ///     Ok(())
    /// })?;
    /// assert_eq!(fit.n_rows, 7);
    /// assert_eq!(labels[0], labels[5]);
    /// assert_ne!(labels[0], labels[3]);
    /// assert_eq!(fit.model.predict(&RowMatrix::from_row_major(&[4.8], 1)?)?, vec![labels[3]]);
    /// # Ok::<(), kmeans::KMeansError>(())
    /// ```
    pub fn fit_chunks<S, F>(
        &self,
        source: &mut S,
        mut on_labels: F,
    ) -> Result<MiniBatchFit, S::Error>
    where
        S: ChunkSource + ?Sized,
        F: FnMut(&S::Chunk, &[usize], &[f64]) -> Result<(), S::Error>,
    {
        let mut state = self.clone().check()?;
        let seed = state.seed;
        let mut sample = RowSample::new(self.sample_rows(), run_seed(seed, SAMPLE_STREAM));
        let mut stats: Option<ScalingStats> = None;
        source.for_each_chunk(Pass::Sample, &mut |chunk| {
            let rows = chunk.as_ref();
            sample.push(rows)?;
            if self.standardize {
                stats
                    .get_or_insert_with(|| ScalingStats::new(rows.n_cols()))
                    .push(rows)?;
            }
            Ok(())
        })?;
        let n_rows = sample.rows_seen();
        if n_rows == 0 {
            return Err(KMeansError::NoRows.into());
        }
        if (n_rows as u128) < self.k as u128 {
            return Err(KMeansError::InvalidK {
                k: self.k,
                n_rows: n_rows as usize,
            }
            .into());
        }
        if let Some(stats) = stats {
            state = state.with_scaling(stats.finish()?);
        }
        state.init_from_sample(&sample.finish()?)?;
        let mut converged = false;
        for epoch in 0..self.max_epochs {
            source.for_each_chunk(Pass::Epoch(epoch), &mut |chunk| {
                state.feed(chunk.as_ref()).map_err(Into::into)
            })?;
            let summary = state.end_epoch()?;
            tracing::debug!(
                epoch,
                shift = summary.shift,
                reseeded = summary.reseeded,
                batch_inertia = summary.inertia,
                "mini-batch k-means: epoch done"
            );
            if summary.converged {
                converged = true;
                break;
            }
        }
        let epochs = state.epochs();
        let mut model = state.finish()?;
        let k = self.k;
        let mut sizes = vec![0u64; k];
        let mut inertia = 0.0;
        source.for_each_chunk(Pass::Labels, &mut |chunk| {
            let (labels, dist2) = model.assign_rows(chunk.as_ref())?;
            for &l in &labels {
                sizes[l] += 1;
            }
            inertia += ordered_sum(&dist2);
            let distances: Vec<f64> = dist2.iter().map(|v| v.sqrt()).collect();
            on_labels(&chunk, &labels, &distances)
        })?;
        model.inertia = inertia;
        Ok(MiniBatchFit {
            model,
            epochs,
            converged,
            n_rows,
            cluster_sizes: sizes,
        })
    }
}

/// The result of [`MiniBatchParams::fit_chunks`] (the labels went to its callback).
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchFit {
    /// The model; its inertia is the exact one of the last pass over every row.
    pub model: KMeansModel,
    /// Epochs (passes over the data) run.
    pub epochs: usize,
    /// Whether the centres converged before `max_epochs`.
    pub converged: bool,
    /// Rows of the table.
    pub n_rows: u64,
    /// Rows assigned to each cluster by the last pass (a zero is an empty cluster).
    pub cluster_sizes: Vec<u64>,
}

impl MiniBatchFit {
    /// Sum of squared distances of every row to its centroid (fitted space).
    pub fn inertia(&self) -> f64 {
        self.model.inertia
    }
}

/// `KMeansParams` recorded in a mini-batch model (k, seed, standardisation; `max_iter` =
/// steps or epochs, `n_init = 1`, k-means++).
fn minibatch_record(p: &MiniBatchParams, seed: u64, rounds: usize) -> KMeansValidParams {
    KMeansValidParams(
        KMeans::params(p.k)
            .n_init(1)
            .max_iter(rounds.max(1))
            .tol(p.tol)
            .init(Init::KMeansPlusPlus)
            .seed(seed)
            .standardize(p.standardize),
    )
}

/// What one epoch of [`MiniBatchKMeans`] did (see [`MiniBatchKMeans::end_epoch`]).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochSummary {
    /// Epochs completed, this one included.
    pub epoch: usize,
    /// Rows fed during the epoch.
    pub rows: u64,
    /// Sum of the batches' inertias, each measured before its update (an estimate of the
    /// inertia, in the fitted space).
    pub inertia: f64,
    /// `sum_c ||c_end - c_start||^2` over the epoch.
    pub shift: f64,
    /// Centres that received no row during the epoch and were re-seeded with the farthest
    /// rows seen.
    pub reseeded: usize,
    /// `shift <= tol * mean variance` and nothing re-seeded.
    pub converged: bool,
}

/// Per-epoch bookkeeping: rows per centre, batch inertias, and the farthest rows seen (to
/// re-seed centres that received nothing, as full k-means re-seeds empty clusters).
#[derive(Debug, Clone)]
struct EpochStats {
    start: Vec<f64>,
    counts: Vec<u64>,
    rows: u64,
    inertia: f64,
    /// Up to `k` (squared distance, row) pairs, the farthest from their centre.
    far: Vec<(f64, Vec<f64>)>,
}

impl EpochStats {
    fn new(k: usize) -> Self {
        EpochStats {
            start: Vec::new(),
            counts: vec![0; k],
            rows: 0,
            inertia: 0.0,
            far: Vec::new(),
        }
    }

    /// Keeps `row` if it is among the `k` farthest seen this epoch.
    fn offer_far(&mut self, dist2: f64, row: &[f64]) {
        let k = self.counts.len();
        if self.far.len() < k {
            self.far.push((dist2, row.to_vec()));
        } else if let Some((i, _)) = self
            .far
            .iter()
            .enumerate()
            .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
            .filter(|(_, m)| dist2 > m.0)
        {
            self.far[i] = (dist2, row.to_vec());
        }
    }
}

/// State of a streaming mini-batch k-means (from [`MiniBatchParams::check`]): centres, their
/// counts, and the random stream of the batch order.
#[derive(Debug, Clone)]
pub struct MiniBatchKMeans {
    params: MiniBatchParams,
    seed: u64,
    d: Option<usize>,
    columns: Option<Vec<String>>,
    scaling: Option<Scaling>,
    centroids: Vec<f64>,
    counts: Vec<f64>,
    rng: ChaCha8Rng,
    steps: usize,
    epochs: usize,
    last_inertia: f64,
    /// Input rows buffered by [`MiniBatchKMeans::feed`] before the centres exist.
    pending: Vec<f64>,
    tol_abs: f64,
    epoch: EpochStats,
}

impl MiniBatchKMeans {
    /// Standardises every batch with `scaling` (recorded in the model). Without it, a
    /// `standardize` stream fits the scaling on its first batch (or initial sample).
    pub fn with_scaling(mut self, scaling: Scaling) -> Self {
        self.scaling = Some(scaling);
        self
    }

    /// Checks a batch's width (the first fixes it) and returns it in the fitted space.
    fn prepare(&mut self, batch: &RowMatrix) -> Result<RowMatrix, KMeansError> {
        let d = *self.d.get_or_insert(batch.n_cols());
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
        if self.scaling.is_none() && self.params.standardize && self.centroids.is_empty() {
            self.scaling = Some(Scaling::fit(batch));
        }
        match &self.scaling {
            Some(s) if s.mean.len() != d => Err(KMeansError::ColumnCount {
                fitted: "scaling",
                expected: s.mean.len(),
                found: d,
            }),
            Some(s) => batch.scaled(s),
            None => Ok(batch.clone()),
        }
    }

    /// Chooses the initial centres by k-means++ on `sample` (in input units; at least `k`
    /// rows). With `standardize` and no [`with_scaling`](Self::with_scaling), the scaling is
    /// fitted on the sample.
    pub fn init_from_sample(&mut self, sample: &RowMatrix) -> Result<(), KMeansError> {
        crate::params::check_rows(self.params.k, sample)?;
        let x = self.prepare(sample)?;
        self.init_scaled(&x);
        Ok(())
    }

    fn init_scaled(&mut self, x: &RowMatrix) {
        let d = x.n_cols();
        self.centroids = kmeans_plusplus(x.as_slice(), d, self.params.k, &mut self.rng);
        let (_, var) = x.column_mean_var();
        self.tol_abs = self.params.tol * var.iter().sum::<f64>() / var.len().max(1) as f64;
        self.epoch.start = self.centroids.clone();
    }

    /// One mini-batch update (scikit-learn's `_mini_batch_step`) with the whole `batch`: if
    /// the centres do not exist yet, k-means++ on this batch (at least `k` rows) chooses them;
    /// then every row is assigned to its nearest centroid and each centroid `c` with `m` new
    /// rows of sum `s` becomes `(c * n_c + s) / (n_c + m)`, `n_c += m`: a per-centre learning
    /// rate of `1 / count`, as Sculley's per-row update.
    pub fn partial_fit(&mut self, batch: &RowMatrix) -> Result<(), KMeansError> {
        let x = self.prepare(batch)?;
        if self.centroids.is_empty() {
            crate::params::check_rows(self.params.k, &x)?;
            self.init_scaled(&x);
        }
        self.step(x.as_slice());
        Ok(())
    }

    /// Feeds a chunk of any size: before the centres exist, rows are buffered until
    /// `init_size` of them came (k-means++ then runs on them, and they are fed); then the
    /// chunk's rows are shuffled and split into batches of `batch_size`, each one
    /// [`partial_fit`](Self::partial_fit) step.
    pub fn feed(&mut self, chunk: &RowMatrix) -> Result<(), KMeansError> {
        let x = self.prepare(chunk)?;
        if self.centroids.is_empty() {
            self.pending.extend_from_slice(x.as_slice());
            let d = x.n_cols();
            if self.pending.len() / d >= self.params.sample_rows() {
                self.flush_pending()?;
            }
            return Ok(());
        }
        self.feed_scaled(x.as_slice());
        Ok(())
    }

    /// Initialises on the buffered rows and feeds them.
    fn flush_pending(&mut self) -> Result<(), KMeansError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let d = self.d.unwrap_or(1);
        let names = self.columns.clone().unwrap_or_default();
        let rows = RowMatrix::from_row_major_named(std::mem::take(&mut self.pending), names)?;
        if self.centroids.is_empty() {
            crate::params::check_rows(self.params.k, &rows)?;
            self.init_scaled(&rows);
        }
        debug_assert_eq!(rows.n_cols(), d);
        self.feed_scaled(rows.as_slice());
        Ok(())
    }

    /// Shuffles the rows of `x` (fitted space) and steps through them in batches.
    fn feed_scaled(&mut self, x: &[f64]) {
        let d = self.d.unwrap_or(1);
        let n = x.len() / d;
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut self.rng);
        let mut batch = Vec::with_capacity(self.params.batch_size.min(n) * d);
        for idx in order.chunks(self.params.batch_size) {
            batch.clear();
            for &i in idx {
                batch.extend_from_slice(&x[i * d..(i + 1) * d]);
            }
            self.step(&batch);
        }
    }

    /// The update of one batch (fitted space, centres initialised).
    fn step(&mut self, x: &[f64]) {
        let k = self.params.k;
        let d = self.d.unwrap_or(1);
        let n = x.len() / d;
        if n == 0 {
            return;
        }
        let mut labels = vec![0; n];
        let mut dist2 = vec![0.0; n];
        let a = assign(x, d, &self.centroids, k, &mut labels, &mut dist2, true);
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
            self.epoch.counts[c] += a.counts[c] as u64;
        }
        for (i, &v) in dist2.iter().enumerate() {
            self.epoch.offer_far(v, &x[i * d..(i + 1) * d]);
        }
        self.epoch.rows += n as u64;
        self.epoch.inertia += a.inertia;
        self.last_inertia = a.inertia;
        self.steps += 1;
    }

    /// Ends a pass over the data: initialises on the buffered rows if the data was smaller
    /// than `init_size`, re-seeds every centre that received no row during the epoch with
    /// one of the farthest rows seen (count reset to 1), and reports the centres' movement.
    pub fn end_epoch(&mut self) -> Result<EpochSummary, KMeansError> {
        self.flush_pending()?;
        if self.centroids.is_empty() {
            return Err(KMeansError::NoRows);
        }
        let d = self.d.unwrap_or(1);
        let k = self.params.k;
        let mut far = std::mem::take(&mut self.epoch.far);
        far.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut far = far.into_iter();
        let mut reseeded = 0;
        for c in 0..k {
            if self.epoch.counts[c] == 0 {
                if let Some((_, row)) = far.next() {
                    self.centroids[c * d..(c + 1) * d].copy_from_slice(&row);
                    self.counts[c] = 1.0;
                    reseeded += 1;
                }
            }
        }
        let shift: f64 = self
            .centroids
            .iter()
            .zip(&self.epoch.start)
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        self.epochs += 1;
        let summary = EpochSummary {
            epoch: self.epochs,
            rows: self.epoch.rows,
            inertia: self.epoch.inertia,
            shift,
            reseeded,
            converged: reseeded == 0 && shift <= self.tol_abs,
        };
        self.epoch = EpochStats::new(k);
        self.epoch.start = self.centroids.clone();
        Ok(summary)
    }

    /// Batches processed so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Epochs ended so far ([`end_epoch`](Self::end_epoch)).
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Current centroids in the fitted space (empty before the first batch).
    pub fn centroids(&self) -> Vec<Vec<f64>> {
        match self.d {
            Some(d) => self.centroids.chunks_exact(d).map(|c| c.to_vec()).collect(),
            None => Vec::new(),
        }
    }

    /// The current state as a model (inertia: the last batch's, before its update). Errors
    /// before the first batch.
    pub fn to_model(&self) -> Result<KMeansModel, KMeansError> {
        if self.centroids.is_empty() {
            return Err(KMeansError::NoRows);
        }
        let d = self.d.unwrap_or(1);
        Ok(KMeansModel {
            space: None,
            k: self.params.k,
            columns: self
                .columns
                .clone()
                .unwrap_or_else(|| (0..d).map(|j| format!("x{j}")).collect()),
            centroids: self.centroids(),
            scaling: self.scaling.clone(),
            seed: self.seed,
            inertia: self.last_inertia,
            params: minibatch_record(&self.params, self.seed, self.epochs.max(self.steps)),
        })
    }

    /// Finishes the stream (buffered rows are used first) and returns the model, with the
    /// model's scaling if any. Its inertia is an estimate: the last batch's, measured before
    /// its update ([`MiniBatchParams::fit_chunks`] measures the exact one).
    pub fn finish(mut self) -> Result<KMeansModel, KMeansError> {
        self.flush_pending()?;
        let mut model = self.to_model()?;
        if self.epochs > 0 {
            model.params = minibatch_record(&self.params, self.seed, self.epochs);
        }
        Ok(model)
    }
}

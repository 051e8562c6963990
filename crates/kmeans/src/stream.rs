//! Tables read chunk by chunk: the [`ChunkSource`] that [`crate::MiniBatchParams::fit_chunks`]
//! reads several times, an adapter over polars DataFrames ([`FrameChunks`]), and the
//! one-pass statistics it needs: a uniform sample of the rows ([`RowSample`]) and column means
//! and variances ([`ScalingStats`]).

use polars::prelude::DataFrame;
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::table::{RowMatrix, Scaling};
use crate::KMeansError;

/// Which pass over the data a [`ChunkSource`] is asked for (a source may read fewer columns,
/// or show progress, accordingly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// The first pass: a sample of the rows (and column statistics).
    Sample,
    /// Epoch `n` (0-based) of mini-batch updates.
    Epoch(usize),
    /// The last pass: every row's label.
    Labels,
}

/// A table read chunk by chunk, as many times as needed (a file, a dataset of files).
pub trait ChunkSource {
    /// One chunk: its rows (as a [`RowMatrix`]) and whatever else the caller keeps with them
    /// (the names of its rows, say).
    type Chunk: AsRef<RowMatrix>;
    /// The source's error (reading); it holds this crate's errors.
    type Error: From<KMeansError>;
    /// Calls `f` with every chunk of rows, in the same order at every call; stops at the
    /// first error.
    fn for_each_chunk(
        &mut self,
        pass: Pass,
        f: &mut dyn FnMut(Self::Chunk) -> Result<(), Self::Error>,
    ) -> Result<(), Self::Error>;
}

impl AsRef<RowMatrix> for RowMatrix {
    fn as_ref(&self) -> &RowMatrix {
        self
    }
}

/// Chunks held in memory (each pass clones them: for tests and small tables; a table in
/// memory is better served by [`crate::MiniBatchParams::fit`]).
impl ChunkSource for [RowMatrix] {
    type Chunk = RowMatrix;
    type Error = KMeansError;
    fn for_each_chunk(
        &mut self,
        _pass: Pass,
        f: &mut dyn FnMut(RowMatrix) -> Result<(), KMeansError>,
    ) -> Result<(), KMeansError> {
        self.iter().try_for_each(|c| f(c.clone()))
    }
}

/// A chunk of [`FrameChunks`]: the DataFrame as read, its feature rows, and the index of its
/// first row in the whole table.
#[derive(Debug, Clone)]
pub struct FrameChunk {
    /// The chunk as read (every column the reader gave).
    pub frame: DataFrame,
    /// The feature columns as a validated matrix.
    pub rows: RowMatrix,
    /// Index of the chunk's first row in the table.
    pub first_row: u64,
}

impl AsRef<RowMatrix> for FrameChunk {
    fn as_ref(&self) -> &RowMatrix {
        &self.rows
    }
}

/// A [`ChunkSource`] over DataFrames: `open(pass)` gives the chunks of one pass (an iterator
/// of frames, for instance the row groups of a Parquet dataset), and the named `columns` of
/// each frame are its rows. Errors about a value name its row in the whole table.
pub struct FrameChunks<F> {
    columns: Vec<String>,
    open: F,
}

impl<F> std::fmt::Debug for FrameChunks<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameChunks")
            .field("columns", &self.columns)
            .finish_non_exhaustive()
    }
}

impl<F> FrameChunks<F> {
    /// Chunks of the frames `open` gives, clustered on `columns`.
    pub fn new(columns: Vec<String>, open: F) -> Self {
        FrameChunks { columns, open }
    }
}

impl<F, I, E> ChunkSource for FrameChunks<F>
where
    F: FnMut(Pass) -> Result<I, E>,
    I: Iterator<Item = Result<DataFrame, E>>,
    E: From<KMeansError>,
{
    type Chunk = FrameChunk;
    type Error = E;
    fn for_each_chunk(
        &mut self,
        pass: Pass,
        f: &mut dyn FnMut(FrameChunk) -> Result<(), E>,
    ) -> Result<(), E> {
        let names: Vec<&str> = self.columns.iter().map(String::as_str).collect();
        let mut first_row = 0u64;
        for frame in (self.open)(pass)? {
            let frame = frame?;
            let rows = RowMatrix::from_dataframe(&frame, Some(&names))
                .map_err(|e| e.offset_row(first_row as usize))?;
            let n = rows.n_rows() as u64;
            f(FrameChunk {
                frame,
                rows,
                first_row,
            })?;
            first_row += n;
        }
        Ok(())
    }
}

/// A uniform random sample of at most `size` rows of a stream of chunks (reservoir sampling,
/// Vitter's algorithm R), reproducible from a seed.
#[derive(Debug, Clone)]
pub struct RowSample {
    size: usize,
    rows: Vec<f64>,
    columns: Option<Vec<String>>,
    seen: u64,
    rng: ChaCha8Rng,
}

impl RowSample {
    /// An empty sample of at most `size` rows.
    pub fn new(size: usize, seed: u64) -> Self {
        RowSample {
            size,
            rows: Vec::new(),
            columns: None,
            seen: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Offers every row of `chunk` (all chunks must have the same columns).
    pub fn push(&mut self, chunk: &RowMatrix) -> Result<(), KMeansError> {
        let d = chunk.n_cols();
        let columns = self.columns.get_or_insert_with(|| chunk.columns().to_vec());
        if columns.len() != d {
            return Err(KMeansError::ColumnCount {
                fitted: "sample",
                expected: columns.len(),
                found: d,
            });
        }
        for i in 0..chunk.n_rows() {
            let row = chunk.row(i);
            if (self.seen as u128) < self.size as u128 {
                self.rows.extend_from_slice(row);
            } else {
                let j = self.rng.random_range(0..=self.seen);
                if j < self.size as u64 {
                    let j = j as usize;
                    self.rows[j * d..(j + 1) * d].copy_from_slice(row);
                }
            }
            self.seen += 1;
        }
        Ok(())
    }

    /// Rows offered so far.
    pub fn rows_seen(&self) -> u64 {
        self.seen
    }

    /// The sample ([`KMeansError::NoRows`] if no row came).
    pub fn finish(self) -> Result<RowMatrix, KMeansError> {
        match self.columns {
            Some(columns) if !self.rows.is_empty() => {
                RowMatrix::from_row_major_named(self.rows, columns)
            }
            _ => Err(KMeansError::NoRows),
        }
    }
}

/// Column means and population variances of a stream of chunks, exactly as
/// [`RowMatrix::column_mean_var`] of their concatenation up to rounding (each chunk's
/// statistics combined in order with Chan et al.'s pairwise update), giving the
/// [`Scaling`] that [`Scaling::fit`] would.
#[derive(Debug, Clone)]
pub struct ScalingStats {
    n: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl ScalingStats {
    /// No rows yet, `n_cols` columns.
    pub fn new(n_cols: usize) -> Self {
        ScalingStats {
            n: 0.0,
            mean: vec![0.0; n_cols],
            m2: vec![0.0; n_cols],
        }
    }

    /// Adds the rows of `chunk`.
    pub fn push(&mut self, chunk: &RowMatrix) -> Result<(), KMeansError> {
        if chunk.n_cols() != self.mean.len() {
            return Err(KMeansError::ColumnCount {
                fitted: "scaling",
                expected: self.mean.len(),
                found: chunk.n_cols(),
            });
        }
        let nb = chunk.n_rows() as f64;
        if nb == 0.0 {
            return Ok(());
        }
        let (mb, vb) = chunk.column_mean_var();
        let nab = self.n + nb;
        for j in 0..self.mean.len() {
            let delta = mb[j] - self.mean[j];
            self.mean[j] += delta * nb / nab;
            self.m2[j] += vb[j] * nb + delta * delta * self.n * nb / nab;
        }
        self.n = nab;
        Ok(())
    }

    /// The standardisation of the rows seen ([`KMeansError::NoRows`] if none).
    pub fn finish(self) -> Result<Scaling, KMeansError> {
        if self.n == 0.0 {
            return Err(KMeansError::NoRows);
        }
        let var: Vec<f64> = self.m2.iter().map(|m| m / self.n).collect();
        Ok(Scaling::from_mean_var(self.mean, &var))
    }
}

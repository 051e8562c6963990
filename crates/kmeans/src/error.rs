//! Typed errors of the `kmeans` crate.

use std::path::PathBuf;

/// Everything that can go wrong when validating input, fitting, predicting or loading a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KMeansError {
    /// `k` is larger than the number of rows.
    #[error("k = {k} is invalid for a table of {n_rows} rows (need k <= rows)")]
    InvalidK {
        /// Requested number of clusters.
        k: usize,
        /// Number of rows of the table.
        n_rows: usize,
    },
    /// A value is NaN or infinite.
    #[error("non-finite value {value} at row {row}, column `{column}`")]
    NonFinite {
        /// 0-based row index.
        row: usize,
        /// Column name.
        column: String,
        /// The offending value.
        value: f64,
    },
    /// A value is finite but so large that squared distances would overflow (see
    /// [`crate::MAX_ABS_VALUE`]).
    #[error(
        "value {value:e} at row {row}, column `{column}` is too large to cluster (limit ±{limit:e}: squared distances would overflow); rescale the column",
        limit = crate::MAX_ABS_VALUE
    )]
    TooLarge {
        /// 0-based row index.
        row: usize,
        /// Column name.
        column: String,
        /// The offending value.
        value: f64,
    },
    /// Standardising a value overflows (the scaling's scale is tiny or its mean huge).
    #[error(
        "standardising row {row}, column `{column}` overflows: the scaling's scale is too small (or its mean too large) for this value"
    )]
    ScalingOverflow {
        /// 0-based row index.
        row: usize,
        /// Column name.
        column: String,
    },
    /// A value is null (missing) in a DataFrame column.
    #[error("null value at row {row}, column `{column}`")]
    Null {
        /// 0-based row index.
        row: usize,
        /// Column name.
        column: String,
    },
    /// No numeric column to cluster on.
    #[error("no numeric column to cluster on")]
    NoNumericColumns,
    /// The table has no rows.
    #[error("the table has no rows")]
    NoRows,
    /// Row weights that k-means cannot use.
    #[error("invalid sample weights: {reason}")]
    InvalidWeights {
        /// What is wrong, in words.
        reason: String,
    },
    /// A requested column does not exist.
    #[error("unknown column `{name}` (available: {available})")]
    UnknownColumn {
        /// Requested name.
        name: String,
        /// Comma separated list of the table's columns.
        available: String,
    },
    /// A column is asked for twice (a repeated name would count one column twice).
    #[error("column `{name}` is named twice; each column can be used once")]
    DuplicateColumn {
        /// The repeated name.
        name: String,
    },
    /// A requested column is not numeric.
    #[error("column `{name}` has type {dtype}, not a numeric type")]
    NotNumeric {
        /// Column name.
        name: String,
        /// Its polars data type.
        dtype: String,
    },
    /// k is 0.
    #[error("k must be at least 1")]
    ZeroK,
    /// [`crate::Init::Given`] holds a number of centroids other than k.
    #[error("{given} given centroids for k = {k}")]
    GivenCentroids {
        /// Centroids given.
        given: usize,
        /// Clusters asked for.
        k: usize,
    },
    /// A given centroid's length differs from the others' or from the table's columns.
    #[error("given centroid {centroid} has {values} values, expected {columns}")]
    GivenCentroidWidth {
        /// The centroid (0-based).
        centroid: usize,
        /// Its number of values.
        values: usize,
        /// The number expected.
        columns: usize,
    },
    /// `max_iter` is zero.
    #[error("max_iter must be at least 1")]
    InvalidMaxIter,
    /// `n_init` is zero or above [`crate::MAX_N_INIT`].
    #[error("n_init must be from 1 to {max} (got {n_init})", max = crate::MAX_N_INIT)]
    InvalidNInit {
        /// The rejected value.
        n_init: usize,
    },
    /// `tol` is negative or not finite.
    #[error("tol = {tol} is invalid (must be finite and >= 0)")]
    InvalidTol {
        /// The offending tolerance.
        tol: f64,
    },
    /// `batch_size` of mini-batch k-means is zero.
    #[error("batch_size must be at least 1")]
    InvalidBatchSize,
    /// The initial sample of mini-batch k-means is smaller than k.
    #[error("init_size = {init_size} is invalid for k = {k} (need init_size >= k)")]
    InvalidInitSize {
        /// The sample size asked for.
        init_size: usize,
        /// Clusters asked for.
        k: usize,
    },
    /// A range of k to scan is empty or starts at 0.
    #[error("invalid range of k: {from}..={to}")]
    InvalidKRange {
        /// First k.
        from: usize,
        /// Last k.
        to: usize,
    },
    /// `k = auto` found no k in its range with a defined silhouette (the rows are identical, or
    /// nearly so: every fit put them in one cluster).
    #[error(
        "k = auto: the silhouette is undefined for every k in {from}..={to}, since the table has only {distinct_rows} distinct row(s); choose k yourself"
    )]
    AutoKUndefined {
        /// First k tried.
        from: usize,
        /// Last k tried.
        to: usize,
        /// Distinct rows of the table.
        distinct_rows: usize,
    },
    /// Silhouette needs 2 <= number of labels used <= n - 1.
    #[error(
        "silhouette needs between 2 and n-1 clusters, got {n_clusters} clusters for {n_rows} rows"
    )]
    SilhouetteUndefined {
        /// Number of distinct labels.
        n_clusters: usize,
        /// Number of rows.
        n_rows: usize,
    },
    /// A table's number of columns differs from what was fitted (a model, a PCA, a streamed
    /// mini-batch).
    #[error("shape mismatch: {fitted} has {expected} columns, the table {found}")]
    ColumnCount {
        /// What was fitted: `"model"`, `"PCA"`, `"mini-batch"`.
        fitted: &'static str,
        /// Columns fitted.
        expected: usize,
        /// Columns given.
        found: usize,
    },
    /// Two sequences that go together (labels and rows, two labellings) differ in length.
    #[error("shape mismatch: {found} {what}, expected {expected}")]
    LengthMismatch {
        /// What was counted: `"labels"`.
        what: &'static str,
        /// The length needed.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A row-major slice's length is not a multiple of its number of columns.
    #[error("shape mismatch: {values} values is not a multiple of {n_cols} columns")]
    Ragged {
        /// Values given.
        values: usize,
        /// Columns.
        n_cols: usize,
    },
    /// A row index or a label is out of range.
    #[error("shape mismatch: {what} {index} is not below {bound}")]
    OutOfRange {
        /// What was indexed: `"row"`, `"label"`.
        what: &'static str,
        /// The index.
        index: usize,
        /// The exclusive bound.
        bound: usize,
    },
    /// A polars operation failed.
    #[error("polars: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    /// Reading or writing a model file failed.
    #[error("model file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A model file is not valid JSON of the expected structure.
    #[error("model file {path}: malformed JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The serde error.
        source: serde_json::Error,
    },
    /// A model file parses but its contents are inconsistent.
    #[error("model file {path}: invalid model: {reason}")]
    InvalidModel {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl KMeansError {
    /// The same error with its row index (if it names one) moved by `offset`: for a chunk
    /// whose first row is row `offset` of the whole table.
    pub fn offset_row(self, offset: usize) -> Self {
        match self {
            KMeansError::NonFinite { row, column, value } => KMeansError::NonFinite {
                row: row + offset,
                column,
                value,
            },
            KMeansError::TooLarge { row, column, value } => KMeansError::TooLarge {
                row: row + offset,
                column,
                value,
            },
            KMeansError::ScalingOverflow { row, column } => KMeansError::ScalingOverflow {
                row: row + offset,
                column,
            },
            KMeansError::Null { row, column } => KMeansError::Null {
                row: row + offset,
                column,
            },
            other => other,
        }
    }
}

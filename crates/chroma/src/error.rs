//! The crate's error type.

use std::path::PathBuf;

use audio_io::AudioError;
use stfeatures::FeatureError;

/// Everything that can go wrong computing chroma, profiles and tables. Variants about a file
/// carry its path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChromaError {
    /// The file could not be decoded.
    #[error("{path}: cannot decode audio", path = path.display())]
    Audio {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        #[source]
        source: AudioError,
    },
    /// The short-term features (pyaa chroma, statistics) could not be computed.
    #[error("{path}: cannot compute short-term features", path = path.display())]
    Features {
        /// The file.
        path: PathBuf,
        /// What the feature extractor said.
        #[source]
        source: FeatureError,
    },
    /// The file gave a different number of samples on its second decoding pass.
    #[error("{path}: decoded {first} samples on the first pass but {second} on the second",
        path = path.display())]
    StreamChanged {
        /// The file.
        path: PathBuf,
        /// Samples on pass 1.
        first: u64,
        /// Samples on pass 2.
        second: u64,
    },
    /// The signal is shorter than one analysis window (the reference's `int(0.050 fs)` samples).
    #[error("{path}: {samples} samples is shorter than one analysis window of {window} samples",
        path = path.display())]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Samples in the file.
        samples: u64,
        /// Window length in samples.
        window: usize,
    },
    /// A parameter is out of range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A table file's extension is not `.csv`, `.parquet` or `.json`.
    #[error("{path}: unknown table format (use a .csv, .parquet or .json file name)",
        path = path.display())]
    UnknownTableFormat {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing a table file failed at the file-system level.
    #[error("{path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A table file is so malformed that its reader gave up (polars panicked on it, or its
    /// Parquet page headers contradict each other).
    #[error("{path}: corrupt table file: {reason}", path = path.display())]
    CorruptTable {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        reason: String,
    },
    /// Polars failed to read, write or build a table.
    #[error("{step}: {source}")]
    Table {
        /// What was being done, to which file.
        step: TableStep,
        /// Polars' error.
        #[source]
        source: polars::error::PolarsError,
    },
    /// A journal, stamp file or table of a resumable run cannot be used as it is.
    #[error("{path}: {reason}", path = path.display())]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A folder read as one table (a Parquet dataset such as the parts of a sharded run)
    /// is incomplete or its parts do not agree.
    #[error("{path}: {reason}", path = path.display())]
    Dataset {
        /// The folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A text column of a table holds numbers but one cell is not a number.
    #[error("column {column:?} holds numbers but row {row} holds {cell:?}, which is not a number")]
    NotANumber {
        /// The column.
        column: String,
        /// The row (0-based).
        row: usize,
        /// The cell's text.
        cell: String,
    },
    /// A table lacks a column its schema needs ([`crate::schema`]).
    #[error("the table has no column {column:?}")]
    MissingColumn {
        /// The column.
        column: String,
    },
    /// A table has no numeric feature column ([`crate::schema::feature_columns`]).
    #[error("the table has no numeric feature column")]
    NoFeatureColumns,
}

/// What a table operation was doing when polars failed ([`ChromaError::Table`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TableStep {
    /// Reading a table file.
    Read(PathBuf),
    /// Writing a table file.
    Write(PathBuf),
    /// Adding one part of a Parquet dataset to the table.
    Stack(PathBuf),
    /// Putting a dataset's rows in file order.
    Sort(PathBuf),
    /// Building a table in memory (`"chromagram"`, `"feature"`).
    Build(&'static str),
    /// Writing the per-frame feature table.
    WriteFeatures,
    /// Reading one column.
    Column(String),
}

impl std::fmt::Display for TableStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TableStep::Read(p) => write!(f, "reading {}", p.display()),
            TableStep::Write(p) => write!(f, "writing {}", p.display()),
            TableStep::Stack(p) => write!(f, "stacking {}", p.display()),
            TableStep::Sort(p) => write!(f, "sorting {}", p.display()),
            TableStep::Build(which) => write!(f, "building the {which} table"),
            TableStep::WriteFeatures => f.write_str("writing the feature table"),
            TableStep::Column(name) => write!(f, "column {name:?}"),
        }
    }
}

//! The table layer's error type.

use std::path::{Path, PathBuf};

use chroma::ChromaError;

/// Everything that can go wrong reading, writing and building tables, running a resumable
/// batch, or checking a table's columns. An analysis error (a file that cannot be decoded or
/// analysed) is passed through as it is ([`TableError::Analysis`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// Analysing a file failed; the error names the file.
    #[error(transparent)]
    Analysis(#[from] ChromaError),
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
    /// A CSV file does not read as a table (another delimiter, no rows, a ragged line): what
    /// is wrong, in words ([`crate::read_table`]).
    #[error("{path}: cannot read it as a table: {reason}", path = path.display())]
    CsvShape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
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
    /// Another live run is writing the same output: it holds the lock on the journal beside it
    /// ([`crate::journal`]).
    #[error("{output}: another chromacluster run is writing this output now (it holds the lock \
             on its journal {journal}); wait for it to finish or stop it, or name another output",
        output = output.display(), journal = journal.display())]
    RunInProgress {
        /// The output both runs write.
        output: PathBuf,
        /// The locked journal.
        journal: PathBuf,
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
    /// A table has no sound description ([`chroma::sound`]; `notes --sound` writes one).
    #[error("the table has no sound description (column {column:?} missing; make the table with `notes --sound`)")]
    NoSoundColumns {
        /// The first sound column missing.
        column: String,
    },
    /// A table's sound columns follow another schema version than this build's.
    #[error("the table's sound description is schema version {found}; this build reads version {expected}")]
    SoundSchema {
        /// The version the table states.
        found: String,
        /// The version this build writes and reads.
        expected: u32,
    },
}

impl TableError {
    /// The file (or folder) the error names, if it names one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            TableError::Analysis(e) => e.path(),
            TableError::UnknownTableFormat { path }
            | TableError::Io { path, .. }
            | TableError::CorruptTable { path, .. }
            | TableError::CsvShape { path, .. }
            | TableError::Checkpoint { path, .. }
            | TableError::Dataset { path, .. } => Some(path),
            TableError::RunInProgress { output, .. } => Some(output),
            TableError::Table { step, .. } => step.path(),
            _ => None,
        }
    }
}

/// What a table operation was doing when polars failed ([`TableError::Table`]).
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

impl TableStep {
    /// The file the step was working on, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            TableStep::Read(p) | TableStep::Write(p) | TableStep::Stack(p) | TableStep::Sort(p) => {
                Some(p)
            }
            _ => None,
        }
    }
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

impl From<durable_output::OutputError> for TableError {
    fn from(e: durable_output::OutputError) -> Self {
        TableError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

//! The crate's error type.

use std::path::{Path, PathBuf};

use audio_io::AudioError;
use stfeatures::FeatureError;

/// Everything that can go wrong computing chroma, profiles and tables.
///
/// An error about a file names it once: decoding and feature errors name it themselves (and
/// are passed through transparently), everything else about a file carries its path here
/// ([`ChromaError::path`]). A front end prints the error's chain as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChromaError {
    /// The file could not be decoded; the error names the file.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The short-term features (pyaa chroma, statistics) could not be computed: the signal is
    /// shorter than one window, changed between the two passes, ... The error names the file
    /// when it is about one ([`FeatureError::path`]).
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// An error about a file that does not name the file itself (e.g. a rate no analyser can
    /// be built for), named here: see [`ChromaError::in_file`].
    #[error("{path}: {source}", path = path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<ChromaError>,
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
    /// A table lacks a column its schema needs ([`crate::table::schema`]).
    #[error("the table has no column {column:?}")]
    MissingColumn {
        /// The column.
        column: String,
    },
    /// A table has no numeric feature column ([`crate::table::schema::feature_columns`]).
    #[error("the table has no numeric feature column")]
    NoFeatureColumns,
    /// A table has no sound description ([`crate::sound`]; `notes --sound` writes one).
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

impl ChromaError {
    /// The file (or folder) the error names, if it names one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ChromaError::Audio(e) => Some(e.path()),
            ChromaError::Features(e) => e.path(),
            ChromaError::File { path, .. }
            | ChromaError::UnknownTableFormat { path }
            | ChromaError::Io { path, .. }
            | ChromaError::CorruptTable { path, .. }
            | ChromaError::CsvShape { path, .. }
            | ChromaError::Checkpoint { path, .. }
            | ChromaError::Dataset { path, .. } => Some(path),
            ChromaError::RunInProgress { output, .. } => Some(output),
            ChromaError::Table { step, .. } => step.path(),
            _ => None,
        }
    }

    /// This error, naming `path` if it does not name a file yet ([`ChromaError::File`]): the
    /// one place a per-file function attaches its file, so that no error names it twice.
    pub fn in_file(self, path: &Path) -> ChromaError {
        if self.path().is_some() {
            return self;
        }
        ChromaError::File {
            path: path.to_path_buf(),
            source: Box::new(self),
        }
    }
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

impl From<durable_output::OutputError> for ChromaError {
    fn from(e: durable_output::OutputError) -> Self {
        ChromaError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

/// An error and its causes on one line, outermost first, joined with `: `. A cause whose
/// message the line already contains is left out (many errors quote their source, which the
/// chain then lists again: "os error 13: os error 13"), and so is an empty one.
///
/// The one spelling of an error chain: the binary's error messages and failure lines, the
/// Python module's exception messages and the journal's failed rows all use it.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut line = String::new();
    let mut add = |text: String| {
        if text.is_empty() || line.contains(&text) {
            return;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    };
    add(err.to_string());
    let mut source = err.source();
    while let Some(cause) = source {
        add(cause.to_string());
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cause quoted by the error above it is written once; the others follow in order.
    #[test]
    fn error_chain_joins_causes_once() {
        let err = ChromaError::File {
            path: "a.wav".into(),
            source: Box::new(ChromaError::Io {
                path: "a.wav".into(),
                source: std::io::Error::from_raw_os_error(13),
            }),
        };
        let text = error_chain(&err);
        assert_eq!(text.matches("os error 13").count(), 1, "{text}");
        assert!(text.starts_with("a.wav: a.wav: "), "{text}");
        assert_eq!(
            error_chain(&std::io::Error::other("plain")),
            "plain".to_string()
        );
    }
}

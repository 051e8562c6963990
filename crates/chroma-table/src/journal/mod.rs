//! Batches that survive being killed, and tables kept up to date.
//!
//! A [`DurableRun`] analyses a batch of files for one output table and keeps every finished
//! row as it goes, in a **journal** beside the output (`.NAME.chromacluster-journal`,
//! [`journal_path`]): a header line recording the format version and the options of the run
//! (chroma mode, votes, profile, statistics, analyser parameters and the crate's version,
//! [`options_fingerprint`]), then one JSON line per finished file, with its size and
//! modification time. Each line is written to the file as its file finishes, so a killed
//! process loses nothing finished; the lines are `fsync`ed in batches ([`FlushPolicy`]: every
//! second or every 256 files by default) against a power loss. Running the same batch again
//! for the same output resumes: files whose row is in the journal, with the same size and
//! modification time, are not analysed again; a journal written with other options (or in
//! another format) is discarded, so rows of different options never mix. Failures are
//! journalled too but retried on resume (a failure may have been transient or fixed since; a
//! bad file fails again quickly). When the table is written the journal is removed. A torn
//! last line (the process died while appending) is ignored.
//!
//! The journal is also the run's **lock**: a run holds an advisory exclusive lock on it, so a
//! second run for the same output is refused ([`TableError::RunInProgress`]) instead of
//! sharing the journal. The hidden files are never opened through a symbolic link and only as
//! regular files; a FIFO, a link or a folder at their names is an error naming it.
//!
//! Every table a run writes gets a **stamp file** beside it (`.NAME.chromacluster-stamps`,
//! [`stamps_path`]): the options fingerprint, the table's own size and modification time, and
//! each row's file with its size and modification time. With [`DurableSettings::update`], a
//! run reuses the rows of the existing table whose file is unchanged (same size and
//! modification time), analyses new and changed files, and drops the rows of files that are
//! no longer among the inputs ([`UpdateCounts`]). Without a stamp file that matches the table
//! and the options, nothing can be proved unchanged and every file is analysed again.
//!
//! The files, one job each: [`codec`] (the versioned JSON-lines text of both hidden files),
//! `hidden_file.rs` (opening them safely, the lock, names that always fit), `appender.rs` (the
//! open journal: recovering it, appending rows), `update.rs` (stamps and the existing table),
//! `run.rs` ([`DurableRun`]: what to reuse, resume or analyse).
//!
//! ```no_run
//! use chroma_table::journal::{DurableRun, DurableSettings};
//! use chroma::TableOptions;
//! use std::path::{Path, PathBuf};
//!
//! let files: Vec<PathBuf> = vec!["a.wav".into(), "b.flac".into()];
//! let settings = DurableSettings { update: true, ..DurableSettings::default() };
//! let mut run = DurableRun::open(Path::new("table.parquet"), &TableOptions::default(), settings)?;
//! for note in run.notes() {
//!     eprintln!("note: {note}");
//! }
//! let report = run.analyze(&files, &|| {})?;
//! for (path, err) in &report.batch.failures {
//!     eprintln!("{}: {err}", path.display());
//! }
//! let table = run.finish(&report)?; // writes table.parquet, its stamps; removes the journal
//! # Ok::<(), chroma_table::TableError>(())
//! ```

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

#[cfg(doc)]
use crate::TableError;
use chroma::TableOptions;

mod appender;
pub mod codec;
mod hidden_file;
mod run;
mod update;

pub use run::{DurableReport, DurableRun, DurableSettings, UpdateCounts};
pub use update::analyses_of_table;

/// The journal's file name ends with this (after `.` and the output's file name).
pub const JOURNAL_SUFFIX: &str = ".chromacluster-journal";
/// The stamp file's name ends with this (after `.` and the table's file name).
pub const STAMPS_SUFFIX: &str = ".chromacluster-stamps";

/// Whether a file name is one of the project's own hidden files: a temporary output
/// ([`durable_output::TEMP_PREFIX`]...), a journal or a stamp file. Never input.
pub fn is_own_file(name: &std::ffi::OsStr) -> bool {
    let text = name.to_string_lossy();
    durable_output::is_temp_output(name)
        || (text.starts_with('.')
            && (text.ends_with(JOURNAL_SUFFIX) || text.ends_with(STAMPS_SUFFIX)))
}

/// The journal beside `output`: `.NAME.chromacluster-journal` in the same folder (NAME
/// shortened with a hash of it when the whole would be too long a file name).
pub fn journal_path(output: &Path) -> PathBuf {
    hidden_file::hidden_beside(output, JOURNAL_SUFFIX)
}

/// The stamp file beside the table `output`: `.NAME.chromacluster-stamps` in the same folder
/// (shortened as [`journal_path`] is).
pub fn stamps_path(output: &Path) -> PathBuf {
    hidden_file::hidden_beside(output, STAMPS_SUFFIX)
}

/// What identifies a version of a file: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i64,
}

impl FileStamp {
    /// The stamp of the file at `path` (following symlinks), or `None` if it cannot be read.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta.modified().ok()?;
        let mtime_ns = match modified.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos()).ok()?,
            Err(e) => -i64::try_from(e.duration().as_nanos()).ok()?,
        };
        Some(FileStamp {
            size: meta.len(),
            mtime_ns,
        })
    }
}

/// What a row holds besides what the options decide, named in the fingerprint: a table or
/// journal written before it held the files' own tags is not reused (its rows have no tags).
const ROW_CONTENT: &str = "tags";

/// A description of everything in `options` that changes a table's values, with this crate's
/// version and what a row holds (`ROW_CONTENT`): rows are reused only between runs with
/// equal fingerprints.
pub fn options_fingerprint(options: &TableOptions) -> String {
    format!(
        "chroma {} {ROW_CONTENT} {:?}",
        env!("CARGO_PKG_VERSION"),
        options
    )
}

/// When the journal's lines are `fsync`ed (they are written to the file at once): after this
/// many finished files, or when a file finishes this long after the last `fsync`, whichever
/// comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushPolicy {
    /// Finished files per `fsync` (at least 1).
    pub files: usize,
    /// Longest time between `fsync`s (checked as files finish).
    pub interval: Duration,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        FlushPolicy {
            files: 256,
            interval: Duration::from_secs(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    /// The check the old `chroma::table::cleanup` had before the atomic writer moved to
    /// `durable_output`: temporary outputs, journals and stamp files are never input.
    #[test]
    fn own_files_are_recognised() {
        for own in [
            ".chromacluster-abc123",
            ".t.csv.chromacluster-journal",
            ".t.parquet.chromacluster-stamps",
        ] {
            assert!(is_own_file(OsStr::new(own)), "{own}");
        }
        for other in [
            "song.wav",
            "chromacluster-journal",
            "x.chromacluster-stamps",
        ] {
            assert!(!is_own_file(OsStr::new(other)), "{other}");
        }
    }
}

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

/// The fingerprint of a run: the analysis version ([`chroma::ANALYSIS_VERSION`]), what a row
/// holds (`ROW_CONTENT`) and every setting of `options` that changes a table's values, by name
/// ([`TableOptions::named_values`]): `analysis 2; rows tags; mode=Accurate; ...`. Rows are
/// reused only where [`fingerprint_matches`] says so.
pub fn options_fingerprint(options: &TableOptions) -> String {
    let mut text = format!("analysis {}; rows {ROW_CONTENT}", chroma::ANALYSIS_VERSION);
    for (name, value) in options.named_values() {
        text.push_str(&format!("; {name}={value}"));
    }
    text
}

/// Whether rows made under the fingerprint `stored` are what `options` would make now: the
/// same analysis version and row content, and setting by setting the same values. A setting
/// absent from `stored` (added by a later version) matches when `options` leaves it at its
/// default, which is what the older version computed with; a stored setting this version does
/// not know never matches. A fingerprint of another form (an older one, or a damaged one)
/// never matches, so its rows are analysed again: nothing stale is reused.
pub fn fingerprint_matches(stored: &str, options: &TableOptions) -> bool {
    let head = format!(
        "analysis {}; rows {ROW_CONTENT}; ",
        chroma::ANALYSIS_VERSION
    );
    let Some(stored) = stored.strip_prefix(&head) else {
        return false;
    };
    let Some(stored) = stored
        .split("; ")
        .map(|setting| setting.split_once('='))
        .collect::<Option<Vec<(&str, &str)>>>()
    else {
        return false;
    };
    let now = options.named_values();
    let defaults = TableOptions::default().named_values();
    let value_in = |list: &[(&'static str, String)], name: &str| {
        list.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    stored
        .iter()
        .all(|&(name, value)| value_in(&now, name).as_deref() == Some(value))
        && now.iter().all(|(name, value)| {
            stored.iter().any(|(n, _)| n == name)
                || value_in(&defaults, name).as_ref() == Some(value)
        })
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

    /// Fingerprints compare setting by setting: equal options match, any changed setting does
    /// not, a setting an older version did not write matches only at its default, and an
    /// unknown setting, another analysis version or an old-form fingerprint never match.
    #[test]
    fn fingerprints_match_setting_by_setting() {
        let default = TableOptions::default();
        let fp = options_fingerprint(&default);
        let version = chroma::ANALYSIS_VERSION;
        assert!(
            fp.starts_with(&format!("analysis {version}; rows tags; mode=Accurate; ")),
            "{fp}"
        );
        assert!(fingerprint_matches(&fp, &default));
        let tuned = default.with_tuning(chroma::Tuning::cents(12.0).unwrap());
        assert!(!fingerprint_matches(&fp, &tuned));
        assert!(fingerprint_matches(&options_fingerprint(&tuned), &tuned));
        let reference = TableOptions::reference();
        assert!(!fingerprint_matches(&fp, &reference));
        assert!(!fingerprint_matches(
            &options_fingerprint(&reference),
            &default
        ));

        // Written by a version without `key.min_strength`: it computed with the default.
        let older = fp.replace("; key.min_strength=0.5", "");
        assert_ne!(older, fp, "the test must remove a setting");
        assert!(fingerprint_matches(&older, &default));
        let mut stricter = default;
        stricter.key.min_strength = 0.7;
        assert!(!fingerprint_matches(&older, &stricter));

        // A setting this version does not know, another analysis version, other forms.
        assert!(!fingerprint_matches(&format!("{fp}; future=1"), &default));
        for other in [version - 1, version + 1] {
            assert!(!fingerprint_matches(
                &fp.replace(
                    &format!("analysis {version};"),
                    &format!("analysis {other};")
                ),
                &default
            ));
        }
        assert!(!fingerprint_matches(
            &format!("chroma 0.1.0 tags {default:?}"),
            &default
        ));
        assert!(!fingerprint_matches("", &default));
        assert!(!fingerprint_matches(&fp.replace("mode=", "mode"), &default));
    }

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

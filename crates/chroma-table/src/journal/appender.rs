//! The open journal of a run: what an earlier, interrupted run left in it, and each finished
//! file appended as it finishes.
//!
//! Every line is written to the file (one `write`) as soon as its file finishes, so the
//! operating system keeps it across a kill of the process; `fsync` makes the lines durable
//! against a power loss in batches ([`FlushPolicy`]: every second or every 256 files by
//! default, checked as files finish). A line torn by a crash in the middle of its write (no
//! newline) is dropped when the journal is opened again.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::TableError;
use chroma::{FileAnalysis, TableOptions};

use super::codec::{Header, JournalLine, JOURNAL_FORMAT};
use super::hidden_file::open_locked;
use super::{fingerprint_matches, journal_path, options_fingerprint, FileStamp, FlushPolicy};

/// An open journal, locked by this run, appending finished files.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// The locked file; kept open (and locked) even when writing to it failed, so no other
    /// run takes the output until this one ends.
    file: File,
    /// Whether lines are still written (false after a write error: the run goes on without
    /// checkpoints).
    writing: bool,
    /// Lines written since the last `fsync`.
    unsynced: usize,
    last_sync: Instant,
    policy: FlushPolicy,
}

/// What an existing journal held when it was opened.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Finished files, by file label as in the table.
    pub done: HashMap<String, (Option<FileStamp>, FileAnalysis)>,
    /// Why an existing journal was not used, if it was not.
    pub discarded: Option<String>,
    /// Lines that could not be read (skipped; their files are analysed again).
    pub bad_lines: usize,
    /// Failures recorded (they are retried).
    pub failures: usize,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> TableError + '_ {
    move |source| TableError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Journal {
    /// Opens and locks the journal of `output` for `options`: resumes an existing one written
    /// with the same options (dropping a torn last line), else starts a new one. Fails with
    /// [`TableError::RunInProgress`] while another run holds it, and names the path if
    /// something other than a regular file is there.
    pub fn open(
        output: &Path,
        options: &TableOptions,
        policy: FlushPolicy,
    ) -> Result<(Journal, Recovered), TableError> {
        let path = journal_path(output);
        let err = io_err(&path);
        let header = Header::new(JOURNAL_FORMAT, options_fingerprint(options), None);
        let mut recovered = Recovered::default();
        let locked = open_locked(&path, output)?;
        let mut file = locked.file;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(&err)?;
        // Only whole lines count: a line without its newline was torn by a crash.
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let text = String::from_utf8_lossy(&bytes[..whole]);
        let mut lines = text.lines();
        let keep = match lines.next().map(|l| Header::parse(l, JOURNAL_FORMAT)) {
            Some(Ok(found))
                if found.format == header.format
                    && found.version == header.version
                    && found.table == header.table
                    && fingerprint_matches(&found.options, options) =>
            {
                true
            }
            Some(Ok(_)) => {
                recovered.discarded = Some(format!(
                    "{} was written by a run with other options or another version; \
                     starting afresh",
                    path.display()
                ));
                false
            }
            Some(Err(problem)) => {
                recovered.discarded = Some(format!(
                    "{} {}; its rows are not read, starting afresh",
                    path.display(),
                    problem.describe()
                ));
                false
            }
            None => false,
        };
        if keep {
            for line in lines {
                match JournalLine::parse(line) {
                    Some(JournalLine::Row(row)) => {
                        recovered
                            .done
                            .insert(row.file.clone(), (row.stamp, row.analysis()));
                    }
                    Some(JournalLine::Failed(failure)) => {
                        recovered.done.remove(&failure.file);
                        recovered.failures += 1;
                    }
                    None => recovered.bad_lines += 1,
                }
            }
            file.set_len(whole as u64).map_err(&err)?;
            file.seek(SeekFrom::End(0)).map_err(&err)?;
        } else {
            file.set_len(0).map_err(&err)?;
            file.seek(SeekFrom::Start(0)).map_err(&err)?;
            file.write_all(header.to_line().as_bytes()).map_err(&err)?;
            file.sync_all().map_err(&err)?;
            if locked.created {
                sync_dir(durable_output::parent_dir(output));
            }
        }
        drop(err);
        Ok((
            Journal {
                path,
                file,
                writing: true,
                unsynced: 0,
                last_sync: Instant::now(),
                policy,
            },
            recovered,
        ))
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `line` to the file at once, and `fsync`s when the policy says so. After an
    /// error the journal stops writing (and keeps its lock); the error is returned once.
    pub fn push(&mut self, line: &JournalLine) -> Result<(), TableError> {
        if !self.writing {
            return Ok(());
        }
        let result = self
            .file
            .write_all(line.to_line().as_bytes())
            .map_err(io_err(&self.path));
        self.unsynced += 1;
        let result = result.and_then(|()| {
            if self.unsynced >= self.policy.files.max(1)
                || self.last_sync.elapsed() >= self.policy.interval
            {
                self.sync()
            } else {
                Ok(())
            }
        });
        if result.is_err() {
            self.writing = false;
        }
        result
    }

    /// `fsync`s the lines written since the last time.
    pub fn sync(&mut self) -> Result<(), TableError> {
        if self.writing && self.unsynced > 0 {
            if let Err(e) = self.file.sync_data() {
                self.writing = false;
                return Err(io_err(&self.path)(e));
            }
        }
        self.unsynced = 0;
        self.last_sync = Instant::now();
        Ok(())
    }

    /// Removes the journal (its lock goes with the file, once closed).
    pub fn remove(self) -> Result<(), TableError> {
        let result = match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&self.path)(e)),
            _ => Ok(()),
        };
        drop(self.file);
        result
    }
}

/// Makes a new directory entry durable (best effort; not possible everywhere).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::codec::sample_analysis as analysis;
    use chroma::ProfileKind;

    #[test]
    fn a_journal_resumes_drops_a_torn_line_and_is_discarded_for_other_options() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("t.csv");
        let options = TableOptions::default();
        let policy = FlushPolicy {
            files: 1000,
            ..FlushPolicy::default()
        };
        let (mut journal, recovered) = Journal::open(&output, &options, policy).unwrap();
        assert!(recovered.done.is_empty() && recovered.discarded.is_none());
        journal
            .push(&JournalLine::row(&analysis("a.wav", false), None))
            .unwrap();
        // Written at once, long before the policy's fsync.
        let on_disk = std::fs::read_to_string(journal_path(&output)).unwrap();
        assert_eq!(on_disk.lines().count(), 2, "{on_disk}");
        journal
            .push(&JournalLine::failed("b.wav", None, "broken"))
            .unwrap();
        drop(journal);
        // A crash in the middle of appending a line.
        let path = journal_path(&output);
        let mut f = File::options().append(true).open(&path).unwrap();
        f.write_all(b"{\"row\":{\"file\":\"c.wav\",\"stamp\":null,\"sample_r")
            .unwrap();
        drop(f);
        let (mut journal, recovered) = Journal::open(&output, &options, policy).unwrap();
        assert_eq!(recovered.done.len(), 1);
        assert_eq!(recovered.done["a.wav"].1, analysis("a.wav", false));
        assert_eq!((recovered.failures, recovered.bad_lines), (1, 0));
        // The torn line is gone, so the next line starts on its own.
        journal
            .push(&JournalLine::row(&analysis("d.wav", false), None))
            .unwrap();
        drop(journal);
        let (journal, recovered) = Journal::open(&output, &options, policy).unwrap();
        let mut files: Vec<&String> = recovered.done.keys().collect();
        files.sort();
        assert_eq!(files, ["a.wav", "d.wav"]);
        drop(journal);
        // Other options: nothing is reused.
        let other = TableOptions {
            profile: ProfileKind::MeanChroma,
            ..options
        };
        let (journal, recovered) = Journal::open(&output, &other, policy).unwrap();
        assert!(recovered.done.is_empty());
        assert!(recovered.discarded.unwrap().contains("other options"));
        journal.remove().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn a_journal_of_the_first_format_is_reported_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("t.csv");
        let path = journal_path(&output);
        std::fs::write(
            &path,
            "chromacluster-journal 1\t\"chroma 0.1.0 ...\"\nok\t\"a.wav\"\t1\t2\n",
        )
        .unwrap();
        let (journal, recovered) =
            Journal::open(&output, &TableOptions::default(), FlushPolicy::default()).unwrap();
        assert!(recovered.done.is_empty());
        let note = recovered.discarded.unwrap();
        assert!(
            note.contains("format 1") && note.contains("not read"),
            "{note}"
        );
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("{\"format\":\"chromacluster-journal\",\"version\":2"));
    }
}

//! [`DurableRun`]: which inputs are reused from the table (`--update`), resumed from the
//! journal of an interrupted run, or analysed now, and the table written at the end.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use polars::prelude::DataFrame;

use crate::batch::{analyze_files_each, AnalysisBatch};
use crate::build::table_of_options;
use crate::error::TableError;
use chroma::{FileAnalysis, TableOptions};

use super::appender::Journal;
use super::codec::JournalLine;
use super::update::{check_stamps_path, read_previous, write_stamps, Previous};
use super::{options_fingerprint, FileStamp, FlushPolicy};

/// How a [`DurableRun`] works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DurableSettings {
    /// Reuse the rows of the existing output table whose files are unchanged (see the module
    /// documentation).
    pub update: bool,
    /// Stop at the first failing file (files not started are skipped; the journal keeps what
    /// finished).
    pub stop_at_first_failure: bool,
    /// When the journal's lines are `fsync`ed (each is written as its file finishes).
    pub flush: FlushPolicy,
}

/// How an update run treated the existing table's rows and the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpdateCounts {
    /// Rows reused: the file is unchanged since the table was written.
    pub reused: usize,
    /// Files not in the table, analysed (a row added, or a failure).
    pub new: usize,
    /// Files in the table whose size or modification time changed (or could not be proved
    /// unchanged), analysed again (the row replaced, or dropped on a failure).
    pub changed: usize,
    /// Rows dropped because their file is gone: no longer among the inputs, or vanished
    /// during the run (its analysis found no file; not counted as changed).
    pub removed: usize,
    /// Files analysed that failed (new or changed ones): no row for them, and a changed file's
    /// old row is dropped.
    pub failed: usize,
}

/// What [`DurableRun::analyze`] did.
#[derive(Debug)]
pub struct DurableReport {
    /// Every input's analysis or failure, in sorted path order, as
    /// [`crate::analyze_files`] gives them (reused and resumed rows included).
    pub batch: AnalysisBatch,
    /// Files analysed by this call (failures included).
    pub analysed: usize,
    /// Files whose row came from the journal of an interrupted run.
    pub resumed: usize,
    /// With [`DurableSettings::update`]: what happened to the existing table's rows.
    pub update: Option<UpdateCounts>,
}

/// A batch for one output table that survives being killed; see the module documentation.
#[derive(Debug)]
pub struct DurableRun {
    output: PathBuf,
    options: TableOptions,
    settings: DurableSettings,
    journal: Option<Journal>,
    recovered: HashMap<String, (Option<FileStamp>, FileAnalysis)>,
    previous: Option<Previous>,
    notes: Vec<String>,
    stamps: Vec<(String, FileStamp)>,
}

impl DurableRun {
    /// Opens and locks the journal beside `output` (resuming an interrupted run with the same
    /// options) and, with [`DurableSettings::update`], reads the existing table at `output`
    /// and its stamp file. Fails if another run holds the journal
    /// ([`TableError::RunInProgress`]), if the journal cannot be created or something other
    /// than a regular file is at its name or the stamp file's, or if the table to update exists
    /// but cannot be read.
    pub fn open(
        output: &Path,
        options: &TableOptions,
        settings: DurableSettings,
    ) -> Result<DurableRun, TableError> {
        check_stamps_path(output)?;
        let (journal, recovered) = Journal::open(output, options, settings.flush)?;
        let mut notes = Vec::new();
        let previous = if settings.update && output.exists() {
            match read_previous(output, options, &mut notes) {
                Ok(previous) => Some(previous),
                Err(e) => {
                    // Nothing to resume was there: leave no journal behind either.
                    if recovered.done.is_empty() && recovered.failures == 0 {
                        journal.remove()?;
                    }
                    return Err(e);
                }
            }
        } else {
            None
        };
        if let Some(why) = recovered.discarded {
            notes.push(why);
        }
        if recovered.bad_lines > 0 {
            notes.push(format!(
                "{} unreadable line(s) in {} skipped; their files are analysed again",
                recovered.bad_lines,
                journal.path().display()
            ));
        }
        if !recovered.done.is_empty() || recovered.failures > 0 {
            notes.push(format!(
                "resuming an interrupted run: {} finished file(s) in {}{}",
                recovered.done.len(),
                journal.path().display(),
                if recovered.failures > 0 {
                    format!(
                        " ({} failure(s) recorded there are retried)",
                        recovered.failures
                    )
                } else {
                    String::new()
                }
            ));
        }
        Ok(DurableRun {
            output: output.to_path_buf(),
            options: *options,
            settings,
            journal: Some(journal),
            recovered: recovered.done,
            previous,
            notes,
            stamps: Vec::new(),
        })
    }

    /// Messages for the user about what was found (a resumed journal, a discarded one, a
    /// table whose rows cannot be reused...).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The output table's path.
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// Analyses `paths` (sorted, duplicates dropped), reusing what the journal and (with
    /// `update`) the existing table hold for unchanged files, and journalling every file
    /// that finishes. `progress` is called once per input (at once for reused ones). A
    /// journal that cannot be written is reported as a warning and the batch goes on without
    /// checkpoints.
    pub fn analyze(
        &mut self,
        paths: &[PathBuf],
        progress: &(dyn Fn() + Sync),
    ) -> Result<DurableReport, TableError> {
        let mut sorted: Vec<&PathBuf> = paths.iter().collect();
        sorted.sort();
        sorted.dedup();
        enum Source {
            Reused(FileAnalysis),
            Resumed(FileAnalysis),
            Todo,
        }
        let mut counts = UpdateCounts::default();
        let mut stamps: HashMap<PathBuf, Option<FileStamp>> = HashMap::new();
        let mut plan = Vec::with_capacity(sorted.len());
        let mut todo: Vec<PathBuf> = Vec::new();
        let mut inputs: HashSet<String> = HashSet::new();
        for path in &sorted {
            let key = chroma::file_label(path);
            let stamp = FileStamp::of(path);
            stamps.insert((*path).clone(), stamp);
            let from_table = self.previous.as_ref().and_then(|p| {
                p.rows
                    .get(&key)
                    .filter(|(s, _)| Some(*s) == stamp)
                    .map(|(_, a)| a.clone())
            });
            let source = if let Some(a) = from_table {
                counts.reused += 1;
                Source::Reused(a)
            } else {
                if self
                    .previous
                    .as_ref()
                    .is_some_and(|p| p.files.contains(&key))
                {
                    counts.changed += 1;
                } else {
                    counts.new += 1;
                }
                match self.recovered.get(&key) {
                    Some((s, a)) if s.is_some() && *s == stamp => Source::Resumed(a.clone()),
                    _ => {
                        todo.push((*path).clone());
                        Source::Todo
                    }
                }
            };
            if !matches!(source, Source::Todo) {
                progress();
            }
            inputs.insert(key);
            plan.push(source);
        }
        if let Some(p) = &self.previous {
            counts.removed = p.files.iter().filter(|f| !inputs.contains(*f)).count();
        }

        let journal = Mutex::new(self.journal.take());
        let record = |path: &Path, result: &Result<FileAnalysis, chroma::ChromaError>| {
            let stamp = stamps.get(path).copied().flatten();
            let line = match result {
                Ok(a) => JournalLine::row(a, stamp),
                Err(e) => {
                    JournalLine::failed(&chroma::file_label(path), stamp, &chroma::error_chain(e))
                }
            };
            let mut guard = journal.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(j) = guard.as_mut() {
                if let Err(e) = j.push(&line) {
                    tracing::warn!("{e}; going on without checkpoints");
                }
            }
            drop(guard);
            progress();
        };
        let fresh = analyze_files_each(
            &todo,
            &self.options,
            self.settings.stop_at_first_failure,
            &record,
        );
        let mut journal = journal.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(j) = journal.as_mut() {
            if let Err(e) = j.sync() {
                tracing::warn!("{e}; going on without checkpoints");
            }
        }
        self.journal = journal;

        let analysed = fresh.analyses.len() + fresh.failures.len();
        // Merge in sorted path order: `fresh` is in the order of `todo`, a subsequence.
        let mut fresh_ok = fresh.analyses.into_iter().peekable();
        let mut fresh_failed = fresh.failures.into_iter().peekable();
        let mut batch = AnalysisBatch {
            analyses: Vec::with_capacity(sorted.len()),
            failures: Vec::new(),
            stopped: fresh.stopped,
        };
        let mut resumed = 0;
        self.stamps.clear();
        for (path, source) in sorted.iter().zip(plan) {
            let analysis = match source {
                Source::Reused(a) => Some(a),
                Source::Resumed(a) => {
                    resumed += 1;
                    Some(a)
                }
                Source::Todo => {
                    let key = chroma::file_label(path);
                    if fresh_ok.peek().is_some_and(|a| a.file == key) {
                        fresh_ok.next()
                    } else {
                        if fresh_failed.peek().is_some_and(|(p, _)| p == *path) {
                            batch.failures.extend(fresh_failed.next());
                            let in_table = self
                                .previous
                                .as_ref()
                                .is_some_and(|p| p.files.contains(&key));
                            let vanished = std::fs::symlink_metadata(path)
                                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
                            if in_table && vanished {
                                counts.changed -= 1;
                                counts.removed += 1;
                            } else {
                                counts.failed += 1;
                            }
                        }
                        None
                    }
                }
            };
            if let Some(a) = analysis {
                if let Some(Some(stamp)) = stamps.get(*path) {
                    self.stamps.push((a.file.clone(), *stamp));
                }
                batch.analyses.push(a);
            }
        }
        Ok(DurableReport {
            analysed,
            batch,
            resumed,
            update: self.settings.update.then_some(counts),
        })
    }

    /// Builds the table of `report` ([`crate::table_of_options`] with this run's options), writes it to the
    /// output atomically ([`crate::write_table`]) with its stamp file, removes the journal,
    /// and returns the table.
    pub fn finish(mut self, report: &DurableReport) -> Result<DataFrame, TableError> {
        let mut table = table_of_options(&report.batch.analyses, &self.options)?;
        crate::io::write_table(&mut table, &self.output)?;
        write_stamps(
            &self.output,
            &options_fingerprint(&self.options),
            &self.stamps,
        )?;
        if let Some(j) = self.journal.take() {
            j.remove()?;
        }
        Ok(table)
    }

    /// Removes the journal without writing the table: for a run whose result went elsewhere
    /// (e.g. a clustering of the rows), or that has nothing worth resuming.
    pub fn discard(mut self) -> Result<(), TableError> {
        match self.journal.take() {
            Some(j) => j.remove(),
            None => Ok(()),
        }
    }
}

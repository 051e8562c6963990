//! The batch: many files analysed in parallel with rayon, in an order that does not depend on
//! the thread count, failures returned beside the good rows.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::DataFrame;
use rayon::prelude::*;

use chroma::ChromaError;

use crate::build::table_of_options;
use crate::error::TableError;
use chroma::{analyze_file, FileAnalysis, TableOptions};

/// The note table of a batch (one row per good file) and the files that failed.
#[derive(Debug)]
pub struct NoteTable {
    /// One row per good file, in sorted path order: `file`, `A` .. `G#`, `voiced_frames`,
    /// `frames`, `duration_s`, `sample_rate` (and the 68 feature statistics when asked).
    pub table: DataFrame,
    /// Files that could not be analysed, sorted by path, with why.
    pub failures: Vec<(PathBuf, ChromaError)>,
}

/// The analyses of a batch of files: the good ones and the failures, each in sorted path order.
#[derive(Debug)]
pub struct AnalysisBatch {
    /// Analyses of the files that succeeded.
    pub analyses: Vec<FileAnalysis>,
    /// Files that could not be analysed, with why.
    pub failures: Vec<(PathBuf, ChromaError)>,
    /// True when `stop_at_first_failure` or a cancel ([`analyze_files_until`]) cut the batch
    /// short (files not started are in neither list).
    pub stopped: bool,
}

/// Analyses `paths` (sorted, duplicates dropped) in parallel with rayon; the result's order does
/// not depend on the thread count. A failing file does not stop the batch unless
/// `stop_at_first_failure` is set, in which case files not yet started are skipped. `progress`
/// is called once after each analysed file (from worker threads).
pub fn analyze_files(
    paths: &[PathBuf],
    options: &TableOptions,
    stop_at_first_failure: bool,
    progress: &(dyn Fn() + Sync),
) -> AnalysisBatch {
    analyze_files_each(paths, options, stop_at_first_failure, &|_, _| progress())
}

/// [`analyze_files`], calling `on_result` with each file's result as soon as it is known (from
/// worker threads, in no particular order), e.g. to journal it ([`crate::journal`]).
pub fn analyze_files_each(
    paths: &[PathBuf],
    options: &TableOptions,
    stop_at_first_failure: bool,
    on_result: &(dyn Fn(&Path, &Result<FileAnalysis, ChromaError>) + Sync),
) -> AnalysisBatch {
    analyze_files_until(
        paths,
        options,
        stop_at_first_failure,
        &AtomicBool::new(false),
        on_result,
    )
}

/// [`analyze_files_each`] that a caller can stop: once `cancel` is set (from any thread, e.g.
/// a front end that saw Ctrl-C), files not yet started are skipped (in neither list; the
/// batch is [`AnalysisBatch::stopped`]) and the files being analysed finish.
pub fn analyze_files_until(
    paths: &[PathBuf],
    options: &TableOptions,
    stop_at_first_failure: bool,
    cancel: &AtomicBool,
    on_result: &(dyn Fn(&Path, &Result<FileAnalysis, ChromaError>) + Sync),
) -> AnalysisBatch {
    let mut sorted: Vec<&PathBuf> = paths.iter().collect();
    sorted.sort();
    sorted.dedup();
    let stop = AtomicBool::new(false);
    let stopped = || stop.load(Ordering::Relaxed) || cancel.load(Ordering::Relaxed);
    let results: Vec<(PathBuf, Option<Result<FileAnalysis, ChromaError>>)> = sorted
        .par_iter()
        .map(|p| {
            if stopped() {
                return ((*p).clone(), None);
            }
            let r = analyze_file(p, options);
            if r.is_err() && stop_at_first_failure {
                stop.store(true, Ordering::Relaxed);
            }
            on_result(p, &r);
            ((*p).clone(), Some(r))
        })
        .collect();
    let mut batch = AnalysisBatch {
        analyses: Vec::with_capacity(results.len()),
        failures: Vec::new(),
        stopped: stopped(),
    };
    for (path, r) in results {
        match r {
            Some(Ok(a)) => batch.analyses.push(a),
            Some(Err(e)) => batch.failures.push((path, e)),
            None => {}
        }
    }
    batch
}

/// Analyses `paths` in parallel (see [`analyze_files`]) and stacks the good files into a table
/// in sorted path order; files that fail are listed in [`NoteTable::failures`] and do not
/// stop the batch. `progress` is called once after each file (from worker threads). Fails only
/// if polars cannot build the table.
pub fn build_table(
    paths: &[PathBuf],
    options: &TableOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<NoteTable, TableError> {
    let batch = analyze_files(paths, options, false, progress);
    for (path, e) in &batch.failures {
        tracing::warn!("skipping {}: {e}", path.display());
    }
    let table = table_of_options(&batch.analyses, options)?;
    Ok(NoteTable {
        table,
        failures: batch.failures,
    })
}

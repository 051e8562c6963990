//! The shared part of every command that analyses audio: run the files through `chroma` in
//! parallel with a progress bar, report the failures, and get a table to cluster.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chroma::{ChromaError, ChromaMode, TableOptions};
use chroma_table::AnalysisBatch;
use polars::prelude::DataFrame;

use crate::args::{ChromaArg, ExtractArgs, GlobalArgs, ProfileArg, TonalArgs};
use crate::inputs::{self, Inputs};
use crate::output::one_line;
use audio_io::listing::UnreadableEntry as InputFailure;

/// The table options for the `--tuning`, `--a4` and `--key-profile` flags (the rest default).
pub fn tonal_options(tonal: &TonalArgs) -> TableOptions {
    TableOptions {
        key: chroma::KeyFinder::with_profile(tonal.key_profile),
        ..TableOptions::default()
    }
    .with_tuning(tonal.a4.unwrap_or(tonal.tuning))
}

/// The table options for the `--chroma`, `--profile`, `--summary`, `--relative` and tuning and
/// key flags. `--chroma pyaa` reproduces the reference table: every frame votes, a silent frame
/// for A, as pyAudioAnalysis's pipeline counted them; accurate mode counts voiced frames only.
pub fn table_options(extract: &ExtractArgs) -> TableOptions {
    let votes = match extract.chroma {
        ChromaArg::Accurate => chroma::VotePolicy::default(),
        ChromaArg::Pyaa => chroma::VotePolicy::AllFrames,
    };
    TableOptions {
        mode: chroma_mode(extract.chroma),
        votes,
        feature_stats: extract.summary,
        sound: extract.sound,
        profile: match extract.profile {
            ProfileArg::Dominant => chroma::ProfileKind::Dominant,
            ProfileArg::Mean => chroma::ProfileKind::MeanChroma,
        },
        relative: extract.relative,
        ..tonal_options(&extract.tonal)
    }
}

/// The library's chroma mode for a `--chroma` value.
pub fn chroma_mode(arg: ChromaArg) -> ChromaMode {
    match arg {
        ChromaArg::Accurate => ChromaMode::Accurate,
        ChromaArg::Pyaa => ChromaMode::Pyaa,
    }
}

/// Analyses `files` in parallel (see `chroma_table::analyze_files`) with a progress bar; failures
/// (and the folder entries in `unreadable`) are reported on stderr afterwards, in path order.
pub fn analyze_batch(
    global: &GlobalArgs,
    files: &[PathBuf],
    unreadable: &[InputFailure],
    options: &TableOptions,
) -> AnalysisBatch {
    let bar = crate::progress::files_bar(files.len(), global.quiet, "analysing");
    let batch = chroma_table::analyze_files(files, options, global.strict, &|| bar.inc(1));
    bar.finish_and_clear();
    report_failures(&batch.failures, unreadable, files.len() + unreadable.len());
    if batch.stopped {
        eprintln!("stopped at the first failure (--strict)");
    }
    batch
}

/// Prints each failure (file and cause, one line each whatever the file's name holds) and a
/// count, on stderr, in path order.
pub fn report_failures(
    failures: &[(PathBuf, ChromaError)],
    unreadable: &[InputFailure],
    total: usize,
) {
    let mut lines: Vec<(&Path, String)> = failures
        .iter()
        .map(|(path, err)| (path.as_path(), file_error(path, err)))
        .chain(unreadable.iter().map(|f| {
            (
                f.path.as_path(),
                format!("{}: {}", f.path.display(), f.cause),
            )
        }))
        .collect();
    if lines.is_empty() {
        return;
    }
    lines.sort_by(|a, b| a.0.cmp(b.0));
    for (_, line) in &lines {
        eprintln!("error: {}", one_line(line));
    }
    const LISTED: usize = 10;
    let mut names: Vec<String> = lines
        .iter()
        .take(LISTED)
        .map(|(p, _)| one_line(&p.display().to_string()))
        .collect();
    if lines.len() > LISTED {
        names.push(format!("and {} more above", lines.len() - LISTED));
    }
    eprintln!(
        "{} of {total} file(s) failed: {}",
        lines.len(),
        names.join(", ")
    );
}

/// The line reporting `path`'s failure: the error's chain of causes, which names the file once
/// ([`chroma::ChromaError::path`]); an error that names no file gets `path: ` in front.
pub fn file_error(path: &Path, err: &ChromaError) -> String {
    let causes = chroma::error_chain(err);
    match err.path() {
        Some(_) => causes,
        None => format!("{}: {causes}", path.display()),
    }
}

/// A table to work on: a saved table, or the note-profile table of the audio inputs.
pub struct LoadedTable {
    /// The table.
    pub table: DataFrame,
    /// Whether any input failed.
    pub some_failed: bool,
    /// Whether the table was read from a saved table file (not analysed from audio).
    pub from_table: bool,
    /// The resumable run that extracted the table, whose journal is to be discarded once the
    /// command's own outputs are written.
    pub run: Option<chroma_table::journal::DurableRun>,
}

impl LoadedTable {
    /// Discards the journal of the extraction (the command's outputs are written).
    pub fn done(self) -> anyhow::Result<()> {
        if let Some(run) = self.run {
            run.discard()?;
        }
        Ok(())
    }
}

/// Loads a saved table (one table path) or analyses audio files into a table; `outputs` are
/// the command's (flag, path) outputs, refused if one is or would be an audio input.
pub fn load_table(
    global: &GlobalArgs,
    paths: &[PathBuf],
    extract: &ExtractArgs,
    outputs: &[(&str, &Path)],
) -> anyhow::Result<LoadedTable> {
    load_table_resumable(global, paths, extract, outputs, None, 1)
}

/// [`load_table`]; when it analyses audio and `journal_beside` names the command's output,
/// finished rows are journalled beside it ([`chroma_table::journal`]; flushed every
/// `checkpoint_every` files or second), so that the same command continues where a killed one
/// stopped. Call [`LoadedTable::done`] after writing the output.
pub fn load_table_resumable(
    global: &GlobalArgs,
    paths: &[PathBuf],
    extract: &ExtractArgs,
    outputs: &[(&str, &Path)],
    journal_beside: Option<&Path>,
    checkpoint_every: usize,
) -> anyhow::Result<LoadedTable> {
    match inputs::resolve(paths, true, global.quiet, outputs)? {
        Inputs::Table(path) => {
            let table = chroma_table::read_table(&path)?;
            Ok(LoadedTable {
                table,
                some_failed: false,
                from_table: true,
                run: None,
            })
        }
        Inputs::Audio { files, unreadable } => {
            let options = table_options(extract);
            let (batch, run) = match journal_beside {
                None => (analyze_batch(global, &files, &unreadable, &options), None),
                Some(output) => {
                    let settings = chroma_table::journal::DurableSettings {
                        stop_at_first_failure: global.strict,
                        flush: chroma_table::journal::FlushPolicy {
                            files: checkpoint_every,
                            ..Default::default()
                        },
                        ..Default::default()
                    };
                    let (run, report) = run_durable(global, output, &options, settings, &files)?;
                    report_failures(
                        &report.batch.failures,
                        &unreadable,
                        files.len() + unreadable.len(),
                    );
                    if report.batch.stopped {
                        eprintln!("stopped at the first failure (--strict)");
                    }
                    (report.batch, Some(run))
                }
            };
            if batch.stopped {
                bail!("no output written");
            }
            if batch.analyses.is_empty() {
                if let Some(run) = run {
                    run.discard()?;
                }
                bail!("no file could be analysed");
            }
            let table = chroma_table::table_of_options(&batch.analyses, &options)?;
            Ok(LoadedTable {
                table,
                some_failed: !batch.failures.is_empty() || !unreadable.is_empty(),
                from_table: false,
                run,
            })
        }
    }
}

/// Opens the durable run of `output` (its notes printed: what is reused, resumed or
/// discarded) and analyses `files` in it with a progress bar.
pub fn run_durable(
    global: &GlobalArgs,
    output: &Path,
    options: &TableOptions,
    settings: chroma_table::journal::DurableSettings,
    files: &[PathBuf],
) -> anyhow::Result<(
    chroma_table::journal::DurableRun,
    chroma_table::journal::DurableReport,
)> {
    let mut run = chroma_table::journal::DurableRun::open(output, options, settings)?;
    if !global.quiet {
        for note in run.notes() {
            eprintln!("note: {note}");
        }
    }
    let bar = crate::progress::files_bar(files.len(), global.quiet, "analysing");
    let report = run.analyze(files, &|| bar.inc(1))?;
    bar.finish_and_clear();
    Ok((run, report))
}

/// The feature columns to cluster: `--columns`, or `chroma_table::schema::feature_columns` (numeric,
/// never Boolean or text, not metadata).
pub fn feature_columns(
    table: &DataFrame,
    explicit: Option<&[String]>,
) -> anyhow::Result<Vec<String>> {
    if let Some(cols) = explicit {
        let mut seen = std::collections::HashSet::new();
        if let Some(c) = cols.iter().find(|c| !seen.insert(c.as_str())) {
            return Err(crate::UsageError(format!(
                "--columns names {c:?} twice; name each column once"
            ))
            .into());
        }
        for c in cols {
            table
                .column(c)
                .with_context(|| format!("no column named {c:?} in the table"))?;
        }
        return Ok(cols.to_vec());
    }
    chroma_table::schema::feature_columns(table).map_err(|e| match e {
        chroma_table::TableError::NotANumber { .. } => {
            anyhow::anyhow!("{e}: fix the cell or leave the column out with --columns")
        }
        e => e.into(),
    })
}

/// Writes a result table to `path` (its format by extension), or prints it aligned on stdout.
pub fn emit_table(table: &mut DataFrame, path: Option<&Path>) -> anyhow::Result<()> {
    match path {
        Some(path) => chroma_table::write_table(table, path)?,
        None => crate::stdout::outp!("{}", crate::output::table_text(table)),
    }
    Ok(())
}

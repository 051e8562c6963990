//! The shared part of every command that analyses audio: run the files through `chroma` in
//! parallel with a progress bar, report the failures, and get a table to cluster.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chroma::{AnalysisBatch, ChromaError, ChromaMode, TableOptions};
use polars::prelude::{DataFrame, DataType};

use crate::args::{ChromaArg, ExtractArgs, GlobalArgs, ProfileArg, TonalArgs, TuningArg};
use crate::inputs::{self, Inputs};

/// Columns of a note-profile table that describe the file rather than its sound; they are not
/// clustered unless `--columns` names them.
pub const METADATA_COLUMNS: &[&str] = &[
    "voiced_frames",
    "frames",
    "duration_s",
    "sample_rate",
    "tuning_cents",
    "key",
    "key_strength",
];

/// The table options for the `--tuning`, `--a4` and `--key-profile` flags (the rest default).
pub fn tonal_options(tonal: &TonalArgs) -> TableOptions {
    let mut options = TableOptions {
        key: chroma::KeyFinder::with_profile(tonal.key_profile),
        ..TableOptions::default()
    };
    let fixed = match (tonal.a4, tonal.tuning) {
        (Some(hz), _) => Some(hz),
        (None, TuningArg::Cents(c)) => Some(chroma::tuning::a4_of_cents(c)),
        (None, TuningArg::Auto) => None,
    };
    if let Some(hz) = fixed {
        options.accurate.tuning = chroma::Tuning::Fixed;
        options.accurate.a4_hz = hz;
    }
    options
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

/// Analyses `files` in parallel (see `chroma::analyze_files`) with a progress bar; failures are
/// reported on stderr afterwards, in path order.
pub fn analyze_batch(
    global: &GlobalArgs,
    files: &[PathBuf],
    options: &TableOptions,
) -> AnalysisBatch {
    let bar = crate::progress::files_bar(files.len(), global.quiet, "analysing");
    let batch = chroma::analyze_files(files, options, global.strict, &|| bar.inc(1));
    bar.finish_and_clear();
    report_failures(&batch.failures, files.len());
    if batch.stopped {
        eprintln!("stopped at the first failure (--strict)");
    }
    batch
}

/// Prints each failure (file and cause) and a count, on stderr.
pub fn report_failures(failures: &[(PathBuf, ChromaError)], total: usize) {
    if failures.is_empty() {
        return;
    }
    for (path, err) in failures {
        eprintln!("error: {}", error_chain(path, err));
    }
    const LISTED: usize = 10;
    let mut names: Vec<String> = failures
        .iter()
        .take(LISTED)
        .map(|(p, _)| p.display().to_string())
        .collect();
    if failures.len() > LISTED {
        names.push(format!("and {} more above", failures.len() - LISTED));
    }
    eprintln!(
        "{} of {total} file(s) failed: {}",
        failures.len(),
        names.join(", ")
    );
}

/// `path: cause: cause...`, without repeating the path that inner errors also name.
pub fn error_chain(path: &Path, err: &(dyn std::error::Error + 'static)) -> String {
    let prefix = format!("{}: ", path.display());
    let mut parts = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        let text = text.strip_prefix(&prefix).unwrap_or(&text).to_string();
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
        current = e.source();
    }
    format!("{}{}", prefix, parts.join(": "))
}

/// A table to work on: a saved table, or the note-profile table of the audio inputs.
pub struct LoadedTable {
    /// The table.
    pub table: DataFrame,
    /// Whether any input failed.
    pub some_failed: bool,
}

/// Loads a saved table (one table path) or analyses audio files into a table.
pub fn load_table(
    global: &GlobalArgs,
    paths: &[PathBuf],
    extract: &ExtractArgs,
) -> anyhow::Result<LoadedTable> {
    match inputs::resolve(paths, true)? {
        Inputs::Table(path) => {
            let table = chroma::read_table(&path)?;
            Ok(LoadedTable {
                table,
                some_failed: false,
            })
        }
        Inputs::Audio { files } => {
            let options = table_options(extract);
            let batch = analyze_batch(global, &files, &options);
            if batch.stopped {
                bail!("no output written");
            }
            if batch.analyses.is_empty() {
                bail!("no file could be analysed");
            }
            let table = chroma::table_of_options(&batch.analyses, &options)?;
            Ok(LoadedTable {
                table,
                some_failed: !batch.failures.is_empty(),
            })
        }
    }
}

/// The feature columns to cluster: `--columns`, or every numeric column except the metadata
/// columns of a note table.
pub fn feature_columns(
    table: &DataFrame,
    explicit: Option<&[String]>,
) -> anyhow::Result<Vec<String>> {
    if let Some(cols) = explicit {
        for c in cols {
            table
                .column(c)
                .with_context(|| format!("no column named {c:?} in the table"))?;
        }
        return Ok(cols.to_vec());
    }
    let cols: Vec<String> = table
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric() || *c.dtype() == DataType::Boolean)
        .map(|c| c.name().to_string())
        .filter(|n| !METADATA_COLUMNS.contains(&n.as_str()))
        .collect();
    if cols.is_empty() {
        bail!("the table has no numeric feature column");
    }
    Ok(cols)
}

/// The `file` column of a table, or row numbers if it has none.
pub fn row_names(table: &DataFrame) -> Vec<String> {
    match table
        .column("file")
        .ok()
        .and_then(|c| c.str().ok().cloned())
    {
        Some(files) => files
            .iter()
            .enumerate()
            .map(|(i, f)| f.map_or_else(|| format!("row {i}"), str::to_string))
            .collect(),
        None => (0..table.height()).map(|i| format!("row {i}")).collect(),
    }
}

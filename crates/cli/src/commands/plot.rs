//! `chromacluster plot ...`: chromagram, note profiles, clusters (PCA), elbow.

use crate::stdout::outln;
use std::path::Path;

use anyhow::bail;
use chroma::TableOptions;
use kmeans::{KMeans, RowMatrix};

use crate::args::{
    GlobalArgs, PlotClustersArgs, PlotCommand, PlotElbowArgs, PlotFileArgs, PlotNotesArgs,
    ProfileArg,
};
use crate::checks::{self, OutputKind};
use crate::figures::{self, ChromagramFigure, ClustersFigure, ElbowFigure, NotesFigure};
use crate::{pipeline, Outcome};

/// Runs a `plot` subcommand.
pub fn run(global: &GlobalArgs, command: PlotCommand) -> anyhow::Result<Outcome> {
    let (output, inputs): (&Path, Vec<&Path>) = match &command {
        PlotCommand::Chromagram(a) => (&a.output, vec![&a.file]),
        PlotCommand::Notes(a) => (&a.output, a.paths.iter().map(|p| p.as_path()).collect()),
        PlotCommand::Clusters(a) => (&a.output, a.paths.iter().map(|p| p.as_path()).collect()),
        PlotCommand::Elbow(a) => (&a.output, a.paths.iter().map(|p| p.as_path()).collect()),
    };
    checks::check_output("-o", output, OutputKind::Picture)?;
    checks::check_distinct(&[("-o", output)], &inputs)?;
    match command {
        PlotCommand::Chromagram(a) => chromagram(a),
        PlotCommand::Notes(a) => notes(global, a),
        PlotCommand::Clusters(a) => clusters(global, a),
        PlotCommand::Elbow(a) => elbow(global, a),
    }
}

fn file_label(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn chromagram(args: PlotFileArgs) -> anyhow::Result<Outcome> {
    let options = TableOptions {
        mode: pipeline::chroma_mode(args.chroma),
        ..pipeline::tonal_options(&args.tonal)
    };
    // Reduced to the picture's columns as the frames stream, so any length fits in memory.
    let (gram, tuning_cents, key) =
        chroma::file_chromagram_and_key(&args.file, &options, figures::CHROMAGRAM_MAX_COLUMNS)
            .map_err(|e| anyhow::anyhow!(pipeline::file_error(&args.file, &e)))?;
    let tonal = match options.mode {
        chroma::ChromaMode::Accurate => {
            format!(
                ", {}, tuning {tuning_cents:+.1} cents",
                key.key
                    .map_or_else(|| "no key".to_string(), |k| k.to_string()),
            )
        }
        chroma::ChromaMode::Pyaa => String::new(),
    };
    let figure = ChromagramFigure {
        title: format!(
            "{} ({} chroma{tonal})",
            args.file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            pipeline::chroma_mode(args.chroma)
        ),
        frames: gram.columns(),
        hop_s: gram.column_s(),
    };
    figures::save(&figure, &args.output)?;
    Ok(Outcome::AllGood)
}

/// The column index of each row's tonic (from its `key` column), if the table has one.
fn tonic_columns(table: &polars::prelude::DataFrame) -> Vec<Option<usize>> {
    let relative = chroma_table::schema::profile_columns(table) == chroma::DEGREE_NAMES;
    let keys = table
        .column(chroma_table::schema::KEY_COLUMN)
        .ok()
        .and_then(|c| c.str().ok().cloned());
    (0..table.height())
        .map(|i| {
            let key: chroma::Key = keys.as_ref()?.get(i)?.parse().ok()?;
            Some(if relative { 0 } else { key.tonic })
        })
        .collect()
}

fn note_rows(table: &polars::prelude::DataFrame) -> anyhow::Result<Vec<(String, [f64; 12])>> {
    let files = chroma_table::schema::row_names(table);
    let rows = chroma_table::schema::profile_rows(table)?;
    Ok(files
        .iter()
        .zip(rows)
        .map(|(f, v)| (file_label(f), v))
        .collect())
}

fn notes(global: &GlobalArgs, args: PlotNotesArgs) -> anyhow::Result<Outcome> {
    let loaded = pipeline::load_table(
        global,
        &args.paths,
        &args.extract,
        &[("-o", args.output.as_path())],
    )?;
    let rows = note_rows(&loaded.table)?;
    let tonics = tonic_columns(&loaded.table);
    let keys = loaded
        .table
        .column(chroma_table::schema::KEY_COLUMN)
        .ok()
        .and_then(|c| c.str().ok().cloned());
    let key_of = |i: usize| {
        keys.as_ref()
            .and_then(|k| k.get(i))
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
    };
    let title = if rows.len() == 1 {
        let key = key_of(0).map_or_else(String::new, |k| format!(" ({k})"));
        format!("Note profile of {}{key}", rows[0].0)
    } else {
        let marked = if tonics.iter().any(Option::is_some) {
            " (tonic outlined)"
        } else {
            ""
        };
        format!("Note profiles of {} files{marked}", rows.len())
    };
    // Several files: each row's label names its key.
    let rows = if rows.len() == 1 {
        rows
    } else {
        rows.into_iter()
            .enumerate()
            .map(|(i, (label, v))| match key_of(i) {
                Some(k) => (format!("{label} ({k})"), v),
                None => (label, v),
            })
            .collect()
    };
    let value_desc = match (loaded.from_table, args.extract.profile) {
        (true, _) => "profile value",
        (false, ProfileArg::Dominant) => "share of voiced frames",
        (false, ProfileArg::Mean) => "mean chroma (share of each frame)",
    };
    let figure = NotesFigure {
        title,
        columns: chroma_table::schema::profile_columns(&loaded.table),
        tonics,
        value_desc: value_desc.to_owned(),
        rows,
    };
    figures::save(&figure, &args.output)?;
    Ok(outcome(loaded.some_failed))
}

fn clusters(global: &GlobalArgs, args: PlotClustersArgs) -> anyhow::Result<Outcome> {
    let k = args.k;
    let loaded = pipeline::load_table(
        global,
        &args.paths,
        &args.extract,
        &[("-o", args.output.as_path())],
    )?;
    let table = &loaded.table;
    let columns = pipeline::feature_columns(table, None)?;
    let params = |k| {
        KMeans::params(k)
            .seed(args.seed)
            .standardize(args.standardize)
    };
    let clustering = report::cluster_table(table, &columns, k, params)?;
    let fit = &clustering.fit;
    let kmeans::Projection2d {
        points,
        explained: (s1, s2),
    } = clustering.projection()?;
    let files = chroma_table::schema::row_names(table);
    let figure = ClustersFigure {
        title: format!(
            "{} files in {} clusters (k-means on {} columns)",
            files.len(),
            fit.model.k(),
            columns.len()
        ),
        points: files
            .iter()
            .zip(points)
            .zip(&fit.labels)
            .map(|((f, (x, y)), &c)| (file_label(f), x, y, c))
            .collect(),
        axes: (
            format!("PC1 ({:.0}% of variance)", s1 * 100.0),
            format!("PC2 ({:.0}% of variance)", s2 * 100.0),
        ),
    };
    figures::save(&figure, &args.output)?;
    Ok(outcome(loaded.some_failed))
}

fn elbow(global: &GlobalArgs, args: PlotElbowArgs) -> anyhow::Result<Outcome> {
    if args.max_k < 2 {
        bail!("--max-k must be at least 2");
    }
    let loaded = pipeline::load_table(
        global,
        &args.paths,
        &args.extract,
        &[("-o", args.output.as_path())],
    )?;
    let columns = pipeline::feature_columns(&loaded.table, None)?;
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let data = RowMatrix::from_dataframe(&loaded.table, Some(&names))?;
    let top = args.max_k.min(data.n_rows());
    let selection = KMeans::scan_k(&data, 1..=top, |k| KMeans::params(k).seed(args.seed))?;
    let figure = ElbowFigure {
        title: format!("Choosing k for {} files", data.n_rows()),
        points: selection
            .scores
            .iter()
            .map(|s| (s.k, s.inertia, s.silhouette))
            .collect(),
        best_k: selection.best_k,
    };
    for s in &selection.scores {
        outln!(
            "k = {:>2}: inertia {:.6}, silhouette {}",
            s.k,
            s.inertia,
            s.silhouette
                .map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
        );
    }
    figures::save(&figure, &args.output)?;
    Ok(outcome(loaded.some_failed))
}

fn outcome(some_failed: bool) -> Outcome {
    if some_failed {
        Outcome::SomeFailed
    } else {
        Outcome::AllGood
    }
}

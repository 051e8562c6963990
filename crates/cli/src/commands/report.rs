//! `chromacluster report PATH...|TABLE -k K|auto -o report.html`: cluster, then write one
//! self-contained HTML page (map, per-cluster profiles, sortable file tables with players).
//!
//! The numbers come from the libraries (k-means, `kmeans::pca_2d`, `kmeans::group_means`,
//! `chroma::Chromagram::thumbnail`, `audio_io::clip::wav_clip`); this module gathers them into
//! the page's data model ([`page::ReportData`]) and [`page::render`] fills the HTML template.

mod page;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use kmeans::{KMeans, RowMatrix};
use rayon::prelude::*;

use crate::args::{GlobalArgs, ReportArgs};
use crate::checks::usage;
use crate::inputs::{self, Inputs};
use crate::{pipeline, Outcome};

pub use page::{ClusterSummary, FailedFile, FileRows, KScoreRow, ReportData};

/// Chromagram thumbnails are computed for sets of at most this many files.
pub const THUMBNAIL_MAX_FILES: usize = 200;
/// Nearest files listed per file with `--by sound`.
pub const REPORT_NEIGHBOURS: usize = 3;
/// Columns of a chromagram thumbnail.
pub const THUMBNAIL_COLUMNS: usize = 96;
/// Sample rate limit of embedded clips.
pub const CLIP_MAX_RATE: u32 = 16_000;
/// Total size limit of the embedded clips (before base64).
pub const CLIP_BUDGET_BYTES: usize = 64 << 20;

/// Runs `report`.
pub fn run(global: &GlobalArgs, args: ReportArgs) -> anyhow::Result<Outcome> {
    let k = args.k;
    if let Some(s) = args.embed_clips {
        if !(s.is_finite() && s > 0.0 && s <= audio_io::clip::MAX_CLIP_SECONDS) {
            usage!(
                "--embed-clips takes seconds above 0 and at most {} (got {s})",
                audio_io::clip::MAX_CLIP_SECONDS
            );
        }
    }
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("html" | "htm")) {
        usage!(
            "{}: the report is an HTML page, name it .html",
            args.output.display()
        );
    }

    // The table and the failures (with their causes).
    let extract = super::similar::extract_for(&args.extract, args.by);
    let by_sound = args.by == crate::args::ByArg::Sound;
    if by_sound && (args.standardize || args.columns.is_some()) {
        usage!("--by sound clusters the sound description in its own scaled space: --standardize and --columns do not apply");
    }
    let options = pipeline::table_options(&extract);
    let inputs = inputs::resolve(
        &args.paths,
        true,
        global.quiet,
        &[("-o", args.output.as_path())],
    )?;
    let from_table = matches!(inputs, Inputs::Table(_));
    let (table, failures, source, table_dir) = match inputs {
        Inputs::Table(path) => {
            let table = chroma_table::read_table(&path)?;
            let dir = path.parent().map(Path::to_path_buf);
            (table, Vec::new(), format!("table {}", path.display()), dir)
        }
        Inputs::Audio { files, unreadable } => {
            let batch = pipeline::analyze_batch(global, &files, &unreadable, &options);
            if batch.stopped {
                bail!("no report written");
            }
            if batch.analyses.is_empty() {
                bail!("no file could be analysed");
            }
            let table = chroma_table::table_of_options(&batch.analyses, &options)?;
            let failures: Vec<FailedFile> = batch
                .failures
                .iter()
                .map(|(p, e)| FailedFile {
                    file: p.display().to_string(),
                    // The file has its own column: the cause without it.
                    cause: {
                        let line = pipeline::file_error(p, e);
                        let prefix = format!("{}: ", p.display());
                        line.strip_prefix(&prefix)
                            .map_or(line.clone(), str::to_string)
                    },
                })
                .chain(unreadable.iter().map(|u| FailedFile {
                    file: u.path.display().to_string(),
                    cause: u.cause.clone(),
                }))
                .collect();
            let n = files.len() + unreadable.len();
            (table, failures, format!("{n} audio file(s)"), None)
        }
    };

    let params = |k| {
        KMeans::params(k)
            .n_init(args.n_init)
            .seed(args.seed)
            .standardize(args.standardize)
    };
    let (columns, clustering, near) = if by_sound {
        let clustering = super::cluster::cluster_by_sound(&table, k, params)?;
        // Each file's 3 nearest, in the space it was clustered in.
        let near: Vec<Vec<usize>> = kmeans::NeighbourIndex::new(&clustering.data)
            .all_nearest(REPORT_NEIGHBOURS)
            .into_iter()
            .map(|found| found.into_iter().map(|nb| nb.row).collect())
            .collect();
        let columns =
            chroma_table::schema::columns_for(&table, chroma_table::schema::FeatureSet::Sound)?
                .into_iter()
                .map(|(c, _)| c)
                .collect::<Vec<_>>();
        (columns, clustering, Some(near))
    } else {
        let columns = super::cluster::notes_columns(&table, args.columns.as_deref())?;
        let clustering = super::cluster::cluster_table(&table, &columns, k, params)?;
        (columns, clustering, None)
    };
    let fit = &clustering.fit;
    let kmeans::Projection2d {
        points,
        explained: (s1, s2),
    } = clustering.projection()?;

    // The profile shown per file and per cluster: the 12 note columns when the table has them,
    // else the clustered columns.
    let has_notes = chroma::NOTE_NAMES.iter().all(|n| {
        table
            .column(n)
            .is_ok_and(|c| c.dtype().is_primitive_numeric())
    });
    let profile_names: Vec<String> = if has_notes {
        chroma::NOTE_NAMES.iter().map(|s| s.to_string()).collect()
    } else {
        columns.clone()
    };
    let names: Vec<&str> = profile_names.iter().map(String::as_str).collect();
    let profiles = RowMatrix::from_dataframe(&table, Some(&names))?;
    let means = kmeans::group_means(&profiles, &fit.labels, fit.model.k())?;

    let files = chroma_table::schema::row_names(&table);
    let keys = string_column(&table, "key");
    let labels = tag_labels(&table);
    let located: Vec<Option<PathBuf>> = files
        .iter()
        .map(|f| locate(f, table_dir.as_deref()))
        .collect();
    let page_dir = report_dir(&args.output)?;
    let srcs: Vec<String> = files
        .iter()
        .zip(&located)
        .map(|(f, p)| {
            page::relative_url(p.as_deref().unwrap_or(&chroma::path_of_label(f)), &page_dir)
        })
        .collect();

    let thumbs = if files.len() <= THUMBNAIL_MAX_FILES && located.iter().any(Option::is_some) {
        Some(thumbnails(&located, &options))
    } else {
        None
    };
    let clips = args
        .embed_clips
        .map(|seconds| clips(&located, seconds, global.quiet));

    let sizes = fit.cluster_sizes();
    let chosen = match (clustering.auto_k, &clustering.selection) {
        (Some(k), Some(sel)) => format!(
            "k = {k}: the best mean silhouette for k in {}..={}",
            sel.scores.first().map_or(0, |s| s.k),
            sel.scores.last().map_or(0, |s| s.k)
        ),
        _ => format!("k = {} given (-k {})", fit.model.k(), args.k),
    };
    let mut settings = vec![
        ("input".to_string(), source),
        (
            "columns clustered".to_string(),
            if by_sound {
                format!(
                    "the sound description (schema v{}, {} columns in 7 groups), z-scored, \
                     weighted per group, on {} principal axes",
                    chroma::sound::SOUND_SCHEMA_VERSION,
                    columns.len(),
                    clustering.data.n_cols()
                )
            } else {
                columns.join(", ")
            },
        ),
        (
            "k-means".to_string(),
            format!(
                "k-means++ x {}, seed {}, inertia {:.4}, {} iteration(s){}",
                args.n_init,
                args.seed,
                fit.inertia(),
                fit.iterations,
                if fit.converged {
                    ""
                } else {
                    " (not converged)"
                }
            ),
        ),
        (
            "standardised".to_string(),
            if by_sound {
                "z-scores of the sound columns (in the sound space)"
            } else if args.standardize {
                "yes"
            } else {
                "no"
            }
            .to_string(),
        ),
    ];
    if !from_table {
        settings.insert(
            1,
            (
                "note profile".to_string(),
                format!(
                    "{} ({} chroma)",
                    match args.extract.profile {
                        crate::args::ProfileArg::Dominant => "dominant note shares",
                        crate::args::ProfileArg::Mean => "mean chroma",
                    },
                    options.mode
                ),
            ),
        );
    }

    let data = ReportData {
        title: args
            .title
            .clone()
            .unwrap_or_else(|| "chromacluster report".to_string()),
        generator: format!("chromacluster {}", env!("CARGO_PKG_VERSION")),
        k: fit.model.k(),
        chosen,
        scan: clustering.selection.as_ref().map(|sel| {
            sel.scores
                .iter()
                .map(|s| KScoreRow {
                    k: s.k,
                    inertia: s.inertia,
                    silhouette: s.silhouette,
                })
                .collect()
        }),
        settings,
        axes: [
            format!("PC1 ({:.0}% of variance)", s1 * 100.0),
            format!("PC2 ({:.0}% of variance)", s2 * 100.0),
        ],
        profile_names,
        clusters: means
            .into_iter()
            .zip(&sizes)
            .enumerate()
            .map(|(id, (mean, &size))| ClusterSummary { id, size, mean })
            .collect(),
        files: FileRows {
            name: files.iter().map(|f| display_name(f)).collect(),
            path: files.clone(),
            src: srcs,
            cluster: fit.labels.clone(),
            distance: fit.distances.clone(),
            x: points.iter().map(|p| p.0).collect(),
            y: points.iter().map(|p| p.1).collect(),
            key: keys,
            label: labels,
            profile: (0..profiles.n_rows())
                .flat_map(|i| profiles.row(i).to_vec())
                .collect(),
            thumb: thumbs,
            clip: clips,
            near,
        },
        failures,
    };
    let html = page::render(&data)?;
    durable_output::write_atomic::<anyhow::Error>(&args.output, |w| {
        w.write_all(html.as_bytes())?;
        Ok(())
    })
    .with_context(|| format!("cannot write the report {}", args.output.display()))?;
    if !global.quiet {
        crate::stdout::outln!(
            "report: {} file(s) in {} cluster(s){} -> {} ({} KiB)",
            data.files.name.len(),
            data.k,
            if data.failures.is_empty() {
                String::new()
            } else {
                format!(", {} failed", data.failures.len())
            },
            args.output.display(),
            html.len().div_ceil(1024)
        );
    }
    Ok(if data.failures.is_empty() {
        Outcome::AllGood
    } else {
        Outcome::SomeFailed
    })
}

/// The file name of a path (the whole text if it has none).
fn display_name(file: &str) -> String {
    Path::new(file)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string())
}

/// Each row's "Title \u{2014} Artist" (the title alone without an artist, empty without a
/// title), from the table's tag columns; `None` if the table has no `title` column (one made
/// before tags were read).
fn tag_labels(table: &polars::prelude::DataFrame) -> Option<Vec<String>> {
    let titles = string_column(table, chroma_table::schema::TITLE_COLUMN)?;
    let artists = string_column(table, chroma_table::schema::ARTIST_COLUMN)
        .unwrap_or_else(|| vec![String::new(); titles.len()]);
    Some(
        titles
            .into_iter()
            .zip(artists)
            .map(
                |(title, artist)| match (title.is_empty(), artist.is_empty()) {
                    (true, _) => String::new(),
                    (false, true) => title,
                    (false, false) => format!("{title} \u{2014} {artist}"),
                },
            )
            .collect(),
    )
}

/// A string column's values (`None` if the table has no such string column).
fn string_column(table: &polars::prelude::DataFrame, name: &str) -> Option<Vec<String>> {
    let column = table.column(name).ok()?;
    let strings = column.str().ok()?;
    Some(
        strings
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect(),
    )
}

/// Where a file of the table is on disk: the path its label names ([`chroma::path_of_label`],
/// byte for byte) as written (relative to the working folder), else relative to the table's
/// folder; `None` if neither exists.
fn locate(file: &str, table_dir: Option<&Path>) -> Option<PathBuf> {
    let p = chroma::path_of_label(file);
    if p.is_file() {
        return Some(p);
    }
    let beside = table_dir?.join(p);
    beside.is_file().then_some(beside)
}

/// The folder the report is written to, absolute.
fn report_dir(output: &Path) -> anyhow::Result<PathBuf> {
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::path::absolute(&dir).with_context(|| format!("cannot resolve {}", dir.display()))
}

/// Chromagram thumbnails of the files that exist (in parallel); a file that cannot be analysed
/// again gets none.
fn thumbnails(located: &[Option<PathBuf>], options: &chroma::TableOptions) -> Vec<Option<String>> {
    use base64::Engine;
    located
        .par_iter()
        .map(|p| {
            let gram = chroma::file_chromagram(p.as_deref()?, options).ok()?;
            let bytes: Vec<u8> = gram.thumbnail(THUMBNAIL_COLUMNS).concat();
            Some(base64::engine::general_purpose::STANDARD.encode(bytes))
        })
        .collect()
}

/// `data:` URIs of the first `seconds` of each file, within [`CLIP_BUDGET_BYTES`]: files beyond
/// the budget (in table order) and files that cannot be decoded stay linked.
fn clips(located: &[Option<PathBuf>], seconds: f64, quiet: bool) -> Vec<Option<String>> {
    use base64::Engine;
    let per_clip = 44 + (seconds * f64::from(CLIP_MAX_RATE)).ceil() as usize * 2;
    let allowed = (CLIP_BUDGET_BYTES / per_clip.max(1)).max(1);
    let wanted = located.iter().filter(|p| p.is_some()).count();
    if wanted > allowed && !quiet {
        eprintln!(
            "note: embedding clips of the first {allowed} file(s) only ({} MiB of clips at most); the other {} stay linked",
            CLIP_BUDGET_BYTES >> 20,
            wanted - allowed
        );
    }
    located
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            if i >= allowed {
                return None;
            }
            let path = p.as_deref()?;
            match audio_io::clip::wav_clip(path, seconds, CLIP_MAX_RATE) {
                Ok(bytes) => Some(format!(
                    "data:audio/wav;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                )),
                Err(e) => {
                    tracing::warn!("no clip for {}: {e}", path.display());
                    None
                }
            }
        })
        .collect()
}

//! The report's data gathered from a table and its clustering: map coordinates, profiles per
//! file and per cluster, keys and tags, players' sources, chromagram thumbnails, clips.

use std::path::{Path, PathBuf};

use kmeans::RowMatrix;
use polars::prelude::DataFrame;
use rayon::prelude::*;

use crate::clustering::{Clustering, KChoice};
use crate::page::{self, ClusterSummary, FailedFile, FileRows, KScoreRow, ReportData};
use crate::ReportError;

/// Chromagram thumbnails are computed for sets of at most this many files.
pub const THUMBNAIL_MAX_FILES: usize = 200;
/// Nearest files listed per file when the files are grouped by sound.
pub const REPORT_NEIGHBOURS: usize = 3;
/// Columns of a chromagram thumbnail.
pub const THUMBNAIL_COLUMNS: usize = 96;
/// Sample rate limit of embedded clips.
pub const CLIP_MAX_RATE: u32 = 16_000;
/// Total size limit of the embedded clips (before base64).
pub const CLIP_BUDGET_BYTES: usize = 64 << 20;

/// How the table was made and clustered, for the page's settings block, and what the page
/// embeds.
#[derive(Debug, Clone)]
pub struct ReportSpec<'a> {
    /// Page title (`None`: "chromacluster report").
    pub title: Option<String>,
    /// The program and version writing the page.
    pub generator: String,
    /// Where the rows came from, in words ("table notes.parquet", "12 audio file(s)").
    pub source: String,
    /// The note profile, in words, when the files were analysed for this report (`None` for a
    /// table read from disk).
    pub note_profile: Option<String>,
    /// The files were clustered by sound ([`crate::cluster_by_sound`]); each file then lists
    /// its [`REPORT_NEIGHBOURS`] nearest.
    pub by_sound: bool,
    /// k as asked for.
    pub k: KChoice,
    /// k-means restarts.
    pub n_init: usize,
    /// k-means seed.
    pub seed: u64,
    /// The clustered columns were z-scored.
    pub standardize: bool,
    /// The analysis options, to compute thumbnails (files analysed again, at most
    /// [`THUMBNAIL_MAX_FILES`]).
    pub options: &'a chroma::TableOptions,
    /// Embed the first seconds of each file as a WAV clip (within [`CLIP_BUDGET_BYTES`]).
    pub embed_clips: Option<f64>,
    /// The folder of the table read, where relative file names are also looked for.
    pub table_dir: Option<&'a Path>,
}

/// A report's data, and what it left out.
#[derive(Debug, Clone)]
pub struct AssembledReport {
    /// The page's data.
    pub data: ReportData,
    /// Files whose clips were not embedded because the clip budget was spent (they stay
    /// linked).
    pub clips_over_budget: usize,
}

/// The report of `table`'s rows clustered as `clustering` on `columns`, for a page written
/// to `output` (players' sources are relative to its folder); `failures` are listed on the
/// page.
pub fn assemble_report(
    table: &DataFrame,
    columns: &[String],
    clustering: &Clustering,
    failures: Vec<FailedFile>,
    spec: &ReportSpec<'_>,
    output: &Path,
) -> Result<AssembledReport, ReportError> {
    let fit = &clustering.fit;
    let kmeans::Projection2d {
        points,
        explained: (s1, s2),
    } = clustering.projection()?;
    // Each file's nearest, in the space it was clustered in.
    let near: Option<Vec<Vec<usize>>> = spec.by_sound.then(|| {
        kmeans::NeighbourIndex::new(&clustering.data)
            .all_nearest(REPORT_NEIGHBOURS)
            .into_iter()
            .map(|found| found.into_iter().map(|nb| nb.row).collect())
            .collect()
    });

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
        columns.to_vec()
    };
    let names: Vec<&str> = profile_names.iter().map(String::as_str).collect();
    let profiles = RowMatrix::from_dataframe(table, Some(&names))?;
    let means = kmeans::group_means(&profiles, &fit.labels, fit.model.k())?;

    let files = chroma_table::schema::row_names(table);
    let keys = string_column(table, "key");
    let labels = tag_labels(table);
    let located: Vec<Option<PathBuf>> = files.iter().map(|f| locate(f, spec.table_dir)).collect();
    let page_dir = report_dir(output)?;
    let srcs: Vec<String> = files
        .iter()
        .zip(&located)
        .map(|(f, p)| {
            page::relative_url(p.as_deref().unwrap_or(&chroma::path_of_label(f)), &page_dir)
        })
        .collect();

    let thumbs = (files.len() <= THUMBNAIL_MAX_FILES && located.iter().any(Option::is_some))
        .then(|| thumbnails(&located, spec.options));
    let (clips, clips_over_budget) = match spec.embed_clips {
        Some(seconds) => {
            let (clips, over) = clips(&located, seconds);
            (Some(clips), over)
        }
        None => (None, 0),
    };

    let sizes = fit.cluster_sizes();
    let chosen = match (clustering.auto_k, &clustering.selection) {
        (Some(k), Some(sel)) => format!(
            "k = {k}: the best mean silhouette for k in {}..={}",
            sel.scores.first().map_or(0, |s| s.k),
            sel.scores.last().map_or(0, |s| s.k)
        ),
        _ => format!("k = {} given (-k {})", fit.model.k(), spec.k),
    };
    let mut settings = vec![
        ("input".to_string(), spec.source.clone()),
        (
            "columns clustered".to_string(),
            if spec.by_sound {
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
                spec.n_init,
                spec.seed,
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
            if spec.by_sound {
                "z-scores of the sound columns (in the sound space)"
            } else if spec.standardize {
                "yes"
            } else {
                "no"
            }
            .to_string(),
        ),
    ];
    if let Some(profile) = &spec.note_profile {
        settings.insert(1, ("note profile".to_string(), profile.clone()));
    }

    let data = ReportData {
        title: spec
            .title
            .clone()
            .unwrap_or_else(|| "chromacluster report".to_string()),
        generator: spec.generator.clone(),
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
    Ok(AssembledReport {
        data,
        clips_over_budget,
    })
}

/// Renders `data` ([`page::render`]) and writes the page to `path` atomically; returns its
/// size in bytes.
pub fn write_report(data: &ReportData, path: &Path) -> Result<usize, ReportError> {
    let html = page::render(data)?;
    durable_output::write_atomic(path, |w| {
        w.write_all(html.as_bytes())
            .map_err(|e| durable_output::OutputError::new(path, e))
    })
    .map_err(ReportError::Write)?;
    Ok(html.len())
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
fn tag_labels(table: &DataFrame) -> Option<Vec<String>> {
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
fn string_column(table: &DataFrame, name: &str) -> Option<Vec<String>> {
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
fn report_dir(output: &Path) -> Result<PathBuf, ReportError> {
    let dir = match output.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::path::absolute(&dir).map_err(|source| ReportError::Resolve { path: dir, source })
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

/// The files whose clips fit [`CLIP_BUDGET_BYTES`] with `seconds` per clip, at least one.
pub fn clips_within_budget(seconds: f64) -> usize {
    let per_clip = 44 + (seconds * f64::from(CLIP_MAX_RATE)).ceil() as usize * 2;
    (CLIP_BUDGET_BYTES / per_clip.max(1)).max(1)
}

/// `data:` URIs of the first `seconds` of each file, within [`CLIP_BUDGET_BYTES`]: files beyond
/// the budget (in table order) and files that cannot be decoded stay linked. Also returns how
/// many existing files were left out for the budget.
fn clips(located: &[Option<PathBuf>], seconds: f64) -> (Vec<Option<String>>, usize) {
    use base64::Engine;
    let allowed = clips_within_budget(seconds);
    let wanted = located.iter().filter(|p| p.is_some()).count();
    let clips = located
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
        .collect();
    (clips, wanted.saturating_sub(allowed))
}

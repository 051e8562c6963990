//! Analyses stacked into the table: one row per file, columns as [`crate::table::schema`] names them.

use polars::prelude::{Column, DataFrame};

use crate::analysis::key::{rotate_to_tonic, DEGREE_NAMES};
use crate::analysis::pitch_class::NOTE_NAMES;
use crate::analysis::pyaa;
use crate::error::ChromaError;
use crate::pipeline::{FileAnalysis, ProfileKind, TableOptions};
use crate::table::schema;

/// Stacks analyses into a DataFrame (rows in the given order): `file`, the 12 note columns
/// (filled from `profile`), `voiced_frames` (u64), `frames` (u64), `duration_s`,
/// `sample_rate` (u32), `tuning_cents`, `key` (string, `"F# minor"`, empty without a key),
/// `key_strength`, the file's tags `title`, `artist`, `album` (strings), `track` (u32), `year`
/// (i32), `genre` (string), each null where the file has none, then `<feature>_mean`,
/// `<feature>_std` for each of the 34 features if every analysis carries statistics.
pub fn table_of(analyses: &[FileAnalysis], profile: ProfileKind) -> Result<DataFrame, ChromaError> {
    build(analyses, profile, false)
}

/// [`table_of`] with `options.profile`; with `options.relative` the note columns are key-free:
/// each row rotated so its estimated tonic comes first ([`rotate_to_tonic`]) and named `1, b2,
/// 2, b3, 3, 4, #4, 5, b6, 6, b7, 7` ([`DEGREE_NAMES`]); a row without a key is left as is
/// (A first; its `key` column is empty).
pub fn table_of_options(
    analyses: &[FileAnalysis],
    options: &TableOptions,
) -> Result<DataFrame, ChromaError> {
    build(analyses, options.profile, options.relative)
}

fn build(
    analyses: &[FileAnalysis],
    profile: ProfileKind,
    relative: bool,
) -> Result<DataFrame, ChromaError> {
    let n = analyses.len();
    let mut columns = Vec::with_capacity(27 + 68);
    columns.push(Column::new(
        schema::FILE_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.file.clone())
            .collect::<Vec<String>>(),
    ));
    let rows: Vec<[f64; 12]> = analyses
        .iter()
        .map(|a| {
            let values = match profile {
                ProfileKind::Dominant => a.profile.dominant,
                ProfileKind::MeanChroma => a.profile.mean_chroma,
            };
            match (relative, a.key.key) {
                (true, Some(key)) => rotate_to_tonic(&values, key.tonic),
                _ => values,
            }
        })
        .collect();
    let names = if relative { DEGREE_NAMES } else { NOTE_NAMES };
    for (i, name) in names.iter().enumerate() {
        let values: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        columns.push(Column::new((*name).into(), values));
    }
    columns.push(Column::new(
        schema::VOICED_FRAMES_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.profile.voiced_frames as u64)
            .collect::<Vec<u64>>(),
    ));
    columns.push(Column::new(
        schema::FRAMES_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.profile.frames as u64)
            .collect::<Vec<u64>>(),
    ));
    columns.push(Column::new(
        schema::DURATION_COLUMN.into(),
        analyses.iter().map(|a| a.duration_s).collect::<Vec<f64>>(),
    ));
    columns.push(Column::new(
        schema::SAMPLE_RATE_COLUMN.into(),
        analyses.iter().map(|a| a.sample_rate).collect::<Vec<u32>>(),
    ));
    columns.push(Column::new(
        schema::TUNING_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.tuning_cents)
            .collect::<Vec<f64>>(),
    ));
    columns.push(Column::new(
        schema::KEY_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.key.name())
            .collect::<Vec<String>>(),
    ));
    columns.push(Column::new(
        schema::KEY_STRENGTH_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.key.strength)
            .collect::<Vec<f64>>(),
    ));
    let text = |f: fn(&FileAnalysis) -> &Option<String>| {
        analyses
            .iter()
            .map(|a| f(a).clone())
            .collect::<Vec<Option<String>>>()
    };
    columns.push(Column::new(
        schema::TITLE_COLUMN.into(),
        text(|a| &a.tags.title),
    ));
    columns.push(Column::new(
        schema::ARTIST_COLUMN.into(),
        text(|a| &a.tags.artist),
    ));
    columns.push(Column::new(
        schema::ALBUM_COLUMN.into(),
        text(|a| &a.tags.album),
    ));
    columns.push(Column::new(
        schema::TRACK_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.tags.track)
            .collect::<Vec<Option<u32>>>(),
    ));
    columns.push(Column::new(
        schema::YEAR_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.tags.year)
            .collect::<Vec<Option<i32>>>(),
    ));
    columns.push(Column::new(
        schema::GENRE_COLUMN.into(),
        text(|a| &a.tags.genre),
    ));
    if n > 0 && analyses.iter().all(|a| a.feature_stats.is_some()) {
        for (j, name) in pyaa::feature_names().iter().enumerate() {
            let stat = |a: &FileAnalysis, k: usize| {
                a.feature_stats
                    .as_ref()
                    .and_then(|s| s.get(j))
                    .map_or(f64::NAN, |&(m, s)| if k == 0 { m } else { s })
            };
            columns.push(Column::new(
                format!("{name}_mean").into(),
                analyses.iter().map(|a| stat(a, 0)).collect::<Vec<f64>>(),
            ));
            columns.push(Column::new(
                format!("{name}_std").into(),
                analyses.iter().map(|a| stat(a, 1)).collect::<Vec<f64>>(),
            ));
        }
    }
    DataFrame::new(n, columns).map_err(|source| ChromaError::Table {
        step: crate::error::TableStep::Build("feature"),
        source,
    })
}

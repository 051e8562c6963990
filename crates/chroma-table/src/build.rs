//! Analyses stacked into the table: one row per file, columns as [`crate::schema`] names them.

use polars::prelude::{Column, DataFrame};

use chroma::sound::{sound_columns, SOUND_SCHEMA_VERSION};
use chroma::{
    rotate_to_tonic, Chromagram, FileAnalysis, ProfileKind, TableOptions, DEGREE_NAMES, NOTE_NAMES,
};

use crate::error::{TableError, TableStep};
use crate::schema;

/// Stacks analyses into a DataFrame (rows in the given order): `file`, the 12 note columns
/// (filled from `profile`), `voiced_frames` (u64), `frames` (u64), `duration_s`,
/// `sample_rate` (u32), `tuning_cents`, `key` (string, `"F# minor"`, empty without a key),
/// `key_strength`, the file's tags `title`, `artist`, `album` (strings), `track` (u32), `year`
/// (i32), `genre` (string), each null where the file has none, then `<feature>_mean`,
/// `<feature>_std` for each of the 34 features if every analysis carries statistics.
/// If every analysis carries a sound description, `sound_schema` ([`SOUND_SCHEMA_VERSION`])
/// and its 126 columns ([`sound_columns`]) come before the statistics (a statistic of the same
/// name is then written once).
pub fn table_of(analyses: &[FileAnalysis], profile: ProfileKind) -> Result<DataFrame, TableError> {
    build(analyses, profile, false)
}

/// [`table_of`] with `options.profile`; with `options.relative` the note columns are key-free:
/// each row rotated so its estimated tonic comes first ([`rotate_to_tonic`]) and named `1, b2,
/// 2, b3, 3, 4, #4, 5, b6, 6, b7, 7` ([`DEGREE_NAMES`]); a row without a key is left as is
/// (A first; its `key` column is empty).
pub fn table_of_options(
    analyses: &[FileAnalysis],
    options: &TableOptions,
) -> Result<DataFrame, TableError> {
    build(analyses, options.profile, options.relative)
}

fn build(
    analyses: &[FileAnalysis],
    profile: ProfileKind,
    relative: bool,
) -> Result<DataFrame, TableError> {
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
    if n > 0 && analyses.iter().all(|a| a.sound.is_some()) {
        columns.push(Column::new(
            schema::SOUND_SCHEMA_COLUMN.into(),
            vec![SOUND_SCHEMA_VERSION; n],
        ));
        for (j, column) in sound_columns().iter().enumerate() {
            columns.push(Column::new(
                column.name.as_str().into(),
                analyses
                    .iter()
                    .map(|a| {
                        a.sound
                            .as_ref()
                            .and_then(|s| s.get(j))
                            .map_or(f64::NAN, |&v| v)
                    })
                    .collect::<Vec<f64>>(),
            ));
        }
    }
    if n > 0 && analyses.iter().all(|a| a.feature_stats.is_some()) {
        for (j, name) in stfeatures::FEATURE_NAMES.iter().enumerate() {
            let stat = |a: &FileAnalysis, k: usize| {
                a.feature_stats
                    .as_ref()
                    .and_then(|s| s.get(j))
                    .map_or(f64::NAN, |&(m, s)| if k == 0 { m } else { s })
            };
            // With the sound description too, a statistic it already holds under the same name
            // (the same mean or std of the same feature) is written once.
            for (k, suffix) in ["mean", "std"].into_iter().enumerate() {
                let column = format!("{name}_{suffix}");
                if columns.iter().any(|c| c.name().as_str() == column) {
                    continue;
                }
                columns.push(Column::new(
                    column.into(),
                    analyses.iter().map(|a| stat(a, k)).collect::<Vec<f64>>(),
                ));
            }
        }
    }
    DataFrame::new(n, columns).map_err(|source| TableError::Table {
        step: crate::error::TableStep::Build("feature"),
        source,
    })
}

/// A chromagram as a table: `time_s` (frame start, `i * hop_s`), then the 12 columns `A` ..
/// `G#` ([`NOTE_NAMES`]), one row per frame.
pub fn chromagram_table(chromagram: &Chromagram) -> Result<DataFrame, TableError> {
    let n = chromagram.n_frames();
    let hop_s = chromagram.hop_s();
    let mut columns = Vec::with_capacity(13);
    columns.push(Column::new(
        "time_s".into(),
        (0..n).map(|i| i as f64 * hop_s).collect::<Vec<f64>>(),
    ));
    for (j, name) in NOTE_NAMES.iter().enumerate() {
        columns.push(Column::new(
            (*name).into(),
            chromagram.rows().iter().map(|r| r[j]).collect::<Vec<f64>>(),
        ));
    }
    DataFrame::new(n, columns).map_err(|source| TableError::Table {
        step: TableStep::Build("chromagram"),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromagram_table_has_time_and_note_columns() {
        let mut g = Chromagram::new(0.5);
        g.push(std::array::from_fn(|j| if j == 2 { 1.0 } else { 0.0 }), 1.0);
        g.push(std::array::from_fn(|j| if j == 4 { 2.0 } else { 0.0 }), 1.0);
        let df = chromagram_table(&g).unwrap();
        assert_eq!(df.shape(), (2, 13));
        let t = df.column("time_s").unwrap().f64().unwrap().get(1);
        assert_eq!(t, Some(0.5));
        assert_eq!(df.column("C#").unwrap().f64().unwrap().get(1), Some(2.0));
    }
}

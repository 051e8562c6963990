//! The note-profile table's schema, defined once: its column names, which columns describe the
//! file rather than its sound (metadata), and which columns are features to cluster.
//!
//! [`crate::table_of`] writes tables in this schema; front ends (the binary's `cluster`,
//! `plot` and `report`) read them back through it.

use polars::prelude::{DataFrame, DataType};

use crate::error::TableError;
use chroma::{DEGREE_NAMES, NOTE_NAMES};

/// The column of file paths (a string column, never a feature).
pub const FILE_COLUMN: &str = "file";

/// The column of estimated keys (`"F# minor"`, empty without a key).
pub const KEY_COLUMN: &str = "key";

/// Frames that voted for a pitch class (u64).
pub const VOICED_FRAMES_COLUMN: &str = "voiced_frames";
/// Frames analysed (u64).
pub const FRAMES_COLUMN: &str = "frames";
/// The file's duration in seconds.
pub const DURATION_COLUMN: &str = "duration_s";
/// The file's sample rate in Hz (u32).
pub const SAMPLE_RATE_COLUMN: &str = "sample_rate";
/// The estimated tuning, in cents from A4 = 440 Hz.
pub const TUNING_COLUMN: &str = "tuning_cents";
/// How clearly the key was found.
pub const KEY_STRENGTH_COLUMN: &str = "key_strength";

/// The file's own title tag (string, null where the file has none).
pub const TITLE_COLUMN: &str = "title";
/// The file's artist tag (string, null where absent).
pub const ARTIST_COLUMN: &str = "artist";
/// The file's album tag (string, null where absent).
pub const ALBUM_COLUMN: &str = "album";
/// The file's track number tag (u32, null where absent).
pub const TRACK_COLUMN: &str = "track";
/// The year of the file's date tag (i32, null where absent).
pub const YEAR_COLUMN: &str = "year";
/// The file's genre tag (string, null where absent).
pub const GENRE_COLUMN: &str = "genre";

/// The columns of the file's own tags ([`audio_io::Tags`]), in table order.
pub const TAG_COLUMNS: [&str; 6] = [
    TITLE_COLUMN,
    ARTIST_COLUMN,
    ALBUM_COLUMN,
    TRACK_COLUMN,
    YEAR_COLUMN,
    GENRE_COLUMN,
];

/// Columns of a note-profile table that describe the file rather than its sound, in table
/// order after the 12 note columns; they are not features (the tags' `track` and `year` are
/// numbers, and never clustered).
pub const METADATA_COLUMNS: [&str; 13] = [
    VOICED_FRAMES_COLUMN,
    FRAMES_COLUMN,
    DURATION_COLUMN,
    SAMPLE_RATE_COLUMN,
    TUNING_COLUMN,
    KEY_COLUMN,
    KEY_STRENGTH_COLUMN,
    TITLE_COLUMN,
    ARTIST_COLUMN,
    ALBUM_COLUMN,
    TRACK_COLUMN,
    YEAR_COLUMN,
    GENRE_COLUMN,
];

/// The version of the sound description's schema the table's sound columns follow (u32;
/// present only in a table with the sound description, [`chroma::sound::SOUND_SCHEMA_VERSION`]).
pub const SOUND_SCHEMA_COLUMN: &str = "sound_schema";

/// Whether `name` is the file column or a metadata column (never a feature).
pub fn is_metadata_column(name: &str) -> bool {
    name == FILE_COLUMN || name == SOUND_SCHEMA_COLUMN || METADATA_COLUMNS.contains(&name)
}

/// The names of the 12 profile columns `table` holds: [`DEGREE_NAMES`] for a key-relative
/// table, else [`NOTE_NAMES`].
pub fn profile_columns(table: &DataFrame) -> [&'static str; 12] {
    if table.column(DEGREE_NAMES[0]).is_ok() && table.column(NOTE_NAMES[0]).is_err() {
        DEGREE_NAMES
    } else {
        NOTE_NAMES
    }
}

/// Each row's 12 profile values ([`profile_columns`]), for drawing and reports.
pub fn profile_rows(table: &DataFrame) -> Result<Vec<[f64; 12]>, TableError> {
    let mut rows = vec![[0.0; 12]; table.height()];
    for (j, name) in profile_columns(table).iter().enumerate() {
        let column = table.column(name).map_err(|_| TableError::MissingColumn {
            column: (*name).to_string(),
        })?;
        let numbers = column
            .cast(&DataType::Float64)
            .map_err(|source| TableError::Table {
                step: crate::error::TableStep::Column((*name).to_string()),
                source,
            })?;
        let numbers = numbers.f64().map_err(|source| TableError::Table {
            step: crate::error::TableStep::Column((*name).to_string()),
            source,
        })?;
        for (i, (row, value)) in rows.iter_mut().zip(numbers.iter()).enumerate() {
            match value {
                Some(v) if v.is_finite() => row[j] = v,
                v => {
                    return Err(TableError::NotANumber {
                        column: (*name).to_string(),
                        row: i,
                        cell: v.map_or_else(String::new, |v| v.to_string()),
                    })
                }
            }
        }
    }
    Ok(rows)
}

/// The feature columns of `table`, in table order: every integer or float column that is not
/// metadata ([`is_metadata_column`]). Boolean and string columns are never features; a string
/// column whose cells are mostly numbers (a numeric column with one bad cell, as a hand-edited
/// CSV gives) is an error naming the cell, never silently left out.
pub fn feature_columns(table: &DataFrame) -> Result<Vec<String>, TableError> {
    for column in table.columns() {
        if column.name().as_str() == FILE_COLUMN {
            continue;
        }
        if let Ok(text) = column.str() {
            let parsed = text
                .iter()
                .flatten()
                .filter(|cell| cell.trim().parse::<f64>().is_ok())
                .count();
            let bad = text
                .iter()
                .enumerate()
                .find(|(_, cell)| cell.is_some_and(|c| c.trim().parse::<f64>().is_err()));
            if let (true, Some((row, Some(cell)))) = (parsed > 0, bad) {
                return Err(TableError::NotANumber {
                    column: column.name().to_string(),
                    row,
                    cell: cell.to_string(),
                });
            }
        }
    }
    let columns: Vec<String> = table
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric() && *c.dtype() != DataType::Boolean)
        .map(|c| c.name().to_string())
        .filter(|n| !is_metadata_column(n))
        .collect();
    if columns.is_empty() {
        return Err(TableError::NoFeatureColumns);
    }
    Ok(columns)
}

/// The names of a table's rows: its [`FILE_COLUMN`], or `row N` where a row (or the table)
/// has none.
pub fn row_names(table: &DataFrame) -> Vec<String> {
    match table
        .column(FILE_COLUMN)
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

/// Which columns of a table describe a file for similarity and clustering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeatureSet {
    /// The note profile (and any other feature columns: `--summary`'s statistics), as
    /// [`feature_columns`] gives them, without the sound description.
    #[default]
    Notes,
    /// The sound description ([`chroma::sound`]), its 126 columns in schema order.
    Sound,
}

impl FeatureSet {
    /// How many principal axes files are compared on: the sound description's fitted space
    /// ([`chroma::sound::SOUND_AXES`]), none for the notes (their columns as they are).
    pub fn similarity_axes(self) -> Option<usize> {
        match self {
            FeatureSet::Notes => None,
            FeatureSet::Sound => Some(chroma::sound::SOUND_AXES),
        }
    }
}

impl std::str::FromStr for FeatureSet {
    type Err = String;
    /// Parses `"notes"` or `"sound"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "notes" => Ok(FeatureSet::Notes),
            "sound" => Ok(FeatureSet::Sound),
            other => Err(format!(
                "unknown feature set {other:?} (expected \"notes\" or \"sound\")"
            )),
        }
    }
}

/// The columns of `table` that `set` uses, in order, each with its group name (the sound
/// groups; `"notes"` for every column of the notes set).
///
/// Errors: [`TableError::NoSoundColumns`] for a table without the sound description,
/// [`TableError::SoundSchema`] for one of another schema version, [`TableError::NoFeatureColumns`].
pub fn columns_for(
    table: &DataFrame,
    set: FeatureSet,
) -> Result<Vec<(String, &'static str)>, TableError> {
    match set {
        FeatureSet::Notes => {
            let columns: Vec<(String, &'static str)> = feature_columns(table)?
                .into_iter()
                .filter(|c| !chroma::sound::is_sound_column(c))
                .map(|c| (c, "notes"))
                .collect();
            if columns.is_empty() {
                return Err(TableError::NoFeatureColumns);
            }
            Ok(columns)
        }
        FeatureSet::Sound => {
            check_sound_schema(table)?;
            chroma::sound::sound_columns()
                .iter()
                .map(|c| match table.column(&c.name) {
                    Ok(_) => Ok((c.name.clone(), c.group.name())),
                    Err(_) => Err(TableError::NoSoundColumns {
                        column: c.name.clone(),
                    }),
                })
                .collect()
        }
    }
}

/// Checks the table's [`SOUND_SCHEMA_COLUMN`]: present, and every row of this build's version.
fn check_sound_schema(table: &DataFrame) -> Result<(), TableError> {
    let expected = chroma::sound::SOUND_SCHEMA_VERSION;
    let column = table
        .column(SOUND_SCHEMA_COLUMN)
        .map_err(|_| TableError::NoSoundColumns {
            column: SOUND_SCHEMA_COLUMN.to_string(),
        })?;
    let versions = column
        .cast(&DataType::String)
        .map_err(|source| TableError::Table {
            step: crate::error::TableStep::Column(SOUND_SCHEMA_COLUMN.to_string()),
            source,
        })?;
    let versions = versions.str().map_err(|source| TableError::Table {
        step: crate::error::TableStep::Column(SOUND_SCHEMA_COLUMN.to_string()),
        source,
    })?;
    let wanted = expected.to_string();
    let other = versions
        .iter()
        .find(|v| *v != Some(wanted.as_str()))
        .map(|v| v.unwrap_or("(empty)").to_string());
    match other {
        None => Ok(()),
        Some(found) => Err(TableError::SoundSchema { found, expected }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::Column;

    /// `METADATA_COLUMNS` repeats `TAG_COLUMNS` at its end (two `const` arrays: no `const`
    /// concatenation); the two lists may not drift apart.
    #[test]
    fn metadata_columns_end_with_the_tag_columns() {
        assert_eq!(
            METADATA_COLUMNS[METADATA_COLUMNS.len() - TAG_COLUMNS.len()..],
            TAG_COLUMNS
        );
    }

    fn table(extra: Column) -> DataFrame {
        let mut columns = vec![Column::new(FILE_COLUMN.into(), vec!["a.wav", "b.wav"])];
        for name in NOTE_NAMES {
            columns.push(Column::new(name.into(), vec![0.5, 0.25]));
        }
        columns.push(Column::new("voiced_frames".into(), vec![3u64, 4]));
        columns.push(Column::new(KEY_COLUMN.into(), vec!["C major", ""]));
        columns.push(extra);
        DataFrame::new(2, columns).unwrap()
    }

    /// A Boolean column (a hand-made flag) is not a feature; the note columns are.
    #[test]
    fn boolean_string_and_metadata_columns_are_not_features() {
        let t = table(Column::new("loud".into(), vec![true, false]));
        assert_eq!(feature_columns(&t).unwrap(), NOTE_NAMES.to_vec());
        let t = table(Column::new("energy".into(), vec![1.0, 2.0]));
        let mut expected = NOTE_NAMES.map(String::from).to_vec();
        expected.push("energy".into());
        assert_eq!(feature_columns(&t).unwrap(), expected);
        assert_eq!(profile_columns(&t), NOTE_NAMES);
        assert_eq!(profile_rows(&t).unwrap(), vec![[0.5; 12], [0.25; 12]]);
    }

    #[test]
    fn a_text_column_of_numbers_with_one_bad_cell_is_an_error() {
        let t = table(Column::new("energy".into(), vec!["1.5", "n/a"]));
        let err = feature_columns(&t).unwrap_err().to_string();
        assert!(err.contains("\"energy\"") && err.contains("row 1"), "{err}");
        let only_text = DataFrame::new(1, vec![Column::new("x".into(), vec!["a"])]).unwrap();
        assert!(matches!(
            feature_columns(&only_text),
            Err(TableError::NoFeatureColumns)
        ));
    }
}

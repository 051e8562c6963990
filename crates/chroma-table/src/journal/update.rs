//! `--update`: the stamp file beside every table a run writes, and the rows of an existing
//! table that can be reused because their file is unchanged.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use polars::prelude::{DataFrame, DataType};

use crate::error::TableError;
use crate::schema;
use audio_io::Tags;
use chroma::NoteProfile;
use chroma::NOTE_NAMES;
use chroma::{FileAnalysis, ProfileKind, TableOptions};
use chroma::{Key, KeyEstimate};

use super::codec::{Header, StampLine, STAMPS_FORMAT};
use super::hidden_file::{check_replaceable, open_existing};
use super::{fingerprint_matches, stamps_path, FileStamp};

/// The stamp file of a table: which file version each row was computed from.
#[derive(Debug, Default)]
struct Stamps {
    fingerprint: String,
    table: Option<FileStamp>,
    files: HashMap<String, FileStamp>,
}

/// Reads the stamp file at `path`: `Ok(Err(why))` when there is none or it cannot be used
/// (the reason, for a note), an error when something other than a regular file is there.
fn read_stamps(path: &Path) -> Result<Result<Stamps, String>, TableError> {
    let unusable = |why: &str| Ok(Err(format!("{} {why}", path.display())));
    let Some(mut file) = open_existing(path)? else {
        return Ok(Err(format!(
            "no stamp file {} beside the table",
            path.display()
        )));
    };
    let mut text = String::new();
    if let Err(e) = file.read_to_string(&mut text) {
        return unusable(&format!("cannot be read ({e})"));
    }
    let mut lines = text.lines();
    let header = match Header::parse(lines.next().unwrap_or_default(), STAMPS_FORMAT) {
        Ok(h) => h,
        Err(problem) => return unusable(&problem.describe()),
    };
    let mut stamps = Stamps {
        fingerprint: header.options,
        table: header.table,
        files: HashMap::new(),
    };
    for line in lines {
        let Some(StampLine { file, stamp }) = StampLine::parse(line) else {
            return unusable("has a line that cannot be read");
        };
        stamps.files.insert(file, stamp);
    }
    Ok(Ok(stamps))
}

/// Checks, before any work, that the stamp file beside `table` can be replaced (nothing or a
/// regular file is there).
pub fn check_stamps_path(table: &Path) -> Result<(), TableError> {
    check_replaceable(&stamps_path(table))
}

/// Writes the stamp file beside `table` (just written) atomically: `rows` are the files of its
/// rows with their stamps.
pub fn write_stamps(
    table: &Path,
    fingerprint: &str,
    rows: &[(String, FileStamp)],
) -> Result<(), TableError> {
    let path = stamps_path(table);
    check_replaceable(&path)?;
    let mut text =
        Header::new(STAMPS_FORMAT, fingerprint.to_string(), FileStamp::of(table)).to_line();
    for (file, stamp) in rows {
        text.push_str(
            &StampLine {
                file: file.clone(),
                stamp: *stamp,
            }
            .to_line(),
        );
    }
    durable_output::write_atomic(&path, |out| {
        out.write_all(text.as_bytes())
            .map_err(|source| TableError::Io {
                path: path.clone(),
                source,
            })
    })
}

/// The existing table of an update run.
#[derive(Debug, Default)]
pub struct Previous {
    /// Every file in the table.
    pub files: HashSet<String>,
    /// Rows whose file version is known, with it.
    pub rows: HashMap<String, (FileStamp, FileAnalysis)>,
}

/// Reads the table at `output` and its stamp file for an update with `options`; `notes` gets
/// a message when rows cannot be reused.
pub fn read_previous(
    output: &Path,
    options: &TableOptions,
    notes: &mut Vec<String>,
) -> Result<Previous, TableError> {
    let table = crate::io::read_table(output)?;
    let files: HashSet<String> = match table
        .column(schema::FILE_COLUMN)
        .and_then(|c| c.cast(&DataType::String))
    {
        Ok(c) => c
            .str()
            .map(|s| s.iter().flatten().map(str::to_string).collect())
            .unwrap_or_default(),
        Err(_) => {
            return Err(TableError::Checkpoint {
                path: output.to_path_buf(),
                reason: "cannot update it: it has no \"file\" column".into(),
            })
        }
    };
    let mut previous = Previous {
        files,
        rows: HashMap::new(),
    };
    let stamps = match read_stamps(&stamps_path(output))? {
        Ok(stamps) => stamps,
        Err(why) => {
            notes.push(format!("{why}; every file is analysed again"));
            return Ok(previous);
        }
    };
    if !fingerprint_matches(&stamps.fingerprint, options) {
        notes.push(format!(
            "{} was made with other options or another version; every file is analysed again",
            output.display()
        ));
        return Ok(previous);
    }
    if stamps.table.is_none() || stamps.table != FileStamp::of(output) {
        notes.push(format!(
            "{} changed after its stamp file {} was written; every file is analysed again",
            output.display(),
            stamps_path(output).display()
        ));
        return Ok(previous);
    }
    let analyses = analyses_of_table(&table, options).map_err(|reason| TableError::Checkpoint {
        path: output.to_path_buf(),
        reason: format!("cannot update it: {reason}"),
    })?;
    for a in analyses {
        if let Some(stamp) = stamps.files.get(&a.file) {
            previous.rows.insert(a.file.clone(), (*stamp, a));
        }
    }
    Ok(previous)
}

/// The rows of a table [`crate::table_of_options`] made with `options`, back as analyses. Only
/// the profile the table holds is filled (the other is zero), which is all
/// [`crate::table_of_options`] reads for it.
pub fn analyses_of_table(
    table: &DataFrame,
    options: &TableOptions,
) -> Result<Vec<FileAnalysis>, String> {
    let col = |name: &str, dtype: &DataType| {
        table
            .column(name)
            .map_err(|_| format!("no column {name:?}"))?
            .cast(dtype)
            .map_err(|e| format!("column {name:?}: {e}"))
    };
    let floats = |name: &str| -> Result<Vec<f64>, String> {
        let c = col(name, &DataType::Float64)?;
        let v: Vec<Option<f64>> = c.f64().map_err(|e| e.to_string())?.iter().collect();
        v.into_iter()
            .map(|x| x.ok_or_else(|| format!("column {name:?} has an empty cell")))
            .collect()
    };
    let uints = |name: &str| -> Result<Vec<u64>, String> {
        let c = col(name, &DataType::UInt64)?;
        let v: Vec<Option<u64>> = c.u64().map_err(|e| e.to_string())?.iter().collect();
        v.into_iter()
            .map(|x| x.ok_or_else(|| format!("column {name:?} has an empty or negative cell")))
            .collect()
    };
    let files: Vec<String> = {
        let c = col(schema::FILE_COLUMN, &DataType::String)?;
        let v: Vec<Option<String>> = c
            .str()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|s| s.map(str::to_string))
            .collect();
        v.into_iter()
            .map(|x| x.ok_or_else(|| "column \"file\" has an empty cell".to_string()))
            .collect::<Result<_, _>>()?
    };
    let notes: Vec<Vec<f64>> = NOTE_NAMES
        .iter()
        .map(|n| floats(n))
        .collect::<Result<_, _>>()?;
    let voiced = uints("voiced_frames")?;
    let frames = uints("frames")?;
    let duration = floats("duration_s")?;
    let rate = uints("sample_rate")?;
    let tuning = floats("tuning_cents")?;
    let strength = floats("key_strength")?;
    let key_names: Vec<Option<Key>> = col("key", &DataType::String)?
        .str()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|k| match k {
            None | Some("") => Ok(None),
            Some(name) => name
                .parse::<Key>()
                .map(Some)
                .map_err(|_| format!("key {name:?}")),
        })
        .collect::<Result<_, String>>()?;
    // The file's own tags, null where absent. (A table written before tags were read is not
    // reused: its stamps' fingerprint differs; without the columns its rows would get none.)
    let texts = |name: &str| -> Result<Vec<Option<String>>, String> {
        match table.column(name) {
            Err(_) => Ok(vec![None; table.height()]),
            Ok(_) => Ok(col(name, &DataType::String)?
                .str()
                .map_err(|e| e.to_string())?
                .iter()
                .map(|s| s.map(str::to_string))
                .collect()),
        }
    };
    let numbers = |name: &str| -> Result<Vec<Option<i64>>, String> {
        match table.column(name) {
            Err(_) => Ok(vec![None; table.height()]),
            Ok(_) => Ok(col(name, &DataType::Int64)?
                .i64()
                .map_err(|e| e.to_string())?
                .iter()
                .collect()),
        }
    };
    let titles = texts(schema::TITLE_COLUMN)?;
    let artists = texts(schema::ARTIST_COLUMN)?;
    let albums = texts(schema::ALBUM_COLUMN)?;
    let tracks = numbers(schema::TRACK_COLUMN)?;
    let years = numbers(schema::YEAR_COLUMN)?;
    let genres = texts(schema::GENRE_COLUMN)?;
    let stats: Option<Vec<(Vec<f64>, Vec<f64>)>> = if options.feature_stats {
        Some(
            stfeatures::FEATURE_NAMES
                .iter()
                .map(|n| Ok((floats(&format!("{n}_mean"))?, floats(&format!("{n}_std"))?)))
                .collect::<Result<_, String>>()?,
        )
    } else {
        None
    };
    let sound: Option<Vec<Vec<f64>>> = if options.sound {
        Some(
            chroma::sound::sound_columns()
                .iter()
                .map(|c| floats(&c.name))
                .collect::<Result<_, String>>()?,
        )
    } else {
        None
    };
    (0..table.height())
        .map(|i| {
            let mut profile = [0.0; 12];
            for (k, v) in profile.iter_mut().enumerate() {
                *v = notes[k][i];
            }
            let (dominant, mean_chroma) = match options.profile {
                ProfileKind::Dominant => (profile, [0.0; 12]),
                ProfileKind::MeanChroma => ([0.0; 12], profile),
            };
            Ok(FileAnalysis {
                file: files[i].clone(),
                profile: NoteProfile {
                    dominant,
                    mean_chroma,
                    voiced_frames: usize::try_from(voiced[i]).map_err(|e| e.to_string())?,
                    frames: usize::try_from(frames[i]).map_err(|e| e.to_string())?,
                },
                duration_s: duration[i],
                tuning_cents: tuning[i],
                // The table keeps the key and its strength, not the 24 scores.
                key: KeyEstimate {
                    key: key_names[i],
                    strength: strength[i],
                    scores: [0.0; 24],
                },
                sample_rate: u32::try_from(rate[i])
                    .map_err(|_| format!("sample rate {} out of range", rate[i]))?,
                feature_stats: stats
                    .as_ref()
                    .map(|s| s.iter().map(|(m, d)| (m[i], d[i])).collect()),
                sound: sound.as_ref().map(|s| s.iter().map(|c| c[i]).collect()),
                tags: Tags {
                    title: titles[i].clone(),
                    artist: artists[i].clone(),
                    album: albums[i].clone(),
                    track: tracks[i].and_then(|n| u32::try_from(n).ok()),
                    year: years[i].and_then(|n| i32::try_from(n).ok()),
                    genre: genres[i].clone(),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::codec::sample_analysis as analysis;
    use crate::table_of;

    #[test]
    fn a_table_gives_back_the_analyses_it_was_made_of() {
        for (profile, stats) in [
            (ProfileKind::Dominant, false),
            (ProfileKind::MeanChroma, true),
        ] {
            let options = TableOptions {
                profile,
                feature_stats: stats,
                sound: stats,
                ..TableOptions::default()
            };
            let analyses = vec![analysis("b.wav", stats), analysis("a.wav", stats)];
            let analyses: Vec<FileAnalysis> = analyses
                .into_iter()
                .map(|mut a| {
                    // A table holds the 68 statistics; the sample has a few.
                    if let Some(s) = a.feature_stats.as_mut() {
                        s.resize(stfeatures::FEATURE_NAMES.len(), (0.5, 0.25));
                    }
                    if let Some(s) = a.sound.as_mut() {
                        s.resize(chroma::sound::N_SOUND_COLUMNS, 0.125);
                    }
                    a
                })
                .collect();
            let table = table_of(&analyses, profile).unwrap();
            let back = analyses_of_table(&table, &options).unwrap();
            let again = table_of(&back, profile).unwrap();
            assert!(table.equals_missing(&again), "{table}\n{again}");
        }
        let table = table_of(&[analysis("a.wav", false)], ProfileKind::Dominant).unwrap();
        let with_stats = TableOptions {
            feature_stats: true,
            ..TableOptions::default()
        };
        assert!(analyses_of_table(&table, &with_stats).is_err());
    }

    #[test]
    fn stamps_round_trip_and_old_or_foreign_stamp_files_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let table = dir.path().join("t.csv");
        std::fs::write(&table, "file\n").unwrap();
        let rows = vec![(
            "a\tb.wav".to_string(),
            FileStamp {
                size: 3,
                mtime_ns: 4,
            },
        )];
        write_stamps(&table, "fp", &rows).unwrap();
        let stamps = read_stamps(&stamps_path(&table)).unwrap().unwrap();
        assert_eq!(stamps.fingerprint, "fp");
        assert_eq!(stamps.table, FileStamp::of(&table));
        assert_eq!(stamps.files.get("a\tb.wav"), Some(&rows[0].1));
        std::fs::write(
            stamps_path(&table),
            "chromacluster-stamps 1\t\"fp\"\t1\t2\n",
        )
        .unwrap();
        let why = read_stamps(&stamps_path(&table)).unwrap().unwrap_err();
        assert!(why.contains("format 1"), "{why}");
        std::fs::remove_file(stamps_path(&table)).unwrap();
        let why = read_stamps(&stamps_path(&table)).unwrap().unwrap_err();
        assert!(why.contains("no stamp file"), "{why}");
    }
}

//! Turning the user's PATH arguments into a sorted list of audio files, or one saved table.

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::UsageError;

/// Extensions taken as audio when walking a folder. Files named explicitly on the command line
/// are always tried (the decoder probes by content); in a folder walk other files are skipped.
const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "flac", "mp3", "ogg", "oga", "aif", "aiff", "aifc", "m4a", "mp4", "aac", "caf",
];

/// Extensions of the tables `notes -o` writes and `cluster` reads.
pub const TABLE_EXTENSIONS: &[&str] = &["csv", "parquet", "pq", "json"];

/// What the PATH arguments name.
#[derive(Debug)]
pub enum Inputs {
    /// Audio files, sorted by path, without duplicates.
    Audio {
        /// The files to process.
        files: Vec<PathBuf>,
        /// Entries of the folders walked that could not be read (a dangling symbolic link, a
        /// loop, an unreadable folder, a name too long): bad inputs like a bad file, reported
        /// and skipped while every other file is processed.
        unreadable: Vec<InputFailure>,
    },
    /// One saved table (a file, or a folder of Parquet parts such as `notes --shard` writes).
    Table(PathBuf),
}

/// A folder entry that could not be read, and why.
#[derive(Debug)]
pub struct InputFailure {
    /// The entry.
    pub path: PathBuf,
    /// What went wrong.
    pub cause: String,
}

impl InputFailure {
    fn of_walk(root: &Path, err: &walkdir::Error) -> Self {
        let path = err.path().unwrap_or(root).to_path_buf();
        let cause = if let Some(ancestor) = err.loop_ancestor() {
            format!(
                "symbolic link loop (points back to {}); not followed",
                ancestor.display()
            )
        } else if let Some(io) = err.io_error() {
            let dangling = io.kind() == std::io::ErrorKind::NotFound
                && std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
            if dangling {
                "broken symbolic link (its target does not exist)".to_string()
            } else {
                format!("cannot read: {io}")
            }
        } else {
            err.to_string()
        };
        InputFailure { path, cause }
    }
}

fn has_extension(path: &Path, list: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| list.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Is this path a saved table (by extension), or a folder holding only Parquet parts?
pub fn is_table(path: &Path) -> bool {
    (path.is_file() && has_extension(path, TABLE_EXTENSIONS))
        || (path.is_dir() && chroma::is_table_dataset(path))
}

/// Resolves the PATH arguments: one table file, or audio files from files and folders. A
/// folder entry that cannot be read is collected in [`Inputs::Audio::unreadable`], not an
/// error; a table among several inputs is a usage error. `quiet` hides the note about
/// non-audio files skipped.
pub fn resolve(paths: &[PathBuf], allow_table: bool, quiet: bool) -> anyhow::Result<Inputs> {
    if allow_table && paths.len() == 1 && is_table(&paths[0]) {
        return Ok(Inputs::Table(paths[0].clone()));
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path).follow_links(true) {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(err) => {
                        unreadable.push(InputFailure::of_walk(path, &err));
                        continue;
                    }
                };
                // Our own temporary, journal and stamp files (perhaps left by a killed run)
                // are never input, nor worth a note.
                if !entry.file_type().is_file() || chroma::cleanup::is_own_file(entry.file_name()) {
                    continue;
                }
                if has_extension(entry.path(), AUDIO_EXTENSIONS) {
                    files.push(entry.into_path());
                } else {
                    skipped.push(entry.into_path());
                }
            }
        } else if allow_table && has_extension(path, TABLE_EXTENSIONS) && paths.len() > 1 {
            return Err(UsageError(format!(
                "{}: a table must be the only input (got {} paths)",
                path.display(),
                paths.len()
            ))
            .into());
        } else {
            // Named explicitly: always tried; a missing file is reported by the decoder.
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    skipped.sort();
    unreadable.sort_by(|a, b| a.path.cmp(&b.path));
    if !skipped.is_empty() && !quiet {
        let shown: Vec<String> = skipped
            .iter()
            .take(3)
            .map(|s| s.display().to_string())
            .collect();
        eprintln!(
            "note: skipped {} file(s) that are not audio by their extension ({}{})",
            skipped.len(),
            shown.join(", "),
            if skipped.len() > 3 { ", ..." } else { "" }
        );
    }
    if files.is_empty() {
        for failure in &unreadable {
            eprintln!(
                "error: {}",
                crate::output::one_line(&format!("{}: {}", failure.path.display(), failure.cause))
            );
        }
        bail!("no audio files found in {}", display_list(paths));
    }
    Ok(Inputs::Audio { files, unreadable })
}

fn display_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

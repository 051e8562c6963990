//! Turning the user's PATH arguments into a sorted list of audio files, or one saved table.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

// The audio extensions and their test are the library's, shared with the Python package.
use chroma::{has_extension, AUDIO_EXTENSIONS};

/// Extensions of the tables `notes -o` writes and `cluster` reads.
pub const TABLE_EXTENSIONS: &[&str] = &["csv", "parquet", "json"];

/// What the PATH arguments name.
#[derive(Debug)]
pub enum Inputs {
    /// Audio files, sorted by path, without duplicates.
    Audio {
        /// The files to process.
        files: Vec<PathBuf>,
    },
    /// One saved table.
    Table(PathBuf),
}

/// Is this path a saved table (by extension)?
pub fn is_table(path: &Path) -> bool {
    path.is_file() && has_extension(path, TABLE_EXTENSIONS)
}

/// Resolves the PATH arguments: one table file, or audio files from files and folders.
pub fn resolve(paths: &[PathBuf], allow_table: bool) -> anyhow::Result<Inputs> {
    if allow_table && paths.len() == 1 && is_table(&paths[0]) {
        return Ok(Inputs::Table(paths[0].clone()));
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path).follow_links(true) {
                let entry = entry.with_context(|| format!("cannot walk {}", path.display()))?;
                if !entry.file_type().is_file() {
                    continue;
                }
                if has_extension(entry.path(), AUDIO_EXTENSIONS) {
                    files.push(entry.into_path());
                } else {
                    skipped.push(entry.into_path());
                }
            }
        } else if allow_table && has_extension(path, TABLE_EXTENSIONS) && paths.len() > 1 {
            bail!(
                "{}: a table must be the only input (got {} paths)",
                path.display(),
                paths.len()
            );
        } else {
            // Named explicitly: always tried; a missing file is reported by the decoder.
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    skipped.sort();
    if !skipped.is_empty() {
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
        bail!("no audio files found in {}", display_list(paths));
    }
    Ok(Inputs::Audio { files })
}

fn display_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

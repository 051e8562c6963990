//! Turning the user's PATH arguments into a sorted list of audio files, or one saved table.

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::UsageError;

// The audio extensions and their test are the library's, shared with the Python package.
use audio_io::listing::has_extension;

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
        unreadable: Vec<audio_io::listing::UnreadableEntry>,
    },
    /// One saved table (a file, or a folder of Parquet parts such as `notes --shard` writes).
    Table(PathBuf),
}

/// Is this path a saved table (by extension), or a folder holding only Parquet parts?
pub fn is_table(path: &Path) -> bool {
    (path.is_file() && has_extension(path, TABLE_EXTENSIONS))
        || (path.is_dir() && chroma_table::is_table_dataset(path))
}

/// Resolves the PATH arguments: one table file, or audio files from files and folders. A
/// folder entry that cannot be read is collected in [`Inputs::Audio::unreadable`], not an
/// error; a table among several inputs is a usage error, and so is an output of `outputs`
/// (flag, path) that is or would be one of the audio files
/// ([`crate::checks::check_not_audio_input`]). `quiet` hides the note about non-audio files
/// ignored (`audio_io::listing::ignored_summary`).
pub fn resolve(
    paths: &[PathBuf],
    allow_table: bool,
    quiet: bool,
    outputs: &[(&str, &Path)],
) -> anyhow::Result<Inputs> {
    if allow_table && paths.len() == 1 && is_table(&paths[0]) {
        return Ok(Inputs::Table(paths[0].clone()));
    }
    for path in paths {
        if !path.is_dir() && allow_table && has_extension(path, TABLE_EXTENSIONS) && paths.len() > 1
        {
            return Err(UsageError(format!(
                "{}: a table must be the only input (got {} paths)",
                path.display(),
                paths.len()
            ))
            .into());
        }
    }
    let audio_io::listing::AudioFiles {
        files,
        skipped,
        unreadable,
    } = audio_io::listing::audio_files(paths, chroma_table::journal::is_own_file);
    if let (Some(summary), false) = (audio_io::listing::ignored_summary(&skipped), quiet) {
        eprintln!("note: {summary}");
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
    crate::checks::check_not_audio_input(outputs, paths, &files)?;
    Ok(Inputs::Audio { files, unreadable })
}

fn display_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

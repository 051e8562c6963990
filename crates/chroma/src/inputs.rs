//! Which files of the given files and folders are audio: the rule the `chromacluster` binary and
//! the Python package share.

use std::path::{Path, PathBuf};

use crate::ChromaError;

/// Extensions taken as audio when walking a folder (compared ignoring ASCII case). Files named
/// explicitly are always tried (the decoder probes by content); in a folder walk other files are
/// skipped.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "flac", "mp3", "ogg", "oga", "aif", "aiff", "aifc", "m4a", "mp4", "aac", "caf",
];

/// True if `path`'s extension is one of `list` (ignoring ASCII case).
pub fn has_extension(path: &Path, list: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| list.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The audio files of `paths`: folders are walked recursively (following links) and their files
/// with an [`AUDIO_EXTENSIONS`] extension kept; other paths are kept as given. Returns the files
/// sorted by path without duplicates, and the folder files skipped for their extension (sorted).
pub fn audio_files(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>), ChromaError> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        if path.is_dir() {
            for entry in walkdir::WalkDir::new(path).follow_links(true) {
                let entry = entry.map_err(|e| ChromaError::Io {
                    path: e.path().unwrap_or(path).to_path_buf(),
                    source: e.into(),
                })?;
                if !entry.file_type().is_file() {
                    continue;
                }
                if has_extension(entry.path(), AUDIO_EXTENSIONS) {
                    files.push(entry.into_path());
                } else {
                    skipped.push(entry.into_path());
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    skipped.sort();
    Ok((files, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_by_extension_and_files_kept_as_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        for name in ["b.WAV", "sub/a.flac", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let named = dir.path().join("named.bin");
        let (files, skipped) =
            audio_files(&[dir.path().to_path_buf(), named.clone(), named.clone()]).expect("walk");
        let mut expected = vec![
            dir.path().join("b.WAV"),
            dir.path().join("sub/a.flac"),
            named,
        ];
        expected.sort();
        assert_eq!(files, expected);
        assert_eq!(skipped, vec![dir.path().join("notes.txt")]);
    }
}

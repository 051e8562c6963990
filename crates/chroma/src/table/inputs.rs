//! Which files of the given files and folders are audio: the rule the `chromacluster` binary and
//! the Python package share.
//!
//! A folder is walked recursively (following links). An entry that cannot be read (a dangling
//! symbolic link, a loop, an unreadable folder, a name too long) is a bad input like a bad file:
//! it is collected in [`AudioFiles::unreadable`] with its cause and the walk goes on.

use std::path::{Path, PathBuf};

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

/// A folder entry that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableEntry {
    /// The entry.
    pub path: PathBuf,
    /// What went wrong, in words.
    pub cause: String,
}

impl UnreadableEntry {
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
        UnreadableEntry { path, cause }
    }
}

/// The result of [`audio_files`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioFiles {
    /// The audio files, sorted by path, without duplicates: folder files with an
    /// [`AUDIO_EXTENSIONS`] extension, and every path named explicitly.
    pub files: Vec<PathBuf>,
    /// Folder files skipped for their extension, sorted.
    pub skipped: Vec<PathBuf>,
    /// Folder entries that could not be read, sorted by path.
    pub unreadable: Vec<UnreadableEntry>,
}

/// The audio files of `paths`: folders are walked recursively (following links) and their files
/// with an [`AUDIO_EXTENSIONS`] extension kept; other paths are kept as given (a missing one is
/// reported by the decoder). The project's own temporary, journal and stamp files (perhaps left
/// by a killed run) are never input. Never fails: unreadable entries are collected.
pub fn audio_files(paths: &[PathBuf]) -> AudioFiles {
    let mut found = AudioFiles::default();
    for path in paths {
        if !path.is_dir() {
            found.files.push(path.clone());
            continue;
        }
        for entry in walkdir::WalkDir::new(path).follow_links(true) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    found.unreadable.push(UnreadableEntry::of_walk(path, &err));
                    continue;
                }
            };
            if !entry.file_type().is_file() || crate::table::journal::is_own_file(entry.file_name())
            {
                continue;
            }
            if has_extension(entry.path(), AUDIO_EXTENSIONS) {
                found.files.push(entry.into_path());
            } else {
                found.skipped.push(entry.into_path());
            }
        }
    }
    found.files.sort();
    found.files.dedup();
    found.skipped.sort();
    found.unreadable.sort_by(|a, b| a.path.cmp(&b.path));
    found
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
        let found = audio_files(&[dir.path().to_path_buf(), named.clone(), named.clone()]);
        let mut expected = vec![
            dir.path().join("b.WAV"),
            dir.path().join("sub/a.flac"),
            named,
        ];
        expected.sort();
        assert_eq!(found.files, expected);
        assert_eq!(found.skipped, vec![dir.path().join("notes.txt")]);
        assert!(found.unreadable.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_is_collected_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.wav"), b"x").expect("write");
        std::os::unix::fs::symlink(dir.path().join("gone.wav"), dir.path().join("link.wav"))
            .expect("symlink");
        let found = audio_files(&[dir.path().to_path_buf()]);
        assert_eq!(found.files, vec![dir.path().join("a.wav")]);
        assert_eq!(found.unreadable.len(), 1);
        assert_eq!(found.unreadable[0].path, dir.path().join("link.wav"));
        assert!(found.unreadable[0].cause.contains("broken symbolic link"));
    }
}

//! Which files of the given files and folders are audio: the rule the `chromacluster` binary and
//! the Python package share (`chroma`'s tables, and the binary's check that an output is not
//! an audio input, use its extension lists).
//!
//! A folder is walked recursively (following links). Each file is, by its extension (ignoring
//! ASCII case):
//! - audio the decoders read ([`AUDIO_EXTENSIONS`]): analysed;
//! - audio or media in a format that is not decoded ([`UNDECODED_AUDIO_EXTENSIONS`]: `.wma`,
//!   `.ape`, `.mpc`, `.dsf`, ...): tried all the same, so it fails with an error naming its
//!   format, and counts as a failure;
//! - clearly not audio ([`NotAudio`]: cover images, playlists, cue sheets, text and lyrics):
//!   ignored, counted in one summary line ([`ignored_summary`]);
//! - anything else (another extension, or none): read by its first bytes, tried if they are
//!   those of an audio or media format ([`crate::looks_like_audio`]), else ignored as
//!   "other".
//!
//! Files named explicitly are always tried; folder files the caller names as its own (the
//! project's temporary, journal and stamp files) never are. An entry that cannot be read (a dangling symbolic
//! link, a loop, an unreadable folder, a name too long) is a bad input like a bad file: it is
//! collected in [`AudioFiles::unreadable`] with its cause and the walk goes on.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Extensions of the formats the decoders read: WAV, FLAC, MP3 (and MPEG layers I/II), Ogg
/// (Vorbis, Opus, FLAC), AIFF, MP4/M4A (AAC, ALAC), ADTS AAC, CAF, Matroska/WebM.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "bwf", "rf64", "flac", "mp3", "mp2", "mp1", "mpa", "ogg", "oga", "opus", "aif",
    "aiff", "aifc", "m4a", "m4b", "mp4", "aac", "caf", "mka", "mkv", "webm",
];

/// Extensions of audio or media formats that are not decoded (Windows Media, Monkey's Audio,
/// Musepack, DSD, WavPack, TTA, Shorten, OptimFROG, TAK, RealAudio, AMR, AU, AC-3, DTS, Speex,
/// MIDI, tracker modules): a folder walk tries them so that each is reported as a failure that
/// names its format and how to convert it.
pub const UNDECODED_AUDIO_EXTENSIONS: &[&str] = &[
    "wma", "asf", "ape", "mpc", "mp+", "mpp", "dsf", "dff", "wv", "tta", "shn", "ofr", "ofs",
    "tak", "ra", "rm", "amr", "au", "snd", "ac3", "eac3", "dts", "spx", "mid", "midi", "kar",
    "mod", "xm", "s3m", "it", "3gp", "aa", "aax",
];

/// Why a folder file was ignored: it is clearly not audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotAudio {
    /// A picture (cover art): `.jpg`, `.png`, ...
    Image,
    /// A playlist: `.m3u`, `.pls`, ...
    Playlist,
    /// A cue sheet: `.cue`.
    CueSheet,
    /// Text, lyrics, logs, documents, checksums: `.txt`, `.lrc`, `.nfo`, `.log`, `.pdf`, ...
    Text,
    /// Any other file whose first bytes are not those of an audio or media format.
    Other,
}

impl NotAudio {
    const IMAGES: &[&str] = &[
        "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "heic", "ico", "svg",
    ];
    const PLAYLISTS: &[&str] = &["m3u", "m3u8", "pls", "xspf", "wpl", "asx"];
    const TEXT: &[&str] = &[
        "txt", "nfo", "md", "log", "lrc", "pdf", "rtf", "doc", "docx", "html", "htm", "xml",
        "json", "ini", "sfv", "md5", "ffp", "sha1", "sha256", "accurip", "url", "csv",
    ];

    /// The kind a file's extension names, if it is one of the non-audio lists.
    fn of_extension(path: &Path) -> Option<NotAudio> {
        if has_extension(path, Self::IMAGES) {
            Some(NotAudio::Image)
        } else if has_extension(path, Self::PLAYLISTS) {
            Some(NotAudio::Playlist)
        } else if has_extension(path, &["cue"]) {
            Some(NotAudio::CueSheet)
        } else if has_extension(path, Self::TEXT) {
            Some(NotAudio::Text)
        } else {
            None
        }
    }

    /// How a count of these is written in the summary (`1 cover image`, `2 playlists`).
    fn counted(self, n: usize) -> String {
        let (one, many) = match self {
            NotAudio::Image => ("image", "images"),
            NotAudio::Playlist => ("playlist", "playlists"),
            NotAudio::CueSheet => ("cue sheet", "cue sheets"),
            NotAudio::Text => ("text or lyrics file", "text or lyrics files"),
            NotAudio::Other => (
                "other file not audio by its content",
                "other files not audio by their content",
            ),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// One line saying how many folder files were ignored and why, e.g. `ignored 5 files that are
/// not audio: 2 images, 1 cue sheet, 2 text or lyrics files`; `None` when none was.
pub fn ignored_summary(skipped: &[(PathBuf, NotAudio)]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    let mut counts = std::collections::BTreeMap::new();
    for (_, kind) in skipped {
        *counts.entry(*kind).or_insert(0usize) += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| k.counted(*n)).collect();
    Some(format!(
        "ignored {} file{} that {} not audio: {}",
        skipped.len(),
        if skipped.len() == 1 { "" } else { "s" },
        if skipped.len() == 1 { "is" } else { "are" },
        parts.join(", ")
    ))
}

/// True if `path`'s extension is one of `list` (ignoring ASCII case).
pub fn has_extension(path: &Path, list: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| list.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Whether a folder file is taken as audio (see the module doc), or why not.
fn classify(path: &Path) -> Result<(), NotAudio> {
    if has_extension(path, AUDIO_EXTENSIONS) || has_extension(path, UNDECODED_AUDIO_EXTENSIONS) {
        return Ok(());
    }
    if let Some(kind) = NotAudio::of_extension(path) {
        return Err(kind);
    }
    let mut head = Vec::with_capacity(12);
    let read = std::fs::File::open(path).and_then(|f| f.take(12).read_to_end(&mut head));
    match read {
        // Unreadable: tried, so that the decoder reports why.
        Err(_) => Ok(()),
        Ok(_) if crate::looks_like_audio(&head) => Ok(()),
        Ok(_) => Err(NotAudio::Other),
    }
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
    /// The files to analyse, sorted by path, without duplicates: folder files taken as audio
    /// (see the module doc), and every path named explicitly.
    pub files: Vec<PathBuf>,
    /// Folder files ignored as not audio, sorted, with why ([`ignored_summary`] counts them).
    pub skipped: Vec<(PathBuf, NotAudio)>,
    /// Folder entries that could not be read, sorted by path.
    pub unreadable: Vec<UnreadableEntry>,
}

/// The audio files of `paths`: folders are walked recursively (following links) and their
/// files classified as the module doc says; other paths are kept as given (a missing one is
/// reported by the decoder). A folder file whose name `is_own_file` accepts is never input: the
/// front ends pass `chroma_table::journal::is_own_file`, the project's own temporary, journal and
/// stamp files (perhaps left by a killed run). Never fails: unreadable entries are collected.
pub fn audio_files(paths: &[PathBuf], is_own_file: impl Fn(&OsStr) -> bool) -> AudioFiles {
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
            if !entry.file_type().is_file() || is_own_file(entry.file_name()) {
                continue;
            }
            match classify(entry.path()) {
                Ok(()) => found.files.push(entry.into_path()),
                Err(kind) => found.skipped.push((entry.into_path(), kind)),
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
    fn folders_are_walked_by_extension_and_content_and_files_kept_as_given() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        for (name, bytes) in [
            ("b.WAV", &b"x"[..]),
            ("sub/a.flac", b"x"),
            ("sub/c.opus", b"x"),
            ("d.wma", b"x"),
            ("notes.txt", b"x"),
            ("cover.JPG", b"x"),
            ("album.cue", b"x"),
            ("list.m3u8", b"x"),
            ("track.lrc", b"x"),
            // No telling extension: its first bytes decide.
            ("e.bin", b"OggS\0\x02\0\0"),
            ("f.music", b"(supertux-music ...)"),
            ("noext", b"RIFF\0\0\0\0WAVEfmt "),
        ] {
            std::fs::write(dir.path().join(name), bytes).expect("write");
        }
        let named = dir.path().join("named.bin");
        std::fs::write(dir.path().join(".own.wav"), b"x").expect("write");
        let found = audio_files(
            &[dir.path().to_path_buf(), named.clone(), named.clone()],
            |name| name == ".own.wav",
        );
        let mut expected: Vec<PathBuf> = ["b.WAV", "sub/a.flac", "sub/c.opus", "d.wma", "e.bin"]
            .iter()
            .map(|n| dir.path().join(n))
            .chain([dir.path().join("noext"), named])
            .collect();
        expected.sort();
        assert_eq!(found.files, expected);
        let kinds: Vec<NotAudio> = found.skipped.iter().map(|(_, k)| *k).collect();
        assert_eq!(
            kinds,
            vec![
                NotAudio::CueSheet,
                NotAudio::Image,
                NotAudio::Other,
                NotAudio::Playlist,
                NotAudio::Text,
                NotAudio::Text
            ]
        );
        assert_eq!(
            ignored_summary(&found.skipped).as_deref(),
            Some(
                "ignored 6 files that are not audio: 1 image, 1 playlist, 1 cue sheet, \
                 2 text or lyrics files, 1 other file not audio by its content"
            )
        );
        assert_eq!(ignored_summary(&[]), None);
        assert!(found.unreadable.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_is_collected_and_the_walk_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.wav"), b"x").expect("write");
        std::os::unix::fs::symlink(dir.path().join("gone.wav"), dir.path().join("link.wav"))
            .expect("symlink");
        let found = audio_files(&[dir.path().to_path_buf()], |_| false);
        assert_eq!(found.files, vec![dir.path().join("a.wav")]);
        assert_eq!(found.unreadable.len(), 1);
        assert_eq!(found.unreadable[0].path, dir.path().join("link.wav"));
        assert!(found.unreadable[0].cause.contains("broken symbolic link"));
    }
}

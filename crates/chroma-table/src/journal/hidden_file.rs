//! Opening the hidden files beside an output (the journal and the stamp file) safely, and the
//! lock that keeps two runs off one output.
//!
//! The hidden files live in folders the user shares with others (a music collection), so
//! whatever is found at their names is not trusted: they are opened without following a
//! symbolic link (`O_NOFOLLOW`; a new one is created with `O_EXCL`, which never follows one
//! either), without blocking (`O_NONBLOCK`, so a FIFO planted there cannot hang the run), and
//! used only if they are regular files. Anything else is an error naming the path and what
//! was found there. The journal is also the run's lock: an advisory exclusive lock (`flock`,
//! through fs4) held for as long as the run has the journal open, so a second run for the same
//! output is refused at once instead of sharing the journal.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::TableError;

/// How to open a hidden file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Read an existing file.
    Read,
    /// Read and write an existing file.
    ReadWrite,
    /// Create a new file for reading and writing (fails if the name exists).
    CreateNew,
}

fn open_options(access: Access) -> std::fs::OpenOptions {
    let mut options = File::options();
    match access {
        Access::Read => {
            options.read(true);
        }
        Access::ReadWrite => {
            options.read(true).write(true);
        }
        Access::CreateNew => {
            options.read(true).write(true).create_new(true);
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options
}

/// What is at `path`, in words, when it is not a regular file (`None` for a regular file or
/// nothing).
fn not_regular(path: &Path) -> Option<&'static str> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_symlink() {
        return Some("a symbolic link");
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

fn refuse(path: &Path, what: &str) -> TableError {
    TableError::Checkpoint {
        path: path.to_path_buf(),
        reason: format!(
            "is {what}, not a regular file; chromacluster's hidden files are only opened as \
             regular files and never through a link (remove it, or name another output)"
        ),
    }
}

fn io_error(path: &Path, source: io::Error) -> TableError {
    TableError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens `path` with `access` and checks that what was opened is a regular file.
fn open_checked(path: &Path, access: Access) -> Result<Result<File, io::Error>, TableError> {
    match open_options(access).open(path) {
        Ok(file) => {
            let meta = file.metadata().map_err(|e| io_error(path, e))?;
            if !meta.is_file() {
                return Err(refuse(
                    path,
                    not_regular(path).unwrap_or("not a regular file"),
                ));
            }
            #[cfg(not(unix))]
            if let Some(what) = not_regular(path) {
                return Err(refuse(path, what));
            }
            Ok(Ok(file))
        }
        Err(e) => {
            // O_NOFOLLOW's ELOOP (and whatever a platform says instead): name what is there.
            if let Some(what) = not_regular(path) {
                return Err(refuse(path, what));
            }
            Ok(Err(e))
        }
    }
}

/// Opens the existing hidden file `path` for reading: `Ok(None)` if there is none, an error
/// naming it if it is anything but a regular file.
pub fn open_existing(path: &Path) -> Result<Option<File>, TableError> {
    match open_checked(path, Access::Read)? {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

/// Checks that `path` is nothing or a regular file, before a hidden file is written there
/// (by an atomic rename, which replaces the name and follows no link): an error naming it
/// otherwise, so that what was planted there is reported rather than silently replaced.
pub fn check_replaceable(path: &Path) -> Result<(), TableError> {
    match not_regular(path) {
        Some(what) => Err(refuse(path, what)),
        None => Ok(()),
    }
}

/// An open, locked journal file: the run's claim on its output.
#[derive(Debug)]
pub struct LockedFile {
    /// The file (read and write, positioned at its start).
    pub file: File,
    /// Whether the file was created by this call.
    pub created: bool,
}

/// Opens (or creates) the journal at `path` for reading and writing and takes its exclusive
/// advisory lock. A journal locked by another live run is [`TableError::RunInProgress`] for
/// `output`. A journal removed or replaced by a finishing run between the open and the lock
/// is opened again, so the lock held is always on the file at `path`.
pub fn open_locked(path: &Path, output: &Path) -> Result<LockedFile, TableError> {
    for _ in 0..16 {
        let (file, created) = match open_checked(path, Access::ReadWrite)? {
            Ok(file) => (file, false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match open_checked(path, Access::CreateNew)? {
                    Ok(file) => (file, true),
                    // Another run created it in between: open that one.
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(io_error(path, e)),
                }
            }
            Err(e) => return Err(io_error(path, e)),
        };
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(TableError::RunInProgress {
                    output: output.to_path_buf(),
                    journal: path.to_path_buf(),
                })
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io_error(path, e)),
        }
        if is_still_at(&file, path) {
            return Ok(LockedFile { file, created });
        }
    }
    Err(io_error(
        path,
        io::Error::other("it keeps being replaced by another process"),
    ))
}

/// Whether the open `file` is still the file named `path` (not removed or replaced since it
/// was opened).
fn is_still_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// The name of a hidden file beside `output`: `.NAME` + `suffix` in the same folder, where
/// NAME is the output's file name (bytes as they are). A name longer than file systems allow
/// (255 bytes) keeps the start of NAME, then `~` and 16 hex digits of a fixed hash of the
/// whole NAME, so it always fits and stays distinct for distinct outputs.
pub fn hidden_beside(output: &Path, suffix: &str) -> PathBuf {
    let name = output.file_name().unwrap_or_default();
    let mut hidden = std::ffi::OsString::from(".");
    hidden.push(name);
    hidden.push(suffix);
    if hidden.len() <= MAX_NAME_BYTES {
        return durable_output::parent_dir(output).join(hidden);
    }
    let bytes = name.as_encoded_bytes();
    let hash = crate::shard::fixed_hash(bytes);
    let tail = format!("~{hash:016x}{suffix}");
    let mut keep = MAX_NAME_BYTES - 1 - tail.len();
    // Cut at a character boundary when the name is UTF-8, so the short name is too.
    if let Ok(text) = std::str::from_utf8(bytes) {
        while !text.is_char_boundary(keep) {
            keep -= 1;
        }
    }
    let mut short = Vec::with_capacity(MAX_NAME_BYTES);
    short.push(b'.');
    short.extend_from_slice(&bytes[..keep]);
    short.extend_from_slice(tail.as_bytes());
    durable_output::parent_dir(output).join(os_string_of(short))
}

/// The longest file name most file systems accept (ext4, XFS, APFS, NTFS in UTF-16 units).
const MAX_NAME_BYTES: usize = 255;

#[cfg(unix)]
fn os_string_of(bytes: Vec<u8>) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(bytes)
}

#[cfg(not(unix))]
fn os_string_of(bytes: Vec<u8>) -> std::ffi::OsString {
    std::ffi::OsString::from(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn long_output_names_get_hidden_names_that_fit_and_differ() {
        let dir = Path::new("some/dir");
        let short = hidden_beside(&dir.join("t.csv"), ".chromacluster-journal");
        assert_eq!(short, dir.join(".t.csv.chromacluster-journal"));
        let a = format!("{}a.csv", "é".repeat(120));
        let b = format!("{}b.csv", "é".repeat(120));
        let (ha, hb) = (
            hidden_beside(&dir.join(&a), ".chromacluster-journal"),
            hidden_beside(&dir.join(&b), ".chromacluster-journal"),
        );
        assert_ne!(ha, hb);
        for h in [&ha, &hb] {
            let name = h.file_name().unwrap().to_str().expect("still UTF-8");
            assert!(name.len() <= MAX_NAME_BYTES, "{} bytes", name.len());
            assert!(name.starts_with(".éé") && name.ends_with(".chromacluster-journal"));
            assert!(crate::journal::is_own_file(h.file_name().unwrap()));
        }
        // Fixed across runs and versions.
        assert_eq!(ha, hidden_beside(&dir.join(&a), ".chromacluster-journal"),);
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_and_folders_are_refused_by_name_and_nothing_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious.wav");
        std::fs::write(&target, b"RIFF").unwrap();
        let link = dir.path().join(".link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let fifo = dir.path().join(".fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        let have_fifo = status.is_ok_and(|s| s.success());
        if !have_fifo {
            eprintln!("SKIPPED the FIFO case: mkfifo is not available here");
        }
        let folder = dir.path().join(".folder");
        std::fs::create_dir(&folder).unwrap();
        let mut cases = vec![(&link, "symbolic link"), (&folder, "folder")];
        if have_fifo {
            cases.push((&fifo, "FIFO"));
        }
        for (path, what) in cases {
            for result in [
                open_existing(path).map(|_| ()),
                open_locked(path, Path::new("out.csv")).map(|_| ()),
                check_replaceable(path),
            ] {
                let text = result.expect_err("refused").to_string();
                assert!(
                    text.contains(&path.display().to_string()) && text.contains(what),
                    "{text}"
                );
            }
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"RIFF");
    }

    #[test]
    fn a_second_lock_on_the_same_journal_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".out.csv.chromacluster-journal");
        let first = open_locked(&path, Path::new("out.csv")).unwrap();
        assert!(first.created);
        let err = open_locked(&path, Path::new("out.csv")).unwrap_err();
        assert!(matches!(err, TableError::RunInProgress { .. }), "{err}");
        assert!(err.to_string().contains("out.csv"), "{err}");
        drop(first);
        let mut again = open_locked(&path, Path::new("out.csv")).unwrap();
        assert!(!again.created);
        let mut text = String::new();
        again.file.read_to_string(&mut text).unwrap();
        assert!(open_existing(&dir.path().join("missing"))
            .unwrap()
            .is_none());
    }
}

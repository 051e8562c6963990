//! Temporary output files that never outlive the process, and the names of this crate's own
//! hidden files.
//!
//! Every output is written to a hidden temporary file beside its target (named
//! [`TEMP_PREFIX`]`XXXXXX`), which then replaces the target. [`temp_beside`] registers each such
//! file while it is live, so that a program interrupted by a signal can remove them all with
//! [`remove_live_temps`] before it exits (destructors do not run on `SIGINT`/`SIGTERM`). A
//! process killed outright (`SIGKILL`, power loss) leaves its temporary file behind:
//! [`remove_stale_temps`] removes those of a folder once they are old enough that no live
//! writer can still own them, and [`is_own_file`] lets folder walks skip them (and the journal
//! and stamp files of [`crate::journal`]) instead of taking them as input.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The name prefix of every temporary output file.
pub const TEMP_PREFIX: &str = ".chromacluster-";

/// A temporary file whose last change is older than this cannot belong to a live writer (a
/// writer touches its file continuously until it renames it), so [`remove_stale_temps`]
/// removes it.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);

/// The live temporary files, and whether the process is shutting down (then no new one may
/// be created).
struct Registry {
    live: Vec<PathBuf>,
    closed: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    live: Vec::new(),
    closed: false,
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    // A panic while holding the lock leaves the list intact; keep using it.
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// A registered temporary file beside an output; dropped without [`TempOutput::persist`], it is
/// deleted.
#[derive(Debug)]
pub struct TempOutput {
    /// Always `Some` until [`TempOutput::persist`] takes it.
    file: Option<tempfile::NamedTempFile>,
}

impl TempOutput {
    /// The open file.
    pub fn as_file(&self) -> &std::fs::File {
        self.temp().as_file()
    }

    fn temp(&self) -> &tempfile::NamedTempFile {
        self.file
            .as_ref()
            .expect("a TempOutput holds its file until persisted")
    }

    /// The open file, mutably.
    pub fn as_file_mut(&mut self) -> &mut std::fs::File {
        self.file
            .as_mut()
            .expect("a TempOutput holds its file until persisted")
            .as_file_mut()
    }

    /// The temporary file's path.
    pub fn path(&self) -> &Path {
        self.temp().path()
    }

    /// Renames the temporary file over `target`. Done under the registry's lock, so an
    /// interruption either sees the complete output in place or removes the temporary file.
    pub fn persist(mut self, target: &Path) -> io::Result<()> {
        let mut reg = registry();
        if reg.closed {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        let Some(file) = self.file.take() else {
            return Err(io::Error::other("already persisted"));
        };
        let tmp_path = file.path().to_path_buf();
        let result = file.persist(target).map(|_| ()).map_err(|e| e.error);
        reg.live.retain(|p| p != &tmp_path);
        result
    }
}

impl Drop for TempOutput {
    fn drop(&mut self) {
        // The file itself is deleted by NamedTempFile's own drop (after this one).
        if let Some(file) = &self.file {
            let path = file.path().to_path_buf();
            registry().live.retain(|p| p != &path);
        }
    }
}

/// Creates a registered temporary file in `target`'s folder, named [`TEMP_PREFIX`]`XXXXXX` plus
/// `suffix`, with the permissions `target` will end up with: those of the file it replaces,
/// else what a plain `File::create` gives (0o666 less the umask; temporary files are otherwise
/// private).
pub fn temp_beside(target: &Path, suffix: &str) -> io::Result<TempOutput> {
    let dir = parent_dir(target);
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(suffix);
    if let Some(permissions) = crate::table_file::output_permissions(target) {
        builder.permissions(permissions);
    }
    let mut reg = registry();
    if reg.closed {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
    }
    let file = builder.tempfile_in(dir)?;
    reg.live.push(file.path().to_path_buf());
    Ok(TempOutput { file: Some(file) })
}

/// The folder a path's file lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Removes every live temporary file and refuses new ones from now on; for a signal handler
/// that then ends the process. Returns how many were removed.
pub fn remove_live_temps() -> usize {
    let mut reg = registry();
    reg.closed = true;
    let mut removed = 0;
    for path in reg.live.drain(..) {
        if std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether a file name is one of this crate's own hidden files: a temporary output
/// ([`TEMP_PREFIX`]...), a journal or a stamp file ([`crate::journal`]). Never input.
pub fn is_own_file(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with(TEMP_PREFIX)
        || (name.starts_with('.')
            && (name.ends_with(crate::journal::JOURNAL_SUFFIX)
                || name.ends_with(crate::journal::STAMPS_SUFFIX)))
}

/// Removes the temporary files ([`TEMP_PREFIX`]...) directly in `dir` that were last changed
/// more than `older_than` ago: leftovers of a process that was killed before it could clean
/// up. Younger ones may belong to a live writer (another run writing to the same folder) and
/// are kept. Returns how many were removed; unreadable folders and entries are skipped.
pub fn remove_stale_temps(dir: &Path, older_than: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let stale = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > older_than);
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!("removed a stale temporary file {}", entry.path().display());
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_dropped_temp_is_deleted_and_a_persisted_one_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let tmp = temp_beside(&target, "").unwrap();
        let tmp_path = tmp.path().to_path_buf();
        assert!(tmp_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(TEMP_PREFIX));
        assert!(registry().live.contains(&tmp_path));
        drop(tmp);
        assert!(!tmp_path.exists());
        assert!(!registry().live.contains(&tmp_path));

        let mut tmp = temp_beside(&target, "").unwrap();
        tmp.as_file_mut().write_all(b"x").unwrap();
        let tmp_path = tmp.path().to_path_buf();
        tmp.persist(&target).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"x");
        assert!(!registry().live.contains(&tmp_path));
    }

    #[test]
    fn only_old_temporary_files_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".chromacluster-old123");
        let young = dir.path().join(".chromacluster-new456");
        let other = dir.path().join("keep.wav");
        for p in [&old, &young, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
        for p in [&old, &other] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(two_hours_ago)
                .unwrap();
        }
        assert_eq!(remove_stale_temps(dir.path(), STALE_AFTER), 1);
        assert!(!old.exists());
        assert!(young.exists());
        assert!(other.exists());
    }

    #[test]
    fn own_files_are_recognised() {
        for own in [
            ".chromacluster-abc123",
            ".t.csv.chromacluster-journal",
            ".t.parquet.chromacluster-stamps",
        ] {
            assert!(is_own_file(OsStr::new(own)), "{own}");
        }
        for other in [
            "song.wav",
            "chromacluster-journal",
            "x.chromacluster-stamps",
        ] {
            assert!(!is_own_file(OsStr::new(other)), "{other}");
        }
    }
}

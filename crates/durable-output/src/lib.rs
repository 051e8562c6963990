//! Durable output files: every file the project writes (tables, models, pictures, pages)
//! is complete or absent, never half-written, and never leaves its temporary file behind.
//!
//! [`write_atomic`] and [`AtomicFile`] write to a hidden temporary file beside the target
//! (named [`TEMP_PREFIX`]`XXXXXX`), make it durable (`fsync`), then rename it over the target,
//! so a reader sees the old file or the complete new one; errors ([`OutputError`]) name the
//! target, never the temporary file. [`temp_beside`] registers each such file while it is
//! live, so that a program interrupted by a signal can remove them all with
//! [`remove_live_temps`] before it exits (destructors do not run on `SIGINT`/`SIGTERM`;
//! [`remove_temporaries_on_signals`] installs that handler). A process killed outright
//! (`SIGKILL`, power loss) leaves its temporary file behind: [`remove_stale_temps`] removes
//! those of a folder once they are old enough that no live writer can still own them, and
//! [`is_temp_output`] lets folder walks skip them instead of taking them as input.
//!
//! This crate sits at the bottom of the workspace so that every writer uses it: the table
//! layer, `KMeansModel::save`, figures and the report.
//!
//! ```
//! use std::io::Write;
//! let dir = tempfile::tempdir()?;
//! let target = dir.path().join("model.json");
//! durable_output::write_atomic::<durable_output::OutputError>(&target, |out| {
//!     out.write_all(b"{}").map_err(|e| durable_output::OutputError::new(&target, e))
//! })?;
//! assert_eq!(std::fs::read(&target)?, b"{}");
//! // Only the target is left in the folder: no temporary file.
//! assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Writing an output failed at the file-system level; names the target file, never the
/// temporary file beside it.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}", path = path.display())]
pub struct OutputError {
    /// The output file.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

impl OutputError {
    /// The error `source` about the output `path`.
    pub fn new(path: &Path, source: io::Error) -> Self {
        OutputError {
            path: path.to_path_buf(),
            source,
        }
    }
}

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
    if let Some(permissions) = output_permissions(target) {
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

/// Permissions for a new output file: those of the file it replaces, else what a plain
/// `File::create` would give (0o666 less the umask; temporary files are otherwise private).
/// `None` off unix, where the temporary file's defaults are already right.
fn output_permissions(path: &Path) -> Option<std::fs::Permissions> {
    if let Ok(meta) = std::fs::metadata(path) {
        return Some(meta.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// tempfile's errors name the temporary file (`... at path "dir/.chromacluster-a1b2"`), a name
/// the user never chose; the error is reported against the target path instead, so keep only
/// the operating system's cause.
fn without_temporary_path(err: io::Error) -> io::Error {
    // tempfile keeps the OS error inside a private type that only shows it in its message,
    // "<os error> at path \"<temporary path>\"" (tempfile 3's error.rs); keep the first part.
    let text = err.to_string();
    match text.rfind(" at path \"") {
        Some(end) if err.get_ref().is_some() => io::Error::new(err.kind(), &text[..end]),
        _ => err,
    }
}

/// An output being written atomically: a registered temporary file beside the target, which
/// [`AtomicFile::commit`] makes durable and renames over the target. Dropped uncommitted (an
/// error, a panic) it is removed and any old target is left intact; `SIGINT`/`SIGTERM` remove
/// it through [`remove_live_temps`]. Every error is an [`OutputError`] naming the target.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    tmp: TempOutput,
}

impl AtomicFile {
    /// Starts writing `target`.
    pub fn create(target: &Path) -> Result<Self, OutputError> {
        Self::with_suffix(target, "")
    }

    /// Starts writing `target` through a temporary file with the same extension (`.png`, say),
    /// for writers that choose their encoding by the name of the path they are given.
    pub fn keeping_extension(target: &Path) -> Result<Self, OutputError> {
        let suffix = target
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        Self::with_suffix(target, &suffix)
    }

    fn with_suffix(target: &Path, suffix: &str) -> Result<Self, OutputError> {
        let tmp = temp_beside(target, suffix).map_err(|e| io_error(target, e))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
        })
    }

    /// The open temporary file.
    pub fn file(&self) -> &File {
        self.tmp.as_file()
    }

    /// The temporary file's path, for writers that only take a path.
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// The file this will become.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// An I/O error while writing, as the error about the target.
    pub fn error(&self, source: io::Error) -> OutputError {
        io_error(&self.target, source)
    }

    /// Makes the written bytes durable and renames the temporary file over the target.
    pub fn commit(self) -> Result<(), OutputError> {
        self.tmp.as_file().sync_all().map_err(|e| self.error(e))?;
        let AtomicFile { target, tmp } = self;
        tmp.persist(&target).map_err(|e| io_error(&target, e))
    }
}

fn io_error(target: &Path, source: io::Error) -> OutputError {
    OutputError::new(target, without_temporary_path(source))
}

/// Writes `target` atomically ([`AtomicFile`]) with the bytes `write` produces (through a
/// buffer). The writer's own errors come back as they are; the file system's name `target`.
pub fn write_atomic<E: From<OutputError>>(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let file = AtomicFile::create(target)?;
    {
        let mut out = BufWriter::new(file.file());
        write(&mut out)?;
        out.flush().map_err(|e| file.error(e))?;
    }
    file.commit()?;
    Ok(())
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

/// Whether a file name is a temporary output ([`TEMP_PREFIX`]...) of this crate: never input.
pub fn is_temp_output(name: &OsStr) -> bool {
    name.to_string_lossy().starts_with(TEMP_PREFIX)
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

/// Removes temporary outputs on SIGINT and SIGTERM, then exits with 128 + the signal
/// (130, 143), as a shell reports a process those signals ended, after printing one line to
/// stderr that starts with `program`. Destructors do not run on a signal, so without this the
/// hidden temporary files of an output being written stay behind. Files that are meant to
/// outlive an interruption (a resumable run's journal) are not temporary outputs and are kept.
#[cfg(unix)]
pub fn remove_temporaries_on_signals(program: &'static str) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot watch for interruptions: {e}");
            return;
        }
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let removed = remove_live_temps();
            let name = if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            eprintln!(
                "{program}: interrupted ({name}){}",
                if removed > 0 {
                    format!("; removed {removed} unfinished output file(s)")
                } else {
                    String::new()
                }
            );
            std::process::exit(128 + signal);
        }
    });
}

/// Signals are left to the platform's default off unix.
#[cfg(not(unix))]
pub fn remove_temporaries_on_signals(_program: &'static str) {}

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

    /// The one writer: complete bytes in place, durable, no temporary file left; a failing
    /// writer leaves the old target intact; errors name the target.
    #[test]
    fn write_atomic_replaces_the_target_or_leaves_it_intact() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("model.json");
        std::fs::write(&target, b"old").unwrap();
        let failed: Result<(), OutputError> = write_atomic(&target, |w| {
            w.write_all(b"half")
                .map_err(|e| OutputError::new(Path::new("x"), e))?;
            Err(OutputError::new(
                Path::new("writer"),
                io::Error::other("writer failed"),
            ))
        });
        assert!(failed.unwrap_err().to_string().contains("writer failed"));
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        write_atomic::<OutputError>(&target, |w| {
            w.write_all(b"new")
                .map_err(|e| OutputError::new(Path::new("x"), e))
        })
        .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsStr::new("model.json")]);

        let missing = dir.path().join("no-such-folder").join("m.json");
        let err = AtomicFile::create(&missing).unwrap_err();
        let text = format!("{err}");
        assert!(
            text.contains("m.json") && !text.contains(TEMP_PREFIX),
            "{text}"
        );
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
    fn temporary_outputs_are_recognised() {
        assert!(is_temp_output(OsStr::new(".chromacluster-abc123")));
        for other in [
            "song.wav",
            "chromacluster-abc",
            ".t.csv.chromacluster-journal",
        ] {
            assert!(!is_temp_output(OsStr::new(other)), "{other}");
        }
    }
}

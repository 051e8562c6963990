//! Checks of every output path before any work starts (a wrong extension or a missing folder
//! is a usage error found at once, not after hours of analysis), and the signal handler that
//! removes temporary outputs when the run is interrupted.

use std::path::{Path, PathBuf};

/// A mistake in the command line found after parsing (exit status 2, as clap's own).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Returns a [`UsageError`] from the enclosing function.
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err(crate::checks::UsageError(format!($($arg)*)).into())
    };
}
pub(crate) use usage;

/// What an output path will hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A table: `.csv`, `.parquet`/`.pq`, `.json`.
    Table,
    /// A picture: `.png`, `.svg`.
    Picture,
    /// A JSON model (any name).
    Model,
}

/// Checks that `path` can be written as `kind` before any work: the extension is known, the
/// path is not a folder, its folder exists and a file can be created there. Also removes the
/// stale temporary files of killed runs from that folder.
pub fn check_output(flag: &str, path: &Path, kind: OutputKind) -> Result<(), UsageError> {
    let shown = path.display();
    if path.is_dir() {
        usage!("{flag} {shown} is a folder; name a file");
    }
    match kind {
        OutputKind::Table => {
            if chroma_table::TableFormat::from_path(path).is_err() {
                usage!("{flag} {shown}: unknown table format (use a .csv, .parquet, .pq or .json file name)");
            }
        }
        OutputKind::Picture => {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if !matches!(ext.as_deref(), Some("png" | "svg")) {
                usage!("{flag} {shown}: unknown picture format (use a .png or .svg file name)");
            }
        }
        OutputKind::Model => {}
    }
    check_folder(flag, path, durable_output::parent_dir(path))
}

/// Checks that files can be created in `dir` (it exists, is a folder, is writable), and
/// removes the stale temporary files of killed runs there.
pub fn check_folder(flag: &str, path: &Path, dir: &Path) -> Result<(), UsageError> {
    if !dir.is_dir() {
        usage!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    if let Err(e) = durable_output::temp_beside(path, "") {
        usage!(
            "{flag} {}: cannot create files in {}: {e}",
            path.display(),
            dir.display()
        );
    }
    durable_output::remove_stale_temps(dir, durable_output::STALE_AFTER);
    Ok(())
}

/// The file a path names, for comparing paths: canonical when it exists, else its canonical
/// folder joined with its name.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let dir = durable_output::parent_dir(path).canonicalize().ok()?;
    Some(dir.join(path.file_name()?))
}

/// Refuses outputs that would replace an input (`inputs`: the paths named on the command line,
/// the model...) or each other.
pub fn check_distinct(outputs: &[(&str, &Path)], inputs: &[&Path]) -> Result<(), UsageError> {
    let input_ids: Vec<(PathBuf, &Path)> = inputs
        .iter()
        .filter_map(|p| Some((p.canonicalize().ok()?, *p)))
        .collect();
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    for (flag, out) in outputs {
        let Some(id) = identity(out) else { continue };
        if let Some((_, input)) = input_ids.iter().find(|(i, _)| *i == id) {
            usage!(
                "{flag} {} is also an input ({}); refusing to replace it",
                out.display(),
                input.display()
            );
        }
        if let Some((_, other)) = seen.iter().find(|(s, _)| *s == id) {
            usage!("{flag} and {other} name the same file {}", out.display());
        }
        seen.push((id, flag));
    }
    Ok(())
}

/// The outputs a command was given, as (flag, path) pairs: those of `named` that are set.
pub fn outputs<'a>(named: &[(&'a str, Option<&'a Path>)]) -> Vec<(&'a str, &'a Path)> {
    named
        .iter()
        .filter_map(|(flag, path)| Some((*flag, (*path)?)))
        .collect()
}

/// Refuses an output that is, or would become, one of the audio inputs: the same file as an
/// input (same device and inode, however either path is spelled: relative, with `..`, through
/// a symbolic link), or a file with an audio extension inside a folder being walked (the next
/// run would take it as input). `paths` are the PATH arguments, `files` the audio files they
/// resolved to. A usage error (exit 2), found before any work.
pub fn check_not_audio_input(
    outputs: &[(&str, &Path)],
    paths: &[PathBuf],
    files: &[PathBuf],
) -> Result<(), UsageError> {
    for (flag, out) in outputs {
        if let Some(id) = file_id(out) {
            if let Some(input) = files.iter().find(|f| file_id(f) == Some(id)) {
                usage!(
                    "{flag} {} is the audio input {}; refusing to replace it",
                    out.display(),
                    input.display()
                );
            }
        }
        if !audio_io::listing::has_extension(out, audio_io::listing::AUDIO_EXTENSIONS) {
            continue;
        }
        let dir = durable_output::parent_dir(out).canonicalize().ok();
        let root = paths.iter().filter(|p| p.is_dir()).find(|root| {
            root.canonicalize()
                .is_ok_and(|r| dir.as_ref().is_some_and(|d| d.starts_with(&r)))
        });
        if let Some(root) = root {
            usage!(
                "{flag} {} would be one of the audio inputs: an audio file name inside the \
                 folder {} being analysed; name another file",
                out.display(),
                root.display()
            );
        }
    }
    Ok(())
}

/// What identifies an existing file whatever its path: device and inode (the canonical path
/// off Unix).
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Option<PathBuf> {
    path.canonicalize().ok()
}

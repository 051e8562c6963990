//! The crate's error type.

use std::path::{Path, PathBuf};

use audio_io::AudioError;
use stfeatures::FeatureError;

/// Everything that can go wrong computing chroma, keys and profiles of a file.
///
/// Table files, journals and batches have their own error, `chroma_table::TableError`, which
/// passes this one through.
///
/// An error about a file names it once: decoding and feature errors name it themselves (and
/// are passed through transparently), everything else about a file carries its path here
/// ([`ChromaError::path`]). A front end prints the error's chain as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChromaError {
    /// The file could not be decoded; the error names the file.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The short-term features (pyaa chroma, statistics) could not be computed: the signal is
    /// shorter than one window, changed between the two passes, ... The error names the file
    /// when it is about one ([`FeatureError::path`]).
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// An error about a file that does not name the file itself (e.g. a rate no analyser can
    /// be built for), named here: see [`ChromaError::in_file`].
    #[error("{path}: {source}", path = path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<ChromaError>,
    },
    /// A parameter is out of range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// Why it was rejected.
        reason: &'static str,
    },
}

impl ChromaError {
    /// The file (or folder) the error names, if it names one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ChromaError::Audio(e) => Some(e.path()),
            ChromaError::Features(e) => e.path(),
            ChromaError::File { path, .. } => Some(path),
            ChromaError::InvalidParameter { .. } => None,
        }
    }

    /// This error, naming `path` if it does not name a file yet ([`ChromaError::File`]): the
    /// one place a per-file function attaches its file, so that no error names it twice.
    pub fn in_file(self, path: &Path) -> ChromaError {
        if self.path().is_some() {
            return self;
        }
        ChromaError::File {
            path: path.to_path_buf(),
            source: Box::new(self),
        }
    }
}

/// An error and its causes on one line, outermost first, joined with `: `. A cause whose
/// message the line already contains is left out (many errors quote their source, which the
/// chain then lists again: "os error 13: os error 13"), and so is an empty one.
///
/// The one spelling of an error chain: the binary's error messages and failure lines, the
/// Python module's exception messages and the journal's failed rows all use it.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut line = String::new();
    let mut add = |text: String| {
        if text.is_empty() || line.contains(&text) {
            return;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    };
    add(err.to_string());
    let mut source = err.source();
    while let Some(cause) = source {
        add(cause.to_string());
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cause quoted by the error above it is written once; the others follow in order.
    #[test]
    fn error_chain_joins_causes_once() {
        let err = ChromaError::File {
            path: "a.wav".into(),
            source: Box::new(ChromaError::Audio(AudioError::Io {
                path: "a.wav".into(),
                source: std::io::Error::from_raw_os_error(13),
            })),
        };
        let text = error_chain(&err);
        assert_eq!(text.matches("os error 13").count(), 1, "{text}");
        assert!(text.starts_with("a.wav: a.wav: "), "{text}");
        assert_eq!(
            error_chain(&std::io::Error::other("plain")),
            "plain".to_string()
        );
    }
}

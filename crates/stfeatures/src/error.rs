//! The one error type of the crate.

use std::path::{Path, PathBuf};

use audio_io::AudioError;

/// Everything that can go wrong configuring an extractor or extracting features.
///
/// Every variant names the offending value; errors about a file name the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// The sample rate is zero.
    #[error("invalid sample rate {sample_rate} Hz: must be positive")]
    InvalidSampleRate {
        /// The rejected rate.
        sample_rate: u32,
    },
    /// A window or step given in seconds is not a finite positive number.
    #[error("invalid {what} of {seconds} s: must be a finite positive number of seconds")]
    InvalidSeconds {
        /// `"window"` or `"step"`.
        what: &'static str,
        /// The rejected duration.
        seconds: f64,
    },
    /// The window is empty (or one sample long, which leaves no spectrum bin).
    #[error("window of {window} samples is too short: at least 2 samples are needed")]
    WindowTooShort {
        /// The rejected window, in samples.
        window: usize,
    },
    /// The window is longer than [`crate::MAX_WINDOW`].
    #[error("window of {window} samples is too long: at most {max} samples")]
    WindowTooLong {
        /// The rejected window, in samples.
        window: usize,
        /// The largest accepted window.
        max: usize,
    },
    /// The step is zero samples.
    #[error("step of 0 samples: frames would never advance")]
    ZeroStep,
    /// The window is too short for pyAudioAnalysis's chroma at this rate: some FFT bin's chroma
    /// number does not index the length-`nfft` chroma vector (the reference's `max n_k >= nfft`
    /// branch, or a negative number below `-nfft`).
    #[error(
        "window of {window} samples at {sample_rate} Hz is too short for the pyAudioAnalysis \
         chroma: chroma number {chroma_number} does not fit {nfft} spectrum bins; use a longer window"
    )]
    ChromaOutOfRange {
        /// Sample rate in Hz.
        sample_rate: u32,
        /// Window in samples.
        window: usize,
        /// Spectrum bins, `floor(window / 2)`.
        nfft: usize,
        /// The chroma number that does not fit.
        chroma_number: i64,
    },
    /// The signal holds fewer samples than one window: no frame at all.
    #[error("signal of {samples} samples is shorter than one window of {window} samples")]
    SignalTooShort {
        /// Samples in the signal.
        samples: u64,
        /// Window in samples.
        window: usize,
    },
    /// A sample is NaN or infinite.
    #[error("non-finite sample {value} at sample {index}")]
    NonFiniteSample {
        /// 0-based sample index.
        index: u64,
        /// The offending value.
        value: f64,
    },
    /// A stream's sample rate differs from the extractor's.
    #[error("{path}: sample rate {found} Hz, but the extractor was built for {expected} Hz")]
    SampleRateMismatch {
        /// The stream's file.
        path: PathBuf,
        /// The extractor's rate.
        expected: u32,
        /// The stream's rate.
        found: u32,
    },
    /// The second pass over a stream gave a different number of samples than the first.
    #[error("{path}: the stream changed between the two passes ({first} samples, then {second})")]
    StreamChanged {
        /// The stream's file.
        path: PathBuf,
        /// Samples seen by pass 1.
        first: u64,
        /// Samples seen by pass 2.
        second: u64,
    },
    /// A mid-term window, step or statistic the reference cannot compute meaningfully.
    #[error("invalid {what}: {detail}")]
    InvalidMidTerm {
        /// Which parameter or result.
        what: &'static str,
        /// The value and why it is rejected.
        detail: String,
    },
    /// A folder could not be listed.
    #[error("cannot read folder {path}: {source}")]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The FFT refused its buffers (an internal invariant; never expected).
    #[error("FFT failed")]
    Fft(#[source] realfft::FftError),
    /// Decoding failed (the error names the file).
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// A signal-level error while processing a file.
    #[error("{path}: {source}")]
    File {
        /// The file being processed.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<FeatureError>,
    },
}

impl FeatureError {
    /// The file the error names, if it names one (decoding errors name their file; so do
    /// [`FeatureError::File`] and the other variants with a `path`).
    pub fn path(&self) -> Option<&Path> {
        match self {
            FeatureError::Audio(e) => Some(e.path()),
            FeatureError::File { path, .. }
            | FeatureError::SampleRateMismatch { path, .. }
            | FeatureError::StreamChanged { path, .. }
            | FeatureError::ReadDir { path, .. } => Some(path),
            _ => None,
        }
    }

    /// This error, naming `path` if it does not name a file yet: the one place a file's path is
    /// attached, so that an error never names its file twice.
    pub fn in_file(self, path: &Path) -> FeatureError {
        if self.path().is_some() {
            return self;
        }
        FeatureError::File {
            path: path.to_path_buf(),
            source: Box::new(self),
        }
    }
}

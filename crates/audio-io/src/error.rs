//! The typed error every reading function returns.

use std::path::PathBuf;

/// Everything that can go wrong reading a file. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The path does not exist.
    #[error("{path}: file not found")]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The file exists but could not be read (permissions, a directory, an I/O failure).
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file has 0 bytes.
    #[error("{path}: empty file (0 bytes)")]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// No container format symphonia knows was recognised in the file's content.
    #[error("{path}: not an audio file or unsupported format")]
    NotAudio {
        /// The file.
        path: PathBuf,
    },
    /// The file is in a format recognised by its first bytes (WMA, APE, Musepack, DSD, ...)
    /// that no reader is built for.
    #[error("{path}: {format} is not supported: {hint}", hint = crate::CONVERT_HINT)]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// The format, in words.
        format: String,
    },
    /// The container was recognised but no decoder exists for its codec (or the decoder
    /// refuses the stream's variant, such as HE-AAC).
    #[error("{path}: {codec} audio is not supported: {hint}", hint = crate::CONVERT_HINT)]
    UnsupportedCodec {
        /// The file.
        path: PathBuf,
        /// The codec, in words (its numeric id where it has no name).
        codec: String,
    },
    /// The container holds no track with a decodable audio codec and a sample rate.
    #[error("{path}: no audio track")]
    NoAudioTrack {
        /// The file.
        path: PathBuf,
    },
    /// The stream was read to its end without yielding a single sample.
    #[error("{path}: the audio stream holds no samples")]
    NoSamples {
        /// The file.
        path: PathBuf,
    },
    /// A float sample is NaN or infinite.
    #[error("{path}: non-finite sample (NaN or infinity) at sample frame {frame}")]
    NonFiniteSample {
        /// The file.
        path: PathBuf,
        /// Index of the first offending sample frame (per channel, from 0).
        frame: u64,
    },
    /// The header states a sample rate outside [`crate::MIN_SAMPLE_RATE`] ..=
    /// [`crate::MAX_SAMPLE_RATE`] (a corrupt header, or a rate no audio file uses).
    #[error(
        "{path}: unsupported sample rate {sample_rate} Hz (supported: {min} to {max} Hz)",
        min = crate::MIN_SAMPLE_RATE,
        max = crate::MAX_SAMPLE_RATE
    )]
    UnsupportedSampleRate {
        /// The file.
        path: PathBuf,
        /// The rate its header states.
        sample_rate: u32,
    },
    /// The header states more channels than the decoder can handle.
    #[error("{path}: {channels} channels is more than the decoder supports (at most {max})")]
    TooManyChannels {
        /// The file.
        path: PathBuf,
        /// The channel count its header states.
        channels: u32,
        /// The most the decoder supports.
        max: u32,
    },
    /// The path names something that is not a regular file (a FIFO, a socket, a device), which
    /// cannot be probed and decoded twice.
    #[error("{path}: not a regular file ({kind})")]
    NotARegularFile {
        /// The path.
        path: PathBuf,
        /// What it is instead ("FIFO", "socket", "character device", "block device").
        kind: &'static str,
    },
    /// The container or stream is malformed beyond what skipping packets can recover.
    #[error("{path}: corrupt stream: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

impl AudioError {
    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            AudioError::NotFound { path }
            | AudioError::Io { path, .. }
            | AudioError::EmptyFile { path }
            | AudioError::NotAudio { path }
            | AudioError::UnsupportedFormat { path, .. }
            | AudioError::UnsupportedCodec { path, .. }
            | AudioError::NoAudioTrack { path }
            | AudioError::NoSamples { path }
            | AudioError::NonFiniteSample { path, .. }
            | AudioError::UnsupportedSampleRate { path, .. }
            | AudioError::TooManyChannels { path, .. }
            | AudioError::NotARegularFile { path, .. }
            | AudioError::Corrupt { path, .. } => path,
        }
    }
}

//! Decode any audio file symphonia can probe (WAV, AIFF, FLAC, MP3, Ogg Vorbis, MP4/M4A with AAC
//! or ALAC), recognised by content, to mono `f64` samples with its sample rate, streamed in blocks
//! or as a whole signal. Samples come normalised to [-1, 1] (floats as stored) and, for
//! reproducing pyAudioAnalysis's numbers, in the raw integer scale its reader used
//! ([`StreamInfo::raw_scale`]); [`synth`] makes deterministic test signals and WAV files, [`clip`]
//! short WAV previews.
//!
//! Decoding is gapless: the encoder delay and padding an MP3's LAME header states (and those of
//! Vorbis, ALAC, ...) are trimmed, so an MP3 decodes to the sample count ffmpeg gives, which is
//! how pyAudioAnalysis's reference read MP3. symphonia (0.6) runs inside a panic guard
//! ([`catch_quietly`]): a panic on malformed input is a typed error naming the file; a program
//! calls [`install_quiet_panic_hook`] once so such a panic prints no message either.
//!
//! ```
//! use audio_io::{read_mono, synth, BlockSource, AudioReader, SampleFormat};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("a4.wav");
//! // One second of A4 at 22050 Hz, half scale, written as 16-bit PCM.
//! let tone = synth::tone(synth::midi_to_hz(69), 1.0, 22050, 0.5);
//! synth::write_wav(&path, &[&tone], 22050, synth::WavFormat::S16)?;
//!
//! let signal = read_mono(&path)?;
//! assert_eq!(signal.sample_rate(), 22050);
//! assert_eq!(signal.samples.len(), 22050);
//! assert_eq!(signal.info.sample_format, SampleFormat::Int(16));
//! // Raw scale: the 16-bit integers themselves.
//! let raw = signal.raw_samples();
//! assert!(raw.iter().all(|x| x.fract() == 0.0 && x.abs() <= 16384.0));
//!
//! // The same samples, streamed block by block.
//! let mut reader = AudioReader::open(&path)?;
//! let mut streamed = Vec::new();
//! while let Some(block) = reader.next_block()? {
//!     streamed.extend_from_slice(block);
//! }
//! assert_eq!(streamed, signal.samples);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Unsafe code is denied; its one exception is `opus`, the calls into libopus.
#![deny(unsafe_code)]

pub mod clip;
mod error;
mod guard;
pub mod listing;
mod mp4_edits;
pub mod opus;
mod read_ahead;
mod reader;
pub mod replay;
mod riff_tags;
mod source;
mod stream_info;
pub mod synth;
mod tags;
mod unsupported;

use std::path::Path;

pub use error::AudioError;
pub use guard::{catch_quietly, in_quiet_guard, install_quiet_panic_hook};
pub use read_ahead::ReadAhead;
pub use reader::{AudioReader, BlockSource, DecodeReport};
pub use replay::{FirstPass, Recorder, Replay, DEFAULT_REPLAY_BYTES};
pub use stream_info::{SampleFormat, StreamInfo, UnknownSampleFormat};
pub use tags::{Tags, MAX_ID3V2_BYTES, MAX_TAG_CHARS};
pub use unsupported::{looks_like_audio, CONVERT_HINT};

/// Lowest sample rate a file may state (Hz). Below 1 kHz no audio format in use stores music or
/// speech (telephony's 8 kHz and the occasional 4 kHz recording are well above it); a lower rate
/// is a corrupt header.
pub const MIN_SAMPLE_RATE: u32 = 1_000;

/// Highest sample rate a file may state (Hz): 768 kHz, the highest PCM rate in use (4x 192 kHz,
/// the top of what DACs and DXD/"hi-res" masters offer). Analysis windows are sized from the rate
/// (the accurate chroma's FFT, the 50 ms feature window), so a header claiming gigahertz must be
/// refused before anything is allocated from it.
pub const MAX_SAMPLE_RATE: u32 = 768_000;

/// Most samples reserved ahead of the data from a header's frame count: 2^20 (8 MB of f64).
/// Beyond it buffers grow as samples arrive, so a header claiming 2^32 frames costs nothing.
pub const MAX_RESERVED_SAMPLES: usize = 1 << 20;

/// A whole decoded mono signal.
#[derive(Debug, Clone)]
pub struct MonoSignal {
    /// Mono samples normalised to [-1, 1] (floats as stored).
    pub samples: Vec<f64>,
    /// Facts about the stream it came from.
    pub info: StreamInfo,
}

impl MonoSignal {
    /// Samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.info.sample_rate
    }

    /// The samples in the reference reader's raw scale:
    /// `raw = sample * info.raw_scale() + info.raw_offset()` (16-bit as -32768..32767, 24-bit as
    /// value * 256, u8 as 0..255, floats as stored). Exact: the scale is a power of two.
    pub fn raw_samples(&self) -> Vec<f64> {
        let s = self.info.raw_scale();
        let o = self.info.raw_offset();
        self.samples.iter().map(|x| x * s + o).collect()
    }

    /// Duration in seconds of the decoded samples.
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / self.info.sample_rate as f64
    }
}

/// Decodes a whole file to mono (built on [`AudioReader`]); see [`read_mono_with_report`] for
/// skipped packets and truncation.
pub fn read_mono(path: impl AsRef<Path>) -> Result<MonoSignal, AudioError> {
    read_mono_with_report(path).map(|(signal, _)| signal)
}

/// Decodes the whole file at `path` without keeping its samples (memory: one packet) and says
/// what was there: its length is the report's `frames_decoded`, whatever its header claims
/// (`info.frames`, which a corrupt or hostile header can state as anything).
pub fn measure_length(path: impl AsRef<Path>) -> Result<(StreamInfo, DecodeReport), AudioError> {
    let mut reader = AudioReader::open(path)?;
    while reader.next_block()?.is_some() {}
    Ok((reader.info().clone(), reader.report()))
}

/// Decodes a whole file to mono and says what happened on the way (skipped packets, truncation).
pub fn read_mono_with_report(
    path: impl AsRef<Path>,
) -> Result<(MonoSignal, DecodeReport), AudioError> {
    let mut reader = AudioReader::open(path)?;
    // Reserve the stated frame count, but never more than MAX_RESERVED_SAMPLES: a header's claim
    // is not proof (a corrupt frame count must not make a small file allocate gigabytes); past it
    // the vector grows as samples arrive.
    let capacity = reader.info().frames.map_or(0, |n| {
        usize::try_from(n).map_or(MAX_RESERVED_SAMPLES, |n| n.min(MAX_RESERVED_SAMPLES))
    });
    let mut samples = Vec::with_capacity(capacity);
    while let Some(block) = reader.next_block()? {
        samples.extend_from_slice(block);
    }
    let report = reader.report();
    Ok((
        MonoSignal {
            samples,
            info: reader.info().clone(),
        },
        report,
    ))
}

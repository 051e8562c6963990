//! pyAudioAnalysis's 34 short-term audio features (zero-crossing rate, energy, entropies,
//! spectral shape, 13 MFCCs, 12 chroma values and their spread), computed frame by frame to within
//! 1e-6 of the reference, and optionally their 34 deltas.
//! Plans and tables are built once per (sample rate, framing); signals are streamed in two passes
//! with bounded memory, or given whole.
//!
//! The principal type is [`FeatureExtractor`]: built once per sample rate and framing, it
//! computes a whole signal ([`FeatureExtractor::extract`], or
//! [`FeatureExtractor::extract_signal`] for a decoded one), a file
//! ([`FeatureExtractor::extract_file`]), or streams any source read twice through both passes
//! ([`FeatureExtractor::stream`], the one streaming path, which hands each [`Frame`] to a
//! [`PassVisitor`]; a [`FeatureMatrix`] is one). Inside: `analyser.rs` analyses one frame (or
//! two with one FFT), `stream.rs` cuts samples into frames ([`FrameStream`]), `two_pass.rs`
//! runs the passes, `extractor.rs` holds the plans.
//!
//! The algorithm is pyAudioAnalysis 0.3.14's `ShortTermFeatures.feature_extraction` exactly,
//! quirks included (the chroma's quirks live in [`pyaa`]); `docs/features.md` of the project
//! states it. Input samples are in the reference reader's raw scale (16-bit PCM as -32768..32767,
//! floats as stored, ...); each signal is divided by 2^15, its mean removed and divided by
//! `max|x| + 1e-10` before framing.
//!
//! ```
//! use stfeatures::{FeatureExtractor, FrameSpec, CHROMA_COLUMNS, FEATURE_NAMES};
//!
//! // One second of a 440 Hz tone at 16 kHz, in 16-bit integer scale.
//! let fs = 16_000;
//! let signal: Vec<f64> = (0..fs)
//!     .map(|i| (10_000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / fs as f64).sin()).round())
//!     .collect();
//! let mut extractor = FeatureExtractor::new(fs as u32, FrameSpec::default())?;
//! let features = extractor.extract(&signal)?;
//! assert_eq!(features.n_frames(), 39); // 800-sample windows every 400 samples
//! assert_eq!(features.names()[0], FEATURE_NAMES[0]);
//! // A 440 Hz tone crosses zero 880 times a second: zcr = 880 / 16000 per sample pair.
//! assert!((features.row(10)[0] - 0.055).abs() < 0.002);
//! // pyAudioAnalysis's chroma (index 0 = A) puts this A4 on A#, one of its quirks.
//! let chroma = &features.row(10)[CHROMA_COLUMNS];
//! assert!(chroma[1] > chroma[0]);
//! # Ok::<(), stfeatures::FeatureError>(())
//! ```
//!
//! Invariances (tested): every feature except `energy` is invariant to the signal's scale (the
//! peak normalisation removes it, up to the `1e-10` guard); all 34 are invariant to a constant DC
//! offset (the mean is removed before framing), up to rounding.

#![forbid(unsafe_code)]

mod analyser;
mod error;
mod extractor;
mod frame_spec;
mod matrix;
mod mfcc;
pub mod midterm;
mod normalisation;
pub mod pyaa;
mod spectral;
mod stream;
mod time_domain;
mod two_pass;

pub use error::FeatureError;
pub use extractor::FeatureExtractor;
pub use frame_spec::{FrameSpec, Framing, MAX_WINDOW};
pub use matrix::{
    column_names, DeltaRows, FeatureMatrix, CHROMA_COLUMNS, CHROMA_STD_COLUMN, FEATURE_NAMES,
    MFCC_COLUMNS, N_FEATURES,
};
pub use mfcc::{MfccBank, N_FILTERS, N_MFCC};
pub use normalisation::{Normalisation, SignalStats};
pub use spectral::{spectral_centroid_spread, spectral_flux, spectral_rolloff};
pub use stream::{Frame, FrameStream};
pub use time_domain::{
    block_energies, block_entropy, energy, zero_crossing_rate, ENTROPY_BLOCKS, EPS,
};
pub use two_pass::{PassVisitor, SourcePair, StreamSummary, TwoPassSource};

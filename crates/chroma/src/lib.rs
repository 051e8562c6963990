//! Chroma, tuning, keys and 12-note profiles of audio: the analysis of one file, with no
//! tables (the `chroma-table` crate, `chroma_table` in code, stacks many files' analyses into a
//! polars table and keeps it on disk; this crate does not depend on polars).
//!
//! Each file is reduced to how often each pitch class (A, A#, ..., G#) is the most prominent one,
//! either with the reference's quirky chroma ([`ChromaMode::Pyaa`], pyAudioAnalysis's columns
//! as `stfeatures` computes them) or with an accurate one ([`ChromaMode::Accurate`], default:
//! spectral peaks at their interpolated true frequency summed into their equal-tempered pitch
//! class), with its tuning ([`Tuning`], [`TuningEstimate`]) and key ([`KeyFinder`], [`Key`]).
//!
//! The crate has two homes, one per job, each a folder of `src/`:
//! - `analysis/`: the algorithms on samples ([`AccurateChroma`], [`pyaa_chromagram`],
//!   [`Chromagram`], [`NoteProfileBuilder`], [`TuningHistogram`], [`KeyFinder`], [`sound`]); no files;
//! - `pipeline/`: one file from bytes to frames and to its [`FileAnalysis`] ([`analyze_file`],
//!   [`file_chromagram`], [`for_each_feature_row`]), through `stfeatures`' one streaming entry
//!   (`FeatureExtractor::stream`), with FFT plans kept per worker thread; a path as a table's
//!   `file` label and back ([`file_label()`]).
//!
//! ```
//! use chroma::{AccurateChroma, AccurateParams, VotePolicy, NOTE_NAMES};
//!
//! let fs = 22050;
//! // One second of C4 (261.63 Hz).
//! let x: Vec<f64> = (0..fs)
//!     .map(|i| (2.0 * std::f64::consts::PI * 261.6256 * i as f64 / fs as f64).sin())
//!     .collect();
//! let mut analyser = AccurateChroma::new(fs as u32, &AccurateParams::default())?;
//! let chromagram = analyser.chromagram(&x);
//! let profile = chromagram.note_profile(&VotePolicy::default());
//! assert_eq!(profile.top_note().map(|i| NOTE_NAMES[i]), Some("C"));
//! assert_eq!(profile.voiced_frames, chromagram.n_frames());
//! # Ok::<(), chroma::ChromaError>(())
//! ```

// Unsafe code is denied; its one exception is the call of the AVX2 build of the accurate
// chroma's frame analysis after the CPU was checked for AVX2 (`analysis::accurate`).
#![deny(unsafe_code)]

mod analysis;
mod error;
mod pipeline;

// The sound description is a module of its own (its column names, groups and schema version);
// every other item is exported once, here at the root.
pub use analysis::sound;

pub use analysis::accurate::{AccurateChroma, AccurateParams, MAX_N_FFT};
pub use analysis::chromagram::{
    chroma_flatness, ChromaFrame, Chromagram, ChromagramColumns, NoteProfile, NoteProfileBuilder,
    VoicingThreshold, VotePolicy,
};
pub use analysis::key::{
    mirex_score, rotate_to_tonic, Key, KeyEstimate, KeyFinder, KeyProfile, KeySummaryBuilder, Mode,
    DEGREE_NAMES,
};
pub use analysis::key_segments::{KeySegment, KeySegmenter};
pub use analysis::pitch_class::{
    first_argmax, pitch_class_of_midi, pitch_class_of_name, NOTE_NAMES,
};
pub use analysis::pyaa::pyaa_chromagram;
pub use analysis::tuning::{
    a4_of_cents, cents_of_a4, Tuning, TuningError, TuningEstimate, TuningHistogram, A4_RANGE_HZ,
    MAX_FIXED_CENTS, MIN_CONCENTRATION, REFINE_HALF_WIDTH_CENTS, TUNING_BINS,
};
/// A file's own tags, as the table's `title` .. `genre` columns hold them.
pub use audio_io::Tags;
pub use error::{error_chain, ChromaError};
pub use pipeline::frames::{for_each_feature_row, FrameOptions};
pub use pipeline::{
    analyze_file, analyze_samples, file_chromagram, file_chromagram_and_key,
    file_chromagram_columns, file_key_segments, file_label, path_of_label, ChromaMode,
    FileAnalysis, ProfileKind, TableOptions, ANALYSIS_VERSION,
};

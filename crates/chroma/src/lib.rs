//! Chromagrams, per-frame dominant notes, per-file 12-note profiles and the feature table.
//!
//! Each file is reduced to how often each pitch class (A, A#, ..., G#) is the most prominent one,
//! either with the reference's quirky chroma ([`ChromaMode::Pyaa`], pyAudioAnalysis's columns
//! as `stfeatures` computes them) or with an accurate one ([`ChromaMode::Accurate`], default:
//! spectral peaks at their interpolated true frequency summed into their equal-tempered pitch
//! class); the profiles of many files are stacked into a polars table and written to CSV,
//! Parquet or JSON.
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

mod accurate;
mod chromagram;
mod error;
mod inputs;
mod pitch_class;
mod pyaa;
mod table;
mod table_file;

pub use accurate::{AccurateChroma, AccurateParams};
pub use chromagram::{chroma_flatness, Chromagram, NoteProfile, VoicingThreshold, VotePolicy};
pub use error::ChromaError;
pub use inputs::{audio_files, has_extension, AUDIO_EXTENSIONS};
pub use pitch_class::{first_argmax, pitch_class_of_midi, pitch_class_of_name, NOTE_NAMES};
pub use pyaa::pyaa_chromagram;
pub use table::{
    analyze_file, analyze_files, analyze_samples, build_table, file_chromagram, table_of,
    AnalysisBatch, ChromaMode, FeatureTable, FileAnalysis, ProfileKind, TableOptions,
};
pub use table_file::{read_table, write_table, TableFormat};

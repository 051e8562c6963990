//! Chromagrams, per-frame dominant notes, per-file 12-note profiles and the feature table.
//!
//! Each file is reduced to how often each pitch class (A, A#, ..., G#) is the most prominent one,
//! either with the reference's quirky chroma ([`ChromaMode::Pyaa`], pyAudioAnalysis's columns
//! as `stfeatures` computes them) or with an accurate one ([`ChromaMode::Accurate`], default:
//! spectral peaks at their interpolated true frequency summed into their equal-tempered pitch
//! class); the profiles of many files are stacked into a polars table and written to CSV,
//! Parquet or JSON.
//!
//! Long batches survive being killed and tables are kept up to date with [`journal`]
//! ([`journal::DurableRun`]: a journal of finished rows beside the output, resumed by the same
//! batch; `update` reuses the rows of unchanged files); [`ShardSpec`] splits a batch over
//! machines and [`read_table`] reads the folder of parts as one table ([`TableChunks`] reads a
//! Parquet table a row group at a time, for tables larger than memory); [`cleanup`] keeps
//! temporary outputs removable when the process is interrupted; [`schema`] defines the table's
//! columns (names, metadata, features) once.
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

#![forbid(unsafe_code)]

mod accurate;
mod chromagram;
pub mod cleanup;
mod error;
mod frames;
mod inputs;
pub mod journal;
pub mod key;
mod parquet_check;
mod pitch_class;
mod plan_cache;
mod pyaa;
pub mod schema;
mod shard;
mod table;
mod table_chunks;
mod table_file;
pub mod tuning;

pub use accurate::{AccurateChroma, AccurateParams, Tuning, MAX_N_FFT};
pub use chromagram::{
    chroma_flatness, Chromagram, ChromagramColumns, NoteProfile, NoteProfileBuilder,
    VoicingThreshold, VotePolicy,
};
pub use error::{ChromaError, TableStep};
pub use frames::{for_each_feature_row, write_feature_csv, write_feature_table, FrameOptions};
pub use inputs::{audio_files, has_extension, AudioFiles, UnreadableEntry, AUDIO_EXTENSIONS};
pub use key::{
    mirex_score, rotate_to_tonic, Key, KeyEstimate, KeyFinder, KeyProfile, Mode, DEGREE_NAMES,
};
pub use pitch_class::{first_argmax, pitch_class_of_midi, pitch_class_of_name, NOTE_NAMES};
pub use pyaa::pyaa_chromagram;
pub use shard::{relative_key, ShardSpec};
pub use table::{
    analyze_file, analyze_files, analyze_files_each, analyze_samples, build_table, file_chromagram,
    file_chromagram_and_key, file_chromagram_columns, file_label, table_of, table_of_options,
    AnalysisBatch, ChromaMode, FeatureTable, FileAnalysis, ProfileKind, TableOptions,
};
pub use table_chunks::{Chunks, TableChunks, MAX_CHUNK_ROWS};
pub use table_file::{
    is_table_dataset, read_table, write_table, FrameFileWriter, RowWriter, TableFileWriter,
    TableFormat,
};
pub use tuning::{TuningChoice, TuningEstimate, TuningHistogram};

//! Chromagrams, per-frame dominant notes, per-file 12-note profiles and the feature table.
//!
//! Each file is reduced to how often each pitch class (A, A#, ..., G#) is the most prominent one,
//! either with the reference's quirky chroma ([`ChromaMode::Pyaa`], pyAudioAnalysis's columns
//! as `stfeatures` computes them) or with an accurate one ([`ChromaMode::Accurate`], default:
//! spectral peaks at their interpolated true frequency summed into their equal-tempered pitch
//! class); the profiles of many files are stacked into a polars table and written to CSV,
//! Parquet or JSON.
//!
//! The crate has three homes, one per job, each a folder of `src/`:
//! - `analysis/`: the algorithms on samples ([`AccurateChroma`], [`pyaa_chromagram`],
//!   [`Chromagram`], [`NoteProfileBuilder`], [`tuning`], [`key`]); no files, no tables;
//! - `pipeline/`: one file from bytes to frames ([`analyze_file`], [`file_chromagram`],
//!   [`for_each_feature_row`]), through `stfeatures`' one streaming entry
//!   (`FeatureExtractor::stream`), with FFT plans kept per worker thread;
//! - `table/`: the table's [`schema`], the batch over many files ([`analyze_files`]), rows
//!   stacked into a DataFrame ([`table_of`]) and its files ([`read_table`], [`write_table`]).
//!
//! Long batches survive being killed and tables are kept up to date with [`journal`]
//! ([`journal::DurableRun`]: a journal of finished rows beside the output, resumed by the same
//! batch; `update` reuses the rows of unchanged files); [`ShardSpec`] splits a batch over
//! machines and [`read_table`] reads the folder of parts as one table ([`TableChunks`] reads a
//! Parquet table a row group at a time, for tables larger than memory); every file is written
//! through the `durable_output` crate (atomic, removed when the process is interrupted);
//! [`schema`] defines the table's
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

// Unsafe code is denied; its one exception is the call of the AVX2 build of the accurate
// chroma's frame analysis after the CPU was checked for AVX2 (`analysis::accurate`).
#![deny(unsafe_code)]

mod analysis;
mod error;
mod pipeline;
mod table;

// The modules a front end names directly, at their old paths.
pub use analysis::{key, sound, tuning};
pub use table::{journal, schema};

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
pub use analysis::tuning::{Tuning, TuningError, TuningEstimate, TuningHistogram};
pub use error::{error_chain, ChromaError, TableStep};
pub use pipeline::frames::{
    for_each_feature_row, write_feature_csv, write_feature_table, FrameOptions,
};
pub use pipeline::{
    analyze_file, analyze_samples, file_chromagram, file_chromagram_and_key,
    file_chromagram_columns, file_key_segments, file_label, path_of_label, ChromaMode,
    FileAnalysis, ProfileKind, TableOptions,
};
pub use table::batch::{
    analyze_files, analyze_files_each, build_table, AnalysisBatch, FeatureTable,
};
pub use table::build::{table_of, table_of_options};
pub use table::chunks::{Chunks, TableChunks, MAX_CHUNK_ROWS};
pub use table::io::{
    is_table_dataset, read_table, write_table, FrameFileWriter, RowWriter, TableFileWriter,
    TableFormat,
};
pub use table::shard::{relative_key, ShardSpec};

/// A file's own tags, as the table's `title` .. `genre` columns hold them.
pub use audio_io::Tags;

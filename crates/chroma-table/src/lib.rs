//! The note-profile table of many audio files, on top of the `chroma` analysis: its schema,
//! the batch that fills it, its files, resumable runs and shards.
//!
//! `chroma` analyses one file (samples in, a [`chroma::FileAnalysis`] out) and knows nothing of
//! tables; this crate stacks analyses into a polars DataFrame and keeps it on disk:
//! - [`schema`]: the table's columns defined once (names, metadata, which are features,
//!   [`schema::columns_for`] a feature set);
//! - the batch over many files in parallel with rayon, failures returned beside the rows
//!   ([`analyze_files`], [`build_table`]), and analyses stacked into a DataFrame ([`table_of`],
//!   [`table_of_options`]; a chromagram as a table: [`chromagram_table`]);
//! - its files: CSV, Parquet and JSON read and written atomically through `durable_output`
//!   ([`read_table`], [`write_table`]; CSV text cells a spreadsheet would run as formulas
//!   neutralised, a CSV that does not read as a table explained in words, Parquet page headers
//!   checked before polars reads them), a Parquet table read a row group at a time
//!   ([`TableChunks`]), a table written in pieces, row by row or frame by frame
//!   ([`TableFileWriter`] onto a file, [`RowWriter`] onto any output; the per-frame
//!   feature table of one file as it is computed: [`write_feature_table`]);
//! - resumable batches and `--update` ([`journal`]: [`journal::DurableRun`] journals each
//!   finished row beside the output, so that a killed run continues), shards ([`ShardSpec`]).
//!
//! ```
//! use chroma::{analyze_samples, TableOptions};
//! use chroma_table::{read_table, table_of_options, write_table};
//!
//! let fs = 22050;
//! // One second of C4 (261.63 Hz).
//! let x: Vec<f64> = (0..fs)
//!     .map(|i| (2.0 * std::f64::consts::PI * 261.6256 * i as f64 / fs as f64).sin())
//!     .collect();
//! let options = TableOptions::default();
//! let analysis = analyze_samples("c4.wav", &x, fs as u32, &options)?;
//! let mut table = table_of_options(&[analysis], &options)?;
//! assert_eq!(table.height(), 1);
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("notes.parquet");
//! write_table(&mut table, &path)?;
//! let back = read_table(&path)?;
//! assert_eq!(back.column("file")?.str()?.get(0), Some("c4.wav"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod batch;
mod build;
mod chunks;
mod csv_shape;
mod error;
mod formula_cells;
mod frame_writer;
mod io;
pub mod journal;
mod parquet_check;
pub mod schema;
mod shard;

pub use batch::{
    analyze_files, analyze_files_each, analyze_files_until, build_table, AnalysisBatch, NoteTable,
};
pub use build::{chromagram_table, table_of, table_of_options};
pub use chunks::{Chunks, TableChunks, MAX_CHUNK_ROWS};
pub use error::{TableError, TableStep};
pub use frame_writer::{write_feature_csv, write_feature_table};
pub use io::{is_table_dataset, read_table, write_table, RowWriter, TableFileWriter, TableFormat};
pub use shard::{relative_key, ShardSpec};

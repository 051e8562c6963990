//! The table: its schema (defined once, [`schema`]), the batch that fills it ([`batch`]: many
//! files in parallel), rows stacked into a polars DataFrame ([`build`]), and its files: CSV,
//! Parquet and JSON read and written atomically ([`io`], through `durable_output`; CSV text cells that a
//! spreadsheet would run as formulas neutralised: [`formula_cells`]; a CSV that does not read as
//! a table explained in words: `csv_shape`), Parquet read a row group
//! at a time ([`chunks`]) and checked before polars reads it ([`parquet_check`]), resumable
//! batches and `--update` ([`journal`]), shards ([`shard`]) and the audio files of a folder
//! ([`inputs`]).

pub mod batch;
pub mod build;
pub mod chunks;
pub(crate) mod csv_shape;
pub mod formula_cells;
pub mod io;
pub mod journal;
pub(crate) mod parquet_check;
pub mod schema;
pub mod shard;

//! The per-frame feature table of one file written as it is computed
//! ([`chroma::for_each_feature_row`] streams the rows): to a table file, atomically, or as CSV
//! to any writer such as standard output.

use std::io::Write;
use std::path::Path;

use chroma::{for_each_feature_row, FrameOptions};

use crate::error::{TableError, TableStep};
use crate::io::{RowWriter, TableFileWriter, TableFormat};

/// Writes `path`'s feature table (see [`for_each_feature_row`]) to `output` atomically, in the
/// format its extension names (CSV, Parquet with one row group per few thousand rows, JSON),
/// as the rows are computed. Returns the number of rows.
pub fn write_feature_table(
    path: &Path,
    options: &FrameOptions,
    output: &Path,
) -> Result<usize, TableError> {
    let mut writer = TableFileWriter::create(output, options.column_names())?;
    let (rows, _) = for_each_feature_row(path, options, |row| writer.push_row(row))?;
    writer.finish()?;
    Ok(rows)
}

/// Writes `path`'s feature table as CSV (header row first) to `out` as the rows are computed,
/// e.g. to standard output; `out` is flushed at the end. Returns the number of rows.
pub fn write_feature_csv<W: Write>(
    path: &Path,
    options: &FrameOptions,
    out: W,
) -> Result<usize, TableError> {
    let mut out = std::io::BufWriter::new(out);
    let out_err = |source| TableError::Table {
        step: TableStep::WriteFeatures,
        source,
    };
    let mut writer =
        RowWriter::new(&mut out, TableFormat::Csv, options.column_names()).map_err(out_err)?;
    let (rows, _) =
        for_each_feature_row(path, options, |row| writer.push_row(row).map_err(out_err))?;
    writer.finish().map_err(out_err)?;
    out.flush().map_err(|e| out_err(e.into()))?;
    Ok(rows)
}

//! Reading and writing feature tables as CSV, Parquet or JSON (chosen by file extension).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use polars::prelude::{
    CsvReadOptions, CsvWriter, DataFrame, JsonFormat, JsonReader, JsonWriter, ParquetReader,
    ParquetWriter, SerReader, SerWriter,
};

use crate::error::ChromaError;

/// A table file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// Comma-separated values with a header row (`.csv`).
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// A JSON array of row objects (`.json`).
    Json,
}

impl TableFormat {
    /// The format named by `path`'s extension (case-insensitive): `csv`, `parquet`/`pq`, `json`.
    pub fn from_path(path: &Path) -> Result<Self, ChromaError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => Ok(TableFormat::Csv),
            Some("parquet") | Some("pq") => Ok(TableFormat::Parquet),
            Some("json") => Ok(TableFormat::Json),
            _ => Err(ChromaError::UnknownTableFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Writes `table` to `path` in the format its extension names, atomically: the table goes to
/// a temporary file in the same folder, which then replaces `path` (so readers never see a
/// half-written table and a failure leaves any old file intact).
pub fn write_table(table: &mut DataFrame, path: &Path) -> Result<(), ChromaError> {
    let format = TableFormat::from_path(path)?;
    let io_err = |source| ChromaError::Io {
        path: path.to_path_buf(),
        source,
    };
    let polars_err = |source| ChromaError::Table {
        what: format!("writing {}", path.display()),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".chromacluster-");
    if let Some(permissions) = output_permissions(path) {
        builder.permissions(permissions);
    }
    let tmp = builder.tempfile_in(&dir).map_err(io_err)?;
    {
        let mut out = BufWriter::new(tmp.as_file());
        match format {
            TableFormat::Csv => CsvWriter::new(&mut out)
                .include_header(true)
                .finish(table)
                .map_err(polars_err)?,
            TableFormat::Parquet => {
                ParquetWriter::new(&mut out)
                    .finish(table)
                    .map_err(polars_err)?;
            }
            TableFormat::Json => JsonWriter::new(&mut out)
                .with_json_format(JsonFormat::Json)
                .finish(table)
                .map_err(polars_err)?,
        }
        out.flush().map_err(io_err)?;
    }
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}

/// Permissions for a new output file: those of the file it replaces, else what a plain
/// `File::create` would give (0o666 less the umask; temporary files are otherwise private).
/// `None` off unix, where the temporary file's defaults are already right.
pub(crate) fn output_permissions(path: &Path) -> Option<std::fs::Permissions> {
    if let Ok(meta) = std::fs::metadata(path) {
        return Some(meta.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Reads a table written by [`write_table`] (or any CSV with a header row, Parquet file or
/// JSON array of row objects), choosing the format by extension.
///
/// A corrupt file gives an error naming it, never a panic: polars' readers can panic on
/// malformed input (e.g. a Parquet footer with one byte changed), and such a panic is caught
/// and reported as [`ChromaError::CorruptTable`].
pub fn read_table(path: &Path) -> Result<DataFrame, ChromaError> {
    let format = TableFormat::from_path(path)?;
    let meta = std::fs::metadata(path).map_err(|source| ChromaError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        return Err(ChromaError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("is a directory"),
        });
    }
    catch_unwind(AssertUnwindSafe(|| read_table_unguarded(path, format))).unwrap_or_else(
        |payload| {
            Err(ChromaError::CorruptTable {
                path: path.to_path_buf(),
                reason: panic_message(payload.as_ref()),
            })
        },
    )
}

/// The text of a caught panic (its `&str` or `String` payload).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "the reader failed on malformed data".to_string()
    }
}

fn read_table_unguarded(path: &Path, format: TableFormat) -> Result<DataFrame, ChromaError> {
    let io_err = |source| ChromaError::Io {
        path: path.to_path_buf(),
        source,
    };
    let polars_err = |source| ChromaError::Table {
        what: format!("reading {}", path.display()),
        source,
    };
    match format {
        TableFormat::Csv => CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .map_err(polars_err)?
            .finish()
            .map_err(polars_err),
        TableFormat::Parquet => {
            let f = File::open(path).map_err(io_err)?;
            ParquetReader::new(f).finish().map_err(polars_err)
        }
        TableFormat::Json => {
            let f = File::open(path).map_err(io_err)?;
            JsonReader::new(f)
                .with_json_format(JsonFormat::Json)
                .finish()
                .map_err(polars_err)
        }
    }
}

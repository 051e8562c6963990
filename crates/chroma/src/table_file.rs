//! Reading and writing feature tables as CSV, Parquet or JSON (chosen by file extension).

use std::fs::File;
use std::io::{BufWriter, Write};
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
    let tmp = builder
        .tempfile_in(&dir)
        .map_err(|e| io_err(without_temporary_path(e)))?;
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
    tmp.persist(path)
        .map_err(|e| io_err(without_temporary_path(e.error)))?;
    Ok(())
}

/// tempfile's errors name the temporary file (`... at path "dir/.chromacluster-a1b2"`), a name
/// the user never chose; the error is reported against the target path instead, so keep only
/// the operating system's cause.
pub(crate) fn without_temporary_path(err: std::io::Error) -> std::io::Error {
    // tempfile keeps the OS error inside a private type that only shows it in its message,
    // "<os error> at path \"<temporary path>\"" (tempfile 3's error.rs); keep the first part.
    let text = err.to_string();
    match text.rfind(" at path \"") {
        Some(end) if err.get_ref().is_some() => std::io::Error::new(err.kind(), &text[..end]),
        _ => err,
    }
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
pub fn read_table(path: &Path) -> Result<DataFrame, ChromaError> {
    let format = TableFormat::from_path(path)?;
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

#[cfg(test)]
mod tests {
    use polars::prelude::{Column, DataFrame};

    /// A failed write names the target, with the operating system's cause once, never the
    /// temporary file.
    #[test]
    fn write_errors_name_the_target_not_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("no-such-folder").join("t.csv");
        let mut df = DataFrame::new(1, vec![Column::new("x".into(), vec![1.0])]).unwrap();
        let err = super::write_table(&mut df, &target).unwrap_err();
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        assert!(text.contains("t.csv"), "{text}");
        assert!(!text.contains(".chromacluster-"), "{text}");
        assert!(text.contains("os error 2"), "{text}");
    }
}

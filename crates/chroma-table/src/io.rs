//! Reading and writing feature tables as CSV, Parquet or JSON (chosen by file extension).

use std::fs::File;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use polars::prelude::{
    Column, CsvReadOptions, CsvWriter, DataFrame, JsonFormat, JsonReader, JsonWriter,
    ParquetReader, ParquetWriter, SerReader, SerWriter,
};

use crate::error::{TableError, TableStep};
use crate::formula_cells::{guard_table, unguard_table};

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
    pub fn from_path(path: &Path) -> Result<Self, TableError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => Ok(TableFormat::Csv),
            Some("parquet") | Some("pq") => Ok(TableFormat::Parquet),
            Some("json") => Ok(TableFormat::Json),
            _ => Err(TableError::UnknownTableFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Writes `table` to `path` in the format its extension names, atomically: the table goes to
/// a temporary file in the same folder, which then replaces `path` (so readers never see a
/// half-written table and a failure leaves any old file intact).
pub fn write_table(table: &mut DataFrame, path: &Path) -> Result<(), TableError> {
    let format = TableFormat::from_path(path)?;
    let polars_err = |source| TableError::Table {
        step: TableStep::Write(path.to_path_buf()),
        source,
    };
    durable_output::write_atomic(path, |out| match format {
        TableFormat::Csv => {
            let names = table.get_column_names().into_iter().map(|n| n.as_str());
            let mut writer = csv_writer(out, names).map_err(|e| polars_err(e.into()))?;
            // Text cells a spreadsheet would run as formulas get a quote (formula_cells).
            match guard_table(table).map_err(polars_err)? {
                Some(mut guarded) => writer.finish(&mut guarded),
                None => writer.finish(table),
            }
            .map_err(polars_err)
        }
        TableFormat::Parquet => ParquetWriter::new(out)
            .finish(table)
            .map(|_| ())
            .map_err(polars_err),
        TableFormat::Json => JsonWriter::new(out)
            .with_json_format(JsonFormat::Json)
            .finish(table)
            .map_err(polars_err),
    })?;
    Ok(())
}

/// Reads a table written by [`write_table`] (or any CSV with a header row, Parquet file or
/// JSON array of row objects), choosing the format by extension. A folder is read as a
/// Parquet dataset ([`is_table_dataset`]): its parts together, as one table.
///
/// A corrupt file gives an error naming it, never a panic: polars' readers can panic on
/// malformed input (e.g. a Parquet footer with one byte changed), and such a panic is caught
/// and reported as [`TableError::CorruptTable`].
pub fn read_table(path: &Path) -> Result<DataFrame, TableError> {
    if path.is_dir() {
        return read_dataset(path);
    }
    let format = TableFormat::from_path(path)?;
    let meta = std::fs::metadata(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        return Err(TableError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("is a directory"),
        });
    }
    // `catch_quietly`: a program that installed `audio_io::install_quiet_panic_hook` prints no
    // panic message for it (polars panics on some corrupt files; the error names the file).
    audio_io::catch_quietly(AssertUnwindSafe(|| read_table_unguarded(path, format))).unwrap_or_else(
        |payload| {
            Err(TableError::CorruptTable {
                path: path.to_path_buf(),
                reason: panic_message(payload.as_ref()),
            })
        },
    )
}

/// The text of a caught panic (its `&str` or `String` payload).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "the reader failed on malformed data".to_string()
    }
}

fn read_table_unguarded(path: &Path, format: TableFormat) -> Result<DataFrame, TableError> {
    let io_err = |source| TableError::Io {
        path: path.to_path_buf(),
        source,
    };
    let polars_err = |source| TableError::Table {
        step: TableStep::Read(path.to_path_buf()),
        source,
    };
    match format {
        TableFormat::Csv => {
            let table = CsvReadOptions::default()
                .with_has_header(true)
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .map_err(polars_err)?
                .finish()
                .map_err(|e| crate::csv_shape::explain_csv_error(path, e))?;
            crate::csv_shape::check_csv_shape(path, &table)?;
            unguard_table(table).map_err(polars_err)
        }
        TableFormat::Parquet => {
            let mut f = File::open(path).map_err(io_err)?;
            let len = f.metadata().map_err(io_err)?.len();
            // polars trusts page headers' counts (a negative one aborts the process), so
            // they are checked first.
            crate::parquet_check::check_parquet_pages(&mut f, len).map_err(|reason| {
                TableError::CorruptTable {
                    path: path.to_path_buf(),
                    reason,
                }
            })?;
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

/// Whether an entry is hidden from a dataset: `.name` and `_name` (Hive's and Spark's
/// convention: `_SUCCESS`, `.part.crc`, and this crate's own temporary and stamp files).
fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

fn is_parquet_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".parquet") || lower.ends_with(".pq")
}

/// Whether `dir` is a Parquet dataset: a folder whose visible entries (not starting with `.`
/// or `_`) are all Parquet files (`.parquet`, `.pq`), at least one; for example the folder of
/// `part-I-of-N.parquet` files a sharded run writes.
pub fn is_table_dataset(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let mut parts = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_hidden(&name) {
            continue;
        }
        if !is_parquet_name(&name) || !entry.path().is_file() {
            return false;
        }
        parts += 1;
    }
    parts > 0
}

/// `(I, N)` of a `part-I-of-N.parquet` name.
fn shard_part(name: &str) -> Option<(u32, u32)> {
    let rest = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
    let (i, n) = rest.split_once("-of-")?;
    Some((i.parse().ok()?, n.parse().ok()?))
}

/// The part files of a dataset folder ([`is_table_dataset`]), in name order: visible Parquet
/// files; parts named `part-I-of-N.parquet` must be complete (every I of one N).
pub(crate) fn dataset_parts(dir: &Path) -> Result<Vec<PathBuf>, TableError> {
    let dataset_err = |reason: String| TableError::Dataset {
        path: dir.to_path_buf(),
        reason,
    };
    let entries = std::fs::read_dir(dir).map_err(|source| TableError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !is_hidden(n) && is_parquet_name(n))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(dataset_err("no Parquet file in this folder".into()));
    }
    let shards: Vec<Option<(u32, u32)>> = names.iter().map(|n| shard_part(n)).collect();
    if shards.iter().all(Option::is_some) {
        let counts: std::collections::BTreeSet<u32> =
            shards.iter().flatten().map(|s| s.1).collect();
        if counts.len() > 1 {
            return Err(dataset_err(format!(
                "parts of shard runs with different counts ({}); keep one run's parts",
                counts
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let n = counts.first().copied().unwrap_or(0);
        let missing: Vec<String> = (1..=n)
            .filter(|i| !shards.iter().flatten().any(|s| s.0 == *i))
            .map(|i| format!("part-{i}-of-{n}.parquet"))
            .collect();
        if !missing.is_empty() {
            return Err(dataset_err(format!(
                "incomplete sharded table: missing {}",
                missing.join(", ")
            )));
        }
    }
    Ok(names.iter().map(|n| dir.join(n)).collect())
}

/// Reads every part of a dataset folder and stacks them into one table; rows are sorted by
/// their `file` column in path order (as an unsharded table's), else kept in part-name order.
/// Parts named `part-I-of-N.parquet` must be complete (every I of one N).
fn read_dataset(dir: &Path) -> Result<DataFrame, TableError> {
    let dataset_err = |reason: String| TableError::Dataset {
        path: dir.to_path_buf(),
        reason,
    };
    let parts = dataset_parts(dir)?;
    let mut stacked: Option<DataFrame> = None;
    let mut first_empty: Option<DataFrame> = None;
    for part_path in &parts {
        let name = part_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let part = read_table(part_path)?;
        if part.height() == 0 {
            // An empty shard may lack the optional columns; it adds no row.
            first_empty.get_or_insert(part);
            continue;
        }
        stacked = Some(match stacked {
            None => part,
            Some(mut acc) => {
                let same = acc.get_column_names() == part.get_column_names()
                    && acc.dtypes() == part.dtypes();
                if !same {
                    return Err(dataset_err(format!(
                        "{name} has other columns than the parts before it"
                    )));
                }
                acc.vstack_mut(&part).map_err(|source| TableError::Table {
                    step: TableStep::Stack(part_path.clone()),
                    source,
                })?;
                acc
            }
        });
    }
    let Some(mut table) = stacked.or(first_empty) else {
        return Err(dataset_err("no Parquet file in this folder".into()));
    };
    table.rechunk_mut();
    let Ok(files) = table
        .column(crate::schema::FILE_COLUMN)
        .and_then(|c| c.str().cloned())
    else {
        return Ok(table);
    };
    let mut order: Vec<(usize, Option<&str>)> = files.iter().enumerate().collect();
    order.sort_by(|a, b| a.1.map(Path::new).cmp(&b.1.map(Path::new)));
    let idx = polars::prelude::IdxCa::from_vec(
        "idx".into(),
        order
            .iter()
            .map(|(i, _)| *i as polars::prelude::IdxSize)
            .collect(),
    );
    table.take(&idx).map_err(|source| TableError::Table {
        step: TableStep::Sort(dir.to_path_buf()),
        source,
    })
}

/// The header row polars writes for columns `names` (its default options: `,` between names,
/// a name quoted when it contains a comma or a line break, `"` doubled and the name quoted
/// when it contains one, an empty name as `""`, `\n` at the end).
///
/// Written here instead of by polars, whose header writer allocates and zeroes an 8 MiB
/// buffer on its first use (a third of the time `notes` takes on a short file).
fn csv_header<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut header = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            header.push(b',');
        }
        let quoted = name.is_empty() || name.contains([',', '\n', '\r', '"']);
        if quoted {
            header.push(b'"');
            header.extend_from_slice(name.replace('"', "\"\"").as_bytes());
            header.push(b'"');
        } else {
            header.extend_from_slice(name.as_bytes());
        }
    }
    header.push(b'\n');
    header
}

/// A polars CSV writer onto `out` for columns `names`, with the header row ([`csv_header`])
/// already written.
fn csv_writer<'a, W: Write>(
    mut out: W,
    names: impl IntoIterator<Item = &'a str>,
) -> std::io::Result<CsvWriter<W>> {
    out.write_all(&csv_header(names))?;
    Ok(CsvWriter::new(out).include_header(false))
}

/// Values (rows x columns) buffered before they are handed to polars as one batch (one Parquet
/// row group): 8 MB of floats, 16384 rows of 68 columns. Larger batches cost memory; smaller
/// ones make more Parquet row groups, whose metadata the writer keeps until the footer.
const BATCH_VALUES: usize = 1 << 20;

/// Where a [`RowWriter`]'s batches go.
enum RowSink<W: Write> {
    Csv(polars::io::csv::write::BatchedWriter<W>),
    Parquet(Box<polars::io::parquet::write::BatchedWriter<W>>),
    /// A JSON array of row objects, written as polars' JSON lines joined by commas.
    Json {
        out: W,
        rows: u64,
    },
}

impl<W: Write> RowSink<W> {
    /// A sink of `format` to `out` for tables of `schema` (Parquet without statistics: the
    /// writer keeps every row group's metadata until the footer, and statistics are most of
    /// it).
    fn new(
        out: W,
        format: TableFormat,
        schema: &polars::prelude::Schema,
    ) -> Result<Self, polars::error::PolarsError> {
        Ok(match format {
            TableFormat::Csv => {
                let names = schema.iter_names().map(|n| n.as_str());
                RowSink::Csv(csv_writer(out, names)?.batched(schema)?)
            }
            TableFormat::Parquet => RowSink::Parquet(Box::new(
                ParquetWriter::new(out)
                    .with_statistics(polars::io::parquet::write::StatisticsOptions::empty())
                    .batched(schema)?,
            )),
            TableFormat::Json => RowSink::Json { out, rows: 0 },
        })
    }

    /// Writes one batch (one Parquet row group).
    fn write(&mut self, df: &DataFrame) -> Result<(), polars::error::PolarsError> {
        match self {
            RowSink::Csv(w) => match guard_table(df)? {
                Some(guarded) => w.write_batch(&guarded)?,
                None => w.write_batch(df)?,
            },
            RowSink::Parquet(w) => w.write_batch(df)?,
            RowSink::Json { out, rows } => {
                let mut lines = Vec::new();
                polars::io::json::BatchedWriter::new(&mut lines).write_batch(df)?;
                let mut joined = Vec::with_capacity(lines.len() + 1);
                for line in lines.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                    joined.push(if *rows == 0 { b'[' } else { b',' });
                    joined.extend_from_slice(line);
                    *rows += 1;
                }
                out.write_all(&joined)?;
            }
        }
        Ok(())
    }

    /// The format's ending (CSV: the header if no row came; Parquet: the footer; JSON: the
    /// closing bracket).
    fn finish(&mut self) -> Result<(), polars::error::PolarsError> {
        match self {
            RowSink::Csv(w) => w.finish()?,
            RowSink::Parquet(w) => {
                w.finish()?;
            }
            RowSink::Json { out, rows } => {
                out.write_all(if *rows == 0 { b"[]" } else { b"]" })?;
            }
        }
        Ok(())
    }
}

/// Writes a table in pieces onto any output, in bounded memory: row by row (named f64 columns,
/// buffered into batches of a few thousand rows) or DataFrame by DataFrame (each one batch),
/// or both; CSV with a header row, Parquet (one row group per batch) or a JSON array of row
/// objects, the same bytes (CSV, JSON) or values (Parquet) [`write_table`] writes for the
/// whole table. [`TableFileWriter`] is the same onto a file written atomically.
pub struct RowWriter<W: Write> {
    format: TableFormat,
    /// The columns of [`push_row`](Self::push_row) (empty for a writer of frames).
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
    batch_rows: usize,
    rows: u64,
    /// The output until the first batch fixes the schema (writers of frames).
    out: Option<W>,
    /// The schema of every batch, and where batches go.
    sink: Option<(polars::prelude::Schema, RowSink<W>)>,
}

impl<W: Write> std::fmt::Debug for RowWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowWriter")
            .field("format", &self.format)
            .field("columns", &self.names.len())
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl<W: Write> RowWriter<W> {
    /// A writer of `format` to `out` for rows of f64 columns named `names`.
    pub fn new(
        out: W,
        format: TableFormat,
        names: &[&str],
    ) -> Result<Self, polars::error::PolarsError> {
        use polars::prelude::{DataType, Field, Schema};
        let schema: Schema = names
            .iter()
            .map(|n| Field::new((*n).into(), DataType::Float64))
            .collect();
        let sink = RowSink::new(out, format, &schema)?;
        let batch_rows = (BATCH_VALUES / names.len().max(1)).max(1);
        Ok(RowWriter {
            format,
            names: names.iter().map(|n| (*n).to_string()).collect(),
            columns: names
                .iter()
                .map(|_| Vec::with_capacity(batch_rows))
                .collect(),
            batch_rows,
            rows: 0,
            out: None,
            sink: Some((schema, sink)),
        })
    }

    /// A writer of `format` to `out` for DataFrames ([`write_frame`](Self::write_frame)): the
    /// first frame's columns are the table's.
    pub fn for_frames(out: W, format: TableFormat) -> Self {
        RowWriter {
            format,
            names: Vec::new(),
            columns: Vec::new(),
            batch_rows: 1,
            rows: 0,
            out: Some(out),
            sink: None,
        }
    }

    /// Appends one row (one value per column; extra values are ignored, missing ones are an
    /// error, as is a row for a writer of frames).
    pub fn push_row(&mut self, row: &[f64]) -> Result<(), polars::error::PolarsError> {
        if self.names.is_empty() || row.len() < self.columns.len() {
            return Err(polars::error::PolarsError::ShapeMismatch(
                format!(
                    "a row of {} values for {} columns",
                    row.len(),
                    self.columns.len()
                )
                .into(),
            ));
        }
        for (c, v) in self.columns.iter_mut().zip(row) {
            c.push(*v);
        }
        self.rows += 1;
        if self
            .columns
            .first()
            .is_some_and(|c| c.len() >= self.batch_rows)
        {
            self.flush_rows()?;
        }
        Ok(())
    }

    /// Appends the rows of `frame` (one Parquet row group; rows pushed before it are written
    /// first). Every frame must have the columns and types of the first (of the named
    /// columns, for a writer of rows).
    pub fn write_frame(&mut self, frame: &DataFrame) -> Result<(), polars::error::PolarsError> {
        self.flush_rows()?;
        self.write_batch(frame)?;
        self.rows += frame.height() as u64;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn write_batch(&mut self, frame: &DataFrame) -> Result<(), polars::error::PolarsError> {
        let schema = frame.schema().as_ref().clone();
        if let Some(out) = self.out.take() {
            let sink = RowSink::new(out, self.format, &schema)?;
            self.sink = Some((schema.clone(), sink));
        }
        let Some((first, sink)) = &mut self.sink else {
            return Err(polars::error::PolarsError::NoData(
                "the writer's output is gone after an error".into(),
            ));
        };
        if *first != schema {
            return Err(polars::error::PolarsError::SchemaMismatch(
                "a batch's columns differ from the first batch's".into(),
            ));
        }
        sink.write(frame)
    }

    fn flush_rows(&mut self) -> Result<(), polars::error::PolarsError> {
        let height = self.columns.first().map_or(0, Vec::len);
        if height == 0 {
            return Ok(());
        }
        let columns: Vec<Column> = self
            .names
            .iter()
            .zip(&mut self.columns)
            .map(|(name, values)| {
                let values = std::mem::replace(values, Vec::with_capacity(self.batch_rows));
                Column::new(name.as_str().into(), values)
            })
            .collect();
        let df = DataFrame::new(height, columns)?;
        self.write_batch(&df)
    }

    /// Writes the last batch and the format's ending (CSV: the header if no row came; Parquet:
    /// the footer; JSON: the closing bracket); a writer of frames that received none is an
    /// error (its columns are unknown). A buffered output must then be flushed by the caller.
    pub fn finish(mut self) -> Result<(), polars::error::PolarsError> {
        self.flush_rows()?;
        match &mut self.sink {
            Some((_, sink)) => sink.finish(),
            None => Err(polars::error::PolarsError::NoData(
                "no rows to write".into(),
            )),
        }
    }
}

/// A [`RowWriter`] onto a file, written atomically as [`write_table`] writes: rows and frames
/// go to a temporary file in the target's folder as they come, and [`finish`](Self::finish)
/// renames it over the target; dropped unfinished (an error, a panic), it is removed and any
/// old file is left intact. The format comes from the extension.
#[derive(Debug)]
pub struct TableFileWriter {
    path: PathBuf,
    /// Registered with [`durable_output`], so SIGINT/SIGTERM remove it.
    file: durable_output::AtomicFile,
    /// Unbuffered: polars writes whole batches and pages, and an unbuffered file reports a
    /// write error (a full disk) when it happens.
    writer: RowWriter<File>,
}

impl TableFileWriter {
    /// Starts writing `path` with rows of f64 columns `names` ([`push_row`](Self::push_row)).
    pub fn create(path: &Path, names: &[&str]) -> Result<Self, TableError> {
        Self::open(path, |handle, format| RowWriter::new(handle, format, names))
    }

    /// Starts writing `path` DataFrame by DataFrame ([`write_frame`](Self::write_frame)), the
    /// columns being the first frame's.
    pub fn for_frames(path: &Path) -> Result<Self, TableError> {
        Self::open(path, |handle, format| {
            Ok(RowWriter::for_frames(handle, format))
        })
    }

    fn open(
        path: &Path,
        writer: impl FnOnce(File, TableFormat) -> Result<RowWriter<File>, polars::error::PolarsError>,
    ) -> Result<Self, TableError> {
        let format = TableFormat::from_path(path)?;
        let file = durable_output::AtomicFile::create(path)?;
        let handle = file.file().try_clone().map_err(|e| file.error(e))?;
        let writer = writer(handle, format).map_err(|source| table_err(path, source))?;
        Ok(TableFileWriter {
            path: path.to_path_buf(),
            file,
            writer,
        })
    }

    /// Appends one row.
    pub fn push_row(&mut self, row: &[f64]) -> Result<(), TableError> {
        self.writer
            .push_row(row)
            .map_err(|source| table_err(&self.path, source))
    }

    /// Appends the rows of `frame`.
    pub fn write_frame(&mut self, frame: &DataFrame) -> Result<(), TableError> {
        self.writer
            .write_frame(frame)
            .map_err(|source| table_err(&self.path, source))
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.writer.rows()
    }

    /// Completes the file, makes it durable and puts it in place. Returns the number of rows.
    pub fn finish(self) -> Result<u64, TableError> {
        let rows = self.writer.rows();
        self.writer
            .finish()
            .map_err(|source| table_err(&self.path, source))?;
        self.file.commit()?;
        Ok(rows)
    }
}

fn table_err(path: &Path, source: polars::error::PolarsError) -> TableError {
    TableError::Table {
        step: TableStep::Write(path.to_path_buf()),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows and frames on one writer make one table, rows first as they came; a writer of
    /// frames takes no row, and one that received nothing has no columns to write.
    #[test]
    fn one_writer_takes_rows_and_frames_in_order() {
        let mut out = Vec::new();
        let mut w = RowWriter::new(&mut out, TableFormat::Csv, &["a", "b"]).unwrap();
        w.push_row(&[1.0, 2.0]).unwrap();
        let frame = DataFrame::new(
            2,
            vec![
                Column::new("a".into(), vec![3.0, 5.0]),
                Column::new("b".into(), vec![4.0, 6.0]),
            ],
        )
        .unwrap();
        w.write_frame(&frame).unwrap();
        w.push_row(&[7.0, 8.0]).unwrap();
        assert_eq!(w.rows(), 4);
        let other = DataFrame::new(1, vec![Column::new("c".into(), vec![0.0])]).unwrap();
        assert!(w.write_frame(&other).is_err(), "another schema is refused");
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b\n1.0,2.0\n3.0,4.0\n5.0,6.0\n7.0,8.0\n"
        );

        let mut frames = RowWriter::for_frames(Vec::new(), TableFormat::Json);
        assert!(frames.push_row(&[1.0]).is_err());
        assert!(RowWriter::for_frames(Vec::new(), TableFormat::Csv)
            .finish()
            .is_err());
        frames.write_frame(&frame).unwrap();
        frames.finish().unwrap();
    }

    #[test]
    fn our_csv_header_is_the_one_polars_writes() {
        let names = [
            "path",
            "A#",
            "b x",
            "",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            "é;ü",
        ];
        let columns: Vec<Column> = names
            .iter()
            .map(|n| Column::new((*n).into(), [1.5f64]))
            .collect();
        let mut df = DataFrame::new(1, columns).unwrap();
        let mut polars_text = Vec::new();
        CsvWriter::new(&mut polars_text)
            .include_header(true)
            .finish(&mut df)
            .unwrap();
        let header_end = polars_text.len() - b"1.5,".len() * names.len();
        assert_eq!(
            String::from_utf8_lossy(&csv_header(names)),
            String::from_utf8_lossy(&polars_text[..header_end])
        );
        // And the whole file write_table writes is polars' own.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        write_table(&mut df, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), polars_text);
    }

    fn frame(rows: usize) -> DataFrame {
        let a: Vec<f64> = (0..rows).map(|i| i as f64 * 0.1 - 3.0).collect();
        let b: Vec<f64> = (0..rows).map(|i| (i as f64).sqrt() * 1e-7).collect();
        DataFrame::new(
            rows,
            vec![Column::new("a".into(), a), Column::new("b x".into(), b)],
        )
        .unwrap()
    }

    /// Rows written in batches give the bytes (CSV, JSON) or values (Parquet) of the whole
    /// table written at once, across batch boundaries and for an empty table.
    #[test]
    fn batched_rows_equal_the_whole_table() {
        let dir = tempfile::tempdir().unwrap();
        for rows in [0usize, 3, (BATCH_VALUES / 2) * 2 + 17] {
            let mut whole = frame(rows);
            for ext in ["csv", "json", "parquet"] {
                let a = dir.path().join(format!("whole.{ext}"));
                let b = dir.path().join(format!("rows.{ext}"));
                write_table(&mut whole, &a).unwrap();
                let mut w = TableFileWriter::create(&b, &["a", "b x"]).unwrap();
                let (ca, cb) = (whole.column("a").unwrap(), whole.column("b x").unwrap());
                for i in 0..rows {
                    let row = [
                        ca.f64().unwrap().get(i).unwrap(),
                        cb.f64().unwrap().get(i).unwrap(),
                    ];
                    w.push_row(&row).unwrap();
                }
                assert_eq!(w.finish().unwrap(), rows as u64);
                if ext == "parquet" {
                    let (x, y) = (read_table(&a).unwrap(), read_table(&b).unwrap());
                    assert!(x.equals(&y), "{rows} rows, {ext}");
                } else {
                    assert_eq!(
                        std::fs::read(&a).unwrap(),
                        std::fs::read(&b).unwrap(),
                        "{rows} rows, {ext}"
                    );
                }
            }
        }
    }

    /// A failed write names the target, with the operating system's cause once, never the
    /// temporary file.
    #[test]
    fn write_errors_name_the_target_not_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("no-such-folder").join("t.csv");
        let mut df = DataFrame::new(1, vec![Column::new("x".into(), vec![1.0])]).unwrap();
        let err = super::write_table(&mut df, &target).unwrap_err();
        let text = chroma::error_chain(&err);
        assert!(text.contains("t.csv"), "{text}");
        assert!(!text.contains(".chromacluster-"), "{text}");
        assert!(text.contains("os error 2"), "{text}");
    }
}

//! Reading a Parquet table (one file, or a dataset folder of parts) a row group at a time,
//! in memory bounded by one row group, with the checks of [`crate::read_table`].

use std::fs::File;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::io::parquet::metadata::FileMetadata;
use polars::prelude::{DataFrame, ParquetReader, SerReader};

use crate::error::{TableError, TableStep};
use crate::io::{dataset_parts, panic_message, TableFormat};

/// Rows read at most at once: a larger row group is read in slices of this many rows.
pub const MAX_CHUNK_ROWS: usize = 1 << 18;

/// One part file: its path and footer.
struct Part {
    path: PathBuf,
    metadata: Arc<FileMetadata>,
}

/// A Parquet table read in chunks: [`TableChunks::open`] checks every part's footer and page
/// headers (as [`crate::read_table`] does) and that the parts agree on their columns;
/// [`TableChunks::chunks`] then yields the rows one row group at a time (slices of at most
/// [`MAX_CHUNK_ROWS`] rows of a larger one), as DataFrames of the columns asked for. A dataset's
/// rows come in part-name order (the in-memory [`crate::read_table`] also sorts them by
/// file); parts without rows are skipped.
pub struct TableChunks {
    path: PathBuf,
    parts: Vec<Part>,
    columns: Vec<String>,
    n_rows: u64,
}

impl std::fmt::Debug for TableChunks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableChunks")
            .field("path", &self.path)
            .field("parts", &self.parts.len())
            .field("n_rows", &self.n_rows)
            .finish_non_exhaustive()
    }
}

/// Runs a polars read, turning its panic on malformed input into [`TableError::CorruptTable`].
fn guarded<T>(path: &Path, read: impl FnOnce() -> Result<T, TableError>) -> Result<T, TableError> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|payload| {
        Err(TableError::CorruptTable {
            path: path.to_path_buf(),
            reason: panic_message(payload.as_ref()),
        })
    })
}

fn open_file(path: &Path) -> Result<File, TableError> {
    File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_err(path: &Path) -> impl Fn(polars::error::PolarsError) -> TableError + '_ {
    move |source| TableError::Table {
        step: TableStep::Read(path.to_path_buf()),
        source,
    }
}

impl TableChunks {
    /// Whether `path` can be read in chunks: a `.parquet`/`.pq` file or a dataset folder
    /// ([`crate::is_table_dataset`]).
    pub fn is_parquet(path: &Path) -> bool {
        if path.is_dir() {
            crate::is_table_dataset(path)
        } else {
            path.is_file() && matches!(TableFormat::from_path(path), Ok(TableFormat::Parquet))
        }
    }

    /// Opens a Parquet file or dataset folder: reads and checks every part's footer and page
    /// headers (not the data).
    pub fn open(path: &Path) -> Result<Self, TableError> {
        let files = if path.is_dir() {
            dataset_parts(path)?
        } else {
            if TableFormat::from_path(path)? != TableFormat::Parquet {
                return Err(TableError::CorruptTable {
                    path: path.to_path_buf(),
                    reason: "not a Parquet file (.parquet, .pq)".into(),
                });
            }
            vec![path.to_path_buf()]
        };
        let mut parts = Vec::new();
        let mut columns: Option<(Vec<String>, PathBuf)> = None;
        let mut n_rows = 0u64;
        for file in files {
            let (metadata, names) = guarded(&file, || {
                let mut f = open_file(&file)?;
                let len = f
                    .metadata()
                    .map_err(|source| TableError::Io {
                        path: file.clone(),
                        source,
                    })?
                    .len();
                crate::parquet_check::check_parquet_pages(&mut f, len).map_err(|reason| {
                    TableError::CorruptTable {
                        path: file.clone(),
                        reason,
                    }
                })?;
                let mut reader = ParquetReader::new(f);
                let metadata = reader.get_metadata().map_err(read_err(&file))?.clone();
                let schema = reader.schema().map_err(read_err(&file))?;
                let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
                Ok((metadata, names))
            })?;
            if metadata.num_rows == 0 {
                continue; // an empty shard may lack the optional columns; it adds no row
            }
            match &columns {
                None => columns = Some((names, file.clone())),
                Some((first, first_path)) if *first != names => {
                    return Err(TableError::Dataset {
                        path: path.to_path_buf(),
                        reason: format!(
                            "{} has other columns than {}",
                            file.display(),
                            first_path.display()
                        ),
                    })
                }
                Some(_) => {}
            }
            n_rows += metadata.num_rows as u64;
            parts.push(Part {
                path: file,
                metadata,
            });
        }
        Ok(TableChunks {
            path: path.to_path_buf(),
            parts,
            columns: columns.map(|c| c.0).unwrap_or_default(),
            n_rows,
        })
    }

    /// The table's rows (from the footers).
    pub fn n_rows(&self) -> u64 {
        self.n_rows
    }

    /// The table's columns, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The first chunk with every column (an empty table if there is no row): to choose the
    /// feature columns with [`crate::schema::feature_columns`].
    pub fn head(&self) -> Result<DataFrame, TableError> {
        match self.chunks(None).next() {
            Some(chunk) => chunk,
            None => Ok(DataFrame::empty()),
        }
    }

    /// The chunks in order, as DataFrames of `columns` (`None`: every column). Each chunk is
    /// read from its part file when the iterator reaches it; a read error ends the table (the
    /// iterator yields it, then nothing).
    pub fn chunks(&self, columns: Option<&[String]>) -> Chunks<'_> {
        Chunks {
            table: self,
            columns: columns.map(<[String]>::to_vec),
            part: 0,
            group: 0,
            offset: 0,
            failed: false,
        }
    }

    /// Reads rows `offset..offset + len` of row group `group` of part `part`.
    fn read_chunk(
        &self,
        part: &Part,
        group: usize,
        offset: usize,
        len: usize,
        columns: Option<&[String]>,
    ) -> Result<DataFrame, TableError> {
        let path = &part.path;
        guarded(path, || {
            let f = open_file(path)?;
            let m = &part.metadata;
            let rg = m.row_groups[group].clone();
            let rows = rg.num_rows();
            // The footer of this row group alone: polars reads (and maps) nothing else.
            let one = FileMetadata {
                version: m.version,
                num_rows: rows,
                max_row_group_height: rows,
                created_by: m.created_by.clone(),
                row_groups: vec![rg],
                key_value_metadata: m.key_value_metadata.clone(),
                schema_descr: m.schema_descr.clone(),
                column_orders: m.column_orders.clone(),
                footer_buf: m.footer_buf.clone(),
            };
            let mut reader = ParquetReader::new(f);
            reader.set_metadata(Arc::new(one));
            let mut reader = reader.with_columns(columns.map(<[String]>::to_vec));
            if offset > 0 || len < rows {
                reader = reader.with_slice(Some((offset, len)));
            }
            let df = reader.finish().map_err(read_err(path))?;
            if df.height() != len {
                return Err(TableError::CorruptTable {
                    path: path.clone(),
                    reason: format!(
                        "row group {group} gave {} rows where its footer says {len}",
                        df.height()
                    ),
                });
            }
            Ok(df)
        })
    }
}

/// The iterator of [`TableChunks::chunks`].
pub struct Chunks<'a> {
    table: &'a TableChunks,
    columns: Option<Vec<String>>,
    part: usize,
    group: usize,
    offset: usize,
    failed: bool,
}

impl std::fmt::Debug for Chunks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chunks")
            .field("part", &self.part)
            .field("group", &self.group)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl Iterator for Chunks<'_> {
    type Item = Result<DataFrame, TableError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let part = self.table.parts.get(self.part)?;
            let Some(rg) = part.metadata.row_groups.get(self.group) else {
                self.part += 1;
                self.group = 0;
                self.offset = 0;
                continue;
            };
            let rows = rg.num_rows();
            if self.offset >= rows {
                self.group += 1;
                self.offset = 0;
                continue;
            }
            let len = (rows - self.offset).min(MAX_CHUNK_ROWS);
            let chunk =
                self.table
                    .read_chunk(part, self.group, self.offset, len, self.columns.as_deref());
            self.offset += len;
            if chunk.is_err() {
                self.failed = true;
            }
            return Some(chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_table, TableFileWriter};
    use polars::prelude::Column;

    /// Writes `rows` rows of columns `a`, `b` (row groups of 2^19 values / 2 columns).
    fn write_part(path: &Path, rows: usize, start: usize) {
        let mut w = TableFileWriter::create(path, &["a", "b"]).unwrap();
        for i in start..start + rows {
            w.push_row(&[i as f64, (i as f64).sqrt()]).unwrap();
        }
        w.finish().unwrap();
    }

    /// A dataset of several multi-row-group parts read in chunks gives the rows of the whole
    /// table, in part order, in chunks no larger than a row group.
    #[test]
    fn chunks_of_a_dataset_are_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        write_part(&data.join("p1.parquet"), 1_200_000, 0);
        write_part(&data.join("p2.parquet"), 10, 1_200_000);
        write_part(&data.join("p3.parquet"), 0, 0);
        let table = TableChunks::open(&data).unwrap();
        assert_eq!(table.n_rows(), 1_200_010);
        assert_eq!(table.columns(), ["a", "b"]);
        let wanted = vec!["b".to_string()];
        let mut n = 0;
        let mut chunks = 0;
        for chunk in table.chunks(Some(&wanted)) {
            let chunk = chunk.unwrap();
            assert_eq!(chunk.get_column_names(), ["b"]);
            assert!(chunk.height() <= MAX_CHUNK_ROWS);
            let b = chunk.column("b").unwrap().f64().unwrap().clone();
            assert_eq!(b.get(0), Some((n as f64).sqrt()));
            n += chunk.height();
            chunks += 1;
        }
        assert_eq!(n, 1_200_010);
        assert!(chunks >= 3, "{chunks} chunks");
        assert_eq!(table.head().unwrap().get_column_names(), ["a", "b"]);
        // The in-memory reader agrees on the rows.
        assert_eq!(read_table(&data).unwrap().height(), 1_200_010);
    }

    /// A corrupt part is an error naming it (the page check, or polars' panic caught), and a
    /// part with other columns is a dataset error.
    #[test]
    fn corrupt_and_mismatched_parts_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.parquet");
        write_part(&good, 1000, 0);
        let bytes = std::fs::read(&good).unwrap();
        let bad = dir.path().join("bad.parquet");
        let mut broken = bytes.clone();
        let at = broken.len() - 20;
        broken[at] ^= 0xff;
        std::fs::write(&bad, &broken).unwrap();
        match TableChunks::open(&bad) {
            Err(TableError::CorruptTable { path, .. }) => assert_eq!(path, bad),
            Err(e) => assert!(e.to_string().contains("bad.parquet"), "{e}"),
            Ok(t) => {
                let err = t.chunks(None).find_map(Result::err).expect("an error");
                assert!(err.to_string().contains("bad.parquet"), "{err}");
            }
        }
        let mixed = dir.path().join("mixed");
        std::fs::create_dir(&mixed).unwrap();
        std::fs::copy(&good, mixed.join("a.parquet")).unwrap();
        let mut other = TableFileWriter::for_frames(&mixed.join("b.parquet")).unwrap();
        other
            .write_frame(&DataFrame::new(1, vec![Column::new("x".into(), vec![1.0])]).unwrap())
            .unwrap();
        other.finish().unwrap();
        assert!(matches!(
            TableChunks::open(&mixed),
            Err(TableError::Dataset { .. })
        ));
    }

    /// Frames written one by one give the table `write_table` writes for them stacked.
    #[test]
    fn frames_written_one_by_one_equal_the_stacked_table() {
        let dir = tempfile::tempdir().unwrap();
        let frame = |start: u32, n: u32| {
            DataFrame::new(
                n as usize,
                vec![
                    Column::new(
                        "file".into(),
                        (start..start + n)
                            .map(|i| format!("f{i}"))
                            .collect::<Vec<_>>(),
                    ),
                    Column::new("cluster".into(), (start..start + n).collect::<Vec<u32>>()),
                ],
            )
            .unwrap()
        };
        for ext in ["csv", "json", "parquet"] {
            let a = dir.path().join(format!("a.{ext}"));
            let b = dir.path().join(format!("b.{ext}"));
            let mut w = TableFileWriter::for_frames(&a).unwrap();
            w.write_frame(&frame(0, 3)).unwrap();
            w.write_frame(&frame(3, 2)).unwrap();
            assert_eq!(w.finish().unwrap(), 5);
            let mut whole = frame(0, 5);
            crate::write_table(&mut whole, &b).unwrap();
            if ext == "parquet" {
                assert!(read_table(&a).unwrap().equals(&read_table(&b).unwrap()));
            } else {
                assert_eq!(
                    std::fs::read(&a).unwrap(),
                    std::fs::read(&b).unwrap(),
                    "{ext}"
                );
            }
        }
    }
}

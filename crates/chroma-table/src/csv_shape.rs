//! What is wrong with a CSV file that does not read as a table, in words.
//!
//! polars reads a CSV with another delimiter as one text column (then "no numeric feature
//! column"), a header without rows as text columns, a line with too many fields as an error
//! advising an option of its own, and a line with too few as empty cells. [`check_csv_shape`]
//! turns these into errors that say what is wrong: the delimiter found, zero rows, line N has
//! M fields where the header has K. The lines are counted by the `csv` crate (quotes, quoted
//! line breaks and blank lines as CSV has them), only when the table looks wrong.

use std::path::Path;

use polars::prelude::{DataFrame, PolarsError};

use crate::TableError;

/// Delimiters other programs write CSV with, which this reader does not take.
const OTHER_DELIMITERS: [(char, &str); 3] = [(';', "';'"), ('\t', "tabs"), ('|', "'|'")];

fn shape_error(path: &Path, reason: String) -> TableError {
    TableError::CsvShape {
        path: path.to_path_buf(),
        reason,
    }
}

/// The first line whose number of fields differs from the header's: `(line, fields, header
/// fields)`. `None` if every line has the header's count (or the file cannot be read).
fn first_ragged_line(path: &Path) -> Option<(u64, usize, usize)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .ok()?;
    let mut header = None;
    for record in reader.records() {
        let record = record.ok()?;
        let fields = record.len();
        let line = record.position().map_or(0, |p| p.line());
        match header {
            None => header = Some(fields),
            Some(k) if k != fields => return Some((line, fields, k)),
            Some(_) => {}
        }
    }
    None
}

fn ragged(path: &Path) -> Option<TableError> {
    let (line, fields, header) = first_ragged_line(path)?;
    Some(shape_error(
        path,
        format!(
            "line {line} has {fields} field(s) but the header row has {header}; every line needs \
             one field per column"
        ),
    ))
}

/// Explains why polars could not read the CSV at `path` (`error`): a ragged line, an empty
/// file, or polars' own message on one line without its advice about reader options.
pub fn explain_csv_error(path: &Path, error: PolarsError) -> TableError {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return shape_error(
            path,
            "the file is empty (not even a header row)".to_string(),
        );
    }
    if let Some(e) = ragged(path) {
        return e;
    }
    let text = error.to_string();
    let first = text
        .split("\\n")
        .flat_map(|part| part.split('\n'))
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    shape_error(path, first)
}

/// Checks a table polars read from the CSV at `path`: refuses a file whose header holds
/// another delimiter, a header without rows, and a line with fewer fields than the header
/// (read by polars as empty cells).
pub fn check_csv_shape(path: &Path, table: &DataFrame) -> Result<(), TableError> {
    if table.width() == 1 {
        let name = table.get_column_names()[0].to_string();
        if let Some((_, shown)) = OTHER_DELIMITERS.iter().find(|(c, _)| name.contains(*c)) {
            return Err(shape_error(
                path,
                format!(
                    "its header row {name:?} has no comma but {shown}: it looks like a CSV \
                     separated by {shown}; chromacluster reads comma-separated files (convert \
                     it, or save it as Parquet)"
                ),
            ));
        }
    }
    if table.height() == 0 {
        return Err(shape_error(
            path,
            format!(
                "it has a header row ({} column(s)) but no rows",
                table.width()
            ),
        ));
    }
    let has_nulls = table.columns().iter().any(|c| c.null_count() > 0);
    if has_nulls {
        if let Some(e) = ragged(path) {
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn ragged_lines_are_found_with_quotes_and_blank_lines_as_csv_has_them() {
        let (_d, p) = read("file,A,B\n\"x,1\",0,1\n\n\"multi\nline\",1,0\ny,1,0,5\n");
        assert_eq!(first_ragged_line(&p), Some((6, 4, 3)));
        let (_d, p) = read("file,A,B\nx,0,1\ny,1,0\n");
        assert_eq!(first_ragged_line(&p), None);
    }
}

//! Text cells of a CSV table that a spreadsheet would run as a formula, neutralised.
//!
//! A file named `=cmd|' /C calc'!A0.wav` or `@SUM(1+1).wav` is, in a CSV cell, a formula to
//! Excel and LibreOffice. OWASP's rule ("CSV Injection") is applied to the text columns of
//! every CSV this crate writes: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return gets a single quote in front, which spreadsheets show as text. So that the rule can
//! be undone exactly, a cell that already starts with quotes followed by one of those
//! characters gets one more quote, and [`read_table`](crate::read_table) removes one quote
//! from every CSV text cell that starts with one or more quotes followed by one of them: the
//! table read back equals the table written. Numbers are not text cells (a negative number
//! stays a number), and Parquet and JSON tables hold the text as it is.

use polars::prelude::{Column, DataFrame, DataType, IntoSeries, PolarsResult, StringChunked};

/// The characters a spreadsheet takes as the start of a formula (OWASP).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell` starts, after any quotes, with a formula character; and how many quotes.
fn quotes_before_formula(cell: &str) -> Option<usize> {
    let quotes = cell.len() - cell.trim_start_matches('\'').len();
    cell[quotes..].starts_with(FORMULA_STARTS).then_some(quotes)
}

/// `cell` as written to a CSV file: with one more leading quote when it starts, after any
/// quotes, with a formula character.
pub fn guard(cell: &str) -> Option<String> {
    quotes_before_formula(cell).map(|_| format!("'{cell}"))
}

/// A CSV cell as read back: one leading quote fewer when quotes are followed by a formula
/// character.
pub fn unguard(cell: &str) -> Option<String> {
    match quotes_before_formula(cell) {
        Some(quotes) if quotes > 0 => Some(cell[1..].to_string()),
        _ => None,
    }
}

/// `table` with `change` applied to every text cell it changes; `None` if no cell changes.
fn map_text_cells(
    table: &DataFrame,
    change: impl Fn(&str) -> Option<String>,
) -> PolarsResult<Option<DataFrame>> {
    let mut changed = false;
    let mut columns = Vec::with_capacity(table.width());
    for column in table.columns() {
        if column.dtype() != &DataType::String {
            columns.push(column.clone());
            continue;
        }
        let text = column.str()?;
        if !text.iter().flatten().any(|cell| change(cell).is_some()) {
            columns.push(column.clone());
            continue;
        }
        changed = true;
        let mapped: StringChunked = text
            .iter()
            .map(|cell| cell.map(|c| change(c).unwrap_or_else(|| c.to_string())))
            .collect();
        columns.push(Column::from(
            mapped.with_name(column.name().clone()).into_series(),
        ));
    }
    if !changed {
        return Ok(None);
    }
    DataFrame::new(table.height(), columns).map(Some)
}

/// The table as a CSV file holds it: every text cell [`guard`]ed; `None` if none changes.
pub fn guard_table(table: &DataFrame) -> PolarsResult<Option<DataFrame>> {
    map_text_cells(table, guard)
}

/// A table read from a CSV file, every text cell [`unguard`]ed.
pub fn unguard_table(table: DataFrame) -> PolarsResult<DataFrame> {
    Ok(map_text_cells(&table, unguard)?.unwrap_or(table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_and_lose_it_when_read_back() {
        for (cell, written) in [
            ("=cmd|' /C calc'!A0.wav", Some("'=cmd|' /C calc'!A0.wav")),
            ("@SUM(1+1).wav", Some("'@SUM(1+1).wav")),
            ("+1.wav", Some("'+1.wav")),
            ("-x.wav", Some("'-x.wav")),
            ("\tx.wav", Some("'\tx.wav")),
            ("\rx.wav", Some("'\rx.wav")),
            ("'=x.wav", Some("''=x.wav")),
            ("'x.wav", None),
            ("x=1.wav", None),
            ("music/=a.wav", None),
            ("", None),
            ("'", None),
        ] {
            assert_eq!(guard(cell).as_deref(), written, "{cell:?}");
            let on_disk = written.unwrap_or(cell);
            let back = unguard(on_disk).unwrap_or_else(|| on_disk.to_string());
            assert_eq!(back, cell, "{cell:?}");
        }
    }

    #[test]
    fn only_text_columns_change() {
        let table = DataFrame::new(
            2,
            vec![
                Column::new("file".into(), ["=a.wav", "b.wav"]),
                Column::new("x".into(), [-1.5, 2.0]),
            ],
        )
        .unwrap();
        let guarded = guard_table(&table).unwrap().unwrap();
        assert_eq!(
            guarded.column("file").unwrap().str().unwrap().get(0),
            Some("'=a.wav")
        );
        assert!(guarded
            .column("x")
            .unwrap()
            .equals(table.column("x").unwrap()));
        assert!(unguard_table(guarded).unwrap().equals(&table));
        let plain = table.drop("file").unwrap();
        assert!(guard_table(&plain).unwrap().is_none());
    }
}

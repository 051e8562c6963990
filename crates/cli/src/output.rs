//! Text output: aligned tables and one-line error chains. (Files are written by the one atomic
//! writer, `durable_output::write_atomic` / `AtomicFile`.)

/// The whole chain of an `anyhow` error on one line, without repeated causes
/// ([`chroma::error_chain`]), control characters escaped ([`one_line`]).
pub fn chain_text(err: &anyhow::Error) -> String {
    one_line(&chroma::error_chain(&**err))
}

/// `text` on one line: control characters (a newline in a file name, say) are written as
/// escapes (`\n`, `\r`, `\t`, `\u{1b}`), so one error or row stays one line.
pub fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Formats rows as left-aligned columns separated by two spaces (the first row is the header).
pub fn aligned(rows: &[Vec<String>]) -> String {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; ncols];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if i + 1 < row.len() {
                line.extend(std::iter::repeat_n(' ', widths[i] - cell.chars().count()));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A DataFrame as aligned text: floats with 4 decimals, every row, every column that has a
/// value (a tag column no file carries is left out; the files written keep it).
pub fn table_text(table: &polars::prelude::DataFrame) -> String {
    use polars::prelude::AnyValue;
    let shown: Vec<_> = table
        .columns()
        .iter()
        .filter(|c| table.height() == 0 || c.null_count() < table.height())
        .collect();
    let mut rows = vec![shown
        .iter()
        .map(|c| c.name().to_string())
        .collect::<Vec<_>>()];
    for i in 0..table.height() {
        let mut row = Vec::with_capacity(shown.len());
        for col in &shown {
            let cell = match col.get(i) {
                Ok(AnyValue::Float64(v)) => format!("{v:.4}"),
                Ok(AnyValue::Float32(v)) => format!("{v:.4}"),
                Ok(AnyValue::String(s)) => one_line(s),
                Ok(AnyValue::Null) => String::new(),
                Ok(v) => v.to_string(),
                Err(_) => "?".to_string(),
            };
            row.push(cell);
        }
        rows.push(row);
    }
    aligned(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error whose message quotes its source is printed with the cause once.
    #[test]
    fn a_quoted_cause_is_not_repeated() {
        let io = std::io::Error::from_raw_os_error(13);
        let err = chroma_table::TableError::Io {
            path: "out/t.csv".into(),
            source: io,
        };
        let text = chain_text(&anyhow::Error::new(err).context("cannot write out/t.csv"));
        assert_eq!(text.matches("os error 13").count(), 1, "{text}");
        assert!(
            text.starts_with("cannot write out/t.csv: out/t.csv: "),
            "{text}"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(one_line("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(one_line("plain"), "plain");
    }
}

//! Corrupt table files (issue 9, defect 5): every single-byte change of a small CSV, Parquet and
//! JSON table gives a table or an error naming the file, never a panic (polars' Parquet reader
//! used to panic with "thrift bool field" on some).

use std::path::Path;

use chroma_table::{read_table, write_table, TableError};
use polars::prelude::{Column, DataFrame};

fn small_table() -> DataFrame {
    DataFrame::new(
        3,
        vec![
            Column::new("file".into(), ["a.wav", "b.flac", "c.mp3"]),
            Column::new("A".into(), [0.25, 0.5, 0.125]),
            Column::new("C".into(), [0.75, 0.0, 0.5]),
            Column::new("frames".into(), [10u32, 20, 30]),
        ],
    )
    .unwrap()
}

/// Reads every one-byte variant of `path`'s bytes from byte `from` on (each byte replaced by
/// `f(byte)`), in a file of the same name; returns how many read as a table and how many not.
fn every_byte_changed(path: &Path, from: usize, f: impl Fn(u8) -> u8) -> (usize, usize) {
    let original = std::fs::read(path).unwrap();
    let (mut read, mut refused) = (0, 0);
    for i in from..original.len() {
        let mut bytes = original.clone();
        bytes[i] = f(bytes[i]);
        std::fs::write(path, &bytes).unwrap();
        match std::panic::catch_unwind(|| read_table(path)) {
            Err(_) => panic!("{}: byte {i} changed: the reader panicked", path.display()),
            Ok(Ok(_)) => read += 1,
            Ok(Err(e)) => {
                refused += 1;
                let text = e.to_string();
                assert!(
                    text.contains(&path.display().to_string()),
                    "byte {i}: the error must name the file: {text}"
                );
            }
        }
    }
    std::fs::write(path, &original).unwrap();
    (read, refused)
}

#[test]
fn single_byte_changes_never_panic_the_table_readers() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["parquet", "csv", "json"] {
        let path = dir.path().join(format!("t.{ext}"));
        write_table(&mut small_table(), &path).unwrap();
        // Every byte, the data pages included: a changed byte in a page header's value count
        // made polars-parquet 0.55 reserve 2^61 bytes and abort the process (see
        // `a_negative_page_value_count_is_a_typed_error`).
        let from = 0;
        let (read, refused) = every_byte_changed(&path, from, |b| b ^ 0xff);
        let (read2, refused2) = every_byte_changed(&path, from, |b| b.wrapping_add(1));
        println!(
            "{ext}: {} read, {} refused",
            read + read2,
            refused + refused2
        );
        assert!(refused + refused2 > 0, "{ext}: no variant was refused");
    }
}

#[test]
fn a_corrupt_parquet_footer_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    write_table(&mut small_table(), &path).unwrap();
    let original = std::fs::read(&path).unwrap();
    // Find a one-byte change that makes polars panic (the reader must turn it into an error).
    let mut found = None;
    for i in (0..original.len()).rev() {
        let mut bytes = original.clone();
        bytes[i] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        if let Err(e @ TableError::CorruptTable { .. }) = read_table(&path) {
            found = Some((i, e.to_string()));
            break;
        }
    }
    let (i, text) = found.expect("some byte change makes polars' Parquet reader panic");
    assert!(
        text.contains("t.parquet") && text.contains("corrupt table"),
        "byte {i}: {text}"
    );
}

/// The defect the fuzzing notes recorded: byte 62 of this 3-row table, XOR 0xff, turns a data
/// page's value count negative; polars-parquet 0.55 then reserved 2^61 bytes and the process
/// aborted ("memory allocation failed", which no `catch_unwind` catches). Now the page headers
/// are checked before polars reads the file.
#[test]
fn a_negative_page_value_count_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    write_table(&mut small_table(), &path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[62] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let e = read_table(&path).expect_err("a corrupt page header");
    let text = e.to_string();
    assert!(matches!(e, TableError::CorruptTable { .. }), "{text}");
    assert!(
        text.contains("t.parquet") && text.contains("page"),
        "{text}"
    );
}

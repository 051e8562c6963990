//! The table of a batch of the labelled corpus's files: good files in sorted order, bad ones
//! listed, and the table's CSV / Parquet / JSON round trip.

use std::path::{Path, PathBuf};

use chroma::{ChromaError, TableOptions, NOTE_NAMES};
use chroma_table::{build_table, read_table, write_table, TableError};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

fn corpus(rel: &str) -> PathBuf {
    Path::new(TESTDATA).join("corpus").join(rel)
}

/// A batch of notes plus bad files: good files in sorted order, failures listed, progress
/// called once per file, and the table survives a CSV / Parquet / JSON round trip.
#[test]
fn batch_table_and_round_trip() {
    // The 12 piano notes, in reverse order (the batch sorts them).
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus("notes/piano"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths.reverse();
    assert_eq!(paths.len(), 12);
    paths.push(corpus("bad/x.wav"));
    paths.push(corpus("bad/y.flac"));
    paths.push(corpus("bad/silence_2s.wav"));
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let opts = TableOptions {
        feature_stats: true,
        ..TableOptions::default()
    };
    let t = build_table(&paths, &opts, &|| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(calls.into_inner(), 15);
    assert_eq!(t.failures.len(), 2);
    assert!(t
        .failures
        .iter()
        .all(|(_, e)| matches!(e, ChromaError::Audio { .. })));
    let df = &t.table;
    assert_eq!(df.height(), 13);
    assert_eq!(df.width(), 1 + 12 + 4 + 3 + 6 + 68);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(&names[1..13], NOTE_NAMES.map(String::from).as_slice());
    assert_eq!(
        names[13..20],
        [
            "voiced_frames",
            "frames",
            "duration_s",
            "sample_rate",
            "tuning_cents",
            "key",
            "key_strength"
        ]
    );
    assert_eq!(
        names[20..26],
        ["title", "artist", "album", "track", "year", "genre"]
    );
    // The corpus's files carry no tags: every tag cell is null.
    for tag in chroma_table::schema::TAG_COLUMNS {
        assert_eq!(df.column(tag).unwrap().null_count(), df.height(), "{tag}");
    }
    assert_eq!(names[26], "zcr_mean");
    let files: Vec<String> = df
        .column("file")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert!(files[0].ends_with("bad/silence_2s.wav"));

    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "parquet", "json"] {
        let path = dir.path().join(format!("table.{ext}"));
        let mut df = t.table.clone();
        write_table(&mut df, &path).unwrap();
        let back = read_table(&path).unwrap();
        assert_eq!(back.shape(), t.table.shape(), "{ext}");
        let a = back.column("C").unwrap().f64().unwrap().get(1).unwrap();
        let b = t.table.column("C").unwrap().f64().unwrap().get(1).unwrap();
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{ext}: {a} vs {b}"
        );
    }
    let bad = dir.path().join("table.xlsx");
    let e = write_table(&mut t.table.clone(), &bad).unwrap_err();
    assert!(matches!(e, TableError::UnknownTableFormat { .. }));
    assert!(!bad.exists());
    assert!(matches!(
        read_table(&bad),
        Err(TableError::UnknownTableFormat { .. })
    ));
}

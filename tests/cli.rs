//! End-to-end tests of the `chromacluster` binary: real files from `testdata/`, real
//! processes, outputs read back. Human-readable output is pinned with insta snapshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// Runs the binary in `dir` with `args`; stderr is not a terminal, so no progress bar.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn run(args: &[&str]) -> Output {
    run_in(&testdata().join("corpus"), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn copy(from: &str, to_dir: &Path) -> PathBuf {
    let src = testdata().join("corpus").join(from);
    let dst = to_dir.join(src.file_name().unwrap());
    std::fs::copy(&src, &dst).unwrap();
    dst
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 24,
        "{} is too short for a PNG",
        path.display()
    );
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// A column as f64 values (nulls are a test failure).
fn floats(df: &polars::prelude::DataFrame, name: &str) -> Vec<f64> {
    let c = df
        .column(name)
        .unwrap_or_else(|e| panic!("column {name}: {e}"));
    let c = c.cast(&polars::prelude::DataType::Float64).unwrap();
    c.f64().unwrap().into_no_null_iter().collect()
}

/// A column as i64 values (nulls are a test failure).
fn ints(df: &polars::prelude::DataFrame, name: &str) -> Vec<i64> {
    let c = df
        .column(name)
        .unwrap_or_else(|e| panic!("column {name}: {e}"));
    let c = c.cast(&polars::prelude::DataType::Int64).unwrap();
    c.i64().unwrap().into_no_null_iter().collect()
}

/// A string column (nulls as empty strings).
fn strings(df: &polars::prelude::DataFrame, name: &str) -> Vec<String> {
    let c = df
        .column(name)
        .unwrap_or_else(|e| panic!("column {name}: {e}"));
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect()
}

fn read_table(path: &Path) -> polars::prelude::DataFrame {
    chroma::read_table(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in [
        vec!["demo"],
        vec!["info"],
        vec!["notes"],
        vec!["features"],
        vec!["cluster"],
        vec!["predict"],
        vec!["plot", "chromagram"],
        vec!["plot", "notes"],
        vec!["plot", "clusters"],
        vec!["plot", "elbow"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let out = run(&args);
        assert!(out.status.success(), "{cmd:?} --help failed");
        assert!(
            stdout(&out).contains("Example"),
            "{cmd:?} --help has no example:\n{}",
            stdout(&out)
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["cluster", "formats"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn info_reports_every_format() {
    let out = run(&["info", "formats"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("info_formats", stdout(&out));
}

#[test]
fn info_reports_bad_files_and_goes_on() {
    let out = run(&[
        "info",
        "bad/x.wav",
        "formats/flac_s16_44100_2ch.flac",
        "bad/y.flac",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad/x.wav"), "{err}");
    assert!(err.contains("bad/y.flac"), "{err}");
    assert!(stdout(&out).contains("formats/flac_s16_44100_2ch.flac"));
}

#[test]
fn notes_names_the_played_note() {
    let out = run(&["notes", "notes/piano"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("notes_piano", stdout(&out));
}

#[test]
fn notes_writes_csv_parquet_and_json_that_read_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let mut tables = Vec::new();
    for ext in ["csv", "parquet", "json"] {
        let path = dir.path().join(format!("notes.{ext}"));
        let out = run(&["notes", "notes/violin", "-o", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).is_empty(), "data went to stdout with -o");
        let df = read_table(&path);
        assert_eq!(df.height(), 12);
        tables.push(df);
    }
    let names: Vec<String> = tables[0]
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        &names[..13],
        ["file", "A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#"]
    );
    for other in &tables[1..] {
        for name in &names[1..13] {
            for (x, y) in floats(&tables[0], name)
                .into_iter()
                .zip(floats(other, name))
            {
                assert!((x - y).abs() < 1e-9, "column {name}: {x} vs {y}");
            }
        }
    }
}

#[test]
fn notes_in_pyaa_mode_reproduce_the_reference_table() {
    // testdata/reference/seed_table.csv: pyAudioAnalysis's own chroma argmax shares per file.
    let reference = read_table(&testdata().join("reference/seed_table.csv"));
    let files = [
        "formats/flac_s16_44100_2ch.flac",
        "formats/wav_pcm_s24le_44100_2ch.wav",
        "formats/wav_pcm_s16le_8000_1ch.wav",
        "keys/piano/C_major.wav",
        "notes/violin/69_A4.wav",
        "real/3_class/silence/n_IJI9R1NTO9_57.0_58.0.wav",
        "real/doremi.wav",
    ];
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pyaa.csv");
    let mut args = vec!["notes", "--chroma", "pyaa", "-o", csv.to_str().unwrap()];
    args.extend(files);
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = read_table(&csv);
    assert_eq!(ours.height(), files.len());
    let ref_paths = strings(&reference, "path");
    let ref_frames = ints(&reference, "n_frames");
    let our_frames = ints(&ours, "frames");
    for (row, path) in strings(&ours, "file").iter().enumerate() {
        let r = ref_paths
            .iter()
            .position(|p| p == path)
            .expect("file in the reference");
        assert_eq!(our_frames[row], ref_frames[r], "{path}: frame count");
        for note in [
            "A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#",
        ] {
            let (a, b) = (floats(&ours, note)[row], floats(&reference, note)[r]);
            assert!(
                (a - b).abs() <= 1e-12,
                "{path} {note}: ours {a}, reference {b}"
            );
        }
    }
}

#[test]
fn a_batch_with_bad_files_keeps_every_good_row_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let good = [
        "notes/piano/60_C4.wav",
        "notes/piano/64_E4.wav",
        "notes/violin/67_G4.wav",
        "formats/flac_s16_44100_2ch.flac",
    ];
    let bad = [
        "bad/x.wav",
        "bad/notes.wav",
        "bad/y.flac",
        "bad/nan_inf.wav",
        "bad/zero_samples.wav",
        "bad/short_10ms.wav",
    ];
    for f in good.iter().chain(&bad) {
        copy(f, dir.path());
    }
    std::fs::write(dir.path().join("README.txt"), "not audio").unwrap();
    let table = dir.path().join("out.csv");
    let out = run_in(dir.path(), &["notes", ".", "-o", "out.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for b in &bad {
        let name = Path::new(b).file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name), "{name} not reported:\n{err}");
    }
    assert!(
        err.lines()
            .any(|l| l.starts_with("note: skipped 1 file") && l.contains("README.txt")),
        "a non-audio file in a folder is skipped with a note:\n{err}"
    );
    assert!(
        !err.lines()
            .any(|l| l.starts_with("error:") && l.contains("README.txt")),
        "a non-audio file is not an error:\n{err}"
    );
    assert!(!err.contains("panicked"), "a panic message leaked:\n{err}");
    assert!(
        !err.contains('\u{1b}'),
        "colour codes in a log that is not a terminal:\n{err}"
    );
    assert!(
        !err.contains("probe reach EOF"),
        "the decoder library's own log leaked:\n{err}"
    );
    let df = read_table(&table);
    assert_eq!(df.height(), good.len(), "{df}");
    // --strict stops at the first failure and writes nothing.
    let strict = dir.path().join("strict.csv");
    let out = run_in(dir.path(), &["notes", ".", "--strict", "-o", "strict.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!strict.exists());
}

#[test]
fn an_existing_output_is_only_replaced_by_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("keep.csv");
    std::fs::write(&out_path, "old contents\n").unwrap();
    copy("bad/x.wav", dir.path());
    let out = run_in(dir.path(), &["notes", "x.wav", "-o", "keep.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&out_path).unwrap(),
        "old contents\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".chromacluster")
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[cfg(unix)]
#[test]
fn outputs_are_not_private_temporary_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("notes.csv");
    let png = dir.path().join("notes.png");
    let out = run(&[
        "notes",
        "notes/piano/69_A4.wav",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&[
        "plot",
        "notes",
        "notes/piano/69_A4.wav",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for path in [&csv, &png] {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        // What File::create gives under the usual umasks (022, 002): readable by others.
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let expected = std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected, "{} has mode {mode:o}", path.display());
    }
    // Replacing a file keeps its permissions.
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run(&[
        "notes",
        "notes/piano/60_C4.wav",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(&csv).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn features_has_the_reference_columns() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("frames.csv");
    let out = run(&["features", "real/doremi.wav", "-o", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&csv);
    assert_eq!(df.width(), 34);
    assert_eq!(df.height(), 319, "doremi.wav has 319 reference frames");
    assert_eq!(df.get_column_names()[0].as_str(), "zcr");
    assert_eq!(df.get_column_names()[33].as_str(), "chroma_std");
    let out = run(&[
        "features",
        "real/doremi.wav",
        "--deltas",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_table(&csv).width(), 68);
}

#[test]
fn features_with_accurate_chroma_name_the_sung_notes() {
    // doremi.wav is a sung C major scale: with accurate chroma the frames' loudest pitch
    // classes are the scale's; pyaa's chroma (one bin sharp) is not.
    let dir = tempfile::tempdir().unwrap();
    let mut shares_in_scale = Vec::new();
    for mode in ["accurate", "pyaa"] {
        let csv = dir.path().join(format!("{mode}.csv"));
        let out = run(&[
            "features",
            "real/doremi.wav",
            "--chroma",
            mode,
            "--deltas",
            "-o",
            csv.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let df = read_table(&csv);
        assert_eq!((df.height(), df.width()), (319, 68));
        let chroma: Vec<Vec<f64>> = (1..=12)
            .map(|k| floats(&df, &format!("chroma_{k}")))
            .collect();
        let energy = floats(&df, "energy");
        let loudest = energy.iter().cloned().fold(0.0, f64::max);
        // C major's pitch classes in the A-first order: A, B, C, D, E, F, G.
        let in_scale = [0usize, 2, 3, 5, 7, 8, 10];
        let (mut voiced, mut hits) = (0, 0);
        for i in 0..df.height() {
            if energy[i] < loudest * 1e-2 {
                continue;
            }
            voiced += 1;
            let top = (0..12)
                .max_by(|a, b| chroma[*a][i].total_cmp(&chroma[*b][i]))
                .unwrap();
            hits += usize::from(in_scale.contains(&top));
        }
        shares_in_scale.push(hits as f64 / voiced as f64);
    }
    assert!(shares_in_scale[0] > 0.9, "accurate: {shares_in_scale:?}");
    assert!(
        shares_in_scale[0] > shares_in_scale[1],
        "{shares_in_scale:?}"
    );
}

#[test]
fn features_of_a_too_short_file_is_a_clear_error() {
    let out = run(&["features", "bad/short_10ms.wav"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("short_10ms.wav"), "{}", stderr(&out));
}

#[test]
fn cluster_a_table_then_predict_with_the_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("keys.csv");
    let out = run(&[
        "notes",
        "keys/piano",
        "notes/piano",
        "-o",
        table.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let labels = dir.path().join("labels.csv");
    let model = dir.path().join("model.json");
    let out = run(&[
        "cluster",
        table.to_str().unwrap(),
        "-k",
        "3",
        "--seed",
        "1",
        "--columns",
        "A,A#,B,C,C#,D,D#,E,F,F#,G,G#",
        "--save-model",
        model.to_str().unwrap(),
        "-o",
        labels.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("inertia"), "{}", stdout(&out));
    let df = read_table(&labels);
    assert_eq!(df.height(), 18);
    let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["file", "cluster", "distance"]);
    // The same files predicted with the model land in the clusters they were given.
    let predicted = dir.path().join("predicted.csv");
    let out = run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "keys/piano",
        "notes/piano",
        "-o",
        predicted.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let p = read_table(&predicted);
    assert_eq!(ints(&df, "cluster"), ints(&p, "cluster"));
}

#[test]
fn cluster_output_does_not_depend_on_jobs() {
    let one = run(&[
        "--jobs",
        "1",
        "cluster",
        "keys/piano",
        "notes/violin",
        "-k",
        "2",
    ]);
    let two = run(&[
        "--jobs",
        "2",
        "cluster",
        "keys/piano",
        "notes/violin",
        "-k",
        "2",
    ]);
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(stdout(&one), stdout(&two));
    insta::assert_snapshot!("cluster_keys_violin", stdout(&one));
}

#[test]
fn plots_are_valid_pictures_of_the_expected_size() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, String, (u32, u32))> = vec![
        (
            vec!["plot".into(), "chromagram".into(), "real/doremi.wav".into()],
            d("chroma.png"),
            (1200, 500),
        ),
        (
            vec![
                "plot".into(),
                "notes".into(),
                "notes/piano/69_A4.wav".into(),
            ],
            d("notes.png"),
            (900, 500),
        ),
        (
            vec![
                "plot".into(),
                "clusters".into(),
                "keys/piano".into(),
                "notes/piano".into(),
                "-k".into(),
                "3".into(),
            ],
            d("clusters.png"),
            (1000, 800),
        ),
        (
            vec![
                "plot".into(),
                "elbow".into(),
                "keys/piano".into(),
                "notes/piano".into(),
                "--max-k".into(),
                "5".into(),
            ],
            d("elbow.png"),
            (1200, 500),
        ),
    ];
    for (args, out_path, size) in cases {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend(["-o", out_path.as_str()]);
        let out = run(&all);
        assert!(out.status.success(), "{all:?}: {}", stderr(&out));
        assert_eq!(png_size(Path::new(&out_path)), size, "{all:?}");
    }
    let svg = d("chroma.svg");
    let out = run(&["plot", "chromagram", "notes/piano/69_A4.wav", "-o", &svg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg"), "not an SVG");
}

#[test]
fn demo_runs_the_whole_pipeline_and_finds_the_keys() {
    let out = run(&["demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let aris: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("adjusted Rand index"))
        .collect();
    assert_eq!(aris.len(), 2, "one comparison per profile:\n{text}");
    assert!(
        aris[1].contains("1.000 (every key is its own cluster)"),
        "the mean-chroma profile must recover the four keys:\n{text}"
    );
    insta::assert_snapshot!("demo", text);
}

#[test]
fn features_mid_term_equals_pyaudioanalysis() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("mid.csv");
    let out = run(&[
        "features",
        "real/doremi.wav",
        "--mid-window",
        "1",
        "--mid-step",
        "0.5",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = read_table(&csv);
    let golden = read_table(
        &testdata()
            .join("reference/pyaa-midterm/mid_m1.0_s0.5_w0.050_h0.025__real__doremi.wav.csv"),
    );
    assert_eq!((ours.height(), ours.width()), (16, 136));
    assert_eq!(ours.get_column_names(), golden.get_column_names());
    for name in golden.get_column_names() {
        let (o, g) = (floats(&ours, name), floats(&golden, name));
        let scale = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (a, b) in o.iter().zip(&g) {
            assert!((a - b).abs() <= 1e-6 * scale + 1e-9, "{name}: {a} vs {b}");
        }
    }
    // Both or neither: a usage error.
    let out = run(&["features", "real/doremi.wav", "--mid-window", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

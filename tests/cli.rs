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
    chroma_table::read_table(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
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
        vec!["completions"],
        vec!["manpage"],
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

/// A music folder as users have them: tagged files in every codec, a cover, a playlist, a cue
/// sheet, lyrics, a WMA file and a file without extension. The tags come out in every table
/// format (null where absent), the WMA file is a failure naming its format (exit 1), the other
/// non-audio files are ignored in one summary line.
#[test]
fn a_real_folder_gives_tags_names_unsupported_formats_and_ignores_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir(&music).unwrap();
    for name in [
        "tags_vorbis.opus",
        "tags_id3v2.3+v1.mp3",
        "tags_vorbis.flac",
        "tags_mp4.m4a",
        "plain.mp3",
    ] {
        std::fs::copy(testdata().join("tags").join(name), music.join(name)).unwrap();
    }
    std::fs::copy(
        testdata().join("encoded/opus_96k_48000_2ch.webm"),
        music.join("live.webm"),
    )
    .unwrap();
    std::fs::copy(
        testdata().join("unsupported/wmav2.wma"),
        music.join("old.wma"),
    )
    .unwrap();
    // An Ogg file without extension is audio by its content; the .music file is not.
    std::fs::copy(
        testdata().join("tags/tags_vorbis.ogg"),
        music.join("track07"),
    )
    .unwrap();
    for (name, text) in [
        ("cover.jpg", "\u{ff}\u{d8}not really"),
        ("album.m3u", "plain.mp3\n"),
        ("album.cue", "FILE \"plain.mp3\" MP3\n"),
        ("plain.lrc", "[00:00.00] la"),
        ("forest.music", "(supertux-music)"),
    ] {
        std::fs::write(music.join(name), text).unwrap();
    }
    let mut tables = Vec::new();
    for ext in ["csv", "parquet", "json"] {
        let path = dir.path().join(format!("t.{ext}"));
        let out = run_in(
            dir.path(),
            &["notes", "music", "-o", path.to_str().unwrap()],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "the WMA file fails:\n{err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{err}");
        assert!(
            errors[0].contains("old.wma") && errors[0].contains("WMA/ASF (Windows Media)"),
            "{err}"
        );
        assert!(
            err.lines().any(|l| l
                == "note: ignored 5 files that are not audio: 1 image, 1 playlist, 1 cue \
                    sheet, 1 text or lyrics file, 1 other file not audio by its content"),
            "{err}"
        );
        assert!(!err.contains("WARN"), "no warning on clean files:\n{err}");
        let df = read_table(&path);
        assert_eq!(df.height(), 7, "every audio file but the WMA one is a row");
        tables.push(df);
    }
    for df in &tables {
        let files = strings(df, "file");
        let titles = df.column("title").unwrap().str().unwrap().clone();
        let years = df
            .column("year")
            .unwrap()
            .cast(&polars::prelude::DataType::Int64)
            .unwrap();
        let years = years.i64().unwrap();
        for (i, file) in files.iter().enumerate() {
            let name = Path::new(file).file_name().unwrap().to_str().unwrap();
            let (title, year) = (titles.get(i), years.get(i));
            match name {
                "plain.mp3" => assert_eq!((title, year), (None, None), "{name}"),
                // WebM made by ffmpeg from the Opus file: no tags of its own.
                "live.webm" => assert_eq!(title, None, "{name}"),
                _ => assert_eq!((title, year), (Some("Intro"), Some(2004)), "{name}"),
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
        // One error line per bad file, naming it once, whatever layer the error came from.
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("error: ") && l.contains(name))
            .collect();
        assert_eq!(lines.len(), 1, "{name}:\n{err}");
        assert_eq!(
            lines[0].matches(name).count(),
            1,
            "{name} named twice:\n{err}"
        );
    }
    // The two-pass modes (statistics, pyaa chroma) report the same way.
    for mode in [&["--summary"][..], &["--chroma", "pyaa"]] {
        let mut args = vec!["notes", ".", "-q"];
        args.extend_from_slice(mode);
        let out = run_in(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{mode:?}");
        let err = stderr(&out);
        for b in &bad {
            let name = Path::new(b).file_name().unwrap().to_str().unwrap();
            let lines: Vec<&str> = err
                .lines()
                .filter(|l| l.starts_with("error: ") && l.contains(name))
                .collect();
            assert_eq!(lines.len(), 1, "{mode:?} {name}:\n{err}");
            assert_eq!(lines[0].matches(name).count(), 1, "{mode:?} {name}:\n{err}");
        }
    }
    assert!(
        err.lines()
            .any(|l| l == "note: ignored 1 file that is not audio: 1 text or lyrics file"),
        "a non-audio file in a folder is ignored with a note:\n{err}"
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
    let err = stderr(&out);
    assert!(err.contains("short_10ms.wav"), "{err}");
    // Named once, with the cause.
    assert_eq!(err.matches("short_10ms.wav").count(), 1, "{err}");
    assert!(err.contains("shorter than one window"), "{err}");
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
fn note_plots_name_the_keys_and_mark_the_tonics() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("notes.svg");
    let svg = svg.to_str().unwrap();
    // Several files: each row's label names its key, the title says the tonics are outlined,
    // and there is one red outline per file (the six corpus pieces all have a key).
    let out = run(&["plot", "notes", "keys/piano", "-o", svg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(svg).unwrap();
    for key in [
        "A# major", "C major", "D major", "E major", "F# major", "G# major",
    ] {
        assert!(text.contains(&format!("({key})")), "no {key} label");
    }
    assert!(text.contains("tonic outlined"));
    assert_eq!(text.matches("stroke=\"#FF0000\"").count(), 6, "{text}");
    // One file, relative: scale degrees on the x axis, the tonic's bar named and first.
    let out = run(&[
        "plot",
        "notes",
        "keys/piano/Fs_major.wav",
        "--relative",
        "--profile",
        "mean",
        "-o",
        svg,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(svg).unwrap();
    assert!(text.contains("(F# major)"), "title names the key");
    assert!(text.contains("1 (tonic)"));
    assert!(text.contains("scale degree"));
    assert!(text.contains("mean chroma"));
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
    // The README shows this very output (`cargo xtask docs` rewrites it from the release binary).
    let readme = std::fs::read_to_string(testdata().join("../README.md")).unwrap();
    let block = readme
        .split("<!-- demo-output:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- demo-output:end -->").next())
        .expect("README has the demo-output markers");
    let shown: Vec<&str> = block
        .lines()
        .filter(|l| !l.starts_with("```") && !l.starts_with("$ cargo run"))
        .collect();
    assert_eq!(
        shown.join("\n").trim(),
        text.trim(),
        "README's demo block differs from the demo's output: run `cargo xtask docs`"
    );
}

// --- hostile inputs: stdout, folders, values, usage (issue 9, items 3, 4, 6, 9, 11) ---

/// Runs the binary with stdout connected to a pipe whose reader has already gone (as in
/// `chromacluster notes DIR | head -1` once head exits).
fn run_into_closed_pipe(dir: &Path, args: &[&str]) -> Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take()); // the reader closes its end at once
    child.wait_with_output().expect("the binary ends")
}

fn keys_table(dir: &Path) -> PathBuf {
    let table = dir.join("t.csv");
    let o = run(&["notes", "keys/piano", "-o", table.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    table
}

/// Defect 3: a closed pipe ends every command quietly, and the files named by `-o` and
/// `--save-model` are written whatever happens to stdout.
#[test]
fn a_closed_stdout_pipe_is_a_quiet_end_and_outputs_are_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let table = keys_table(dir.path());
    let corpus = testdata().join("corpus");
    for args in [
        vec!["notes", "keys/piano"],
        vec!["info", "formats"],
        vec!["features", "real/doremi.wav"],
        vec!["demo"],
    ] {
        let o = run_into_closed_pipe(&corpus, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    }
    let labels = dir.path().join("c.csv");
    let model = dir.path().join("m.json");
    let o = run_into_closed_pipe(
        dir.path(),
        &[
            "cluster",
            table.to_str().unwrap(),
            "-k",
            "2",
            "-o",
            labels.to_str().unwrap(),
            "--save-model",
            model.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(read_table(&labels).height(), 6);
    kmeans::KMeansModel::load(&model).expect("a complete model");
}

/// Defect 3: a full device is an error (exit 1) with a message, not a panic.
#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("SKIPPED a_full_stdout_is_an_error_not_a_panic: no /dev/full on this system");
        return;
    };
    let o = Command::new(env!("CARGO_BIN_EXE_chromacluster"))
        .args(["notes", "keys/piano"])
        .current_dir(testdata().join("corpus"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write to standard output"),
        "{}",
        stderr(&o)
    );
}

/// Defect 4: a dangling link, a link loop and an unreadable folder are reported and skipped;
/// every other file's row is written and the exit status is 1.
#[cfg(unix)]
#[test]
fn bad_folder_entries_are_reported_and_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir_all(music.join("sub")).unwrap();
    copy("notes/piano/60_C4.wav", &music);
    copy("notes/piano/62_D4.wav", &music.join("sub"));
    std::os::unix::fs::symlink(music.join("gone.wav"), music.join("dangling.wav")).unwrap();
    std::os::unix::fs::symlink(&music, music.join("sub").join("loop")).unwrap();
    let locked = music.join("locked");
    std::fs::create_dir(&locked).unwrap();
    copy("notes/piano/64_E4.wav", &locked);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads any folder whatever its mode: then only the link failures are expected.
    let locked_is_unreadable = std::fs::read_dir(&locked).is_err();

    let out = dir.path().join("t.csv");
    let o = run_in(dir.path(), &["notes", "music", "-o", out.to_str().unwrap()]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("dangling.wav: broken symbolic link"), "{err}");
    assert!(err.contains("symbolic link loop"), "{err}");
    let files = strings(&read_table(&out), "file");
    assert!(files.iter().any(|f| f.ends_with("60_C4.wav")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("62_D4.wav")), "{files:?}");
    if locked_is_unreadable {
        assert!(err.contains("locked: cannot read"), "{err}");
        assert_eq!(files.len(), 2, "{files:?}");
    } else {
        eprintln!(
            "note: running as root, the mode-000 folder is readable; its case is not checked"
        );
        assert_eq!(files.len(), 3, "{files:?}");
    }
}

/// Defect 6: finite but huge values are refused with a clear error by every command that
/// clusters (no `inf` inertia, no model with nulls, no hang).
#[test]
fn huge_values_are_refused_by_every_clustering_command() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("huge.csv");
    let mut csv = String::from("file,A,B\n");
    for i in 0..6 {
        csv.push_str(&format!("f{i}.wav,1.{}e308,{}e307\n", i % 2, i + 1));
    }
    std::fs::write(&table, csv).unwrap();
    let t = table.to_str().unwrap();
    let model = dir.path().join("m.json");
    for args in [
        vec![
            "cluster",
            t,
            "-k",
            "2",
            "--save-model",
            model.to_str().unwrap(),
        ],
        vec!["cluster", t, "-k", "2", "--standardize"],
        vec!["plot", "clusters", t, "-k", "2", "-o", "c.png"],
        vec!["plot", "elbow", t, "-o", "e.png"],
    ] {
        let started = std::time::Instant::now();
        let o = run_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("too large to cluster"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(!stdout(&o).contains("inf"), "{args:?}: {}", stdout(&o));
        assert!(started.elapsed().as_secs() < 60, "{args:?} took too long");
    }
    assert!(!model.exists(), "no model is saved from an overflowing fit");
}

/// Defect 9: bad numbers and two tables are usage errors (exit 2), found before any work.
#[test]
fn bad_numbers_and_two_tables_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let table = keys_table(dir.path());
    let t = table.to_str().unwrap();
    for args in [
        vec!["cluster", t, "-k", "0"],
        vec!["cluster", t, "-k", "abc"],
        vec!["cluster", t, "-k", "2.5"],
        vec!["cluster", t, "-k=-1"],
        vec!["cluster", t, "-k", "-1"],
        vec!["cluster", t, "-k", "2", "--n-init", "0"],
        vec!["cluster", t, "-k", "2", "--max-iter", "0"],
        vec!["cluster", t, t, "-k", "2"],
        vec!["plot", "elbow", t, "--max-k", "0", "-o", "e.png"],
        vec!["--jobs", "0", "notes", "keys/piano"],
        vec!["--jobs", "100000", "notes", "keys/piano"],
    ] {
        let o = run_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
}

/// Item 11: a numeric column with one bad cell is an error naming the cell, boolean columns
/// are not picked, `-k auto` on identical rows says why, empty clusters are warned about.
#[test]
fn table_oddities_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let bad_cell = dir.path().join("bad.csv");
    std::fs::write(
        &bad_cell,
        "file,A,B\na.wav,0.1,0.2\nb.wav,oops,0.3\nc.wav,0.5,0.1\nd.wav,0.9,0.9\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["cluster", "bad.csv", "-k", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"A\""), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"oops\""), "{}", stderr(&o));

    let with_bool = dir.path().join("bool.csv");
    std::fs::write(
        &with_bool,
        "file,A,B,flag\na.wav,0.1,0.2,true\nb.wav,0.2,0.3,false\nc.wav,5.5,5.1,true\nd.wav,5.9,5.9,false\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["cluster", "bool.csv", "-k", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 column(s)"), "{}", stdout(&o));

    let same = dir.path().join("same.csv");
    std::fs::write(
        &same,
        "file,A,B\na.wav,1,2\nb.wav,1,2\nc.wav,1,2\nd.wav,1,2\ne.wav,1,2\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["cluster", "same.csv", "-k", "auto"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 distinct row"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("invalid range"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["cluster", "same.csv", "-k", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("received no file"), "{}", stderr(&o));
}

/// Item 11: `-q` hides the note on skipped files; a newline in a file name does not split an
/// error line; two names that are not UTF-8 stay two rows.
#[cfg(unix)]
#[test]
fn quiet_notes_one_line_errors_and_non_utf8_names() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir(&music).unwrap();
    std::fs::write(music.join("README.txt"), "not audio").unwrap();
    let c4 = testdata().join("corpus/notes/piano/60_C4.wav");
    for name in [&b"caf\xe9.wav"[..], &b"caf\xe8.wav"[..]] {
        let path = music.join(std::ffi::OsStr::from_bytes(name));
        std::fs::copy(&c4, path).unwrap();
    }
    std::fs::write(music.join("bad\nname.wav"), "not a wav").unwrap();
    let out = dir.path().join("t.csv");
    let o = run_in(
        dir.path(),
        &["-q", "notes", "music", "-o", out.to_str().unwrap()],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("note: ignored"), "{err}");
    let error_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "{err}");
    assert!(error_lines[0].contains("bad\\nname.wav"), "{err}");
    assert!(
        err.lines().all(|l| !l.starts_with("name.wav")),
        "a line split at the newline: {err}"
    );
    let mut files = strings(&read_table(&out), "file");
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_ne!(files[0], files[1]);
    assert!(
        files.iter().any(|f| f.ends_with("caf\\xE9.wav")),
        "{files:?}"
    );
}

/// Completions and the man page come from the clap definition: they name every command.
#[test]
fn completions_and_manpage_name_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for command in ["notes", "cluster", "predict", "features", "plot"] {
            assert!(
                script.contains(command),
                "{shell} completion lacks {command}"
            );
        }
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let o = run(&["manpage"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(
        page.starts_with(".ie") || page.contains(".TH chromacluster"),
        "{page}"
    );
    assert!(page.contains("notes") && page.contains("cluster"), "{page}");
    let o = run_into_closed_pipe(&testdata(), &["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// --- checkpoint, update, shards, outputs (issue 9/11) ---

/// Writes short mono 8 kHz WAVs (`t00.wav`... for the numbers in `range`) into `dir`: tones of varied pitch and
/// length, deterministic.
fn synth_folder(dir: &Path, range: std::ops::Range<usize>) {
    synth_folder_with(dir, range, write_tone);
}

/// As [`synth_folder`], with files of 3 s at 44.1 kHz (a few ms of analysis each) for the tests
/// that stop a run midway: with the tiny files of `synth_folder` the rest of a run can finish
/// within the few ms between the poll that sees the journal grow and the signal, and a run
/// meant to be stopped ends first.
fn synth_folder_slow(dir: &Path, range: std::ops::Range<usize>) {
    synth_folder_with(dir, range, |path, midi, _| write_slow_tone(path, midi));
}

/// `dir/tNN.wav` for each `NN` in `range`, each a tone of its own pitch written by `write`.
fn synth_folder_with(dir: &Path, range: std::ops::Range<usize>, write: impl Fn(&Path, u8, usize)) {
    std::fs::create_dir_all(dir).unwrap();
    for i in range {
        write(
            &dir.join(format!("t{i:02}.wav")),
            45 + (i * 7 % 36) as u8,
            i,
        );
    }
}

fn write_slow_tone(path: &Path, midi: u8) {
    write_tone_of(path, midi, 3.0, 44_100);
}

fn write_tone(path: &Path, midi: u8, variant: usize) {
    write_tone_of(path, midi, 0.25 + 0.05 * (variant % 5) as f64, 8000);
}

fn write_tone_of(path: &Path, midi: u8, seconds: f64, sample_rate: u32) {
    use audio_io::synth;
    let x = synth::tone(synth::midi_to_hz(midi), seconds, sample_rate, 0.5);
    synth::write_wav(path, &[&x], sample_rate, synth::WavFormat::S16).unwrap();
}

/// The journal beside `output` and its number of complete record lines (header excluded).
fn journal_rows(output: &Path) -> Option<usize> {
    let journal = chroma_table::journal::journal_path(output);
    let bytes = std::fs::read(journal).ok()?;
    Some(
        bytes
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            .saturating_sub(1),
    )
}

/// Names in `dir` that start with `.chromacluster-` (temporary outputs).
fn temporaries(dir: &Path) -> Vec<String> {
    temporaries_larger_than(dir, None)
}

/// Names of the temporary outputs in `dir` holding more than `bytes` (all with `None`).
fn temporaries_larger_than(dir: &Path, bytes: Option<u64>) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| bytes.is_none_or(|b| e.metadata().is_ok_and(|m| m.len() > b)))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(durable_output::TEMP_PREFIX))
        .collect()
}

fn spawn_in(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits until `ready()` or the child exits (then false); panics after a minute.
fn wait_for(child: &mut std::process::Child, ready: impl Fn() -> bool) -> bool {
    let start = std::time::Instant::now();
    loop {
        if ready() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "timed out"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[cfg(unix)]
#[test]
fn a_batch_killed_again_and_again_resumes_to_the_table_of_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let n = 60;
    synth_folder_slow(&dir.path().join("audio"), 0..n);
    let base = ["--jobs", "1", "notes", "audio", "--checkpoint-every", "3"];
    let with_output = |out: &str| {
        let mut v: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        v.extend(["-o".to_string(), out.to_string()]);
        v
    };
    let reference_args = with_output("reference.csv");
    let refs: Vec<&str> = reference_args.iter().map(String::as_str).collect();
    let out = run_in(dir.path(), &refs);
    assert!(out.status.success(), "{}", stderr(&out));
    let reference = std::fs::read(dir.path().join("reference.csv")).unwrap();

    let table = dir.path().join("out.csv");
    let args = with_output("out.csv");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Deterministic but varied kill points: once the journal holds about (round + 1) / 9 of
    // the files (or at once, during start-up), plus 0..=5 ms, so kills land while analysing,
    // between flushes, while appending to the journal and while writing the table.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut kills = 0;
    let mut last_rows = 0;
    for round in 0..7 {
        let grow = round != 2;
        let target = (last_rows + 1).max((round + 1) * n / 9 + (next() % 3) as usize);
        let extra_ms = next() % 6;
        let mut child = spawn_in(dir.path(), &args);
        let running = wait_for(&mut child, || {
            !grow || journal_rows(&table).is_some_and(|r| r >= target)
        });
        std::thread::sleep(std::time::Duration::from_millis(extra_ms));
        if running && child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: nothing is cleaned up.
            child.wait().unwrap();
            kills += 1;
            assert!(!table.exists(), "a killed run wrote its table");
            last_rows = journal_rows(&table).unwrap_or(0);
            let at = if grow {
                format!("target {target}")
            } else {
                "start-up".into()
            };
            eprintln!("round {round}: killed at {last_rows} journal row(s) ({at} + {extra_ms} ms)");
        } else {
            eprintln!("round {round}: finished before the kill");
            // It finished before the kill: the table is complete and the journal gone.
            let status = child.wait().unwrap();
            assert!(status.success());
            assert_eq!(std::fs::read(&table).unwrap(), reference);
            std::fs::remove_file(&table).unwrap();
            last_rows = 0;
        }
    }
    assert!(kills >= 5, "only {kills} of 7 runs were killed");
    assert!(last_rows > 0, "no journal rows survived the kills");

    // A kill while the table was being written leaves its temporary file (nothing runs on
    // SIGKILL); it is not taken for anything, and the finishing run adds none.
    let leftovers = temporaries(dir.path());
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("resuming an interrupted run"),
        "the last run did not resume:\n{err}"
    );
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&table).unwrap()),
        String::from_utf8_lossy(&reference),
        "the resumed table differs from an uninterrupted run's"
    );
    assert!(
        journal_rows(&table).is_none(),
        "the journal was not removed"
    );
    assert_eq!(temporaries(dir.path()), leftovers);

    // A journal of other options is not mixed in: its rows are discarded.
    let mut child = spawn_in(dir.path(), &args);
    assert!(wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 3)));
    child.kill().unwrap();
    child.wait().unwrap();
    let mut mean_args = args.clone();
    mean_args.extend(["--profile", "mean"]);
    let out = run_in(dir.path(), &mean_args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("other options"), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        &[
            "--jobs",
            "1",
            "notes",
            "audio",
            "--profile",
            "mean",
            "-o",
            "mean.csv",
        ],
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&table).unwrap(),
        std::fs::read(dir.path().join("mean.csv")).unwrap()
    );
}

#[test]
fn a_killed_parquet_batch_resumes_to_equal_values() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder_slow(&dir.path().join("audio"), 0..30);
    std::fs::copy(
        testdata().join("corpus/bad/x.wav"),
        dir.path().join("audio/bad.wav"),
    )
    .unwrap();
    let args = [
        "--jobs",
        "1",
        "notes",
        "audio",
        "--summary",
        "--checkpoint-every",
        "2",
        "-o",
        "out.parquet",
    ];
    let table = dir.path().join("out.parquet");
    let mut child = spawn_in(dir.path(), &args);
    assert!(wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 9)));
    child.kill().unwrap();
    child.wait().unwrap();
    let out = run_in(dir.path(), &args);
    // The bad file is reported again (failures are retried) and the run exits 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("bad.wav"), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        &[
            "--jobs",
            "1",
            "notes",
            "audio",
            "--summary",
            "-o",
            "ref.parquet",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let (ours, reference) = (
        read_table(&table),
        read_table(&dir.path().join("ref.parquet")),
    );
    assert_eq!(ours.height(), 30);
    assert!(ours.equals_missing(&reference), "{ours}\n{reference}");
}

/// The files' own tags survive an update: reused rows keep them (from the table, for
/// `--update`), as a fresh table has them, in every format.
#[test]
fn update_keeps_the_tags_of_reused_rows() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    std::fs::create_dir(&audio).unwrap();
    for name in ["tags_vorbis.opus", "tags_mp4.m4a", "plain.mp3"] {
        std::fs::copy(testdata().join("tags").join(name), audio.join(name)).unwrap();
    }
    for ext in ["csv", "parquet", "json"] {
        let table = format!("t.{ext}");
        let update = ["notes", "audio", "-o", &table, "--update"];
        for reused in [0, 3] {
            let out = run_in(dir.path(), &update);
            assert!(out.status.success(), "{}", stderr(&out));
            assert!(
                stderr(&out).contains(&format!("{reused} row(s) reused")),
                "{}",
                stderr(&out)
            );
        }
        let fresh = format!("fresh.{ext}");
        let out = run_in(dir.path(), &["notes", "audio", "-o", &fresh]);
        assert!(out.status.success(), "{}", stderr(&out));
        let (updated, fresh) = (
            read_table(&dir.path().join(&table)),
            read_table(&dir.path().join(&fresh)),
        );
        assert!(updated.equals_missing(&fresh), "{updated}\n{fresh}");
        let titles = updated.column("title").unwrap().str().unwrap().clone();
        assert_eq!(
            titles.iter().collect::<Vec<_>>(),
            [None, Some("Intro"), Some("Intro")],
            "{ext}"
        );
    }
}

#[test]
fn update_reuses_unchanged_rows_analyses_new_and_changed_files_and_drops_vanished_ones() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder(&audio, 0..12);
    let update = ["notes", "audio", "-o", "t.csv", "--update"];
    // No table yet: everything is new.
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("0 row(s) reused, 12 file(s) analysed (12 new, 0 changed), 0 removed"),
        "{}",
        stderr(&out)
    );
    let first = std::fs::read(dir.path().join("t.csv")).unwrap();
    // Nothing changed: every row reused, the same bytes.
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("12 row(s) reused, 0 file(s) analysed (0 new, 0 changed), 0 removed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(dir.path().join("t.csv")).unwrap(), first);

    // Two files added, two changed (one rewritten with another note, one only touched: same
    // size, new modification time), one deleted.
    synth_folder(&audio, 12..14);
    write_tone(&audio.join("t03.wav"), 80, 3);
    let touched = std::fs::File::options()
        .write(true)
        .open(audio.join("t05.wav"))
        .unwrap();
    touched
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(30))
        .unwrap();
    drop(touched);
    std::fs::remove_file(audio.join("t07.wav")).unwrap();
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("9 row(s) reused, 4 file(s) analysed (2 new, 2 changed), 1 removed"),
        "{}",
        stderr(&out)
    );
    let out = run_in(dir.path(), &["notes", "audio", "-o", "fresh.csv"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(dir.path().join("t.csv")).unwrap()),
        String::from_utf8_lossy(&std::fs::read(dir.path().join("fresh.csv")).unwrap()),
        "the updated table differs from a fresh one"
    );
    let rows = strings(&read_table(&dir.path().join("t.csv")), "file");
    assert!(rows.contains(&"audio/t13.wav".to_string()));
    assert!(!rows.contains(&"audio/t07.wav".to_string()));

    // Other options: nothing can be reused.
    let out = run_in(
        dir.path(),
        &["notes", "audio", "-o", "t.csv", "--update", "--summary"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("other options"), "{err}");
    assert!(
        err.contains("0 row(s) reused, 13 file(s) analysed (0 new, 13 changed)"),
        "{err}"
    );
    // A table replaced behind the stamps' back is not trusted either.
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::copy(dir.path().join("fresh.csv"), dir.path().join("t.csv")).unwrap();
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed after its stamp file"),
        "{}",
        stderr(&out)
    );
    // Parquet and JSON tables update the same way.
    for ext in ["parquet", "json"] {
        let name = format!("u.{ext}");
        for expected in ["0 row(s) reused", "13 row(s) reused"] {
            let out = run_in(dir.path(), &["notes", "audio", "-o", &name, "--update"]);
            assert!(out.status.success(), "{}", stderr(&out));
            assert!(stderr(&out).contains(expected), "{ext}: {}", stderr(&out));
        }
        let (u, fresh) = (
            read_table(&dir.path().join(&name)),
            read_table(&dir.path().join("fresh.csv")),
        );
        for note in ["A", "C#", "G#", "duration_s"] {
            assert_eq!(floats(&u, note), floats(&fresh, note), "{ext} {note}");
        }
    }
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_temporary_files_and_a_sigkill_leftover_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    // Ten minutes of noise: writing its 68-column feature matrix takes long enough to signal
    // the process while the temporary file is being written.
    let long = dir.path().join("long.wav");
    let x = audio_io::synth::white_noise(600.0, 8000, 0.3, 1);
    audio_io::synth::write_wav(&long, &[&x], 8000, audio_io::synth::WavFormat::S16).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for (signal, code) in [(libc_sig::SIGTERM, 143), (libc_sig::SIGINT, 130)] {
        let mut child = spawn_in(
            dir.path(),
            &["features", "long.wav", "--deltas", "-o", "out/frames.csv"],
        );
        // Data in it: the output itself, not the empty probe of the folder's writability.
        let caught = wait_for(&mut child, || {
            !temporaries_larger_than(&out_dir, Some(0)).is_empty()
        });
        assert!(
            caught,
            "features finished before its temporary file was seen"
        );
        send_signal(child.id(), signal);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
        assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
        assert_eq!(
            temporaries(&out_dir),
            Vec::<String>::new(),
            "signal {signal}"
        );
        assert!(!out_dir.join("frames.csv").exists());
    }

    // notes -o interrupted mid-batch: exit 130, no temporary file, the journal kept; the same
    // command then finishes.
    let audio = dir.path().join("audio");
    synth_folder_slow(&audio, 0..30);
    let args = [
        "--jobs",
        "1",
        "notes",
        "audio",
        "--checkpoint-every",
        "1",
        "-o",
        "out/t.csv",
    ];
    let table = out_dir.join("t.csv");
    let mut child = spawn_in(dir.path(), &args);
    assert!(wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 4)));
    send_signal(child.id(), libc_sig::SIGINT);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(journal_rows(&table).is_some_and(|r| r >= 4));

    // What a SIGKILL leaves: temporary files of our own prefix, an old one and a young one
    // (which may belong to a live writer). Neither is input nor mentioned; the old one is
    // removed when a run writes to that folder.
    let stale = audio.join(".chromacluster-Ab12Cd");
    let young = audio.join(".chromacluster-Ef34Gh");
    for p in [&stale, &young] {
        std::fs::write(p, b"RIFF....WAVE half-written").unwrap();
    }
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 3600))
        .unwrap();
    let out = run_in(
        dir.path(),
        &["--jobs", "1", "notes", "audio", "-o", "audio/inside.csv"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains(".chromacluster-"),
        "{}",
        stderr(&out)
    );
    assert!(!stale.exists(), "the stale temporary file was kept");
    assert!(young.exists(), "a young temporary file was removed");
    assert_eq!(read_table(&audio.join("inside.csv")).height(), 30);
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    assert_eq!(read_table(&table).height(), 30);
}

/// Signal numbers (Linux and the BSDs agree on these two).
#[cfg(unix)]
mod libc_sig {
    pub const SIGINT: i32 = 2;
    pub const SIGTERM: i32 = 15;
}

#[cfg(unix)]
fn send_signal(pid: u32, signal: i32) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder(&dir.path().join("audio"), 0..3);
    std::fs::copy(
        testdata().join("corpus/bad/x.wav"),
        dir.path().join("audio/bad.wav"),
    )
    .unwrap();
    let expect_usage = |args: &[&str], says: &str| {
        let out = run_in(dir.path(), args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        // Nothing was analysed: the bad file would have been reported.
        assert!(
            !err.contains("bad.wav"),
            "{args:?} worked before failing: {err}"
        );
    };
    expect_usage(&["notes", "audio", "-o", "out.xyz"], "unknown table format");
    expect_usage(
        &["notes", "audio", "-o", "no/such/dir/t.csv"],
        "does not exist",
    );
    expect_usage(&["notes", "audio", "-o", "audio"], "folder");
    expect_usage(
        &["features", "audio/t00.wav", "-o", "f.txt"],
        "unknown table format",
    );
    expect_usage(
        &["plot", "notes", "audio", "-o", "n.jpg"],
        "unknown picture format",
    );
    expect_usage(
        &["plot", "elbow", "audio", "-o", "nowhere/e.png"],
        "does not exist",
    );

    let out = run_in(dir.path(), &["notes", "audio", "-o", "t.pq"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let before = std::fs::read(dir.path().join("t.pq")).unwrap();
    // .pq reads back as a table.
    let out = run_in(dir.path(), &["cluster", "t.pq", "-k", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("3 file(s)"), "{}", stdout(&out));

    let expect_refused = |args: &[&str], says: &str| {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(
            !dir.path().join("m.json").exists(),
            "{args:?} saved the model"
        );
        assert_eq!(std::fs::read(dir.path().join("t.pq")).unwrap(), before);
    };
    expect_refused(
        &[
            "cluster",
            "t.pq",
            "-k",
            "2",
            "--save-model",
            "m.json",
            "-o",
            "out.xyz",
        ],
        "unknown table format",
    );
    expect_refused(
        &["cluster", "t.pq", "-k", "2", "-o", "t.pq"],
        "also an input",
    );
    expect_refused(
        &["cluster", "./t.pq", "-k", "2", "-o", "t.pq"],
        "also an input",
    );
    expect_refused(
        &[
            "cluster",
            "t.pq",
            "-k",
            "2",
            "-o",
            "m.json",
            "--save-model",
            "m.json",
        ],
        "same file",
    );
    let out = run_in(
        dir.path(),
        &["cluster", "t.pq", "-k", "2", "--save-model", "model.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let model = std::fs::read(dir.path().join("model.json")).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "predict",
            "--model",
            "model.json",
            "t.pq",
            "-o",
            "model.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("model.json")).unwrap(), model);
}

#[test]
fn shards_together_equal_the_unsharded_table() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder(&audio.join("one"), 0..14);
    synth_folder(&audio.join("two"), 14..24);
    let out = run_in(dir.path(), &["notes", "audio", "-o", "all.parquet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = read_table(&dir.path().join("all.parquet"));
    let mut sizes = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = run_in(
            dir.path(),
            &["notes", "audio", "--shard", &shard, "-o", "parts"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let part = dir.path().join(format!("parts/part-{i}-of-3.parquet"));
        sizes.push(read_table(&part).height());
    }
    assert_eq!(sizes.iter().sum::<usize>(), all.height());
    assert!(
        sizes.iter().all(|&s| s > 0 && s < all.height()),
        "{sizes:?}"
    );
    let together = read_table(&dir.path().join("parts"));
    assert!(together.equals_missing(&all), "{together}\n{all}");
    // cluster and plot take the folder as one table.
    let a = run_in(dir.path(), &["cluster", "parts", "-k", "3"]);
    let b = run_in(dir.path(), &["cluster", "all.parquet", "-k", "3"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    let out = run_in(dir.path(), &["plot", "notes", "parts", "-o", "n.png"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A file's shard does not depend on the other files, nor on where the folder is.
    synth_folder(&audio.join("two"), 24..30);
    let moved = dir.path().join("moved");
    std::fs::rename(&audio, &moved).unwrap();
    let out = run_in(
        dir.path(),
        &["notes", "moved", "--shard", "1/3", "-o", "again"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let before: Vec<String> = strings(
        &read_table(&dir.path().join("parts/part-1-of-3.parquet")),
        "file",
    )
    .iter()
    .map(|f| f.trim_start_matches("audio/").to_string())
    .collect();
    let after: Vec<String> = strings(
        &read_table(&dir.path().join("again/part-1-of-3.parquet")),
        "file",
    )
    .iter()
    .map(|f| f.trim_start_matches("moved/").to_string())
    .collect();
    assert!(
        before.iter().all(|f| after.contains(f)),
        "{before:?} vs {after:?}"
    );

    // An incomplete set of parts is an error, not a smaller table.
    std::fs::remove_file(dir.path().join("parts/part-2-of-3.parquet")).unwrap();
    let out = run_in(dir.path(), &["cluster", "parts", "-k", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("missing part-2-of-3.parquet"),
        "{}",
        stderr(&out)
    );
    // --shard needs -o; I/N is checked.
    let out = run_in(dir.path(), &["notes", "moved", "--shard", "4/3", "-o", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn cluster_extracting_from_audio_resumes_a_killed_run() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder_slow(&dir.path().join("audio"), 0..40);
    let args = |out: &str, model: &str| {
        [
            "--jobs",
            "1",
            "cluster",
            "audio",
            "-k",
            "3",
            "-o",
            out,
            "--save-model",
            model,
        ]
        .map(str::to_string)
    };
    let reference = args("ref.csv", "ref.json");
    let reference: Vec<&str> = reference.iter().map(String::as_str).collect();
    let out = run_in(dir.path(), &reference);
    assert!(out.status.success(), "{}", stderr(&out));
    let resumed = args("c.csv", "m.json");
    let resumed: Vec<&str> = resumed.iter().map(String::as_str).collect();
    let labels = dir.path().join("c.csv");
    // The journal lives beside -o; kill once some rows are in it.
    let mut child = spawn_in(dir.path(), &resumed);
    assert!(wait_for(&mut child, || journal_rows(&labels)
        .is_some_and(|r| r >= 16)));
    child.kill().unwrap();
    child.wait().unwrap();
    let out = run_in(dir.path(), &resumed);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    let same = |a: &str, b: &str| {
        std::fs::read(dir.path().join(a)).unwrap() == std::fs::read(dir.path().join(b)).unwrap()
    };
    assert!(same("c.csv", "ref.csv"), "the labels differ");
    assert!(same("m.json", "ref.json"), "the models differ");
    assert!(
        journal_rows(&labels).is_none(),
        "the journal was not removed"
    );
}

/// `notes audio -o t.csv --update` on one thread, journalled file by file.
const UPDATE_T_CSV_ONE_BY_ONE: [&str; 9] = [
    "--jobs",
    "1",
    "notes",
    "audio",
    "-o",
    "t.csv",
    "--update",
    "--checkpoint-every",
    "1",
];

#[test]
fn a_killed_update_resumes_and_still_counts_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder_slow(&audio, 0..30);
    let args = UPDATE_T_CSV_ONE_BY_ONE;
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    // Twenty files rewritten with other notes.
    for i in 10..30 {
        write_slow_tone(&audio.join(format!("t{i:02}.wav")), 90 - i as u8);
    }
    let table = dir.path().join("t.csv");
    let mut child = spawn_in(dir.path(), &args);
    assert!(wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 5)));
    child.kill().unwrap();
    child.wait().unwrap();
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("resuming"), "{err}");
    assert!(
        err.contains("10 row(s) reused, 20 file(s) analysed (0 new, 20 changed), 0 removed"),
        "{err}"
    );
    let out = run_in(dir.path(), &["notes", "audio", "-o", "fresh.csv"]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&table).unwrap(),
        std::fs::read(dir.path().join("fresh.csv")).unwrap()
    );
}

// --- hostile decoder inputs (issue 9) ---

/// Runs the binary in `dir` under a 3 GB address-space limit (`ulimit -v`): an allocation sized
/// by a header's claim then fails at once (an abort, which the tests see) instead of exhausting
/// the machine.
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 3000000 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("sh runs")
}

/// A copy of corpus file `from` in `dir` named `name`, with `patch` applied to its bytes.
fn patched_copy(from: &str, dir: &Path, name: &str, patch: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(testdata().join("corpus").join(from)).unwrap();
    patch(&mut bytes);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A folder with two good WAVs (`good_a.wav`, `good_b.wav`) and a model fitted on them.
fn hostile_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    std::fs::create_dir(&good).unwrap();
    std::fs::copy(
        testdata().join("corpus/formats/wav_pcm_s16le_22050_1ch.wav"),
        good.join("good_a.wav"),
    )
    .unwrap();
    std::fs::copy(
        testdata().join("corpus/real/doremi.wav"),
        good.join("good_b.wav"),
    )
    .unwrap();
    let model = dir.path().join("model.json");
    let out = run_in(
        dir.path(),
        &["cluster", "good", "-k", "2", "--save-model", "model.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, model)
}

/// Runs `args` (bounded) and checks it ended normally with `code`, naming `file` on stderr when
/// it failed; returns the output.
fn expect_exit(dir: &Path, args: &[&str], code: i32, file: &str, cause: &str) -> Output {
    let out = run_bounded(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {:?}\n{}",
        out.status,
        stderr(&out)
    );
    if code != 0 {
        let err = stderr(&out);
        assert!(
            err.contains(file) && err.contains(cause),
            "{args:?}: stderr must name {file} and say {cause:?}:\n{err}"
        );
    }
    out
}

#[test]
fn a_wav_claiming_4_ghz_is_refused_by_every_command_and_the_batch_goes_on() {
    let (dir, _model) = hostile_dir();
    let d = dir.path();
    // Bytes 24..28 of a canonical WAV header: the fmt chunk's sample rate.
    patched_copy(
        "formats/wav_pcm_s16le_22050_1ch.wav",
        &d.join("good"),
        "rate_4ghz.wav",
        |b| b[24..28].copy_from_slice(&4_000_000_000u32.to_le_bytes()),
    );
    let cause = "unsupported sample rate 4000000000 Hz";
    expect_exit(
        d,
        &["notes", "good", "-o", "t.csv"],
        1,
        "rate_4ghz.wav",
        cause,
    );
    let t = read_table(&d.join("t.csv"));
    assert_eq!(
        strings(&t, "file").len(),
        2,
        "the good files' rows are written"
    );
    expect_exit(
        d,
        &["plot", "chromagram", "good/rate_4ghz.wav", "-o", "c.png"],
        1,
        "rate_4ghz.wav",
        cause,
    );
    expect_exit(
        d,
        &["cluster", "good", "-k", "2", "-o", "labels.csv"],
        1,
        "rate_4ghz.wav",
        cause,
    );
    assert_eq!(read_table(&d.join("labels.csv")).height(), 2);
    expect_exit(
        d,
        &["predict", "--model", "model.json", "good", "-o", "p.csv"],
        1,
        "rate_4ghz.wav",
        cause,
    );
    assert_eq!(read_table(&d.join("p.csv")).height(), 2);
    expect_exit(
        d,
        &["features", "good/rate_4ghz.wav"],
        1,
        "rate_4ghz.wav",
        cause,
    );
}

#[test]
fn an_mp3_claiming_2_pow_32_frames_decodes_in_bounded_memory_in_every_command() {
    let (dir, _model) = hostile_dir();
    let d = dir.path();
    // The corpus MP3 opens with an "Info" (CBR Xing) frame whose flags say a frame count
    // follows: the 4 bytes after "Info" + 8. Claim 0xFFFFFFFF MPEG frames (2^32 * 1152 samples).
    patched_copy(
        "formats/mp3_cbr192k_44100_2ch.mp3",
        &d.join("good"),
        "huge_count.mp3",
        |b| {
            let at = b
                .windows(4)
                .position(|w| w == b"Info")
                .expect("an Info frame")
                + 8;
            assert_eq!(b[at - 1] & 1, 1, "the Info flags announce a frame count");
            b[at..at + 4].copy_from_slice(&[0xff; 4]);
        },
    );
    let out = expect_exit(d, &["notes", "good", "-o", "t.csv"], 0, "", "");
    assert!(stderr(&out).is_empty() || !stderr(&out).contains("panicked"));
    let t = read_table(&d.join("t.csv"));
    let files = strings(&t, "file");
    assert_eq!(files.len(), 3, "{files:?}");
    let mp3 = files
        .iter()
        .position(|f| f.ends_with("huge_count.mp3"))
        .unwrap();
    // Three seconds of audio, whatever the header said.
    let duration = floats(&t, "duration_s")[mp3];
    assert!((duration - 3.0).abs() < 0.1, "duration {duration}");
    expect_exit(d, &["notes", "--summary", "good", "-o", "s.csv"], 0, "", "");
    expect_exit(
        d,
        &[
            "features",
            "good/huge_count.mp3",
            "--chroma",
            "accurate",
            "-o",
            "f.csv",
        ],
        0,
        "",
        "",
    );
    let out = expect_exit(
        d,
        &["plot", "chromagram", "good/huge_count.mp3", "-o", "c.png"],
        0,
        "",
        "",
    );
    assert!(out.status.success());
    assert_eq!(png_size(&d.join("c.png")), (1200, 500));
    expect_exit(
        d,
        &["cluster", "good", "-k", "2", "-o", "labels.csv"],
        0,
        "",
        "",
    );
    assert_eq!(read_table(&d.join("labels.csv")).height(), 3);
    expect_exit(
        d,
        &["predict", "--model", "model.json", "good", "-o", "p.csv"],
        0,
        "",
        "",
    );
    assert_eq!(read_table(&d.join("p.csv")).height(), 3);
}

#[test]
fn a_parquet_table_with_one_byte_changed_is_a_clear_error_not_a_panic() {
    let (dir, _model) = hostile_dir();
    let d = dir.path();
    let out = run_in(d, &["notes", "good", "-o", "t.parquet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = d.join("t.parquet");
    let original = std::fs::read(&table).unwrap();
    // Every one-byte change of the footer (the Thrift metadata polars used to panic on) must
    // end in a table or a clear error naming the file, with exit status 0 or 1.
    // (Its last 8 bytes: footer length, "PAR1". The data pages are not mutated: see
    // chroma's corrupt_tables test for why.)
    let n = original.len();
    let footer_len = u32::from_le_bytes(original[n - 8..n - 4].try_into().unwrap()) as usize;
    let footer = n - 8 - footer_len;
    let mut refused = 0;
    for i in (footer..original.len()).step_by(7) {
        let mut bytes = original.clone();
        bytes[i] ^= 0xff;
        std::fs::write(&table, &bytes).unwrap();
        let out = run_in(d, &["cluster", "t.parquet", "-k", "2"]);
        let err = stderr(&out);
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "byte {i}: {:?}\n{err}",
            out.status
        );
        assert!(!err.contains("panicked"), "byte {i}: {err}");
        if out.status.code() == Some(1) {
            refused += 1;
            assert!(err.contains("t.parquet"), "byte {i}: {err}");
        }
    }
    assert!(refused > 0, "no corrupted variant was refused");
}

#[test]
fn a_corrupt_or_endless_model_file_is_a_clear_error() {
    let (dir, model) = hostile_dir();
    let d = dir.path();
    let text = std::fs::read_to_string(&model).unwrap();
    std::fs::write(d.join("cut.json"), &text[..text.len() / 2]).unwrap();
    for bad in ["cut.json", "/dev/zero"] {
        let out = run_bounded(d, &["predict", "--model", bad, "good"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{bad}: {err}");
        assert!(
            err.contains(bad) && !err.contains("panicked"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn features_of_a_float_aifc_match_the_reference_read_through_ffmpeg() {
    // The reference read AIFF through ffmpeg, which gives float samples as 32-bit integers
    // (x * 2^31): fed as stored floats, the 1e-10 of dc_normalize moved energy by 1.2e-5 of its
    // scale. File: audio_io::synth::write_float_aifc_fixture; reference made from the same bytes
    // by pyAudioAnalysis 0.3.14 (testdata/reference/generated/README.md).
    let dir = tempfile::tempdir().unwrap();
    let aifc = dir.path().join("float.aifc");
    audio_io::synth::write_float_aifc_fixture(&aifc).unwrap();
    let csv = dir.path().join("frames.csv");
    let out = run(&[
        "features",
        aifc.to_str().unwrap(),
        "--chroma",
        "pyaa",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = read_table(&csv);
    let reference = read_table(&testdata().join("reference/generated/aifc_f32_22050_2ch.aifc.csv"));
    assert_eq!(ours.height(), reference.height());
    assert_eq!(ours.get_column_names(), reference.get_column_names());
    let mut worst = 0.0f64;
    for name in reference.get_column_names() {
        let r = floats(&reference, name.as_str());
        let o = floats(&ours, name.as_str());
        let scale = r.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (i, (a, b)) in o.iter().zip(&r).enumerate() {
            let d = (a - b).abs();
            worst = worst.max(d / scale.max(1e-300));
            assert!(
                d <= 1e-6 * scale + 1e-9,
                "{name} frame {i}: ours {a:e}, reference {b:e} (|diff| {:.2e} of the column's scale)",
                d / scale
            );
        }
    }
    println!("worst |diff| / max|column| = {worst:.2e}");
}

// --- bounded memory (issue 9 item 7) ---

/// The time(1) program, which runs a command and reports its peak resident set size (`%M`,
/// KiB) from `wait4`. A child's `ru_maxrss` starts from its parent's high-water mark (the
/// kernel carries it over at fork and exec), so measuring from this test process, which holds
/// the test signals, would only report this process's peak; time(1) is a small fresh parent.
const TIME: &str = "/usr/bin/time";

/// Runs the binary with `args` under time(1) and returns its peak resident set size in KiB,
/// after checking it succeeded.
fn peak_rss_kib(args: &[&str]) -> i64 {
    let out = Command::new(TIME)
        .args(["-f", "peak-rss-kib %M"])
        .arg(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .output()
        .expect("time(1) runs");
    let err = stderr(&out);
    assert!(out.status.success(), "chromacluster {args:?} failed: {err}");
    err.lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-rss-kib "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in time(1)'s output: {err}"))
}

/// `minutes` of music at 4 kHz (a 16 s cadence of chords, repeated, with a slow swell) as a
/// 16-bit WAV.
fn long_wav(dir: &Path, minutes: usize) -> PathBuf {
    use audio_io::synth::{self, Timbre, WavFormat};
    let sr = 4000;
    let chords: Vec<Vec<u8>> = [57u8, 62]
        .iter()
        .flat_map(|&t| synth::cadence_i_iv_v_i(t))
        .collect();
    let pattern = synth::render_chords(&chords, 2.0, Timbre::Organ, sr);
    let n = minutes * 60 * sr as usize;
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let swell = 0.55 + 0.45 * (i as f64 / (sr as f64 * 97.0)).sin();
            swell * pattern[i % pattern.len()]
        })
        .collect();
    let path = dir.join(format!("long_{minutes}min.wav"));
    synth::write_wav(&path, &[&x], sr, WavFormat::S16).unwrap();
    path
}

/// Peak memory must not grow with the file's length: each streaming command on a 40-minute file
/// peaks within 3 MB of the same command on a 10-minute file (both longer than one batch of
/// written rows). The two-pass commands keep the 10-minute file's samples for their second pass
/// (9.6 MB, `audio_io::Recorder`); the 40-minute one is past that budget and decoded twice. Before streaming, the 40-minute file held about 3-6 MB more for `notes`
/// (every chroma frame), 7 MB more for `notes --summary`, and 40-80 MB more for `features`
/// (the matrix and its copy).
#[test]
fn peak_memory_does_not_grow_with_the_length() {
    if !Path::new(TIME).exists() {
        // Debian's package `time`; present on the project's machines and CI.
        eprintln!("SKIPPED peak_memory_does_not_grow_with_the_length: {TIME} is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let short = long_wav(dir.path(), 10);
    let long = long_wav(dir.path(), 40);
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (csv, parquet, png) = (out("f.csv"), out("f.parquet"), out("c.png"));
    let commands: Vec<Vec<&str>> = vec![
        vec!["notes"],
        vec!["notes", "--summary", "--chroma", "pyaa"],
        vec!["features", "--deltas", "-o", &csv],
        vec![
            "features", "--chroma", "accurate", "--deltas", "-o", &parquet,
        ],
        vec!["features", "--deltas"],
        vec!["plot", "chromagram", "-o", &png],
    ];
    let mut report = Vec::new();
    for args in &commands {
        let with = |file: &Path| {
            let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let at = if a[0] == "plot" { 2 } else { 1 };
            a.insert(at, file.to_string_lossy().into_owned());
            a.extend(["--jobs".to_string(), "1".to_string()]);
            a
        };
        let measure = |file: &Path| {
            let a = with(file);
            peak_rss_kib(&a.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let small = measure(&short);
        let big = measure(&long);
        report.push(format!("{args:?}: {small} KiB -> {big} KiB"));
        assert!(
            big - small < 3 * 1024,
            "peak RSS grew from {small} KiB (10 min) to {big} KiB (40 min):\n{}",
            report.join("\n")
        );
    }
    eprintln!("{}", report.join("\n"));
}

// --- keys and tuning (issue 13) ---

/// Writes a mono 16-bit WAV of `samples` at `fs` into `dir`.
/// Renders a labelled piece into `dir` as `<stem>.wav`; its stem and whether it is minor.
fn write_piece(dir: &Path, spec: &audio_io::synth::keyset::PieceSpec, fs: u32) -> (String, bool) {
    write_wav(
        dir,
        &format!("{}.wav", spec.file_stem()),
        &spec.render(fs),
        fs,
    );
    (spec.file_stem(), spec.minor)
}

fn write_wav(dir: &Path, name: &str, samples: &[f64], fs: u32) -> PathBuf {
    let path = dir.join(name);
    audio_io::synth::write_wav(&path, &[samples], fs, audio_io::synth::WavFormat::S16).unwrap();
    path
}

#[test]
fn key_command_names_the_corpus_keys_and_their_tuning() {
    let out = run(&["key", "keys/piano"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["file", "key", "key_strength", "tuning_cents"]);
    for (file, key) in [
        ("As_major", "A# major"),
        ("C_major", "C major"),
        ("D_major", "D major"),
        ("E_major", "E major"),
        ("Fs_major", "F# major"),
        ("Gs_major", "G# major"),
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("{file}.wav")))
            .unwrap_or_else(|| panic!("{file} missing:\n{text}"));
        assert!(line.contains(key), "{file}: {line}");
    }
    insta::assert_snapshot!("key_piano", text);
    let help = run(&["key", "--help"]);
    assert!(stdout(&help).contains("Example"), "{}", stdout(&help));
}

#[test]
fn key_segments_find_the_change_where_two_pieces_in_different_keys_are_joined() {
    // Two 8 s clips of the key set (testdata/keyset: A major, then E-flat major) end to end.
    let dir = tempfile::tempdir().unwrap();
    let mut samples = Vec::new();
    let mut fs = 0;
    for clip in ["bwv154.3.flac", "bwv329.flac"] {
        let signal = audio_io::read_mono(testdata().join("keyset").join(clip)).unwrap();
        fs = signal.sample_rate();
        samples.extend(signal.samples);
    }
    write_wav(dir.path(), "joined.wav", &samples, fs);
    let out = run_in(dir.path(), &["key", "joined.wav", "--segments"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["file", "start_s", "end_s", "key", "strength"]);
    insta::assert_snapshot!("key_segments_joined", text);

    let out = run_in(
        dir.path(),
        &["key", "joined.wav", "--segments", "-o", "segments.csv"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&dir.path().join("segments.csv"));
    assert_eq!(strings(&df, "key"), ["A major", "D# major"], "{df}");
    let starts = floats(&df, "start_s");
    assert_eq!(starts[0], 0.0);
    assert!((starts[1] - 8.0).abs() <= 2.0, "change at {} s", starts[1]);
    assert!((floats(&df, "end_s")[1] - 16.0).abs() < 0.05, "{df}");
    assert!(floats(&df, "strength").iter().all(|s| *s > 0.5), "{df}");
    // A file that cannot be read is reported and fails the run (exit 1), the others still
    // give their sections.
    std::fs::write(dir.path().join("broken.wav"), b"not audio").unwrap();
    let out = run_in(
        dir.path(),
        &["key", "joined.wav", "broken.wav", "--segments"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("broken.wav"), "{}", stderr(&out));
    assert!(stdout(&out).contains("D# major"), "{}", stdout(&out));
}

#[test]
fn key_command_gives_no_key_to_silence_and_noise() {
    let dir = tempfile::tempdir().unwrap();
    let fs = 16000;
    write_wav(
        dir.path(),
        "noise.wav",
        &audio_io::synth::white_noise(2.0, fs, 0.5, 9),
        fs,
    );
    copy("bad/silence_2s.wav", dir.path());
    let csv = dir.path().join("keys.csv");
    let out = run_in(dir.path(), &["key", ".", "-o", "keys.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&csv);
    assert_eq!(df.height(), 2);
    assert_eq!(strings(&df, "key"), ["", ""], "{df}");
    assert_eq!(floats(&df, "key_strength"), [0.0, 0.0]);
    assert_eq!(floats(&df, "tuning_cents"), [0.0, 0.0]);
}

#[test]
fn detuned_material_keeps_its_key_and_reports_its_tuning() {
    use audio_io::synth::keyset::{PieceSpec, Style, Voicing};
    let dir = tempfile::tempdir().unwrap();
    let fs = 22050;
    let mut expected = Vec::new();
    for (i, cents) in [-45.0, -20.0, 0.0, 33.0, 45.0].into_iter().enumerate() {
        let spec = PieceSpec {
            tonic: (i * 5 % 12) as u8,
            minor: i % 2 == 1,
            style: Style::Cadence,
            timbre: audio_io::synth::Timbre::Organ,
            voicing: Voicing::Close,
            bass: true,
            drums: false,
            cents,
            seconds_per_chord: 0.5,
        };
        let name = format!("{i}_{}.wav", spec.file_stem());
        write_wav(dir.path(), &name, &spec.render(fs), fs);
        expected.push((name, spec.key_name(), cents));
    }
    let csv = dir.path().join("keys.csv");
    let out = run_in(dir.path(), &["key", ".", "-o", "keys.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&csv);
    let (keys, tuning) = (strings(&df, "key"), floats(&df, "tuning_cents"));
    for (row, (name, key, cents)) in expected.iter().enumerate() {
        assert!(strings(&df, "file")[row].ends_with(name.as_str()));
        assert_eq!(&keys[row], key, "{name}");
        assert!((tuning[row] - cents).abs() < 3.0, "{name}: {}", tuning[row]);
    }
    // --tuning 0 (A4 = 440 Hz, the chroma before estimation) and --a4 440 agree, and report 0.
    let zero = run_in(dir.path(), &["key", ".", "--tuning", "0"]);
    let a4 = run_in(dir.path(), &["key", ".", "--a4", "440"]);
    assert!(zero.status.success() && a4.status.success());
    assert_eq!(stdout(&zero), stdout(&a4));
    // Both flags at once, or a bad value, are usage errors.
    let both = run_in(dir.path(), &["key", ".", "--tuning", "10", "--a4", "442"]);
    assert_eq!(both.status.code(), Some(2));
    let bad = run_in(dir.path(), &["key", ".", "--tuning", "sharp"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = run_in(dir.path(), &["key", ".", "--key-profile", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn notes_table_has_tuning_and_key_columns_and_relative_degrees() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("notes.csv");
    let out = run(&["notes", "keys/piano", "-o", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&csv);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        &names[13..20],
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
    assert!(floats(&df, "tuning_cents").iter().all(|c| c.abs() < 10.0));
    let rel = dir.path().join("relative.csv");
    let out = run(&[
        "notes",
        "keys/piano",
        "--relative",
        "--profile",
        "mean",
        "-o",
        rel.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = read_table(&rel);
    let names: Vec<String> = r.get_column_names().iter().map(|s| s.to_string()).collect();
    assert_eq!(
        &names[1..13],
        ["1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7"]
    );
    // Six major keys rotated to their tonic: the same major profile shape, so the tonic,
    // major third and fifth outweigh the minor third and the tritone in every row.
    for row in 0..r.height() {
        let v = |c: &str| floats(&r, c)[row];
        assert!(
            v("3") > v("b3") && v("5") > v("#4") && v("1") > v("b2"),
            "row {row}"
        );
    }
    // A relative table clusters on its 12 degree columns (tuning and key are metadata).
    let out = run(&["cluster", rel.to_str().unwrap(), "-k", "2", "--seed", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("12 column(s)"), "{}", stdout(&out));
}

#[test]
fn relative_profiles_cluster_major_against_minor_across_keys() {
    use audio_io::synth::keyset::{PieceSpec, Style, Voicing};
    let dir = tempfile::tempdir().unwrap();
    let fs = 16000;
    let mut modes = Vec::new();
    for i in 0..8u8 {
        let minor = i % 2 == 1;
        let spec = PieceSpec {
            tonic: (i * 7) % 12,
            minor,
            style: Style::Cadence,
            timbre: audio_io::synth::Timbre::ALL[usize::from(i / 2) % 2],
            voicing: Voicing::ALL[usize::from(i) % 3],
            bass: i % 3 == 0,
            drums: false,
            cents: 0.0,
            seconds_per_chord: 0.4,
        };
        modes.push(write_piece(dir.path(), &spec, fs));
    }
    let labels = dir.path().join("clusters.csv");
    let out = run_in(
        dir.path(),
        &[
            "cluster",
            ".",
            "-k",
            "2",
            "--relative",
            "--profile",
            "mean",
            "--seed",
            "3",
            "-o",
            "clusters.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&labels);
    let files = strings(&df, "file");
    let clusters = ints(&df, "cluster");
    let cluster_of = |minor: bool| -> Vec<i64> {
        let mut c: Vec<i64> = modes
            .iter()
            .filter(|m| m.1 == minor)
            .map(|m| clusters[files.iter().position(|f| f.contains(&m.0)).unwrap()])
            .collect();
        c.sort();
        c.dedup();
        c
    };
    let (major, minor) = (cluster_of(false), cluster_of(true));
    assert_eq!(major.len(), 1, "major pieces split: {files:?} {clusters:?}");
    assert_eq!(minor.len(), 1, "minor pieces split: {files:?} {clusters:?}");
    assert_ne!(major, minor);
}

/// Share of the files whose cluster's majority mode is their own (the purity of a clustering
/// against the modes).
fn mode_purity(modes: &[(String, bool)], files: &[String], clusters: &[i64]) -> f64 {
    let mut counts = std::collections::BTreeMap::<(i64, bool), usize>::new();
    for (stem, minor) in modes {
        let i = files
            .iter()
            .position(|f| f.contains(stem.as_str()))
            .unwrap();
        *counts.entry((clusters[i], *minor)).or_default() += 1;
    }
    let mut majority = std::collections::BTreeMap::<i64, usize>::new();
    for ((c, _), n) in counts {
        let m = majority.entry(c).or_default();
        *m = (*m).max(n);
    }
    majority.values().sum::<usize>() as f64 / modes.len() as f64
}

#[test]
fn relative_profiles_cluster_by_mode_in_all_twelve_keys_and_absolute_ones_do_not() {
    // Major and minor pieces on every tonic (cadences and ii-V-I, three timbres, three
    // voicings, with and without bass): k-means, k = 2, on the key-free profiles groups them
    // by mode; on the absolute profiles it groups them by key region instead. The pieces are
    // ones whose key their notes decide: a natural-minor pop loop (i-VI-III-VII) has the notes
    // of its relative major and a modal vamp (I-bVII-IV, i-IV) those of the major key a fourth
    // or a fifth away, so a key profile can only guess their tonic (Essentia's KeyExtractor
    // misnames 3 to 7 of those 12 loops by profile, the default key 10; docs/keys.md).
    use audio_io::synth::keyset::{PieceSpec, Style, Voicing};
    let dir = tempfile::tempdir().unwrap();
    let fs = 16000;
    let styles = [Style::Cadence, Style::TwoFiveOne];
    let mut modes = Vec::new();
    for minor in [false, true] {
        for tonic in 0..12u8 {
            let i = usize::from(tonic) + if minor { 12 } else { 0 };
            let spec = PieceSpec {
                tonic,
                minor,
                style: styles[i % styles.len()],
                timbre: audio_io::synth::Timbre::ALL[i % 3],
                voicing: Voicing::ALL[(i / 3) % 3],
                bass: i % 2 == 0,
                drums: false,
                cents: 0.0,
                seconds_per_chord: 0.4,
            };
            modes.push(write_piece(dir.path(), &spec, fs));
        }
    }
    let mut purity = Vec::new();
    for relative in [true, false] {
        let mut args = vec![
            "cluster",
            ".",
            "-k",
            "2",
            "--profile",
            "mean",
            "--seed",
            "7",
        ];
        if relative {
            args.push("--relative");
        }
        args.extend(["-o", "clusters.csv"]);
        let out = run_in(dir.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let df = read_table(&dir.path().join("clusters.csv"));
        purity.push(mode_purity(
            &modes,
            &strings(&df, "file"),
            &ints(&df, "cluster"),
        ));
    }
    eprintln!(
        "purity against the mode: relative {:.3}, absolute {:.3}",
        purity[0], purity[1]
    );
    assert!(
        purity[0] >= 0.9,
        "relative profiles: purity {:.3}",
        purity[0]
    );
    assert!(
        purity[1] <= 0.75,
        "absolute profiles: purity {:.3}",
        purity[1]
    );
}

#[test]
fn relative_profiles_of_the_demo_group_its_timbres_across_the_four_keys() {
    // The demo's twelve tracks are four major keys on three timbres: once the key is taken out
    // (`--relative`), k = 3 finds the timbres, each cluster holding all four keys.
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("demo");
    let out = run(&["demo", "--keep", audio.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        &[
            "cluster",
            "demo",
            "-k",
            "3",
            "--relative",
            "--profile",
            "mean",
            "--seed",
            "7",
            "-o",
            "clusters.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&dir.path().join("clusters.csv"));
    let (files, clusters) = (strings(&df, "file"), ints(&df, "cluster"));
    assert_eq!(files.len(), 12);
    for timbre in ["organ", "pluck", "sine"] {
        let mut of: Vec<i64> = files
            .iter()
            .zip(&clusters)
            .filter(|(f, _)| f.contains(timbre))
            .map(|(_, c)| *c)
            .collect();
        assert_eq!(of.len(), 4, "{files:?}");
        of.dedup();
        assert_eq!(of.len(), 1, "{timbre} split: {files:?} {clusters:?}");
    }
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

#[test]
fn a_decoder_panic_is_a_clean_error_without_a_panic_message() {
    // Fuzz inputs that panic inside symphonia (probe_step_by_zero.bin in 0.5's probe, whose
    // panic location is in core, so the old location-based hook printed it;
    // wav_channel_mask_shift_overflow.bin in 0.6.1's riff reader): audio-io catches the panic
    // and the binary's quiet hook keeps "thread '...' panicked at" off stderr.
    let out = run_in(
        &testdata(),
        &[
            "info",
            "fuzz/probe_step_by_zero.bin",
            "fuzz/wav_channel_mask_shift_overflow.bin",
            "corpus/formats/wav_pcm_s16le_8000_1ch.wav",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for name in [
        "probe_step_by_zero.bin",
        "wav_channel_mask_shift_overflow.bin",
    ] {
        assert!(
            err.lines().any(|l| l.starts_with("error: ")
                && l.contains(name)
                && l.contains("not an audio file")),
            "{err}"
        );
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("2 of 3 file(s) failed"), "{err}");
    assert!(stdout(&out).contains("wav_pcm_s16le_8000_1ch.wav"));
}

/// The inertia `cluster` prints (`... inertia X, ...`).
fn printed_inertia(out: &str) -> f64 {
    let rest = out
        .split("inertia ")
        .nth(1)
        .unwrap_or_else(|| panic!("no inertia in {out}"));
    rest.split(|c: char| c == ',' || c.is_whitespace())
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no inertia in {out}"))
}

/// Mini-batch k-means streamed over a dataset of two parts of several row groups: a label
/// for every row (in part order, with its file name), a model that predicts those labels,
/// an inertia close to full k-means' on the same table, and `-k auto` refused as a usage
/// error.
#[test]
fn mini_batch_cluster_streams_a_multi_row_group_dataset() {
    use polars::prelude::{Column, DataFrame};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // Four blobs in 12 dimensions (sd 1 around centres 3 apart per axis), by a fixed LCG.
    let mut state = 12345u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut files = Vec::new();
    for part in 0..2 {
        let mut w =
            chroma_table::FrameFileWriter::create(&data.join(format!("p{part}.parquet"))).unwrap();
        for group in 0..5 {
            let n = 2000;
            let names: Vec<String> = (0..n)
                .map(|i| format!("song-{part}-{group}-{i}.wav"))
                .collect();
            let mut columns = vec![Column::new("file".into(), names.clone())];
            files.extend(names);
            let blobs: Vec<usize> = (0..n).map(|_| (uniform() * 4.0) as usize).collect();
            for j in 0..12 {
                let values: Vec<f64> = blobs
                    .iter()
                    .map(|&b| {
                        let centre = if (b + j) % 4 == 0 { 3.0 } else { 0.0 };
                        centre + (0..3).map(|_| uniform() - 0.5).sum::<f64>() * 2.0
                    })
                    .collect();
                columns.push(Column::new(chroma::NOTE_NAMES[j].into(), values));
            }
            w.write(&DataFrame::new(n, columns).unwrap()).unwrap();
        }
        w.finish().unwrap();
    }
    let data_s = data.to_str().unwrap();
    let labels = dir.path().join("labels.parquet");
    let model = dir.path().join("m.json");
    let out = run(&[
        "cluster",
        data_s,
        "-k",
        "4",
        "--mini-batch",
        "--seed",
        "3",
        "-o",
        labels.to_str().unwrap(),
        "--save-model",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("20000 row(s), 12 column(s), k = 4"), "{text}");
    assert!(text.contains("mini-batch k-means"), "{text}");
    let mini = printed_inertia(&text);
    let df = read_table(&labels);
    assert_eq!(df.height(), 20_000);
    assert_eq!(strings(&df, "file"), files);
    let clusters = ints(&df, "cluster");
    assert!(clusters.iter().all(|&c| (0..4).contains(&c)));
    // The saved model gives the same labels, and its inertia is the printed one.
    let m = kmeans::KMeansModel::load(&model).unwrap();
    let table = chroma_table::read_table(&data).unwrap();
    let table = table.sort(["file"], Default::default()).unwrap();
    let predicted = m.predict_dataframe(&table).unwrap();
    let by_file: std::collections::HashMap<&String, i64> =
        files.iter().zip(clusters.iter().copied()).collect();
    for (f, p) in strings(&table, "file").iter().zip(&predicted) {
        assert_eq!(by_file[f], *p as i64, "{f}");
    }
    assert!(
        (m.inertia() - mini).abs() <= 1e-6 * mini.max(1.0),
        "{} vs {mini}",
        m.inertia()
    );
    // Full k-means on the same table (in memory: it is below the mini-batch threshold).
    let out = run(&["cluster", data_s, "-k", "4", "--seed", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let full_text = stdout(&out);
    assert!(!full_text.contains("mini-batch"), "{full_text}");
    let full = printed_inertia(&full_text);
    eprintln!(
        "mini-batch inertia {mini}, full k-means {full}, ratio {}",
        mini / full
    );
    assert!(
        mini <= full * 1.03,
        "mini-batch inertia {mini} vs full k-means {full}"
    );
    // -k auto needs the table in memory.
    let out = run(&["cluster", data_s, "-k", "auto", "--mini-batch"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("-k auto"), "{}", stderr(&out));
}

// --- issue 23: the journal (links, FIFOs, long names, the lock, rows written as they finish) ---

/// Makes a FIFO at `path` with `mkfifo`; false (after saying why) where that is not possible.
#[cfg(unix)]
fn make_fifo(path: &Path) -> bool {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!(
            "SKIPPED a FIFO case: `mkfifo {}` failed here",
            path.display()
        );
    }
    made
}

/// Runs the binary in `dir`, killing it (and failing the test) if it runs for more than 30 s:
/// for inputs that used to hang.
fn run_or_kill_after_30s(dir: &Path, args: &[&str]) -> Output {
    let mut child = spawn_in(dir, args);
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{args:?} still ran after 30 s: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn hidden_files_planted_as_links_or_fifos_are_refused_by_name_and_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder(&dir.path().join("audio"), 0..3);
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me").unwrap();
    let table = dir.path().join("out.csv");
    let hidden = [
        chroma_table::journal::journal_path(&table),
        chroma_table::journal::stamps_path(&table),
    ];
    for path in &hidden {
        std::os::unix::fs::symlink(&precious, path).unwrap();
        let out = run_in(dir.path(), &["notes", "audio", "-o", "out.csv"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            err.contains(&name) && err.contains("symbolic link"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
        assert!(std::fs::symlink_metadata(path)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(!table.exists(), "a table was written");
        std::fs::remove_file(path).unwrap();
    }
    // FIFOs: an error at once, not a hang. The stamp file is read by --update.
    let out = run_in(dir.path(), &["notes", "audio", "-o", "out.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_file(&hidden[1]).unwrap();
    for path in &hidden {
        if !make_fifo(path) {
            return;
        }
        let out =
            run_or_kill_after_30s(dir.path(), &["notes", "audio", "-o", "out.csv", "--update"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.contains(&name) && err.contains("FIFO"), "{err}");
        std::fs::remove_file(path).unwrap();
    }
}

#[test]
fn an_output_name_of_240_characters_gets_a_journal_and_stamps_that_fit() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder(&dir.path().join("audio"), 0..3);
    let name = format!("{}.csv", "n".repeat(236));
    assert_eq!(name.len(), 240);
    let out = run_in(dir.path(), &["notes", "audio", "-o", &name]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_table(&dir.path().join(&name)).height(), 3);
    let stamps = chroma_table::journal::stamps_path(&dir.path().join(&name));
    assert!(stamps.exists(), "no stamp file {}", stamps.display());
    // The stamps are found again: nothing is analysed twice.
    let out = run_in(dir.path(), &["notes", "audio", "-o", &name, "--update"]);
    assert!(
        stderr(&out).contains("3 row(s) reused, 0 file(s) analysed"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_second_run_to_the_same_output_is_refused_while_the_first_runs() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder_slow(&dir.path().join("audio"), 0..30);
    let args = [
        "--jobs",
        "1",
        "notes",
        "audio",
        "-o",
        "t.csv",
        "--checkpoint-every",
        "1",
    ];
    let table = dir.path().join("t.csv");
    let mut first = spawn_in(dir.path(), &args);
    assert!(
        wait_for(&mut first, || journal_rows(&table).is_some_and(|r| r >= 2)),
        "the first run ended before the second could start"
    );
    let second = run_in(dir.path(), &args);
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another chromacluster run is writing") && err.contains("t.csv"),
        "{err}"
    );
    assert!(!err.contains("resuming"), "{err}");
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(read_table(&table).height(), 30);
    assert!(
        journal_rows(&table).is_none(),
        "the journal was not removed"
    );
}

/// Whether process `pid` has `path` open (Linux's /proc).
#[cfg(target_os = "linux")]
fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
}

/// Rows reach the journal file as they finish: a run killed while it analyses its last input
/// (a long file, sorted last) has every earlier row in the journal, long before the one-second
/// `fsync` interval, and the next run does not analyse them again.
#[cfg(target_os = "linux")]
#[test]
fn rows_finished_before_a_kill_are_in_the_journal_and_not_redone() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder(&audio, 0..8);
    let long = audio.join("zz.wav");
    write_tone_of(&long, 60, 600.0, 8000);
    let long = long.canonicalize().unwrap();
    let args = [
        "--jobs",
        "1",
        "notes",
        "audio",
        "-o",
        "t.csv",
        "--checkpoint-every",
        "1000",
    ];
    let table = dir.path().join("t.csv");
    let mut child = spawn_in(dir.path(), &args);
    // With one worker, files are analysed in path order: once the long file is open, the
    // eight before it have finished.
    let pid = child.id();
    let reached = wait_for(&mut child, || has_open(pid, &long));
    let rows = journal_rows(&table);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        reached,
        "the run ended before it was seen analysing its last file"
    );
    assert_eq!(rows, Some(8), "rows in the journal when the run was killed");
    std::fs::remove_file(&long).unwrap();
    let mut verbose = vec!["-v"];
    verbose.extend(args);
    let out = run_in(dir.path(), &verbose);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("resuming an interrupted run: 8 finished file(s)"),
        "{err}"
    );
    assert!(err.contains("(0 analysed now, 8 resumed)"), "{err}");
}

// --- issue 23: the other rows of its table ---

/// Row 4: the map of a table of 20,000 columns is drawn in memory of the table's own size
/// (no columns x columns matrix: 3.2 GB here, refused by the 3 GB limit of `run_bounded`).
#[test]
fn report_and_plot_clusters_of_a_table_of_20000_columns_do_not_abort() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (12, 20_000);
    let mut text = String::from("file");
    for j in 0..cols {
        text.push_str(&format!(",c{j}"));
    }
    text.push('\n');
    for i in 0..rows {
        text.push_str(&format!("f{i}.wav"));
        for j in 0..cols {
            let v = ((i * 7 + j * 13) % 17) as f64 / 17.0 + if i < 6 { 1.0 } else { 0.0 };
            text.push_str(&format!(",{v}"));
        }
        text.push('\n');
    }
    std::fs::write(dir.path().join("wide.csv"), text).unwrap();
    let out = run_bounded(
        dir.path(),
        &["report", "wide.csv", "-k", "2", "-o", "r.html"],
    );
    assert!(out.status.success(), "{:?}\n{}", out.status, stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.contains("PC1 ("), "no map axes in the report");
    let out = run_bounded(
        dir.path(),
        &["plot", "clusters", "wide.csv", "-k", "2", "-o", "c.png"],
    );
    assert!(out.status.success(), "{:?}\n{}", out.status, stderr(&out));
    assert!(png_size(&dir.path().join("c.png")).0 > 0);
}

/// `--n-init` is bounded (its bound in `--help`), and a long clustering stops on Ctrl-C with
/// exit status 130.
#[cfg(unix)]
#[test]
fn n_init_is_bounded_and_a_long_clustering_stops_on_ctrl_c() {
    assert_eq!(kmeans::MAX_N_INIT, 1000, "the help text says 1 to 1000");
    let help = stdout(&run(&["cluster", "--help"]));
    assert!(help.contains("1 to 1000"), "{help}");
    assert!(stdout(&run(&["report", "--help"])).contains("1 to 1000"));
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("file,a,b,c\n");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..20_000 {
        let mut v = [0.0; 3];
        for x in &mut v {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *x = (state % 10_000) as f64 / 100.0;
        }
        text.push_str(&format!("f{i}.wav,{},{},{}\n", v[0], v[1], v[2]));
    }
    std::fs::write(dir.path().join("t.csv"), text).unwrap();
    let out = run_or_kill_after_30s(
        dir.path(),
        &["cluster", "t.csv", "-k", "2", "--n-init", "4294967295"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 to 1000"), "{}", stderr(&out));
    let mut child = spawn_in(
        dir.path(),
        &[
            "cluster", "t.csv", "-k", "12", "--n-init", "1000", "--init", "random",
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the clustering ended before Ctrl-C"
    );
    let sent = std::time::Instant::now();
    send_signal(child.id(), 2);
    while child.try_wait().unwrap().is_none() {
        assert!(
            sent.elapsed() < std::time::Duration::from_secs(10),
            "still clustering 10 s after Ctrl-C"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(child.wait().unwrap().code(), Some(130));
}

/// Row 8: negative cents after `--tuning` are a value, not a flag (`--tuning=-50` always
/// worked); the tuning reaches the table.
#[test]
fn negative_tuning_is_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("a4.wav");
    write_tone_of(&tone, 69, 1.0, 22_050);
    for command in ["notes", "key"] {
        let out = run_in(
            dir.path(),
            &[command, "a4.wav", "--tuning", "-50", "-o", "t.csv"],
        );
        assert!(out.status.success(), "{command}: {}", stderr(&out));
        let table = read_table(&dir.path().join("t.csv"));
        let cents = floats(&table, "tuning_cents");
        // Cents go through a frequency ratio and back: equal to 1e-9.
        assert!((cents[0] + 50.0).abs() < 1e-9, "{command}: {cents:?}");
    }
}

/// Row 11: `--embed-clips 0` is refused in words that include 0's side of the range.
#[test]
fn embed_clips_zero_is_refused_as_not_above_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "file,a,b\nx,0,1\ny,1,0\nz,1,1\n").unwrap();
    for seconds in ["0", "60.5"] {
        let out = run_in(
            dir.path(),
            &[
                "report",
                "t.csv",
                "-k",
                "2",
                "--embed-clips",
                seconds,
                "-o",
                "r.html",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("above 0 and at most 60"), "{err}");
        assert!(!err.contains("between 0 and"), "{err}");
    }
}

/// Row 5: file names a spreadsheet would run as formulas get a quote in front in CSV cells
/// (OWASP's rule), and only there; the CSV reads back to the names themselves (`--update`
/// finds every row, `cluster` of the CSV names the files as they are).
#[test]
fn formula_names_are_neutralised_in_csv_and_read_back_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        // The issue's `=cmd|' /C calc'!A0.wav` with `-` for `/`, which no Unix name holds.
        "=cmd|' -C calc'!A0.wav",
        "@SUM(1+1).wav",
        "+1.wav",
        "-2.wav",
        "'=quoted.wav",
        "plain.wav",
    ];
    for (i, name) in names.iter().enumerate() {
        write_tone_of(&dir.path().join(name), 57 + 2 * i as u8, 0.5, 8000);
    }
    let notes = |out: &str, update: bool| {
        let mut args = vec!["notes", "-o", out];
        if update {
            args.push("--update");
        }
        args.push("--");
        args.extend(names);
        run_in(dir.path(), &args)
    };
    let out = notes("t.csv", false);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    for (name, cell) in [
        ("=cmd", "'=cmd|' -C calc'!A0.wav,"),
        ("@SUM", "'@SUM(1+1).wav,"),
        ("+1", "'+1.wav,"),
        ("-2", "'-2.wav,"),
        ("'=quoted", "''=quoted.wav,"),
        ("plain", "plain.wav,"),
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(cell)),
            "{name}: no line starts with {cell:?}:\n{text}"
        );
    }
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    let mut files = strings(&read_table(&dir.path().join("t.csv")), "file");
    files.sort();
    assert_eq!(files, expected, "the CSV does not read back to the names");
    for table in ["t.parquet", "t.json"] {
        let out = notes(table, false);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut files = strings(&read_table(&dir.path().join(table)), "file");
        files.sort();
        assert_eq!(files, expected, "{table} changed the names");
    }
    let out = notes("t.csv", true);
    assert!(
        stderr(&out).contains("6 row(s) reused, 0 file(s) analysed"),
        "{}",
        stderr(&out)
    );
    let out = run_in(dir.path(), &["cluster", "t.csv", "-k", "2", "-o", "c.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let labels = std::fs::read_to_string(dir.path().join("c.csv")).unwrap();
    assert!(
        labels.lines().any(|l| l.starts_with("'@SUM(1+1).wav,")),
        "{labels}"
    );
    let mut files = strings(&read_table(&dir.path().join("c.csv")), "file");
    files.sort();
    assert_eq!(files, expected);
}

/// Row 6: a name with the byte 0xFF and a name spelling `\xFF` in text are two rows with two
/// labels in every format, `--update` reuses both, and the report links each to its own bytes.
#[cfg(unix)]
#[test]
fn a_name_that_is_not_utf8_and_its_escaped_spelling_stay_two_files() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir(&music).unwrap();
    write_tone_of(
        &music.join(std::ffi::OsStr::from_bytes(b"bad\xFFbyte.wav")),
        60,
        0.5,
        8000,
    );
    write_tone_of(&music.join("bad\\xFFbyte.wav"), 69, 0.5, 8000);
    let raw_label = "music/bad\\xFFbyte.wav";
    let spelled_label = "music/bad\\\\xFFbyte.wav";
    for table in ["t.csv", "t.parquet", "t.json"] {
        let out = run_in(dir.path(), &["notes", "music", "-o", table]);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut files = strings(&read_table(&dir.path().join(table)), "file");
        files.sort();
        assert_eq!(files, [spelled_label, raw_label], "{table}");
        let out = run_in(dir.path(), &["notes", "music", "-o", table, "--update"]);
        assert!(
            stderr(&out).contains("2 row(s) reused, 0 file(s) analysed"),
            "{table}: {}",
            stderr(&out)
        );
    }
    let out = run_in(dir.path(), &["report", "music", "-k", "2", "-o", "r.html"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(
        html.contains("music/bad%FFbyte.wav"),
        "no link to the 0xFF bytes"
    );
    assert!(
        html.contains("music/bad%5CxFFbyte.wav"),
        "no link to the spelled name"
    );
    let out = run_in(
        dir.path(),
        &["report", "t.parquet", "-k", "2", "-o", "r2.html"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("r2.html")).unwrap();
    assert!(html.contains("music/bad%FFbyte.wav") && html.contains("music/bad%5CxFFbyte.wav"));
}

/// Row 1: an output that is, or would be, an audio file among the inputs is refused (exit 2)
/// before any work, whatever its extension and however it is spelled; the audio is intact.
#[cfg(unix)]
#[test]
fn an_output_that_is_or_would_be_an_audio_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder(&audio, 0..3);
    std::fs::create_dir(audio.join("sub")).unwrap();
    write_tone(&audio.join("sub/a.wav"), 60, 1);
    std::os::unix::fs::symlink(&audio, dir.path().join("link")).unwrap();
    std::os::unix::fs::symlink(audio.join("t01.wav"), dir.path().join("model.json")).unwrap();
    let before: Vec<Vec<u8>> = ["t00.wav", "t01.wav", "sub/a.wav"]
        .iter()
        .map(|f| std::fs::read(audio.join(f)).unwrap())
        .collect();
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/t00.wav",
        ],
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/sub/a.wav",
        ],
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/sub/../t01.wav",
        ],
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "link/t00.wav",
        ],
        // A link to an input: the model would be written where the link is, but refuse it.
        vec!["cluster", "audio", "-k", "2", "--save-model", "model.json"],
        // A new audio file name in the folder being analysed: the next run would read it.
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/new.wav",
        ],
        vec![
            "cluster",
            "link",
            "-k",
            "2",
            "--save-model",
            "audio/sub/new.FLAC",
        ],
        vec!["notes", "audio", "-o", "link/sub/a.wav"],
        vec![
            "plot",
            "clusters",
            "audio",
            "-k",
            "2",
            "-o",
            "audio/t00.wav",
        ],
        vec!["report", "audio", "-k", "2", "-o", "audio/t00.wav"],
        vec![
            "predict",
            "--model",
            "m.json",
            "audio",
            "-o",
            "audio/t00.wav",
        ],
        vec!["key", "audio", "-o", "audio/x.mp3"],
    ];
    for args in &cases {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    let after: Vec<Vec<u8>> = ["t00.wav", "t01.wav", "sub/a.wav"]
        .iter()
        .map(|f| std::fs::read(audio.join(f)).unwrap())
        .collect();
    assert!(before == after, "an audio input was replaced");
    assert!(!audio.join("new.wav").exists());
    let err = stderr(&run_in(dir.path(), &cases[0]));
    assert!(
        err.contains("audio/t00.wav") && err.contains("audio input"),
        "{err}"
    );
    // Outputs beside the audio that no run takes as input stay allowed.
    let out = run_in(
        dir.path(),
        &[
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/model.json",
            "-o",
            "audio/c.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Row 13: a column named twice, in `--columns` or in a model's `columns`, is refused naming it.
#[test]
fn a_column_named_twice_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "file,A,B\nx,0,1\ny,1,0\nz,1,1\nw,0,0\n",
    )
    .unwrap();
    for (command, columns) in [("cluster", "A,A,A"), ("report", "B,A,B")] {
        let mut args = vec![command, "t.csv", "-k", "2", "--columns", columns];
        if command == "report" {
            args.extend(["-o", "r.html"]);
        }
        let out = run_in(dir.path(), &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        let name = &columns[..1];
        assert!(err.contains(&format!("\"{name}\" twice")), "{err}");
    }
    let out = run_in(
        dir.path(),
        &[
            "cluster",
            "t.csv",
            "-k",
            "2",
            "--columns",
            "A,B",
            "--save-model",
            "m.json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let model = std::fs::read_to_string(dir.path().join("m.json")).unwrap();
    let twice = model.replacen("\"B\"", "\"A\"", 1);
    assert_ne!(twice, model, "no column B in the model: {model}");
    std::fs::write(dir.path().join("twice.json"), twice).unwrap();
    let out = run_in(dir.path(), &["predict", "--model", "twice.json", "t.csv"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("twice.json") && err.contains("`A` is named twice"),
        "{err}"
    );
}

/// Row 12: `--update` while files are deleted mid-run counts their rows as removed (vanished
/// during the run), not as changed, so the counts say what happened to every row.
#[test]
fn update_counts_files_deleted_during_the_run_as_removed() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    // t00, t01 short; t02..t09 long enough that the run is still before t10 when they go.
    let write = |shift: u8| {
        synth_folder_with(&audio, 0..20, |path, midi, i| {
            let seconds = if (2..10).contains(&i) { 20.0 } else { 1.0 };
            write_tone_of(path, midi + shift, seconds, 22_050)
        })
    };
    write(0);
    let args = UPDATE_T_CSV_ONE_BY_ONE;
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    // Every file changes (so each is analysed again), then t10..t19 vanish mid-run.
    write(1);
    let table = dir.path().join("t.csv");
    let mut child = spawn_in(dir.path(), &args);
    assert!(
        wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 2)),
        "the run ended early"
    );
    for i in 10..20 {
        std::fs::remove_file(audio.join(format!("t{i:02}.wav"))).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(
        err.contains(
            "0 row(s) reused, 10 file(s) analysed (0 new, 10 changed), 10 removed, 0 failed"
        ),
        "{err}"
    );
    assert_eq!(read_table(&table).height(), 10);
}

/// Row 10: a CSV that does not read as a table says what is wrong in words: the delimiter it
/// uses, no rows, line N has M fields (never polars' advice about a reader option).
#[test]
fn csv_files_that_are_not_tables_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, expected) in [
        (
            "semi.csv",
            "file;A;B\nx;0;1\ny;1;0\nz;1;1\n",
            "separated by ';'",
        ),
        (
            "tabs.csv",
            "file\tA\tB\nx\t0\t1\ny\t1\t0\n",
            "separated by tabs",
        ),
        (
            "header.csv",
            "file,A,B\n",
            "has a header row (3 column(s)) but no rows",
        ),
        (
            "long.csv",
            "file,A,B\nx,0,1\ny,1,0,5\nz,1,1\n",
            "line 3 has 4 field(s) but the header row has 3",
        ),
        (
            "short.csv",
            "file,A,B\nx,0,1\ny,1\nz,1,1\n",
            "line 3 has 2 field(s) but the header row has 3",
        ),
        ("empty.csv", "", "the file is empty"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let out = run_in(dir.path(), &["cluster", name, "-k", "2"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(name) && err.contains(expected),
            "{name}: {err}"
        );
        for wrong in ["\\n", "truncate_ragged_lines", "no numeric feature column"] {
            assert!(!err.contains(wrong), "{name}: {err}");
        }
    }
}

/// Row 7: `info` shows the decoded length, and a header claiming something else beside it as
/// a claim (a WAV stating 24 h with 3 s of data, FLACs with a changed total_samples).
#[test]
fn info_shows_the_decoded_length_not_a_header_claim() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Bytes 40..44 of a canonical WAV header: the data chunk's size (22,050 Hz, 16-bit mono);
    // 4..8 the RIFF size, which must hold it.
    patched_copy("formats/wav_pcm_s16le_22050_1ch.wav", d, "day.wav", |b| {
        let data = 86_400u32 * 22_050 * 2;
        b[40..44].copy_from_slice(&data.to_le_bytes());
        b[4..8].copy_from_slice(&(data + 36).to_le_bytes());
    });
    // Bytes 18..26: STREAMINFO's rate, channels, bits and (low 36 bits) total samples.
    let total = |samples: u64| {
        move |b: &mut Vec<u8>| {
            let mut v = u64::from_be_bytes(b[18..26].try_into().unwrap());
            v = (v & !((1u64 << 36) - 1)) | samples;
            b[18..26].copy_from_slice(&v.to_be_bytes());
        }
    };
    patched_copy(
        "formats/flac_s16_44100_2ch.flac",
        d,
        "huge.flac",
        total((1 << 36) - 1),
    );
    patched_copy("formats/flac_s16_44100_2ch.flac", d, "zero.flac", total(0));
    let out = run_in(d, &["info", "day.wav", "huge.flac", "zero.flac"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
            .to_string()
    };
    let day = line("day.wav");
    assert!(
        day.contains(" 66150 ") && day.contains("3.000 (header claims 86400.000)"),
        "{day}"
    );
    let huge = line("huge.flac");
    assert!(
        huge.contains(" 132300 ") && huge.contains("3.000 (header claims 1558264."),
        "{huge}"
    );
    let zero = line("zero.flac");
    assert!(
        zero.contains(" 132300 ") && zero.contains("3.000"),
        "{zero}"
    );
}

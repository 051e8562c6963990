//! Golden-data tests of the mid-term statistics against pyAudioAnalysis 0.3.14's own
//! `mid_feature_extraction`, `beat_extraction` and `directory_feature_extraction`
//! (`testdata/reference/pyaa-midterm/`, made by its `generate.py`; see its README).
//!
//! Tolerance, per column of each golden table: `|ours - ref| <= 1e-6 * max|ref column| + 1e-9`,
//! the short-term features' tolerance (features.md); the beat's bpm must be equal.

use std::path::{Path, PathBuf};

use stfeatures::midterm::{
    beat_extraction, directory_feature_extraction, mid_feature_extraction, MidTermSpec,
};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");
const REL_TOL: f64 = 1e-6;
const ABS_TOL: f64 = 1e-9;

fn golden_dir() -> PathBuf {
    Path::new(TESTDATA).join("reference/pyaa-midterm")
}

/// A CSV as header and rows of fields (no quoting in these files).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let split = |l: &str| l.split(',').map(str::to_owned).collect::<Vec<_>>();
    let header = split(lines.next().expect("header"));
    (header, lines.map(split).collect())
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// Asserts `ours` (rows) equals `golden` (rows) column by column within the tolerance.
fn assert_close(what: &str, names: &[String], ours: &[Vec<f64>], golden: &[Vec<f64>]) {
    assert_eq!(ours.len(), golden.len(), "{what}: row count");
    for (j, name) in names.iter().enumerate() {
        let scale = golden.iter().map(|r| r[j].abs()).fold(0.0, f64::max);
        let tol = REL_TOL * scale + ABS_TOL;
        for (i, (o, g)) in ours.iter().zip(golden).enumerate() {
            assert!(
                (o[j] - g[j]).abs() <= tol,
                "{what}: row {i} column {name}: ours {} reference {} (tolerance {tol:e})",
                o[j],
                g[j]
            );
        }
    }
}

struct IndexRow {
    function: String,
    /// e.g. `m1.0_s0.5_w0.050_h0.025`: the short-term step in seconds follows `_h`.
    config: String,
    input: String,
    fields: Vec<f64>,
    bpm: f64,
    ratio: f64,
    output: String,
}

fn index() -> Vec<IndexRow> {
    let (header, rows) = read_csv(&golden_dir().join("INDEX.csv"));
    let col = |n: &str| header.iter().position(|h| h == n).expect(n);
    rows.into_iter()
        .map(|r| IndexRow {
            function: r[col("function")].clone(),
            input: r[col("input")].clone(),
            config: r[col("config")].clone(),
            fields: ["mid_window", "mid_step", "short_window", "short_step"]
                .iter()
                .map(|n| num(&r[col(n)]))
                .collect(),
            bpm: r[col("bpm")].parse().unwrap_or(f64::NAN),
            ratio: r[col("ratio")].parse().unwrap_or(f64::NAN),
            output: r[col("output")].clone(),
        })
        .collect()
}

#[test]
fn mid_feature_extraction_and_beat_equal_the_reference() {
    let rows: Vec<IndexRow> = index()
        .into_iter()
        .filter(|r| r.function == "mid_feature_extraction")
        .collect();
    assert!(rows.len() >= 10, "golden index lists {} files", rows.len());
    for row in rows {
        let path = Path::new(TESTDATA).join("corpus").join(&row.input);
        let signal = audio_io::read_mono(&path).expect("corpus file decodes");
        let f = &row.fields;
        let spec = MidTermSpec::samples(f[0], f[1], f[2], f[3]);
        let (mid, short) =
            mid_feature_extraction(&signal.raw_samples(), signal.sample_rate(), &spec)
                .unwrap_or_else(|e| panic!("{}: {e}", row.input));
        let (names, golden) = read_csv(&golden_dir().join(&row.output));
        assert_eq!(mid.names(), &names[..], "{}: names", row.input);
        let golden: Vec<Vec<f64>> = golden
            .iter()
            .map(|r| r.iter().map(|s| num(s)).collect())
            .collect();
        let ours: Vec<Vec<f64>> = (0..mid.n_windows()).map(|i| mid.row(i).to_vec()).collect();
        assert_close(&row.output, &names, &ours, &golden);

        // beat_extraction was given the step in seconds, as directory_feature_extraction does.
        let step_s = num(row
            .config
            .rsplit("_h")
            .next()
            .expect("config names the step"));
        let beat = beat_extraction(&short, step_s).expect("beat");
        assert_eq!(beat.bpm, row.bpm, "{}: bpm", row.input);
        assert!(
            (beat.ratio - row.ratio).abs() <= 1e-9,
            "{}: beat ratio {} vs {}",
            row.input,
            beat.ratio,
            row.ratio
        );
    }
}

#[test]
fn directory_feature_extraction_equals_the_reference() {
    let rows: Vec<IndexRow> = index()
        .into_iter()
        .filter(|r| r.function == "directory_feature_extraction")
        .collect();
    assert!(rows.len() >= 4, "golden index lists {} folders", rows.len());
    let corpus = Path::new(TESTDATA).join("corpus");
    for row in rows {
        let f = &row.fields;
        let dir =
            directory_feature_extraction(corpus.join(&row.input), f[0], f[1], f[2], f[3], true)
                .unwrap_or_else(|e| panic!("{}: {e}", row.input));
        assert!(dir.skipped.is_empty(), "{}: {:?}", row.input, dir.skipped);
        let (header, golden) = read_csv(&golden_dir().join(&row.output));
        assert_eq!(header[0], "file");
        assert_eq!(dir.names, header[1..], "{}: names", row.input);
        let files: Vec<String> = dir
            .files
            .iter()
            .map(|p| {
                p.strip_prefix(&corpus)
                    .expect("under corpus")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let golden_files: Vec<&str> = golden.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(files, golden_files, "{}: files", row.input);
        let golden: Vec<Vec<f64>> = golden
            .iter()
            .map(|r| r[1..].iter().map(|s| num(s)).collect())
            .collect();
        assert_close(&row.output, &dir.names, &dir.rows, &golden);
    }
}

/// The reference appends a file's name before its NaN check and stops at a file it cannot
/// decode; here a bad file is skipped with its cause and the names stay aligned with the rows.
#[test]
fn directory_feature_extraction_reports_bad_files_and_keeps_names_aligned() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = Path::new(TESTDATA).join("corpus/notes/piano/69_A4.wav");
    std::fs::copy(&good, dir.path().join("a_good.wav")).expect("copy");
    std::fs::copy(
        Path::new(TESTDATA).join("corpus/bad/nan_inf.wav"),
        dir.path().join("b_nan.wav"),
    )
    .expect("copy");
    std::fs::copy(
        Path::new(TESTDATA).join("corpus/bad/short_10ms.wav"),
        dir.path().join("c_short.wav"),
    )
    .expect("copy");
    std::fs::write(dir.path().join("d_empty.wav"), b"").expect("write");
    std::fs::copy(
        Path::new(TESTDATA).join("corpus/bad/notes.wav"),
        dir.path().join("e_text.wav"),
    )
    .expect("copy");
    std::fs::copy(&good, dir.path().join("f_good.wav")).expect("copy");
    std::fs::write(dir.path().join("ignored.txt"), b"not audio").expect("write");

    let out = directory_feature_extraction(dir.path(), 1.0, 0.5, 0.05, 0.025, true).expect("dir");
    let names: Vec<_> = out
        .files
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a_good.wav", "f_good.wav"]);
    assert_eq!(out.rows.len(), 2);
    assert_eq!(out.rows[0], out.rows[1]);
    assert_eq!(out.rows[0].len(), 138);
    let skipped: Vec<_> = out
        .skipped
        .iter()
        .map(|s| {
            s.path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        skipped,
        ["b_nan.wav", "c_short.wav", "d_empty.wav", "e_text.wav"]
    );
    for s in &out.skipped {
        let message = s.error.to_string();
        let name = s.path.file_name().expect("name").to_string_lossy();
        assert!(message.contains(name.as_ref()), "{message:?} names {name}");
    }
}

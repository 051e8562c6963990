//! Golden-data tests: every corpus file with a pyAudioAnalysis reference matrix
//! (`testdata/reference/INDEX.csv`, status `ok`), all 34 columns, frame by frame.
//!
//! Tolerance (features.md, "How close is close enough"), per column j of each file:
//! lossless files must satisfy `|ours - ref| <= 1e-6 * max|ref column j| + 1e-9` on every frame
//! (a per-element relative tolerance is meaningless on frames of digital silence, where FFT
//! rounding noise of 1e-17 decides spread and MFCC 2..13). Lossy files (MP3, Vorbis), decoded by
//! symphonia instead of ffmpeg, are held to: frame count within one frame, and each column's
//! Pearson correlation with the reference above 0.99 over the common frames, both over all frames
//! and over the audible ones; the one exception is spectral_flux over all frames, held to 0.70
//! (see `MIN_FLUX_CORRELATION_ALL_FRAMES` for the measured reason).
//!
//! Samples are fed in the scale the reference's reader gave (INDEX.csv `raw_dtype`): `float32` as
//! stored, `int16` * 2^15, `int32` (24- and 32-bit, left-justified) * 2^31, `uint8` * 2^7.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use stfeatures::{FeatureExtractor, FeatureMatrix, FrameSpec, FEATURE_NAMES, N_FEATURES};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

/// Relative part of the lossless tolerance (times the column's largest magnitude).
const REL_TOL: f64 = 1e-6;
/// Absolute part of the lossless tolerance.
const ABS_TOL: f64 = 1e-9;
/// Minimum per-column correlation for lossy files.
const MIN_CORRELATION: f64 = 0.99;
/// Lowered bar for `spectral_flux` over all frames of a lossy file. Reason: the flux compares
/// spectra each divided by its own sum, so it is scale-free and, in near-silent frames, decided
/// by the decoder's rounding. Measured with symphonia: the Salsa MP3 opens with frames of energy
/// ~1e-12 (1e-10 of its loudest); in frame 1 ffmpeg's samples give flux 0.973 (the file's
/// largest), symphonia's 0.137, and that one frame takes the correlation over 9738 frames to
/// 0.7056. Over the audible frames (below) the flux correlates at 0.9999999.
const MIN_FLUX_CORRELATION_ALL_FRAMES: f64 = 0.70;
/// Frames whose reference energy (or whose previous frame's, for the flux) is below this
/// fraction of the file's largest frame energy are "near-silent" for the lossy comparison.
const AUDIBLE_ENERGY_FRACTION: f64 = 1e-9;
/// Column of spectral_flux.
const FLUX: usize = 6;

/// One row of INDEX.csv.
#[derive(Debug, Clone)]
struct IndexRow {
    path: String,
    reader: String,
    raw_dtype: String,
    fs: u32,
    n_frames: usize,
    output: String,
}

/// Splits one CSV line, honouring double quotes (the corpus has a name with spaces, none with
/// commas, but be safe).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

fn read_index() -> Vec<IndexRow> {
    let text = std::fs::read_to_string(format!("{TESTDATA}/reference/INDEX.csv"))
        .expect("testdata/reference/INDEX.csv");
    let mut lines = text.lines();
    let header = split_csv(lines.next().expect("header"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (c_path, c_status, c_reader, c_dtype, c_fs, c_frames, c_out) = (
        col("path"),
        col("status"),
        col("reader"),
        col("raw_dtype"),
        col("fs"),
        col("n_frames"),
        col("output"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(split_csv)
        .filter(|f| f[c_status] == "ok")
        .map(|f| IndexRow {
            path: f[c_path].clone(),
            reader: f[c_reader].clone(),
            raw_dtype: f[c_dtype].clone(),
            fs: f[c_fs].parse().expect("fs"),
            n_frames: f[c_frames].parse().expect("n_frames"),
            output: f[c_out].clone(),
        })
        .collect()
}

/// The reference matrix: header of 34 names, one row per frame.
fn read_reference(output: &str) -> Vec<[f64; N_FEATURES]> {
    let path = PathBuf::from(format!("{TESTDATA}/reference/{output}"));
    let mut text = String::new();
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if output.ends_with(".gz") {
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .expect("gunzip");
    } else {
        std::io::BufReader::new(file)
            .read_to_string(&mut text)
            .expect("read");
    }
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(header, FEATURE_NAMES, "{output}: header");
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().expect("f64")).collect();
            v.try_into().expect("34 values")
        })
        .collect()
}

/// Factor from audio-io's normalised samples to the reference reader's raw scale.
fn raw_scale(dtype: &str) -> f64 {
    match dtype {
        "float32" | "float64" => 1.0,
        "int16" => 32768.0,
        "int32" => 2147483648.0,
        "uint8" => 128.0,
        other => panic!("unknown raw dtype {other}"),
    }
}

fn is_lossy(row: &IndexRow) -> bool {
    let ext = Path::new(&row.path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    matches!(ext, "mp3" | "ogg" | "m4a" | "aac")
}

/// Our features for a corpus file, decoded by audio-io and brought to the reference reader's
/// scale by `extract_signal` (audio-io's `raw_scale`, checked against the dtype the reference's
/// reader gave).
fn ours(row: &IndexRow) -> FeatureMatrix {
    let path = format!("{TESTDATA}/corpus/{}", row.path);
    let signal = audio_io::read_mono(&path).unwrap_or_else(|e| panic!("{}: {e}", row.path));
    assert_eq!(signal.info.sample_rate, row.fs, "{}: sample rate", row.path);
    assert_eq!(
        signal.info.raw_scale(),
        raw_scale(&row.raw_dtype),
        "{}: raw scale",
        row.path
    );
    let mut ex = FeatureExtractor::new(row.fs, FrameSpec::default()).expect("extractor");
    ex.extract_signal(&signal)
        .unwrap_or_else(|e| panic!("{}: {e}", row.path))
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

#[test]
fn index_covers_every_rate_and_encoding() {
    let rows = read_index();
    assert_eq!(rows.len(), 77);
    let rates: std::collections::BTreeSet<u32> = rows.iter().map(|r| r.fs).collect();
    for fs in [8000, 16000, 22050, 44100, 48000, 96000] {
        assert!(rates.contains(&fs), "rate {fs} missing");
    }
    let dtypes: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.raw_dtype.as_str()).collect();
    assert_eq!(dtypes.len(), 4, "{dtypes:?}");
}

#[test]
fn lossless_files_match_reference_within_1e6_of_column_max() {
    let rows: Vec<IndexRow> = read_index().into_iter().filter(|r| !is_lossy(r)).collect();
    let mut failures = Vec::new();
    for row in &rows {
        let reference = read_reference(&row.output);
        assert_eq!(
            reference.len(),
            row.n_frames,
            "{}: reference rows",
            row.path
        );
        let m = ours(row);
        if m.n_frames() != reference.len() {
            failures.push(format!(
                "{}: {} frames, reference {}",
                row.path,
                m.n_frames(),
                reference.len()
            ));
            continue;
        }
        let mut worst = 0.0f64;
        for (j, name) in FEATURE_NAMES.iter().enumerate() {
            let col_max = reference.iter().fold(0.0f64, |a, r| a.max(r[j].abs()));
            let tol = REL_TOL * col_max + ABS_TOL;
            let mut bad = 0;
            let mut first_bad = None;
            for (i, r) in reference.iter().enumerate() {
                let d = (m.row(i)[j] - r[j]).abs();
                if col_max > 0.0 {
                    worst = worst.max(d / col_max);
                }
                if d.is_nan() || d > tol {
                    bad += 1;
                    first_bad.get_or_insert((i, m.row(i)[j], r[j], d));
                }
            }
            if let Some((i, o, r, d)) = first_bad {
                failures.push(format!(
                    "{} [{}]: column {name}: {bad} frame(s) off, first frame {i}: ours {o:e}, \
                     reference {r:e}, |diff| {d:e} > tol {tol:e}",
                    row.path, row.reader
                ));
            }
        }
        println!(
            "{:60} {:>5} frames  worst |diff|/max|col| = {worst:.2e}",
            row.path,
            m.n_frames()
        );
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(rows.len() >= 70, "only {} lossless files", rows.len());
}

#[test]
fn lossy_files_correlate_with_reference() {
    let rows: Vec<IndexRow> = read_index().into_iter().filter(is_lossy).collect();
    assert!(!rows.is_empty());
    let mut failures = Vec::new();
    for row in &rows {
        let reference = read_reference(&row.output);
        let m = ours(row);
        let n = m.n_frames().min(reference.len());
        if m.n_frames().abs_diff(reference.len()) > 1 {
            failures.push(format!(
                "{}: {} frames, reference {}",
                row.path,
                m.n_frames(),
                reference.len()
            ));
        }
        let max_energy = reference[..n].iter().fold(0.0f64, |a, r| a.max(r[1]));
        let audible: Vec<usize> = (0..n)
            .filter(|&i| {
                let loud = |k: usize| reference[k][1] >= AUDIBLE_ENERGY_FRACTION * max_energy;
                loud(i) && (i == 0 || loud(i - 1))
            })
            .collect();
        assert!(
            audible.len() * 10 >= n * 9,
            "{}: mostly near-silent",
            row.path
        );
        let mut lowest = (1.0f64, "");
        for (j, name) in FEATURE_NAMES.iter().enumerate() {
            let a: Vec<f64> = (0..n).map(|i| m.row(i)[j]).collect();
            let b: Vec<f64> = reference[..n].iter().map(|r| r[j]).collect();
            let c = correlation(&a, &b);
            let bar = if j == FLUX {
                MIN_FLUX_CORRELATION_ALL_FRAMES
            } else {
                MIN_CORRELATION
            };
            let a: Vec<f64> = audible.iter().map(|&i| m.row(i)[j]).collect();
            let b: Vec<f64> = audible.iter().map(|&i| reference[i][j]).collect();
            let c_audible = correlation(&a, &b);
            for (c, bar, frames) in [(c, bar, "all"), (c_audible, MIN_CORRELATION, "audible")] {
                if c < lowest.0 {
                    lowest = (c, name);
                }
                if c.is_nan() || c <= bar {
                    failures.push(format!(
                        "{} [{}]: column {name}: correlation over {frames} frames {c:.5} <= {bar}",
                        row.path, row.reader
                    ));
                }
            }
        }
        println!(
            "{:60} {:>5} frames (ref {:>5})  lowest correlation {:.5} ({})",
            row.path,
            m.n_frames(),
            reference.len(),
            lowest.0,
            lowest.1
        );
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

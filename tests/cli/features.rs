//! `features`: the per-frame table against the reference, accurate chroma, mid-term statistics.

use super::*;

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

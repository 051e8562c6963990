//! Snapshot of the feature table for a few synthesized fixtures (values rounded to 4 decimals
//! so that last-digit floating-point changes do not churn the snapshot).

use std::f64::consts::PI;

use chroma::{analyze_samples, ProfileKind, TableOptions};
use chroma_table::table_of;

fn mix(parts: &[(f64, f64)], fs: u32, secs: f64) -> Vec<f64> {
    let n = (secs * f64::from(fs)) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(fs);
            parts
                .iter()
                .map(|(f, a)| a * (2.0 * PI * f * t).sin())
                .sum::<f64>()
        })
        .collect()
}

fn hz(midi: f64) -> f64 {
    440.0 * 2f64.powf((midi - 69.0) / 12.0)
}

#[test]
fn table_of_synthesized_fixtures() {
    let fs = 22050;
    let mut c_then_g = mix(&[(hz(60.0), 0.5)], fs, 1.0);
    c_then_g.extend(mix(&[(hz(67.0), 0.5)], fs, 0.5));
    let fixtures: Vec<(&str, Vec<f64>)> = vec![
        ("a4_sine.wav", mix(&[(440.0, 0.5)], fs, 1.0)),
        (
            "c_major_triad.wav",
            mix(
                &[(hz(60.0), 0.4), (hz(64.0), 0.3), (hz(67.0), 0.3)],
                fs,
                1.0,
            ),
        ),
        ("c4_then_g4.wav", c_then_g),
        (
            "e2_harmonic.wav",
            mix(
                &[
                    (hz(40.0), 0.3),
                    (2.0 * hz(40.0), 0.3),
                    (3.0 * hz(40.0), 0.2),
                ],
                fs,
                1.0,
            ),
        ),
        ("silence.wav", vec![0.0; fs as usize]),
    ];
    let opts = TableOptions::default();
    let analyses: Vec<_> = fixtures
        .iter()
        .map(|(name, x)| analyze_samples(name, x, fs, &opts).unwrap())
        .collect();
    let mut out = String::new();
    for kind in [ProfileKind::Dominant, ProfileKind::MeanChroma] {
        let df = table_of(&analyses, kind).unwrap();
        out.push_str(&format!("# {kind:?}\n"));
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        out.push_str(&names.join(","));
        out.push('\n');
        for i in 0..df.height() {
            let row: Vec<String> = df
                .columns()
                .iter()
                .map(|c| match c.get(i).unwrap() {
                    polars::prelude::AnyValue::Float64(v) => format!("{:.4}", v),
                    v => v.to_string().trim_matches('"').to_string(),
                })
                .collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    insta::assert_snapshot!(out);
}

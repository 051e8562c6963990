//! Single recorded notes detuned by almost half a semitone keep their pitch class, and their
//! tuning is measured: the corpus's piano and violin notes (C4..B4, FluidSynth renders,
//! `testdata/corpus/notes/`) resampled with a band-limited sinc resampler (rubato) so that
//! they sound 45 cents sharp or flat of equal temperament at A4 = 440 Hz.
//!
//! The renders are not all in tune to begin with (the sound font's violin samples lie between
//! -14 and +8 cents), so each note is first measured (its tuning estimate, exact to a fraction
//! of a cent on one clean note far from the half-semitone) and resampled by the rest: a violin
//! D4 at -14 cents moved by 45 cents more would be 59 cents flat, nearer C#4 than D4.

use std::path::Path;

use chroma::{analyze_samples, pitch_class_of_name, TableOptions};
use rubato::{
    Resampler, SincFixedIn, SincInterpolationParameters, SincInterpolationType, WindowFunction,
};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

/// Largest median tuning error allowed, cents (the target).
const MEDIAN_TUNING_ERROR_CENTS: f64 = 3.0;

/// `x` played `cents` higher at the same sample rate: resampled by `2^(-cents/1200)` (fewer
/// samples for a sharper note), with a 256-tap sinc filter; the filter's delay is dropped.
fn detuned(x: &[f64], cents: f64) -> Vec<f64> {
    let ratio = 2f64.powf(-cents / 1200.0);
    let params = SincInterpolationParameters {
        sinc_len: 256,
        f_cutoff: 0.95,
        interpolation: SincInterpolationType::Cubic,
        oversampling_factor: 256,
        window: WindowFunction::BlackmanHarris2,
    };
    let mut resampler = SincFixedIn::<f64>::new(ratio, 1.0, params, x.len(), 1).expect("plan");
    let delay = resampler.output_delay();
    let out = resampler.process(&[x], None).expect("resample");
    out[0][delay.min(out[0].len())..].to_vec()
}

/// The notes: (name, pitch class, samples, sample rate).
fn notes() -> Vec<(String, usize, Vec<f64>, u32)> {
    let mut out = Vec::new();
    for instrument in ["piano", "violin"] {
        let dir = Path::new(TESTDATA).join("corpus/notes").join(instrument);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("notes folder")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for path in files {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            // `60_C4`, `61_Cs4`: the note's name after the MIDI number, `s` for sharp.
            let name = stem.split('_').nth(1).expect("name");
            let letter = name.trim_end_matches(char::is_numeric).replace('s', "#");
            let pc = pitch_class_of_name(&letter).expect("pitch class");
            let signal = audio_io::read_mono(&path).expect("note");
            out.push((
                format!("{instrument}/{stem}"),
                pc,
                signal.samples.clone(),
                signal.sample_rate(),
            ));
        }
    }
    assert_eq!(out.len(), 24);
    out
}

#[test]
fn notes_detuned_by_45_cents_keep_their_pitch_class_and_their_tuning_is_measured() {
    let options = TableOptions::default();
    let mut wrong = Vec::new();
    let mut errors = Vec::new();
    for (name, pc, x, fs) in notes() {
        let own = analyze_samples(&name, &x, fs, &options)
            .expect("analysis")
            .tuning_cents;
        assert!(own.abs() < 20.0, "{name}: {own}");
        for cents in [-45.0, 45.0] {
            let y = detuned(&x, cents - own);
            let a = analyze_samples(&name, &y, fs, &options).expect("analysis");
            if a.profile.top_note() != Some(pc) || a.profile.top_mean_note() != Some(pc) {
                wrong.push(format!(
                    "{name} {cents:+}: dominant {:?}, mean {:?}, tuning {:.2}",
                    a.profile.top_note(),
                    a.profile.top_mean_note(),
                    a.tuning_cents
                ));
            }
            errors.push(((a.tuning_cents - cents).abs(), format!("{name} {cents:+}")));
        }
    }
    assert!(wrong.is_empty(), "{} of 48 moved: {wrong:#?}", wrong.len());
    errors.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = 0.5 * (errors[23].0 + errors[24].0);
    let worst = errors.last().unwrap();
    println!(
        "tuning error: median {median:.2} cents, worst {:.2} ({})",
        worst.0, worst.1
    );
    assert!(
        median <= MEDIAN_TUNING_ERROR_CENTS,
        "median tuning error {median:.2} cents; worst: {:?}",
        &errors[40..]
    );
}

#[test]
fn the_resampler_detunes_by_the_cents_asked() {
    // A 440 Hz sine resampled 45 cents up is at 440 * 2^(45/1200) Hz: the tuning estimate of
    // a pure tone is right to within half a cent, so it measures the resampler.
    let fs = 22050;
    let x: Vec<f64> = (0..2 * fs)
        .map(|i| (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / f64::from(fs)).sin())
        .collect();
    for cents in [-45.0, 45.0] {
        let a = analyze_samples("sine", &detuned(&x, cents), fs, &TableOptions::default())
            .expect("analysis");
        assert!(
            (a.tuning_cents - cents).abs() < 0.5,
            "{cents}: {}",
            a.tuning_cents
        );
    }
}

//! Chroma speed on a synthesized 3-minute 44.1 kHz mono "song" (triads with harmonics, a bass
//! line and a little noise), one thread, plain `Instant` timing, best of 3 runs.
//!
//! Prints seconds of audio per CPU second ("realfactor") for:
//! - FFT-only baseline: the accurate analyser's framing (8192-sample Hann frames, hop 2048)
//!   with only the window multiply and the transform the analyser runs per frame (a
//!   single-precision complex FFT of the frame packed as 4096 pairs); and, for comparison
//!   with earlier figures, the double-precision real FFT (realfft) it used before;
//! - accurate chroma (`AccurateChroma::chromagram`, default parameters), and its ratio to the
//!   baseline;
//! - the same with the tuning fixed at 440 Hz (`Tuning::Fixed`, the chroma before tuning
//!   estimation) and with the default estimated tuning plus the key estimate
//!   (`KeyFinder::estimate_chromagram`): what tuning and key add to the profile's time;
//! - pyaa: `stfeatures::FeatureExtractor::extract` (all 34 features at 50 ms / 25 ms, which is
//!   how the reference's chroma is computed) and the profile from it.
//!
//! Run: `cargo bench -p chromacluster-chroma --bench chroma`.

#[path = "../../../benches/timing.rs"]
mod timing;

use std::f64::consts::PI;

use chroma::{pyaa_chromagram, AccurateChroma, AccurateParams, KeyFinder, Tuning, VotePolicy};
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;
use stfeatures::{FeatureExtractor, FrameSpec};

const FS: u32 = 44100;
const SECONDS: f64 = 180.0;

fn song() -> Vec<f64> {
    let n = (SECONDS * f64::from(FS)) as usize;
    // I-V-vi-IV in C, one chord per second, MIDI root positions, plus bass an octave below.
    let chords: [[f64; 3]; 4] = [
        [60.0, 64.0, 67.0],
        [67.0, 71.0, 74.0],
        [57.0, 60.0, 64.0],
        [65.0, 69.0, 72.0],
    ];
    let hz = |m: f64| 440.0 * 2f64.powf((m - 69.0) / 12.0);
    let mut rng = audio_io::synth::SplitMix64::new(0x2545_F491_4F6C_DD1D);
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(FS);
            let c = &chords[(t as usize) % 4];
            let env = (-2.0 * t.fract()).exp();
            let mut s = 0.0;
            for (k, &m) in c.iter().enumerate() {
                for h in 1..=6 {
                    s +=
                        env / (h as f64 * 3.0) * (2.0 * PI * hz(m) * h as f64 * t + k as f64).sin();
                }
            }
            s += 0.3 * env * (2.0 * PI * hz(c[0] - 24.0) * t).sin();
            s += 0.01 * (rng.next_f64() - 0.5);
            0.2 * s
        })
        .collect()
}

/// [`timing::best_of`] in seconds.
fn best_of<T>(runs: usize, f: impl FnMut() -> T) -> f64 {
    timing::best_of(runs, f).as_secs_f64()
}

fn main() {
    let x = song();
    let params = AccurateParams::default();
    let mut analyser = AccurateChroma::new(FS, &params).expect("valid parameters");
    let (n_fft, hop) = (analyser.n_fft(), analyser.hop());

    let window: Vec<f64> = (0..n_fft)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n_fft as f64).cos())
        .collect();
    // Baseline: the same frames, window + the analyser's own transform only.
    let packed_fft = rustfft::FftPlanner::<f32>::new().plan_fft_forward(n_fft / 2);
    let mut packed = vec![Complex::<f32>::default(); n_fft / 2];
    let mut half = vec![Complex::<f32>::default(); n_fft / 2];
    let mut packed_scratch =
        vec![Complex::<f32>::default(); packed_fft.get_outofplace_scratch_len()];
    let t_fft = best_of(3, || {
        let mut acc = 0.0;
        let mut start = 0;
        while start + n_fft <= x.len() {
            // Eight samples at a time in memory order, as the analyser packs them.
            for (d, (s, w)) in packed.chunks_exact_mut(4).zip(
                x[start..start + n_fft]
                    .chunks_exact(8)
                    .zip(window.chunks_exact(8)),
            ) {
                let v: [f32; 8] = std::array::from_fn(|i| (s[i] * w[i]) as f32);
                for (j, d) in d.iter_mut().enumerate() {
                    *d = Complex {
                        re: v[2 * j],
                        im: v[2 * j + 1],
                    };
                }
            }
            packed_fft.process_outofplace_with_scratch(&mut packed, &mut half, &mut packed_scratch);
            acc += f64::from(half[100].re);
            start += hop;
        }
        acc
    });
    // The double-precision real FFT the analyser used before (realfft), for comparison.
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n_fft);
    let mut input = fft.make_input_vec();
    let mut output = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let t_fft64 = best_of(3, || {
        let mut acc = 0.0;
        let mut start = 0;
        while start + n_fft <= x.len() {
            for ((d, s), w) in input.iter_mut().zip(&x[start..start + n_fft]).zip(&window) {
                *d = s * w;
            }
            fft.process_with_scratch(&mut input, &mut output, &mut scratch)
                .expect("buffer lengths from the plan");
            acc += output[100].re;
            start += hop;
        }
        acc
    });

    let mut frames = 0;
    let t_acc = best_of(3, || {
        let g = analyser.chromagram(&x);
        frames = g.n_frames();
        g.note_profile(&VotePolicy::default())
    });

    let fixed = AccurateParams {
        tuning: Tuning::Fixed { cents: 0.0 },
        ..AccurateParams::default()
    };
    let mut fixed_analyser = AccurateChroma::new(FS, &fixed).expect("valid parameters");
    let t_fixed = best_of(3, || {
        fixed_analyser
            .chromagram(&x)
            .note_profile(&VotePolicy::default())
    });
    let finder = KeyFinder::default();
    let mut key = String::new();
    let t_keyed = best_of(3, || {
        let g = analyser.chromagram(&x);
        key = finder
            .estimate_chromagram(&g, &VotePolicy::default())
            .name();
        g.note_profile(&VotePolicy::default())
    });

    let raw: Vec<f64> = x.iter().map(|s| s * 32768.0).collect();
    let mut extractor = FeatureExtractor::new(FS, FrameSpec::default()).expect("valid framing");
    let mut pyaa_frames = 0;
    let t_pyaa = best_of(3, || {
        let m = extractor.extract(&raw).expect("long enough");
        pyaa_frames = m.n_frames();
        pyaa_chromagram(&m).note_profile(&VotePolicy::AllFrames)
    });

    println!("chroma bench: {SECONDS} s of synthetic audio at {FS} Hz, one thread, best of 3");
    println!(
        "  FFT-only baseline ({n_fft}-pt Hann, hop {hop}, {frames} frames): {:8.4} s  realfactor {:8.0}x",
        t_fft,
        SECONDS / t_fft
    );
    println!(
        "  (f64 real FFT, realfft, same frames:                {:8.4} s  realfactor {:8.0}x)",
        t_fft64,
        SECONDS / t_fft64
    );
    println!(
        "  accurate chroma + profile:                          {:8.4} s  realfactor {:8.0}x  ({:.2}x the baseline's time, {:.2}x the f64 real FFT's)",
        t_acc,
        SECONDS / t_acc,
        t_acc / t_fft,
        t_acc / t_fft64
    );
    println!(
        "  accurate, tuning fixed (A4 = 440 Hz) + profile:     {:8.4} s  realfactor {:8.0}x  ({:.2}x the baseline's time)",
        t_fixed,
        SECONDS / t_fixed,
        t_fixed / t_fft
    );
    println!(
        "  accurate, tuning estimated + profile + key ({key}): {:8.4} s  realfactor {:8.0}x  ({:.3}x the fixed tuning's time)",
        t_keyed,
        SECONDS / t_keyed,
        t_keyed / t_fixed
    );
    println!(
        "  pyaa (34 features, {pyaa_frames} frames) + profile:          {:8.4} s  realfactor {:8.0}x  ({:.2}x the baseline's time)",
        t_pyaa,
        SECONDS / t_pyaa,
        t_pyaa / t_fft
    );
}

//! The accurate chroma's unit tests: spectra, peaks, weights and streams against direct
//! computations, and the AVX2 and plain builds against each other.

use std::f64::consts::PI;

use super::frame::*;
use super::packed_fft::*;
use super::pitch_weights::*;
use super::*;
use crate::analysis::pitch_class::{first_argmax, pitch_class_of_midi};

fn tone(freq: f64, fs: u32, secs: f64) -> Vec<f64> {
    let n = (secs * fs as f64) as usize;
    (0..n)
        .map(|i| 0.5 * (2.0 * PI * freq * i as f64 / fs as f64).sin())
        .collect()
}

#[test]
fn window_lengths_scale_with_rate() {
    let p = AccurateParams::default();
    assert_eq!(p.n_fft(44100), 8192);
    assert_eq!(p.n_fft(22050), 4096);
    assert_eq!(p.n_fft(8000), 2048);
    assert_eq!(p.n_fft(96000), 16384);
}

#[test]
fn cosine_weighting_splits_quarter_tones() {
    let mut c = [0.0; 12];
    add_cosine_weighted(&mut c, 0.0, 1.0);
    assert_eq!(c[0], 1.0);
    assert_eq!(c.iter().sum::<f64>(), 1.0);
    let mut c = [0.0; 12];
    add_cosine_weighted(&mut c, -0.5, 1.0); // halfway A .. G#
    assert!((c[0] - c[11]).abs() < 1e-12 && c[0] > 0.0);
    let mut c = [0.0; 12];
    add_cosine_weighted(&mut c, 12.0 * 3.0 + 2.2, 1.0);
    assert_eq!(first_argmax(&c), 2);
    assert_eq!(c[3], 0.0);
}

#[test]
fn grouped_harmonics_equal_one_weighting_per_harmonic() {
    // The summation as specified: one cosine weighting per harmonic h at semis - 12 log2 h.
    for (harmonics, decay) in [(4, 0.6), (16, 0.9), (1, 0.6), (7, 0.0)] {
        let groups = harmonic_groups(harmonics, decay);
        for i in 0..500 {
            let semis = -40.0 + 0.1713 * i as f64;
            let mut naive = [0.0; 12];
            for h in 1..=harmonics {
                let offset = -12.0 * (h as f64).log2();
                add_cosine_weighted(&mut naive, semis + offset, 0.7 * decay.powi(h as i32 - 1));
            }
            let mut grouped = [0.0; 12];
            for &(fraction, classes, w) in &groups {
                add_cosine_weighted_shifted(&mut grouped, semis + fraction, classes, 0.7 * w);
            }
            for (a, b) in naive.iter().zip(&grouped) {
                assert!((a - b).abs() < 1e-12, "{semis}: {naive:?} vs {grouped:?}");
            }
        }
    }
    // h = 1, 2, 4 share one entry: two weightings per peak instead of four.
    assert_eq!(harmonic_groups(4, 0.6).len(), 2);
}

#[test]
fn lane_sum_matches_the_plain_sum() {
    let x: Vec<f64> = (0..1003)
        .map(|i| ((i * 37 % 101) as f64 - 50.0) * 0.01)
        .collect();
    let plain: f64 = x.iter().map(|v| v * v).sum();
    assert!((lane_sum(&x, |v| v * v) - plain).abs() < 1e-12 * plain);
}

/// The largest value of `x` (0 if none is positive; NaN ignored), as the analyser defines
/// a spectrum's maximum.
fn max_of(x: &[f64]) -> f64 {
    x.iter().copied().fold(0.0, f64::max)
}

/// realfft's spectrum of a real frame (the reference for [`power_of_packed`]).
fn realfft_power(frame: &[f64]) -> Vec<f64> {
    let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(frame.len());
    let mut input = frame.to_vec();
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut input, &mut spectrum).unwrap();
    spectrum.iter().map(|s| s.re * s.re + s.im * s.im).collect()
}

/// [`power_of_packed`] on `frame` (packed, windowed by `window`) with the mean `dc / n`.
fn packed_power(frame: &[f64], window: &[f64], dc: f64) -> (Vec<f64>, f64) {
    packed_power_to(frame, window, dc, frame.len() / 2)
}

/// [`packed_power`] with the bins `0..=needed` exact (the others only for the maximum).
fn packed_power_to(frame: &[f64], window: &[f64], dc: f64, needed: usize) -> (Vec<f64>, f64) {
    let n = frame.len();
    let fft = FftPlanner::<f32>::new().plan_fft_forward(n / 2);
    let mut packed = vec![Complex::default(); n / 2];
    pack_windowed(&mut packed, frame, window);
    let mut z = vec![Complex::default(); n / 2];
    let mut scratch = vec![Complex::default(); fft.get_outofplace_scratch_len()];
    fft.process_outofplace_with_scratch(&mut packed, &mut z, &mut scratch);
    let mut power = vec![f64::NAN; n / 2 + 1];
    let max = power_of_packed(&z, &unpacking_twiddles(n), dc, &mut power, needed);
    (power, max)
}

#[test]
fn packed_single_precision_power_spectrum_is_realffts_to_1e_6_of_the_peak() {
    // The whole spectrum (every bin, not only the peaks) within 1e-6 of its strongest bin,
    // and the strongest bin reported.
    for n in [16, 64, 8192] {
        let frame: Vec<f64> = (0..n)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) * 0.01 + (i as f64 * 0.05).sin())
            .collect();
        let (power, max) = packed_power(&frame, &vec![1.0; n], 0.0);
        let exact = realfft_power(&frame);
        let exact_max = max_of(&exact);
        assert_eq!(max, max_of(&power));
        assert!((max - exact_max).abs() <= 1e-6 * exact_max, "n = {n}");
        for (k, (a, b)) in power.iter().zip(&exact).enumerate() {
            assert!(
                (a - b).abs() <= 1e-6 * exact_max,
                "n = {n}, bin {k}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn bins_beyond_the_needed_ones_still_set_the_maximum() {
    // A 1 kHz tone (bin 186 of 8192 at 44.1 kHz) with a 15 kHz tone (bin 2786) 1x, 10x
    // and 0.01x as strong: the bins up to 929 (5 kHz) are exact, and the maximum is the
    // whole spectrum's however the strongest bin lies.
    let n = 8192;
    let window = hann(n);
    for high in [1.0, 10.0, 0.01] {
        let x: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64 / 44100.0;
                0.1 * (2.0 * PI * 1000.0 * t).sin() + 0.1 * high * (2.0 * PI * 15000.0 * t).sin()
            })
            .collect();
        let (all, all_max) = packed_power(&x, &window, 0.0);
        for needed in [929, 930, 1, 2048] {
            let (part, max) = packed_power_to(&x, &window, 0.0, needed);
            assert_eq!(max, all_max, "high {high}, needed {needed}");
            assert_eq!(
                part[..=needed],
                all[..=needed],
                "high {high}, needed {needed}"
            );
        }
    }
}

#[test]
fn mean_removed_in_the_spectrum_equals_centring_the_frame() {
    // A tone with an offset: windowing x and removing the mean from bins 0 and 1 gives the
    // spectrum of (x - mean) w within the single-precision rounding of the strongest bin.
    let n = 4096;
    let window = hann(n);
    let x: Vec<f64> = (0..n)
        .map(|i| 0.3 + 0.2 * (2.0 * PI * 440.0 * i as f64 / 22050.0).sin())
        .collect();
    let mean = lane_sum(&x, |v| v) / n as f64;
    let centred: Vec<f64> = x.iter().zip(&window).map(|(x, w)| (x - mean) * w).collect();
    let exact = realfft_power(&centred);
    let (power, max) = packed_power(&x, &window, mean * n as f64);
    assert_eq!(max, max_of(&power));
    let exact_max = max_of(&exact);
    assert!((max - exact_max).abs() <= 1e-6 * exact_max);
    for (k, (a, b)) in power.iter().zip(&exact).enumerate() {
        assert!((a - b).abs() <= 1e-6 * exact_max, "bin {k}: {a} vs {b}");
    }
    // Without the correction bin 0 would hold the offset, 9x the tone.
    let (uncorrected, _) = packed_power(&x, &window, 0.0);
    assert!(uncorrected[0] > 8.0 * exact_max);
}

#[test]
fn frame_energy_from_hop_sums_equals_the_two_pass_energy() {
    // 200,000 samples: past the pending buffer's compactions, each frame's energy is still
    // that of its own samples.
    let x: Vec<f64> = (0..200_000)
        .map(|i| 0.01 + 0.4 * (i as f64 * 0.031).sin() * (i as f64 * 0.0007).cos())
        .collect();
    assert!(x.len() > 2 * pending_capacity(4096));
    let mut a = AccurateChroma::new(22050, &AccurateParams::default()).unwrap();
    let (n, hop) = (a.n_fft(), a.hop());
    let energies = a.chromagram(&x).energies().to_vec();
    assert_eq!(energies.len(), (x.len() - n) / hop + 1);
    for (t, e) in energies.iter().enumerate() {
        let frame = &x[t * hop..t * hop + n];
        let mean = lane_sum(frame, |v| v) / n as f64;
        let exact = lane_sum(frame, |v| (v - mean) * (v - mean)) / n as f64;
        assert!(
            (e - exact).abs() <= 1e-12 * exact,
            "frame {t}: {e} vs {exact}"
        );
    }
    // A constant frame (its mean far above its variation) is centred sample by sample:
    // exactly zero energy, no peaks.
    let g = a.chromagram(&vec![0.25; 20_000]);
    assert!(g.energies().iter().all(|&e| e == 0.0));
    assert!(g.rows().iter().all(|r| r.iter().all(|&v| v == 0.0)));
}

#[test]
fn a440_is_a_and_c4_is_c() {
    let mut a = AccurateChroma::new(22050, &AccurateParams::default()).unwrap();
    let g = a.chromagram(&tone(440.0, 22050, 1.0));
    assert!(g.n_frames() > 3);
    for r in g.rows() {
        assert_eq!(first_argmax(r), 0);
    }
    let g = a.chromagram(&tone(261.6256, 22050, 1.0));
    assert_eq!(first_argmax(g.row(1)), pitch_class_of_midi(60));
}

#[test]
fn streaming_in_odd_blocks_equals_whole_signal() {
    // 10 s: the pending buffer (a window plus 64 Ki samples) is compacted twice.
    let x = tone(196.0, 16000, 10.0);
    assert!(x.len() > 2 * pending_capacity(4096));
    let mut a = AccurateChroma::new(16000, &AccurateParams::default()).unwrap();
    let whole = a.chromagram(&x);
    for chunk in x.chunks(777) {
        a.push(chunk);
    }
    let streamed = a.finish();
    assert_eq!(whole, streamed);
    // frames start every hop while start + n_fft <= len
    assert_eq!(whole.n_frames(), (x.len() - a.n_fft()) / a.hop() + 1);
}

#[test]
fn short_signal_gives_one_padded_frame_and_empty_gives_none() {
    let mut a = AccurateChroma::new(22050, &AccurateParams::default()).unwrap();
    let g = a.chromagram(&tone(440.0, 22050, 0.05));
    assert_eq!(g.n_frames(), 1);
    assert_eq!(first_argmax(g.row(0)), 0);
    assert_eq!(a.chromagram(&[]).n_frames(), 0);
}

#[test]
fn invalid_parameters_are_errors() {
    let p = AccurateParams {
        fmin_hz: -1.0,
        ..AccurateParams::default()
    };
    assert!(matches!(
        AccurateChroma::new(22050, &p),
        Err(ChromaError::InvalidParameter {
            name: "fmin_hz",
            ..
        })
    ));
    assert!(AccurateChroma::new(0, &AccurateParams::default()).is_err());
    let p = AccurateParams {
        harmonics: 0,
        ..AccurateParams::default()
    };
    assert!(AccurateChroma::new(22050, &p).is_err());
}

#[test]
fn polynomial_cosine_matches_the_library_cosine() {
    for i in 0..=10_000 {
        let y = std::f64::consts::FRAC_PI_2 * i as f64 / 10_000.0;
        let (fast, exact) = (cos_to_half_pi(y), y.cos());
        assert!((fast - exact).abs() < 1e-15, "{y}: {fast} vs {exact}");
    }
    assert_eq!(cos_to_half_pi(0.0), 1.0);
}

#[test]
fn rounding_without_round_matches_the_library_forms() {
    // The biased-floor rounding and the polynomial cosine against round/rem_euclid/cos,
    // over pitches across the whole range and around every half semitone.
    let mut pitches: Vec<f64> = (0..20_000).map(|i| -150.0 + 0.01537 * i as f64).collect();
    for n in -150..150 {
        let h = n as f64 + 0.5;
        pitches.extend([h, h - 1e-12, h + 1e-12, n as f64, n as f64 - 1e-13]);
    }
    for &semis in &pitches {
        for classes in [0, 7] {
            let mut fast = [0.0; 12];
            add_cosine_weighted_shifted(&mut fast, semis, classes, 0.8);
            let mut slow = [0.0; 12];
            add_cosine_weighted_shifted_far(&mut slow, semis, classes, 0.8);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() < 1e-12, "{semis}: {fast:?} vs {slow:?}");
            }
        }
    }
    // Far pitches and non-finite ones take the library path or add nothing.
    let mut c = [0.0; 12];
    add_cosine_weighted_shifted(&mut c, 3e7 + 0.25, 0, 1.0);
    assert!(c.iter().sum::<f64>() > 0.0);
    let mut c = [0.0; 12];
    add_cosine_weighted_shifted(&mut c, f64::NAN, 0, 1.0);
    add_cosine_weighted_shifted(&mut c, f64::INFINITY, 0, 1.0);
    assert_eq!(c, [0.0; 12]);
}

#[test]
fn tabled_pitch_matches_log2_of_the_interpolated_frequency() {
    let (fs, n_fft, reference) = (44100.0, 8192.0, 440.0);
    let bin_hz = fs / n_fft;
    let table = semitone_table(1000, bin_hz, reference);
    for (k, &semitones) in table.iter().enumerate().take(1001).skip(1) {
        for d in [-0.5, -0.3, -1e-9, 0.0, 0.123, 0.4999, 0.5] {
            let exact = 12.0 * ((k as f64 + d) * bin_hz / reference).log2();
            let fast = semitones + semitones_of_ratio_near_1(k, d);
            assert!(
                (fast - exact).abs() < 1e-12,
                "bin {k} {d}: {fast} vs {exact}"
            );
        }
    }
}

//! WAV files written by `audio_io::synth` read back with the right format, values and raw scale.

use audio_io::synth::{self, WavFormat};
use audio_io::{read_mono, read_mono_with_report, AudioError, SampleFormat};

#[test]
fn every_wav_format_round_trips_within_its_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let left = synth::tone(synth::midi_to_hz(69), 0.5, 22050, 0.5);
    let right = synth::tone(synth::midi_to_hz(60), 0.5, 22050, 0.25);
    let expected: Vec<f64> = left
        .iter()
        .zip(&right)
        .map(|(a, b)| (a + b) / 2.0)
        .collect();
    for format in WavFormat::ALL {
        let path = dir.path().join(format!("t_{}.wav", format.name()));
        synth::write_wav(&path, &[&left, &right], 22050, format).expect("write");
        let s = read_mono(&path).unwrap_or_else(|e| panic!("{e}"));
        let want = match format {
            WavFormat::U8 => SampleFormat::U8,
            WavFormat::S16 => SampleFormat::Int(16),
            WavFormat::S24 => SampleFormat::Int(24),
            WavFormat::S32 => SampleFormat::Int(32),
            WavFormat::F32 => SampleFormat::F32,
            WavFormat::F64 => SampleFormat::F64,
        };
        assert_eq!(s.info.sample_format, want, "{}", format.name());
        assert_eq!(
            (s.info.channels, s.sample_rate(), s.samples.len()),
            (2, 22050, 11025)
        );
        // Each channel is off by at most half a step; the mean by at most half a step too.
        let tol = match format {
            WavFormat::F32 => 1e-7,
            WavFormat::F64 => 0.0,
            _ => s.info.quantisation_step() / 2.0 + 1e-15,
        };
        let worst = s
            .samples
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst <= tol, "{}: {worst} > {tol}", format.name());
    }
}

#[test]
fn raw_samples_are_integers_in_the_readers_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    let x = synth::tone(440.0, 0.2, 8000, 0.9);
    for (format, lo, hi, grid) in [
        (WavFormat::S16, -32768.0, 32767.0, 1.0),
        (WavFormat::S24, -2f64.powi(31), 2f64.powi(31) - 256.0, 256.0),
        (WavFormat::S32, -2f64.powi(31), 2f64.powi(31) - 1.0, 1.0),
        (WavFormat::U8, 0.0, 255.0, 1.0),
    ] {
        let path = dir.path().join(format!("r_{}.wav", format.name()));
        synth::write_wav(&path, &[&x], 8000, format).expect("write");
        let raw = read_mono(&path).expect("read").raw_samples();
        assert!(
            raw.iter()
                .all(|v| *v >= lo && *v <= hi && (v / grid).fract() == 0.0),
            "{}",
            format.name()
        );
        // 0.9 full scale reaches ~0.9 of the range.
        let peak = raw.iter().fold(0.0f64, |m, v| m.max(*v));
        let full = if format == WavFormat::U8 { 255.0 } else { hi };
        assert!(peak > 0.8 * full, "{}: peak {peak}", format.name());
    }
}

#[test]
fn subnormal_and_over_full_scale_floats_are_valid_audio() {
    let dir = tempfile::tempdir().expect("tempdir");
    let x = vec![0.0, 1e-310, -1e-310, 3.5, -7.25, 0.5];
    let path = dir.path().join("odd.wav");
    synth::write_wav(&path, &[&x], 8000, WavFormat::F64).expect("write");
    let s = read_mono(&path).expect("valid");
    assert_eq!(s.samples, x);
    assert_eq!(s.raw_samples(), x, "floats as stored");
}

#[test]
fn non_finite_float_is_an_error_naming_the_file_and_frame() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut x = synth::tone(440.0, 0.1, 8000, 0.5);
    x[123] = f64::INFINITY;
    let path = dir.path().join("inf.wav");
    synth::write_wav(&path, &[&x], 8000, WavFormat::F32).expect("write");
    match read_mono(&path) {
        Err(AudioError::NonFiniteSample { path: p, frame }) => {
            assert_eq!(p, path);
            assert_eq!(frame, 123);
        }
        other => panic!("expected NonFiniteSample, got {other:?}"),
    }
}

#[test]
fn truncated_synthetic_wav_yields_the_available_samples() {
    let dir = tempfile::tempdir().expect("tempdir");
    let x = synth::white_noise(1.0, 8000, 0.5, 3);
    let path = dir.path().join("cut.wav");
    synth::write_wav(&path, &[&x, &x], 8000, WavFormat::S16).expect("write");
    let bytes = std::fs::read(&path).expect("read");
    // Keep the header and 1000 whole frames plus 3 bytes of the next one.
    std::fs::write(&path, &bytes[..44 + 4000 + 3]).expect("cut");
    let (s, report) = read_mono_with_report(&path).expect("partial");
    assert_eq!(s.samples.len(), 1000);
    assert!(report.truncated);
    let full_mean: Vec<f64> = x[..1000]
        .iter()
        .map(|v| (v * 32768.0).round().clamp(-32768.0, 32767.0) / 32768.0)
        .collect();
    assert_eq!(s.samples, full_mean);
}

#[test]
fn garbage_and_header_only_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let x = synth::tone(440.0, 0.1, 8000, 0.5);
    let path = dir.path().join("t.wav");
    synth::write_wav(&path, &[&x], 8000, WavFormat::S16).expect("write");
    let bytes = std::fs::read(&path).expect("read");
    let mut rng = synth::SplitMix64::new(42);
    for cut in [1usize, 4, 11, 12, 20, 36, 43, 44] {
        let p = dir.path().join(format!("cut{cut}.wav"));
        std::fs::write(&p, &bytes[..cut]).expect("write");
        assert!(read_mono(&p).is_err(), "cut at {cut}");
    }
    for i in 0..20 {
        let p = dir.path().join(format!("noise{i}.bin"));
        let junk: Vec<u8> = (0..2000 + i * 100).map(|_| rng.next_u64() as u8).collect();
        std::fs::write(&p, junk).expect("write");
        // Either an error or finite samples; never a panic escaping.
        if let Ok(s) = read_mono(&p) {
            assert!(s.samples.iter().all(|v| v.is_finite()));
        }
    }
}

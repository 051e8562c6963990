//! Streaming equals the whole-signal path; results do not depend on block cuts; invariances;
//! finite output for every finite input; error cases.

use std::path::PathBuf;

use audio_io::{AudioError, BlockSource, SampleFormat, StreamInfo};
use stfeatures::{
    FeatureError, FeatureExtractor, FeatureMatrix, FrameSpec, SourcePair, N_FEATURES,
};

/// An in-memory stream handing out blocks whose sizes cycle through `cuts`.
struct CutSource {
    info: StreamInfo,
    samples: Vec<f64>,
    cuts: Vec<usize>,
    pos: usize,
    next_cut: usize,
}

impl CutSource {
    fn new(samples: &[f64], sample_rate: u32, cuts: &[usize]) -> Self {
        CutSource {
            info: StreamInfo {
                path: PathBuf::from("memory.wav"),
                container: "wav".into(),
                codec: "pcm_s16le".into(),
                sample_rate,
                channels: 1,
                frames: Some(samples.len() as u64),
                sample_format: SampleFormat::Int(16),
                tags: Default::default(),
            },
            samples: samples.to_vec(),
            cuts: cuts.to_vec(),
            pos: 0,
            next_cut: 0,
        }
    }
}

impl BlockSource for CutSource {
    fn info(&self) -> &StreamInfo {
        &self.info
    }
    fn next_block(&mut self) -> Result<Option<&[f64]>, AudioError> {
        if self.pos >= self.samples.len() {
            return Ok(None);
        }
        let n = self.cuts[self.next_cut % self.cuts.len()].min(self.samples.len() - self.pos);
        self.next_cut += 1;
        let block = &self.samples[self.pos..self.pos + n];
        self.pos += n;
        Ok(Some(block))
    }
}

/// Deterministic pseudo-random numbers in [-1, 1).
fn noise(n: usize, seed: u64) -> Vec<f64> {
    audio_io::synth::noise_samples(n, 1.0, seed)
}

/// Tones plus noise, in [-1, 1].
fn music(n: usize, fs: f64) -> Vec<f64> {
    let r = noise(n, 7);
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            0.4 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()
                + 0.3 * (2.0 * std::f64::consts::PI * 659.3 * t).sin() * (1.0 + (3.0 * t).sin())
                + 0.05 * r[i]
        })
        .map(|v| v / 1.2)
        .collect()
}

/// int16-quantised version of a [-1, 1] signal, in normalised scale (value / 2^15).
fn quantise16(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| (v * 32767.0).round() / 32768.0).collect()
}

fn whole(fs: u32, spec: FrameSpec, raw: &[f64], deltas: bool) -> FeatureMatrix {
    FeatureExtractor::new(fs, spec)
        .expect("extractor")
        .with_deltas(deltas)
        .extract(raw)
        .expect("features")
}

fn assert_close(a: &FeatureMatrix, b: &FeatureMatrix, tol: f64, what: &str) {
    assert_eq!(a.n_frames(), b.n_frames(), "{what}: frames");
    assert_eq!(a.n_columns(), b.n_columns(), "{what}: columns");
    for i in 0..a.n_frames() {
        for (j, (x, y)) in a.row(i).iter().zip(b.row(i)).enumerate() {
            assert!(
                (x - y).abs() <= tol,
                "{what}: frame {i} column {j}: {x} vs {y}"
            );
        }
    }
}

/// The matrix of `first` streamed through both passes (`second` read by pass 2), samples brought
/// to the raw scale by `raw_scale` (the stream's own when `None`).
fn streamed(
    ex: &mut FeatureExtractor,
    first: CutSource,
    second: CutSource,
    raw_scale: Option<f64>,
) -> Result<FeatureMatrix, FeatureError> {
    let scale = raw_scale.unwrap_or_else(|| first.info().raw_scale());
    let mut matrix = FeatureMatrix::new(ex.framing(), ex.deltas());
    ex.stream(SourcePair::new(first, second), scale, &mut matrix)?;
    Ok(matrix)
}

#[test]
fn streaming_equals_whole_signal_for_any_block_cuts() {
    let fs = 22050;
    let unit = quantise16(&music(3 * fs as usize + 123, fs as f64));
    let raw: Vec<f64> = unit.iter().map(|v| v * 32768.0).collect();
    for spec in [
        FrameSpec::default(),
        FrameSpec::samples(1000, 1500),
        FrameSpec::samples(800, 800),
        // Odd windows: frames are analysed in packed pairs sharing one complex FFT.
        FrameSpec::samples(1001, 450),
        FrameSpec::samples(999, 1200),
    ] {
        let reference = whole(fs, spec, &raw, true);
        assert!(reference.n_frames() > 3);
        for cuts in [
            vec![1],
            vec![7, 1000, 3],
            vec![4096],
            vec![551],
            vec![usize::MAX],
        ] {
            let mut ex = FeatureExtractor::new(fs, spec)
                .expect("extractor")
                .with_deltas(true);
            let first = CutSource::new(&unit, fs, &cuts);
            let second = CutSource::new(&unit, fs, &cuts.iter().rev().copied().collect::<Vec<_>>());
            let matrix = streamed(&mut ex, first, second, Some(32768.0)).expect("stream");
            // Identical arithmetic on identical samples: exactly equal.
            assert_eq!(matrix, reference, "{spec:?} cuts {cuts:?}");
            // And via the stream's own raw scale (int16: 2^15).
            let first = CutSource::new(&unit, fs, &cuts);
            let second = CutSource::new(&unit, fs, &cuts);
            let via_info = streamed(&mut ex, first, second, None).expect("stream");
            assert_eq!(via_info, reference);
        }
    }
}

#[test]
fn extractor_is_reusable_across_signals() {
    let fs = 16000;
    let a: Vec<f64> = quantise16(&music(fs as usize, fs as f64))
        .iter()
        .map(|v| v * 32768.0)
        .collect();
    let b: Vec<f64> = quantise16(&noise(fs as usize, 3))
        .iter()
        .map(|v| v * 32768.0)
        .collect();
    let mut ex = FeatureExtractor::new(fs, FrameSpec::default()).expect("extractor");
    let a1 = ex.extract(&a).expect("a");
    let b1 = ex.extract(&b).expect("b");
    let a2 = ex.extract(&a).expect("a again");
    assert_eq!(a1, a2, "state leaked between signals");
    assert_eq!(b1, whole(fs, FrameSpec::default(), &b, false));
    // The first frame's flux is 0 on every signal.
    assert_eq!(a2.row(0)[6], 0.0);
}

#[test]
fn changed_stream_is_an_error() {
    let fs = 8000;
    let x = quantise16(&noise(4000, 1));
    let mut ex = FeatureExtractor::new(fs, FrameSpec::default()).expect("extractor");
    let first = CutSource::new(&x, fs, &[100]);
    let second = CutSource::new(&x[..3000], fs, &[100]);
    let err = streamed(&mut ex, first, second, None).expect_err("changed");
    assert!(
        matches!(
            err,
            FeatureError::StreamChanged {
                first: 4000,
                second: 3000,
                ..
            }
        ),
        "{err}"
    );
    let other_rate = CutSource::new(&x, 16000, &[100]);
    let second = CutSource::new(&x, 16000, &[100]);
    let err = streamed(&mut ex, other_rate, second, None).expect_err("rate");
    assert!(matches!(
        err,
        FeatureError::SampleRateMismatch {
            expected: 8000,
            found: 16000,
            ..
        }
    ));
}

#[test]
fn short_and_non_finite_signals_are_errors() {
    let mut ex = FeatureExtractor::new(22050, FrameSpec::default()).expect("extractor");
    let err = ex.extract(&[0.0; 1101]).expect_err("short");
    assert!(
        matches!(
            err,
            FeatureError::SignalTooShort {
                samples: 1101,
                window: 1102
            }
        ),
        "{err}"
    );
    assert!(matches!(
        ex.extract(&[]),
        Err(FeatureError::SignalTooShort { samples: 0, .. })
    ));
    assert_eq!(ex.extract(&[1.0; 1102]).expect("one frame").n_frames(), 1);
    let mut x = vec![0.5; 3000];
    x[2000] = f64::INFINITY;
    let err = ex.extract(&x).expect_err("inf");
    assert!(
        matches!(err, FeatureError::NonFiniteSample { index: 2000, .. }),
        "{err}"
    );
    // Streaming names the file.
    let first = CutSource::new(&[0.0; 500], 22050, &[64]);
    let second = CutSource::new(&[0.0; 500], 22050, &[64]);
    let err = streamed(&mut ex, first, second, None).expect_err("short");
    assert!(
        err.to_string()
            .starts_with("memory.wav: signal of 500 samples"),
        "{err}"
    );
}

#[test]
fn too_short_window_for_pyaa_chroma_is_rejected() {
    let err = FeatureExtractor::new(44100, FrameSpec::samples(200, 100)).expect_err("chroma");
    assert!(
        matches!(err, FeatureError::ChromaOutOfRange { .. }),
        "{err}"
    );
    assert!(FeatureExtractor::new(8000, FrameSpec::samples(1, 1)).is_err());
    assert!(FeatureExtractor::new(8000, FrameSpec::samples(400, 0)).is_err());
}

#[test]
fn finite_output_for_degenerate_inputs() {
    let fs = 22050;
    let n = fs as usize;
    let mut click = vec![0.0; n];
    click[n / 2] = 32767.0;
    let cases: Vec<(&str, Vec<f64>)> = vec![
        ("digital silence", vec![0.0; n]),
        ("DC", vec![12345.0; n]),
        (
            "full-scale noise",
            noise(n, 11).iter().map(|v| (v * 32767.0).round()).collect(),
        ),
        ("single click", click),
        (
            "full-scale square",
            (0..n)
                .map(|i| if i % 50 < 25 { 32767.0 } else { -32768.0 })
                .collect(),
        ),
        (
            "tiny float",
            noise(n, 5).iter().map(|v| v * 1e-30).collect(),
        ),
        (
            "huge float",
            noise(n, 5).iter().map(|v| v * 1e300).collect(),
        ),
    ];
    for (name, x) in cases {
        let m = whole(fs, FrameSpec::default(), &x, true);
        assert_eq!(m.n_frames(), 39, "{name}");
        for i in 0..m.n_frames() {
            for (j, v) in m.row(i).iter().enumerate() {
                assert!(v.is_finite(), "{name}: frame {i} column {j} = {v}");
            }
        }
    }
}

#[test]
fn silence_gives_defined_values() {
    let m = whole(16000, FrameSpec::default(), &[0.0; 16000], false);
    for i in 0..m.n_frames() {
        let r = m.row(i);
        assert_eq!(r[0], 0.0, "zcr");
        assert_eq!(r[1], 0.0, "energy");
        assert_eq!((r[3], r[4]), (0.0, 0.0), "centroid, spread");
        assert_eq!(r[6], 0.0, "flux");
        // log10(eps) in every filter: mfcc_1 = sqrt(40) log10(eps), the others 0.
        assert!(
            (r[8] - 40f64.sqrt() * f64::EPSILON.log10()).abs() < 1e-9,
            "{}",
            r[8]
        );
        assert!(r[21..33].iter().all(|c| *c == 0.0), "chroma");
    }
}

/// Columns that do not depend on the signal's scale: all but energy (column 1).
#[test]
fn all_features_but_energy_are_scale_invariant() {
    let fs = 16000;
    let x = music(2 * fs as usize, fs as f64);
    let a = whole(
        fs,
        FrameSpec::default(),
        &x.iter().map(|v| v * 30000.0).collect::<Vec<_>>(),
        false,
    );
    let b = whole(
        fs,
        FrameSpec::default(),
        &x.iter().map(|v| v * 300.0).collect::<Vec<_>>(),
        false,
    );
    let c = whole(
        fs,
        FrameSpec::default(),
        &x.iter().map(|v| v * 3.0).collect::<Vec<_>>(),
        false,
    );
    for (other, what) in [(&b, "x/100"), (&c, "x/10000")] {
        for j in 0..N_FEATURES {
            let scale = a.column(j).fold(0.0f64, |m, v| m.max(v.abs()));
            for i in 0..a.n_frames() {
                let d = (a.row(i)[j] - other.row(i)[j]).abs();
                if j == 1 {
                    continue;
                }
                // The 1e-10 guard in max|x| + 1e-10 leaves a relative effect of 1e-10 * 32768 / peak.
                assert!(
                    d <= 1e-6 * scale + 1e-9,
                    "{what}: frame {i} column {j}: {d}"
                );
            }
        }
    }
    // Energy does depend on scale, but only through the 1e-10 guard: (peak/(peak+1e-10))^2.
    let e_ratio = a.row(5)[1] / c.row(5)[1];
    assert!(
        (e_ratio - 1.0).abs() > 1e-9 && (e_ratio - 1.0).abs() < 1e-4,
        "{e_ratio}"
    );
}

/// A constant offset is removed with the mean: every feature is unchanged (up to rounding).
#[test]
fn all_features_are_dc_offset_invariant() {
    let fs = 16000;
    let x: Vec<f64> = music(2 * fs as usize, fs as f64)
        .iter()
        .map(|v| (v * 20000.0).round())
        .collect();
    let a = whole(fs, FrameSpec::default(), &x, false);
    let b = whole(
        fs,
        FrameSpec::default(),
        &x.iter().map(|v| v + 5000.0).collect::<Vec<_>>(),
        false,
    );
    assert_close(&a, &b, 1e-9, "DC offset 5000");
    let m = whole(
        fs,
        FrameSpec::default(),
        &x.iter().map(|v| v - 12000.0).collect::<Vec<_>>(),
        false,
    );
    for j in 0..N_FEATURES {
        let scale = a.column(j).fold(0.0f64, |s, v| s.max(v.abs()));
        for i in 0..a.n_frames() {
            let d = (a.row(i)[j] - m.row(i)[j]).abs();
            assert!(d <= 1e-9 * scale + 1e-12, "frame {i} column {j}: {d}");
        }
    }
}

#[test]
fn spectrum_callback_sees_every_frame() {
    // 16 kHz: W = 800, one real FFT per frame; 44.1 kHz: W = 2205 (odd), packed pairs, and an
    // odd frame count (7) so the last frame is analysed alone.
    for (fs, n, nfft) in [(16000u32, 8000usize, 400usize), (44100, 9000, 1102)] {
        let raw: Vec<f64> = noise(n, 9).iter().map(|v| (v * 1000.0).round()).collect();
        let mut ex = FeatureExtractor::new(fs, FrameSpec::default()).expect("extractor");
        let expected = ex.extract(&raw).expect("features");
        let mut stats = stfeatures::SignalStats::new();
        stats.push(&raw, 1.0).expect("finite");
        let mut stream = ex.frame_stream(stats.normalisation(1.0));
        let mut seen = Vec::new();
        for block in raw.chunks(333) {
            stream
                .push_block(block, |f| {
                    assert_eq!(f.spectrum.len(), nfft);
                    // Parseval-free check: the spectrum's energy decides spectral_rolloff's bin.
                    let total: f64 = f.spectrum.iter().map(|v| v * v).sum();
                    assert!(total > 0.0);
                    seen.push((f.index, *f.features));
                })
                .expect("push");
        }
        assert_eq!(stream.frames(), expected.n_frames(), "fs {fs}");
        assert_eq!(seen.len(), expected.n_frames(), "fs {fs}");
        for (i, (idx, feats)) in seen.iter().enumerate() {
            assert_eq!(*idx, i);
            assert_eq!(&feats[..], expected.row(i));
        }
    }
}

#[test]
fn decoded_signal_equals_its_raw_samples_and_the_streamed_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fs = 22_050;
    let x = music(fs as usize * 3, f64::from(fs));
    for (name, format) in [
        ("s16.wav", audio_io::synth::WavFormat::S16),
        ("s24.wav", audio_io::synth::WavFormat::S24),
        ("f32.wav", audio_io::synth::WavFormat::F32),
    ] {
        let path = dir.path().join(name);
        audio_io::synth::write_wav(&path, &[&x], fs, format).expect("write");
        let signal = audio_io::read_mono(&path).expect("decode");
        let mut ex = FeatureExtractor::new(fs, FrameSpec::default())
            .expect("extractor")
            .with_deltas(true);
        let from_signal = ex.extract_signal(&signal).expect("signal");
        let from_raw = ex.extract(&signal.raw_samples()).expect("raw");
        let from_file = ex.extract_file(&path).expect("file");
        assert!(from_signal.n_frames() > 100, "{name}");
        // The raw scale is a power of two: scaling on the fly is exact, so equality is bitwise.
        assert_eq!(from_signal.as_slice(), from_raw.as_slice(), "{name}");
        assert_eq!(from_signal.as_slice(), from_file.as_slice(), "{name}");

        // Another rate: refused, naming the file.
        let mut other = FeatureExtractor::new(44_100, FrameSpec::default()).expect("extractor");
        let err = other.extract_signal(&signal).expect_err("rate mismatch");
        assert!(
            matches!(err, FeatureError::SampleRateMismatch { found: 22_050, .. }),
            "{err}"
        );
        assert_eq!(err.path(), Some(path.as_path()));
    }
}

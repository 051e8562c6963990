//! Throughput of the 34 short-term features on a 3-minute 44.1 kHz stereo file, one thread.
//!
//! Generates the file (tones + noise, 16-bit WAV) in a temporary folder, then times, best of
//! several runs, with `std::time::Instant`:
//! - decoding alone (`audio_io::read_mono`),
//! - the FFTs alone (one realfft real FFT per frame, the same plan and framing: the baseline,
//!   what a straightforward implementation does),
//! - for reference, the packed FFTs alone as the extractor does them for an odd window: two
//!   consecutive frames in one complex FFT of length W, i.e. 0.5 complex FFT per frame,
//! - FFT + magnitude + pyAudioAnalysis chroma only,
//! - all 34 features on the decoded signal (decoding excluded),
//! - all 34 features from the file, decoding included (`extract_file`: two decoding passes, and
//!   `read_mono` + `extract_signal`: one).
//!
//! Prints frames/s, the realtime factor (seconds of audio per second of CPU) and the ratio of
//! each time to the FFT-only time measured in the same run.

#[path = "../../../benches/timing.rs"]
mod timing;

use std::time::Duration;

use realfft::RealFftPlanner;
use stfeatures::pyaa::PyaaChroma;
use stfeatures::{FeatureExtractor, FrameSpec};

const FS: u32 = 44_100;
const SECONDS: u32 = 180;
const RUNS: usize = 7;

fn write_fixture(path: &std::path::Path) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: FS,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    let mut rng = audio_io::synth::SplitMix64::new(0x2545_F491_4F6C_DD1D);
    let tau = 2.0 * std::f64::consts::PI;
    for i in 0..(FS * SECONDS) {
        let t = f64::from(i) / f64::from(FS);
        let n = rng.next_f64() - 0.5;
        let left = 0.3 * (tau * 220.0 * t).sin() + 0.2 * (tau * 523.25 * t).sin() + 0.05 * n;
        let right = 0.25 * (tau * 329.63 * t).sin() + 0.15 * (tau * 880.0 * t).sin() + 0.05 * n;
        w.write_sample((left * 32767.0).round() as i16)
            .expect("write");
        w.write_sample((right * 32767.0).round() as i16)
            .expect("write");
    }
    w.finalize().expect("finalize");
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench_3min_44k1_stereo.wav");
    write_fixture(&path);

    let signal = audio_io::read_mono(&path).expect("decode");
    let raw = signal.raw_samples();
    let audio_s = raw.len() as f64 / f64::from(FS);
    let framing = FrameSpec::default().resolve(FS).expect("framing");
    let (w, s, nfft) = (framing.window(), framing.step(), framing.nfft());
    let frames = framing.n_frames(raw.len() as u64) as usize;

    // Baseline: the FFTs alone.
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(w);
    let mut input = fft.make_input_vec();
    let mut output = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let t_fft = timing::best_of(RUNS, || {
        for i in 0..frames {
            input.copy_from_slice(&raw[i * s..i * s + w]);
            fft.process_with_scratch(&mut input, &mut output, &mut scratch)
                .expect("fft");
        }
        output[1].re
    });

    // The extractor's odd-window path: frames packed in pairs, z = a + i b, one complex FFT of
    // length W per pair (0.5 complex FFT per frame), separation not included.
    let packed_fft = rustfft::FftPlanner::<f64>::new().plan_fft_forward(w);
    let mut packed = vec![realfft::num_complex::Complex::<f64>::default(); w];
    let mut packed_scratch =
        vec![realfft::num_complex::Complex::<f64>::default(); packed_fft.get_inplace_scratch_len()];
    let t_packed = timing::best_of(RUNS, || {
        for pair in 0..frames / 2 {
            let (a, b) = (2 * pair * s, (2 * pair + 1) * s);
            for (n, z) in packed.iter_mut().enumerate() {
                *z = realfft::num_complex::Complex::new(raw[a + n], raw[b + n]);
            }
            packed_fft.process_with_scratch(&mut packed, &mut packed_scratch);
        }
        packed[1].re
    });

    // FFT + magnitude + pyaa chroma only.
    let chroma_map = PyaaChroma::new(FS, w).expect("chroma map");
    let mut mag = vec![0.0; nfft];
    let t_chroma = timing::best_of(RUNS, || {
        let mut out = [0.0; 12];
        let mut acc = 0.0;
        for i in 0..frames {
            input.copy_from_slice(&raw[i * s..i * s + w]);
            fft.process_with_scratch(&mut input, &mut output, &mut scratch)
                .expect("fft");
            let mut sum_sq = 0.0;
            for (m, c) in mag.iter_mut().zip(&output) {
                *m = c.norm_sqr().sqrt() / nfft as f64;
                sum_sq += *m * *m;
            }
            chroma_map.chroma(&mag, sum_sq, &mut out);
            acc += out[0];
        }
        acc
    });

    let mut ex = FeatureExtractor::new(FS, FrameSpec::default()).expect("extractor");
    let t_features = timing::best_of(RUNS, || ex.extract(&raw).expect("features").n_frames());
    let n = ex.extract(&raw).expect("features").n_frames();
    assert_eq!(n, frames);
    let mut ex_d = FeatureExtractor::new(FS, FrameSpec::default())
        .expect("extractor")
        .with_deltas(true);
    let t_deltas = timing::best_of(RUNS, || ex_d.extract(&raw).expect("features").n_frames());

    let t_decode = timing::best_of(RUNS, || {
        audio_io::read_mono(&path).expect("decode").samples.len()
    });
    let t_file_stream = timing::best_of(RUNS, || {
        ex.extract_file(&path).expect("features").n_frames()
    });
    let t_file_once = timing::best_of(RUNS, || {
        let sig = audio_io::read_mono(&path).expect("decode");
        ex.extract_signal(&sig).expect("features").n_frames()
    });

    println!(
        "stfeatures bench: {audio_s:.0} s of 44.1 kHz stereo 16-bit WAV, window {w}, step {s}, \
         nfft {nfft}, {frames} frames, best of {RUNS}, one thread"
    );
    println!(
        "{:<52} {:>10} {:>12} {:>12} {:>9}",
        "measurement", "ms", "frames/s", "x realtime", "/ FFT"
    );
    let row = |name: &str, t: Duration| {
        let secs = t.as_secs_f64();
        println!(
            "{:<52} {:>10.2} {:>12.0} {:>12.0} {:>9.2}",
            name,
            secs * 1e3,
            frames as f64 / secs,
            audio_s / secs,
            secs / t_fft.as_secs_f64()
        );
    };
    row("FFTs alone, 1 real FFT/frame (baseline)", t_fft);
    row("packed FFTs alone, 0.5 complex FFT/frame", t_packed);
    row("FFT + magnitude + pyaa chroma", t_chroma);
    row("all 34 features, decoded signal", t_features);
    row("all 34 features + 34 deltas, decoded signal", t_deltas);
    row("decoding alone (read_mono)", t_decode);
    row(
        "34 features from file, read_mono + extract_signal",
        t_file_once,
    );
    row(
        "34 features from file, streamed (2 decode passes)",
        t_file_stream,
    );
    let us_per_frame = |t: Duration| t.as_secs_f64() * 1e6 / frames as f64;
    println!(
        "per frame: FFT {:.2} us, features {:.2} us (features beyond the FFT: {:.2} us)",
        us_per_frame(t_fft),
        us_per_frame(t_features),
        us_per_frame(t_features) - us_per_frame(t_fft)
    );
    println!(
        "targets: >= 1350x realtime (features, decoded): {:.0}x; total <= 2x FFT-only: {:.2}x",
        audio_s / t_features.as_secs_f64(),
        t_features.as_secs_f64() / t_fft.as_secs_f64()
    );
}

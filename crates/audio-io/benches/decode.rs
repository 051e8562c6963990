//! Decode throughput (mono samples per second) of a 3-minute 44.1 kHz stereo 16-bit WAV (written
//! by `audio_io::synth` into a temp dir) and of the ~4-minute corpus MP3, each against reading the
//! file's bytes with `std::fs::read` in the same run (the baseline).
//!
//! `cargo bench -p chromacluster-audio-io`

use std::path::Path;

#[path = "../../../benches/timing.rs"]
mod timing;

use audio_io::synth::{self, WavFormat};
use audio_io::{read_mono, AudioReader, BlockSource};

fn bench_file(label: &str, path: &Path, runs: usize) {
    // A file that does not decode is a failed benchmark, not a silently missing line.
    let signal = read_mono(path).unwrap_or_else(|e| panic!("{label}: {e}"));
    let n = signal.samples.len() as f64;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64;
    let t_read = timing::best_of(runs, || std::fs::read(path).expect("read").len());
    let t_whole = timing::best_of(runs, || read_mono(path).expect("decode").samples.len());
    let t_stream = timing::best_of(runs, || {
        let mut sum = 0.0;
        let mut r = AudioReader::open(path).expect("open");
        while let Some(block) = r.next_block().expect("decode") {
            sum += block.iter().sum::<f64>();
        }
        sum
    });
    let secs_audio = n / f64::from(signal.sample_rate());
    println!(
        "{label}: {:.1} s of audio, {:.1} MB, {} mono samples (best of {runs})",
        secs_audio,
        bytes / 1e6,
        n as u64
    );
    println!(
        "  fs::read baseline  {:>9.2} ms  {:>8.1} MB/s",
        t_read.as_secs_f64() * 1e3,
        bytes / 1e6 / t_read.as_secs_f64()
    );
    for (name, t) in [
        ("read_mono (whole)", t_whole),
        ("AudioReader blocks", t_stream),
    ] {
        println!(
            "  {name:<18} {:>9.2} ms  {:>8.2} M samples/s  {:>7.0}x real time  {:>6.1}x the fs::read time",
            t.as_secs_f64() * 1e3,
            n / t.as_secs_f64() / 1e6,
            secs_audio / t.as_secs_f64(),
            t.as_secs_f64() / t_read.as_secs_f64()
        );
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let wav = dir.path().join("three_minutes_44100_2ch_s16.wav");
    let seconds = 180.0;
    let left = synth::render_chords(
        &(0..45)
            .flat_map(|_| synth::cadence_i_iv_v_i(60))
            .collect::<Vec<_>>(),
        1.0,
        synth::Timbre::Organ,
        44100,
    );
    let right = synth::white_noise(seconds, 44100, 0.3, 1);
    synth::write_wav(&wav, &[&left, &right], 44100, WavFormat::S16).expect("write the WAV");
    bench_file("WAV s16 stereo 44.1k", &wav, 5);
    let mp3 = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/corpus/real/beat/100 BPM - Rhythm patterns - Salsa.mp3");
    bench_file("MP3 stereo 44.1k", &mp3, 3);
}

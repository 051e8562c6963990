//! Developer chores. `cargo xtask fixtures [DIR]` writes the synthetic test audio (default DIR:
//! `target/fixtures`) with an `INDEX.md` describing every file; `cargo xtask docs` regenerates
//! the README's pictures and demo output; `cargo xtask bench` runs every benchmark; `cargo xtask
//! rss` measures the peak memory of the streaming commands on long generated files; `cargo xtask
//! test` runs the Rust and Python test suites; `cargo xtask bench-python` the Python benchmark.

mod docs;
mod e2e;
mod keys;
mod keyset_bench;
mod library;
mod music;
mod parquet;
mod python;
mod real;
mod rss;
mod similar;
mod stress;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use audio_io::synth::{self, Timbre, WavFormat};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  fixtures [DIR]   write the synthetic test audio set into DIR (default target/fixtures)
  docs             regenerate docs/*.png and the demo output in README.md
  bench            run every crate's benchmark (cargo bench -p ...)
  bench-library [--files N] [--seconds S] [--librosa-files N] [--scale-seconds S]
                [--scale-max N] [--long-max-s S] [--python PATH] [--bin PATH] [--song-rounds N] [--song-passes N]
                [--library-passes N]
                [--only song,library,scaling,long[,generate]]
                   notes on one song and on a generated library (default 200 x 180 s, FLAC and
                   MP3) on 1 and 2 threads against symphonia's decode alone and librosa
                   (joblib), plus scaling
  bench-real [--debs DIR] [--python PATH] [--passes N] [--bin PATH]
                   notes on a real library (Debian's game music, fetched with apt-get download
                   into target/bench-real/debs or taken from DIR; a share transcoded to Opus,
                   MP3, M4A and FLAC) against librosa chroma_stft and Essentia KeyExtractor on
                   1 and 2 threads/workers, alternated, N passes (default 2; 0: none); peak RSS of
                   notes --summary -j 2 on two 30-minute tracks
  bench-similar [--rows N] [--all-rows N] [--table-rows N] [--rounds R] [--only scale,eval]
                [--python PATH] [--bin PATH] [--debs DIR]
                   exact nearest neighbours: one query over 1,000,000 x 32 on one core, every
                   row's 10 nearest of 100,000 on two threads (against a naive loop), `similar`
                   over a 10,000-row table as a whole process (against numpy); the sound-alike
                   evaluation (purity@5, ARI) on Debian's game music and the corpus beside
                   librosa (xtask/simbench.py)
  bench-e2e [--debs DIR] [--python PATH] [--rounds N] [--bin PATH]
                   the commands a user types as whole processes against the peers' pipelines
                   (pyAudioAnalysis, pandas + scikit-learn, librosa), alternated A/B, medians and
                   pair ratios (default 5 rounds), then where our wall time goes (start-up,
                   fsync, perf samples); inputs from bench-real's Debian music, target/bench-e2e
  stress [N]       N short files (1% broken, default 10000) through `notes`: all good rows kept?
  rss [--bin PATH] [--only LABEL] [--keep]
                   peak RSS of the streaming commands on a generated 3 h FLAC and 12 h WAV,
                   and of mini-batch `cluster` on a generated 10,000,000 x 12 Parquet dataset
                   (files kept in target/rss; --bin measures another build; --only cluster)
  keyset DIR       write the generated key set (24 keys x 5 styles, in tune and detuned) to DIR
  keybench [--keyset DIR] [--renders DIR] [--python PATH] [--bin PATH] [--reuse-reference]
           [--ours-only]
                   key accuracy (exact and MIREX per set and timbre, 95% CIs) and CPU time per
                   file on the key set of real compositions (DIR default ../shared/keyset; its
                   render.sh renders into target/keyset-render unless --renders DIR), against
                   Essentia's KeyExtractor and librosa in the same run (Python: PATH, default
                   the venv target/keybench-venv, made from
                   crates/chroma/benches/keybench-requirements.txt)
  keybench --generated [DIR] [--python PATH] [--rounds N]
                   properties on generated material: the generated set (DIR, default
                   target/keyset, written first if missing) and the corpus's keys; N
                   alternating rounds of `notes` with and without tuning + key, default 3
  test             every test: `cargo test --workspace`, then the Python package's pytest suite
                   (virtual environment in target/python-venv, package built with pip + maturin)
  bench-python     the Python benchmark against pyAudioAnalysis, librosa and scikit-learn
  help             show this text";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fixtures") => {
            if args.len() > 2 {
                bail!("too many arguments\n\n{USAGE}");
            }
            let dir = args.get(1).map_or_else(default_fixture_dir, PathBuf::from);
            let n = write_fixtures(&dir)?;
            println!("wrote {n} files and INDEX.md to {}", dir.display());
            Ok(())
        }
        Some("docs") => docs::run(),
        Some("bench") => docs::bench(),
        Some("bench-library") => library::run(&args[1..]),
        Some("bench-real") => real::run_bench(&args[1..]),
        Some("bench-similar") => similar::run(&args[1..]),
        Some("bench-e2e") => e2e::run(&args[1..]),
        Some("test") => python::test(),
        Some("bench-python") => python::bench(),
        Some("stress") => {
            let n = match args.get(1) {
                Some(n) => n
                    .parse()
                    .with_context(|| format!("not a file count: {n}"))?,
                None => 10_000,
            };
            stress::run(n)
        }
        Some("rss") => rss::run(&args[1..]),
        Some(rss::PROBE) => rss::probe(&args[1..]),
        Some("keyset") => {
            let [_, dir] = args.as_slice() else {
                bail!("keyset takes one folder\n\n{USAGE}");
            };
            let n = keys::write_keyset(Path::new(dir))?;
            println!("wrote {n} files and labels.csv to {dir}");
            Ok(())
        }
        Some("keybench") => keys::KeybenchArgs::parse(&args[1..])?.run(),
        Some("help") | Some("-h") | Some("--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n\n{USAGE}"),
        None => bail!("no task given\n\n{USAGE}"),
    }
}

fn default_fixture_dir() -> PathBuf {
    // xtask lives in <workspace>/xtask.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("fixtures")
}

/// One fixture: file name, description, channels, sample rate, format.
struct Fixture {
    name: String,
    what: String,
    channels: Vec<Vec<f64>>,
    sample_rate: u32,
    format: WavFormat,
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    let a4 = synth::midi_to_hz(synth::A4_MIDI);
    let c4 = synth::midi_to_hz(synth::C4_MIDI);
    // A4 tones at the common rates, mono and stereo (stereo: A4 left, C4 right), 16-bit.
    for sr in [8000, 22050, 44100, 48000] {
        out.push(Fixture {
            name: format!("tone_a4_{sr}_1ch_s16.wav"),
            what: format!("A4 (440 Hz) sine, amplitude 0.5, 1 s, {sr} Hz, mono, 16-bit"),
            channels: vec![synth::tone(a4, 1.0, sr, 0.5)],
            sample_rate: sr,
            format: WavFormat::S16,
        });
        out.push(Fixture {
            name: format!("tone_a4c4_{sr}_2ch_s16.wav"),
            what: format!(
                "A4 sine left, C4 (261.63 Hz) sine right, amplitude 0.5, 1 s, {sr} Hz, stereo, 16-bit"
            ),
            channels: vec![synth::tone(a4, 1.0, sr, 0.5), synth::tone(c4, 1.0, sr, 0.5)],
            sample_rate: sr,
            format: WavFormat::S16,
        });
    }
    // One stereo tone in every other WAV sample format (the 16-bit one is written above).
    for format in WavFormat::ALL.into_iter().filter(|f| *f != WavFormat::S16) {
        out.push(Fixture {
            name: format!("tone_a4c4_44100_2ch_{}.wav", format.name()),
            what: format!(
                "A4 left, C4 right, amplitude 0.5, 1 s, 44100 Hz, stereo, {}-bit {}",
                format.bits(),
                match format {
                    WavFormat::U8 => "unsigned PCM",
                    WavFormat::F32 | WavFormat::F64 => "IEEE float",
                    _ => "signed PCM",
                }
            ),
            channels: vec![
                synth::tone(a4, 1.0, 44100, 0.5),
                synth::tone(c4, 1.0, 44100, 0.5),
            ],
            sample_rate: 44100,
            format,
        });
    }
    for (root, name) in [(60u8, "c4"), (69, "a4")] {
        out.push(Fixture {
            name: format!("triad_{name}_major_22050_1ch_s16.wav"),
            what: format!(
                "major triad of sines on {} (MIDI {root}), amplitude 0.6, 2 s, 22050 Hz, mono, 16-bit",
                name.to_uppercase()
            ),
            channels: vec![synth::major_triad(root, 2.0, 22050, 0.6)],
            sample_rate: 22050,
            format: WavFormat::S16,
        });
    }
    for timbre in Timbre::ALL {
        out.push(Fixture {
            name: format!("cadence_c_major_{}_22050_1ch_s16.wav", timbre.name()),
            what: format!(
                "I-IV-V-I in C major (triads on C4, F4, G4, C4), {} timbre, 1 s per chord, 22050 Hz, mono, 16-bit",
                timbre.name()
            ),
            channels: vec![synth::render_chords(&synth::cadence_i_iv_v_i(60), 1.0, timbre, 22050)],
            sample_rate: 22050,
            format: WavFormat::S16,
        });
    }
    out.push(Fixture {
        name: "noise_22050_1ch_s16.wav".into(),
        what: "uniform white noise in [-0.5, 0.5), SplitMix64 seed 1, 2 s, 22050 Hz, mono, 16-bit"
            .into(),
        channels: vec![synth::white_noise(2.0, 22050, 0.5, 1)],
        sample_rate: 22050,
        format: WavFormat::S16,
    });
    out.push(Fixture {
        name: "silence_22050_1ch_s16.wav".into(),
        what: "digital silence, 2 s, 22050 Hz, mono, 16-bit".into(),
        channels: vec![synth::silence(2.0, 22050)],
        sample_rate: 22050,
        format: WavFormat::S16,
    });
    out.push(Fixture {
        name: "dc_tone_22050_1ch_s16.wav".into(),
        what: "A4 sine amplitude 0.3 on a DC offset of 0.25, 2 s, 22050 Hz, mono, 16-bit".into(),
        channels: vec![synth::tone_with_dc(a4, 2.0, 22050, 0.3, 0.25)],
        sample_rate: 22050,
        format: WavFormat::S16,
    });
    out.push(Fixture {
        name: "click_22050_1ch_s16.wav".into(),
        what: "silence with one sample of 0.9 at 0.5 s, 1 s, 22050 Hz, mono, 16-bit".into(),
        channels: vec![synth::click(1.0, 22050, 0.5, 0.9)],
        sample_rate: 22050,
        format: WavFormat::S16,
    });
    out
}

fn write_fixtures(dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let list = fixtures();
    let mut index = String::from(
        "# Synthetic fixtures\n\nWritten by `cargo xtask fixtures` from `audio_io::synth` \
         (deterministic: the same files on every run).\n\n| file | content |\n|---|---|\n",
    );
    for f in &list {
        let channels: Vec<&[f64]> = f.channels.iter().map(Vec::as_slice).collect();
        synth::write_wav(dir.join(&f.name), &channels, f.sample_rate, f.format)?;
        writeln!(index, "| `{}` | {} |", f.name, f.what)?;
    }
    std::fs::write(dir.join("INDEX.md"), index).context("writing INDEX.md")?;
    Ok(list.len())
}

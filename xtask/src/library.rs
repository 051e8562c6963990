//! `cargo xtask bench-library`: throughput on a whole generated library, all figures measured
//! in the same run and printed as ratios between them.
//!
//! 1. Builds (once, kept in `target/bench-library`) `--files` files (default 200) of `--seconds`
//!    (default 180) of music: cadences in four keys (the `rss` task's organ and pluck), stereo,
//!    16-bit, sample rates cycling 44.1, 48, 22.05 and 32 kHz; even files FLAC (in process),
//!    odd files MP3 (128 kb/s through `ffmpeg`, or FLAC too when ffmpeg is absent, said so).
//! 2. One song (`--seconds`, 44.1 kHz stereo) as WAV, FLAC and MP3: `chromacluster notes SONG
//!    --jobs 1` against librosa's two pipelines on one worker, the best of `--song-rounds`
//!    (default 5) runs each, in `--song-passes` (default 3) alternating passes: this host's
//!    speed drifts for minutes at a time, so each side is timed in every pass and neither
//!    sees only a slow or only a fast spell.
//! 3. For 1 and 2 worker threads: the time symphonia alone takes to decode every file
//!    (`audio_io::AudioReader`, files spread over the threads) and the release `chromacluster
//!    notes DIR --jobs N`, alternating, the best of `--library-passes` (default 2) each; and librosa's `chroma_stft` and `chroma_cqt` pipelines (load at the
//!    file's rate, chroma, mean over frames) with joblib on N workers over the first
//!    `--librosa-files` files (default all; skipped with the reason printed when Python or
//!    librosa is missing; Python is `--python PATH`, default `python3`). Files per second, realtime factor (audio seconds per wall second)
//!    and the ratios.
//! 4. Scaling: `notes` on 2 threads over 10, 100 and 1,000 files of `--scale-seconds` (default
//!    10) seconds (up to `--scale-max`, default 1000), and on one thread over one 44.1 kHz FLAC
//!    of 1 minute, 10 minutes and 3 hours (up to `--long-max-s`, default 10800): the time per
//!    second of audio.
//!
//! Run it optimised, so that the in-process decode is timed as the release binary decodes:
//! `cargo run --release -p xtask -- bench-library` (a debug xtask says so and still runs).

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::music::Pattern;
use anyhow::{bail, Context, Result};
use audio_io::{AudioReader, BlockSource};

const RATES: [u32; 4] = [44100, 48000, 22050, 32000];

struct Options {
    files: usize,
    seconds: f64,
    librosa_files: Option<usize>,
    scale_seconds: f64,
    scale_max: usize,
    long_max_s: f64,
    python: String,
    /// The `chromacluster` binary to time (`--bin PATH`; default: built by `cargo build --release`).
    binary: Option<PathBuf>,
    song_rounds: usize,
    song_passes: usize,
    library_passes: usize,
    /// Sections to run (`--only song,library,scaling,long`; default all).
    only: Vec<String>,
}

impl Options {
    fn runs(&self, section: &str) -> bool {
        let listed = self.only.iter().filter(|s| *s != "generate").count();
        listed == 0 || self.only.iter().any(|s| s == section)
    }

    /// `--only ...,generate`: write the files of the sections, time nothing.
    fn generate_only(&self) -> bool {
        self.only.iter().any(|s| s == "generate")
    }
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options {
        files: 200,
        seconds: 180.0,
        librosa_files: None,
        scale_seconds: 10.0,
        scale_max: 1000,
        long_max_s: 10800.0,
        python: "python3".to_owned(),
        binary: None,
        song_rounds: 5,
        song_passes: 3,
        library_passes: 2,
        only: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let bad = || format!("bad value for {flag}: {value}");
        match flag.as_str() {
            "--files" => o.files = value.parse().with_context(bad)?,
            "--seconds" => o.seconds = value.parse().with_context(bad)?,
            "--librosa-files" => o.librosa_files = Some(value.parse().with_context(bad)?),
            "--scale-seconds" => o.scale_seconds = value.parse().with_context(bad)?,
            "--scale-max" => o.scale_max = value.parse().with_context(bad)?,
            "--long-max-s" => o.long_max_s = value.parse().with_context(bad)?,
            "--python" => o.python = value.clone(),
            "--bin" => o.binary = Some(PathBuf::from(value)),
            "--only" => {
                o.only = value.split(',').map(str::to_owned).collect();
                if let Some(s) = o.only.iter().find(|s| {
                    !["song", "library", "scaling", "long", "generate"].contains(&s.as_str())
                }) {
                    bail!("unknown section {s} (song, library, scaling, long, generate)");
                }
            }
            "--song-rounds" => o.song_rounds = value.parse().with_context(bad)?,
            "--song-passes" => o.song_passes = value.parse().with_context(bad)?,
            "--library-passes" => o.library_passes = value.parse().with_context(bad)?,
            _ => bail!("unknown option {flag}"),
        }
    }
    if o.files == 0
        || o.song_rounds == 0
        || o.song_passes == 0
        || o.library_passes == 0
        || o.seconds.is_nan()
        || o.seconds <= 0.0
        || o.scale_seconds.is_nan()
        || o.scale_seconds <= 0.0
    {
        bail!(
            "--files, --seconds, --scale-seconds, --song-rounds, --song-passes and \
             --library-passes must be positive"
        );
    }
    Ok(o)
}

/// The library's music: the benchmarks' cadence pattern ([`Pattern`]), started at a different
/// place in each file, under a slow swell.
type Music = Pattern;

impl Pattern {
    /// `frames` stereo 16-bit sample frames starting at pattern offset `start`, handed to
    /// `sink` interleaved, a block at a time (a 3-hour file is never held whole).
    fn render(
        &mut self,
        start: usize,
        frames: usize,
        sample_rate: u32,
        sink: &mut dyn FnMut(&[i32]) -> Result<()>,
    ) -> Result<()> {
        const BLOCK: usize = 1 << 16;
        let mut out = Vec::with_capacity(2 * BLOCK);
        for i in 0..frames {
            let t = i as f64 / f64::from(sample_rate);
            let gain = 0.3 + 0.7 * (0.5 + 0.5 * (2.0 * std::f64::consts::PI * t / 60.0).cos());
            out.extend(self.frame(start + i, gain));
            if out.len() == 2 * BLOCK {
                sink(&out)?;
                out.clear();
            }
        }
        if !out.is_empty() {
            sink(&out)?;
        }
        Ok(())
    }
}

fn have_ffmpeg() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn write_flac(path: &Path, music: &mut Music, start: usize, frames: usize, fs: u32) -> Result<()> {
    let file = BufWriter::new(File::create(path)?);
    let mut writer = flac_codec::encode::FlacSampleWriter::new(
        file,
        flac_codec::encode::Options::default(),
        fs,
        16,
        2,
        Some(2 * frames as u64),
    )?;
    music.render(start, frames, fs, &mut |block| Ok(writer.write(block)?))?;
    writer.finalize()?;
    Ok(())
}

fn write_wav(path: &Path, music: &mut Music, start: usize, frames: usize, fs: u32) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: fs,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec)?;
    music.render(start, frames, fs, &mut |block| {
        for &s in block {
            writer.write_sample(s as i16)?;
        }
        Ok(())
    })?;
    writer.finalize()?;
    Ok(())
}

fn write_mp3(path: &Path, music: &mut Music, start: usize, frames: usize, fs: u32) -> Result<()> {
    let mut child = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-f", "s16le", "-ar"])
        .arg(fs.to_string())
        .args([
            "-ac",
            "2",
            "-i",
            "-",
            "-codec:a",
            "libmp3lame",
            "-b:a",
            "128k",
        ])
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .context("cannot run ffmpeg")?;
    let mut stdin = child.stdin.take().context("ffmpeg stdin")?;
    music.render(start, frames, fs, &mut |block| {
        let bytes: Vec<u8> = block
            .iter()
            .flat_map(|&s| (s as i16).to_le_bytes())
            .collect();
        Ok(stdin.write_all(&bytes)?)
    })?;
    drop(stdin);
    if !child.wait()?.success() {
        bail!("ffmpeg failed on {}", path.display());
    }
    Ok(())
}

/// Writes (unless present) `n` files of `seconds` into `dir`; returns their paths and the
/// total seconds of audio.
fn collection(dir: &Path, n: usize, seconds: f64, mp3: bool) -> Result<(Vec<PathBuf>, f64)> {
    std::fs::create_dir_all(dir)?;
    let mut paths = Vec::with_capacity(n);
    let mut total = 0.0;
    for i in 0..n {
        let fs = RATES[i % RATES.len()];
        let ext = if mp3 && i % 2 == 1 { "mp3" } else { "flac" };
        paths.push(dir.join(format!("{i:05}_{fs}.{ext}")));
        total += (seconds * f64::from(fs)) as usize as f64 / f64::from(fs);
    }
    // The missing files, written on every core (each thread renders its own patterns).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let paths_ref = &paths;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                s.spawn(move || -> Result<()> {
                    let mut musics: Vec<(u32, Music)> = Vec::new();
                    for (i, path) in paths_ref.iter().enumerate().skip(k).step_by(threads) {
                        if path.exists() {
                            continue;
                        }
                        let fs = RATES[i % RATES.len()];
                        let frames = (seconds * f64::from(fs)) as usize;
                        if !musics.iter().any(|(r, _)| *r == fs) {
                            musics.push((fs, Music::new(fs)));
                        }
                        let music =
                            &mut musics.iter_mut().find(|(r, _)| *r == fs).expect("added").1;
                        let start = (i * 7919 * fs as usize / 1000) % music.len();
                        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("flac");
                        let tmp = path.with_extension(format!("partial.{ext}"));
                        if ext == "mp3" {
                            write_mp3(&tmp, music, start, frames, fs)?;
                        } else {
                            write_flac(&tmp, music, start, frames, fs)?;
                        }
                        std::fs::rename(&tmp, path)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().expect("generating thread")?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok((paths, total))
}

/// Wall seconds to decode every file with symphonia alone on `threads` threads. Each thread
/// takes the next file not yet taken (as rayon's workers in `notes` do), so that no thread idles
/// while another still has files: a fixed split would give one thread every MP3 (the library
/// alternates FLAC and MP3) and time the slower half instead of the whole.
fn decode_time(paths: &[PathBuf], threads: usize) -> Result<f64> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let next = &next;
                s.spawn(move || -> Result<f64> {
                    let mut acc = 0.0;
                    while let Some(p) =
                        paths.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    {
                        let mut r = AudioReader::open(p)?;
                        while let Some(b) = r.next_block()? {
                            acc += b.first().copied().unwrap_or(0.0);
                        }
                    }
                    Ok(acc)
                })
            })
            .collect();
        for h in handles {
            std::hint::black_box(h.join().expect("decode thread")?);
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(t.elapsed().as_secs_f64())
}

/// Wall seconds of `chromacluster notes INPUTS --jobs N -o table.csv`.
fn notes_time(binary: &Path, inputs: &[&Path], jobs: usize, out: &Path) -> Result<f64> {
    let t = Instant::now();
    let status = Command::new(binary)
        .arg("notes")
        .args(inputs)
        .args(["--quiet", "--jobs", &jobs.to_string(), "-o"])
        .arg(out)
        .status()
        .context("cannot run chromacluster")?;
    let secs = t.elapsed().as_secs_f64();
    if !status.success() {
        bail!("chromacluster notes failed ({status})");
    }
    Ok(secs)
}

const LIBROSA: &str = r#"
import json, sys, time
import numpy as np
import librosa
from joblib import Parallel, delayed
jobs, kind, rounds, paths = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def one(p):
    y, sr = librosa.load(p, sr=None, mono=True)
    if kind == "stft":
        c = librosa.feature.chroma_stft(y=y, sr=sr)
    else:
        c = librosa.feature.chroma_cqt(y=y, sr=sr)
    return c.mean(axis=1)
Parallel(n_jobs=jobs)(delayed(one)(p) for p in paths[:jobs])  # start workers, warm caches
best = float("inf")
for _ in range(rounds):
    t = time.perf_counter()
    Parallel(n_jobs=jobs)(delayed(one)(p) for p in paths)
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "version": librosa.__version__}))
"#;

/// Wall seconds of librosa's pipeline `kind` over `paths` on `jobs` joblib workers (the best of
/// `rounds` runs), run by the interpreter `python`, or why not.
fn librosa_time(
    python: &str,
    paths: &[PathBuf],
    jobs: usize,
    kind: &str,
    rounds: usize,
) -> Result<(f64, String), String> {
    let out = Command::new(python)
        .args(["-c", LIBROSA, &jobs.to_string(), kind, &rounds.to_string()])
        .args(paths)
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("MKL_NUM_THREADS", "1")
        .env("NUMBA_NUM_THREADS", "1")
        .output()
        .map_err(|e| format!("{python} not runnable: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("{python}/librosa failed: {last}"));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| -> Option<String> {
        let at = text.find(&format!("\"{name}\": "))? + name.len() + 4;
        let rest = &text[at..];
        let end = rest.find([',', '}'])?;
        Some(rest[..end].trim().trim_matches('"').to_string())
    };
    let secs = field("seconds")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("unexpected librosa output: {text}"))?;
    Ok((secs, field("version").unwrap_or_default()))
}

/// The one-song measurement: one 44.1 kHz stereo song of `--seconds` as WAV, FLAC and (with
/// ffmpeg) MP3; for each, `chromacluster notes SONG --jobs 1` and librosa's two pipelines on
/// one worker, each the best of `--song-rounds` runs, and the ratios.
fn one_song(o: &Options, root: &Path, binary: &Path, mp3: bool, table: &Path) -> Result<()> {
    const FS: u32 = 44100;
    let dir = root.join(format!("song_{}s", o.seconds as u64));
    std::fs::create_dir_all(&dir)?;
    let frames = (o.seconds * f64::from(FS)) as usize;
    let audio = frames as f64 / f64::from(FS);
    let mut songs = Vec::new();
    for ext in ["wav", "flac", "mp3"] {
        if ext == "mp3" && !mp3 {
            println!("  (no MP3 song: ffmpeg not found)");
            continue;
        }
        let path = dir.join(format!("song.{ext}"));
        if !path.exists() {
            let tmp = path.with_extension(format!("partial.{ext}"));
            // A fresh pattern per format, so that the three files hold the same song.
            let mut music = Music::new(FS);
            match ext {
                "wav" => write_wav(&tmp, &mut music, 0, frames, FS)?,
                "flac" => write_flac(&tmp, &mut music, 0, frames, FS)?,
                _ => write_mp3(&tmp, &mut music, 0, frames, FS)?,
            }
            std::fs::rename(&tmp, &path)?;
        }
        songs.push((ext, path));
    }
    if o.generate_only() {
        return Ok(());
    }
    println!(
        "--- one song: {} s, 44.1 kHz stereo 16-bit, one thread, best of {} runs each in each of {} alternating passes",
        o.seconds, o.song_rounds, o.song_passes
    );
    for (ext, path) in &songs {
        let one = std::slice::from_ref(path);
        let mut notes = f64::INFINITY;
        let mut librosa: [Result<(f64, String), String>; 2] = [
            Ok((f64::INFINITY, String::new())),
            Ok((f64::INFINITY, String::new())),
        ];
        for _ in 0..o.song_passes {
            for _ in 0..o.song_rounds {
                notes = notes.min(notes_time(binary, &[path.as_path()], 1, table)?);
            }
            for (best, kind) in librosa.iter_mut().zip(["stft", "cqt"]) {
                if let Ok((secs, version)) = best {
                    match librosa_time(&o.python, one, 1, kind, o.song_rounds) {
                        Ok((s, v)) => {
                            *secs = secs.min(s);
                            *version = v;
                        }
                        Err(why) => *best = Err(why),
                    }
                }
            }
        }
        println!(
            "  {ext:<4} chromacluster notes --jobs 1          {notes:8.3} s  realtime x{:7.0}",
            audio / notes
        );
        for (best, kind) in librosa.iter().zip(["stft", "cqt"]) {
            match best {
                Ok((secs, version)) => println!(
                    "  {ext:<4} librosa {version} chroma_{kind:<4}, 1 worker   {secs:8.3} s  realtime x{:7.0}  notes is {:.2}x faster",
                    audio / secs,
                    secs / notes
                ),
                Err(why) => println!("  {ext:<4} librosa chroma_{kind} skipped: {why}"),
            }
        }
    }
    Ok(())
}

pub fn run(args: &[String]) -> Result<()> {
    let o = parse(args)?;
    if cfg!(debug_assertions) {
        println!(
            "note: this xtask is a debug build, so the decode-only figure is slower than the \
             release binary's decoder: run `cargo run --release -p xtask -- bench-library`"
        );
    }
    let binary = match &o.binary {
        Some(b) => b.clone(),
        None => crate::docs::release_binary()?,
    };
    let root = crate::docs::workspace()
        .join("target")
        .join("bench-library");
    let mp3 = have_ffmpeg();
    if !mp3 {
        println!("note: ffmpeg not found, so the library is FLAC only (no MP3)");
    }
    let table = root.join("notes.csv");
    if o.runs("song") {
        one_song(&o, &root, &binary, mp3, &table)?;
    }
    if o.runs("library") {
        library(&o, &root, &binary, mp3, &table)?;
    }
    if o.runs("scaling") {
        scaling(&o, &root, &binary, mp3, &table)?;
    }
    if o.runs("long") {
        long_files(&o, &root, &binary, &table)?;
    }
    Ok(())
}

/// Section 3: the library on 1 and 2 threads.
fn library(o: &Options, root: &Path, binary: &Path, mp3: bool, table: &Path) -> Result<()> {
    let binary = binary.to_path_buf();
    let table = table.to_path_buf();
    let secs_tag = o.seconds as u64;
    let dir = root.join(format!(
        "lib_{}x{}s{}",
        o.files,
        secs_tag,
        if mp3 { "" } else { "_flac" }
    ));
    let t = Instant::now();
    let (paths, audio_s) = collection(&dir, o.files, o.seconds, mp3)?;
    println!(
        "library: {} files x {} s ({:.1} h of audio; FLAC{} at 44.1/48/22.05/32 kHz, stereo), ready in {:.0} s",
        paths.len(),
        o.seconds,
        audio_s / 3600.0,
        if mp3 { " and MP3 128 kb/s" } else { "" },
        t.elapsed().as_secs_f64()
    );
    if o.generate_only() {
        return Ok(());
    }
    let n_librosa = o.librosa_files.unwrap_or(paths.len()).min(paths.len());
    let librosa_paths = &paths[..n_librosa];
    let librosa_audio: f64 = audio_s * n_librosa as f64 / paths.len() as f64;
    for jobs in [1usize, 2] {
        println!("--- {jobs} thread(s)");
        // Decode-only and notes alternate, `--library-passes` times; the best of each is kept
        // and every pass's ratio printed, so a slow spell of the host shows.
        let (mut decode, mut notes) = (f64::INFINITY, f64::INFINITY);
        for pass in 1..=o.library_passes {
            let d = decode_time(&paths, jobs)?;
            let n = notes_time(&binary, &[dir.as_path()], jobs, &table)?;
            if o.library_passes > 1 {
                println!(
                    "  pass {pass}: decode only {d:6.2} s, notes {n:6.2} s: {:.2}x",
                    n / d
                );
            }
            decode = decode.min(d);
            notes = notes.min(n);
        }
        let line = |what: &str, secs: f64, files: usize, audio: f64| {
            println!(
                "  {what:<44} {secs:8.2} s  {:7.2} files/s  realtime x{:7.0}",
                files as f64 / secs,
                audio / secs
            );
        };
        line("symphonia decode only", decode, paths.len(), audio_s);
        line(
            &format!("chromacluster notes --jobs {jobs}"),
            notes,
            paths.len(),
            audio_s,
        );
        println!(
            "  notes / decode-only time: {:.2}x{}",
            notes / decode,
            if o.library_passes > 1 {
                " (best of each)"
            } else {
                ""
            }
        );
        for kind in ["stft", "cqt"] {
            match librosa_time(&o.python, librosa_paths, jobs, kind, 1) {
                Ok((secs, version)) => {
                    line(
                        &format!(
                            "librosa {version} chroma_{kind}, joblib {jobs} ({n_librosa} files)"
                        ),
                        secs,
                        n_librosa,
                        librosa_audio,
                    );
                    println!(
                        "  notes speed / librosa chroma_{kind} speed (realtime factors): {:.2}x",
                        (audio_s / notes) / (librosa_audio / secs)
                    );
                }
                Err(why) => println!("  librosa chroma_{kind} skipped: {why}"),
            }
        }
    }

    Ok(())
}

/// Section 4: scaling with the number of files.
fn scaling(o: &Options, root: &Path, binary: &Path, mp3: bool, table: &Path) -> Result<()> {
    println!(
        "--- scaling, notes --jobs 2, files of {} s",
        o.scale_seconds
    );
    let max = o.scale_max.min(1000);
    let scale_dir = root.join(format!(
        "scale_{}s{}",
        o.scale_seconds as u64,
        if mp3 { "" } else { "_flac" }
    ));
    let (scale_paths, _) = collection(&scale_dir, max, o.scale_seconds, mp3)?;
    if o.generate_only() {
        return Ok(());
    }
    let (binary, table) = (binary.to_path_buf(), table.to_path_buf());
    for n in [10usize, 100, 1000].into_iter().filter(|&n| n <= max) {
        let sub = root.join(format!("scale_{n}"));
        let _ = std::fs::remove_dir_all(&sub);
        std::fs::create_dir_all(&sub)?;
        let mut audio = 0.0;
        for p in &scale_paths[..n] {
            std::fs::hard_link(p, sub.join(p.file_name().expect("file name"))).or_else(|_| {
                std::fs::copy(p, sub.join(p.file_name().expect("file name"))).map(|_| ())
            })?;
            audio += o.scale_seconds;
        }
        let secs = notes_time(&binary, &[sub.as_path()], 2, &table)?;
        println!(
            "  {n:5} files: {secs:8.2} s  {:.3} ms per second of audio",
            1000.0 * secs / audio
        );
    }
    Ok(())
}

/// Section 5: one file of growing length.
fn long_files(o: &Options, root: &Path, binary: &Path, table: &Path) -> Result<()> {
    let (binary, table) = (binary.to_path_buf(), table.to_path_buf());
    println!("--- one 44.1 kHz stereo FLAC, notes --jobs 1");
    for len in [60.0, 600.0, 10800.0]
        .into_iter()
        .filter(|&s| s <= o.long_max_s)
    {
        let long_dir = root.join(format!("long_{}", len as u64));
        let (p, audio) = collection(&long_dir, 1, len, false)?;
        if o.generate_only() {
            continue;
        }
        let secs = notes_time(&binary, &[p[0].as_path()], 1, &table)?;
        println!(
            "  {:>6} s: {secs:8.2} s  {:.3} ms per second of audio",
            len,
            1000.0 * secs / audio
        );
    }
    Ok(())
}

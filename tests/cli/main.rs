//! End-to-end tests of the `chromacluster` binary: real files from `testdata/`, real
//! processes, outputs read back. Human-readable output is pinned with insta snapshots.
//!
//! One test binary, one module per command or concern; the helpers shared by several modules
//! are here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod cluster_and_plots;
mod features;
mod help_and_info;
mod hostile_audio;
mod keys;
mod notes;
mod outputs;
mod resumable_runs;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// Runs the binary in `dir` with `args`; stderr is not a terminal, so no progress bar.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn run(args: &[&str]) -> Output {
    run_in(&testdata().join("corpus"), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn copy(from: &str, to_dir: &Path) -> PathBuf {
    let src = testdata().join("corpus").join(from);
    let dst = to_dir.join(src.file_name().unwrap());
    std::fs::copy(&src, &dst).unwrap();
    dst
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 24,
        "{} is too short for a PNG",
        path.display()
    );
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// A column as f64 values (nulls are a test failure).
fn floats(df: &polars::prelude::DataFrame, name: &str) -> Vec<f64> {
    let c = df
        .column(name)
        .unwrap_or_else(|e| panic!("column {name}: {e}"));
    let c = c.cast(&polars::prelude::DataType::Float64).unwrap();
    c.f64().unwrap().into_no_null_iter().collect()
}

/// A column as i64 values (nulls are a test failure).
fn ints(df: &polars::prelude::DataFrame, name: &str) -> Vec<i64> {
    let c = df
        .column(name)
        .unwrap_or_else(|e| panic!("column {name}: {e}"));
    let c = c.cast(&polars::prelude::DataType::Int64).unwrap();
    c.i64().unwrap().into_no_null_iter().collect()
}

/// A string column (nulls as empty strings).
fn strings(df: &polars::prelude::DataFrame, name: &str) -> Vec<String> {
    let c = df
        .column(name)
        .unwrap_or_else(|e| panic!("column {name}: {e}"));
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect()
}

fn read_table(path: &Path) -> polars::prelude::DataFrame {
    chroma_table::read_table(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs the binary with stdout connected to a pipe whose reader has already gone (as in
/// `chromacluster notes DIR | head -1` once head exits).
fn run_into_closed_pipe(dir: &Path, args: &[&str]) -> Output {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take()); // the reader closes its end at once
    child.wait_with_output().expect("the binary ends")
}

fn keys_table(dir: &Path) -> PathBuf {
    let table = dir.join("t.csv");
    let o = run(&["notes", "keys/piano", "-o", table.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    table
}

/// Writes short mono 8 kHz WAVs (`t00.wav`... for the numbers in `range`) into `dir`: tones of varied pitch and
/// length, deterministic.
fn synth_folder(dir: &Path, range: std::ops::Range<usize>) {
    synth_folder_with(dir, range, write_tone);
}

/// As [`synth_folder`], with files of 3 s at 44.1 kHz (a few ms of analysis each) for the tests
/// that stop a run midway: with the tiny files of `synth_folder` the rest of a run can finish
/// within the few ms between the poll that sees the journal grow and the signal, and a run
/// meant to be stopped ends first.
fn synth_folder_slow(dir: &Path, range: std::ops::Range<usize>) {
    synth_folder_with(dir, range, |path, midi, _| write_slow_tone(path, midi));
}

/// `dir/tNN.wav` for each `NN` in `range`, each a tone of its own pitch written by `write`.
fn synth_folder_with(dir: &Path, range: std::ops::Range<usize>, write: impl Fn(&Path, u8, usize)) {
    std::fs::create_dir_all(dir).unwrap();
    for i in range {
        write(
            &dir.join(format!("t{i:02}.wav")),
            45 + (i * 7 % 36) as u8,
            i,
        );
    }
}

fn write_slow_tone(path: &Path, midi: u8) {
    write_tone_of(path, midi, 3.0, 44_100);
}

fn write_tone(path: &Path, midi: u8, variant: usize) {
    write_tone_of(path, midi, 0.25 + 0.05 * (variant % 5) as f64, 8000);
}

fn write_tone_of(path: &Path, midi: u8, seconds: f64, sample_rate: u32) {
    use audio_io::synth;
    let x = synth::tone(synth::midi_to_hz(midi), seconds, sample_rate, 0.5);
    synth::write_wav(path, &[&x], sample_rate, synth::WavFormat::S16).unwrap();
}

/// The journal beside `output` and its number of complete record lines (header excluded).
fn journal_rows(output: &Path) -> Option<usize> {
    let journal = chroma_table::journal::journal_path(output);
    let bytes = std::fs::read(journal).ok()?;
    Some(
        bytes
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            .saturating_sub(1),
    )
}

/// Names in `dir` that start with `.chromacluster-` (temporary outputs).
fn temporaries(dir: &Path) -> Vec<String> {
    temporaries_larger_than(dir, None)
}

/// Names of the temporary outputs in `dir` holding more than `bytes` (all with `None`).
fn temporaries_larger_than(dir: &Path, bytes: Option<u64>) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| bytes.is_none_or(|b| e.metadata().is_ok_and(|m| m.len() > b)))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(durable_output::TEMP_PREFIX))
        .collect()
}

fn spawn_in(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits until `ready()` or the child exits (then false); panics after a minute.
fn wait_for(child: &mut std::process::Child, ready: impl Fn() -> bool) -> bool {
    let start = std::time::Instant::now();
    loop {
        if ready() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "timed out"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[cfg(unix)]
fn send_signal(pid: u32, signal: i32) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Runs the binary in `dir` under a 3 GB address-space limit (`ulimit -v`): an allocation sized
/// by a header's claim then fails at once (an abort, which the tests see) instead of exhausting
/// the machine.
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 3000000 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("sh runs")
}

/// A copy of corpus file `from` in `dir` named `name`, with `patch` applied to its bytes.
fn patched_copy(from: &str, dir: &Path, name: &str, patch: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(testdata().join("corpus").join(from)).unwrap();
    patch(&mut bytes);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A folder with two good WAVs (`good_a.wav`, `good_b.wav`) and a model fitted on them.
fn hostile_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good");
    std::fs::create_dir(&good).unwrap();
    std::fs::copy(
        testdata().join("corpus/formats/wav_pcm_s16le_22050_1ch.wav"),
        good.join("good_a.wav"),
    )
    .unwrap();
    std::fs::copy(
        testdata().join("corpus/real/doremi.wav"),
        good.join("good_b.wav"),
    )
    .unwrap();
    let model = dir.path().join("model.json");
    let out = run_in(
        dir.path(),
        &["cluster", "good", "-k", "2", "--save-model", "model.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, model)
}

fn write_wav(dir: &Path, name: &str, samples: &[f64], fs: u32) -> PathBuf {
    let path = dir.join(name);
    audio_io::synth::write_wav(&path, &[samples], fs, audio_io::synth::WavFormat::S16).unwrap();
    path
}

/// Runs the binary in `dir`, killing it (and failing the test) if it runs for more than 30 s:
/// for inputs that used to hang.
fn run_or_kill_after_30s(dir: &Path, args: &[&str]) -> Output {
    let mut child = spawn_in(dir, args);
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{args:?} still ran after 30 s: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

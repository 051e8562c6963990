//! Hostile audio: headers that lie, decoder panics, and memory that does not grow with the length.

use super::*;

/// Runs `args` (bounded) and checks it ended normally with `code`, naming `file` on stderr when
/// it failed; returns the output.
fn expect_exit(dir: &Path, args: &[&str], code: i32, file: &str, cause: &str) -> Output {
    let out = run_bounded(dir, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {:?}\n{}",
        out.status,
        stderr(&out)
    );
    if code != 0 {
        let err = stderr(&out);
        assert!(
            err.contains(file) && err.contains(cause),
            "{args:?}: stderr must name {file} and say {cause:?}:\n{err}"
        );
    }
    out
}

#[test]
fn a_wav_claiming_4_ghz_is_refused_by_every_command_and_the_batch_goes_on() {
    let (dir, _model) = hostile_dir();
    let d = dir.path();
    // Bytes 24..28 of a canonical WAV header: the fmt chunk's sample rate.
    patched_copy(
        "formats/wav_pcm_s16le_22050_1ch.wav",
        &d.join("good"),
        "rate_4ghz.wav",
        |b| b[24..28].copy_from_slice(&4_000_000_000u32.to_le_bytes()),
    );
    let cause = "unsupported sample rate 4000000000 Hz";
    expect_exit(
        d,
        &["notes", "good", "-o", "t.csv"],
        1,
        "rate_4ghz.wav",
        cause,
    );
    let t = read_table(&d.join("t.csv"));
    assert_eq!(
        strings(&t, "file").len(),
        2,
        "the good files' rows are written"
    );
    expect_exit(
        d,
        &["plot", "chromagram", "good/rate_4ghz.wav", "-o", "c.png"],
        1,
        "rate_4ghz.wav",
        cause,
    );
    expect_exit(
        d,
        &["cluster", "good", "-k", "2", "-o", "labels.csv"],
        1,
        "rate_4ghz.wav",
        cause,
    );
    assert_eq!(read_table(&d.join("labels.csv")).height(), 2);
    expect_exit(
        d,
        &["predict", "--model", "model.json", "good", "-o", "p.csv"],
        1,
        "rate_4ghz.wav",
        cause,
    );
    assert_eq!(read_table(&d.join("p.csv")).height(), 2);
    expect_exit(
        d,
        &["features", "good/rate_4ghz.wav"],
        1,
        "rate_4ghz.wav",
        cause,
    );
}

#[test]
fn an_mp3_claiming_2_pow_32_frames_decodes_in_bounded_memory_in_every_command() {
    let (dir, _model) = hostile_dir();
    let d = dir.path();
    // The corpus MP3 opens with an "Info" (CBR Xing) frame whose flags say a frame count
    // follows: the 4 bytes after "Info" + 8. Claim 0xFFFFFFFF MPEG frames (2^32 * 1152 samples).
    patched_copy(
        "formats/mp3_cbr192k_44100_2ch.mp3",
        &d.join("good"),
        "huge_count.mp3",
        |b| {
            let at = b
                .windows(4)
                .position(|w| w == b"Info")
                .expect("an Info frame")
                + 8;
            assert_eq!(b[at - 1] & 1, 1, "the Info flags announce a frame count");
            b[at..at + 4].copy_from_slice(&[0xff; 4]);
        },
    );
    let out = expect_exit(d, &["notes", "good", "-o", "t.csv"], 0, "", "");
    assert!(stderr(&out).is_empty() || !stderr(&out).contains("panicked"));
    let t = read_table(&d.join("t.csv"));
    let files = strings(&t, "file");
    assert_eq!(files.len(), 3, "{files:?}");
    let mp3 = files
        .iter()
        .position(|f| f.ends_with("huge_count.mp3"))
        .unwrap();
    // Three seconds of audio, whatever the header said.
    let duration = floats(&t, "duration_s")[mp3];
    assert!((duration - 3.0).abs() < 0.1, "duration {duration}");
    expect_exit(d, &["notes", "--summary", "good", "-o", "s.csv"], 0, "", "");
    expect_exit(
        d,
        &[
            "features",
            "good/huge_count.mp3",
            "--chroma",
            "accurate",
            "-o",
            "f.csv",
        ],
        0,
        "",
        "",
    );
    let out = expect_exit(
        d,
        &["plot", "chromagram", "good/huge_count.mp3", "-o", "c.png"],
        0,
        "",
        "",
    );
    assert!(out.status.success());
    assert_eq!(png_size(&d.join("c.png")), (1200, 500));
    expect_exit(
        d,
        &["cluster", "good", "-k", "2", "-o", "labels.csv"],
        0,
        "",
        "",
    );
    assert_eq!(read_table(&d.join("labels.csv")).height(), 3);
    expect_exit(
        d,
        &["predict", "--model", "model.json", "good", "-o", "p.csv"],
        0,
        "",
        "",
    );
    assert_eq!(read_table(&d.join("p.csv")).height(), 3);
}

/// The time(1) program, which runs a command and reports its peak resident set size (`%M`,
/// KiB) from `wait4`. A child's `ru_maxrss` starts from its parent's high-water mark (the
/// kernel carries it over at fork and exec), so measuring from this test process, which holds
/// the test signals, would only report this process's peak; time(1) is a small fresh parent.
const TIME: &str = "/usr/bin/time";

/// Runs the binary with `args` under time(1) and returns its peak resident set size in KiB,
/// after checking it succeeded.
fn peak_rss_kib(args: &[&str]) -> i64 {
    let out = Command::new(TIME)
        .args(["-f", "peak-rss-kib %M"])
        .arg(env!("CARGO_BIN_EXE_chromacluster"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .output()
        .expect("time(1) runs");
    let err = stderr(&out);
    assert!(out.status.success(), "chromacluster {args:?} failed: {err}");
    err.lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-rss-kib "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in time(1)'s output: {err}"))
}

/// `minutes` of music at 4 kHz (a 16 s cadence of chords, repeated, with a slow swell) as a
/// 16-bit WAV.
fn long_wav(dir: &Path, minutes: usize) -> PathBuf {
    use audio_io::synth::{self, Timbre, WavFormat};
    let sr = 4000;
    let chords: Vec<Vec<u8>> = [57u8, 62]
        .iter()
        .flat_map(|&t| synth::cadence_i_iv_v_i(t))
        .collect();
    let pattern = synth::render_chords(&chords, 2.0, Timbre::Organ, sr);
    let n = minutes * 60 * sr as usize;
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let swell = 0.55 + 0.45 * (i as f64 / (sr as f64 * 97.0)).sin();
            swell * pattern[i % pattern.len()]
        })
        .collect();
    let path = dir.join(format!("long_{minutes}min.wav"));
    synth::write_wav(&path, &[&x], sr, WavFormat::S16).unwrap();
    path
}

/// Peak memory must not grow with the file's length: each streaming command on a 40-minute file
/// peaks within 3 MB of the same command on a 10-minute file (both longer than one batch of
/// written rows). The two-pass commands keep the 10-minute file's samples for their second pass
/// (9.6 MB, `audio_io::Recorder`); the 40-minute one is past that budget and decoded twice. Before streaming, the 40-minute file held about 3-6 MB more for `notes`
/// (every chroma frame), 7 MB more for `notes --summary`, and 40-80 MB more for `features`
/// (the matrix and its copy).
#[test]
fn peak_memory_does_not_grow_with_the_length() {
    if !Path::new(TIME).exists() {
        // Debian's package `time`; present on the project's machines and CI.
        eprintln!("SKIPPED peak_memory_does_not_grow_with_the_length: {TIME} is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let short = long_wav(dir.path(), 10);
    let long = long_wav(dir.path(), 40);
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (csv, parquet, png) = (out("f.csv"), out("f.parquet"), out("c.png"));
    let commands: Vec<Vec<&str>> = vec![
        vec!["notes"],
        vec!["notes", "--summary", "--chroma", "pyaa"],
        vec!["features", "--deltas", "-o", &csv],
        vec![
            "features", "--chroma", "accurate", "--deltas", "-o", &parquet,
        ],
        vec!["features", "--deltas"],
        vec!["plot", "chromagram", "-o", &png],
    ];
    let mut report = Vec::new();
    for args in &commands {
        let with = |file: &Path| {
            let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let at = if a[0] == "plot" { 2 } else { 1 };
            a.insert(at, file.to_string_lossy().into_owned());
            a.extend(["--jobs".to_string(), "1".to_string()]);
            a
        };
        let measure = |file: &Path| {
            let a = with(file);
            peak_rss_kib(&a.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let small = measure(&short);
        let big = measure(&long);
        report.push(format!("{args:?}: {small} KiB -> {big} KiB"));
        assert!(
            big - small < 3 * 1024,
            "peak RSS grew from {small} KiB (10 min) to {big} KiB (40 min):\n{}",
            report.join("\n")
        );
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn a_decoder_panic_is_a_clean_error_without_a_panic_message() {
    // Fuzz inputs that panic inside symphonia (probe_step_by_zero.bin in 0.5's probe, whose
    // panic location is in core, so the old location-based hook printed it;
    // wav_channel_mask_shift_overflow.bin in 0.6.1's riff reader): audio-io catches the panic
    // and the binary's quiet hook keeps "thread '...' panicked at" off stderr.
    let out = run_in(
        &testdata(),
        &[
            "info",
            "fuzz/probe_step_by_zero.bin",
            "fuzz/wav_channel_mask_shift_overflow.bin",
            "corpus/formats/wav_pcm_s16le_8000_1ch.wav",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for name in [
        "probe_step_by_zero.bin",
        "wav_channel_mask_shift_overflow.bin",
    ] {
        assert!(
            err.lines().any(|l| l.starts_with("error: ")
                && l.contains(name)
                && l.contains("not an audio file")),
            "{err}"
        );
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("2 of 3 file(s) failed"), "{err}");
    assert!(stdout(&out).contains("wav_pcm_s16le_8000_1ch.wav"));
}

//! Every command's help and usage errors, `info`, `demo`, completions and the manual page.

use super::*;

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in [
        vec!["demo"],
        vec!["info"],
        vec!["notes"],
        vec!["features"],
        vec!["cluster"],
        vec!["predict"],
        vec!["plot", "chromagram"],
        vec!["plot", "notes"],
        vec!["plot", "clusters"],
        vec!["plot", "elbow"],
        vec!["completions"],
        vec!["manpage"],
    ] {
        let mut args = cmd.clone();
        args.push("--help");
        let out = run(&args);
        assert!(out.status.success(), "{cmd:?} --help failed");
        assert!(
            stdout(&out).contains("Example"),
            "{cmd:?} --help has no example:\n{}",
            stdout(&out)
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["cluster", "formats"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn info_reports_every_format() {
    let out = run(&["info", "formats"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("info_formats", stdout(&out));
}

#[test]
fn info_reports_bad_files_and_goes_on() {
    let out = run(&[
        "info",
        "bad/x.wav",
        "formats/flac_s16_44100_2ch.flac",
        "bad/y.flac",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("bad/x.wav"), "{err}");
    assert!(err.contains("bad/y.flac"), "{err}");
    assert!(stdout(&out).contains("formats/flac_s16_44100_2ch.flac"));
}

#[test]
fn demo_runs_the_whole_pipeline_and_finds_the_keys() {
    let out = run(&["demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let aris: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("adjusted Rand index"))
        .collect();
    assert_eq!(aris.len(), 2, "one comparison per profile:\n{text}");
    assert!(
        aris[1].contains("1.000 (every key is its own cluster)"),
        "the mean-chroma profile must recover the four keys:\n{text}"
    );
    insta::assert_snapshot!("demo", text);
    // The README shows this very output (`cargo xtask docs` rewrites it from the release binary).
    let readme = std::fs::read_to_string(testdata().join("../README.md")).unwrap();
    let block = readme
        .split("<!-- demo-output:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- demo-output:end -->").next())
        .expect("README has the demo-output markers");
    let shown: Vec<&str> = block
        .lines()
        .filter(|l| !l.starts_with("```") && !l.starts_with("$ cargo run"))
        .collect();
    assert_eq!(
        shown.join("\n").trim(),
        text.trim(),
        "README's demo block differs from the demo's output: run `cargo xtask docs`"
    );
}

/// Defect 9: bad numbers and two tables are usage errors (exit 2), found before any work.
#[test]
fn bad_numbers_and_two_tables_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let table = keys_table(dir.path());
    let t = table.to_str().unwrap();
    for args in [
        vec!["cluster", t, "-k", "0"],
        vec!["cluster", t, "-k", "abc"],
        vec!["cluster", t, "-k", "2.5"],
        vec!["cluster", t, "-k=-1"],
        vec!["cluster", t, "-k", "-1"],
        vec!["cluster", t, "-k", "2", "--n-init", "0"],
        vec!["cluster", t, "-k", "2", "--max-iter", "0"],
        vec!["cluster", t, t, "-k", "2"],
        vec!["plot", "elbow", t, "--max-k", "0", "-o", "e.png"],
        vec!["--jobs", "0", "notes", "keys/piano"],
        vec!["--jobs", "100000", "notes", "keys/piano"],
    ] {
        let o = run_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
}

/// Completions and the man page come from the clap definition: they name every command.
#[test]
fn completions_and_manpage_name_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for command in ["notes", "cluster", "predict", "features", "plot"] {
            assert!(
                script.contains(command),
                "{shell} completion lacks {command}"
            );
        }
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let o = run(&["manpage"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(
        page.starts_with(".ie") || page.contains(".TH chromacluster"),
        "{page}"
    );
    assert!(page.contains("notes") && page.contains("cluster"), "{page}");
    let o = run_into_closed_pipe(&testdata(), &["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Row 8: negative cents after `--tuning` are a value, not a flag (`--tuning=-50` always
/// worked); the tuning reaches the table.
#[test]
fn negative_tuning_is_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("a4.wav");
    write_tone_of(&tone, 69, 1.0, 22_050);
    for command in ["notes", "key"] {
        let out = run_in(
            dir.path(),
            &[command, "a4.wav", "--tuning", "-50", "-o", "t.csv"],
        );
        assert!(out.status.success(), "{command}: {}", stderr(&out));
        let table = read_table(&dir.path().join("t.csv"));
        let cents = floats(&table, "tuning_cents");
        // Cents go through a frequency ratio and back: equal to 1e-9.
        assert!((cents[0] + 50.0).abs() < 1e-9, "{command}: {cents:?}");
    }
}

/// Row 11: `--embed-clips 0` is refused in words that include 0's side of the range.
#[test]
fn embed_clips_zero_is_refused_as_not_above_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "file,a,b\nx,0,1\ny,1,0\nz,1,1\n").unwrap();
    for seconds in ["0", "60.5"] {
        let out = run_in(
            dir.path(),
            &[
                "report",
                "t.csv",
                "-k",
                "2",
                "--embed-clips",
                seconds,
                "-o",
                "r.html",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("above 0 and at most 60"), "{err}");
        assert!(!err.contains("between 0 and"), "{err}");
    }
}

/// Row 7: `info` shows the decoded length, and a header claiming something else beside it as
/// a claim (a WAV stating 24 h with 3 s of data, FLACs with a changed total_samples).
#[test]
fn info_shows_the_decoded_length_not_a_header_claim() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Bytes 40..44 of a canonical WAV header: the data chunk's size (22,050 Hz, 16-bit mono);
    // 4..8 the RIFF size, which must hold it.
    patched_copy("formats/wav_pcm_s16le_22050_1ch.wav", d, "day.wav", |b| {
        let data = 86_400u32 * 22_050 * 2;
        b[40..44].copy_from_slice(&data.to_le_bytes());
        b[4..8].copy_from_slice(&(data + 36).to_le_bytes());
    });
    // Bytes 18..26: STREAMINFO's rate, channels, bits and (low 36 bits) total samples.
    let total = |samples: u64| {
        move |b: &mut Vec<u8>| {
            let mut v = u64::from_be_bytes(b[18..26].try_into().unwrap());
            v = (v & !((1u64 << 36) - 1)) | samples;
            b[18..26].copy_from_slice(&v.to_be_bytes());
        }
    };
    patched_copy(
        "formats/flac_s16_44100_2ch.flac",
        d,
        "huge.flac",
        total((1 << 36) - 1),
    );
    patched_copy("formats/flac_s16_44100_2ch.flac", d, "zero.flac", total(0));
    let out = run_in(d, &["info", "day.wav", "huge.flac", "zero.flac"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
            .to_string()
    };
    let day = line("day.wav");
    assert!(
        day.contains(" 66150 ") && day.contains("3.000 (header claims 86400.000)"),
        "{day}"
    );
    let huge = line("huge.flac");
    assert!(
        huge.contains(" 132300 ") && huge.contains("3.000 (header claims 1558264."),
        "{huge}"
    );
    let zero = line("zero.flac");
    assert!(
        zero.contains(" 132300 ") && zero.contains("3.000"),
        "{zero}"
    );
}

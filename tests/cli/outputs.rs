//! Outputs: atomic, checked before any work, never an input, a closed or full stdout, signals.

use super::*;

#[test]
fn an_existing_output_is_only_replaced_by_a_complete_one() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("keep.csv");
    std::fs::write(&out_path, "old contents\n").unwrap();
    copy("bad/x.wav", dir.path());
    let out = run_in(dir.path(), &["notes", "x.wav", "-o", "keep.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&out_path).unwrap(),
        "old contents\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".chromacluster")
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[cfg(unix)]
#[test]
fn outputs_are_not_private_temporary_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("notes.csv");
    let png = dir.path().join("notes.png");
    let out = run(&[
        "notes",
        "notes/piano/69_A4.wav",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&[
        "plot",
        "notes",
        "notes/piano/69_A4.wav",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for path in [&csv, &png] {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        // What File::create gives under the usual umasks (022, 002): readable by others.
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let expected = std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected, "{} has mode {mode:o}", path.display());
    }
    // Replacing a file keeps its permissions.
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run(&[
        "notes",
        "notes/piano/60_C4.wav",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(&csv).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

/// Defect 3: a closed pipe ends every command quietly, and the files named by `-o` and
/// `--save-model` are written whatever happens to stdout.
#[test]
fn a_closed_stdout_pipe_is_a_quiet_end_and_outputs_are_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let table = keys_table(dir.path());
    let corpus = testdata().join("corpus");
    for args in [
        vec!["notes", "keys/piano"],
        vec!["info", "formats"],
        vec!["features", "real/doremi.wav"],
        vec!["demo"],
    ] {
        let o = run_into_closed_pipe(&corpus, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    }
    let labels = dir.path().join("c.csv");
    let model = dir.path().join("m.json");
    let o = run_into_closed_pipe(
        dir.path(),
        &[
            "cluster",
            table.to_str().unwrap(),
            "-k",
            "2",
            "-o",
            labels.to_str().unwrap(),
            "--save-model",
            model.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(read_table(&labels).height(), 6);
    kmeans::KMeansModel::load(&model).expect("a complete model");
}

/// Defect 3: a full device is an error (exit 1) with a message, not a panic.
#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("SKIPPED a_full_stdout_is_an_error_not_a_panic: no /dev/full on this system");
        return;
    };
    let o = Command::new(env!("CARGO_BIN_EXE_chromacluster"))
        .args(["notes", "keys/piano"])
        .current_dir(testdata().join("corpus"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write to standard output"),
        "{}",
        stderr(&o)
    );
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_remove_temporary_files_and_a_sigkill_leftover_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    // Ten minutes of noise: writing its 68-column feature matrix takes long enough to signal
    // the process while the temporary file is being written.
    let long = dir.path().join("long.wav");
    let x = audio_io::synth::white_noise(600.0, 8000, 0.3, 1);
    audio_io::synth::write_wav(&long, &[&x], 8000, audio_io::synth::WavFormat::S16).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for (signal, code) in [(libc_sig::SIGTERM, 143), (libc_sig::SIGINT, 130)] {
        let mut child = spawn_in(
            dir.path(),
            &["features", "long.wav", "--deltas", "-o", "out/frames.csv"],
        );
        // Data in it: the output itself, not the empty probe of the folder's writability.
        let caught = wait_for(&mut child, || {
            !temporaries_larger_than(&out_dir, Some(0)).is_empty()
        });
        assert!(
            caught,
            "features finished before its temporary file was seen"
        );
        send_signal(child.id(), signal);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
        assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
        assert_eq!(
            temporaries(&out_dir),
            Vec::<String>::new(),
            "signal {signal}"
        );
        assert!(!out_dir.join("frames.csv").exists());
    }

    // notes -o interrupted mid-batch: exit 130, no temporary file, the journal kept; the same
    // command then finishes.
    let audio = dir.path().join("audio");
    synth_folder_slow(&audio, 0..30);
    let args = [
        "--jobs",
        "1",
        "notes",
        "audio",
        "--checkpoint-every",
        "1",
        "-o",
        "out/t.csv",
    ];
    let table = out_dir.join("t.csv");
    let mut child = spawn_in(dir.path(), &args);
    assert!(wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 4)));
    send_signal(child.id(), libc_sig::SIGINT);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(journal_rows(&table).is_some_and(|r| r >= 4));

    // What a SIGKILL leaves: temporary files of our own prefix, an old one and a young one
    // (which may belong to a live writer). Neither is input nor mentioned; the old one is
    // removed when a run writes to that folder.
    let stale = audio.join(".chromacluster-Ab12Cd");
    let young = audio.join(".chromacluster-Ef34Gh");
    for p in [&stale, &young] {
        std::fs::write(p, b"RIFF....WAVE half-written").unwrap();
    }
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 3600))
        .unwrap();
    let out = run_in(
        dir.path(),
        &["--jobs", "1", "notes", "audio", "-o", "audio/inside.csv"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains(".chromacluster-"),
        "{}",
        stderr(&out)
    );
    assert!(!stale.exists(), "the stale temporary file was kept");
    assert!(young.exists(), "a young temporary file was removed");
    assert_eq!(read_table(&audio.join("inside.csv")).height(), 30);
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    assert_eq!(read_table(&table).height(), 30);
}

/// Signal numbers (Linux and the BSDs agree on these two).
#[cfg(unix)]
mod libc_sig {
    pub const SIGINT: i32 = 2;
    pub const SIGTERM: i32 = 15;
}

#[test]
fn outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder(&dir.path().join("audio"), 0..3);
    std::fs::copy(
        testdata().join("corpus/bad/x.wav"),
        dir.path().join("audio/bad.wav"),
    )
    .unwrap();
    let expect_usage = |args: &[&str], says: &str| {
        let out = run_in(dir.path(), args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        // Nothing was analysed: the bad file would have been reported.
        assert!(
            !err.contains("bad.wav"),
            "{args:?} worked before failing: {err}"
        );
    };
    expect_usage(&["notes", "audio", "-o", "out.xyz"], "unknown table format");
    expect_usage(
        &["notes", "audio", "-o", "no/such/dir/t.csv"],
        "does not exist",
    );
    expect_usage(&["notes", "audio", "-o", "audio"], "folder");
    expect_usage(
        &["features", "audio/t00.wav", "-o", "f.txt"],
        "unknown table format",
    );
    expect_usage(
        &["plot", "notes", "audio", "-o", "n.jpg"],
        "unknown picture format",
    );
    expect_usage(
        &["plot", "elbow", "audio", "-o", "nowhere/e.png"],
        "does not exist",
    );

    let out = run_in(dir.path(), &["notes", "audio", "-o", "t.pq"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let before = std::fs::read(dir.path().join("t.pq")).unwrap();
    // .pq reads back as a table.
    let out = run_in(dir.path(), &["cluster", "t.pq", "-k", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("3 file(s)"), "{}", stdout(&out));

    let expect_refused = |args: &[&str], says: &str| {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(
            !dir.path().join("m.json").exists(),
            "{args:?} saved the model"
        );
        assert_eq!(std::fs::read(dir.path().join("t.pq")).unwrap(), before);
    };
    expect_refused(
        &[
            "cluster",
            "t.pq",
            "-k",
            "2",
            "--save-model",
            "m.json",
            "-o",
            "out.xyz",
        ],
        "unknown table format",
    );
    expect_refused(
        &["cluster", "t.pq", "-k", "2", "-o", "t.pq"],
        "also an input",
    );
    expect_refused(
        &["cluster", "./t.pq", "-k", "2", "-o", "t.pq"],
        "also an input",
    );
    expect_refused(
        &[
            "cluster",
            "t.pq",
            "-k",
            "2",
            "-o",
            "m.json",
            "--save-model",
            "m.json",
        ],
        "same file",
    );
    let out = run_in(
        dir.path(),
        &["cluster", "t.pq", "-k", "2", "--save-model", "model.json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let model = std::fs::read(dir.path().join("model.json")).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "predict",
            "--model",
            "model.json",
            "t.pq",
            "-o",
            "model.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("model.json")).unwrap(), model);
}

/// Row 1: an output that is, or would be, an audio file among the inputs is refused (exit 2)
/// before any work, whatever its extension and however it is spelled; the audio is intact.
#[cfg(unix)]
#[test]
fn an_output_that_is_or_would_be_an_audio_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder(&audio, 0..3);
    std::fs::create_dir(audio.join("sub")).unwrap();
    write_tone(&audio.join("sub/a.wav"), 60, 1);
    std::os::unix::fs::symlink(&audio, dir.path().join("link")).unwrap();
    std::os::unix::fs::symlink(audio.join("t01.wav"), dir.path().join("model.json")).unwrap();
    let before: Vec<Vec<u8>> = ["t00.wav", "t01.wav", "sub/a.wav"]
        .iter()
        .map(|f| std::fs::read(audio.join(f)).unwrap())
        .collect();
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/t00.wav",
        ],
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/sub/a.wav",
        ],
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/sub/../t01.wav",
        ],
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "link/t00.wav",
        ],
        // A link to an input: the model would be written where the link is, but refuse it.
        vec!["cluster", "audio", "-k", "2", "--save-model", "model.json"],
        // A new audio file name in the folder being analysed: the next run would read it.
        vec![
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/new.wav",
        ],
        vec![
            "cluster",
            "link",
            "-k",
            "2",
            "--save-model",
            "audio/sub/new.FLAC",
        ],
        vec!["notes", "audio", "-o", "link/sub/a.wav"],
        vec![
            "plot",
            "clusters",
            "audio",
            "-k",
            "2",
            "-o",
            "audio/t00.wav",
        ],
        vec!["report", "audio", "-k", "2", "-o", "audio/t00.wav"],
        vec![
            "predict",
            "--model",
            "m.json",
            "audio",
            "-o",
            "audio/t00.wav",
        ],
        vec!["key", "audio", "-o", "audio/x.mp3"],
    ];
    for args in &cases {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    let after: Vec<Vec<u8>> = ["t00.wav", "t01.wav", "sub/a.wav"]
        .iter()
        .map(|f| std::fs::read(audio.join(f)).unwrap())
        .collect();
    assert!(before == after, "an audio input was replaced");
    assert!(!audio.join("new.wav").exists());
    let err = stderr(&run_in(dir.path(), &cases[0]));
    assert!(
        err.contains("audio/t00.wav") && err.contains("audio input"),
        "{err}"
    );
    // Outputs beside the audio that no run takes as input stay allowed.
    let out = run_in(
        dir.path(),
        &[
            "cluster",
            "audio",
            "-k",
            "2",
            "--save-model",
            "audio/model.json",
            "-o",
            "audio/c.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

//! Resumable runs: killed batches resumed, `--update`, shards, the journal's hidden files and lock.

use super::*;

#[cfg(unix)]
#[test]
fn a_batch_killed_again_and_again_resumes_to_the_table_of_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let n = 60;
    synth_folder_slow(&dir.path().join("audio"), 0..n);
    let base = ["--jobs", "1", "notes", "audio", "--checkpoint-every", "3"];
    let with_output = |out: &str| {
        let mut v: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        v.extend(["-o".to_string(), out.to_string()]);
        v
    };
    let reference_args = with_output("reference.csv");
    let refs: Vec<&str> = reference_args.iter().map(String::as_str).collect();
    let out = run_in(dir.path(), &refs);
    assert!(out.status.success(), "{}", stderr(&out));
    let reference = std::fs::read(dir.path().join("reference.csv")).unwrap();

    let table = dir.path().join("out.csv");
    let args = with_output("out.csv");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Deterministic but varied kill points: once the journal holds about (round + 1) / 9 of
    // the files (or at once, during start-up), plus 0..=5 ms, so kills land while analysing,
    // between flushes, while appending to the journal and while writing the table.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut kills = 0;
    let mut last_rows = 0;
    for round in 0..7 {
        let grow = round != 2;
        let target = (last_rows + 1).max((round + 1) * n / 9 + (next() % 3) as usize);
        let extra_ms = next() % 6;
        let mut child = spawn_in(dir.path(), &args);
        let running = wait_for(&mut child, || {
            !grow || journal_rows(&table).is_some_and(|r| r >= target)
        });
        std::thread::sleep(std::time::Duration::from_millis(extra_ms));
        if running && child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: nothing is cleaned up.
            child.wait().unwrap();
            kills += 1;
            assert!(!table.exists(), "a killed run wrote its table");
            last_rows = journal_rows(&table).unwrap_or(0);
            let at = if grow {
                format!("target {target}")
            } else {
                "start-up".into()
            };
            eprintln!("round {round}: killed at {last_rows} journal row(s) ({at} + {extra_ms} ms)");
        } else {
            eprintln!("round {round}: finished before the kill");
            // It finished before the kill: the table is complete and the journal gone.
            let status = child.wait().unwrap();
            assert!(status.success());
            assert_eq!(std::fs::read(&table).unwrap(), reference);
            std::fs::remove_file(&table).unwrap();
            last_rows = 0;
        }
    }
    assert!(kills >= 5, "only {kills} of 7 runs were killed");
    assert!(last_rows > 0, "no journal rows survived the kills");

    // A kill while the table was being written leaves its temporary file (nothing runs on
    // SIGKILL); it is not taken for anything, and the finishing run adds none.
    let leftovers = temporaries(dir.path());
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("resuming an interrupted run"),
        "the last run did not resume:\n{err}"
    );
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(&table).unwrap()),
        String::from_utf8_lossy(&reference),
        "the resumed table differs from an uninterrupted run's"
    );
    assert!(
        journal_rows(&table).is_none(),
        "the journal was not removed"
    );
    assert_eq!(temporaries(dir.path()), leftovers);

    // A journal of other options is not mixed in: its rows are discarded.
    let mut child = spawn_in(dir.path(), &args);
    assert!(wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 3)));
    child.kill().unwrap();
    child.wait().unwrap();
    let mut mean_args = args.clone();
    mean_args.extend(["--profile", "mean"]);
    let out = run_in(dir.path(), &mean_args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("other options"), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        &[
            "--jobs",
            "1",
            "notes",
            "audio",
            "--profile",
            "mean",
            "-o",
            "mean.csv",
        ],
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&table).unwrap(),
        std::fs::read(dir.path().join("mean.csv")).unwrap()
    );
}

#[test]
fn a_killed_parquet_batch_resumes_to_equal_values() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder_slow(&dir.path().join("audio"), 0..30);
    std::fs::copy(
        testdata().join("corpus/bad/x.wav"),
        dir.path().join("audio/bad.wav"),
    )
    .unwrap();
    let args = [
        "--jobs",
        "1",
        "notes",
        "audio",
        "--summary",
        "--checkpoint-every",
        "2",
        "-o",
        "out.parquet",
    ];
    let table = dir.path().join("out.parquet");
    let mut child = spawn_in(dir.path(), &args);
    assert!(wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 9)));
    child.kill().unwrap();
    child.wait().unwrap();
    let out = run_in(dir.path(), &args);
    // The bad file is reported again (failures are retried) and the run exits 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("bad.wav"), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        &[
            "--jobs",
            "1",
            "notes",
            "audio",
            "--summary",
            "-o",
            "ref.parquet",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let (ours, reference) = (
        read_table(&table),
        read_table(&dir.path().join("ref.parquet")),
    );
    assert_eq!(ours.height(), 30);
    assert!(ours.equals_missing(&reference), "{ours}\n{reference}");
}

/// The files' own tags survive an update: reused rows keep them (from the table, for
/// `--update`), as a fresh table has them, in every format.
#[test]
fn update_keeps_the_tags_of_reused_rows() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    std::fs::create_dir(&audio).unwrap();
    for name in ["tags_vorbis.opus", "tags_mp4.m4a", "plain.mp3"] {
        std::fs::copy(testdata().join("tags").join(name), audio.join(name)).unwrap();
    }
    for ext in ["csv", "parquet", "json"] {
        let table = format!("t.{ext}");
        let update = ["notes", "audio", "-o", &table, "--update"];
        for reused in [0, 3] {
            let out = run_in(dir.path(), &update);
            assert!(out.status.success(), "{}", stderr(&out));
            assert!(
                stderr(&out).contains(&format!("{reused} row(s) reused")),
                "{}",
                stderr(&out)
            );
        }
        let fresh = format!("fresh.{ext}");
        let out = run_in(dir.path(), &["notes", "audio", "-o", &fresh]);
        assert!(out.status.success(), "{}", stderr(&out));
        let (updated, fresh) = (
            read_table(&dir.path().join(&table)),
            read_table(&dir.path().join(&fresh)),
        );
        assert!(updated.equals_missing(&fresh), "{updated}\n{fresh}");
        let titles = updated.column("title").unwrap().str().unwrap().clone();
        assert_eq!(
            titles.iter().collect::<Vec<_>>(),
            [None, Some("Intro"), Some("Intro")],
            "{ext}"
        );
    }
}

#[test]
fn update_reuses_unchanged_rows_analyses_new_and_changed_files_and_drops_vanished_ones() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder(&audio, 0..12);
    let update = ["notes", "audio", "-o", "t.csv", "--update"];
    // No table yet: everything is new.
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("0 row(s) reused, 12 file(s) analysed (12 new, 0 changed), 0 removed"),
        "{}",
        stderr(&out)
    );
    let first = std::fs::read(dir.path().join("t.csv")).unwrap();
    // Nothing changed: every row reused, the same bytes.
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("12 row(s) reused, 0 file(s) analysed (0 new, 0 changed), 0 removed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(dir.path().join("t.csv")).unwrap(), first);

    // Two files added, two changed (one rewritten with another note, one only touched: same
    // size, new modification time), one deleted.
    synth_folder(&audio, 12..14);
    write_tone(&audio.join("t03.wav"), 80, 3);
    let touched = std::fs::File::options()
        .write(true)
        .open(audio.join("t05.wav"))
        .unwrap();
    touched
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(30))
        .unwrap();
    drop(touched);
    std::fs::remove_file(audio.join("t07.wav")).unwrap();
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("9 row(s) reused, 4 file(s) analysed (2 new, 2 changed), 1 removed"),
        "{}",
        stderr(&out)
    );
    let out = run_in(dir.path(), &["notes", "audio", "-o", "fresh.csv"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(dir.path().join("t.csv")).unwrap()),
        String::from_utf8_lossy(&std::fs::read(dir.path().join("fresh.csv")).unwrap()),
        "the updated table differs from a fresh one"
    );
    let rows = strings(&read_table(&dir.path().join("t.csv")), "file");
    assert!(rows.contains(&"audio/t13.wav".to_string()));
    assert!(!rows.contains(&"audio/t07.wav".to_string()));

    // Other options: nothing can be reused.
    let out = run_in(
        dir.path(),
        &["notes", "audio", "-o", "t.csv", "--update", "--summary"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("other options"), "{err}");
    assert!(
        err.contains("0 row(s) reused, 13 file(s) analysed (0 new, 13 changed)"),
        "{err}"
    );
    // A table replaced behind the stamps' back is not trusted either.
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::copy(dir.path().join("fresh.csv"), dir.path().join("t.csv")).unwrap();
    let out = run_in(dir.path(), &update);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed after its stamp file"),
        "{}",
        stderr(&out)
    );
    // Parquet and JSON tables update the same way.
    for ext in ["parquet", "json"] {
        let name = format!("u.{ext}");
        for expected in ["0 row(s) reused", "13 row(s) reused"] {
            let out = run_in(dir.path(), &["notes", "audio", "-o", &name, "--update"]);
            assert!(out.status.success(), "{}", stderr(&out));
            assert!(stderr(&out).contains(expected), "{ext}: {}", stderr(&out));
        }
        let (u, fresh) = (
            read_table(&dir.path().join(&name)),
            read_table(&dir.path().join("fresh.csv")),
        );
        for note in ["A", "C#", "G#", "duration_s"] {
            assert_eq!(floats(&u, note), floats(&fresh, note), "{ext} {note}");
        }
    }
}

#[test]
fn shards_together_equal_the_unsharded_table() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder(&audio.join("one"), 0..14);
    synth_folder(&audio.join("two"), 14..24);
    let out = run_in(dir.path(), &["notes", "audio", "-o", "all.parquet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = read_table(&dir.path().join("all.parquet"));
    let mut sizes = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = run_in(
            dir.path(),
            &["notes", "audio", "--shard", &shard, "-o", "parts"],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let part = dir.path().join(format!("parts/part-{i}-of-3.parquet"));
        sizes.push(read_table(&part).height());
    }
    assert_eq!(sizes.iter().sum::<usize>(), all.height());
    assert!(
        sizes.iter().all(|&s| s > 0 && s < all.height()),
        "{sizes:?}"
    );
    let together = read_table(&dir.path().join("parts"));
    assert!(together.equals_missing(&all), "{together}\n{all}");
    // cluster and plot take the folder as one table.
    let a = run_in(dir.path(), &["cluster", "parts", "-k", "3"]);
    let b = run_in(dir.path(), &["cluster", "all.parquet", "-k", "3"]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(stdout(&a), stdout(&b));
    let out = run_in(dir.path(), &["plot", "notes", "parts", "-o", "n.png"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // A file's shard does not depend on the other files, nor on where the folder is.
    synth_folder(&audio.join("two"), 24..30);
    let moved = dir.path().join("moved");
    std::fs::rename(&audio, &moved).unwrap();
    let out = run_in(
        dir.path(),
        &["notes", "moved", "--shard", "1/3", "-o", "again"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let before: Vec<String> = strings(
        &read_table(&dir.path().join("parts/part-1-of-3.parquet")),
        "file",
    )
    .iter()
    .map(|f| f.trim_start_matches("audio/").to_string())
    .collect();
    let after: Vec<String> = strings(
        &read_table(&dir.path().join("again/part-1-of-3.parquet")),
        "file",
    )
    .iter()
    .map(|f| f.trim_start_matches("moved/").to_string())
    .collect();
    assert!(
        before.iter().all(|f| after.contains(f)),
        "{before:?} vs {after:?}"
    );

    // An incomplete set of parts is an error, not a smaller table.
    std::fs::remove_file(dir.path().join("parts/part-2-of-3.parquet")).unwrap();
    let out = run_in(dir.path(), &["cluster", "parts", "-k", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("missing part-2-of-3.parquet"),
        "{}",
        stderr(&out)
    );
    // --shard needs -o; I/N is checked.
    let out = run_in(dir.path(), &["notes", "moved", "--shard", "4/3", "-o", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn cluster_extracting_from_audio_resumes_a_killed_run() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder_slow(&dir.path().join("audio"), 0..40);
    let args = |out: &str, model: &str| {
        [
            "--jobs",
            "1",
            "cluster",
            "audio",
            "-k",
            "3",
            "-o",
            out,
            "--save-model",
            model,
        ]
        .map(str::to_string)
    };
    let reference = args("ref.csv", "ref.json");
    let reference: Vec<&str> = reference.iter().map(String::as_str).collect();
    let out = run_in(dir.path(), &reference);
    assert!(out.status.success(), "{}", stderr(&out));
    let resumed = args("c.csv", "m.json");
    let resumed: Vec<&str> = resumed.iter().map(String::as_str).collect();
    let labels = dir.path().join("c.csv");
    // The journal lives beside -o; kill once some rows are in it.
    let mut child = spawn_in(dir.path(), &resumed);
    assert!(wait_for(&mut child, || journal_rows(&labels)
        .is_some_and(|r| r >= 16)));
    child.kill().unwrap();
    child.wait().unwrap();
    let out = run_in(dir.path(), &resumed);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("resuming"), "{}", stderr(&out));
    let same = |a: &str, b: &str| {
        std::fs::read(dir.path().join(a)).unwrap() == std::fs::read(dir.path().join(b)).unwrap()
    };
    assert!(same("c.csv", "ref.csv"), "the labels differ");
    assert!(same("m.json", "ref.json"), "the models differ");
    assert!(
        journal_rows(&labels).is_none(),
        "the journal was not removed"
    );
}

/// `notes audio -o t.csv --update` on one thread, journalled file by file.
const UPDATE_T_CSV_ONE_BY_ONE: [&str; 9] = [
    "--jobs",
    "1",
    "notes",
    "audio",
    "-o",
    "t.csv",
    "--update",
    "--checkpoint-every",
    "1",
];

#[test]
fn a_killed_update_resumes_and_still_counts_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder_slow(&audio, 0..30);
    let args = UPDATE_T_CSV_ONE_BY_ONE;
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    // Twenty files rewritten with other notes.
    for i in 10..30 {
        write_slow_tone(&audio.join(format!("t{i:02}.wav")), 90 - i as u8);
    }
    let table = dir.path().join("t.csv");
    let mut child = spawn_in(dir.path(), &args);
    assert!(wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 5)));
    child.kill().unwrap();
    child.wait().unwrap();
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("resuming"), "{err}");
    assert!(
        err.contains("10 row(s) reused, 20 file(s) analysed (0 new, 20 changed), 0 removed"),
        "{err}"
    );
    let out = run_in(dir.path(), &["notes", "audio", "-o", "fresh.csv"]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&table).unwrap(),
        std::fs::read(dir.path().join("fresh.csv")).unwrap()
    );
}

/// Makes a FIFO at `path` with `mkfifo`; false (after saying why) where that is not possible.
#[cfg(unix)]
fn make_fifo(path: &Path) -> bool {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!(
            "SKIPPED a FIFO case: `mkfifo {}` failed here",
            path.display()
        );
    }
    made
}

#[cfg(unix)]
#[test]
fn hidden_files_planted_as_links_or_fifos_are_refused_by_name_and_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder(&dir.path().join("audio"), 0..3);
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me").unwrap();
    let table = dir.path().join("out.csv");
    let hidden = [
        chroma_table::journal::journal_path(&table),
        chroma_table::journal::stamps_path(&table),
    ];
    for path in &hidden {
        std::os::unix::fs::symlink(&precious, path).unwrap();
        let out = run_in(dir.path(), &["notes", "audio", "-o", "out.csv"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", path.display());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            err.contains(&name) && err.contains("symbolic link"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
        assert!(std::fs::symlink_metadata(path)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(!table.exists(), "a table was written");
        std::fs::remove_file(path).unwrap();
    }
    // FIFOs: an error at once, not a hang. The stamp file is read by --update.
    let out = run_in(dir.path(), &["notes", "audio", "-o", "out.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_file(&hidden[1]).unwrap();
    for path in &hidden {
        if !make_fifo(path) {
            return;
        }
        let out =
            run_or_kill_after_30s(dir.path(), &["notes", "audio", "-o", "out.csv", "--update"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.contains(&name) && err.contains("FIFO"), "{err}");
        std::fs::remove_file(path).unwrap();
    }
}

#[test]
fn an_output_name_of_240_characters_gets_a_journal_and_stamps_that_fit() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder(&dir.path().join("audio"), 0..3);
    let name = format!("{}.csv", "n".repeat(236));
    assert_eq!(name.len(), 240);
    let out = run_in(dir.path(), &["notes", "audio", "-o", &name]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_table(&dir.path().join(&name)).height(), 3);
    let stamps = chroma_table::journal::stamps_path(&dir.path().join(&name));
    assert!(stamps.exists(), "no stamp file {}", stamps.display());
    // The stamps are found again: nothing is analysed twice.
    let out = run_in(dir.path(), &["notes", "audio", "-o", &name, "--update"]);
    assert!(
        stderr(&out).contains("3 row(s) reused, 0 file(s) analysed"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_second_run_to_the_same_output_is_refused_while_the_first_runs() {
    let dir = tempfile::tempdir().unwrap();
    synth_folder_slow(&dir.path().join("audio"), 0..30);
    let args = [
        "--jobs",
        "1",
        "notes",
        "audio",
        "-o",
        "t.csv",
        "--checkpoint-every",
        "1",
    ];
    let table = dir.path().join("t.csv");
    let mut first = spawn_in(dir.path(), &args);
    assert!(
        wait_for(&mut first, || journal_rows(&table).is_some_and(|r| r >= 2)),
        "the first run ended before the second could start"
    );
    let second = run_in(dir.path(), &args);
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another chromacluster run is writing") && err.contains("t.csv"),
        "{err}"
    );
    assert!(!err.contains("resuming"), "{err}");
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(read_table(&table).height(), 30);
    assert!(
        journal_rows(&table).is_none(),
        "the journal was not removed"
    );
}

/// Whether process `pid` has `path` open (Linux's /proc).
#[cfg(target_os = "linux")]
fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
}

/// Rows reach the journal file as they finish: a run killed while it analyses its last input
/// (a long file, sorted last) has every earlier row in the journal, long before the one-second
/// `fsync` interval, and the next run does not analyse them again.
#[cfg(target_os = "linux")]
#[test]
fn rows_finished_before_a_kill_are_in_the_journal_and_not_redone() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    synth_folder(&audio, 0..8);
    let long = audio.join("zz.wav");
    write_tone_of(&long, 60, 600.0, 8000);
    let long = long.canonicalize().unwrap();
    let args = [
        "--jobs",
        "1",
        "notes",
        "audio",
        "-o",
        "t.csv",
        "--checkpoint-every",
        "1000",
    ];
    let table = dir.path().join("t.csv");
    let mut child = spawn_in(dir.path(), &args);
    // With one worker, files are analysed in path order: once the long file is open, the
    // eight before it have finished.
    let pid = child.id();
    let reached = wait_for(&mut child, || has_open(pid, &long));
    let rows = journal_rows(&table);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        reached,
        "the run ended before it was seen analysing its last file"
    );
    assert_eq!(rows, Some(8), "rows in the journal when the run was killed");
    std::fs::remove_file(&long).unwrap();
    let mut verbose = vec!["-v"];
    verbose.extend(args);
    let out = run_in(dir.path(), &verbose);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("resuming an interrupted run: 8 finished file(s)"),
        "{err}"
    );
    assert!(err.contains("(0 analysed now, 8 resumed)"), "{err}");
}

/// Row 12: `--update` while files are deleted mid-run counts their rows as removed (vanished
/// during the run), not as changed, so the counts say what happened to every row.
#[test]
fn update_counts_files_deleted_during_the_run_as_removed() {
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("audio");
    // t00, t01 short; t02..t09 long enough that the run is still before t10 when they go.
    let write = |shift: u8| {
        synth_folder_with(&audio, 0..20, |path, midi, i| {
            let seconds = if (2..10).contains(&i) { 20.0 } else { 1.0 };
            write_tone_of(path, midi + shift, seconds, 22_050)
        })
    };
    write(0);
    let args = UPDATE_T_CSV_ONE_BY_ONE;
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    // Every file changes (so each is analysed again), then t10..t19 vanish mid-run.
    write(1);
    let table = dir.path().join("t.csv");
    let mut child = spawn_in(dir.path(), &args);
    assert!(
        wait_for(&mut child, || journal_rows(&table).is_some_and(|r| r >= 2)),
        "the run ended early"
    );
    for i in 10..20 {
        std::fs::remove_file(audio.join(format!("t{i:02}.wav"))).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(
        err.contains(
            "0 row(s) reused, 10 file(s) analysed (0 new, 10 changed), 10 removed, 0 failed"
        ),
        "{err}"
    );
    assert_eq!(read_table(&table).height(), 10);
}

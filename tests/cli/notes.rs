//! `notes`: the table of a batch, its formats, bad files and names, tags.

use super::*;

#[test]
fn notes_names_the_played_note() {
    let out = run(&["notes", "notes/piano"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("notes_piano", stdout(&out));
}

#[test]
fn notes_writes_csv_parquet_and_json_that_read_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let mut tables = Vec::new();
    for ext in ["csv", "parquet", "json"] {
        let path = dir.path().join(format!("notes.{ext}"));
        let out = run(&["notes", "notes/violin", "-o", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).is_empty(), "data went to stdout with -o");
        let df = read_table(&path);
        assert_eq!(df.height(), 12);
        tables.push(df);
    }
    let names: Vec<String> = tables[0]
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        &names[..13],
        ["file", "A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#"]
    );
    for other in &tables[1..] {
        for name in &names[1..13] {
            for (x, y) in floats(&tables[0], name)
                .into_iter()
                .zip(floats(other, name))
            {
                assert!((x - y).abs() < 1e-9, "column {name}: {x} vs {y}");
            }
        }
    }
}

/// A music folder as users have them: tagged files in every codec, a cover, a playlist, a cue
/// sheet, lyrics, a WMA file and a file without extension. The tags come out in every table
/// format (null where absent), the WMA file is a failure naming its format (exit 1), the other
/// non-audio files are ignored in one summary line.
#[test]
fn a_real_folder_gives_tags_names_unsupported_formats_and_ignores_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir(&music).unwrap();
    for name in [
        "tags_vorbis.opus",
        "tags_id3v2.3+v1.mp3",
        "tags_vorbis.flac",
        "tags_mp4.m4a",
        "plain.mp3",
    ] {
        std::fs::copy(testdata().join("tags").join(name), music.join(name)).unwrap();
    }
    std::fs::copy(
        testdata().join("encoded/opus_96k_48000_2ch.webm"),
        music.join("live.webm"),
    )
    .unwrap();
    std::fs::copy(
        testdata().join("unsupported/wmav2.wma"),
        music.join("old.wma"),
    )
    .unwrap();
    // An Ogg file without extension is audio by its content; the .music file is not.
    std::fs::copy(
        testdata().join("tags/tags_vorbis.ogg"),
        music.join("track07"),
    )
    .unwrap();
    for (name, text) in [
        ("cover.jpg", "\u{ff}\u{d8}not really"),
        ("album.m3u", "plain.mp3\n"),
        ("album.cue", "FILE \"plain.mp3\" MP3\n"),
        ("plain.lrc", "[00:00.00] la"),
        ("forest.music", "(supertux-music)"),
    ] {
        std::fs::write(music.join(name), text).unwrap();
    }
    let mut tables = Vec::new();
    for ext in ["csv", "parquet", "json"] {
        let path = dir.path().join(format!("t.{ext}"));
        let out = run_in(
            dir.path(),
            &["notes", "music", "-o", path.to_str().unwrap()],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "the WMA file fails:\n{err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{err}");
        assert!(
            errors[0].contains("old.wma") && errors[0].contains("WMA/ASF (Windows Media)"),
            "{err}"
        );
        assert!(
            err.lines().any(|l| l
                == "note: ignored 5 files that are not audio: 1 image, 1 playlist, 1 cue \
                    sheet, 1 text or lyrics file, 1 other file not audio by its content"),
            "{err}"
        );
        assert!(!err.contains("WARN"), "no warning on clean files:\n{err}");
        let df = read_table(&path);
        assert_eq!(df.height(), 7, "every audio file but the WMA one is a row");
        tables.push(df);
    }
    for df in &tables {
        let files = strings(df, "file");
        let titles = df.column("title").unwrap().str().unwrap().clone();
        let years = df
            .column("year")
            .unwrap()
            .cast(&polars::prelude::DataType::Int64)
            .unwrap();
        let years = years.i64().unwrap();
        for (i, file) in files.iter().enumerate() {
            let name = Path::new(file).file_name().unwrap().to_str().unwrap();
            let (title, year) = (titles.get(i), years.get(i));
            match name {
                "plain.mp3" => assert_eq!((title, year), (None, None), "{name}"),
                // WebM made by ffmpeg from the Opus file: no tags of its own.
                "live.webm" => assert_eq!(title, None, "{name}"),
                _ => assert_eq!((title, year), (Some("Intro"), Some(2004)), "{name}"),
            }
        }
    }
}

#[test]
fn notes_in_pyaa_mode_reproduce_the_reference_table() {
    // testdata/reference/seed_table.csv: pyAudioAnalysis's own chroma argmax shares per file.
    let reference = read_table(&testdata().join("reference/seed_table.csv"));
    let files = [
        "formats/flac_s16_44100_2ch.flac",
        "formats/wav_pcm_s24le_44100_2ch.wav",
        "formats/wav_pcm_s16le_8000_1ch.wav",
        "keys/piano/C_major.wav",
        "notes/violin/69_A4.wav",
        "real/3_class/silence/n_IJI9R1NTO9_57.0_58.0.wav",
        "real/doremi.wav",
    ];
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pyaa.csv");
    let mut args = vec!["notes", "--chroma", "pyaa", "-o", csv.to_str().unwrap()];
    args.extend(files);
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = read_table(&csv);
    assert_eq!(ours.height(), files.len());
    let ref_paths = strings(&reference, "path");
    let ref_frames = ints(&reference, "n_frames");
    let our_frames = ints(&ours, "frames");
    for (row, path) in strings(&ours, "file").iter().enumerate() {
        let r = ref_paths
            .iter()
            .position(|p| p == path)
            .expect("file in the reference");
        assert_eq!(our_frames[row], ref_frames[r], "{path}: frame count");
        for note in [
            "A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#",
        ] {
            let (a, b) = (floats(&ours, note)[row], floats(&reference, note)[r]);
            assert!(
                (a - b).abs() <= 1e-12,
                "{path} {note}: ours {a}, reference {b}"
            );
        }
    }
}

#[test]
fn a_batch_with_bad_files_keeps_every_good_row_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let good = [
        "notes/piano/60_C4.wav",
        "notes/piano/64_E4.wav",
        "notes/violin/67_G4.wav",
        "formats/flac_s16_44100_2ch.flac",
    ];
    let bad = [
        "bad/x.wav",
        "bad/notes.wav",
        "bad/y.flac",
        "bad/nan_inf.wav",
        "bad/zero_samples.wav",
        "bad/short_10ms.wav",
    ];
    for f in good.iter().chain(&bad) {
        copy(f, dir.path());
    }
    std::fs::write(dir.path().join("README.txt"), "not audio").unwrap();
    let table = dir.path().join("out.csv");
    let out = run_in(dir.path(), &["notes", ".", "-o", "out.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for b in &bad {
        let name = Path::new(b).file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name), "{name} not reported:\n{err}");
        // One error line per bad file, naming it once, whatever layer the error came from.
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("error: ") && l.contains(name))
            .collect();
        assert_eq!(lines.len(), 1, "{name}:\n{err}");
        assert_eq!(
            lines[0].matches(name).count(),
            1,
            "{name} named twice:\n{err}"
        );
    }
    // The two-pass modes (statistics, pyaa chroma) report the same way.
    for mode in [&["--summary"][..], &["--chroma", "pyaa"]] {
        let mut args = vec!["notes", ".", "-q"];
        args.extend_from_slice(mode);
        let out = run_in(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{mode:?}");
        let err = stderr(&out);
        for b in &bad {
            let name = Path::new(b).file_name().unwrap().to_str().unwrap();
            let lines: Vec<&str> = err
                .lines()
                .filter(|l| l.starts_with("error: ") && l.contains(name))
                .collect();
            assert_eq!(lines.len(), 1, "{mode:?} {name}:\n{err}");
            assert_eq!(lines[0].matches(name).count(), 1, "{mode:?} {name}:\n{err}");
        }
    }
    assert!(
        err.lines()
            .any(|l| l == "note: ignored 1 file that is not audio: 1 text or lyrics file"),
        "a non-audio file in a folder is ignored with a note:\n{err}"
    );
    assert!(
        !err.lines()
            .any(|l| l.starts_with("error:") && l.contains("README.txt")),
        "a non-audio file is not an error:\n{err}"
    );
    assert!(!err.contains("panicked"), "a panic message leaked:\n{err}");
    assert!(
        !err.contains('\u{1b}'),
        "colour codes in a log that is not a terminal:\n{err}"
    );
    assert!(
        !err.contains("probe reach EOF"),
        "the decoder library's own log leaked:\n{err}"
    );
    let df = read_table(&table);
    assert_eq!(df.height(), good.len(), "{df}");
    // --strict stops at the first failure and writes nothing.
    let strict = dir.path().join("strict.csv");
    let out = run_in(dir.path(), &["notes", ".", "--strict", "-o", "strict.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!strict.exists());
}

/// Defect 4: a dangling link, a link loop and an unreadable folder are reported and skipped;
/// every other file's row is written and the exit status is 1.
#[cfg(unix)]
#[test]
fn bad_folder_entries_are_reported_and_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir_all(music.join("sub")).unwrap();
    copy("notes/piano/60_C4.wav", &music);
    copy("notes/piano/62_D4.wav", &music.join("sub"));
    std::os::unix::fs::symlink(music.join("gone.wav"), music.join("dangling.wav")).unwrap();
    std::os::unix::fs::symlink(&music, music.join("sub").join("loop")).unwrap();
    let locked = music.join("locked");
    std::fs::create_dir(&locked).unwrap();
    copy("notes/piano/64_E4.wav", &locked);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads any folder whatever its mode: then only the link failures are expected.
    let locked_is_unreadable = std::fs::read_dir(&locked).is_err();

    let out = dir.path().join("t.csv");
    let o = run_in(dir.path(), &["notes", "music", "-o", out.to_str().unwrap()]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("dangling.wav: broken symbolic link"), "{err}");
    assert!(err.contains("symbolic link loop"), "{err}");
    let files = strings(&read_table(&out), "file");
    assert!(files.iter().any(|f| f.ends_with("60_C4.wav")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("62_D4.wav")), "{files:?}");
    if locked_is_unreadable {
        assert!(err.contains("locked: cannot read"), "{err}");
        assert_eq!(files.len(), 2, "{files:?}");
    } else {
        eprintln!(
            "note: running as root, the mode-000 folder is readable; its case is not checked"
        );
        assert_eq!(files.len(), 3, "{files:?}");
    }
}

/// Item 11: `-q` hides the note on skipped files; a newline in a file name does not split an
/// error line; two names that are not UTF-8 stay two rows.
#[cfg(unix)]
#[test]
fn quiet_notes_one_line_errors_and_non_utf8_names() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir(&music).unwrap();
    std::fs::write(music.join("README.txt"), "not audio").unwrap();
    let c4 = testdata().join("corpus/notes/piano/60_C4.wav");
    for name in [&b"caf\xe9.wav"[..], &b"caf\xe8.wav"[..]] {
        let path = music.join(std::ffi::OsStr::from_bytes(name));
        std::fs::copy(&c4, path).unwrap();
    }
    std::fs::write(music.join("bad\nname.wav"), "not a wav").unwrap();
    let out = dir.path().join("t.csv");
    let o = run_in(
        dir.path(),
        &["-q", "notes", "music", "-o", out.to_str().unwrap()],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("note: ignored"), "{err}");
    let error_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "{err}");
    assert!(error_lines[0].contains("bad\\nname.wav"), "{err}");
    assert!(
        err.lines().all(|l| !l.starts_with("name.wav")),
        "a line split at the newline: {err}"
    );
    let mut files = strings(&read_table(&out), "file");
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_ne!(files[0], files[1]);
    assert!(
        files.iter().any(|f| f.ends_with("caf\\xE9.wav")),
        "{files:?}"
    );
}

/// Row 5: file names a spreadsheet would run as formulas get a quote in front in CSV cells
/// (OWASP's rule), and only there; the CSV reads back to the names themselves (`--update`
/// finds every row, `cluster` of the CSV names the files as they are).
#[test]
fn formula_names_are_neutralised_in_csv_and_read_back_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        // The issue's `=cmd|' /C calc'!A0.wav` with `-` for `/`, which no Unix name holds.
        "=cmd|' -C calc'!A0.wav",
        "@SUM(1+1).wav",
        "+1.wav",
        "-2.wav",
        "'=quoted.wav",
        "plain.wav",
    ];
    for (i, name) in names.iter().enumerate() {
        write_tone_of(&dir.path().join(name), 57 + 2 * i as u8, 0.5, 8000);
    }
    let notes = |out: &str, update: bool| {
        let mut args = vec!["notes", "-o", out];
        if update {
            args.push("--update");
        }
        args.push("--");
        args.extend(names);
        run_in(dir.path(), &args)
    };
    let out = notes("t.csv", false);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
    for (name, cell) in [
        ("=cmd", "'=cmd|' -C calc'!A0.wav,"),
        ("@SUM", "'@SUM(1+1).wav,"),
        ("+1", "'+1.wav,"),
        ("-2", "'-2.wav,"),
        ("'=quoted", "''=quoted.wav,"),
        ("plain", "plain.wav,"),
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(cell)),
            "{name}: no line starts with {cell:?}:\n{text}"
        );
    }
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    let mut files = strings(&read_table(&dir.path().join("t.csv")), "file");
    files.sort();
    assert_eq!(files, expected, "the CSV does not read back to the names");
    for table in ["t.parquet", "t.json"] {
        let out = notes(table, false);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut files = strings(&read_table(&dir.path().join(table)), "file");
        files.sort();
        assert_eq!(files, expected, "{table} changed the names");
    }
    let out = notes("t.csv", true);
    assert!(
        stderr(&out).contains("6 row(s) reused, 0 file(s) analysed"),
        "{}",
        stderr(&out)
    );
    let out = run_in(dir.path(), &["cluster", "t.csv", "-k", "2", "-o", "c.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let labels = std::fs::read_to_string(dir.path().join("c.csv")).unwrap();
    assert!(
        labels.lines().any(|l| l.starts_with("'@SUM(1+1).wav,")),
        "{labels}"
    );
    let mut files = strings(&read_table(&dir.path().join("c.csv")), "file");
    files.sort();
    assert_eq!(files, expected);
}

/// Row 6: a name with the byte 0xFF and a name spelling `\xFF` in text are two rows with two
/// labels in every format, `--update` reuses both, and the report links each to its own bytes.
#[cfg(unix)]
#[test]
fn a_name_that_is_not_utf8_and_its_escaped_spelling_stay_two_files() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    std::fs::create_dir(&music).unwrap();
    write_tone_of(
        &music.join(std::ffi::OsStr::from_bytes(b"bad\xFFbyte.wav")),
        60,
        0.5,
        8000,
    );
    write_tone_of(&music.join("bad\\xFFbyte.wav"), 69, 0.5, 8000);
    let raw_label = "music/bad\\xFFbyte.wav";
    let spelled_label = "music/bad\\\\xFFbyte.wav";
    for table in ["t.csv", "t.parquet", "t.json"] {
        let out = run_in(dir.path(), &["notes", "music", "-o", table]);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut files = strings(&read_table(&dir.path().join(table)), "file");
        files.sort();
        assert_eq!(files, [spelled_label, raw_label], "{table}");
        let out = run_in(dir.path(), &["notes", "music", "-o", table, "--update"]);
        assert!(
            stderr(&out).contains("2 row(s) reused, 0 file(s) analysed"),
            "{table}: {}",
            stderr(&out)
        );
    }
    let out = run_in(dir.path(), &["report", "music", "-k", "2", "-o", "r.html"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(
        html.contains("music/bad%FFbyte.wav"),
        "no link to the 0xFF bytes"
    );
    assert!(
        html.contains("music/bad%5CxFFbyte.wav"),
        "no link to the spelled name"
    );
    let out = run_in(
        dir.path(),
        &["report", "t.parquet", "-k", "2", "-o", "r2.html"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("r2.html")).unwrap();
    assert!(html.contains("music/bad%FFbyte.wav") && html.contains("music/bad%5CxFFbyte.wav"));
}

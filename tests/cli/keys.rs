//! `key` and the key, tuning and key-free columns of `notes`, clustered by mode.

use super::*;

/// Writes a mono 16-bit WAV of `samples` at `fs` into `dir`.
/// Renders a labelled piece into `dir` as `<stem>.wav`; its stem and whether it is minor.
fn write_piece(dir: &Path, spec: &audio_io::synth::keyset::PieceSpec, fs: u32) -> (String, bool) {
    write_wav(
        dir,
        &format!("{}.wav", spec.file_stem()),
        &spec.render(fs),
        fs,
    );
    (spec.file_stem(), spec.minor)
}

#[test]
fn key_command_names_the_corpus_keys_and_their_tuning() {
    let out = run(&["key", "keys/piano"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["file", "key", "key_strength", "tuning_cents"]);
    for (file, key) in [
        ("As_major", "A# major"),
        ("C_major", "C major"),
        ("D_major", "D major"),
        ("E_major", "E major"),
        ("Fs_major", "F# major"),
        ("Gs_major", "G# major"),
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("{file}.wav")))
            .unwrap_or_else(|| panic!("{file} missing:\n{text}"));
        assert!(line.contains(key), "{file}: {line}");
    }
    insta::assert_snapshot!("key_piano", text);
    let help = run(&["key", "--help"]);
    assert!(stdout(&help).contains("Example"), "{}", stdout(&help));
}

#[test]
fn key_segments_find_the_change_where_two_pieces_in_different_keys_are_joined() {
    // Two 8 s clips of the key set (testdata/keyset: A major, then E-flat major) end to end.
    let dir = tempfile::tempdir().unwrap();
    let mut samples = Vec::new();
    let mut fs = 0;
    for clip in ["bwv154.3.flac", "bwv329.flac"] {
        let signal = audio_io::read_mono(testdata().join("keyset").join(clip)).unwrap();
        fs = signal.sample_rate();
        samples.extend(signal.samples);
    }
    write_wav(dir.path(), "joined.wav", &samples, fs);
    let out = run_in(dir.path(), &["key", "joined.wav", "--segments"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["file", "start_s", "end_s", "key", "strength"]);
    insta::assert_snapshot!("key_segments_joined", text);

    let out = run_in(
        dir.path(),
        &["key", "joined.wav", "--segments", "-o", "segments.csv"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&dir.path().join("segments.csv"));
    assert_eq!(strings(&df, "key"), ["A major", "D# major"], "{df}");
    let starts = floats(&df, "start_s");
    assert_eq!(starts[0], 0.0);
    assert!((starts[1] - 8.0).abs() <= 2.0, "change at {} s", starts[1]);
    assert!((floats(&df, "end_s")[1] - 16.0).abs() < 0.05, "{df}");
    assert!(floats(&df, "strength").iter().all(|s| *s > 0.5), "{df}");
    // A file that cannot be read is reported and fails the run (exit 1), the others still
    // give their sections.
    std::fs::write(dir.path().join("broken.wav"), b"not audio").unwrap();
    let out = run_in(
        dir.path(),
        &["key", "joined.wav", "broken.wav", "--segments"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("broken.wav"), "{}", stderr(&out));
    assert!(stdout(&out).contains("D# major"), "{}", stdout(&out));
}

#[test]
fn key_command_gives_no_key_to_silence_and_noise() {
    let dir = tempfile::tempdir().unwrap();
    let fs = 16000;
    write_wav(
        dir.path(),
        "noise.wav",
        &audio_io::synth::white_noise(2.0, fs, 0.5, 9),
        fs,
    );
    copy("bad/silence_2s.wav", dir.path());
    let csv = dir.path().join("keys.csv");
    let out = run_in(dir.path(), &["key", ".", "-o", "keys.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&csv);
    assert_eq!(df.height(), 2);
    assert_eq!(strings(&df, "key"), ["", ""], "{df}");
    assert_eq!(floats(&df, "key_strength"), [0.0, 0.0]);
    assert_eq!(floats(&df, "tuning_cents"), [0.0, 0.0]);
}

#[test]
fn detuned_material_keeps_its_key_and_reports_its_tuning() {
    use audio_io::synth::keyset::{PieceSpec, Style, Voicing};
    let dir = tempfile::tempdir().unwrap();
    let fs = 22050;
    let mut expected = Vec::new();
    for (i, cents) in [-45.0, -20.0, 0.0, 33.0, 45.0].into_iter().enumerate() {
        let spec = PieceSpec {
            tonic: (i * 5 % 12) as u8,
            minor: i % 2 == 1,
            style: Style::Cadence,
            timbre: audio_io::synth::Timbre::Organ,
            voicing: Voicing::Close,
            bass: true,
            drums: false,
            cents,
            seconds_per_chord: 0.5,
        };
        let name = format!("{i}_{}.wav", spec.file_stem());
        write_wav(dir.path(), &name, &spec.render(fs), fs);
        expected.push((name, spec.key_name(), cents));
    }
    let csv = dir.path().join("keys.csv");
    let out = run_in(dir.path(), &["key", ".", "-o", "keys.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&csv);
    let (keys, tuning) = (strings(&df, "key"), floats(&df, "tuning_cents"));
    for (row, (name, key, cents)) in expected.iter().enumerate() {
        assert!(strings(&df, "file")[row].ends_with(name.as_str()));
        assert_eq!(&keys[row], key, "{name}");
        assert!((tuning[row] - cents).abs() < 3.0, "{name}: {}", tuning[row]);
    }
    // --tuning 0 (A4 = 440 Hz, the chroma before estimation) and --a4 440 agree, and report 0.
    let zero = run_in(dir.path(), &["key", ".", "--tuning", "0"]);
    let a4 = run_in(dir.path(), &["key", ".", "--a4", "440"]);
    assert!(zero.status.success() && a4.status.success());
    assert_eq!(stdout(&zero), stdout(&a4));
    // Both flags at once, or a bad value, are usage errors.
    let both = run_in(dir.path(), &["key", ".", "--tuning", "10", "--a4", "442"]);
    assert_eq!(both.status.code(), Some(2));
    let bad = run_in(dir.path(), &["key", ".", "--tuning", "sharp"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = run_in(dir.path(), &["key", ".", "--key-profile", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn notes_table_has_tuning_and_key_columns_and_relative_degrees() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("notes.csv");
    let out = run(&["notes", "keys/piano", "-o", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&csv);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        &names[13..20],
        [
            "voiced_frames",
            "frames",
            "duration_s",
            "sample_rate",
            "tuning_cents",
            "key",
            "key_strength"
        ]
    );
    assert!(floats(&df, "tuning_cents").iter().all(|c| c.abs() < 10.0));
    let rel = dir.path().join("relative.csv");
    let out = run(&[
        "notes",
        "keys/piano",
        "--relative",
        "--profile",
        "mean",
        "-o",
        rel.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = read_table(&rel);
    let names: Vec<String> = r.get_column_names().iter().map(|s| s.to_string()).collect();
    assert_eq!(
        &names[1..13],
        ["1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7"]
    );
    // Six major keys rotated to their tonic: the same major profile shape, so the tonic,
    // major third and fifth outweigh the minor third and the tritone in every row.
    for row in 0..r.height() {
        let v = |c: &str| floats(&r, c)[row];
        assert!(
            v("3") > v("b3") && v("5") > v("#4") && v("1") > v("b2"),
            "row {row}"
        );
    }
    // A relative table clusters on its 12 degree columns (tuning and key are metadata).
    let out = run(&["cluster", rel.to_str().unwrap(), "-k", "2", "--seed", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("12 column(s)"), "{}", stdout(&out));
}

#[test]
fn relative_profiles_cluster_major_against_minor_across_keys() {
    use audio_io::synth::keyset::{PieceSpec, Style, Voicing};
    let dir = tempfile::tempdir().unwrap();
    let fs = 16000;
    let mut modes = Vec::new();
    for i in 0..8u8 {
        let minor = i % 2 == 1;
        let spec = PieceSpec {
            tonic: (i * 7) % 12,
            minor,
            style: Style::Cadence,
            timbre: audio_io::synth::Timbre::ALL[usize::from(i / 2) % 2],
            voicing: Voicing::ALL[usize::from(i) % 3],
            bass: i % 3 == 0,
            drums: false,
            cents: 0.0,
            seconds_per_chord: 0.4,
        };
        modes.push(write_piece(dir.path(), &spec, fs));
    }
    let labels = dir.path().join("clusters.csv");
    let out = run_in(
        dir.path(),
        &[
            "cluster",
            ".",
            "-k",
            "2",
            "--relative",
            "--profile",
            "mean",
            "--seed",
            "3",
            "-o",
            "clusters.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&labels);
    let files = strings(&df, "file");
    let clusters = ints(&df, "cluster");
    let cluster_of = |minor: bool| -> Vec<i64> {
        let mut c: Vec<i64> = modes
            .iter()
            .filter(|m| m.1 == minor)
            .map(|m| clusters[files.iter().position(|f| f.contains(&m.0)).unwrap()])
            .collect();
        c.sort();
        c.dedup();
        c
    };
    let (major, minor) = (cluster_of(false), cluster_of(true));
    assert_eq!(major.len(), 1, "major pieces split: {files:?} {clusters:?}");
    assert_eq!(minor.len(), 1, "minor pieces split: {files:?} {clusters:?}");
    assert_ne!(major, minor);
}

/// Share of the files whose cluster's majority mode is their own (the purity of a clustering
/// against the modes).
fn mode_purity(modes: &[(String, bool)], files: &[String], clusters: &[i64]) -> f64 {
    let mut counts = std::collections::BTreeMap::<(i64, bool), usize>::new();
    for (stem, minor) in modes {
        let i = files
            .iter()
            .position(|f| f.contains(stem.as_str()))
            .unwrap();
        *counts.entry((clusters[i], *minor)).or_default() += 1;
    }
    let mut majority = std::collections::BTreeMap::<i64, usize>::new();
    for ((c, _), n) in counts {
        let m = majority.entry(c).or_default();
        *m = (*m).max(n);
    }
    majority.values().sum::<usize>() as f64 / modes.len() as f64
}

#[test]
fn relative_profiles_cluster_by_mode_in_all_twelve_keys_and_absolute_ones_do_not() {
    // Major and minor pieces on every tonic (cadences and ii-V-I, three timbres, three
    // voicings, with and without bass): k-means, k = 2, on the key-free profiles groups them
    // by mode; on the absolute profiles it groups them by key region instead. The pieces are
    // ones whose key their notes decide: a natural-minor pop loop (i-VI-III-VII) has the notes
    // of its relative major and a modal vamp (I-bVII-IV, i-IV) those of the major key a fourth
    // or a fifth away, so a key profile can only guess their tonic (Essentia's KeyExtractor
    // misnames 3 to 7 of those 12 loops by profile, the default key 10; docs/keys.md).
    use audio_io::synth::keyset::{PieceSpec, Style, Voicing};
    let dir = tempfile::tempdir().unwrap();
    let fs = 16000;
    let styles = [Style::Cadence, Style::TwoFiveOne];
    let mut modes = Vec::new();
    for minor in [false, true] {
        for tonic in 0..12u8 {
            let i = usize::from(tonic) + if minor { 12 } else { 0 };
            let spec = PieceSpec {
                tonic,
                minor,
                style: styles[i % styles.len()],
                timbre: audio_io::synth::Timbre::ALL[i % 3],
                voicing: Voicing::ALL[(i / 3) % 3],
                bass: i % 2 == 0,
                drums: false,
                cents: 0.0,
                seconds_per_chord: 0.4,
            };
            modes.push(write_piece(dir.path(), &spec, fs));
        }
    }
    let mut purity = Vec::new();
    for relative in [true, false] {
        let mut args = vec![
            "cluster",
            ".",
            "-k",
            "2",
            "--profile",
            "mean",
            "--seed",
            "7",
        ];
        if relative {
            args.push("--relative");
        }
        args.extend(["-o", "clusters.csv"]);
        let out = run_in(dir.path(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let df = read_table(&dir.path().join("clusters.csv"));
        purity.push(mode_purity(
            &modes,
            &strings(&df, "file"),
            &ints(&df, "cluster"),
        ));
    }
    eprintln!(
        "purity against the mode: relative {:.3}, absolute {:.3}",
        purity[0], purity[1]
    );
    assert!(
        purity[0] >= 0.9,
        "relative profiles: purity {:.3}",
        purity[0]
    );
    assert!(
        purity[1] <= 0.75,
        "absolute profiles: purity {:.3}",
        purity[1]
    );
}

#[test]
fn relative_profiles_of_the_demo_group_its_timbres_across_the_four_keys() {
    // The demo's twelve tracks are four major keys on three timbres: once the key is taken out
    // (`--relative`), k = 3 finds the timbres, each cluster holding all four keys.
    let dir = tempfile::tempdir().unwrap();
    let audio = dir.path().join("demo");
    let out = run(&["demo", "--keep", audio.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        &[
            "cluster",
            "demo",
            "-k",
            "3",
            "--relative",
            "--profile",
            "mean",
            "--seed",
            "7",
            "-o",
            "clusters.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let df = read_table(&dir.path().join("clusters.csv"));
    let (files, clusters) = (strings(&df, "file"), ints(&df, "cluster"));
    assert_eq!(files.len(), 12);
    for timbre in ["organ", "pluck", "sine"] {
        let mut of: Vec<i64> = files
            .iter()
            .zip(&clusters)
            .filter(|(f, _)| f.contains(timbre))
            .map(|(_, c)| *c)
            .collect();
        assert_eq!(of.len(), 4, "{files:?}");
        of.dedup();
        assert_eq!(of.len(), 1, "{timbre} split: {files:?} {clusters:?}");
    }
}

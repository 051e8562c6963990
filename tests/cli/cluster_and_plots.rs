//! `cluster`, `predict`, `plot` and `report` on tables: models, pictures, odd and hostile tables.

use super::*;

#[test]
fn cluster_a_table_then_predict_with_the_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("keys.csv");
    let out = run(&[
        "notes",
        "keys/piano",
        "notes/piano",
        "-o",
        table.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let labels = dir.path().join("labels.csv");
    let model = dir.path().join("model.json");
    let out = run(&[
        "cluster",
        table.to_str().unwrap(),
        "-k",
        "3",
        "--seed",
        "1",
        "--columns",
        "A,A#,B,C,C#,D,D#,E,F,F#,G,G#",
        "--save-model",
        model.to_str().unwrap(),
        "-o",
        labels.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("inertia"), "{}", stdout(&out));
    let df = read_table(&labels);
    assert_eq!(df.height(), 18);
    let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["file", "cluster", "distance"]);
    // The same files predicted with the model land in the clusters they were given.
    let predicted = dir.path().join("predicted.csv");
    let out = run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "keys/piano",
        "notes/piano",
        "-o",
        predicted.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let p = read_table(&predicted);
    assert_eq!(ints(&df, "cluster"), ints(&p, "cluster"));
}

#[test]
fn cluster_output_does_not_depend_on_jobs() {
    let one = run(&[
        "--jobs",
        "1",
        "cluster",
        "keys/piano",
        "notes/violin",
        "-k",
        "2",
    ]);
    let two = run(&[
        "--jobs",
        "2",
        "cluster",
        "keys/piano",
        "notes/violin",
        "-k",
        "2",
    ]);
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(stdout(&one), stdout(&two));
    insta::assert_snapshot!("cluster_keys_violin", stdout(&one));
}

#[test]
fn plots_are_valid_pictures_of_the_expected_size() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, String, (u32, u32))> = vec![
        (
            vec!["plot".into(), "chromagram".into(), "real/doremi.wav".into()],
            d("chroma.png"),
            (1200, 500),
        ),
        (
            vec![
                "plot".into(),
                "notes".into(),
                "notes/piano/69_A4.wav".into(),
            ],
            d("notes.png"),
            (900, 500),
        ),
        (
            vec![
                "plot".into(),
                "clusters".into(),
                "keys/piano".into(),
                "notes/piano".into(),
                "-k".into(),
                "3".into(),
            ],
            d("clusters.png"),
            (1000, 800),
        ),
        (
            vec![
                "plot".into(),
                "elbow".into(),
                "keys/piano".into(),
                "notes/piano".into(),
                "--max-k".into(),
                "5".into(),
            ],
            d("elbow.png"),
            (1200, 500),
        ),
    ];
    for (args, out_path, size) in cases {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend(["-o", out_path.as_str()]);
        let out = run(&all);
        assert!(out.status.success(), "{all:?}: {}", stderr(&out));
        assert_eq!(png_size(Path::new(&out_path)), size, "{all:?}");
    }
    let svg = d("chroma.svg");
    let out = run(&["plot", "chromagram", "notes/piano/69_A4.wav", "-o", &svg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg"), "not an SVG");
}

#[test]
fn note_plots_name_the_keys_and_mark_the_tonics() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("notes.svg");
    let svg = svg.to_str().unwrap();
    // Several files: each row's label names its key, the title says the tonics are outlined,
    // and there is one red outline per file (the six corpus pieces all have a key).
    let out = run(&["plot", "notes", "keys/piano", "-o", svg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(svg).unwrap();
    for key in [
        "A# major", "C major", "D major", "E major", "F# major", "G# major",
    ] {
        assert!(text.contains(&format!("({key})")), "no {key} label");
    }
    assert!(text.contains("tonic outlined"));
    assert_eq!(text.matches("stroke=\"#FF0000\"").count(), 6, "{text}");
    // One file, relative: scale degrees on the x axis, the tonic's bar named and first.
    let out = run(&[
        "plot",
        "notes",
        "keys/piano/Fs_major.wav",
        "--relative",
        "--profile",
        "mean",
        "-o",
        svg,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(svg).unwrap();
    assert!(text.contains("(F# major)"), "title names the key");
    assert!(text.contains("1 (tonic)"));
    assert!(text.contains("scale degree"));
    assert!(text.contains("mean chroma"));
}

/// Defect 6: finite but huge values are refused with a clear error by every command that
/// clusters (no `inf` inertia, no model with nulls, no hang).
#[test]
fn huge_values_are_refused_by_every_clustering_command() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("huge.csv");
    let mut csv = String::from("file,A,B\n");
    for i in 0..6 {
        csv.push_str(&format!("f{i}.wav,1.{}e308,{}e307\n", i % 2, i + 1));
    }
    std::fs::write(&table, csv).unwrap();
    let t = table.to_str().unwrap();
    let model = dir.path().join("m.json");
    for args in [
        vec![
            "cluster",
            t,
            "-k",
            "2",
            "--save-model",
            model.to_str().unwrap(),
        ],
        vec!["cluster", t, "-k", "2", "--standardize"],
        vec!["plot", "clusters", t, "-k", "2", "-o", "c.png"],
        vec!["plot", "elbow", t, "-o", "e.png"],
    ] {
        let started = std::time::Instant::now();
        let o = run_in(dir.path(), &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("too large to cluster"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(!stdout(&o).contains("inf"), "{args:?}: {}", stdout(&o));
        assert!(started.elapsed().as_secs() < 60, "{args:?} took too long");
    }
    assert!(!model.exists(), "no model is saved from an overflowing fit");
}

/// Item 11: a numeric column with one bad cell is an error naming the cell, boolean columns
/// are not picked, `-k auto` on identical rows says why, empty clusters are warned about.
#[test]
fn table_oddities_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let bad_cell = dir.path().join("bad.csv");
    std::fs::write(
        &bad_cell,
        "file,A,B\na.wav,0.1,0.2\nb.wav,oops,0.3\nc.wav,0.5,0.1\nd.wav,0.9,0.9\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["cluster", "bad.csv", "-k", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"A\""), "{}", stderr(&o));
    assert!(stderr(&o).contains("\"oops\""), "{}", stderr(&o));

    let with_bool = dir.path().join("bool.csv");
    std::fs::write(
        &with_bool,
        "file,A,B,flag\na.wav,0.1,0.2,true\nb.wav,0.2,0.3,false\nc.wav,5.5,5.1,true\nd.wav,5.9,5.9,false\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["cluster", "bool.csv", "-k", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 column(s)"), "{}", stdout(&o));

    let same = dir.path().join("same.csv");
    std::fs::write(
        &same,
        "file,A,B\na.wav,1,2\nb.wav,1,2\nc.wav,1,2\nd.wav,1,2\ne.wav,1,2\n",
    )
    .unwrap();
    let o = run_in(dir.path(), &["cluster", "same.csv", "-k", "auto"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 distinct row"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("invalid range"), "{}", stderr(&o));
    let o = run_in(dir.path(), &["cluster", "same.csv", "-k", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("received no file"), "{}", stderr(&o));
}

#[test]
fn a_parquet_table_with_one_byte_changed_is_a_clear_error_not_a_panic() {
    let (dir, _model) = hostile_dir();
    let d = dir.path();
    let out = run_in(d, &["notes", "good", "-o", "t.parquet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = d.join("t.parquet");
    let original = std::fs::read(&table).unwrap();
    // Every one-byte change of the footer (the Thrift metadata polars used to panic on) must
    // end in a table or a clear error naming the file, with exit status 0 or 1.
    // (Its last 8 bytes: footer length, "PAR1". The data pages are not mutated: see
    // chroma's corrupt_tables test for why.)
    let n = original.len();
    let footer_len = u32::from_le_bytes(original[n - 8..n - 4].try_into().unwrap()) as usize;
    let footer = n - 8 - footer_len;
    let mut refused = 0;
    for i in (footer..original.len()).step_by(7) {
        let mut bytes = original.clone();
        bytes[i] ^= 0xff;
        std::fs::write(&table, &bytes).unwrap();
        let out = run_in(d, &["cluster", "t.parquet", "-k", "2"]);
        let err = stderr(&out);
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "byte {i}: {:?}\n{err}",
            out.status
        );
        assert!(!err.contains("panicked"), "byte {i}: {err}");
        if out.status.code() == Some(1) {
            refused += 1;
            assert!(err.contains("t.parquet"), "byte {i}: {err}");
        }
    }
    assert!(refused > 0, "no corrupted variant was refused");
}

#[test]
fn a_corrupt_or_endless_model_file_is_a_clear_error() {
    let (dir, model) = hostile_dir();
    let d = dir.path();
    let text = std::fs::read_to_string(&model).unwrap();
    std::fs::write(d.join("cut.json"), &text[..text.len() / 2]).unwrap();
    for bad in ["cut.json", "/dev/zero"] {
        let out = run_bounded(d, &["predict", "--model", bad, "good"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{bad}: {err}");
        assert!(
            err.contains(bad) && !err.contains("panicked"),
            "{bad}: {err}"
        );
    }
}

/// The inertia `cluster` prints (`... inertia X, ...`).
fn printed_inertia(out: &str) -> f64 {
    let rest = out
        .split("inertia ")
        .nth(1)
        .unwrap_or_else(|| panic!("no inertia in {out}"));
    rest.split(|c: char| c == ',' || c.is_whitespace())
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no inertia in {out}"))
}

/// Mini-batch k-means streamed over a dataset of two parts of several row groups: a label
/// for every row (in part order, with its file name), a model that predicts those labels,
/// an inertia close to full k-means' on the same table, and `-k auto` refused as a usage
/// error.
#[test]
fn mini_batch_cluster_streams_a_multi_row_group_dataset() {
    use polars::prelude::{Column, DataFrame};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // Four blobs in 12 dimensions (sd 1 around centres 3 apart per axis), by a fixed LCG.
    let mut state = 12345u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut files = Vec::new();
    for part in 0..2 {
        let mut w =
            chroma_table::TableFileWriter::for_frames(&data.join(format!("p{part}.parquet")))
                .unwrap();
        for group in 0..5 {
            let n = 2000;
            let names: Vec<String> = (0..n)
                .map(|i| format!("song-{part}-{group}-{i}.wav"))
                .collect();
            let mut columns = vec![Column::new("file".into(), names.clone())];
            files.extend(names);
            let blobs: Vec<usize> = (0..n).map(|_| (uniform() * 4.0) as usize).collect();
            for j in 0..12 {
                let values: Vec<f64> = blobs
                    .iter()
                    .map(|&b| {
                        let centre = if (b + j) % 4 == 0 { 3.0 } else { 0.0 };
                        centre + (0..3).map(|_| uniform() - 0.5).sum::<f64>() * 2.0
                    })
                    .collect();
                columns.push(Column::new(chroma::NOTE_NAMES[j].into(), values));
            }
            w.write_frame(&DataFrame::new(n, columns).unwrap()).unwrap();
        }
        w.finish().unwrap();
    }
    let data_s = data.to_str().unwrap();
    let labels = dir.path().join("labels.parquet");
    let model = dir.path().join("m.json");
    let out = run(&[
        "cluster",
        data_s,
        "-k",
        "4",
        "--mini-batch",
        "--seed",
        "3",
        "-o",
        labels.to_str().unwrap(),
        "--save-model",
        model.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("20000 row(s), 12 column(s), k = 4"), "{text}");
    assert!(text.contains("mini-batch k-means"), "{text}");
    let mini = printed_inertia(&text);
    let df = read_table(&labels);
    assert_eq!(df.height(), 20_000);
    assert_eq!(strings(&df, "file"), files);
    let clusters = ints(&df, "cluster");
    assert!(clusters.iter().all(|&c| (0..4).contains(&c)));
    // The saved model gives the same labels, and its inertia is the printed one.
    let m = kmeans::KMeansModel::load(&model).unwrap();
    let table = chroma_table::read_table(&data).unwrap();
    let table = table.sort(["file"], Default::default()).unwrap();
    let predicted = m.predict_dataframe(&table).unwrap();
    let by_file: std::collections::HashMap<&String, i64> =
        files.iter().zip(clusters.iter().copied()).collect();
    for (f, p) in strings(&table, "file").iter().zip(&predicted) {
        assert_eq!(by_file[f], *p as i64, "{f}");
    }
    assert!(
        (m.inertia() - mini).abs() <= 1e-6 * mini.max(1.0),
        "{} vs {mini}",
        m.inertia()
    );
    // Full k-means on the same table (in memory: it is below the mini-batch threshold).
    let out = run(&["cluster", data_s, "-k", "4", "--seed", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let full_text = stdout(&out);
    assert!(!full_text.contains("mini-batch"), "{full_text}");
    let full = printed_inertia(&full_text);
    eprintln!(
        "mini-batch inertia {mini}, full k-means {full}, ratio {}",
        mini / full
    );
    assert!(
        mini <= full * 1.03,
        "mini-batch inertia {mini} vs full k-means {full}"
    );
    // -k auto needs the table in memory.
    let out = run(&["cluster", data_s, "-k", "auto", "--mini-batch"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("-k auto"), "{}", stderr(&out));
}

/// Row 4: the map of a table of 20,000 columns is drawn in memory of the table's own size
/// (no columns x columns matrix: 3.2 GB here, refused by the 3 GB limit of `run_bounded`).
#[test]
fn report_and_plot_clusters_of_a_table_of_20000_columns_do_not_abort() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (12, 20_000);
    let mut text = String::from("file");
    for j in 0..cols {
        text.push_str(&format!(",c{j}"));
    }
    text.push('\n');
    for i in 0..rows {
        text.push_str(&format!("f{i}.wav"));
        for j in 0..cols {
            let v = ((i * 7 + j * 13) % 17) as f64 / 17.0 + if i < 6 { 1.0 } else { 0.0 };
            text.push_str(&format!(",{v}"));
        }
        text.push('\n');
    }
    std::fs::write(dir.path().join("wide.csv"), text).unwrap();
    let out = run_bounded(
        dir.path(),
        &["report", "wide.csv", "-k", "2", "-o", "r.html"],
    );
    assert!(out.status.success(), "{:?}\n{}", out.status, stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.contains("PC1 ("), "no map axes in the report");
    let out = run_bounded(
        dir.path(),
        &["plot", "clusters", "wide.csv", "-k", "2", "-o", "c.png"],
    );
    assert!(out.status.success(), "{:?}\n{}", out.status, stderr(&out));
    assert!(png_size(&dir.path().join("c.png")).0 > 0);
}

/// `--n-init` is bounded (its bound in `--help`), and a long clustering stops on Ctrl-C with
/// exit status 130.
#[cfg(unix)]
#[test]
fn n_init_is_bounded_and_a_long_clustering_stops_on_ctrl_c() {
    assert_eq!(kmeans::MAX_N_INIT, 1000, "the help text says 1 to 1000");
    let help = stdout(&run(&["cluster", "--help"]));
    assert!(help.contains("1 to 1000"), "{help}");
    assert!(stdout(&run(&["report", "--help"])).contains("1 to 1000"));
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("file,a,b,c\n");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..20_000 {
        let mut v = [0.0; 3];
        for x in &mut v {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *x = (state % 10_000) as f64 / 100.0;
        }
        text.push_str(&format!("f{i}.wav,{},{},{}\n", v[0], v[1], v[2]));
    }
    std::fs::write(dir.path().join("t.csv"), text).unwrap();
    let out = run_or_kill_after_30s(
        dir.path(),
        &["cluster", "t.csv", "-k", "2", "--n-init", "4294967295"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 to 1000"), "{}", stderr(&out));
    let mut child = spawn_in(
        dir.path(),
        &[
            "cluster", "t.csv", "-k", "12", "--n-init", "1000", "--init", "random",
        ],
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the clustering ended before Ctrl-C"
    );
    let sent = std::time::Instant::now();
    send_signal(child.id(), 2);
    while child.try_wait().unwrap().is_none() {
        assert!(
            sent.elapsed() < std::time::Duration::from_secs(10),
            "still clustering 10 s after Ctrl-C"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(child.wait().unwrap().code(), Some(130));
}

/// Row 13: a column named twice, in `--columns` or in a model's `columns`, is refused naming it.
#[test]
fn a_column_named_twice_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "file,A,B\nx,0,1\ny,1,0\nz,1,1\nw,0,0\n",
    )
    .unwrap();
    for (command, columns) in [("cluster", "A,A,A"), ("report", "B,A,B")] {
        let mut args = vec![command, "t.csv", "-k", "2", "--columns", columns];
        if command == "report" {
            args.extend(["-o", "r.html"]);
        }
        let out = run_in(dir.path(), &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        let name = &columns[..1];
        assert!(err.contains(&format!("\"{name}\" twice")), "{err}");
    }
    let out = run_in(
        dir.path(),
        &[
            "cluster",
            "t.csv",
            "-k",
            "2",
            "--columns",
            "A,B",
            "--save-model",
            "m.json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let model = std::fs::read_to_string(dir.path().join("m.json")).unwrap();
    let twice = model.replacen("\"B\"", "\"A\"", 1);
    assert_ne!(twice, model, "no column B in the model: {model}");
    std::fs::write(dir.path().join("twice.json"), twice).unwrap();
    let out = run_in(dir.path(), &["predict", "--model", "twice.json", "t.csv"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("twice.json") && err.contains("`A` is named twice"),
        "{err}"
    );
}

/// Row 10: a CSV that does not read as a table says what is wrong in words: the delimiter it
/// uses, no rows, line N has M fields (never polars' advice about a reader option).
#[test]
fn csv_files_that_are_not_tables_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, expected) in [
        (
            "semi.csv",
            "file;A;B\nx;0;1\ny;1;0\nz;1;1\n",
            "separated by ';'",
        ),
        (
            "tabs.csv",
            "file\tA\tB\nx\t0\t1\ny\t1\t0\n",
            "separated by tabs",
        ),
        (
            "header.csv",
            "file,A,B\n",
            "has a header row (3 column(s)) but no rows",
        ),
        (
            "long.csv",
            "file,A,B\nx,0,1\ny,1,0,5\nz,1,1\n",
            "line 3 has 4 field(s) but the header row has 3",
        ),
        (
            "short.csv",
            "file,A,B\nx,0,1\ny,1\nz,1,1\n",
            "line 3 has 2 field(s) but the header row has 3",
        ),
        ("empty.csv", "", "the file is empty"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let out = run_in(dir.path(), &["cluster", name, "-k", "2"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(name) && err.contains(expected),
            "{name}: {err}"
        );
        for wrong in ["\\n", "truncate_ragged_lines", "no numeric feature column"] {
            assert!(!err.contains(wrong), "{name}: {err}");
        }
    }
}

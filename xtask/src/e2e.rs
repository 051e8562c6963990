//! `cargo xtask bench-e2e`: the commands a user types, timed as whole processes beside the peer
//! pipeline a notebook user would run, alternated A/B in one run, with a breakdown of where our
//! wall time goes.
//!
//! Inputs, made at benchmark time under `target/bench-e2e/` from the Debian game music that
//! `bench-real` uses (fetched with `apt-get download`, or taken from `--debs DIR`; never
//! committed):
//! - `song.wav`: 180 s of one widelands track, 44.1 kHz stereo, 16-bit;
//! - `short/`: 168 FLAC files of 16 s, 22.05 kHz mono, cut from the tracks, and `long/`: the
//!   same audio joined into 21 files of 128 s;
//! - `big.csv`: 200,000 rows x 12 note columns, eight seeded clusters.
//!
//! Cases (ours / peer, both whole processes; the peers are `crates/chroma/benches/e2e_peers.py`):
//! `features SONG --chroma pyaa -j 1 -o f.csv` / pyAudioAnalysis `feature_extraction`;
//! `cluster big.csv -k 8 --n-init 1 -o labels.csv` / pandas `read_csv` + scikit-learn `KMeans`;
//! `notes short/ -j 2 -o t.csv` / librosa `chroma_stft` (n_fft 0.05 s) on 2 joblib workers;
//! `notes SONG -j 1 -o t.csv` / librosa `chroma_cqt`. Each pair runs once to warm the page
//! cache, then `--rounds N` times (default 5), the order of the two swapped every round. Printed:
//! both medians, the ratio of the medians and the range of the pair-by-pair ratios, against the
//! issue's target ratio.
//!
//! Then the fixed cost per file (`notes -j 2` on `short/` and on `long/`, alternated), what the
//! peers' interpreter and imports take alone, and a breakdown of each of our commands: the
//! process start-up floor (`chromacluster --version`,
//! median of the rounds), the wall time spent in `fsync`/`fdatasync` (summed from `strace -T`),
//! and the CPU samples of `perf record` (10 kHz, every thread) grouped by where the code lives:
//! decoding, analysis, the table and its file, clustering, the kernel, the C library, other.
//! A missing `strace` or `perf` is said and that part skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::real::{median, workspace};

/// Seconds of the one-song input.
const SONG_SECONDS: u32 = 180;
/// Number and length (s) of the short files.
const SHORT_FILES: usize = 168;
const SHORT_SECONDS: u32 = 16;
/// The short files joined by this many into `long/` (21 files of 128 s: the same audio in
/// fewer files, for the fixed cost per file).
const JOINED: usize = 8;
/// Rows of the clustering table.
const TABLE_ROWS: usize = 200_000;

/// One compared command: ours and the peer's, as argument lists (program first), the outputs
/// each writes (removed before every run, so that no run resumes or updates another's), and
/// the ratio the issue asks for.
struct Case {
    name: &'static str,
    peer_name: &'static str,
    ours: Vec<String>,
    peer: Vec<String>,
    outputs: Vec<PathBuf>,
    target: f64,
}

/// Runs `argv` (program first) with no input or output, returns its wall time; an error shows
/// its stderr.
fn wall(argv: &[String], outputs: &[PathBuf]) -> Result<f64> {
    for o in outputs {
        if o.exists() {
            std::fs::remove_file(o).with_context(|| format!("cannot remove {}", o.display()))?;
        }
    }
    let t = Instant::now();
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {}", argv[0]))?;
    let seconds = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "{} failed ({}):\n{}",
            argv.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(seconds)
}

fn ffmpeg(args: &[&str], input: &Path, extra: &[&str], out: &Path) -> Result<()> {
    let partial = out.with_extension(format!(
        "partial.{}",
        out.extension().and_then(|e| e.to_str()).unwrap_or("wav")
    ));
    crate::real::run(
        Command::new("ffmpeg")
            .args(["-v", "error", "-y"])
            .args(args)
            .arg("-i")
            .arg(input)
            .args(extra)
            .arg(&partial),
        &format!("ffmpeg for {}", input.display()),
    )?;
    std::fs::rename(&partial, out)?;
    Ok(())
}

/// `song.wav`, the `short/` folder and `big.csv` under `root` (kept between runs).
fn inputs(root: &Path, tracks: &[(String, PathBuf)]) -> Result<(PathBuf, PathBuf, PathBuf)> {
    let song = root.join("song.wav");
    if !song.exists() {
        let (_, track) = tracks
            .iter()
            .find(|(p, _)| p == "widelands-data")
            .context("no widelands track")?;
        let seconds = SONG_SECONDS.to_string();
        ffmpeg(
            &["-stream_loop", "-1"],
            track,
            &[
                "-t",
                &seconds,
                "-ar",
                "44100",
                "-ac",
                "2",
                "-c:a",
                "pcm_s16le",
            ],
            &song,
        )?;
    }
    let short = root.join("short");
    let done = short.join(format!("{:03}.flac", SHORT_FILES - 1));
    if !done.exists() {
        std::fs::create_dir_all(&short)?;
        let mut n = 0;
        'tracks: for (_, track) in tracks {
            let length = crate::real::ffprobe_seconds(track)?;
            for start in [8u32, 28, 48] {
                if n == SHORT_FILES {
                    break 'tracks;
                }
                if f64::from(start + SHORT_SECONDS) > length {
                    continue;
                }
                let (ss, t) = (start.to_string(), SHORT_SECONDS.to_string());
                ffmpeg(
                    &["-ss", &ss, "-t", &t],
                    track,
                    &["-ac", "1", "-ar", "22050", "-c:a", "flac"],
                    &short.join(format!("{n:03}.flac")),
                )?;
                n += 1;
            }
        }
        if n < SHORT_FILES {
            bail!("the tracks give only {n} cuts of {SHORT_SECONDS} s, not {SHORT_FILES}");
        }
    }
    let long = root.join("long");
    let done = long.join(format!("{:02}.flac", SHORT_FILES / JOINED - 1));
    if !done.exists() {
        std::fs::create_dir_all(&long)?;
        for i in 0..SHORT_FILES / JOINED {
            let list = long.join("concat.txt");
            std::fs::write(
                &list,
                (0..JOINED)
                    .map(|k| {
                        let f = short.join(format!("{:03}.flac", i * JOINED + k));
                        format!("file '{}'\n", f.display())
                    })
                    .collect::<String>(),
            )?;
            ffmpeg(
                &["-f", "concat", "-safe", "0"],
                &list,
                &["-c:a", "flac"],
                &long.join(format!("{i:02}.flac")),
            )?;
            std::fs::remove_file(&list)?;
        }
    }
    let table = root.join("big.csv");
    if !table.exists() {
        write_table(&table)?;
    }
    Ok((song, short, table))
}

/// 200,000 note profiles around eight seeded centres (xorshift64* and Box-Muller: the numbers
/// are the same on every machine).
fn write_table(path: &Path) -> Result<()> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let centres: Vec<[f64; 12]> = (0..8).map(|_| std::array::from_fn(|_| uniform())).collect();
    let mut text = String::from("file,A,A#,B,C,C#,D,D#,E,F,F#,G,G#\n");
    for i in 0..TABLE_ROWS {
        let c = &centres[i % 8];
        text.push_str(&format!("track{i:06}.flac"));
        for v in c {
            let (u1, u2) = (uniform().max(1e-300), uniform());
            let noise = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            text.push_str(&format!(",{:.6}", (v + 0.08 * noise).max(0.0)));
        }
        text.push('\n');
    }
    let partial = path.with_extension("partial.csv");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)?;
    Ok(())
}

/// The sum of the `fsync`-family system calls' durations of one run of `argv`, from
/// `strace -f -T`; `None` when strace cannot run here.
fn fsync_seconds(argv: &[String], outputs: &[PathBuf], trace: &Path) -> Result<Option<f64>> {
    let mut with = vec![
        "strace".to_string(),
        "-f".into(),
        "-T".into(),
        "-e".into(),
        "trace=fsync,fdatasync,sync_file_range".into(),
        "-o".into(),
        trace.display().to_string(),
    ];
    with.extend(argv.iter().cloned());
    if wall(&with, outputs).is_err() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(trace)?;
    Ok(Some(
        text.lines()
            .filter_map(|l| {
                let open = l.rfind('<')?;
                l[open + 1..].strip_suffix('>')?.parse::<f64>().ok()
            })
            .sum(),
    ))
}

/// Where each CPU sample of `perf record` of one run of `argv` falls, as shares of all
/// samples by group, largest first; `None` when perf cannot run here.
fn perf_groups(
    argv: &[String],
    outputs: &[PathBuf],
    data: &Path,
) -> Result<Option<Vec<(&'static str, f64)>>> {
    let mut with = vec![
        "perf".to_string(),
        "record".into(),
        "-q".into(),
        "-F".into(),
        "10000".into(),
        "-o".into(),
        data.display().to_string(),
        "--".into(),
    ];
    with.extend(argv.iter().cloned());
    if wall(&with, outputs).is_err() {
        return Ok(None);
    }
    let out = Command::new("perf")
        .args([
            "report",
            "--stdio",
            "--no-children",
            "--sort",
            "dso,sym",
            "-q",
            "-i",
        ])
        .arg(data)
        .stderr(Stdio::null())
        .output()
        .context("cannot run perf report")?;
    let mut groups: Vec<(&'static str, f64)> = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut words = line.split_whitespace();
        let Some(share) = words
            .next()
            .and_then(|w| w.strip_suffix('%'))
            .and_then(|w| w.parse::<f64>().ok())
        else {
            continue;
        };
        let group = group_of(line);
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, s)) => *s += share,
            None => groups.push((group, share)),
        }
    }
    groups.sort_by(|a, b| b.1.total_cmp(&a.1));
    Ok(Some(groups))
}

/// The group of one `perf report` line (`share dso [k|.] symbol`).
fn group_of(line: &str) -> &'static str {
    const GROUPS: [(&str, &[&str]); 6] = [
        (
            "decode",
            &["symphonia", "audio_io", "opus", "flac", "hound", "resample"],
        ),
        (
            "analysis",
            &[
                "stfeatures",
                "chroma::analysis",
                "chroma::pipeline",
                "realfft",
                "rustfft",
                "accurate",
                "lanes",
            ],
        ),
        (
            "table and file",
            &[
                "polars",
                "arrow",
                "csv",
                "durable_output",
                "chroma_table",
                "serde",
                "ryu",
                "lexical",
            ],
        ),
        ("clustering", &["kmeans", "matrixmultiply", "nalgebra"]),
        (
            "start-up and threads",
            &["rayon", "crossbeam", "ld-linux", "_dl_", "std::rt"],
        ),
        (
            "C library (memcpy, malloc)",
            &[
                "libc.so", "libm.so", "malloc", "memcpy", "memmove", "memset",
            ],
        ),
    ];
    if line.contains("[k]") {
        return "kernel (I/O, page faults)";
    }
    for (name, needles) in GROUPS {
        if needles.iter().any(|n| line.contains(n)) {
            return name;
        }
    }
    "other"
}

/// Runs `cargo xtask bench-e2e`.
pub fn run(args: &[String]) -> Result<()> {
    let o = crate::real::parse_bench_options(args, "bench-e2e", "--rounds", 5, 1)?;
    let root = workspace().join("target").join("bench-e2e");
    let real = workspace().join("target").join("bench-real");
    let debs = o.debs.clone().unwrap_or_else(|| real.join("debs"));
    std::fs::create_dir_all(&debs)?;
    std::fs::create_dir_all(root.join("out"))?;
    let tracks = crate::real::tracks(&real, &debs)?;
    let (song, short, table) = inputs(&root, &tracks)?;
    let binary = match &o.bin {
        Some(b) => b.clone(),
        None => crate::docs::release_binary()?,
    };
    let python = crate::python::baseline_python(o.python.as_deref())?;
    let script = workspace()
        .join("crates")
        .join("chroma")
        .join("benches")
        .join("e2e_peers.py");
    let list = root.join("short.txt");
    let mut shorts: Vec<PathBuf> = std::fs::read_dir(&short)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "flac"))
        .collect();
    shorts.sort();
    crate::real::write_file_list(&list, &shorts)?;

    let out = root.join("out");
    let s = |p: &Path| p.display().to_string();
    let ours = |rest: &[&str]| -> Vec<String> {
        std::iter::once(s(&binary))
            .chain(rest.iter().map(|a| a.to_string()))
            .chain(["-q".to_string()])
            .collect()
    };
    let peer = |rest: &[String]| -> Vec<String> {
        [s(&python), s(&script)]
            .into_iter()
            .chain(rest.iter().cloned())
            .collect()
    };
    let o_path = |name: &str| out.join(name);
    let cases = [
        Case {
            name: "features SONG.wav --chroma pyaa -j 1 -o f.csv",
            peer_name: "pyAudioAnalysis feature_extraction",
            ours: ours(&[
                "features",
                &s(&song),
                "--chroma",
                "pyaa",
                "-j",
                "1",
                "-o",
                &s(&o_path("f.csv")),
            ]),
            peer: peer(&["features".into(), s(&song), s(&o_path("peer_f.csv"))]),
            outputs: vec![o_path("f.csv"), o_path("peer_f.csv")],
            target: 30.0,
        },
        Case {
            name: "cluster big.csv -k 8 --n-init 1 -o labels.csv",
            peer_name: "pandas read_csv + scikit-learn KMeans",
            ours: ours(&[
                "cluster",
                &s(&table),
                "-k",
                "8",
                "--n-init",
                "1",
                "-o",
                &s(&o_path("labels.csv")),
            ]),
            peer: peer(&[
                "cluster".into(),
                s(&table),
                "8".into(),
                s(&o_path("peer_labels.csv")),
            ]),
            outputs: vec![o_path("labels.csv"), o_path("peer_labels.csv")],
            target: 2.0,
        },
        Case {
            name: "notes DIR -j 2 -o t.csv (168 FLAC x 16 s)",
            peer_name: "librosa chroma_stft, 2 joblib workers",
            ours: ours(&["notes", &s(&short), "-j", "2", "-o", &s(&o_path("t.csv"))]),
            peer: peer(&[
                "chroma_stft".into(),
                s(&list),
                "2".into(),
                s(&o_path("peer_t.csv")),
            ]),
            outputs: vec![o_path("t.csv"), o_path("peer_t.csv")],
            target: 3.0,
        },
        Case {
            name: "notes SONG.wav -j 1 -o t.csv",
            peer_name: "librosa chroma_cqt",
            ours: ours(&["notes", &s(&song), "-j", "1", "-o", &s(&o_path("song.csv"))]),
            peer: peer(&["chroma_cqt".into(), s(&song), s(&o_path("peer_song.csv"))]),
            outputs: vec![o_path("song.csv"), o_path("peer_song.csv")],
            target: 15.0,
        },
    ];

    println!(
        "bench-e2e: whole processes, {} round(s) after one warm-up, A/B order swapped every round; inputs in {} (song.wav {SONG_SECONDS} s 44.1 kHz stereo, short/ {SHORT_FILES} FLAC x {SHORT_SECONDS} s 22.05 kHz mono, big.csv {TABLE_ROWS} x 12)",
        o.repeats,
        root.strip_prefix(workspace()).unwrap_or(&root).display()
    );
    let version = [s(&binary), "--version".to_string()];
    let mut startup = Vec::new();
    for case in &cases {
        wall(&case.ours, &case.outputs)?;
        wall(&case.peer, &case.outputs)?;
        let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..o.repeats {
            let (x, y) = if round % 2 == 0 {
                let x = wall(&case.ours, &case.outputs)?;
                (x, wall(&case.peer, &case.outputs)?)
            } else {
                let y = wall(&case.peer, &case.outputs)?;
                (wall(&case.ours, &case.outputs)?, y)
            };
            startup.push(wall(&version, &[])?);
            a.push(x);
            b.push(y);
            ratios.push(y / x);
        }
        let (ma, mb) = (median(a.clone()), median(b.clone()));
        let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().copied().fold(0.0, f64::max);
        let met = ratios.iter().filter(|&&r| r >= case.target).count();
        println!(
            "{}: ours {:.3} s, {} {:.3} s (medians); {:.1}x (pairs {:.1}x to {:.1}x, median pair {:.1}x); target {:.0}x: met in {met} of {} pairs",
            case.name,
            ma,
            case.peer_name,
            mb,
            mb / ma,
            lo,
            hi,
            median(ratios.clone()),
            case.target,
            ratios.len(),
        );
    }
    let floor = median(startup);
    println!("start-up floor: `chromacluster --version` {floor:.4} s (median)");
    // The fixed cost per file: the same audio as 168 files and as 21, alternated.
    let (long_dir, t_csv) = (root.join("long"), out.join("t.csv"));
    let many = ours(&["notes", &s(&short), "-j", "2", "-o", &s(&t_csv)]);
    let few = ours(&["notes", &s(&long_dir), "-j", "2", "-o", &s(&t_csv)]);
    let outputs = [t_csv.clone()];
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..o.repeats {
        if round % 2 == 0 {
            a.push(wall(&many, &outputs)?);
            b.push(wall(&few, &outputs)?);
        } else {
            b.push(wall(&few, &outputs)?);
            a.push(wall(&many, &outputs)?);
        }
    }
    let (ma, mb) = (median(a), median(b));
    println!(
        "fixed cost per file: notes -j 2 on the same audio as {SHORT_FILES} files {ma:.3} s, as {} files {mb:.3} s (medians): {:.2} ms per extra file, {:.1}% of the {SHORT_FILES}-file run",
        SHORT_FILES / JOINED,
        (ma - mb) * 1e3 / (SHORT_FILES - SHORT_FILES / JOINED) as f64,
        100.0 * (ma - mb) / ma
    );
    // What the peers pay before their first sample: the interpreter and their imports.
    for (peer_name, import) in [
        (
            "pyAudioAnalysis",
            "import numpy; from pyAudioAnalysis import ShortTermFeatures, audioBasicIO",
        ),
        (
            "pandas + scikit-learn",
            "import pandas; from sklearn.cluster import KMeans",
        ),
        ("librosa + joblib", "import librosa, joblib, pandas"),
    ] {
        let argv = [s(&python), "-c".to_string(), import.to_string()];
        let t: Vec<f64> = (0..o.repeats)
            .map(|_| wall(&argv, &[]))
            .collect::<Result<_>>()?;
        println!(
            "peer start-up: python with {peer_name} imported {:.3} s (median)",
            median(t)
        );
    }
    println!("breakdown of our commands (one run each):");
    for case in &cases {
        let fsync = fsync_seconds(&case.ours, &case.outputs, &root.join("strace.txt"))?;
        let groups = perf_groups(&case.ours, &case.outputs, &root.join("perf.data"))?;
        let fsync = fsync.map_or("fsync: strace not available".to_string(), |f| {
            format!("fsync {f:.4} s (strace -T)")
        });
        let groups = groups.map_or("perf not available".to_string(), |g| {
            g.iter()
                .filter(|(_, share)| *share >= 0.5)
                .map(|(name, share)| format!("{name} {share:.1}%"))
                .collect::<Vec<_>>()
                .join(", ")
        });
        println!("  {}: {fsync}; CPU samples: {groups}", case.name);
    }
    Ok(())
}

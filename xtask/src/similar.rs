//! `cargo xtask bench-similar`: exact nearest-neighbour search at library scale, `similar` end
//! to end, and the sound-alike evaluation on real music, each against a baseline measured in
//! the same run. Run it optimised: `cargo run --release -p xtask -- bench-similar`.
//!
//! Scale (`--only scale`; random vectors, in process, `kmeans::NeighbourIndex`):
//! 1. one query over `--rows` (1,000,000) x 32 on one core, against a naive scalar loop (every
//!    distance into an array, then a partial sort), alternated `--rounds` times;
//! 2. every row's 10 nearest among `--all-rows` (100,000) x 32 on two threads, against the naive
//!    loop on 2,000 of the queries (two threads), scaled to all of them;
//! 3. `chromacluster similar TABLE -n 10 -o FILE` over a `--table-rows` (10,000) row table of
//!    sound columns, as a whole process, against numpy brute force over the same table in the
//!    Python of `--python` (or `CHROMACLUSTER_PYTHON`; without one the baseline is skipped,
//!    saying so).
//!
//! Evaluation (`--only eval`): Debian's game music (`supertux-data`, `widelands-data`,
//! `lincity-ng-data`, `frozen-bubble-data`, fetched with `apt-get download` at benchmark time
//! into `target/bench-real/debs`, extracted as `bench-real` does; nothing is committed) and the
//! shared corpus's real recordings (`testdata/corpus/real`, labelled by SOURCE.md), analysed by
//! `notes --sound`; then `xtask/simbench.py` computes purity@5 with its interval and the ARI of
//! `cluster --by sound` beside the librosa baseline of the same run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use audio_io::synth::SplitMix64;
use kmeans::NeighbourIndex;

#[derive(Debug)]
struct Options {
    rows: usize,
    all_rows: usize,
    table_rows: usize,
    rounds: usize,
    only: Vec<String>,
    python: Option<PathBuf>,
    bin: Option<PathBuf>,
    debs: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options {
        rows: 1_000_000,
        all_rows: 100_000,
        table_rows: 10_000,
        rounds: 5,
        only: vec!["scale".into(), "eval".into()],
        python: None,
        bin: None,
        debs: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        let number = |v: &String| -> Result<usize> {
            v.replace('_', "")
                .parse()
                .with_context(|| format!("{a}: not a number: {v}"))
        };
        match a.as_str() {
            "--rows" => o.rows = number(value()?)?,
            "--all-rows" => o.all_rows = number(value()?)?,
            "--table-rows" => o.table_rows = number(value()?)?,
            "--rounds" => o.rounds = number(value()?)?.max(1),
            "--only" => o.only = value()?.split(',').map(String::from).collect(),
            "--python" => o.python = Some(PathBuf::from(value()?)),
            "--bin" => o.bin = Some(PathBuf::from(value()?)),
            "--debs" => o.debs = Some(PathBuf::from(value()?)),
            other => bail!("unknown bench-similar option {other}"),
        }
    }
    Ok(o)
}

const DIM: usize = 32;
const NEIGHBOURS: usize = 10;

fn random_vectors(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    (0..n * DIM).map(|_| rng.next_f64() as f32).collect()
}

/// The naive baseline: every squared distance into an array (a plain scalar loop), then the
/// `n` smallest by a partial sort.
fn naive_nearest(data: &[f32], query: &[f32], n: usize, skip: Option<usize>) -> Vec<usize> {
    let mut d: Vec<(f32, usize)> = data
        .chunks_exact(DIM)
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .map(|(i, row)| {
            let mut s = 0f32;
            for j in 0..DIM {
                let t = row[j] - query[j];
                s += t * t;
            }
            (s, i)
        })
        .collect();
    let n = n.min(d.len());
    if n < d.len() {
        d.select_nth_unstable_by(n, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    d.truncate(n);
    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    d.into_iter().map(|x| x.1).collect()
}

use crate::real::median;

/// Pair-by-pair ratios as text.
fn pairs(ratios: &[f64]) -> String {
    ratios
        .iter()
        .map(|r| format!("{r:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Python of `--python`, else of the `CHROMACLUSTER_PYTHON` environment variable.
fn python_of(o: &Options) -> Option<PathBuf> {
    o.python
        .clone()
        .or_else(|| std::env::var_os("CHROMACLUSTER_PYTHON").map(PathBuf::from))
}

fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?)
}

/// Prints per-round pairs and the medians with the median pair-by-pair ratio.
fn summarise(what: &str, ours: &[f64], base: &[f64], unit: &str, scale: f64) {
    let ratios: Vec<f64> = ours.iter().zip(base).map(|(a, b)| b / a).collect();
    println!(
        "  {what}: exact {:.3} {unit} (median of {}), naive {:.3} {unit}; naive / exact: median {:.2}x (pairs: {})",
        median(ours.to_vec()) * scale,
        ours.len(),
        median(base.to_vec()) * scale,
        median(ratios.clone()),
        pairs(&ratios)
    );
}

fn one_query(o: &Options) -> Result<()> {
    println!(
        "one query, {} x {DIM} (f32, {} MiB), 10 nearest, one core:",
        o.rows,
        (o.rows * DIM * 4) >> 20
    );
    let data = random_vectors(o.rows, 1);
    let index = NeighbourIndex::from_f32(&data, DIM)?;
    let one = pool(1)?;
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for r in 0..o.rounds {
        let q32 = random_vectors(1, 100 + r as u64);
        let q: Vec<f64> = q32.iter().map(|&v| f64::from(v)).collect();
        let t = Instant::now();
        let found = one.install(|| index.nearest(&q, NEIGHBOURS, &[]))?;
        ours.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let naive = naive_nearest(&data, &q32, NEIGHBOURS, None);
        base.push(t.elapsed().as_secs_f64());
        let rows: Vec<usize> = found.iter().map(|n| n.row).collect();
        if rows != naive {
            bail!("exact search and the naive loop disagree: {rows:?} vs {naive:?}");
        }
    }
    summarise("one query", &ours, &base, "ms", 1e3);
    Ok(())
}

fn all_queries(o: &Options) -> Result<()> {
    let sample = 2_000.min(o.all_rows);
    println!(
        "every row's 10 nearest, {} x {DIM}, two threads (naive: {sample} queries, scaled by {:.0}):",
        o.all_rows,
        o.all_rows as f64 / sample as f64
    );
    let data = random_vectors(o.all_rows, 2);
    let index = NeighbourIndex::from_f32(&data, DIM)?;
    let two = pool(2)?;
    let rounds = o.rounds.min(3);
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        let all = two.install(|| index.all_nearest(NEIGHBOURS));
        ours.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let naive: Vec<Vec<usize>> = two.install(|| {
            use rayon::prelude::*;
            (0..sample)
                .into_par_iter()
                .map(|i| {
                    let q = &data[i * DIM..(i + 1) * DIM];
                    naive_nearest(&data, q, NEIGHBOURS, Some(i))
                })
                .collect()
        });
        base.push(t.elapsed().as_secs_f64() * o.all_rows as f64 / sample as f64);
        for (i, n) in naive.iter().enumerate() {
            let rows: Vec<usize> = all[i].iter().map(|x| x.row).collect();
            if &rows != n {
                bail!("row {i}: exact search and the naive loop disagree");
            }
        }
    }
    summarise("all rows", &ours, &base, "s", 1.0);
    Ok(())
}

/// A `similar`-ready table of `rows` random sound rows (CSV), written once.
fn sound_table(dir: &Path, rows: usize, binary: &Path) -> Result<PathBuf> {
    let path = dir.join(format!("sound-{rows}.csv"));
    if path.exists() {
        return Ok(path);
    }
    // The column names from a real table: the sound description of one corpus file.
    let one = dir.join("one.csv");
    let status = Command::new(binary)
        .args(["notes", "--sound", "-q"])
        .arg(workspace().join("testdata/corpus/real/doremi.wav"))
        .arg("-o")
        .arg(&one)
        .stdin(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("notes --sound failed");
    }
    let text = std::fs::read_to_string(&one)?;
    let header: Vec<&str> = text.lines().next().context("header")?.split(',').collect();
    let first: Vec<&str> = text.lines().nth(1).context("row")?.split(',').collect();
    let mut rng = SplitMix64::new(3);
    let mut out = String::with_capacity(rows * 3000);
    out.push_str(&header.join(","));
    out.push('\n');
    let sound_from = header
        .iter()
        .position(|h| *h == "sound_schema")
        .context("sound_schema column")?;
    for i in 0..rows {
        let mut cells = Vec::with_capacity(header.len());
        for (j, h) in header.iter().enumerate() {
            cells.push(if j == 0 {
                format!("library/track{i:06}.flac")
            } else if j <= sound_from || first[j].parse::<f64>().is_err() || *h == "key" {
                first[j].to_string()
            } else {
                let v: f64 = first[j].parse()?;
                format!("{:.6}", v * (0.5 + rng.next_f64()) + rng.next_f64() - 0.5)
            });
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    std::fs::write(&path, out)?;
    Ok(path)
}

const NUMPY_SIMILAR: &str = r#"
import sys, numpy as np, polars as pl
t = pl.read_csv(sys.argv[1])
cols = [c for c in t.columns if c not in ("file", "sound_schema") and t[c].dtype.is_numeric()][-126:]
groups = sys.argv[3].split(",")
X = t.select(cols).to_numpy().astype(float)
sd = X.std(0); sd[sd < 1e-12] = 1
g = np.array(groups); w = np.array([1 / np.sqrt((g == x).sum()) for x in g])
Z = (X - X.mean(0)) / sd * w
c = Z.mean(0); _, _, Vt = np.linalg.svd(Z - c, full_matrices=False)
Y = ((Z - c) @ Vt[:32].T).astype(np.float32)
n2 = (Y * Y).sum(1)
files = t["file"].to_list(); out = []
for s in range(0, len(Y), 1024):
    D = n2[s:s + 1024, None] - 2 * Y[s:s + 1024] @ Y.T + n2[None, :]
    D[np.arange(D.shape[0]), np.arange(s, s + D.shape[0])] = np.inf
    nn = np.argpartition(D, 10, axis=1)[:, :10]
    for i in range(D.shape[0]):
        o = nn[i][np.argsort(D[i, nn[i]])]
        for r, j in enumerate(o):
            out.append((files[s + i], r + 1, files[j], float(np.sqrt(max(D[i, j], 0)))))
pl.DataFrame(out, schema=["file", "rank", "neighbour", "distance"], orient="row").write_csv(sys.argv[2])
"#;

fn end_to_end(o: &Options, binary: &Path) -> Result<()> {
    let dir = workspace().join("target").join("bench-similar");
    std::fs::create_dir_all(&dir)?;
    let table = sound_table(&dir, o.table_rows, binary)?;
    let out = dir.join("neighbours.csv");
    let python = python_of(o);
    let groups: Vec<String> = {
        let text = std::fs::read_to_string(workspace().join("testdata/sound/sound_v1_schema.csv"))?;
        text.lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap_or("").to_string())
            .collect()
    };
    println!(
        "`chromacluster similar TABLE -n 10 -o FILE`, {} rows, whole process{}:",
        o.table_rows,
        if python.is_some() {
            ", against numpy brute force (z-score, weights, SVD, 32 axes, GEMM, argpartition) in the same run"
        } else {
            " (numpy baseline SKIPPED: no --python and no CHROMACLUSTER_PYTHON)"
        }
    );
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for _ in 0..o.rounds {
        let t = Instant::now();
        let status = Command::new(binary)
            .arg("similar")
            .arg(&table)
            .args(["-n", "10", "-q", "-o"])
            .arg(&out)
            .stdin(Stdio::null())
            .status()?;
        ours.push(t.elapsed().as_secs_f64());
        if !status.success() {
            bail!("similar failed");
        }
        if let Some(py) = &python {
            let t = Instant::now();
            let status = Command::new(py)
                .args(["-c", NUMPY_SIMILAR])
                .arg(&table)
                .arg(dir.join("numpy.csv"))
                .arg(groups.join(","))
                .env("OMP_NUM_THREADS", "2")
                .env("OPENBLAS_NUM_THREADS", "2")
                .stdin(Stdio::null())
                .status()?;
            base.push(t.elapsed().as_secs_f64());
            if !status.success() {
                bail!("the numpy baseline failed");
            }
        }
    }
    if base.is_empty() {
        println!(
            "  similar: {:.3} s (median of {}; rounds: {})",
            median(ours.clone()),
            ours.len(),
            pairs(&ours)
        );
    } else {
        let ratios: Vec<f64> = ours.iter().zip(&base).map(|(a, b)| b / a).collect();
        println!(
            "  similar {:.3} s, numpy {:.3} s (medians of {}); numpy / similar: median {:.2}x (pairs: {})",
            median(ours.clone()),
            median(base.clone()),
            ours.len(),
            median(ratios.clone()),
            pairs(&ratios)
        );
    }
    Ok(())
}

fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// The labelled set: `file, rel, label, source, half` (CSV text) of the game music and the
/// corpus's real recordings. Halves: within each label, by the SHA-1 of the path relative to
/// its root, the first half (rounded up) dev, the rest report (the research's split).
fn manifest(tracks: &[(String, PathBuf)], root: &Path) -> Result<String> {
    let mut rows: Vec<(String, String, String, String)> = Vec::new();
    for (package, path) in tracks {
        let text = path.to_string_lossy();
        let rel = text
            .split_once("/music/")
            .or_else(|| text.split_once("/snd/"))
            .map_or(text.to_string(), |(_, r)| r.to_string());
        rows.push((
            text.to_string(),
            rel,
            package.trim_end_matches("-data").to_string(),
            "debian".into(),
        ));
    }
    let real = root.join("testdata/corpus/real");
    let source = std::fs::read_to_string(real.join("SOURCE.md"))?;
    for line in source.lines().filter(|l| l.starts_with("| `real/")) {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let rel = cells[0].trim_matches('`').trim_start_matches("real/");
        rows.push((
            real.join(rel).to_string_lossy().to_string(),
            rel.to_string(),
            cells[2].to_string(),
            "corpus".into(),
        ));
    }
    let mut labels: Vec<String> = rows.iter().map(|r| r.2.clone()).collect();
    labels.sort();
    labels.dedup();
    let mut out = String::from("file,rel,label,source,half\n");
    for label in labels {
        let mut members: Vec<&(String, String, String, String)> =
            rows.iter().filter(|r| r.2 == label).collect();
        members.sort_by_key(|r| sha1_hex(r.1.as_bytes()));
        let dev = members.len().div_ceil(2);
        for (i, r) in members.iter().enumerate() {
            let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                quote(&r.0),
                quote(&r.1),
                r.2,
                r.3,
                if i < dev { "dev" } else { "report" }
            ));
        }
    }
    Ok(out)
}

/// SHA-1 of `bytes` as hex (`sha1sum`, for the research's deterministic split).
fn sha1_hex(bytes: &[u8]) -> String {
    let mut child = Command::new("sha1sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha1sum runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write");
    let out = child.wait_with_output().expect("sha1sum output");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

fn evaluation(o: &Options, binary: &Path) -> Result<()> {
    let root = workspace();
    let Some(python) = python_of(o) else {
        println!("evaluation SKIPPED: it needs a Python with librosa, scikit-learn and polars (--python PATH or CHROMACLUSTER_PYTHON)");
        return Ok(());
    };
    let real_root = root.join("target").join("bench-real");
    let debs = o.debs.clone().unwrap_or_else(|| real_root.join("debs"));
    std::fs::create_dir_all(&debs)?;
    let tracks = crate::real::tracks(&real_root, &debs)?;
    let dir = root.join("target").join("bench-similar");
    std::fs::create_dir_all(&dir)?;
    let manifest_path = dir.join("manifest.csv");
    let text = manifest(&tracks, &root)?;
    std::fs::write(&manifest_path, &text)?;
    let files: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| {
            l.split("\",")
                .next()
                .unwrap_or("")
                .trim_start_matches('"')
                .to_string()
        })
        .collect();
    println!(
        "evaluation: {} files ({} game tracks from {}, {} corpus recordings)",
        files.len(),
        tracks.len(),
        debs.display(),
        files.len() - tracks.len()
    );
    let table = dir.join("sound.parquet");
    let t = Instant::now();
    let status = Command::new(binary)
        .args(["notes", "--sound", "-q", "--jobs", "2"])
        .args(&files)
        .arg("-o")
        .arg(&table)
        .stdin(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("notes --sound failed on the evaluation set");
    }
    println!("  notes --sound -j 2: {:.0} s", t.elapsed().as_secs_f64());
    let status = Command::new(&python)
        .arg(root.join("xtask").join("simbench.py"))
        .arg(&manifest_path)
        .arg(&table)
        .arg(binary)
        .arg(&dir)
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("simbench.py failed");
    }
    Ok(())
}

/// `cargo xtask bench-similar [--rows N] [--all-rows N] [--table-rows N] [--rounds R]
/// [--only scale,eval] [--python PATH] [--bin PATH] [--debs DIR]`.
pub fn run(args: &[String]) -> Result<()> {
    let o = parse(args)?;
    if cfg!(debug_assertions) {
        println!("note: a debug xtask times a debug kernel; run `cargo run --release -p xtask -- bench-similar`");
    }
    let needs_binary = o.only.iter().any(|s| s == "scale" || s == "eval");
    let binary = match (&o.bin, needs_binary) {
        (Some(b), _) => b.clone(),
        (None, true) => crate::docs::release_binary()?,
        (None, false) => PathBuf::new(),
    };
    if o.only.iter().any(|s| s == "scale") {
        one_query(&o)?;
        all_queries(&o)?;
        end_to_end(&o, &binary)?;
    }
    if o.only.iter().any(|s| s == "eval") {
        evaluation(&o, &binary)?;
    }
    Ok(())
}

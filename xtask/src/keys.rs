//! `cargo xtask keyset DIR`: the labelled key material of `audio_io::synth::keyset` as WAV files
//! with a `labels.csv`; `cargo xtask keybench [DIR]`: key accuracy and speed of chromacluster
//! against Essentia's KeyExtractor and librosa on that set plus the corpus's `keys/` pieces.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use audio_io::synth::{self, keyset, WavFormat};

/// Sample rate of the written set.
const SAMPLE_RATE: u32 = 22050;
/// Seconds per chord: a progression played twice lasts 4.8 s (pop: 6 s), a melody 3 s.
const SECONDS_PER_CHORD: f64 = 0.6;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Writes the set into `dir` (every piece in tune and detuned) and `labels.csv`
/// (`file,key,tuning_cents,style,timbre,voicing,bass,drums`); returns the number of files.
pub fn write_keyset(dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let set = keyset::labelled_set(SECONDS_PER_CHORD, true);
    let mut labels = String::from("file,key,tuning_cents,style,timbre,voicing,bass,drums\n");
    for spec in &set {
        let name = format!("{}.wav", spec.file_stem());
        let x = spec.render(SAMPLE_RATE);
        synth::write_wav(dir.join(&name), &[&x], SAMPLE_RATE, WavFormat::S16)?;
        writeln!(
            labels,
            "{name},{},{},{},{},{},{},{}",
            spec.key_name(),
            spec.cents,
            spec.style.name(),
            spec.timbre.name(),
            if spec.style == keyset::Style::Melody {
                "-"
            } else {
                spec.voicing.name()
            },
            spec.bass,
            spec.drums
        )?;
    }
    std::fs::write(dir.join("labels.csv"), labels).context("writing labels.csv")?;
    Ok(set.len())
}

/// The benchmark's inputs: `(path, key)` for the generated set in `dir` and the corpus's keys.
fn labelled_files(dir: &Path) -> Result<Vec<(PathBuf, String, String)>> {
    let mut out = Vec::new();
    let labels = std::fs::read_to_string(dir.join("labels.csv"))
        .with_context(|| format!("reading {}/labels.csv", dir.display()))?;
    for line in labels.lines().skip(1) {
        let mut fields = line.split(',');
        if let (Some(file), Some(key), Some(cents)) = (fields.next(), fields.next(), fields.next())
        {
            out.push((dir.join(file), key.to_string(), cents.to_string()));
        }
    }
    let corpus = workspace().join("testdata").join("corpus");
    let manifest =
        std::fs::read_to_string(corpus.join("manifest.csv")).context("reading the manifest")?;
    for line in manifest.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() > 2 && fields[1] == "keys" {
            out.push((corpus.join(fields[0]), fields[2].to_string(), String::new()));
        }
    }
    Ok(out)
}

/// Runs the benchmark: chromacluster (each profile, one thread), then Essentia and librosa
/// through `crates/chroma/benches/keybench.py` on the same files, one table.
pub fn keybench(dir: Option<PathBuf>) -> Result<()> {
    let dir = dir.unwrap_or_else(|| workspace().join("target").join("keyset"));
    if !dir.join("labels.csv").exists() {
        let n = write_keyset(&dir)?;
        println!("wrote {n} labelled files to {}", dir.display());
    }
    let files = labelled_files(&dir)?;
    let list = dir.join("bench-files.csv");
    let mut text = String::from("file,key,tuning_cents\n");
    for (path, key, cents) in &files {
        writeln!(text, "{},{key},{cents}", path.display())?;
    }
    std::fs::write(&list, text)?;
    let binary = crate::docs::release_binary()?;
    let paths: Vec<String> = files.iter().map(|f| f.0.display().to_string()).collect();
    let mut results = Vec::new();
    let out_dir = dir.join("bench-out");
    std::fs::create_dir_all(&out_dir)?;
    // `notes --tuning 0` is the table without the tuning estimate: the baseline for its cost.
    for (label, args) in [
        ("notes --tuning 0", vec!["notes", "--tuning", "0"]),
        ("notes (tuning auto, key)", vec!["notes"]),
    ] {
        let out = out_dir.join("notes.csv");
        let secs = time_binary(&binary, &args, &paths, &out)?;
        println!("{label:<28} {:.4} s per file", secs / files.len() as f64);
    }
    for profile in [
        "temperley",
        "krumhansl",
        "temperley2005",
        "albrecht",
        "aarden",
        "bellman",
        "bgate",
        "edma",
        "triads",
    ] {
        let out = out_dir.join(format!("ours_{profile}.csv"));
        let secs = time_binary(&binary, &["key", "--key-profile", profile], &paths, &out)?;
        results.push((format!("chromacluster key ({profile})"), out, secs));
    }
    let script = workspace()
        .join("crates")
        .join("chroma")
        .join("benches")
        .join("keybench.py");
    let mut cmd = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()));
    cmd.arg(&script).arg(&list).arg(&out_dir);
    for (label, out, secs) in &results {
        cmd.arg(format!("{label}={}={secs}", out.display()));
    }
    let status = cmd
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("MKL_NUM_THREADS", "1")
        .env("NUMBA_NUM_THREADS", "1")
        .status()
        .context("cannot run python3 (set PYTHON to an interpreter)")?;
    if !status.success() {
        bail!("{} failed", script.display());
    }
    Ok(())
}

/// Runs the binary on one thread over `paths`, writing `out`; returns the wall time.
fn time_binary(binary: &Path, args: &[&str], paths: &[String], out: &Path) -> Result<f64> {
    let started = Instant::now();
    let output = Command::new(binary)
        .args(["--jobs", "1", "-q"])
        .args(args)
        .args(paths)
        .arg("-o")
        .arg(out)
        .output()
        .context("cannot run chromacluster")?;
    let secs = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "chromacluster {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(secs)
}

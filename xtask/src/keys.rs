//! `cargo xtask keyset DIR`: the generated key material of `audio_io::synth::keyset` as WAV
//! files with a `labels.csv`; `cargo xtask keybench`: key accuracy and speed of chromacluster
//! against Essentia's KeyExtractor and librosa, on the key set of real compositions (the
//! headline, [`crate::keyset_bench`]) and, with `--generated`, on that generated set plus the
//! corpus's `keys/` pieces (properties: all 24 keys, detuning).

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

/// The corpus's labelled key material: the `keys` group of `manifest.csv` (label = key), and
/// the `formats` excerpt, whose README states its key (I-V-vi-IV in D major), once (its 16-bit
/// 44.1 kHz stereo WAV; the other encodings are the same music).
const CORPUS_FORMATS_KEY: (&str, &str) = ("formats/wav_pcm_s16le_44100_2ch.wav", "D major");

/// The benchmark's inputs: `(path, key, tuning_cents)` for the generated set in `dir` (tuning
/// known) and the corpus's labelled keys (tuning empty: unknown).
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
    let (file, key) = CORPUS_FORMATS_KEY;
    if corpus.join(file).exists() {
        out.push((corpus.join(file), key.to_string(), String::new()));
    }
    Ok(out)
}

/// `keybench` options: `[--keyset DIR] [--renders DIR] [--python PATH] [--bin PATH]
/// [--reuse-reference] [--ours-only]` for the key set (default), `--generated [DIR] [--python
/// PATH] [--rounds N]` for the generated set.
#[derive(Debug, Default)]
pub struct KeybenchArgs {
    /// Run the generated-set benchmark instead of the key set's.
    pub generated: bool,
    /// The generated set (default `target/keyset`, written first if missing).
    pub dir: Option<PathBuf>,
    /// The key set of real compositions (default `../shared/keyset` beside the workspace).
    pub keyset: Option<PathBuf>,
    /// Renders of the key set made by its `render.sh` (default: made in `target/keyset-render`).
    pub renders: Option<PathBuf>,
    /// The interpreter that runs the benchmark scripts with Essentia and librosa importable;
    /// default: the virtual environment `target/keybench-venv`, made and filled from
    /// `crates/chroma/benches/keybench-requirements.txt` if missing.
    pub python: Option<PathBuf>,
    /// The chromacluster binary measured (default: the workspace's release build).
    pub binary: Option<PathBuf>,
    /// Key set: reuse Essentia's and librosa's estimates from an earlier run.
    pub reuse_reference: bool,
    /// Key set: chromacluster's rows only.
    pub ours_only: bool,
    /// Alternating rounds of the `notes` speed comparison (generated set; default 3).
    pub rounds: usize,
}

impl KeybenchArgs {
    /// Parses the arguments after `keybench`.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut out = KeybenchArgs {
            rounds: 3,
            ..KeybenchArgs::default()
        };
        let mut it = args.iter();
        let path = |it: &mut std::slice::Iter<'_, String>, flag: &str| -> Result<PathBuf> {
            Ok(PathBuf::from(
                it.next().with_context(|| format!("{flag} needs a path"))?,
            ))
        };
        while let Some(a) = it.next() {
            match a.as_str() {
                "--generated" => out.generated = true,
                "--keyset" => out.keyset = Some(path(&mut it, a)?),
                "--renders" => out.renders = Some(path(&mut it, a)?),
                "--python" => out.python = Some(path(&mut it, a)?),
                "--bin" => out.binary = Some(path(&mut it, a)?),
                "--reuse-reference" => out.reuse_reference = true,
                "--ours-only" => out.ours_only = true,
                "--rounds" => {
                    let n = it.next().context("--rounds needs a number")?;
                    out.rounds = n
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .with_context(|| format!("--rounds: not a positive number: {n}"))?;
                }
                other if other.starts_with('-') => bail!("unknown keybench option {other}"),
                dir if out.dir.is_none() => out.dir = Some(PathBuf::from(dir)),
                extra => bail!("keybench takes one folder, got another: {extra}"),
            }
        }
        if out.dir.is_some() && !out.generated {
            bail!("a folder argument is the generated set's: give --generated with it");
        }
        Ok(out)
    }

    /// Runs the benchmark these arguments choose.
    pub fn run(&self) -> Result<()> {
        if self.generated {
            return keybench(self);
        }
        let args = crate::keyset_bench::KeysetArgs {
            keyset: self
                .keyset
                .clone()
                .unwrap_or_else(|| workspace().join("..").join("shared").join("keyset")),
            renders: self.renders.clone(),
            python: self.python.clone(),
            binary: self.binary.clone(),
            reuse_reference: self.reuse_reference,
            ours_only: self.ours_only,
        };
        crate::keyset_bench::run(&args).map(|_| ())
    }
}

/// Runs the generated-set benchmark: the speed of `notes` with and without the tuning estimate and key
/// (alternating rounds, one thread), chromacluster `key` with each profile (one thread), then
/// Essentia and librosa through `crates/chroma/benches/keybench.py` on the same files, one
/// table; seconds are wall time and CPU time (user + system) per file.
fn keybench(args: &KeybenchArgs) -> Result<()> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| workspace().join("target").join("keyset"));
    if !dir.join("labels.csv").exists() {
        let n = write_keyset(&dir)?;
        println!("wrote {n} labelled files to {}", dir.display());
    }
    let python = crate::python::baseline_python(args.python.as_deref())?;
    let files = labelled_files(&dir)?;
    let list = dir.join("bench-files.csv");
    let mut text = String::from("file,key,tuning_cents\n");
    for (path, key, cents) in &files {
        writeln!(text, "{},{key},{cents}", path.display())?;
    }
    std::fs::write(&list, text)?;
    let binary = match &args.binary {
        Some(b) => b.clone(),
        None => crate::docs::release_binary()?,
    };
    let paths: Vec<String> = files.iter().map(|f| f.0.display().to_string()).collect();
    let n = files.len() as f64;
    let out_dir = dir.join("bench-out");
    std::fs::create_dir_all(&out_dir)?;

    // The cost of the tuning estimate and key: `notes --tuning 0` is the table at A4 = 440 Hz,
    // the baseline; plain `notes` estimates each file's tuning and key. The key is 24
    // correlations of the mean chroma the profile holds anyway, so `--tuning 0` is the closest
    // to "no tuning, no key" the binary offers. Alternating rounds, best of each.
    let variants: [(&str, &[&str]); 2] = [
        ("notes --tuning 0", &["notes", "--tuning", "0"]),
        ("notes (tuning auto + key)", &["notes"]),
    ];
    let mut best = [Timing::MAX; 2];
    println!(
        "`notes` on {} files, one thread, {} alternating rounds:",
        files.len(),
        args.rounds
    );
    for round in 1..=args.rounds {
        for (i, (label, argv)) in variants.iter().enumerate() {
            let t = time_binary(&binary, argv, &paths, &out_dir.join("notes.csv"))?;
            println!(
                "  round {round}: {label:<26} wall {:.4} s/file, CPU {}",
                t.wall / n,
                t.cpu_text(n)
            );
            best[i] = best[i].min(t);
        }
    }
    // keybench.py's arguments: `speed:LABEL=WALL=CPU` for the `notes` runs (times only),
    // `LABEL=KEYS.csv=WALL=CPU` for each `key` run (seconds for all files; CPU `nan` if unknown),
    // `cluster:LABEL=CLUSTERS.csv` for the clusterings.
    let cpu_arg = |t: Timing| t.cpu.map_or_else(|| "nan".to_owned(), |c| c.to_string());
    let mut specs: Vec<String> = variants
        .iter()
        .zip(best)
        .map(|((label, _), t)| format!("speed:{label}={}={}", t.wall, cpu_arg(t)))
        .collect();
    for profile in chroma_profiles() {
        let out = out_dir.join(format!("ours_{profile}.csv"));
        let t = time_binary(&binary, &["key", "--key-profile", profile], &paths, &out)?;
        specs.push(format!(
            "chromacluster key ({profile})={}={}={}",
            out.display(),
            t.wall,
            cpu_arg(t)
        ));
    }
    // Key-free profiles: k-means (k = 2) on the generated pieces' mean-chroma profiles, with
    // and without `--relative`; keybench.py scores the clusters against the pieces' modes.
    let generated: Vec<String> = files
        .iter()
        .filter(|f| !f.2.is_empty())
        .map(|f| f.0.display().to_string())
        .collect();
    for (label, relative) in [("relative", true), ("absolute", false)] {
        let out = out_dir.join(format!("clusters_{label}.csv"));
        let mut argv = vec!["cluster", "-k", "2", "--profile", "mean", "--seed", "7"];
        if relative {
            argv.push("--relative");
        }
        time_binary(&binary, &argv, &generated, &out)?;
        let shown = format!(
            "cluster -k 2 --profile mean{}",
            if relative { " --relative" } else { "" }
        );
        specs.push(format!("cluster:{shown}={}", out.display()));
    }
    let script = bench_dir().join("keybench.py");
    let mut cmd = Command::new(&python);
    cmd.arg(&script).arg(&list).arg(&out_dir).args(&specs);
    run_one_threaded(&mut cmd, &script)
}

/// Runs a benchmark script with the numeric libraries (OpenMP, BLAS, numba) held to one thread,
/// as the baselines are timed; an error names the script when it fails or cannot start.
pub(crate) fn run_one_threaded(cmd: &mut Command, script: &Path) -> Result<()> {
    let status = cmd
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("MKL_NUM_THREADS", "1")
        .env("NUMBA_NUM_THREADS", "1")
        .status()
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !status.success() {
        bail!("{} failed", script.display());
    }
    Ok(())
}

/// The key profiles of `chromacluster key --key-profile`, as the benchmark runs them.
pub(crate) fn chroma_profiles() -> [&'static str; 9] {
    chroma::KeyProfile::ALL.map(chroma::KeyProfile::name)
}

fn bench_dir() -> PathBuf {
    workspace().join("crates").join("chroma").join("benches")
}

/// Wall time and CPU time (user + system of the child; `None` where not measurable) of a run,
/// seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    pub(crate) wall: f64,
    pub(crate) cpu: Option<f64>,
}

impl Timing {
    const MAX: Timing = Timing {
        wall: f64::INFINITY,
        cpu: None,
    };

    /// The better of two runs: the lower CPU time where both have one, else the lower wall time.
    fn min(self, other: Timing) -> Timing {
        let better = match (self.cpu, other.cpu) {
            (Some(a), Some(b)) => b < a,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (None, None) => other.wall < self.wall,
        };
        if better {
            other
        } else {
            self
        }
    }

    pub(crate) fn cpu_text(&self, n: f64) -> String {
        self.cpu
            .map_or_else(|| "-".to_owned(), |c| format!("{:.4} s/file", c / n))
    }
}

/// CPU time (user + system) of the children waited for so far, seconds.
#[cfg(unix)]
fn children_cpu() -> Option<f64> {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage that outlives the call; RUSAGE_CHILDREN is a
    // valid `who`.
    let r = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    (r == 0).then(|| {
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        secs(usage.ru_utime) + secs(usage.ru_stime)
    })
}

#[cfg(not(unix))]
fn children_cpu() -> Option<f64> {
    None
}

/// Runs the binary on one thread over `paths`, writing `out`; returns its wall and CPU time.
pub(crate) fn time_binary(
    binary: &Path,
    args: &[&str],
    paths: &[String],
    out: &Path,
) -> Result<Timing> {
    let cpu_before = children_cpu();
    let started = Instant::now();
    let output = Command::new(binary)
        .args(["--jobs", "1", "-q"])
        .args(args)
        .args(paths)
        .arg("-o")
        .arg(out)
        .output()
        .context("cannot run chromacluster")?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = match (cpu_before, children_cpu()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    if !output.status.success() {
        bail!(
            "chromacluster {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(Timing { wall, cpu })
}

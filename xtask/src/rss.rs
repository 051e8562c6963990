//! `cargo xtask rss [--bin PATH] [--keep]`: peak memory (resident set size) of the release
//! binary's streaming commands on two long generated files, a 3 h 44.1 kHz stereo FLAC and a
//! 12 h 4 kHz mono WAV, against a bound of 100 MB that must not depend on the length; and of
//! `cluster` (mini-batch k-means streamed over row groups) on a generated Parquet dataset of
//! 10,000,000 rows x 12 f64 columns (960 MB of values), against a bound of 300 MB.
//!
//! The files are generated (not committed) into `target/rss/` and kept there for the next run.
//! Each command runs as a child process; its peak RSS is the kernel's `ru_maxrss` from `wait4`.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::music::Pattern;
use anyhow::{bail, Context, Result};

/// The bound every command must stay under, in MB (10^6 bytes).
const BOUND_MB: f64 = 100.0;

/// The bound of `cluster` on the 10-million-row dataset, in MB: well under its 960 MB of values.
const TABLE_BOUND_MB: f64 = 300.0;

/// The `--only` label of the dataset case.
const TABLE_LABEL: &str = "cluster";

/// The generated dataset: parts x row groups x rows per group, 12 columns.
const TABLE_PARTS: usize = 10;
const TABLE_GROUPS: usize = 8;
const TABLE_GROUP_ROWS: usize = 125_000;

/// One generated input.
struct Input {
    name: &'static str,
    hours: f64,
    sample_rate: u32,
    channels: u16,
    flac: bool,
}

const INPUTS: [Input; 2] = [
    Input {
        name: "3h_44k_stereo.flac",
        hours: 3.0,
        sample_rate: 44_100,
        channels: 2,
        flac: true,
    },
    Input {
        name: "12h_4k_mono.wav",
        hours: 12.0,
        sample_rate: 4_000,
        channels: 1,
        flac: false,
    },
];

/// The commands measured: label and arguments (`{in}` is the input, `{out}` an output stem).
const COMMANDS: [(&str, &[&str]); 10] = [
    ("notes", &["notes", "{in}"]),
    ("notes --summary", &["notes", "--summary", "{in}"]),
    (
        "features -o x.csv",
        &["features", "{in}", "-o", "{out}.csv"],
    ),
    (
        "features -o x.parquet",
        &["features", "{in}", "-o", "{out}.parquet"],
    ),
    (
        "features --deltas -o x.csv",
        &["features", "{in}", "--deltas", "-o", "{out}.csv"],
    ),
    (
        "features --deltas -o x.parquet",
        &["features", "{in}", "--deltas", "-o", "{out}.parquet"],
    ),
    (
        "features --chroma accurate -o x.parquet",
        &[
            "features",
            "{in}",
            "--chroma",
            "accurate",
            "-o",
            "{out}.parquet",
        ],
    ),
    (
        "features --chroma accurate --deltas -o x.csv",
        &[
            "features",
            "{in}",
            "--chroma",
            "accurate",
            "--deltas",
            "-o",
            "{out}.csv",
        ],
    ),
    ("features > stdout", &["features", "{in}"]),
    (
        "plot chromagram -o x.png",
        &["plot", "chromagram", "{in}", "-o", "{out}.png"],
    ),
];

/// Runs the benchmark; `args` are the task's arguments after `rss`.
pub fn run(args: &[String]) -> Result<()> {
    let mut binary = None;
    let mut keep = false;
    let mut only = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--bin" => binary = Some(PathBuf::from(it.next().context("--bin needs a path")?)),
            "--keep" => keep = true,
            "--only" => only = Some(it.next().context("--only needs a command label")?.clone()),
            other => {
                bail!("unknown argument {other:?} (expected --bin PATH, --keep, --only LABEL)")
            }
        }
    }
    let binary = match binary {
        Some(b) => b,
        None => crate::docs::release_binary()?,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("target").join("rss");
    std::fs::create_dir_all(&dir)?;
    if only.as_deref() == Some(TABLE_LABEL) {
        println!("binary: {}", binary.display());
        return table_case(&binary, &dir, keep);
    }
    let mut inputs = Vec::new();
    for input in &INPUTS {
        let path = dir.join(input.name);
        if !path.exists() {
            let t = Instant::now();
            generate(input, &path).with_context(|| format!("cannot write {}", path.display()))?;
            println!(
                "generated {} ({:.0} MB) in {:.0} s",
                path.display(),
                std::fs::metadata(&path)?.len() as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
        }
        inputs.push(path);
    }
    println!("binary: {}", binary.display());
    println!();
    println!("| command | {} | {} |", INPUTS[0].name, INPUTS[1].name);
    println!("|---|---|---|");
    let mut over = Vec::new();
    for (label, template) in COMMANDS {
        if only.as_deref().is_some_and(|o| o != label) {
            continue;
        }
        let mut cells = Vec::new();
        for input in &inputs {
            let out_stem = dir.join("out");
            let args: Vec<String> = template
                .iter()
                .map(|a| {
                    a.replace("{in}", &input.to_string_lossy())
                        .replace("{out}", &out_stem.to_string_lossy())
                })
                .collect();
            let m = measure(&binary, &args)?;
            if !m.success {
                bail!("chromacluster {} failed", args.join(" "));
            }
            if m.peak_mb >= BOUND_MB {
                over.push(format!("{label} on {}", input.display()));
            }
            cells.push(format!("{:.1} MB ({:.0} s)", m.peak_mb, m.seconds));
            if !keep {
                for ext in ["csv", "parquet", "png"] {
                    let _ = std::fs::remove_file(out_stem.with_extension(ext));
                }
            }
        }
        println!("| `{label}` | {} |", cells.join(" | "));
    }
    println!();
    if over.is_empty() {
        println!("every command stayed under {BOUND_MB} MB peak RSS");
    } else {
        bail!("over {BOUND_MB} MB peak RSS: {}", over.join(", "))
    }
    if only.is_none() {
        println!();
        table_case(&binary, &dir, keep)?;
    }
    Ok(())
}

/// `cluster DATASET -k 8 -o labels.parquet --save-model m.json` on the generated
/// 10,000,000 x 12 dataset (written into `dir/table-10m/` if missing), against
/// [`TABLE_BOUND_MB`].
fn table_case(binary: &Path, dir: &Path, keep: bool) -> Result<()> {
    let data = dir.join("table-10m");
    let rows = TABLE_PARTS * TABLE_GROUPS * TABLE_GROUP_ROWS;
    if !data.join(format!("part-{TABLE_PARTS}.parquet")).exists() {
        let t = Instant::now();
        std::fs::create_dir_all(&data)?;
        generate_table(&data)?;
        println!(
            "generated {} ({rows} rows x 12 columns, {TABLE_PARTS} parts of {TABLE_GROUPS} row groups) in {:.0} s",
            data.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let labels = dir.join("labels-10m.parquet");
    let model = dir.join("model-10m.json");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let args = [
        "cluster".to_string(),
        s(&data),
        "-k".into(),
        "8".into(),
        "--seed".into(),
        "1".into(),
        "-o".into(),
        s(&labels),
        "--save-model".into(),
        s(&model),
    ];
    let m = measure(binary, &args)?;
    if !m.success {
        bail!("chromacluster {} failed", args.join(" "));
    }
    let values_mb = (rows * 12 * 8) as f64 / 1e6;
    println!("| command | {rows} rows x 12 f64 ({values_mb:.0} MB of values) |");
    println!("|---|---|");
    println!(
        "| `cluster -k 8 -o labels.parquet --save-model m.json` | {:.1} MB ({:.0} s) |",
        m.peak_mb, m.seconds
    );
    if !keep {
        let _ = std::fs::remove_file(&labels);
        let _ = std::fs::remove_file(&model);
    }
    if m.peak_mb >= TABLE_BOUND_MB {
        bail!(
            "cluster on the dataset: {:.1} MB peak RSS, over {TABLE_BOUND_MB} MB",
            m.peak_mb
        );
    }
    println!("cluster on {rows} rows stayed under {TABLE_BOUND_MB} MB peak RSS");
    Ok(())
}

/// Writes the dataset: 8 separated groups in 12 dimensions (the 3 bits of a row's group say
/// which of the columns j = 0, 1, 2 mod 3 are raised), plus uniform noise, from a fixed linear
/// congruential generator.
fn generate_table(data: &Path) -> Result<()> {
    let names: Vec<String> = (0..12).map(|j| format!("f{j}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    for part in 1..=TABLE_PARTS {
        let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ part as u64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let path = data.join(format!("part-{part}.parquet"));
        crate::parquet::write_f64_file(&path, &names, TABLE_GROUPS, |_, columns| {
            for _ in 0..TABLE_GROUP_ROWS {
                let group = (uniform() * 8.0) as usize;
                for (j, col) in columns.iter_mut().enumerate() {
                    let raised = (group >> (j % 3)) & 1 == 1;
                    let centre = if raised { 4.0 } else { 0.0 };
                    col.push(centre + (uniform() - 0.5) * 2.0);
                }
            }
        })?;
    }
    Ok(())
}

/// Runs `binary args` (stdout discarded, stderr shown) and reads its peak RSS from `wait4`.
///
/// A child's `ru_maxrss` starts from its parent's high-water mark (the kernel carries it over at
/// fork and exec), and this process holds the signal patterns; so the command runs under a
/// fresh copy of this program ([`probe`]), a parent of a few MB, which reports it.
pub(crate) fn measure(binary: &Path, args: &[String]) -> Result<Measured> {
    let t = Instant::now();
    let out = Command::new(std::env::current_exe()?)
        .arg(PROBE)
        .arg(binary)
        .args(args)
        .arg("-q")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("cannot run the probe")?;
    let err = String::from_utf8_lossy(&out.stderr);
    let kib: i64 = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-rss-kib "))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("no peak RSS reported: {err}"))?;
    for line in err.lines().filter(|l| !l.starts_with("peak-rss-kib ")) {
        eprintln!("{line}");
    }
    Ok(Measured {
        peak_mb: kib as f64 * 1024.0 / 1e6,
        seconds: t.elapsed().as_secs_f64(),
        success: out.status.success(),
    })
}

/// The hidden task that runs one command and prints its peak RSS (`peak-rss-kib N` on stderr);
/// exits 1 if the command failed.
pub const PROBE: &str = "__rss-probe";

/// Runs `args[0]` with the rest as arguments, waits with `wait4` and reports its `ru_maxrss`.
pub fn probe(args: &[String]) -> Result<()> {
    let (program, rest) = args.split_first().context("no program to run")?;
    let child = Command::new(program)
        .args(rest)
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    let (ok, kib) = wait_with_rusage(child)?;
    eprintln!("peak-rss-kib {kib}");
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

/// Waits for `child`; its exit success and peak RSS in KiB (`ru_maxrss`).
#[cfg(unix)]
fn wait_with_rusage(child: std::process::Child) -> Result<(bool, i64)> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child `pid`,
    // which has not been waited for (std's Child is not waited on before it is dropped here).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    drop(child);
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok((ok, usage.ru_maxrss))
}

#[cfg(not(unix))]
fn wait_with_rusage(_child: std::process::Child) -> Result<(bool, i64)> {
    bail!("peak RSS is measured with wait4, available on unix only")
}

/// A child's outcome.
pub(crate) struct Measured {
    pub(crate) peak_mb: f64,
    pub(crate) seconds: f64,
    pub(crate) success: bool,
}

/// The sound of the long files: the benchmarks' cadence pattern ([`Pattern`]) repeated for the
/// whole length under a slow swell, so quiet and loud stretches alternate.
struct Music {
    pattern: Pattern,
    sample_rate: u32,
    at: u64,
}

impl Music {
    fn new(sample_rate: u32) -> Self {
        Music {
            pattern: Pattern::new(sample_rate),
            sample_rate,
            at: 0,
        }
    }

    /// The next sample frame, as 16-bit integers (left, right).
    fn next(&mut self) -> (i32, i32) {
        let i = (self.at % self.pattern.len() as u64) as usize;
        let t = self.at as f64 / f64::from(self.sample_rate);
        // A 10-minute swell between -40 dB and 0 dB.
        let gain = 10f64.powf(-2.0 * (0.5 + 0.5 * (2.0 * std::f64::consts::PI * t / 600.0).cos()));
        self.at += 1;
        let [l, r] = self.pattern.frame(i, gain);
        (l, r)
    }
}

fn generate(input: &Input, path: &Path) -> Result<()> {
    let frames = (input.hours * 3600.0 * f64::from(input.sample_rate)) as u64;
    let mut music = Music::new(input.sample_rate);
    let tmp = path.with_extension("partial");
    if input.flac {
        let file = BufWriter::new(File::create(&tmp)?);
        let mut writer = flac_codec::encode::FlacSampleWriter::new(
            file,
            flac_codec::encode::Options::default(),
            input.sample_rate,
            16,
            input.channels as u8,
            Some(frames * u64::from(input.channels)),
        )?;
        let mut block = Vec::with_capacity(2 * 4096);
        let mut left = frames;
        while left > 0 {
            block.clear();
            for _ in 0..left.min(4096) {
                let (l, r) = music.next();
                block.push(l);
                if input.channels == 2 {
                    block.push(r);
                }
            }
            left -= left.min(4096);
            writer.write(&block)?;
        }
        writer.finalize()?;
    } else {
        let spec = hound::WavSpec {
            channels: input.channels,
            sample_rate: input.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&tmp, spec)?;
        for _ in 0..frames {
            let (l, r) = music.next();
            writer.write_sample(l as i16)?;
            if input.channels == 2 {
                writer.write_sample(r as i16)?;
            }
        }
        writer.finalize()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

//! `cargo xtask rss [--bin PATH] [--keep]`: peak memory (resident set size) of the release
//! binary's streaming commands on two long generated files, a 3 h 44.1 kHz stereo FLAC and a
//! 12 h 4 kHz mono WAV, against a bound of 100 MB that must not depend on the length.
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
        Ok(())
    } else {
        bail!("over {BOUND_MB} MB peak RSS: {}", over.join(", "))
    }
}

/// Runs `binary args` (stdout discarded, stderr shown) and reads its peak RSS from `wait4`.
///
/// A child's `ru_maxrss` starts from its parent's high-water mark (the kernel carries it over at
/// fork and exec), and this process holds the signal patterns; so the command runs under a
/// fresh copy of this program ([`probe`]), a parent of a few MB, which reports it.
fn measure(binary: &Path, args: &[String]) -> Result<Measured> {
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
struct Measured {
    peak_mb: f64,
    seconds: f64,
    success: bool,
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

//! `cargo xtask test`: the Rust suite, then the Python package's pytest suite in a virtual
//! environment under `target/`; `cargo xtask bench-python`: the Python benchmark against
//! pyAudioAnalysis, librosa and scikit-learn.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

fn workspace() -> PathBuf {
    // xtask lives in <workspace>/xtask.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

/// Runs `cmd`, failing with its exit status.
pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: {cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

/// The interpreter that makes the virtual environment: `$PYTHON`, else `python3`.
fn base_python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Creates (or reuses) the virtual environment `dir` and returns its interpreter.
pub(crate) fn venv(dir: &Path) -> Result<PathBuf> {
    let python = dir.join("bin").join("python");
    if !python.exists() {
        run(Command::new(base_python()).args(["-m", "venv"]).arg(dir))?;
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--upgrade", "pip"]))?;
    }
    Ok(python)
}

/// The interpreter of the key and real-library benchmarks' baselines (Essentia, librosa):
/// `given` (`--python PATH`), else the virtual environment `target/keybench-venv` with
/// `crates/chroma/benches/keybench-requirements.txt` installed.
pub(crate) fn baseline_python(given: Option<&Path>) -> Result<PathBuf> {
    if let Some(python) = given {
        return Ok(python.to_path_buf());
    }
    let python = venv(&workspace().join("target").join("keybench-venv"))?;
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "-r"])
        .arg(
            workspace()
                .join("crates")
                .join("chroma")
                .join("benches")
                .join("keybench-requirements.txt"),
        ))?;
    Ok(python)
}

/// `pip install ./crates/python` into `python`'s environment. `profile` overrides maturin's
/// cargo profile (the test build reuses the artefacts of `cargo test`, profile `dev`; the
/// benchmark builds `release`). The workspace's `target/` is used either way.
fn install_package(python: &Path, profile: &str) -> Result<()> {
    let root = workspace();
    run(Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--force-reinstall",
            "--no-deps",
        ])
        .arg(root.join("crates").join("python"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env("MATURIN_PEP517_ARGS", format!("--profile {profile}")))
}

/// `(package, features)` lines of `cargo tree` for `args`.
fn feature_lines(
    cargo: &str,
    root: &Path,
    args: &[&str],
) -> Result<std::collections::BTreeSet<String>> {
    let out = Command::new(cargo)
        .args(["tree", "-f", "{p} {f}", "--prefix", "none"])
        .args(args)
        .current_dir(root)
        .output()
        .context("cannot run cargo tree")?;
    if !out.status.success() {
        bail!(
            "cargo tree {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_end_matches(" (*)").to_owned())
        .collect())
}

/// Warns when building the Python package alone would resolve other features for some
/// dependency than `cargo test --workspace` (then maturin recompiles it, polars included; the
/// cure is a feature-alignment entry in crates/python/Cargo.toml).
fn check_feature_alignment(cargo: &str, root: &Path) -> Result<()> {
    let workspace = feature_lines(cargo, root, &["--workspace", "-e", "normal,build,dev"])?;
    let package = feature_lines(
        cargo,
        root,
        &["-p", "chromacluster-python", "-e", "normal,build"],
    )?;
    let differing: Vec<&String> = package.difference(&workspace).collect();
    if !differing.is_empty() {
        eprintln!(
            "xtask: warning: the Python package alone resolves other features than the workspace \
             for {} crate(s), which maturin will compile a second time: {differing:?}",
            differing.len()
        );
    }
    Ok(())
}

/// `cargo xtask test`.
pub fn test() -> Result<()> {
    let root = workspace();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    run(Command::new(&cargo)
        .args(["test", "--workspace"])
        .current_dir(&root))?;
    check_feature_alignment(&cargo, &root)?;
    let python = venv(&root.join("target").join("python-venv"))?;
    let package = root.join("crates").join("python");
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "-r"])
        .arg(package.join("tests").join("requirements.txt")))?;
    install_package(&python, "dev")?;
    // pytest's exit status 5 (no tests collected) is a failure like any other non-zero one.
    run(Command::new(&python)
        .args(["-m", "pytest", "-q", "-rs"])
        .arg(package.join("tests"))
        .current_dir(&root))?;
    eprintln!("xtask: Rust and Python suites passed");
    Ok(())
}

/// `cargo xtask bench-python`.
pub fn bench() -> Result<()> {
    let root = workspace();
    let python = venv(&root.join("target").join("python-bench-venv"))?;
    let package = root.join("crates").join("python");
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "-r"])
        .arg(package.join("bench").join("requirements.txt")))?;
    install_package(&python, "release")?;
    run(Command::new(&python)
        .arg(package.join("bench").join("bench.py"))
        .current_dir(&root))
}

//! `cargo xtask docs`: regenerate the README's pictures (`docs/*.png`) and its demo output with
//! the real binary, so what the README shows is what the tool does.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const START: &str = "<!-- demo-output:start -->";
const END: &str = "<!-- demo-output:end -->";

pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the release binary and returns its path.
pub fn release_binary() -> Result<PathBuf> {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "chromacluster"])
        .current_dir(workspace())
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build --release -p chromacluster failed");
    }
    Ok(workspace()
        .join("target")
        .join("release")
        .join(format!("chromacluster{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs the release binary with `args` in the workspace folder; returns stdout.
fn chromacluster(args: &[&str]) -> Result<String> {
    let out = Command::new(release_binary()?)
        .args(args)
        .current_dir(workspace())
        .output()
        .context("cannot run cargo")?;
    if !out.status.success() {
        bail!(
            "chromacluster {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Regenerates `docs/` and the demo output in `README.md`.
pub fn run() -> Result<()> {
    let root = workspace();
    std::fs::create_dir_all(root.join("docs"))?;
    let demo_dir = root.join("target").join("demo-audio");
    let demo_dir_arg = "target/demo-audio";
    let demo = chromacluster(&["demo", "--keep", demo_dir_arg])?;
    chromacluster(&[
        "plot",
        "chromagram",
        "testdata/corpus/real/doremi.wav",
        "-o",
        "docs/chromagram.png",
    ])?;
    chromacluster(&["plot", "notes", demo_dir_arg, "-o", "docs/notes.png"])?;
    chromacluster(&[
        "plot",
        "notes",
        "testdata/corpus/real/doremi.wav",
        "-o",
        "docs/profile.png",
    ])?;
    chromacluster(&[
        "plot",
        "clusters",
        demo_dir_arg,
        "-k",
        "4",
        "--profile",
        "mean",
        "-o",
        "docs/clusters.png",
    ])?;
    chromacluster(&[
        "plot",
        "elbow",
        demo_dir_arg,
        "--profile",
        "mean",
        "-o",
        "docs/elbow.png",
    ])?;
    // The README shows the demo's output without the line naming the (local) audio folder.
    let shown: String = demo
        .lines()
        .filter(|l| !l.starts_with("The audio is in"))
        .map(|l| format!("{l}\n"))
        .collect();
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).context("cannot read README.md")?;
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        bail!("README.md lacks the {START} ... {END} markers");
    };
    let updated = format!(
        "{}{START}\n```text\n$ cargo run --release -- demo\n{shown}```\n{}",
        &readme[..a],
        &readme[b..]
    );
    std::fs::write(&readme_path, updated).context("cannot write README.md")?;
    println!(
        "wrote docs/chromagram.png, docs/notes.png, docs/profile.png, docs/clusters.png, \
         docs/elbow.png and the README's demo output (audio in {})",
        demo_dir.display()
    );
    Ok(())
}

/// `cargo xtask bench`: every crate's benchmark, one after the other (each prints its ratios
/// against a baseline measured in the same run).
pub fn bench() -> Result<()> {
    for krate in [
        "chromacluster-audio-io",
        "chromacluster-stfeatures",
        "chromacluster-chroma",
        "chromacluster-kmeans",
    ] {
        println!("=== cargo bench -p {krate}");
        let status = Command::new(env!("CARGO"))
            .args(["bench", "-p", krate])
            .current_dir(workspace())
            .status()
            .context("cannot run cargo")?;
        if !status.success() {
            bail!("the {krate} benchmark failed");
        }
    }
    Ok(())
}

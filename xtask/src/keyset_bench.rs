//! `cargo xtask keybench`: key accuracy and speed on the labelled key set of real compositions
//! (`../shared/keyset` by default: Bach chorales and Essen folk tunes as MIDI, each on two
//! timbres, with `labels.csv` and `render.sh`), against Essentia's KeyExtractor and librosa in
//! the same run. The renders are made on demand into `target/keyset-render` with the set's own
//! `render.sh` (skipped, with the reason, where fluidsynth, ffmpeg or the sound font is
//! missing), or taken from `--renders DIR`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::keys::{chroma_profiles, time_binary, Timing};

/// One labelled rendering: the audio file, its set (`chorales`, `folk`), its timbre and key.
struct Rendering {
    audio: PathBuf,
    set: String,
    timbre: String,
    key: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `keybench` options for the key set.
#[derive(Debug)]
pub struct KeysetArgs {
    /// The key set's folder (MIDI, `labels.csv`, `render.sh`); default `../shared/keyset`
    /// relative to the workspace.
    pub keyset: PathBuf,
    /// Already-rendered audio (render.sh's layout); default: render into
    /// `target/keyset-render`.
    pub renders: Option<PathBuf>,
    /// The interpreter with Essentia, librosa and NumPy (see `keys::KeybenchArgs::python`).
    pub python: Option<PathBuf>,
    /// The binary measured (default: the workspace's release build, built first).
    pub binary: Option<PathBuf>,
    /// Reuse Essentia's and librosa's estimates of an earlier run (their files in the output
    /// folder) instead of computing them again; the table says so.
    pub reuse_reference: bool,
    /// Only chromacluster's rows (no Python tools).
    pub ours_only: bool,
}

/// Reads `labels.csv` (`path,set,instrument,key,...`; the first four fields hold no comma) and
/// maps each MIDI path to its rendering in `renders` (`.mid` -> `.flac`).
fn renderings(keyset: &Path, renders: &Path) -> Result<Vec<Rendering>> {
    let labels = keyset.join("labels.csv");
    let text = std::fs::read_to_string(&labels)
        .with_context(|| format!("reading {}", labels.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.splitn(5, ',').collect();
        let [path, set, timbre, key, ..] = fields.as_slice() else {
            bail!(
                "{} line {}: expected path,set,instrument,key,...",
                labels.display(),
                i + 1
            );
        };
        let Some(stem) = path.strip_suffix(".mid") else {
            bail!(
                "{} line {}: not a .mid path: {path}",
                labels.display(),
                i + 1
            );
        };
        out.push(Rendering {
            audio: renders.join(format!("{stem}.flac")),
            set: (*set).to_owned(),
            timbre: (*timbre).to_owned(),
            key: (*key).to_owned(),
        });
    }
    if out.is_empty() {
        bail!("{} lists no files", labels.display());
    }
    Ok(out)
}

/// The tools render.sh needs that are missing here (empty when it can run).
fn missing_render_tools() -> Vec<&'static str> {
    let on_path = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success() || !o.stdout.is_empty())
            .unwrap_or(false)
    };
    let mut missing = Vec::new();
    if !on_path("fluidsynth") {
        missing.push("fluidsynth");
    }
    if !on_path("ffmpeg") {
        missing.push("ffmpeg");
    }
    if !Path::new("/usr/share/sounds/sf2/FluidR3_GM.sf2").exists() {
        missing.push("the sound font FluidR3_GM.sf2 (Debian: fluid-soundfont-gm)");
    }
    missing
}

/// Runs the key-set benchmark; returns `Ok(false)` when it was skipped (no key set, or no
/// renders and no way to make them), with the reason printed.
pub fn run(args: &KeysetArgs) -> Result<bool> {
    if !args.keyset.join("labels.csv").exists() {
        println!(
            "SKIPPED the key-set benchmark: no key set at {} (labels.csv missing; give its \
             folder with --keyset DIR)",
            args.keyset.display()
        );
        return Ok(false);
    }
    let renders = match &args.renders {
        Some(dir) => dir.clone(),
        None => workspace().join("target").join("keyset-render"),
    };
    let files = renderings(&args.keyset, &renders)?;
    let missing: Vec<&Rendering> = files.iter().filter(|f| !f.audio.exists()).collect();
    if !missing.is_empty() {
        if args.renders.is_some() {
            bail!(
                "{} of {} renders missing in {} (first: {}); render them with {}/render.sh {}",
                missing.len(),
                files.len(),
                renders.display(),
                missing[0].audio.display(),
                args.keyset.display(),
                renders.display()
            );
        }
        let tools = missing_render_tools();
        if !tools.is_empty() {
            println!(
                "SKIPPED the key-set benchmark: {} of {} renders missing in {} and render.sh \
                 cannot make them here: missing {} (Debian: apt-get install fluidsynth \
                 fluid-soundfont-gm ffmpeg; or give --renders DIR)",
                missing.len(),
                files.len(),
                renders.display(),
                tools.join(", ")
            );
            return Ok(false);
        }
        println!(
            "rendering {} missing files into {} with render.sh (about 1-2 s each, one core)",
            missing.len(),
            renders.display()
        );
        crate::python::run(
            Command::new("bash")
                .arg(args.keyset.join("render.sh"))
                .arg(&renders),
        )?;
    }

    let out_dir = workspace().join("target").join("keybench-keyset");
    std::fs::create_dir_all(&out_dir)?;
    let list = out_dir.join("files.csv");
    let mut text = String::from("file,set,timbre,key\n");
    for f in &files {
        writeln!(
            text,
            "{},{},{},{}",
            f.audio.display(),
            f.set,
            f.timbre,
            f.key
        )?;
    }
    std::fs::write(&list, text)?;
    let binary = match &args.binary {
        Some(b) => b.clone(),
        None => crate::docs::release_binary()?,
    };
    let paths: Vec<String> = files
        .iter()
        .map(|f| f.audio.display().to_string())
        .collect();
    let n = files.len() as f64;
    let cpu_arg = |t: Timing| t.cpu.map_or_else(|| "nan".to_owned(), |c| c.to_string());

    // Our key column as users get it (`notes`, whose table has `key`), then `key` with every
    // profile; one thread each, CPU time of the whole run.
    let mut specs = Vec::new();
    let notes_out = out_dir.join("notes.csv");
    let t = time_binary(&binary, &["notes"], &paths, &notes_out)?;
    println!(
        "`notes` (tuning + key, default): {} files, CPU {}",
        files.len(),
        t.cpu_text(n)
    );
    specs.push(format!(
        "ours:chromacluster notes (key column)={}={}",
        notes_out.display(),
        cpu_arg(t)
    ));
    for profile in chroma_profiles() {
        let out = out_dir.join(format!("key_{profile}.csv"));
        let t = time_binary(&binary, &["key", "--key-profile", profile], &paths, &out)?;
        specs.push(format!(
            "ours:chromacluster key --key-profile {profile}={}={}",
            out.display(),
            cpu_arg(t)
        ));
    }

    let python = match (&args.python, args.ours_only) {
        (_, true) => None,
        (Some(p), false) => Some(p.clone()),
        (None, false) => Some(crate::python::baseline_python(None)?),
    };
    let script = workspace()
        .join("crates")
        .join("chroma")
        .join("benches")
        .join("keyset_bench.py");
    let interpreter = python.clone().unwrap_or_else(|| PathBuf::from("python3"));
    let mut cmd = Command::new(&interpreter);
    cmd.arg(&script).arg(&list).arg(&out_dir);
    if args.ours_only {
        cmd.arg("--ours-only");
    }
    if args.reuse_reference {
        cmd.arg("--reuse-reference");
    }
    cmd.args(&specs);
    crate::keys::run_one_threaded(&mut cmd, &script)?;
    Ok(true)
}

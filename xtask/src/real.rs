//! `cargo xtask bench-real`: the whole pipeline on a real music library, Debian's game
//! soundtracks, against librosa and Essentia in the same run.
//!
//! 1. The packages `supertux-data`, `widelands-data`, `lincity-ng-data` and
//!    `frozen-bubble-data` are fetched with `apt-get download` into `target/bench-real/debs`
//!    (or taken from `--debs DIR`), and their music extracted: supertux's `music/`, widelands'
//!    `data/music/`, lincity-ng's `music/`, frozen-bubble's `snd/*zik*.ogg` (Ogg Vorbis, 44.1
//!    and 48 kHz stereo; nothing is committed).
//! 2. The library (`target/bench-real/library`): the tracks in path order, every fifth from the
//!    first transcoded by ffmpeg to Opus (128 kb/s), from the second to MP3 (LAME V2), from the
//!    third to M4A (AAC 192 kb/s), from the fourth to FLAC, the rest kept as Vorbis, tags
//!    carried over, so every codec appears.
//! 3. A check run (`notes -j 2`, JSON table): one row per file, the warnings printed, how many
//!    files carry a title.
//! 4. `--passes` passes (default 2; 0 measures only steps 3 and 5), each on 1 then 2 threads: `chromacluster notes LIBRARY
//!    --jobs N` (wall time, peak RSS), then the floor: `chromacluster info LIBRARY --jobs N`, which
//!    decodes every file through the same reader and does nothing else (the ratio librosa /
//!    decode alone bounds what any analysis could reach), then librosa's chroma_stft pipeline and Essentia's
//!    KeyExtractor on N joblib workers over the same files (`crates/chroma/benches/
//!    realbench.py`), alternated in that order; each pass prints its ratios (baseline seconds /
//!    notes seconds) and the end their medians.
//! 5. Peak RSS of `notes --summary --jobs 2` on two 30-minute stereo tracks (FLAC and Opus) made
//!    by concatenating the library's tracks with ffmpeg, against the 150 MB bound.
//!
//! Python: `--python PATH`, else the virtual environment `target/keybench-venv` made from
//! `crates/chroma/benches/keybench-requirements.txt` (Essentia and librosa), as `keybench`
//! does. Speed figures on a shared machine are noisy: compare the per-pass ratios.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// The Debian packages and where their music is, as `(package, path fragment, file name
/// fragment, what to extract)`: a track is a `.ogg` whose path contains the fragment and whose
/// name contains the name fragment.
const PACKAGES: [(&str, &str, &str, &str); 4] = [
    ("supertux-data", "/supertux2/music/", "", "*/music/*"),
    ("widelands-data", "/widelands/data/music/", "", "*/music/*"),
    ("lincity-ng-data", "/lincity-ng/music/", "", "*/music/*"),
    (
        "frozen-bubble-data",
        "/frozen-bubble/snd/",
        "zik",
        "*/snd/*zik*",
    ),
];

/// The codecs of the library, in the order tracks are assigned to them (track `i` gets
/// `CODECS[i % 5]`): `(name, extension, ffmpeg arguments; empty = copied as is)`.
const CODECS: [(&str, &str, &[&str]); 5] = [
    ("Opus", "opus", &["-c:a", "libopus", "-b:a", "128k"]),
    ("MP3", "mp3", &["-c:a", "libmp3lame", "-q:a", "2"]),
    ("M4A (AAC)", "m4a", &["-c:a", "aac", "-b:a", "192k"]),
    ("FLAC", "flac", &["-c:a", "flac"]),
    ("Vorbis", "ogg", &[]),
];

/// Length of each long track for the memory measurement, seconds.
const LONG_SECONDS: u32 = 1800;
/// The peak-memory target of `notes --summary --jobs 2` on the long tracks, MB.
const LONG_BOUND_MB: f64 = 150.0;

/// The options of the benchmarks on Debian's game music (`bench-real`, `bench-e2e`): where
/// the packages are (`--debs`), the Python with the peers (`--python`), our binary (`--bin`),
/// and how many times to measure (`--passes` / `--rounds`: `repeats`).
#[derive(Debug)]
pub(crate) struct BenchOptions {
    pub(crate) debs: Option<PathBuf>,
    pub(crate) python: Option<PathBuf>,
    pub(crate) bin: Option<PathBuf>,
    pub(crate) repeats: usize,
}

/// Parses `args` of `command`: the common options and `repeats_flag` (at least
/// `min_repeats`, `default_repeats` when absent).
pub(crate) fn parse_bench_options(
    args: &[String],
    command: &str,
    repeats_flag: &str,
    default_repeats: usize,
    min_repeats: usize,
) -> Result<BenchOptions> {
    let mut o = BenchOptions {
        debs: None,
        python: None,
        bin: None,
        repeats: default_repeats,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--debs" => o.debs = Some(PathBuf::from(value()?)),
            "--python" => o.python = Some(PathBuf::from(value()?)),
            "--bin" => o.bin = Some(PathBuf::from(value()?)),
            flag if flag == repeats_flag => {
                let v = value()?;
                o.repeats = v
                    .parse()
                    .ok()
                    .filter(|&n| n >= min_repeats)
                    .with_context(|| {
                        format!("{repeats_flag}: not a count of at least {min_repeats}: {v}")
                    })?;
            }
            other => bail!("unknown {command} option {other}"),
        }
    }
    Ok(o)
}

/// Writes `files` to `list`, one path per line (the `--files-from` of our commands).
pub(crate) fn write_file_list(list: &Path, files: &[PathBuf]) -> Result<()> {
    let text: String = files
        .iter()
        .map(|f| f.display().to_string() + "\n")
        .collect();
    std::fs::write(list, text).with_context(|| format!("cannot write {}", list.display()))
}

pub(crate) fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The `.deb` of `package` in `dir`, downloaded there with `apt-get download` if missing.
fn deb_of(dir: &Path, package: &str) -> Result<PathBuf> {
    let find = || -> Result<Option<PathBuf>> {
        Ok(std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{package}_")) && n.ends_with(".deb"))
            }))
    };
    if let Some(deb) = find()? {
        return Ok(deb);
    }
    println!("fetching {package} with apt-get download");
    run(
        Command::new("apt-get")
            .args(["download", package])
            .current_dir(dir),
        &format!("apt-get download {package} (after `apt-get update`?)"),
    )?;
    find()?.with_context(|| format!("apt-get download gave no {package}_*.deb"))
}

/// Extracts the files of `deb` matching `pattern` into `dest` (made whole or not at all).
fn extract(deb: &Path, pattern: &str, dest: &Path) -> Result<()> {
    let partial = dest.with_extension("partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    std::fs::create_dir_all(&partial)?;
    let mut dpkg = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(deb)
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run dpkg-deb")?;
    let stdout = dpkg.stdout.take().context("dpkg-deb output")?;
    // `-C` first: it applies to the member names after it.
    let tar = Command::new("tar")
        .arg("-C")
        .arg(&partial)
        .args(["-x", "--wildcards", pattern])
        .stdin(stdout)
        .output()
        .context("cannot run tar")?;
    let dpkg_ok = dpkg.wait()?.success();
    if !dpkg_ok || !tar.status.success() {
        bail!(
            "extracting {} failed: {}",
            deb.display(),
            String::from_utf8_lossy(&tar.stderr)
        );
    }
    std::fs::rename(&partial, dest)?;
    Ok(())
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files_under(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The packages' music tracks, `(package, path)`, in path order.
pub(crate) fn tracks(root: &Path, debs: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    for (package, fragment, name_part, pattern) in PACKAGES {
        let dest = root.join("x").join(package);
        if !dest.is_dir() {
            std::fs::create_dir_all(root.join("x"))?;
            extract(&deb_of(debs, package)?, pattern, &dest)?;
        }
        let mut files = Vec::new();
        files_under(&dest, &mut files)?;
        files.sort();
        let before = found.len();
        for f in files {
            let text = f.to_string_lossy();
            let name = f.file_name().map(|n| n.to_string_lossy().to_string());
            if text.contains(fragment)
                && text.ends_with(".ogg")
                && name.is_some_and(|n| n.contains(name_part))
            {
                found.push((package.to_string(), f));
            }
        }
        if found.len() == before {
            bail!("no music found in {package}");
        }
    }
    Ok(found)
}

/// Builds the library folder: each track under a flat name, transcoded by its codec.
fn library(root: &Path, tracks: &[(String, PathBuf)]) -> Result<(PathBuf, [usize; 5])> {
    let dir = root.join("library");
    std::fs::create_dir_all(&dir)?;
    let mut counts = [0usize; 5];
    for (i, (package, src)) in tracks.iter().enumerate() {
        let codec = i % CODECS.len();
        let (_, ext, args) = CODECS[codec];
        let stem = src.file_stem().unwrap_or_default().to_string_lossy();
        let parent = src
            .parent()
            .and_then(|p| p.file_name())
            .unwrap_or_default()
            .to_string_lossy();
        let out = dir.join(format!("{package}-{parent}-{stem}.{ext}"));
        counts[codec] += 1;
        if out.exists() {
            continue;
        }
        let partial = dir.join(format!(".partial-{i}.{ext}"));
        if args.is_empty() {
            std::fs::copy(src, &partial)?;
        } else {
            run(
                Command::new("ffmpeg")
                    .args(["-v", "error", "-y", "-i"])
                    .arg(src)
                    .args(["-map", "0:a", "-map_metadata", "0"])
                    .args(args)
                    .arg(&partial),
                &format!("ffmpeg for {}", src.display()),
            )?;
        }
        std::fs::rename(&partial, &out)?;
    }
    Ok((dir, counts))
}

/// Seconds of audio of `path` (ffprobe's format duration).
pub(crate) fn ffprobe_seconds(path: &Path) -> Result<f64> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .context("cannot run ffprobe")?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .with_context(|| format!("ffprobe gave no duration for {}", path.display()))
}

/// Seconds of audio of the files of `dir` (ffprobe's format duration), and the file count.
fn audio_seconds(dir: &Path) -> Result<(f64, usize)> {
    let mut files = Vec::new();
    files_under(dir, &mut files)?;
    let mut total = 0.0;
    for f in &files {
        total += ffprobe_seconds(f)?;
    }
    Ok((total, files.len()))
}

/// Two long stereo tracks (FLAC, Opus) of [`LONG_SECONDS`], the library's 44.1 kHz Vorbis and
/// FLAC tracks one after another.
fn long_tracks(root: &Path, tracks: &[(String, PathBuf)]) -> Result<PathBuf> {
    let dir = root.join("long");
    std::fs::create_dir_all(&dir)?;
    let list = dir.join("concat.txt");
    let mut text = String::new();
    for (_, src) in tracks {
        writeln!(
            text,
            "file '{}'",
            src.display().to_string().replace('\'', "'\\''")
        )?;
    }
    std::fs::write(&list, text)?;
    for (name, args) in [
        // libopus encodes 48 kHz (and 8-24 kHz) only.
        ("long_30min.flac", &["-ar", "44100", "-c:a", "flac"][..]),
        (
            "long_30min.opus",
            &["-ar", "48000", "-c:a", "libopus", "-b:a", "128k"][..],
        ),
    ] {
        let out = dir.join(name);
        if out.exists() {
            continue;
        }
        let partial = dir.join(format!(".partial-{name}"));
        run(
            Command::new("ffmpeg")
                .args(["-v", "error", "-y", "-f", "concat", "-safe", "0", "-i"])
                .arg(&list)
                .args(["-t", &LONG_SECONDS.to_string(), "-ac", "2"])
                .args(args)
                .arg(&partial),
            &format!("ffmpeg for {name}"),
        )?;
        std::fs::rename(&partial, &out)?;
    }
    std::fs::remove_file(&list)?;
    Ok(dir)
}

/// Wall seconds and peak RSS (MB) of `binary args`, measured by the rss task's probe.
fn timed(binary: &Path, args: &[String]) -> Result<(f64, f64)> {
    let t = Instant::now();
    let m = crate::rss::measure(binary, args)?;
    if !m.success {
        bail!("chromacluster {} failed", args.join(" "));
    }
    Ok((t.elapsed().as_secs_f64(), m.peak_mb))
}

/// Runs realbench.py for `tool` on `workers` over the files listed in `list`: seconds, version.
fn baseline(python: &Path, tool: &str, workers: usize, list: &Path) -> Result<(f64, String)> {
    let script = workspace()
        .join("crates")
        .join("chroma")
        .join("benches")
        .join("realbench.py");
    let out = Command::new(python)
        .arg(&script)
        .args([tool, &workers.to_string()])
        .arg(list)
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env("MKL_NUM_THREADS", "1")
        .env("NUMBA_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "realbench.py {tool} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "realbench.py output: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    let errors = v["errors"].as_array().map_or(0, Vec::len);
    if errors > 0 {
        println!("  ({tool}: {errors} file(s) failed: {})", v["errors"]);
    }
    Ok((
        v["seconds"].as_f64().context("seconds")?,
        v["version"].as_str().unwrap_or("?").to_string(),
    ))
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The check run: `notes -j 2` to JSON; rows, titles, warnings and failures.
fn check(binary: &Path, library: &Path, root: &Path, n_files: usize) -> Result<()> {
    let table = root.join("check.json");
    let out = Command::new(binary)
        .args(["notes", "--jobs", "2"])
        .arg(library)
        .arg("-o")
        .arg(&table)
        .stdin(Stdio::null())
        .output()
        .context("cannot run chromacluster")?;
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("WARN")).collect();
    let failures: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    let rows: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&table)?).context("reading the check table")?;
    let rows = rows
        .as_array()
        .context("the JSON table is an array of rows")?;
    let titled = rows.iter().filter(|r| r["title"].is_string()).count();
    let artists = rows.iter().filter(|r| r["artist"].is_string()).count();
    println!(
        "check: notes --jobs 2 gave {} rows for {n_files} files ({}), {} warning line(s), {} \
         failure(s); {titled} files have a title, {artists} an artist",
        rows.len(),
        if rows.len() == n_files && out.status.success() {
            "every file a row"
        } else {
            "FILES MISSING"
        },
        warnings.len(),
        failures.len()
    );
    for line in warnings.iter().chain(&failures).take(10) {
        println!("  {line}");
    }
    Ok(())
}

/// `cargo xtask bench-real [--debs DIR] [--python PATH] [--passes N] [--bin PATH]`.
pub fn run_bench(args: &[String]) -> Result<()> {
    let o = parse_bench_options(args, "bench-real", "--passes", 2, 0)?;
    let root = workspace().join("target").join("bench-real");
    let debs = match &o.debs {
        Some(d) => d.clone(),
        None => root.join("debs"),
    };
    std::fs::create_dir_all(&debs)?;
    let tracks = tracks(&root, &debs)?;
    let (library, counts) = library(&root, &tracks)?;
    let (audio_s, n_files) = audio_seconds(&library)?;
    println!(
        "bench-real: {} tracks of {} ({:.2} h of audio), library {}: {}",
        tracks.len(),
        PACKAGES.map(|p| p.0).join(", "),
        audio_s / 3600.0,
        library
            .strip_prefix(workspace())
            .unwrap_or(&library)
            .display(),
        CODECS
            .iter()
            .zip(counts)
            .map(|((name, _, _), n)| format!("{n} {name}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let binary = match &o.bin {
        Some(b) => b.clone(),
        None => crate::docs::release_binary()?,
    };
    check(&binary, &library, &root, n_files)?;

    let python = crate::python::baseline_python(o.python.as_deref())?;
    let mut files = Vec::new();
    files_under(&library, &mut files)?;
    files.sort();
    let list = root.join("files.txt");
    write_file_list(&list, &files)?;
    let table = root.join("notes.csv");
    // Per thread count: librosa / notes, Essentia / notes, librosa / decode alone.
    let mut ratios: [[Vec<f64>; 3]; 2] = Default::default();
    let mut summary: [Vec<(f64, f64)>; 2] = Default::default();
    let mut decodes: [Vec<f64>; 2] = Default::default();
    let mut versions = (String::new(), String::new());
    for pass in 1..=o.repeats {
        for (t, threads) in [1usize, 2].into_iter().enumerate() {
            let args: Vec<String> = vec![
                "notes".into(),
                library.display().to_string(),
                "--jobs".into(),
                threads.to_string(),
                "-o".into(),
                table.display().to_string(),
            ];
            let (notes, rss) = timed(&binary, &args)?;
            // The floor: the same files decoded (and mixed to mono) by the same reader and
            // nothing else, as `info` does to report each file's decoded length.
            let info: Vec<String> = vec![
                "info".into(),
                library.display().to_string(),
                "--jobs".into(),
                threads.to_string(),
            ];
            let (decode, _) = timed(&binary, &info)?;
            let (librosa, lv) = baseline(&python, "librosa", threads, &list)?;
            let (essentia, ev) = baseline(&python, "essentia", threads, &list)?;
            versions = (lv, ev);
            ratios[t][0].push(librosa / notes);
            ratios[t][1].push(essentia / notes);
            ratios[t][2].push(librosa / decode);
            summary[t].push((notes, rss));
            decodes[t].push(decode);
            println!(
                "pass {pass}, {threads} thread(s): notes {notes:.2} s ({:.2} files/s, realtime \
                 x{:.0}, peak RSS {rss:.0} MB) | decode alone (info) {decode:.2} s, {:.0}% of \
                 notes | librosa chroma_stft {librosa:.1} s: notes {:.1}x faster (decode alone \
                 {:.1}x) | Essentia KeyExtractor {essentia:.1} s: notes {:.1}x faster",
                n_files as f64 / notes,
                audio_s / notes,
                100.0 * decode / notes,
                librosa / notes,
                librosa / decode,
                essentia / notes
            );
        }
    }
    if o.repeats > 0 {
        print_medians(&o, &ratios, &summary, &decodes, &versions, n_files, audio_s);
    }
    long_memory(&root, &tracks, &binary)
}

/// The medians of the passes' times, ratios and peak RSS, per thread count.
fn print_medians(
    o: &BenchOptions,
    ratios: &[[Vec<f64>; 3]; 2],
    summary: &[Vec<(f64, f64)>; 2],
    decodes: &[Vec<f64>; 2],
    versions: &(String, String),
    n_files: usize,
    audio_s: f64,
) {
    println!(
        "medians over {} pass(es) (librosa {}, Essentia {}; baselines on as many joblib workers \
         as notes has threads):",
        o.repeats, versions.0, versions.1
    );
    for (t, threads) in [1usize, 2].into_iter().enumerate() {
        let notes = median(summary[t].iter().map(|s| s.0).collect());
        let rss = median(summary[t].iter().map(|s| s.1).collect());
        let decode = median(decodes[t].clone());
        println!(
            "  {threads} thread(s): notes {notes:.2} s, {:.2} files/s, realtime x{:.0}, peak RSS \
             {rss:.0} MB; librosa chroma_stft / notes {:.1}x; Essentia KeyExtractor / notes \
             {:.1}x; decode alone {decode:.2} s ({:.0}% of notes), librosa / decode alone {:.1}x \
             (the ratio notes could reach with an analysis that cost nothing)",
            n_files as f64 / notes,
            audio_s / notes,
            median(ratios[t][0].clone()),
            median(ratios[t][1].clone()),
            100.0 * decode / notes,
            median(ratios[t][2].clone())
        );
    }
}

/// Peak RSS of `notes --summary --jobs 2` on the long tracks, against [`LONG_BOUND_MB`].
fn long_memory(root: &Path, tracks: &[(String, PathBuf)], binary: &Path) -> Result<()> {
    let long = long_tracks(root, tracks)?;
    let args: Vec<String> = vec![
        "notes".into(),
        "--summary".into(),
        "--jobs".into(),
        "2".into(),
        long.display().to_string(),
        "-o".into(),
        root.join("long.csv").display().to_string(),
    ];
    let (secs, rss) = timed(binary, &args)?;
    println!(
        "long tracks: notes --summary --jobs 2 on two {}-minute stereo tracks (FLAC 44.1 kHz, \
         Opus 48 kHz): {secs:.1} s, peak RSS {rss:.0} MB ({} the {LONG_BOUND_MB:.0} MB target)",
        LONG_SECONDS / 60,
        if rss < LONG_BOUND_MB { "under" } else { "OVER" }
    );
    Ok(())
}

//! `cargo xtask stress [N]`: a folder of N short files, one in a hundred broken, through the
//! release binary's `notes`; checks that it runs to the end, that the table holds every good
//! file, and that the exit status says something failed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use audio_io::synth::{self, WavFormat};

/// Runs the stress check with `n` files.
pub fn run(n: usize) -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("target").join("stress");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir)?;
    let sr = 8000;
    let mut good = 0usize;
    for i in 0..n {
        let path = dir.join(format!("{:02}/track_{i:05}.wav", i % 50));
        std::fs::create_dir_all(path.parent().unwrap_or(&dir))?;
        if i % 100 == 37 {
            // Broken: text, empty, or a header with no samples, in turn.
            match (i / 100) % 3 {
                0 => std::fs::write(&path, b"not audio at all")?,
                1 => std::fs::write(&path, b"")?,
                _ => synth::write_wav(&path, &[&[]], sr, WavFormat::S16)?,
            }
        } else {
            let midi = 48 + (i % 24) as u8;
            let x = synth::tone(synth::midi_to_hz(midi), 0.5, sr, 0.5);
            synth::write_wav(&path, &[&x], sr, WavFormat::S16)?;
            good += 1;
        }
    }
    println!(
        "wrote {n} files ({good} good, {} broken) to {}",
        n - good,
        dir.display()
    );
    let table = dir.join("notes.csv");
    let binary = crate::docs::release_binary()?;
    let started = Instant::now();
    let out = Command::new(&binary)
        .arg("notes")
        .arg(&dir)
        .arg("-o")
        .arg(&table)
        .current_dir(&root)
        .output()
        .context("cannot run cargo")?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(
        out.status.code() == Some(1),
        "expected exit status 1 (some files failed), got {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&table).context("the table was not written")?;
    let rows = text.lines().count().saturating_sub(1);
    if rows != good {
        bail!("the table has {rows} rows, expected {good}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reported = stderr.lines().filter(|l| l.starts_with("error: ")).count();
    ensure!(
        reported == n - good,
        "{reported} failures reported, expected {}",
        n - good
    );
    println!(
        "ok: {rows} rows for {good} good files, {reported} bad files reported, exit status 1, \
         {seconds:.2} s ({:.0} files/s)",
        n as f64 / seconds
    );
    Ok(())
}

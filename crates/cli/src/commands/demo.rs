//! `chromacluster demo`: synthesise short tracks in four keys on three timbres, run the whole
//! pipeline on them (decode, chroma, note profiles, k-means) and show how well the clusters
//! match the keys.

use crate::stdout::{outln, outp};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use audio_io::synth::{self, Timbre, WavFormat};
use chroma_table::schema::FILE_COLUMN;
use kmeans::{Init, KMeans, RowMatrix};

use crate::args::{DemoArgs, GlobalArgs};
use crate::{pipeline, Outcome};

/// Tonics of the demo keys (MIDI): C4, E4, F#4, A#3: as far apart as four major keys get.
const KEYS: [(&str, u8); 4] = [("C", 60), ("E", 64), ("F#", 66), ("A#", 58)];
const SAMPLE_RATE: u32 = 22050;
const SECONDS_PER_CHORD: f64 = 0.75;

/// The chords of a progression in the major key on `tonic`: `I-IV-V-I` or `I-vi-IV-V-I`.
fn progression(tonic: u8, variant: usize) -> Vec<Vec<u8>> {
    match variant % 2 {
        0 => synth::cadence_i_iv_v_i(tonic),
        _ => synth::progression_i_vi_iv_v_i(tonic),
    }
}

/// Runs `demo`.
pub fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let temp;
    let dir: PathBuf = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary folder")?;
            temp.path().to_path_buf()
        }
    };

    // 1. Synthesise: every key on every timbre, the pluck an octave lower.
    let mut tracks = Vec::new();
    for (key_index, (key, tonic)) in KEYS.iter().enumerate() {
        for (t, timbre) in Timbre::ALL.iter().enumerate() {
            let tonic = if *timbre == Timbre::Pluck {
                tonic - 12
            } else {
                *tonic
            };
            let chords = progression(tonic, t);
            let samples = synth::render_chords(&chords, SECONDS_PER_CHORD, *timbre, SAMPLE_RATE);
            let path = dir.join(format!(
                "{}_major_{}.wav",
                key.replace('#', "s"),
                timbre.name()
            ));
            synth::write_wav(&path, &[&samples], SAMPLE_RATE, WavFormat::S16)
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracks.push((path, key_index));
        }
    }
    // The batch comes back in path order: keep each file's key beside it in that order.
    tracks.sort();
    let (files, keys): (Vec<PathBuf>, Vec<usize>) = tracks.into_iter().unzip();
    outln!(
        "Synthesised {} tracks: I-IV-V-I and I-vi-IV-V-I in {} on {} timbres ({} Hz, 16-bit WAV).\n",
        files.len(),
        KEYS.map(|k| format!("{} major", k.0)).join(", "),
        Timbre::ALL.len(),
        SAMPLE_RATE
    );

    // 2. Decode and profile every file (the real pipeline, in parallel).
    let options = chroma::TableOptions::default();
    let batch = pipeline::analyze_batch(global, &files, &[], &options);
    anyhow::ensure!(
        batch.failures.is_empty(),
        "the demo's own files failed to analyse"
    );
    let mut table = chroma_table::table_of(&batch.analyses, chroma::ProfileKind::Dominant)?;
    let names: Vec<String> = batch
        .analyses
        .iter()
        .map(|a| {
            PathBuf::from(&a.file)
                .file_name()
                .map_or_else(|| a.file.clone(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    table.replace(
        FILE_COLUMN,
        polars::prelude::Column::new(FILE_COLUMN.into(), names.clone()),
    )?;
    let shown = table.select(
        std::iter::once(FILE_COLUMN)
            .chain(chroma::NOTE_NAMES.iter().copied())
            .chain(["voiced_frames"]),
    )?;
    outln!("Note profiles (share of voiced frames where each pitch class is the most prominent):");
    outp!("{}", crate::output::table_text(&shown));

    // 3. Cluster the 12 note columns of each profile and compare with the keys.
    let mut best_ari = f64::MIN;
    for (profile, what) in [
        (
            chroma::ProfileKind::Dominant,
            "dominant-note profile (the table above)",
        ),
        (
            chroma::ProfileKind::MeanChroma,
            "mean-chroma profile (--profile mean)",
        ),
    ] {
        let mut table = chroma_table::table_of(&batch.analyses, profile)?;
        table.replace(
            FILE_COLUMN,
            polars::prelude::Column::new(FILE_COLUMN.into(), names.clone()),
        )?;
        let ari = cluster_and_compare(&table, &names, &keys, args.seed, what)?;
        best_ari = best_ari.max(ari);
    }
    anyhow::ensure!(best_ari.is_finite(), "no clustering was made");
    if args.keep.is_some() {
        outln!("The audio is in {}.", dir.display());
    }
    tracing::info!("demo took {:.2} s", started.elapsed().as_secs_f64());
    eprintln!("demo finished in {:.2} s", started.elapsed().as_secs_f64());
    Ok(Outcome::AllGood)
}

/// Clusters the note columns of `table` into as many clusters as keys, prints the clusters and
/// the key/cluster table, and returns the adjusted Rand index against the keys.
fn cluster_and_compare(
    table: &polars::prelude::DataFrame,
    names: &[String],
    keys: &[usize],
    seed: u64,
    what: &str,
) -> anyhow::Result<f64> {
    let note_cols: Vec<&str> = chroma::NOTE_NAMES.to_vec();
    let data = RowMatrix::from_dataframe(table, Some(&note_cols))?;
    let fit = KMeans::params(KEYS.len())
        .init(Init::KMeansPlusPlus)
        .n_init(10)
        .seed(seed)
        .fit(&data)?;
    outln!(
        "\nk-means on the {what}: k = {}, k-means++ x 10, seed {seed}, inertia {:.4}",
        KEYS.len(),
        fit.inertia()
    );
    super::cluster::print_summary(names, &fit);
    let ari = kmeans::adjusted_rand_index(keys, &fit.labels)?;
    let mut rows = vec![std::iter::once("key".to_string())
        .chain((0..fit.model.k()).map(|c| format!("cluster {c}")))
        .collect::<Vec<_>>()];
    for (ki, (key, _)) in KEYS.iter().enumerate() {
        let mut row = vec![format!("{key} major")];
        for c in 0..fit.model.k() {
            let n = keys
                .iter()
                .zip(&fit.labels)
                .filter(|(k, l)| **k == ki && **l == c)
                .count();
            row.push(n.to_string());
        }
        rows.push(row);
    }
    outp!("{}", crate::output::aligned(&rows));
    outln!(
        "adjusted Rand index against the true keys: {ari:.3} ({})",
        if (ari - 1.0).abs() < 1e-12 {
            "every key is its own cluster"
        } else {
            "some tracks are grouped with another key"
        }
    );
    Ok(ari)
}

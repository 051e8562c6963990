//! `chromacluster features FILE`: the frames x 34 (or 68) short-term feature matrix of one file.

use anyhow::Context;
use polars::prelude::{CsvWriter, SerWriter};

use crate::args::{ChromaArg, FeaturesArgs, GlobalArgs};
use crate::Outcome;

/// Runs `features`.
pub fn run(_global: &GlobalArgs, args: FeaturesArgs) -> anyhow::Result<Outcome> {
    if let (Some(window), Some(step)) = (args.mid_window, args.mid_step) {
        return mid_term(&args, window, step);
    }
    let mut extractors =
        stfeatures::ExtractorsByRate::new(stfeatures::FrameSpec::default(), args.deltas);
    let matrix = match extractors.extract_file(&args.file) {
        Ok(m) => m,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(Outcome::SomeFailed);
        }
    };
    let mut df = matrix
        .to_dataframe()
        .context("cannot build the feature table")?;
    if args.chroma == ChromaArg::Accurate {
        let framing = matrix.framing();
        let options = chroma::TableOptions::default();
        let gram = match chroma::file_chromagram(&args.file, &options) {
            Ok(g) => g,
            Err(err) => {
                eprintln!("error: {}", crate::pipeline::error_chain(&args.file, &err));
                return Ok(Outcome::SomeFailed);
            }
        };
        let n_fft = options.accurate.n_fft(framing.sample_rate());
        replace_chroma_columns(&mut df, &gram, framing, n_fft, args.deltas)?;
    }
    match &args.output {
        Some(path) => chroma::write_table(&mut df, path)?,
        None => {
            let stdout = std::io::stdout();
            CsvWriter::new(stdout.lock())
                .include_header(true)
                .finish(&mut df)
                .context("cannot write to stdout")?;
        }
    }
    Ok(Outcome::AllGood)
}

/// `features --mid-window S --mid-step S`: the mid-term statistics of the file, one row per window.
fn mid_term(args: &FeaturesArgs, window: f64, step: f64) -> anyhow::Result<Outcome> {
    use stfeatures::midterm::{mid_feature_extraction, MidTermSpec};
    let result = audio_io::read_mono(&args.file)
        .map_err(stfeatures::FeatureError::from)
        .and_then(|signal| {
            let fs = signal.sample_rate();
            let spec = MidTermSpec::seconds(fs, window, step, 0.050, 0.025);
            mid_feature_extraction(&signal.raw_samples(), fs, &spec).map_err(|e| {
                stfeatures::FeatureError::File {
                    path: args.file.clone(),
                    source: Box::new(e),
                }
            })
        });
    let mid = match result {
        Ok((mid, _)) => mid,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(Outcome::SomeFailed);
        }
    };
    let mut df = mid
        .to_dataframe()
        .context("cannot build the mid-term table")?;
    match &args.output {
        Some(path) => chroma::write_table(&mut df, path)?,
        None => {
            let stdout = std::io::stdout();
            CsvWriter::new(stdout.lock())
                .include_header(true)
                .finish(&mut df)
                .context("cannot write to stdout")?;
        }
    }
    Ok(Outcome::AllGood)
}

/// Replaces the pyaa chroma columns (`chroma_1..12`, `chroma_std`, and their deltas) with the
/// accurate chroma of the accurate frame whose centre is nearest each feature frame's centre,
/// as pitch-class shares (each frame's 12 values sum to 1; 0 for a silent frame).
fn replace_chroma_columns(
    df: &mut polars::prelude::DataFrame,
    gram: &chroma::Chromagram,
    framing: stfeatures::Framing,
    n_fft: usize,
    deltas: bool,
) -> anyhow::Result<()> {
    use polars::prelude::Column;
    let n = df.height();
    let hop = (gram.hop_s() * f64::from(framing.sample_rate()))
        .round()
        .max(1.0);
    let last = gram.n_frames().saturating_sub(1);
    // One row of 13 values (12 shares and their population std) per feature frame.
    let rows: Vec<[f64; 13]> = (0..n)
        .map(|i| {
            let centre = (i * framing.step()) as f64 + framing.window() as f64 / 2.0;
            let j = ((centre - n_fft as f64 / 2.0) / hop)
                .round()
                .clamp(0.0, last as f64) as usize;
            let chroma = if gram.n_frames() > 0 {
                *gram.row(j)
            } else {
                [0.0; 12]
            };
            let total: f64 = chroma.iter().sum();
            let shares = chroma.map(|v| if total > 0.0 { v / total } else { 0.0 });
            let mean = shares.iter().sum::<f64>() / 12.0;
            let std = (shares.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 12.0).sqrt();
            let mut row = [0.0; 13];
            row[..12].copy_from_slice(&shares);
            row[12] = std;
            row
        })
        .collect();
    let values: Vec<Vec<f64>> = (0..13)
        .map(|k| rows.iter().map(|r| r[k]).collect())
        .collect();
    let names = &stfeatures::FEATURE_NAMES
        [stfeatures::CHROMA_COLUMNS.start..=stfeatures::CHROMA_STD_COLUMN];
    for (name, column) in names.iter().zip(&values) {
        df.replace(name, Column::new((*name).into(), column.clone()))?;
        if deltas {
            let delta_name = format!("delta {name}");
            let delta: Vec<f64> = (0..n)
                .map(|i| {
                    if i == 0 {
                        0.0
                    } else {
                        column[i] - column[i - 1]
                    }
                })
                .collect();
            df.replace(&delta_name, Column::new(delta_name.as_str().into(), delta))?;
        }
    }
    Ok(())
}

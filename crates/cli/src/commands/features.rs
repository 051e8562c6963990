//! `chromacluster features FILE`: the frames x 34 (or 68) short-term feature matrix of one file,
//! streamed to the output as it is computed (`chroma_table::write_feature_table`).

use crate::args::{FeaturesArgs, GlobalArgs};
use crate::checks::{self, OutputKind};
use crate::Outcome;
use anyhow::Context as _;
use polars::prelude::SerWriter as _;

/// Runs `features`.
pub fn run(_global: &GlobalArgs, args: FeaturesArgs) -> anyhow::Result<Outcome> {
    if let Some(path) = &args.output {
        checks::check_output("-o", path, OutputKind::Table)?;
        checks::check_distinct(&[("-o", path)], &[&args.file])?;
    }
    if let (Some(window), Some(step)) = (args.mid_window, args.mid_step) {
        return mid_term(&args, window, step);
    }
    let options = chroma::FrameOptions {
        chroma: crate::pipeline::chroma_mode(args.chroma),
        deltas: args.deltas,
        ..chroma::FrameOptions::default()
    };
    let written = match &args.output {
        Some(path) => chroma_table::write_feature_table(&args.file, &options, path),
        None => chroma_table::write_feature_csv(&args.file, &options, crate::stdout::StdoutWriter),
    };
    match written {
        Ok(_) => Ok(Outcome::AllGood),
        // A failed stdout is remembered and reported by `main` (quietly for a closed pipe).
        Err(_) if args.output.is_none() && crate::stdout::failed() => Ok(Outcome::AllGood),
        // Output errors are the command's failure; anything about the input is a bad file.
        Err(chroma_table::TableError::Analysis(err)) => {
            eprintln!(
                "error: {}",
                crate::output::one_line(&crate::pipeline::file_error(&args.file, &err))
            );
            Ok(Outcome::SomeFailed)
        }
        Err(err) => Err(err.into()),
    }
}

/// `features --mid-window S --mid-step S`: the mid-term statistics of the file, one row per window.
fn mid_term(args: &FeaturesArgs, window: f64, step: f64) -> anyhow::Result<Outcome> {
    use stfeatures::midterm::{mid_feature_extraction, MidTermSpec};
    let result = audio_io::read_mono(&args.file)
        .map_err(stfeatures::FeatureError::from)
        .and_then(|signal| {
            let fs = signal.sample_rate();
            let spec = MidTermSpec::seconds(fs, window, step, 0.050, 0.025);
            mid_feature_extraction(&signal.raw_samples(), fs, &spec)
                .map_err(|e| e.in_file(&args.file))
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
        Some(path) => chroma_table::write_table(&mut df, path)?,
        None => {
            let written = polars::prelude::CsvWriter::new(crate::stdout::StdoutWriter)
                .include_header(true)
                .finish(&mut df);
            // A failed stdout is remembered and reported by `main` (quietly for a closed pipe).
            if written.is_err() && !crate::stdout::failed() {
                written.context("cannot write to stdout")?;
            }
        }
    }
    Ok(Outcome::AllGood)
}

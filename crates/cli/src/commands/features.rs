//! `chromacluster features FILE`: the frames x 34 (or 68) short-term feature matrix of one file.

use anyhow::Context;
use polars::prelude::{CsvWriter, SerWriter};

use crate::args::{ChromaArg, FeaturesArgs, GlobalArgs};
use crate::Outcome;

/// Runs `features`.
pub fn run(_global: &GlobalArgs, args: FeaturesArgs) -> anyhow::Result<Outcome> {
    if args.chroma == ChromaArg::Accurate {
        tracing::info!(
            "the frame matrix keeps pyAudioAnalysis's chroma columns; accurate chroma has its own \
             frame grid (see `plot chromagram` and `notes`)"
        );
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

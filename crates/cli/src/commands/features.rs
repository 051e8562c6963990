//! `chromacluster features FILE`: the frames x 34 (or 68) short-term feature matrix of one file,
//! streamed to the output as it is computed (`chroma::write_feature_table`).

use crate::args::{FeaturesArgs, GlobalArgs};
use crate::checks::{self, OutputKind};
use crate::Outcome;

/// Runs `features`.
pub fn run(_global: &GlobalArgs, args: FeaturesArgs) -> anyhow::Result<Outcome> {
    if let Some(path) = &args.output {
        checks::check_output("-o", path, OutputKind::Table)?;
        checks::check_distinct(&[("-o", path)], &[&args.file])?;
    }
    let options = chroma::FrameOptions {
        chroma: crate::pipeline::chroma_mode(args.chroma),
        deltas: args.deltas,
        ..chroma::FrameOptions::default()
    };
    let written = match &args.output {
        Some(path) => chroma::write_feature_table(&args.file, &options, path),
        None => chroma::write_feature_csv(&args.file, &options, crate::stdout::StdoutWriter),
    };
    match written {
        Ok(_) => Ok(Outcome::AllGood),
        // A failed stdout is remembered and reported by `main` (quietly for a closed pipe).
        Err(_) if args.output.is_none() && crate::stdout::failed() => Ok(Outcome::AllGood),
        // Output errors are the command's failure; anything about the input is a bad file.
        Err(
            err @ (chroma::ChromaError::Io { .. }
            | chroma::ChromaError::Table { .. }
            | chroma::ChromaError::UnknownTableFormat { .. }),
        ) => Err(err.into()),
        Err(err) => {
            eprintln!("error: {}", crate::pipeline::error_chain(&args.file, &err));
            Ok(Outcome::SomeFailed)
        }
    }
}

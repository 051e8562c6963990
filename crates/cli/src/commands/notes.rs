//! `chromacluster notes PATH...`: the files x 12 note-profile table.

use crate::args::{GlobalArgs, NotesArgs};
use crate::inputs::{self, Inputs};
use crate::{pipeline, Outcome};

/// Runs `notes`.
pub fn run(global: &GlobalArgs, args: NotesArgs) -> anyhow::Result<Outcome> {
    let Inputs::Audio { files } = inputs::resolve(&args.paths, false)? else {
        unreachable!("tables are not accepted here")
    };
    let options = pipeline::table_options(&args.extract);
    let batch = pipeline::analyze_batch(global, &files, &options);
    if batch.stopped {
        anyhow::bail!("no output written");
    }
    if batch.analyses.is_empty() {
        anyhow::bail!("no file could be analysed; no output written");
    }
    let mut table = chroma::table_of_options(&batch.analyses, &options)?;
    match &args.output {
        Some(path) => {
            chroma::write_table(&mut table, path)?;
            tracing::info!("wrote {} row(s) to {}", table.height(), path.display());
        }
        None => print!("{}", crate::output::table_text(&table)),
    }
    Ok(if batch.failures.is_empty() {
        Outcome::AllGood
    } else {
        Outcome::SomeFailed
    })
}

//! `chromacluster key PATH...`: each file's key, key strength and tuning.

use polars::prelude::Column;

use crate::args::{GlobalArgs, KeyArgs};
use crate::checks::{self, OutputKind};
use crate::inputs::{self, Inputs};
use crate::stdout::outp;
use crate::{pipeline, Outcome};

/// Runs `key`.
pub fn run(global: &GlobalArgs, args: KeyArgs) -> anyhow::Result<Outcome> {
    if let Some(path) = &args.output {
        checks::check_output("-o", path, OutputKind::Table)?;
    }
    let Inputs::Audio { files, unreadable } = inputs::resolve(
        &args.paths,
        false,
        global.quiet,
        &checks::outputs(&[("-o", args.output.as_deref())]),
    )?
    else {
        unreachable!("tables are not accepted here")
    };
    let options = pipeline::tonal_options(&args.tonal);
    let batch = pipeline::analyze_batch(global, &files, &unreadable, &options);
    if batch.stopped {
        anyhow::bail!("no output written");
    }
    if batch.analyses.is_empty() {
        anyhow::bail!("no file could be analysed; no output written");
    }
    let a = &batch.analyses;
    let mut table = polars::prelude::DataFrame::new(
        a.len(),
        vec![
            Column::new(
                chroma::schema::FILE_COLUMN.into(),
                a.iter().map(|x| x.file.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                chroma::schema::KEY_COLUMN.into(),
                a.iter().map(|x| x.key.name()).collect::<Vec<_>>(),
            ),
            Column::new(
                chroma::schema::KEY_STRENGTH_COLUMN.into(),
                a.iter().map(|x| x.key.strength).collect::<Vec<f64>>(),
            ),
            Column::new(
                chroma::schema::TUNING_COLUMN.into(),
                a.iter().map(|x| x.tuning_cents).collect::<Vec<f64>>(),
            ),
        ],
    )?;
    match &args.output {
        Some(path) => {
            chroma::write_table(&mut table, path)?;
            tracing::info!("wrote {} row(s) to {}", table.height(), path.display());
        }
        None => outp!("{}", crate::output::table_text(&table)),
    }
    Ok(if batch.failures.is_empty() && unreadable.is_empty() {
        Outcome::AllGood
    } else {
        Outcome::SomeFailed
    })
}

//! `chromacluster key PATH...`: each file's key, key strength and tuning; with `--segments`,
//! the key of each section of each file.

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
    if args.segments {
        return segments(global, &args, &files, &unreadable, &options);
    }
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
                chroma_table::schema::FILE_COLUMN.into(),
                a.iter().map(|x| x.file.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                chroma_table::schema::KEY_COLUMN.into(),
                a.iter().map(|x| x.key.name()).collect::<Vec<_>>(),
            ),
            Column::new(
                chroma_table::schema::KEY_STRENGTH_COLUMN.into(),
                a.iter().map(|x| x.key.strength).collect::<Vec<f64>>(),
            ),
            Column::new(
                chroma_table::schema::TUNING_COLUMN.into(),
                a.iter().map(|x| x.tuning_cents).collect::<Vec<f64>>(),
            ),
        ],
    )?;
    write_or_print(&mut table, args.output.as_deref(), "row(s)")?;
    Ok(if batch.failures.is_empty() && unreadable.is_empty() {
        Outcome::AllGood
    } else {
        Outcome::SomeFailed
    })
}

/// `key --segments`: each file's sections (`file, start_s, end_s, key, strength`), files one
/// after another; a file that fails is reported and the others go on (exit 1 at the end).
fn segments(
    global: &GlobalArgs,
    args: &KeyArgs,
    files: &[std::path::PathBuf],
    unreadable: &[audio_io::listing::UnreadableEntry],
    options: &chroma::TableOptions,
) -> anyhow::Result<Outcome> {
    let segmenter = chroma::KeySegmenter::default();
    let mut rows: Vec<(String, chroma::KeySegment)> = Vec::new();
    let mut failures = Vec::new();
    for path in files {
        match chroma::file_key_segments(path, options, &segmenter) {
            Ok(found) => rows.extend(found.into_iter().map(|s| (chroma::file_label(path), s))),
            Err(e) if global.strict => {
                failures.push((path.clone(), e));
                break;
            }
            Err(e) => failures.push((path.clone(), e)),
        }
    }
    pipeline::report_failures(&failures, unreadable, files.len() + unreadable.len());
    if rows.is_empty() {
        anyhow::bail!("no file could be analysed; no output written");
    }
    let mut table = polars::prelude::DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                chroma_table::schema::FILE_COLUMN.into(),
                rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "start_s".into(),
                rows.iter().map(|r| r.1.start_s).collect::<Vec<f64>>(),
            ),
            Column::new(
                "end_s".into(),
                rows.iter().map(|r| r.1.end_s).collect::<Vec<f64>>(),
            ),
            Column::new(
                chroma_table::schema::KEY_COLUMN.into(),
                rows.iter()
                    .map(|r| r.1.key.map(|k| k.to_string()).unwrap_or_default())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "strength".into(),
                rows.iter().map(|r| r.1.strength).collect::<Vec<f64>>(),
            ),
        ],
    )?;
    write_or_print(&mut table, args.output.as_deref(), "section(s)")?;
    Ok(if failures.is_empty() && unreadable.is_empty() {
        Outcome::AllGood
    } else {
        Outcome::SomeFailed
    })
}

/// Writes `table` to `output` (its format from the extension), or prints it as text; `noun`
/// names what a row is in the log line.
fn write_or_print(
    table: &mut polars::prelude::DataFrame,
    output: Option<&std::path::Path>,
    noun: &str,
) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            chroma_table::write_table(table, path)?;
            tracing::info!("wrote {} {noun} to {}", table.height(), path.display());
        }
        None => outp!("{}", crate::output::table_text(table)),
    }
    Ok(())
}

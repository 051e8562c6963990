//! `chromacluster notes PATH...`: the files x 12 note-profile table.

use std::path::PathBuf;

use chroma_table::journal::{DurableSettings, FlushPolicy};

use crate::args::{GlobalArgs, NotesArgs};
use crate::checks::{self, usage, OutputKind};
use crate::inputs::{self, Inputs};
use crate::stdout::outp;
use crate::{pipeline, Outcome};

/// The table file `-o` (and `--shard`) name: `-o FILE`, or `-o DIR/` + `part-I-of-N.parquet`.
fn output_path(args: &NotesArgs) -> anyhow::Result<Option<PathBuf>> {
    let Some(output) = &args.output else {
        return Ok(None);
    };
    let Some(shard) = args.shard else {
        checks::check_output("-o", output, OutputKind::Table)?;
        return Ok(Some(output.clone()));
    };
    if output.exists() && !output.is_dir() {
        usage!(
            "--shard writes -o DIR/{}; {} is not a folder",
            shard.part_file_name(),
            output.display()
        );
    }
    if !output.exists() {
        let parent = durable_output::parent_dir(output);
        checks::check_folder("-o", output, parent)?;
        // Several shards may start at once: creating the folder twice is fine.
        std::fs::create_dir_all(output).map_err(|e| {
            checks::UsageError(format!("-o {}: cannot create it: {e}", output.display()))
        })?;
    }
    let part = output.join(shard.part_file_name());
    checks::check_output("-o", &part, OutputKind::Table)?;
    Ok(Some(part))
}

/// Runs `notes`.
pub fn run(global: &GlobalArgs, args: NotesArgs) -> anyhow::Result<Outcome> {
    let output = output_path(&args)?;
    if let Some(out) = &output {
        let named: Vec<&std::path::Path> = args.paths.iter().map(PathBuf::as_path).collect();
        checks::check_distinct(&[("-o", out)], &named)?;
    }
    let Inputs::Audio { files, unreadable } = inputs::resolve(
        &args.paths,
        false,
        global.quiet,
        &crate::checks::outputs(&[("-o", output.as_deref())]),
    )?
    else {
        unreachable!("tables are not accepted here")
    };
    let files = match args.shard {
        Some(shard) => {
            let roots: Vec<PathBuf> = args.paths.iter().filter(|p| p.is_dir()).cloned().collect();
            files
                .into_iter()
                .filter(|f| shard.contains(&chroma_table::relative_key(f, &roots)))
                .collect()
        }
        None => files,
    };
    let options = pipeline::table_options(&args.extract);
    let Some(output) = output else {
        let batch = pipeline::analyze_batch(global, &files, &unreadable, &options);
        if batch.stopped {
            anyhow::bail!("no output written");
        }
        if batch.analyses.is_empty() {
            anyhow::bail!("no file could be analysed; no output written");
        }
        let table = chroma_table::table_of_options(&batch.analyses, &options)?;
        outp!("{}", crate::output::table_text(&table));
        return Ok(outcome(batch.failures.is_empty() && unreadable.is_empty()));
    };

    let settings = DurableSettings {
        update: args.update,
        stop_at_first_failure: global.strict,
        flush: FlushPolicy {
            files: args.checkpoint_every as usize,
            ..FlushPolicy::default()
        },
    };
    let (run, report) = pipeline::run_durable(global, &output, &options, settings, &files)?;
    let batch = &report.batch;
    pipeline::report_failures(&batch.failures, &unreadable, files.len() + unreadable.len());
    if batch.stopped {
        eprintln!("stopped at the first failure (--strict)");
        anyhow::bail!(
            "no output written; the finished rows are kept, and the same command continues"
        );
    }
    if batch.analyses.is_empty() && args.shard.is_none() {
        run.discard()?;
        anyhow::bail!("no file could be analysed; no output written");
    }
    if let (Some(u), false) = (report.update, global.quiet) {
        eprintln!(
            "{}: {} row(s) reused, {} file(s) analysed ({} new, {} changed), {} removed, {} \
             failed",
            output.display(),
            u.reused,
            u.new + u.changed,
            u.new,
            u.changed,
            u.removed,
            u.failed
        );
    }
    let table = run.finish(&report)?;
    tracing::info!(
        "wrote {} row(s) to {} ({} analysed now, {} resumed)",
        table.height(),
        output.display(),
        report.analysed,
        report.resumed
    );
    Ok(outcome(batch.failures.is_empty() && unreadable.is_empty()))
}

fn outcome(all_good: bool) -> Outcome {
    if all_good {
        Outcome::AllGood
    } else {
        Outcome::SomeFailed
    }
}

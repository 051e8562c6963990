//! `chromacluster report PATH...|TABLE -k K|auto -o report.html`: cluster, then write one
//! self-contained HTML page (map, per-cluster profiles, sortable file tables with players).
//!
//! The clustering and the page are the `report` crate's ([`report::cluster_table`],
//! [`report::assemble_report`], [`report::write_report`]); this module checks the flags,
//! resolves and analyses the inputs, and prints what was written.

use std::path::Path;

use anyhow::bail;
use kmeans::KMeans;
use report::page::FailedFile;
use report::ReportSpec;

use crate::args::{GlobalArgs, ReportArgs};
use crate::checks::usage;
use crate::inputs::{self, Inputs};
use crate::{pipeline, Outcome};

/// Runs `report`.
pub fn run(global: &GlobalArgs, args: ReportArgs) -> anyhow::Result<Outcome> {
    let k = args.k;
    if let Some(s) = args.embed_clips {
        if !(s.is_finite() && s > 0.0 && s <= audio_io::clip::MAX_CLIP_SECONDS) {
            usage!(
                "--embed-clips takes seconds above 0 and at most {} (got {s})",
                audio_io::clip::MAX_CLIP_SECONDS
            );
        }
    }
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("html" | "htm")) {
        usage!(
            "{}: the report is an HTML page, name it .html",
            args.output.display()
        );
    }

    // The table and the failures (with their causes).
    let extract = super::similar::extract_for(&args.extract, args.by);
    let by_sound = args.by == crate::args::ByArg::Sound;
    if by_sound && (args.standardize || args.columns.is_some()) {
        usage!("--by sound clusters the sound description in its own scaled space: --standardize and --columns do not apply");
    }
    let options = pipeline::table_options(&extract);
    let inputs = inputs::resolve(
        &args.paths,
        true,
        global.quiet,
        &[("-o", args.output.as_path())],
    )?;
    let from_table = matches!(inputs, Inputs::Table(_));
    let (table, failures, source, table_dir) = match inputs {
        Inputs::Table(path) => {
            let table = chroma_table::read_table(&path)?;
            let dir = path.parent().map(Path::to_path_buf);
            (table, Vec::new(), format!("table {}", path.display()), dir)
        }
        Inputs::Audio { files, unreadable } => {
            let batch = pipeline::analyze_batch(global, &files, &unreadable, &options);
            if batch.stopped {
                bail!("no report written");
            }
            if batch.analyses.is_empty() {
                bail!("no file could be analysed");
            }
            let table = chroma_table::table_of_options(&batch.analyses, &options)?;
            let failures: Vec<FailedFile> = batch
                .failures
                .iter()
                .map(|(p, e)| FailedFile {
                    file: p.display().to_string(),
                    // The file has its own column: the cause without it.
                    cause: {
                        let line = pipeline::file_error(p, e);
                        let prefix = format!("{}: ", p.display());
                        line.strip_prefix(&prefix)
                            .map_or(line.clone(), str::to_string)
                    },
                })
                .chain(unreadable.iter().map(|u| FailedFile {
                    file: u.path.display().to_string(),
                    cause: u.cause.clone(),
                }))
                .collect();
            let n = files.len() + unreadable.len();
            (table, failures, format!("{n} audio file(s)"), None)
        }
    };

    let params = |k| {
        KMeans::params(k)
            .n_init(args.n_init)
            .seed(args.seed)
            .standardize(args.standardize)
    };
    let (columns, clustering) = if by_sound {
        let clustering = report::cluster_by_sound(&table, k, params)?;
        let columns =
            chroma_table::schema::columns_for(&table, chroma_table::schema::FeatureSet::Sound)?
                .into_iter()
                .map(|(c, _)| c)
                .collect::<Vec<_>>();
        (columns, clustering)
    } else {
        let columns = super::cluster::notes_columns(&table, args.columns.as_deref())?;
        let clustering = report::cluster_table(&table, &columns, k, params)?;
        (columns, clustering)
    };
    let spec = ReportSpec {
        title: args.title.clone(),
        generator: format!("chromacluster {}", env!("CARGO_PKG_VERSION")),
        source,
        note_profile: (!from_table).then(|| {
            format!(
                "{} ({} chroma)",
                match args.extract.profile {
                    crate::args::ProfileArg::Dominant => "dominant note shares",
                    crate::args::ProfileArg::Mean => "mean chroma",
                },
                options.mode
            )
        }),
        by_sound,
        k: args.k,
        n_init: args.n_init,
        seed: args.seed,
        standardize: args.standardize,
        options: &options,
        embed_clips: args.embed_clips,
        table_dir: table_dir.as_deref(),
    };
    let assembled =
        report::assemble_report(&table, &columns, &clustering, failures, &spec, &args.output)?;
    if let (Some(seconds), false) = (args.embed_clips, global.quiet) {
        if assembled.clips_over_budget > 0 {
            eprintln!(
                "note: embedded clips of the first {} file(s) only ({} MiB of clips at most); the other {} stay linked",
                report::clips_within_budget(seconds),
                report::CLIP_BUDGET_BYTES >> 20,
                assembled.clips_over_budget
            );
        }
    }
    let data = assembled.data;
    let bytes = report::write_report(&data, &args.output)?;
    if !global.quiet {
        crate::stdout::outln!(
            "report: {} file(s) in {} cluster(s){} -> {} ({} KiB)",
            data.files.name.len(),
            data.k,
            if data.failures.is_empty() {
                String::new()
            } else {
                format!(", {} failed", data.failures.len())
            },
            args.output.display(),
            bytes.div_ceil(1024)
        );
    }
    Ok(if data.failures.is_empty() {
        Outcome::AllGood
    } else {
        Outcome::SomeFailed
    })
}

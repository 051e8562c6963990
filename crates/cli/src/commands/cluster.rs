//! `chromacluster cluster PATH...|TABLE -k K|auto`: k-means on note profiles or a saved table.

use crate::stdout::outln;
use anyhow::Context;
use kmeans::{Init, KMeans, KMeansFit};
use polars::prelude::DataFrame;

use std::path::PathBuf;

use crate::args::{ByArg, ClusterArgs, GlobalArgs, InitArg, KChoice};
use crate::checks::{self, OutputKind};
use crate::{pipeline, Outcome};

/// The columns `--by notes` clusters: `--columns`, or every feature column but the sound
/// description's.
pub fn notes_columns(
    table: &DataFrame,
    explicit: Option<&[String]>,
) -> anyhow::Result<Vec<String>> {
    if explicit.is_some() {
        return pipeline::feature_columns(table, explicit);
    }
    pipeline::feature_columns(table, None)?;
    Ok(
        chroma_table::schema::columns_for(table, chroma_table::schema::FeatureSet::Notes)?
            .into_iter()
            .map(|(c, _)| c)
            .collect(),
    )
}

/// The k-means parameters of the flags, for k clusters.
pub fn params_of(args: &ClusterArgs) -> impl Fn(usize) -> kmeans::KMeansParams + '_ {
    let init = match args.init {
        InitArg::KMeansPlusPlus => Init::KMeansPlusPlus,
        InitArg::First => Init::First,
        InitArg::Random => Init::Random,
    };
    move |k| {
        KMeans::params(k)
            .init(init.clone())
            .n_init(args.n_init)
            .max_iter(args.max_iter)
            .seed(args.seed)
            .standardize(args.standardize)
    }
}

/// Prints the fit's cluster sizes (and members when there are few rows), `files` naming its
/// rows.
pub fn print_summary(files: &[String], fit: &KMeansFit) {
    for (c, size) in fit.cluster_sizes().iter().enumerate() {
        let members: Vec<&str> = files
            .iter()
            .zip(&fit.labels)
            .filter(|(_, &l)| l == c)
            .map(|(f, _)| f.as_str())
            .collect();
        if files.len() <= 40 {
            outln!("cluster {c}: {size} file(s): {}", members.join(", "));
        } else {
            outln!("cluster {c}: {size} file(s)");
        }
    }
}

/// Parquet tables of more rows than this are clustered by mini-batch k-means, streamed.
pub const MINI_BATCH_ROWS: u64 = 1_000_000;

/// Rows per chunk when a table in memory is clustered by mini-batch k-means.
const MEMORY_CHUNK_ROWS: usize = 1 << 16;

/// The Parquet table to stream, when mini-batch k-means is asked for or the table is large.
fn streamed_table(args: &ClusterArgs) -> anyhow::Result<Option<chroma_table::TableChunks>> {
    let [path] = args.paths.as_slice() else {
        return Ok(None);
    };
    if !chroma_table::TableChunks::is_parquet(path) {
        return Ok(None);
    }
    let table = chroma_table::TableChunks::open(path)?;
    Ok((args.mini_batch || table.n_rows() > MINI_BATCH_ROWS).then_some(table))
}

/// The names of a chunk's rows: its `file` column, or row numbers in the whole table.
fn chunk_row_names(frame: &DataFrame, first_row: u64) -> Vec<String> {
    if frame.column(chroma_table::schema::FILE_COLUMN).is_ok() {
        chroma_table::schema::row_names(frame)
    } else {
        (0..frame.height() as u64)
            .map(|i| format!("row {}", first_row + i))
            .collect()
    }
}

/// Mini-batch k-means over the chunks `open` gives for each pass (`kmeans::FrameChunks`),
/// with the labels streamed to `-o` and the model to `--save-model`.
fn run_mini_batch<F, I>(args: &ClusterArgs, columns: Vec<String>, open: F) -> anyhow::Result<()>
where
    F: FnMut(kmeans::Pass) -> anyhow::Result<I>,
    I: Iterator<Item = anyhow::Result<DataFrame>>,
{
    let k = match args.k {
        KChoice::Fixed(k) => k,
        KChoice::Auto => {
            return Err(crate::UsageError(
                "-k auto compares fits of the whole table in memory, which mini-batch k-means \
                 (--mini-batch, or a Parquet table of more than 1,000,000 rows) does not hold; \
                 choose k"
                    .into(),
            )
            .into())
        }
    };
    if args.init != InitArg::KMeansPlusPlus {
        return Err(crate::UsageError(
            "mini-batch k-means starts with k-means++ on a sample; --init is for full k-means"
                .into(),
        )
        .into());
    }
    let params = KMeans::minibatch(k)
        .batch_size(args.batch_size)
        .max_epochs(args.max_epochs)
        .seed(args.seed)
        .standardize(args.standardize);
    let mut source = kmeans::FrameChunks::new(columns.clone(), open);
    let mut writer = args
        .output
        .as_deref()
        .map(chroma_table::TableFileWriter::for_frames)
        .transpose()?;
    let fit = params.fit_chunks(&mut source, |chunk, labels, distances| {
        if let Some(w) = writer.as_mut() {
            let files = chunk_row_names(&chunk.frame, chunk.first_row);
            w.write_frame(&report::labels_table(&files, labels, distances)?)?;
        }
        Ok(())
    })?;
    outln!(
        "{} row(s), {} column(s), k = {}: inertia {:.6}, mini-batch k-means, {} epoch(s){}",
        fit.n_rows,
        columns.len(),
        k,
        fit.inertia(),
        fit.epochs,
        if fit.converged {
            ""
        } else {
            " (not converged)"
        }
    );
    for (c, size) in fit.cluster_sizes.iter().enumerate() {
        outln!("cluster {c}: {size} file(s)");
    }
    let empty: Vec<String> = (0..k)
        .filter(|&c| fit.cluster_sizes[c] == 0)
        .map(|c| c.to_string())
        .collect();
    if !empty.is_empty() {
        tracing::warn!(
            "k = {k} but cluster(s) {} received no row",
            empty.join(", ")
        );
    }
    if let Some(path) = &args.save_model {
        durable_output::write_atomic::<anyhow::Error>(path, |w| {
            w.write_all(fit.model.to_json().as_bytes())?;
            Ok(())
        })
        .with_context(|| format!("cannot save the model to {}", path.display()))?;
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    Ok(())
}

/// Runs `cluster`.
pub fn run(global: &GlobalArgs, args: ClusterArgs) -> anyhow::Result<Outcome> {
    let k = args.k;
    // Every output is checked before any work.
    let mut outputs: Vec<(&str, &std::path::Path)> = Vec::new();
    if let Some(path) = &args.output {
        checks::check_output("-o", path, OutputKind::Table)?;
        outputs.push(("-o", path));
    }
    if let Some(path) = &args.save_model {
        checks::check_output("--save-model", path, OutputKind::Model)?;
        outputs.push(("--save-model", path));
    }
    let named: Vec<&std::path::Path> = args.paths.iter().map(PathBuf::as_path).collect();
    checks::check_distinct(&outputs, &named)?;
    let by_sound = args.by == ByArg::Sound;
    if by_sound && (args.standardize || args.columns.is_some() || args.mini_batch) {
        return Err(crate::UsageError(
            "--by sound clusters the sound description in its own scaled space, in memory: \
             --standardize, --columns and --mini-batch do not apply"
                .into(),
        )
        .into());
    }
    let extract = super::similar::extract_for(&args.extract, args.by);
    if let Some(table) = streamed_table(&args)?.filter(|_| !by_sound) {
        let head = table.head()?;
        let columns = notes_columns(&head, args.columns.as_deref())?;
        drop(head);
        let mut with_file = columns.clone();
        if table
            .columns()
            .iter()
            .any(|c| c == chroma_table::schema::FILE_COLUMN)
        {
            with_file.push(chroma_table::schema::FILE_COLUMN.to_string());
        }
        run_mini_batch(&args, columns.clone(), |pass| {
            let wanted = if pass == kmeans::Pass::Labels {
                &with_file
            } else {
                &columns
            };
            Ok(table
                .chunks(Some(wanted))
                .map(|c| c.map_err(anyhow::Error::from)))
        })?;
        return Ok(Outcome::AllGood);
    }
    // Extracting from audio journals its rows beside the first output, to survive a kill.
    let journal_beside = outputs.first().map(|(_, p)| *p);
    let loaded = pipeline::load_table_resumable(
        global,
        &args.paths,
        &extract,
        &outputs,
        journal_beside,
        args.checkpoint_every as usize,
    )?;
    let columns = if by_sound {
        chroma_table::schema::columns_for(&loaded.table, chroma_table::schema::FeatureSet::Sound)?
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    } else {
        notes_columns(&loaded.table, args.columns.as_deref())?
    };
    if args.mini_batch {
        let table = &loaded.table;
        run_mini_batch(&args, columns, |_pass| {
            Ok((0..table.height())
                .step_by(MEMORY_CHUNK_ROWS)
                .map(|start| Ok(table.slice(start as i64, MEMORY_CHUNK_ROWS))))
        })?;
        let some_failed = loaded.some_failed;
        loaded.done()?;
        return Ok(if some_failed {
            Outcome::SomeFailed
        } else {
            Outcome::AllGood
        });
    }
    let files = chroma_table::schema::row_names(&loaded.table);
    let clustering = if by_sound {
        report::cluster_by_sound(&loaded.table, k, params_of(&args))?
    } else {
        report::cluster_table(&loaded.table, &columns, k, params_of(&args))?
    };
    let fit = &clustering.fit;
    if let (Some(chosen), Some(ks)) = (
        clustering.auto_k,
        KMeans::auto_k_range(clustering.data.n_rows()),
    ) {
        outln!(
            "k = {chosen} (best mean silhouette in {}..={})",
            ks.start(),
            ks.end()
        );
    }
    outln!(
        "{} file(s), {} column(s), k = {}: inertia {:.6}, {} iteration(s){}",
        files.len(),
        columns.len(),
        fit.model.k(),
        fit.inertia(),
        fit.iterations,
        if fit.converged {
            ""
        } else {
            " (not converged)"
        }
    );
    print_summary(&files, fit);
    if let Some(path) = &args.save_model {
        durable_output::write_atomic::<anyhow::Error>(path, |w| {
            w.write_all(fit.model.to_json().as_bytes())?;
            Ok(())
        })
        .with_context(|| format!("cannot save the model to {}", path.display()))?;
    }
    if let Some(path) = &args.output {
        let mut out = report::labels_table(&files, &fit.labels, &fit.distances)?;
        chroma_table::write_table(&mut out, path)?;
    }
    let some_failed = loaded.some_failed;
    loaded.done()?;
    Ok(if some_failed {
        Outcome::SomeFailed
    } else {
        Outcome::AllGood
    })
}

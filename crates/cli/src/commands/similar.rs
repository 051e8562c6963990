//! `chromacluster similar PATH...|TABLE [--to FILE]... [-n N] [-o FILE] [--by sound|notes]`:
//! each query file's nearest files, as `file, rank, neighbour, distance`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chroma_table::schema::FeatureSet;
use kmeans::{Neighbour, SimilarRows};

use crate::args::{ByArg, GlobalArgs, SimilarArgs};
use crate::checks::{self, OutputKind};
use crate::{pipeline, Outcome};

/// The library's feature set for a `--by` value.
pub fn feature_set(by: ByArg) -> FeatureSet {
    match by {
        ByArg::Notes => FeatureSet::Notes,
        ByArg::Sound => FeatureSet::Sound,
    }
}

/// The extraction flags with the sound description added when `--by sound` needs it.
pub fn extract_for(extract: &crate::args::ExtractArgs, by: ByArg) -> crate::args::ExtractArgs {
    let mut extract = extract.clone();
    extract.sound |= by == ByArg::Sound;
    extract
}

/// The row of `files` that is `path`: the same label, else the same file on disk.
fn row_of(files: &[String], path: &Path) -> Option<usize> {
    let label = chroma::file_label(path);
    if let Some(i) = files.iter().position(|f| *f == label) {
        return Some(i);
    }
    let wanted = std::fs::canonicalize(path).ok()?;
    files
        .iter()
        .position(|f| std::fs::canonicalize(chroma::path_of_label(f)).is_ok_and(|p| p == wanted))
}

/// Runs `similar`.
pub fn run(global: &GlobalArgs, args: SimilarArgs) -> anyhow::Result<Outcome> {
    let mut outputs: Vec<(&str, &Path)> = Vec::new();
    if let Some(path) = &args.output {
        checks::check_output("-o", path, OutputKind::Table)?;
        outputs.push(("-o", path));
    }
    let mut inputs: Vec<&Path> = args.paths.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.to.iter().map(PathBuf::as_path));
    checks::check_distinct(&outputs, &inputs)?;
    let extract = extract_for(&args.extract, args.by);
    let loaded = pipeline::load_table(global, &args.paths, &extract, &outputs)?;
    let space = report::fit_space(&loaded.table, feature_set(args.by))?;
    let files = chroma_table::schema::row_names(&loaded.table);
    let similar = SimilarRows::new(&loaded.table, files, space)?;
    let queries: Vec<(String, Vec<Neighbour>)> = if args.to.is_empty() {
        similar.every_row(args.n)
    } else {
        let options = pipeline::table_options(&extract);
        let mut seeds = Vec::with_capacity(args.to.len());
        let mut own_rows = Vec::new();
        for path in &args.to {
            match row_of(similar.names(), path) {
                Some(i) => {
                    own_rows.push(i);
                    seeds.push(similar.point(i).to_vec());
                }
                None => {
                    // A file outside the table: analysed now, placed in the table's space.
                    let analysis = chroma::analyze_file(path, &options)?;
                    let row = chroma_table::table_of_options(&[analysis], &options)?;
                    let placed = similar.space().transform(&row).with_context(|| {
                        format!(
                            "{}: cannot be compared with the table's rows",
                            path.display()
                        )
                    })?;
                    seeds.push(placed.row(0).to_vec());
                }
            }
        }
        let name = args
            .to
            .iter()
            .map(|p| chroma::file_label(p))
            .collect::<Vec<_>>()
            .join(" + ");
        vec![(name, similar.nearest_to_all(&seeds, args.n, &own_rows)?)]
    };
    let mut out = similar.frame(chroma_table::schema::FILE_COLUMN, &queries)?;
    pipeline::emit_table(&mut out, args.output.as_deref())?;
    Ok(if loaded.some_failed {
        Outcome::SomeFailed
    } else {
        Outcome::AllGood
    })
}

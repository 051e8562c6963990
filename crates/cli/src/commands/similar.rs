//! `chromacluster similar PATH...|TABLE [--to FILE]... [-n N] [-o FILE] [--by sound|notes]`:
//! each query file's nearest files, as `file, rank, neighbour, distance`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chroma::schema::FeatureSet;
use kmeans::{Neighbour, NeighbourIndex, RowMatrix, SimilaritySpace};
use polars::prelude::{Column, DataFrame};

use crate::args::{ByArg, GlobalArgs, SimilarArgs};
use crate::checks::{self, OutputKind};
use crate::{pipeline, Outcome};

/// The space files are compared in: the columns of a feature set, and for the sound
/// description the fitted similarity space (none: the columns as they are).
pub struct FeatureSpace {
    /// The table's columns used, in order.
    pub columns: Vec<String>,
    /// The fitted similarity space (`--by sound`).
    pub space: Option<SimilaritySpace>,
}

impl FeatureSpace {
    /// Fits the space of `set` on the rows of `table`.
    pub fn fit(table: &DataFrame, set: FeatureSet) -> anyhow::Result<Self> {
        let columns = chroma::schema::columns_for(table, set)?;
        let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
        let data = RowMatrix::from_dataframe(table, Some(&names))?;
        let space = match set {
            FeatureSet::Notes => None,
            FeatureSet::Sound => {
                let groups: Vec<&str> = columns.iter().map(|(_, g)| *g).collect();
                Some(SimilaritySpace::fit(
                    &data,
                    &groups,
                    chroma::sound::SOUND_AXES,
                )?)
            }
        };
        Ok(FeatureSpace {
            columns: columns.into_iter().map(|(c, _)| c).collect(),
            space,
        })
    }

    /// The rows of `table` in this space.
    pub fn transform(&self, table: &DataFrame) -> anyhow::Result<RowMatrix> {
        let names: Vec<&str> = self.columns.iter().map(String::as_str).collect();
        let data = RowMatrix::from_dataframe(table, Some(&names))?;
        Ok(match &self.space {
            Some(space) => space.transform(&data)?,
            None => data,
        })
    }
}

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

/// The `file, rank, neighbour, distance` table.
pub fn neighbours_table(
    queries: &[(String, Vec<Neighbour>)],
    files: &[String],
) -> anyhow::Result<DataFrame> {
    let (mut file, mut rank, mut neighbour, mut distance) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (query, found) in queries {
        for (r, nb) in found.iter().enumerate() {
            file.push(query.clone());
            rank.push(r as u32 + 1);
            neighbour.push(files[nb.row].clone());
            distance.push(nb.distance);
        }
    }
    Ok(DataFrame::new(
        file.len(),
        vec![
            Column::new(chroma::schema::FILE_COLUMN.into(), file),
            Column::new("rank".into(), rank),
            Column::new("neighbour".into(), neighbour),
            Column::new("distance".into(), distance),
        ],
    )?)
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
    let set = feature_set(args.by);
    let space = FeatureSpace::fit(&loaded.table, set)?;
    let y = space.transform(&loaded.table)?;
    let index = NeighbourIndex::new(&y);
    let files = pipeline::row_names(&loaded.table);
    let queries: Vec<(String, Vec<Neighbour>)> = if args.to.is_empty() {
        files
            .iter()
            .cloned()
            .zip(index.all_nearest(args.n))
            .collect()
    } else {
        let options = pipeline::table_options(&extract);
        let mut seeds = Vec::with_capacity(args.to.len());
        let mut own_rows = Vec::new();
        for path in &args.to {
            match row_of(&files, path) {
                Some(i) => {
                    own_rows.push(i);
                    seeds.push(y.row(i).to_vec());
                }
                None => {
                    // A file outside the table: analysed now, placed in the table's space.
                    let analysis = chroma::analyze_file(path, &options)?;
                    let row = chroma::table_of_options(&[analysis], &options)?;
                    let placed = space.transform(&row).with_context(|| {
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
        vec![(name, index.nearest_to_all(&seeds, args.n, &own_rows)?)]
    };
    let mut out = neighbours_table(&queries, &files)?;
    pipeline::emit_table(&mut out, args.output.as_deref())?;
    Ok(if loaded.some_failed {
        Outcome::SomeFailed
    } else {
        Outcome::AllGood
    })
}

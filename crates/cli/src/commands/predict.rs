//! `chromacluster predict --model m.json PATH...`: assign new files to a saved model's clusters.

use crate::stdout::outp;
use kmeans::{KMeansModel, RowMatrix};

use crate::args::{GlobalArgs, PredictArgs};
use crate::{pipeline, Outcome};

/// Runs `predict`.
pub fn run(global: &GlobalArgs, args: PredictArgs) -> anyhow::Result<Outcome> {
    let model = KMeansModel::load(&args.model)?;
    let loaded = pipeline::load_table(global, &args.paths, &args.extract)?;
    let names: Vec<&str> = model.columns.iter().map(String::as_str).collect();
    let data = RowMatrix::from_dataframe(&loaded.table, Some(&names))?;
    let (labels, distances) = model.predict_with_distances(&data)?;
    let files = pipeline::row_names(&loaded.table);
    let mut out = super::cluster::labels_table(&files, &labels, &distances)?;
    match &args.output {
        Some(path) => chroma::write_table(&mut out, path)?,
        None => outp!("{}", crate::output::table_text(&out)),
    }
    Ok(if loaded.some_failed {
        Outcome::SomeFailed
    } else {
        Outcome::AllGood
    })
}

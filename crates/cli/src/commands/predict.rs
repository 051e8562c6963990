//! `chromacluster predict --model m.json PATH...`: assign new files to a saved model's clusters.

use kmeans::{KMeansModel, RowMatrix};

use crate::args::{GlobalArgs, PredictArgs};
use crate::checks::{self, OutputKind};
use crate::{pipeline, Outcome};

/// Runs `predict`.
pub fn run(global: &GlobalArgs, args: PredictArgs) -> anyhow::Result<Outcome> {
    if let Some(path) = &args.output {
        checks::check_output("-o", path, OutputKind::Table)?;
        let mut inputs: Vec<&std::path::Path> = args.paths.iter().map(|p| p.as_path()).collect();
        inputs.push(&args.model);
        checks::check_distinct(&[("-o", path)], &inputs)?;
    }
    let model = KMeansModel::load(&args.model)?;
    // A model of `cluster --by sound` places files by their sound description.
    let mut extract = args.extract.clone();
    extract.sound |= model.space().is_some();
    let loaded = pipeline::load_table(
        global,
        &args.paths,
        &extract,
        &checks::outputs(&[("-o", args.output.as_deref())]),
    )?;
    let names: Vec<&str> = model.columns().iter().map(String::as_str).collect();
    let data = RowMatrix::from_dataframe(&loaded.table, Some(&names))?;
    let (labels, distances) = model.predict_with_distances(&data)?;
    let files = chroma_table::schema::row_names(&loaded.table);
    let mut out = report::labels_table(&files, &labels, &distances)?;
    pipeline::emit_table(&mut out, args.output.as_deref())?;
    Ok(if loaded.some_failed {
        Outcome::SomeFailed
    } else {
        Outcome::AllGood
    })
}

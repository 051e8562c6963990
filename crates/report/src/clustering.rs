//! A table's files grouped by k-means: on chosen columns (note profiles, any numeric
//! columns) or by how they sound (in the similarity space fitted on the sound description).

use std::fmt;
use std::str::FromStr;

use chroma_table::schema::{FeatureSet, FILE_COLUMN};
use kmeans::{KMeans, KMeansFit, KMeansParams, RowMatrix, TableSpace};
use polars::prelude::{Column, DataFrame};

use crate::ReportError;

/// How many clusters: a fixed k, or the best mean silhouette in [`KMeans::auto_k_range`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KChoice {
    /// A fixed k.
    Fixed(usize),
    /// Best silhouette in the `auto` range (clipped to the number of rows).
    Auto,
}

impl fmt::Display for KChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KChoice::Fixed(k) => write!(f, "{k}"),
            KChoice::Auto => f.write_str("auto"),
        }
    }
}

impl FromStr for KChoice {
    type Err = String;

    /// A positive whole number or `auto` (any case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("auto") {
            return Ok(KChoice::Auto);
        }
        match text.parse::<usize>() {
            Ok(k) if k >= 1 => Ok(KChoice::Fixed(k)),
            _ => Err("expected a positive whole number or `auto`".to_string()),
        }
    }
}

/// A clustering of a table's rows.
pub struct Clustering {
    /// The fit.
    pub fit: KMeansFit,
    /// The chosen k with [`KChoice::Auto`].
    pub auto_k: Option<usize>,
    /// Every k's inertia and silhouette with [`KChoice::Auto`].
    pub selection: Option<kmeans::KSelection>,
    /// The rows that were clustered.
    pub data: RowMatrix,
}

impl Clustering {
    /// The clustered rows projected to 2-D by PCA in the space k-means worked in (z-scores
    /// when the model standardises), for cluster maps.
    pub fn projection(&self) -> Result<kmeans::Projection2d, ReportError> {
        let space = match self.fit.model.scaling() {
            Some(scaling) => self.data.scaled(scaling)?,
            None => self.data.clone(),
        };
        Ok(kmeans::pca_2d(&space)?)
    }
}

/// The space of `set`'s columns fitted on the rows of `table` (for sound, the similarity
/// space; for notes, the columns as they are).
pub fn fit_space(table: &DataFrame, set: FeatureSet) -> Result<TableSpace, ReportError> {
    let columns = chroma_table::schema::columns_for(table, set)?;
    Ok(TableSpace::fit(table, &columns, set.similarity_axes())?)
}

/// Clusters the rows of `table` on `columns`; `params` gives the k-means settings for a k.
pub fn cluster_table(
    table: &DataFrame,
    columns: &[String],
    k: KChoice,
    params: impl Fn(usize) -> KMeansParams,
) -> Result<Clustering, ReportError> {
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let data = RowMatrix::from_dataframe(table, Some(&names))?;
    cluster_rows(data, k, params)
}

/// Clusters the rows of `table` by how they sound: in the similarity space fitted on its sound
/// columns ([`fit_space`]), which the model keeps (its `predict` applies it).
pub fn cluster_by_sound(
    table: &DataFrame,
    k: KChoice,
    params: impl Fn(usize) -> KMeansParams,
) -> Result<Clustering, ReportError> {
    let space = fit_space(table, FeatureSet::Sound)?;
    let y = space.transform(table)?;
    let mut clustering = cluster_rows(y, k, params)?;
    if let Some(s) = space.into_space() {
        clustering.fit.model = clustering.fit.model.with_space(s)?;
    }
    Ok(clustering)
}

/// Clusters the rows of `data`.
pub fn cluster_rows(
    data: RowMatrix,
    k: KChoice,
    params: impl Fn(usize) -> KMeansParams,
) -> Result<Clustering, ReportError> {
    let (fit, auto_k, selection) = match k {
        KChoice::Fixed(k) => (params(k).fit(&data)?, None, None),
        KChoice::Auto => {
            let Some(ks) = KMeans::auto_k_range(data.n_rows()) else {
                return Err(ReportError::TooFewRowsForAutoK {
                    rows: data.n_rows(),
                });
            };
            let auto = KMeans::fit_auto(&data, ks, params)?;
            (auto.fit, Some(auto.chosen_k), Some(auto.selection))
        }
    };
    warn_empty_clusters(&fit, &data);
    Ok(Clustering {
        fit,
        auto_k,
        selection,
        data,
    })
}

/// Warns when some clusters received no row (k larger than the number of distinct rows).
fn warn_empty_clusters(fit: &KMeansFit, data: &RowMatrix) {
    let sizes = fit.cluster_sizes();
    let empty: Vec<String> = sizes
        .iter()
        .enumerate()
        .filter(|(_, &n)| n == 0)
        .map(|(c, _)| c.to_string())
        .collect();
    if !empty.is_empty() {
        tracing::warn!(
            "k = {} but cluster(s) {} received no file: the table has only {} distinct row(s)",
            fit.model.k(),
            empty.join(", "),
            data.n_distinct_rows()
        );
    }
}

/// The `file, cluster, distance` table of a fit whose rows `files` names.
pub fn labels_table(
    files: &[String],
    labels: &[usize],
    distances: &[f64],
) -> Result<DataFrame, ReportError> {
    Ok(DataFrame::new(
        files.len(),
        vec![
            Column::new(FILE_COLUMN.into(), files.to_vec()),
            Column::new(
                "cluster".into(),
                labels.iter().map(|&l| l as u32).collect::<Vec<u32>>(),
            ),
            Column::new("distance".into(), distances.to_vec()),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_choice_reads_numbers_and_auto_and_nothing_else() {
        assert_eq!("4".parse::<KChoice>(), Ok(KChoice::Fixed(4)));
        assert_eq!("AUTO".parse::<KChoice>(), Ok(KChoice::Auto));
        assert!("0".parse::<KChoice>().is_err());
        assert!("-1".parse::<KChoice>().is_err());
        assert!("two".parse::<KChoice>().is_err());
        assert_eq!(KChoice::Fixed(7).to_string(), "7");
    }

    #[test]
    fn auto_k_on_two_rows_is_an_error_naming_the_rows() {
        let data = RowMatrix::from_row_major(&[0.0, 1.0], 1).unwrap();
        let err = cluster_rows(data, KChoice::Auto, KMeans::params)
            .err()
            .expect("two rows cannot be compared");
        assert!(err.to_string().contains("the table has 2"), "{err}");
    }
}

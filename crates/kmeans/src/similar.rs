//! "Which rows are like this one?" on a table: the columns compared and the space they are
//! compared in ([`TableSpace`]), the index over a table's rows ([`SimilarRows`]) and the answer as
//! a table of `name, rank, neighbour, distance` rows ([`neighbours_frame`]).

use polars::prelude::{Column, DataFrame};

use crate::{KMeansError, Neighbour, NeighbourIndex, RowMatrix, SimilaritySpace};

/// The columns of a table that are compared, and the space they are compared in: as they are,
/// or a fitted [`SimilaritySpace`] (weighted z-scores on principal axes).
///
/// ```
/// use kmeans::{RowMatrix, TableSpace};
/// use polars::prelude::{df, DataFrame};
///
/// let table: DataFrame = df!("a" => [0.0, 1.0, 9.0], "b" => [1.0, 1.5, 2.0])?;
/// let columns = [("a".to_string(), "g1"), ("b".to_string(), "g2")];
/// let space = TableSpace::fit(&table, &columns, Some(2))?;
/// assert_eq!(space.transform(&table)?.n_cols(), 2);
/// let raw = TableSpace::fit(&table, &columns, None)?;
/// assert!(raw.space().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TableSpace {
    columns: Vec<String>,
    space: Option<SimilaritySpace>,
}

impl TableSpace {
    /// The space of `columns` (each with the name of its group) fitted on the rows of `table`:
    /// with `axes`, a [`SimilaritySpace`] of that many principal axes; without, the columns as
    /// they are (groups unused).
    ///
    /// Errors: a column missing or not numeric, or a space that cannot be fitted.
    pub fn fit(
        table: &DataFrame,
        columns: &[(String, &str)],
        axes: Option<usize>,
    ) -> Result<Self, KMeansError> {
        let names: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
        let space = match axes {
            None => None,
            Some(axes) => {
                let data = RowMatrix::from_dataframe(table, Some(&names))?;
                let groups: Vec<&str> = columns.iter().map(|(_, g)| *g).collect();
                Some(SimilaritySpace::fit(&data, &groups, axes)?)
            }
        };
        Ok(TableSpace {
            columns: columns.iter().map(|(c, _)| c.clone()).collect(),
            space,
        })
    }

    /// The table's columns compared, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The fitted space, if the columns are not compared as they are.
    pub fn space(&self) -> Option<&SimilaritySpace> {
        self.space.as_ref()
    }

    /// The fitted space, taken out (e.g. for a model to keep).
    pub fn into_space(self) -> Option<SimilaritySpace> {
        self.space
    }

    /// The rows of `table` in this space.
    ///
    /// Errors: a column missing or not numeric.
    pub fn transform(&self, table: &DataFrame) -> Result<RowMatrix, KMeansError> {
        let names: Vec<&str> = self.columns.iter().map(String::as_str).collect();
        let data = RowMatrix::from_dataframe(table, Some(&names))?;
        match &self.space {
            Some(space) => space.transform(&data),
            None => Ok(data),
        }
    }
}

/// A table's rows, named, in a [`TableSpace`], indexed for exact nearest-neighbour search.
#[derive(Debug, Clone)]
pub struct SimilarRows {
    space: TableSpace,
    rows: RowMatrix,
    index: NeighbourIndex,
    names: Vec<String>,
}

impl SimilarRows {
    /// The rows of `table` (named by `names`, one per row) in `space`.
    ///
    /// Errors: a column missing or not numeric; [`KMeansError::Ragged`] if `names` does not
    /// have one name per row.
    pub fn new(
        table: &DataFrame,
        names: Vec<String>,
        space: TableSpace,
    ) -> Result<Self, KMeansError> {
        let rows = space.transform(table)?;
        if names.len() != rows.n_rows() {
            return Err(KMeansError::Ragged {
                values: names.len(),
                n_cols: rows.n_rows(),
            });
        }
        let index = NeighbourIndex::new(&rows);
        Ok(SimilarRows {
            space,
            rows,
            index,
            names,
        })
    }

    /// The space the rows are compared in.
    pub fn space(&self) -> &TableSpace {
        &self.space
    }

    /// The rows' names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The first row named `name`.
    pub fn row_named(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Row `i` in the space.
    pub fn point(&self, i: usize) -> &[f64] {
        self.rows.row(i)
    }

    /// Every row's `n` nearest other rows, as `(name, neighbours)` in row order (all cores).
    pub fn every_row(&self, n: usize) -> Vec<(String, Vec<Neighbour>)> {
        self.names
            .iter()
            .cloned()
            .zip(self.index.all_nearest(n))
            .collect()
    }

    /// The `n` rows nearest to all of `seeds` (points of the space, e.g. [`point`](Self::point)
    /// or a new table's rows through [`TableSpace::transform`]): under Euclidean distance the
    /// rows with the least sum of squared distances to the seeds, leaving out `exclude` (the
    /// seeds' own rows).
    ///
    /// Errors: no seeds, or a seed of another length.
    pub fn nearest_to_all(
        &self,
        seeds: &[Vec<f64>],
        n: usize,
        exclude: &[usize],
    ) -> Result<Vec<Neighbour>, KMeansError> {
        self.index.nearest_to_all(seeds, n, exclude)
    }

    /// `queries` as a table (see [`neighbours_frame`]).
    pub fn frame(
        &self,
        name_column: &str,
        queries: &[(String, Vec<Neighbour>)],
    ) -> Result<DataFrame, KMeansError> {
        neighbours_frame(name_column, queries, &self.names)
    }
}

/// Queries and their neighbours as a table: `name_column` (the query), `rank` (1 = nearest,
/// `u32`), `neighbour` (the neighbour's name from `names`), `distance` (Euclidean, `f64`);
/// one row per neighbour, in the queries' order.
///
/// Errors: a polars error building the table.
pub fn neighbours_frame(
    name_column: &str,
    queries: &[(String, Vec<Neighbour>)],
    names: &[String],
) -> Result<DataFrame, KMeansError> {
    let rows: usize = queries.iter().map(|(_, found)| found.len()).sum();
    let mut query = Vec::with_capacity(rows);
    let mut rank = Vec::with_capacity(rows);
    let mut neighbour = Vec::with_capacity(rows);
    let mut distance = Vec::with_capacity(rows);
    for (name, found) in queries {
        for (r, nb) in found.iter().enumerate() {
            query.push(name.as_str());
            rank.push(r as u32 + 1);
            neighbour.push(names[nb.row].as_str());
            distance.push(nb.distance);
        }
    }
    Ok(DataFrame::new(
        rows,
        vec![
            Column::new(name_column.into(), query),
            Column::new("rank".into(), rank),
            Column::new("neighbour".into(), neighbour),
            Column::new("distance".into(), distance),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::df;

    #[test]
    fn every_row_names_its_nearest_and_the_frame_has_one_row_per_neighbour() {
        let table = df!("x" => [0.0, 1.0, 10.0, 11.5], "y" => [0.0, 0.0, 0.0, 0.0]).unwrap();
        let columns = [("x".to_string(), "g"), ("y".to_string(), "g")];
        let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).into();
        let similar = SimilarRows::new(
            &table,
            names,
            TableSpace::fit(&table, &columns, None).unwrap(),
        )
        .unwrap();
        let all = similar.every_row(2);
        assert_eq!(all[0].0, "a");
        assert_eq!(all[0].1[0].row, 1);
        assert!((all[0].1[0].distance - 1.0).abs() < 1e-6);
        assert_eq!(all[3].1[0].row, 2);
        let frame = similar.frame("file", &all).unwrap();
        assert_eq!(frame.height(), 8);
        assert_eq!(
            frame.get_column_names(),
            ["file", "rank", "neighbour", "distance"]
        );
        let first = frame.column("neighbour").unwrap().str().unwrap().get(0);
        assert_eq!(first, Some("b"));
        // Seeds: the point between a and b is nearest to both, then c.
        let seeds = vec![similar.point(0).to_vec(), similar.point(1).to_vec()];
        let near = similar.nearest_to_all(&seeds, 1, &[0, 1]).unwrap();
        assert_eq!(near[0].row, 2);
        assert_eq!(similar.row_named("d"), Some(3));
        assert!(SimilarRows::new(&table, vec!["a".into()], similar.space().clone()).is_err());
    }
}

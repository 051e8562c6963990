//! The crate's error type.

use std::path::PathBuf;

/// Why a table could not be clustered or a report built or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The table lacks what was asked of it (columns, numbers), or could not be read.
    #[error(transparent)]
    Table(#[from] chroma_table::TableError),
    /// k-means, the similarity space or the projection failed.
    #[error(transparent)]
    KMeans(#[from] kmeans::KMeansError),
    /// A table operation failed.
    #[error(transparent)]
    Polars(#[from] polars::prelude::PolarsError),
    /// `k = auto` on fewer rows than it can compare.
    #[error("-k auto needs at least 3 rows to compare k = 2.. (the table has {rows})")]
    TooFewRowsForAutoK {
        /// Rows of the table.
        rows: usize,
    },
    /// The page's data could not be encoded.
    #[error("cannot encode the report's data: {0}")]
    Encode(#[from] serde_json::Error),
    /// The page's folder could not be resolved.
    #[error("cannot resolve {}: {source}", path.display())]
    Resolve {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The page could not be written (the error names the page).
    #[error("cannot write the report {0}")]
    Write(#[source] durable_output::OutputError),
}

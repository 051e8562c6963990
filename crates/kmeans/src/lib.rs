//! k-means clustering of the rows of a numeric table (named columns of a polars `DataFrame`, an
//! nalgebra matrix or a row-major slice), with k-means++, `n_init` restarts, standardisation,
//! silhouette-based choice of k, mini-batch k-means (also streamed over a table read chunk by
//! chunk, in bounded memory: [`MiniBatchParams::fit_chunks`]), JSON models, and a PCA
//! projection to draw the clusters, a fitted similarity space ([`SimilaritySpace`]: weighted
//! z-scores on principal axes) and exact nearest-neighbour search ([`NeighbourIndex`]).
//! Results are reproducible from a seed on any machine and thread count; the crate knows
//! nothing of audio.
//!
//! ```
//! use kmeans::{adjusted_rand_index, Init, KMeans, RowMatrix};
//!
//! // Two obvious groups of 2-D points.
//! let rows = [0.0, 0.0, 0.1, 0.0, 0.0, 0.1, 5.0, 5.0, 5.1, 5.0, 5.0, 5.1];
//! let data = RowMatrix::from_row_major(&rows, 2)?;
//! // Parameters are checked on their own, then the data against them.
//! let params = KMeans::params(2).n_init(4).init(Init::KMeansPlusPlus).seed(42).check()?;
//! let fit = params.fit(&data)?;
//! assert_eq!(adjusted_rand_index(&fit.labels, &[0, 0, 0, 1, 1, 1])?, 1.0);
//! let new = RowMatrix::from_row_major(&[4.9, 5.2], 2)?;
//! assert_eq!(fit.model.predict(&new)?, vec![fit.labels[3]]);
//! assert_eq!(fit.model.k(), 2);
//! # Ok::<(), kmeans::KMeansError>(())
//! ```

// Unsafe code only where a site allows it, each with its SAFETY reason: the AVX2 dispatch and
// the prefetch hint in `lloyd.rs`.
#![deny(unsafe_code)]

mod error;
mod init;
mod lloyd;
mod minibatch;
mod model;
mod neighbours;
mod params;
mod projection;
mod rand_index;
mod selection;
mod similar;
mod space;
mod stream;
mod table;
mod weighted;

pub use error::KMeansError;
pub use init::Init;
pub use minibatch::{EpochSummary, MiniBatchFit, MiniBatchKMeans, MiniBatchParams};
pub use model::{KMeansFit, KMeansModel, MAX_MODEL_BYTES};
pub use neighbours::{Neighbour, NeighbourIndex};
pub use params::{KMeans, KMeansParams, KMeansValidParams, MAX_N_INIT};
pub use projection::{group_means, pca_2d, Pca, Projection2d};
pub use rand_index::adjusted_rand_index;
pub use selection::{silhouette_score, AutoKFit, KScore, KSelection, AUTO_K};
pub use similar::{neighbours_frame, SimilarRows, TableSpace};
pub use space::{SimilaritySpace, CONSTANT_STD};
pub use stream::{ChunkSource, FrameChunk, FrameChunks, Pass, RowSample, ScalingStats};
pub use table::{RowMatrix, Scaling, MAX_ABS_VALUE};

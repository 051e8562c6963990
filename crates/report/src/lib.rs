//! A music collection's table grouped, and the groups shown: k-means on a note or sound table
//! ([`cluster_table`], [`cluster_by_sound`], `k` fixed or chosen by silhouette), and the
//! self-contained HTML report of the result ([`assemble_report`], [`write_report`]): a map of
//! the files, each cluster's mean profile, sortable file tables with players, the failures.
//!
//! This crate sits above `chroma-table` (the tables) and `kmeans` (the algorithm): it is
//! where the two meet, so that the `chromacluster` binary only parses, wires and prints.
//!
//! ```
//! use polars::prelude::*;
//! use report::{assemble_report, cluster_table, write_report, KChoice, ReportSpec};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Four files' shares of two notes: two files on A, two on E.
//! let table = df!(
//!     "file" => ["a1.wav", "a2.wav", "e1.wav", "e2.wav"],
//!     "A" => [0.9, 0.8, 0.1, 0.0],
//!     "E" => [0.1, 0.2, 0.9, 1.0],
//! )?;
//! let columns = vec!["A".to_string(), "E".to_string()];
//! let clustering = cluster_table(&table, &columns, KChoice::Fixed(2), |k| {
//!     kmeans::KMeans::params(k).seed(7)
//! })?;
//! let labels = &clustering.fit.labels;
//! assert_eq!(labels[0], labels[1]);
//! assert_ne!(labels[0], labels[2]);
//!
//! let options = chroma::TableOptions::default();
//! let spec = ReportSpec {
//!     title: Some("Two notes".into()),
//!     generator: "example".into(),
//!     source: "4 files".into(),
//!     note_profile: None,
//!     by_sound: false,
//!     k: KChoice::Fixed(2),
//!     n_init: 10,
//!     seed: 7,
//!     standardize: false,
//!     options: &options,
//!     embed_clips: None,
//!     table_dir: None,
//! };
//! let dir = tempfile::tempdir()?;
//! let page = dir.path().join("report.html");
//! let report = assemble_report(&table, &columns, &clustering, Vec::new(), &spec, &page)?;
//! assert_eq!(report.data.clusters.iter().map(|c| c.size).sum::<usize>(), 4);
//! let bytes = write_report(&report.data, &page)?;
//! assert_eq!(std::fs::metadata(&page)?.len() as usize, bytes);
//! assert!(std::fs::read_to_string(&page)?.contains("<title>Two notes</title>"));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

mod assemble;
mod clustering;
mod error;
pub mod page;

pub use assemble::{
    assemble_report, clips_within_budget, write_report, AssembledReport, ReportSpec,
    CLIP_BUDGET_BYTES, CLIP_MAX_RATE, REPORT_NEIGHBOURS, THUMBNAIL_COLUMNS, THUMBNAIL_MAX_FILES,
};
pub use clustering::{
    cluster_by_sound, cluster_rows, cluster_table, fit_space, labels_table, Clustering, KChoice,
};
pub use error::ReportError;

//! The per-frame feature matrix and its column names.

use std::ops::Range;

#[cfg(feature = "polars")]
use polars::prelude::{Column, DataFrame, PolarsResult};

use crate::frame_spec::Framing;

/// Number of short-term features per frame.
pub const N_FEATURES: usize = 34;

/// pyAudioAnalysis's feature names, in column order (the first half of the 68 column names).
pub const FEATURE_NAMES: [&str; N_FEATURES] = feature_names();

const fn feature_names() -> [&'static str; N_FEATURES] {
    let mut names = [""; N_FEATURES];
    let mut i = 0;
    while i < N_FEATURES {
        names[i] = ALL_COLUMN_NAMES[i];
        i += 1;
    }
    names
}

/// All 68 column names: the 34 features, then their deltas named `"delta " + name` as
/// pyAudioAnalysis names them.
const ALL_COLUMN_NAMES: [&str; 2 * N_FEATURES] = [
    "zcr",
    "energy",
    "energy_entropy",
    "spectral_centroid",
    "spectral_spread",
    "spectral_entropy",
    "spectral_flux",
    "spectral_rolloff",
    "mfcc_1",
    "mfcc_2",
    "mfcc_3",
    "mfcc_4",
    "mfcc_5",
    "mfcc_6",
    "mfcc_7",
    "mfcc_8",
    "mfcc_9",
    "mfcc_10",
    "mfcc_11",
    "mfcc_12",
    "mfcc_13",
    "chroma_1",
    "chroma_2",
    "chroma_3",
    "chroma_4",
    "chroma_5",
    "chroma_6",
    "chroma_7",
    "chroma_8",
    "chroma_9",
    "chroma_10",
    "chroma_11",
    "chroma_12",
    "chroma_std",
    "delta zcr",
    "delta energy",
    "delta energy_entropy",
    "delta spectral_centroid",
    "delta spectral_spread",
    "delta spectral_entropy",
    "delta spectral_flux",
    "delta spectral_rolloff",
    "delta mfcc_1",
    "delta mfcc_2",
    "delta mfcc_3",
    "delta mfcc_4",
    "delta mfcc_5",
    "delta mfcc_6",
    "delta mfcc_7",
    "delta mfcc_8",
    "delta mfcc_9",
    "delta mfcc_10",
    "delta mfcc_11",
    "delta mfcc_12",
    "delta mfcc_13",
    "delta chroma_1",
    "delta chroma_2",
    "delta chroma_3",
    "delta chroma_4",
    "delta chroma_5",
    "delta chroma_6",
    "delta chroma_7",
    "delta chroma_8",
    "delta chroma_9",
    "delta chroma_10",
    "delta chroma_11",
    "delta chroma_12",
    "delta chroma_std",
];

/// Column names of a feature row: [`FEATURE_NAMES`] (34), followed with `deltas` by
/// `"delta <name>"` for each (68), as [`FeatureMatrix::names`] and [`DeltaRows`] order them.
pub fn column_names(deltas: bool) -> &'static [&'static str] {
    if deltas {
        &ALL_COLUMN_NAMES
    } else {
        &ALL_COLUMN_NAMES[..N_FEATURES]
    }
}

/// Appends deltas to a stream of feature rows, keeping only the previous row: each output row is
/// the 34 features followed by their differences to the previous row's (0 on the first row), as
/// [`FeatureMatrix`] stores them with deltas.
#[derive(Debug, Clone)]
pub struct DeltaRows {
    row: [f64; 2 * N_FEATURES],
    first: bool,
}

impl Default for DeltaRows {
    fn default() -> Self {
        DeltaRows::new()
    }
}

impl DeltaRows {
    /// A stream that has seen no row yet.
    pub fn new() -> Self {
        DeltaRows {
            row: [0.0; 2 * N_FEATURES],
            first: true,
        }
    }

    /// The 68 values of the next row: `features`, then `features - previous`.
    pub fn push(&mut self, features: &[f64; N_FEATURES]) -> &[f64; 2 * N_FEATURES] {
        let (now, delta) = self.row.split_at_mut(N_FEATURES);
        for ((d, prev), f) in delta.iter_mut().zip(now.iter()).zip(features) {
            *d = if self.first { 0.0 } else { f - prev };
        }
        now.copy_from_slice(features);
        self.first = false;
        &self.row
    }
}

/// Columns of the 12 pyAudioAnalysis chroma values (`chroma_1..chroma_12`, pitch classes
/// A, A#, B, C, C#, D, D#, E, F, F#, G, G#).
pub const CHROMA_COLUMNS: Range<usize> = 21..33;

/// Column of `chroma_std`.
pub const CHROMA_STD_COLUMN: usize = 33;

/// Columns of the 13 MFCCs.
pub const MFCC_COLUMNS: Range<usize> = 8..21;

/// Frames x features, row-major and contiguous: 34 columns, or 68 with deltas.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    framing: Framing,
    n_columns: usize,
    data: Vec<f64>,
}

impl FeatureMatrix {
    /// An empty matrix for frames of `framing`, with the 34 delta columns if `deltas`. It
    /// collects the frames of [`crate::FeatureExtractor::stream`] (as a
    /// [`crate::PassVisitor`]).
    pub fn new(framing: Framing, deltas: bool) -> Self {
        Self::with_capacity(framing, deltas, 0)
    }

    /// An empty matrix with room for `frames` rows.
    pub(crate) fn with_capacity(framing: Framing, deltas: bool, frames: usize) -> Self {
        let n_columns = if deltas { 2 * N_FEATURES } else { N_FEATURES };
        FeatureMatrix {
            framing,
            n_columns,
            data: Vec::with_capacity(frames * n_columns),
        }
    }

    /// Appends one frame's features, and its deltas (difference to the previous frame's
    /// features, 0 on the first frame) if the matrix has delta columns.
    pub(crate) fn push_frame(&mut self, features: &[f64; N_FEATURES]) {
        let start = self.data.len();
        if self.n_columns == 2 * N_FEATURES {
            let mut deltas = DeltaRows::new();
            if start > 0 {
                let mut prev = [0.0; N_FEATURES];
                prev.copy_from_slice(&self.data[start - 2 * N_FEATURES..start - N_FEATURES]);
                deltas.push(&prev);
            }
            self.data.extend_from_slice(deltas.push(features));
        } else {
            self.data.extend_from_slice(features);
        }
    }

    /// Number of frames (rows).
    pub fn n_frames(&self) -> usize {
        self.data.len() / self.n_columns
    }

    /// Number of columns: 34, or 68 with deltas.
    pub fn n_columns(&self) -> usize {
        self.n_columns
    }

    /// True if the 34 delta columns follow the features.
    pub fn has_deltas(&self) -> bool {
        self.n_columns == 2 * N_FEATURES
    }

    /// The framing (sample rate, window, step) the frames were cut with.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// The column names of a matrix with or without deltas (see [`FeatureMatrix::names`]).
    pub fn column_names(deltas: bool) -> &'static [&'static str] {
        &ALL_COLUMN_NAMES[..if deltas { 2 * N_FEATURES } else { N_FEATURES }]
    }

    /// Column names: [`FEATURE_NAMES`], then `"delta <name>"` for each with deltas.
    pub fn names(&self) -> &'static [&'static str] {
        &ALL_COLUMN_NAMES[..self.n_columns]
    }

    /// Row `i`, all columns. Panics if `i >= n_frames()`, like slice indexing.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.n_columns..(i + 1) * self.n_columns]
    }

    /// Rows in order.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f64> {
        self.data.chunks_exact(self.n_columns)
    }

    /// Column `j` over all frames. Panics if `j >= n_columns()`.
    pub fn column(&self, j: usize) -> impl ExactSizeIterator<Item = f64> + '_ {
        assert!(j < self.n_columns, "column {j} of {}", self.n_columns);
        self.data.iter().skip(j).step_by(self.n_columns).copied()
    }

    /// Column `j` collected.
    pub fn column_vec(&self, j: usize) -> Vec<f64> {
        self.column(j).collect()
    }

    /// The 12 pyAudioAnalysis chroma values of frame `i` ([`CHROMA_COLUMNS`]).
    pub fn chroma(&self, i: usize) -> &[f64] {
        &self.row(i)[CHROMA_COLUMNS]
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// All values, row-major, by value.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// A polars DataFrame with one f64 column per feature, named as [`FeatureMatrix::names`].
    #[cfg(feature = "polars")]
    pub fn to_dataframe(&self) -> PolarsResult<DataFrame> {
        let columns: Vec<Column> = self
            .names()
            .iter()
            .enumerate()
            .map(|(j, name)| Column::new((*name).into(), self.column_vec(j)))
            .collect();
        DataFrame::new(self.n_frames(), columns)
    }
}

/// A matrix collects a stream's frames, reserving room for all of them once pass 1 knows the
/// signal's length.
impl crate::PassVisitor for FeatureMatrix {
    fn first_pass_done(&mut self, stats: &crate::SignalStats) {
        // Reserve exactly, capped so an absurd stream cannot reserve absurd memory.
        let frames = self.framing.n_frames(stats.len()).min(1 << 22) as usize;
        self.data
            .reserve(frames.saturating_sub(self.n_frames()) * self.n_columns);
    }

    fn frame(&mut self, frame: crate::Frame<'_>) {
        self.push_frame(frame.features);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FrameSpec;

    #[test]
    fn names_are_features_then_deltas() {
        assert_eq!(&ALL_COLUMN_NAMES[..N_FEATURES], &FEATURE_NAMES);
        for (d, f) in ALL_COLUMN_NAMES[N_FEATURES..].iter().zip(FEATURE_NAMES) {
            assert_eq!(*d, format!("delta {f}"));
        }
        assert_eq!(FEATURE_NAMES[CHROMA_COLUMNS.start], "chroma_1");
        assert_eq!(FEATURE_NAMES[CHROMA_COLUMNS.end - 1], "chroma_12");
        assert_eq!(FEATURE_NAMES[CHROMA_STD_COLUMN], "chroma_std");
        assert_eq!(FEATURE_NAMES[MFCC_COLUMNS.start], "mfcc_1");
        assert_eq!(FEATURE_NAMES[MFCC_COLUMNS.end - 1], "mfcc_13");
    }

    #[test]
    fn deltas_are_exact_differences() {
        let framing = FrameSpec::samples(400, 200).resolve(8000).expect("valid");
        let mut m = FeatureMatrix::with_capacity(framing, true, 3);
        let rows: Vec<[f64; N_FEATURES]> = (0..3)
            .map(|i| std::array::from_fn(|j| (i * 100 + j) as f64 * 0.1 + (j as f64).sin()))
            .collect();
        for r in &rows {
            m.push_frame(r);
        }
        assert_eq!(m.n_frames(), 3);
        assert_eq!(m.n_columns(), 68);
        assert!(m.row(0)[N_FEATURES..].iter().all(|d| *d == 0.0));
        for (i, pair) in rows.windows(2).enumerate() {
            for (j, (now, before)) in pair[1].iter().zip(&pair[0]).enumerate() {
                assert_eq!(m.row(i + 1)[N_FEATURES + j], now - before);
            }
        }
        assert_eq!(m.column_vec(5), vec![rows[0][5], rows[1][5], rows[2][5]]);
    }

    #[cfg(feature = "polars")]
    #[test]
    fn dataframe_has_named_columns() {
        let framing = FrameSpec::samples(400, 200).resolve(8000).expect("valid");
        let mut m = FeatureMatrix::with_capacity(framing, false, 2);
        m.push_frame(&[1.0; N_FEATURES]);
        m.push_frame(&[2.0; N_FEATURES]);
        let df = m.to_dataframe().expect("frame");
        assert_eq!(df.shape(), (2, 34));
        assert_eq!(df.get_column_names()[21].as_str(), "chroma_1");
    }
}

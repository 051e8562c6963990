//! The reference's chroma (pyAudioAnalysis 0.3.14), in one place: its 12 chroma columns as
//! `stfeatures` computes them, and per-file statistics of the 34 short-term features.
//!
//! The reference's chroma (features.md, "Chroma, with its quirks") gives FFT bin k the frequency
//! `(k+1) fs / (2 nfft)` (one bin high), pitch class number `round(12 log2(f / 27.5))`, keeps only
//! the LAST bin of each number (`C[n_k] = X_k^2` overwrites), wraps negative numbers to the end,
//! divides by a count looked up by position, folds into 12 and divides by `sum X^2`. Column
//! `chroma_1` is A. The original pipeline took the argmax per frame as the dominant note; the
//! table the reference then made (`seed_table.csv`) counts every frame, silence as A.

use stfeatures::{FeatureMatrix, CHROMA_COLUMNS, N_FEATURES};

use crate::analysis::chromagram::Chromagram;

/// Column of the frame energy (`sum x^2 / W`) in the 34 features.
const ENERGY_COLUMN: usize = 1;

/// The reference's chromagram of a feature matrix: per frame the 12 pyaa chroma values
/// (`CHROMA_COLUMNS`, index 0 = A) and, for voicing, the frame energy (column `energy`,
/// `sum x^2 / W` of the normalised frame). Frames start every `step / fs` seconds.
pub fn pyaa_chromagram(matrix: &FeatureMatrix) -> Chromagram {
    let framing = matrix.framing();
    let mut gram = Chromagram::new(framing.step() as f64 / f64::from(framing.sample_rate()));
    gram.reserve(matrix.n_frames());
    for row in matrix.rows() {
        gram.push(chroma_of_row(row), row[ENERGY_COLUMN]);
    }
    gram
}

/// The 12 chroma values of one row of 34 (or 68) features.
pub(crate) fn chroma_of_row(row: &[f64]) -> [f64; 12] {
    let mut c = [0.0; 12];
    c.copy_from_slice(&row[CHROMA_COLUMNS]);
    c
}

/// Frame energy of one row of features.
pub(crate) fn energy_of_row(row: &[f64]) -> f64 {
    row[ENERGY_COLUMN]
}

/// Running mean and population variance (ddof 0) of the 34 features over frames (Welford).
#[derive(Debug, Clone)]
pub(crate) struct FeatureStats {
    n: u64,
    mean: [f64; N_FEATURES],
    m2: [f64; N_FEATURES],
}

impl FeatureStats {
    pub(crate) fn new() -> Self {
        FeatureStats {
            n: 0,
            mean: [0.0; N_FEATURES],
            m2: [0.0; N_FEATURES],
        }
    }

    /// Adds one frame's 34 features.
    pub(crate) fn push(&mut self, features: &[f64]) {
        self.n += 1;
        let n = self.n as f64;
        for ((m, m2), &x) in self.mean.iter_mut().zip(self.m2.iter_mut()).zip(features) {
            let d = x - *m;
            *m += d / n;
            *m2 += d * (x - *m);
        }
    }

    /// `(mean, std)` per feature; zeros when no frame was added.
    pub(crate) fn finish(&self) -> Vec<(f64, f64)> {
        let n = self.n.max(1) as f64;
        self.mean
            .iter()
            .zip(&self.m2)
            .map(|(&m, &m2)| (m, (m2 / n).max(0.0).sqrt()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_matches_two_pass() {
        let rows: Vec<Vec<f64>> = (0..7)
            .map(|i| {
                (0..N_FEATURES)
                    .map(|j| (i * j) as f64 * 0.1 + j as f64)
                    .collect()
            })
            .collect();
        let mut s = FeatureStats::new();
        for r in &rows {
            s.push(r);
        }
        let out = s.finish();
        for (j, &(m, sd)) in out.iter().enumerate() {
            let mean = rows.iter().map(|r| r[j]).sum::<f64>() / 7.0;
            let var = rows.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / 7.0;
            assert!((m - mean).abs() < 1e-12);
            assert!((sd - var.sqrt()).abs() < 1e-12);
        }
        assert_eq!(FeatureStats::new().finish()[0], (0.0, 0.0));
    }
}

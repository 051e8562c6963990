//! MFCCs as pyAudioAnalysis computes them: the scikits.talkbox filterbank (with its bin-frequency
//! quirk), `log10`, and the orthonormal DCT-II, stored sparse and built once per configuration.

use crate::time_domain::{dot, EPS};

/// Triangular filters: 13 linear, then 27 logarithmic.
pub const N_FILTERS: usize = 40;
/// Cepstral coefficients kept.
pub const N_MFCC: usize = 13;

const N_LINEAR: usize = 13;
const N_LOG: usize = 27;
const LOW_FREQ: f64 = 133.33;
const LINEAR_SPACING: f64 = 200.0 / 3.0;
const LOG_SPACING: f64 = 1.0711703;

/// One filter's non-zero weights: bins `start .. start + len`, weights at `offset` in the shared
/// weight vector.
#[derive(Debug, Clone, Copy)]
struct FilterSpan {
    start: usize,
    len: usize,
    offset: usize,
}

/// The 40-filter bank (sparse) and the 13 x 40 DCT matrix for one (sample rate, nfft).
#[derive(Debug, Clone)]
pub struct MfccBank {
    spans: Vec<FilterSpan>,
    weights: Vec<f64>,
    dct: Vec<f64>,
    clipped: bool,
}

impl MfccBank {
    /// Builds the filterbank of `mfcc_filter_banks(fs, nfft)`:
    ///
    /// - edges `e[i] = 133.33 + i * 200/3` for i < 13, then `e[12 + j] = e[12] * 1.0711703^j`
    ///   for j = 1..=29 (42 edges, 40 triangles), height of triangle i `h = 2 / (e[i+2] - e[i])`;
    /// - **quirk**: bin j sits at frequency `f_j = j * fs / nfft` (twice its true frequency);
    /// - rising side: bins `floor(e[i] nfft / fs) + 1 ..= floor(e[i+1] nfft / fs)`, weight
    ///   `h / (e[i+1] - e[i]) * (f_j - e[i])`; falling side: bins
    ///   `floor(e[i+1] nfft / fs) + 1 ..= floor(e[i+2] nfft / fs)`, weight
    ///   `h / (e[i+2] - e[i+1]) * (e[i+2] - f_j)`.
    ///
    /// Bins at or above `nfft` (only for `fs` below about 6.9 kHz, where the reference raises
    /// an IndexError) are dropped; [`MfccBank::is_clipped`] says so.
    pub fn new(sample_rate: u32, nfft: usize) -> Self {
        let fs = f64::from(sample_rate);
        let n = nfft as f64;
        let mut edges = [0.0f64; N_FILTERS + 2];
        for (i, e) in edges.iter_mut().take(N_LINEAR).enumerate() {
            *e = LOW_FREQ + i as f64 * LINEAR_SPACING;
        }
        let base = edges[N_LINEAR - 1];
        for j in 1..=(N_LOG + 2) {
            edges[N_LINEAR - 1 + j] = base * LOG_SPACING.powf(j as f64);
        }
        let bin_freq = |j: usize| j as f64 / n * fs;
        let first_bin_above = |f: f64| (f * n / fs).floor() as i64 + 1;

        let mut spans = Vec::with_capacity(N_FILTERS);
        let mut weights = Vec::new();
        let mut clipped = false;
        for i in 0..N_FILTERS {
            let (low, cent, high) = (edges[i], edges[i + 1], edges[i + 2]);
            let height = 2.0 / (high - low);
            let rise = height / (cent - low);
            let fall = height / (high - cent);
            let a = first_bin_above(low).max(0) as usize;
            let b = first_bin_above(cent).max(0) as usize;
            let c = first_bin_above(high).max(0) as usize;
            let offset = weights.len();
            let end = c.min(nfft);
            clipped |= c > nfft;
            for j in a..end {
                let w = if j < b {
                    rise * (bin_freq(j) - low)
                } else {
                    fall * (high - bin_freq(j))
                };
                weights.push(w);
            }
            let start = a.min(end);
            spans.push(FilterSpan {
                start,
                len: end - start,
                offset,
            });
        }

        // Orthonormal DCT-II: y_k = s_k sum_n x_n cos(pi k (2n + 1) / (2N)),
        // s_0 = sqrt(1/N), s_k = sqrt(2/N).
        let nf = N_FILTERS as f64;
        let mut dct = Vec::with_capacity(N_MFCC * N_FILTERS);
        for k in 0..N_MFCC {
            let scale = if k == 0 {
                (1.0 / nf).sqrt()
            } else {
                (2.0 / nf).sqrt()
            };
            for m in 0..N_FILTERS {
                let angle = std::f64::consts::PI * k as f64 * (2 * m + 1) as f64 / (2.0 * nf);
                dct.push(scale * angle.cos());
            }
        }
        MfccBank {
            spans,
            weights,
            dct,
            clipped,
        }
    }

    /// True if filter bins beyond the spectrum had to be dropped (low sample rates only).
    pub fn is_clipped(&self) -> bool {
        self.clipped
    }

    /// Non-zero filterbank weights in total (the per-frame cost of the filterbank product).
    pub fn n_weights(&self) -> usize {
        self.weights.len()
    }

    /// MFCCs: the first 13 of `dct_ortho(log10(fbank . X + eps))`, written to `out[..13]`.
    pub fn mfcc(&self, x: &[f64], out: &mut [f64]) {
        let mut log_energies = [0.0f64; N_FILTERS];
        for (le, s) in log_energies.iter_mut().zip(&self.spans) {
            let w = &self.weights[s.offset..s.offset + s.len];
            let e = dot(&x[s.start..s.start + s.len], w);
            *le = (e + EPS).log10();
        }
        for (o, row) in out.iter_mut().zip(self.dct.chunks_exact(N_FILTERS)) {
            *o = dot(row, &log_energies);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dense filterbank written the reference's way (numpy-style loops), to check the sparse
    /// one against.
    fn dense(sample_rate: u32, nfft: usize) -> Vec<Vec<f64>> {
        let fs = f64::from(sample_rate);
        let mut freqs = vec![0.0; 42];
        for (i, f) in freqs.iter_mut().enumerate().take(13) {
            *f = 133.33 + i as f64 * (200.0 / 3.0);
        }
        for j in 1..30 {
            freqs[12 + j] = freqs[12] * 1.0711703f64.powf(j as f64);
        }
        let nfreqs: Vec<f64> = (0..nfft).map(|j| j as f64 / nfft as f64 * fs).collect();
        let mut fb = vec![vec![0.0; nfft]; 40];
        for i in 0..40 {
            let (lo, ce, hi) = (freqs[i], freqs[i + 1], freqs[i + 2]);
            let h = 2.0 / (hi - lo);
            let lid = ((lo * nfft as f64 / fs).floor() as usize + 1)
                ..((ce * nfft as f64 / fs).floor() as usize + 1);
            let rid = ((ce * nfft as f64 / fs).floor() as usize + 1)
                ..((hi * nfft as f64 / fs).floor() as usize + 1);
            for j in lid {
                fb[i][j] = h / (ce - lo) * (nfreqs[j] - lo);
            }
            for j in rid {
                fb[i][j] = h / (hi - ce) * (hi - nfreqs[j]);
            }
        }
        fb
    }

    #[test]
    fn sparse_bank_equals_dense_bank() {
        for (fs, nfft) in [
            (8000u32, 200usize),
            (16000, 400),
            (22050, 551),
            (44100, 1102),
        ] {
            let bank = MfccBank::new(fs, nfft);
            assert!(!bank.is_clipped());
            let fb = dense(fs, nfft);
            let x: Vec<f64> = (0..nfft)
                .map(|k| ((k * 31 % 17) as f64 + 0.5) * 1e-3)
                .collect();
            let mut ours = [0.0; N_MFCC];
            bank.mfcc(&x, &mut ours);
            let logs: Vec<f64> = fb
                .iter()
                .map(|row| (row.iter().zip(&x).map(|(a, b)| a * b).sum::<f64>() + EPS).log10())
                .collect();
            for (k, o) in ours.iter().enumerate() {
                let s = if k == 0 {
                    (1.0f64 / 40.0).sqrt()
                } else {
                    (2.0f64 / 40.0).sqrt()
                };
                let r: f64 = logs
                    .iter()
                    .enumerate()
                    .map(|(m, l)| {
                        l * (std::f64::consts::PI * k as f64 * (2 * m + 1) as f64 / 80.0).cos()
                    })
                    .sum::<f64>()
                    * s;
                assert!((o - r).abs() < 1e-12, "fs {fs} mfcc {k}: {o} vs {r}");
            }
            // Sparse: each bin is in at most two triangles.
            assert!(bank.n_weights() <= 2 * nfft, "{}", bank.n_weights());
        }
    }

    #[test]
    fn low_rates_clip_instead_of_indexing_out_of_range() {
        let bank = MfccBank::new(6000, 150);
        assert!(bank.is_clipped());
        let mut out = [0.0; N_MFCC];
        bank.mfcc(&[1e-3; 150], &mut out);
        assert!(out.iter().all(|v| v.is_finite()));
    }
}

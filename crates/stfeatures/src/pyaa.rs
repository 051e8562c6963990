//! pyAudioAnalysis's chroma, quirks included: the one place that reproduces them.
//!
//! `chroma_features` in pyAudioAnalysis 0.3.14, stated step by step (features.md, "Chroma"):
//!
//! 1. **Bin shift**: bin k (0-based) is given frequency `f_k = (k + 1) fs / (2 nfft)`, one bin
//!    above its true centre.
//! 2. Its chroma number is `n_k = round_half_even(12 log2(f_k / 27.5))` (can be negative);
//!    `cnt[k]` is how many bins share bin k's number.
//! 3. **Overwrite** and **wrap-around**: a vector `C` of length nfft gets `C[n_k] = X_k^2` for k in
//!    increasing order; a later bin overwrites an earlier one with the same number, and a negative
//!    number indexes from the end (`n + nfft`).
//! 4. **Divisor by position**: `C[i] /= cnt[n_i]` for every `i < nfft` (n_i wrapped the same
//!    way), a double indirection: the divisor is rarely the count of chroma number i.
//! 5. `C` is zero-padded to a multiple of 12, cut into rows of 12 and summed over rows, then
//!    divided by `sum X^2` (by eps if that is 0).
//!
//! The reference has a second branch for `max n_k >= nfft` (very short windows); it is not
//! reproduced: [`PyaaChroma::new`] rejects such parameters.
//!
//! Everything except the overwritten-and-divided positions is zero, so the map is precomputed as
//! a list of (source bin, pitch class, divisor), in increasing position order: about a hundred
//! entries, whatever nfft is.

use crate::time_domain::EPS;
use crate::FeatureError;

/// Pitch classes.
pub const N_CHROMA: usize = 12;

/// Reference frequency of chroma number 0 (A0).
const A0_HZ: f64 = 27.5;

#[derive(Debug, Clone, Copy)]
struct ChromaEntry {
    bin: usize,
    class: usize,
    divisor: f64,
}

/// The precomputed pyAudioAnalysis chroma map for one (sample rate, nfft).
#[derive(Debug, Clone)]
pub struct PyaaChroma {
    entries: Vec<ChromaEntry>,
}

/// `n_k = round_half_even(12 log2(f_k / 27.5))` with the shifted `f_k = (k + 1) fs / (2 nfft)`.
fn chroma_number(k: usize, sample_rate: u32, nfft: usize) -> i64 {
    let f = ((k as f64 + 1.0) * f64::from(sample_rate)) / (2.0 * nfft as f64);
    (12.0 * (f / A0_HZ).log2()).round_ties_even() as i64
}

impl PyaaChroma {
    /// Builds the map, or fails with [`FeatureError::ChromaOutOfRange`] if some chroma number
    /// does not index a length-nfft vector (the reference's other branch, or an IndexError).
    pub fn new(sample_rate: u32, window: usize) -> Result<Self, FeatureError> {
        let nfft = window / 2;
        let numbers: Vec<i64> = (0..nfft)
            .map(|k| chroma_number(k, sample_rate, nfft))
            .collect();
        let n = nfft as i64;
        if let Some(&bad) = numbers.iter().find(|&&c| c >= n || c < -n) {
            return Err(FeatureError::ChromaOutOfRange {
                sample_rate,
                window,
                nfft,
                chroma_number: bad,
            });
        }
        let wrap = |c: i64| (if c < 0 { c + n } else { c }) as usize;

        // cnt[k]: bins sharing bin k's chroma number. Numbers rise with k, so equal numbers form
        // runs; count without assuming it anyway.
        let mut counts = std::collections::HashMap::new();
        for &c in &numbers {
            *counts.entry(c).or_insert(0usize) += 1;
        }
        let cnt_of_bin: Vec<usize> = numbers.iter().map(|c| counts[c]).collect();

        // Step 3: the last bin written to each position wins.
        let mut winner: Vec<Option<usize>> = vec![None; nfft];
        for (k, &c) in numbers.iter().enumerate() {
            winner[wrap(c)] = Some(k);
        }
        // Steps 4 and 5: position i keeps X_winner^2 / cnt[n_i wrapped], adds to class i mod 12.
        let entries = winner
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                w.map(|bin| ChromaEntry {
                    bin,
                    class: i % N_CHROMA,
                    divisor: cnt_of_bin[wrap(numbers[i])] as f64,
                })
            })
            .collect();
        Ok(PyaaChroma { entries })
    }

    /// Positions of `C` that receive a value (the per-frame cost of the chroma).
    pub fn n_entries(&self) -> usize {
        self.entries.len()
    }

    /// The 12 chroma values of magnitude spectrum `x` (`sum_sq = sum X^2`), written to `out`,
    /// index 0 = A, ..., 11 = G#.
    pub fn chroma(&self, x: &[f64], sum_sq: f64, out: &mut [f64; N_CHROMA]) {
        *out = [0.0; N_CHROMA];
        for e in &self.entries {
            let v = x[e.bin];
            out[e.class] += (v * v) / e.divisor;
        }
        let total = if sum_sq == 0.0 { EPS } else { sum_sq };
        for o in out.iter_mut() {
            *o /= total;
        }
    }
}

/// Population standard deviation (ddof 0) of the 12 chroma values: `chroma_std`.
pub fn chroma_std(chroma: &[f64; N_CHROMA]) -> f64 {
    let mean = chroma.iter().sum::<f64>() / N_CHROMA as f64;
    let var = chroma.iter().map(|c| (c - mean) * (c - mean)).sum::<f64>() / N_CHROMA as f64;
    var.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A literal transcription of the four steps (features.md says this matches pyAudioAnalysis
    /// exactly): dense C, overwrite, wrap, divide by position, fold rows of 12.
    fn literal(x: &[f64], sample_rate: u32) -> [f64; N_CHROMA] {
        let nfft = x.len();
        let n = nfft as i64;
        let nums: Vec<i64> = (0..nfft)
            .map(|k| chroma_number(k, sample_rate, nfft))
            .collect();
        let wrap = |c: i64| (if c < 0 { c + n } else { c }) as usize;
        let cnt: Vec<f64> = nums
            .iter()
            .map(|c| nums.iter().filter(|d| *d == c).count() as f64)
            .collect();
        let mut c = vec![0.0; nfft];
        for k in 0..nfft {
            c[wrap(nums[k])] = x[k] * x[k];
        }
        for i in 0..nfft {
            c[i] /= cnt[wrap(nums[i])];
        }
        let mut out = [0.0; N_CHROMA];
        for (i, v) in c.iter().enumerate() {
            out[i % 12] += v;
        }
        let s: f64 = x.iter().map(|v| v * v).sum();
        let s = if s == 0.0 { EPS } else { s };
        out.map(|v| v / s)
    }

    #[test]
    fn map_equals_literal_steps() {
        for (fs, window) in [
            (8000u32, 400usize),
            (16000, 800),
            (22050, 1102),
            (44100, 2205),
        ] {
            let map = PyaaChroma::new(fs, window).expect("valid");
            let nfft = window / 2;
            let x: Vec<f64> = (0..nfft)
                .map(|k| ((k * 7 + 3) % 11) as f64 * 0.01 + 1e-4)
                .collect();
            let sum_sq: f64 = x.iter().map(|v| v * v).sum();
            let mut ours = [0.0; N_CHROMA];
            map.chroma(&x, sum_sq, &mut ours);
            let reference = literal(&x, fs);
            for j in 0..N_CHROMA {
                assert!(
                    (ours[j] - reference[j]).abs() <= 1e-14 * reference[j].abs().max(1e-300),
                    "fs {fs} class {j}: {} vs {}",
                    ours[j],
                    reference[j]
                );
            }
            assert!(map.n_entries() < 200, "{}", map.n_entries());
        }
    }

    #[test]
    fn a440_lands_on_a_sharp() {
        // The reference's documented quirk: a pure 440 Hz tone comes out as A# (index 1).
        for (fs, window) in [(22050u32, 1102usize), (44100, 2205)] {
            let nfft = window / 2;
            let bin = (440.0 / (fs as f64 / window as f64)).round() as usize;
            let mut x = vec![0.0; nfft];
            x[bin] = 1.0;
            let map = PyaaChroma::new(fs, window).expect("valid");
            let mut out = [0.0; N_CHROMA];
            map.chroma(&x, 1.0, &mut out);
            let argmax = (0..N_CHROMA).fold(0, |b, j| if out[j] > out[b] { j } else { b });
            assert_eq!(argmax, 1, "fs {fs}: {out:?}");
        }
    }

    #[test]
    fn short_windows_are_rejected() {
        let err = PyaaChroma::new(44100, 200).expect_err("too short");
        assert!(
            matches!(err, FeatureError::ChromaOutOfRange { nfft: 100, .. }),
            "{err}"
        );
        assert!(PyaaChroma::new(8000, 400).is_ok());
    }

    #[test]
    fn std_is_population_std() {
        let mut c = [0.0; N_CHROMA];
        c[0] = 12.0;
        // mean 1, var = (121 + 11) / 12 = 11
        assert!((chroma_std(&c) - 11f64.sqrt()).abs() < 1e-12);
    }
}

//! Spectral features of one frame's magnitude spectrum `X` (length `nfft`, already divided by
//! `nfft`).

use crate::time_domain::{ENTROPY_BLOCKS, EPS};

/// The per-frame sums of a magnitude spectrum that several features share, from one pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SpectrumSums {
    /// `max X` (0 for an empty spectrum).
    pub max: f64,
    /// `sum X`.
    pub sum: f64,
    /// `sum f_k X_k`.
    pub sum_f: f64,
    /// `sum X^2`, tail included (see [`crate::block_energies`]).
    pub sum_sq: f64,
}

/// One pass over `x` (and `bin_freqs`): [`SpectrumSums`], and the `sum X^2` of each of the
/// [`ENTROPY_BLOCKS`] blocks of `floor(len / 10)` bins into `blocks` (as
/// [`crate::block_energies`]). Four accumulator lanes per sum, so it vectorises.
pub(crate) fn spectrum_sums(
    x: &[f64],
    bin_freqs: &[f64],
    blocks: &mut [f64; ENTROPY_BLOCKS],
) -> SpectrumSums {
    let n = x.len().min(bin_freqs.len());
    let (x, bin_freqs) = (&x[..n], &bin_freqs[..n]);
    let block_len = n / ENTROPY_BLOCKS;
    let mut total = SpectrumSums {
        max: 0.0,
        sum: 0.0,
        sum_f: 0.0,
        sum_sq: 0.0,
    };
    let mut add = |xs: &[f64], fs: &[f64]| {
        let (mut mx, mut s, mut sf, mut sq) = ([0.0f64; 4], [0.0f64; 4], [0.0f64; 4], [0.0f64; 4]);
        let cx = xs.chunks_exact(4);
        let cf = fs.chunks_exact(4);
        let (rx, rf) = (cx.remainder(), cf.remainder());
        for (a, b) in cx.zip(cf) {
            for l in 0..4 {
                mx[l] = if a[l] > mx[l] { a[l] } else { mx[l] };
                s[l] += a[l];
                sf[l] += a[l] * b[l];
                sq[l] += a[l] * a[l];
            }
        }
        let mut m = mx[0].max(mx[1]).max(mx[2].max(mx[3]));
        let mut block = SpectrumSums {
            max: 0.0,
            sum: (s[0] + s[1]) + (s[2] + s[3]),
            sum_f: (sf[0] + sf[1]) + (sf[2] + sf[3]),
            sum_sq: (sq[0] + sq[1]) + (sq[2] + sq[3]),
        };
        for (a, b) in rx.iter().zip(rf) {
            m = m.max(*a);
            block.sum += a;
            block.sum_f += a * b;
            block.sum_sq += a * a;
        }
        block.max = m;
        total.max = total.max.max(m);
        total.sum += block.sum;
        total.sum_f += block.sum_f;
        total.sum_sq += block.sum_sq;
        block.sum_sq
    };
    for (j, b) in blocks.iter_mut().enumerate() {
        let r = j * block_len..(j + 1) * block_len;
        *b = add(&x[r.clone()], &bin_freqs[r]);
    }
    let r = ENTROPY_BLOCKS * block_len..n;
    add(&x[r.clone()], &bin_freqs[r]);
    total
}

/// Spectral centroid and spread, both divided by `fs / 2`.
///
/// With `f_k = (k + 1) fs / (2 nfft)` (`bin_freqs`), `Y = X / max X`:
/// `c = sum f_k Y_k / (sum Y + eps)` and `spread = sqrt(sum (f_k - c)^2 Y_k / (sum Y + eps))`.
/// `sum_x = sum X`, `max_x = max X` and `sum_fx = sum f_k X_k` are passed in (computed once per
/// frame); if `max X = 0` both are 0 (the reference divides by `eps` there, giving 0 / eps).
pub fn spectral_centroid_spread(
    x: &[f64],
    bin_freqs: &[f64],
    sum_x: f64,
    max_x: f64,
    sum_fx: f64,
    sample_rate: f64,
) -> (f64, f64) {
    if max_x == 0.0 {
        return (0.0, 0.0);
    }
    let num = sum_fx / max_x;
    let den = sum_x / max_x + EPS;
    let centroid = num / den;
    let mut acc = [0.0f64; 4];
    let cx = x.chunks_exact(4);
    let cf = bin_freqs.chunks_exact(4);
    let (rx, rf) = (cx.remainder(), cf.remainder());
    for (xs, fs) in cx.zip(cf) {
        for l in 0..4 {
            let d = fs[l] - centroid;
            acc[l] += d * d * xs[l];
        }
    }
    let mut moment = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (xv, fv) in rx.iter().zip(rf) {
        let d = fv - centroid;
        moment += d * d * xv;
    }
    let spread = ((moment / max_x) / den).sqrt();
    let half = sample_rate / 2.0;
    (centroid / half, spread / half)
}

/// Spectral flux: `sum_k (X_k / sum(X + eps) - P_k / sum(P + eps))^2`, `P` the previous frame's
/// spectrum; `sum(X + eps)` is taken as `sum X + nfft eps`. (The first frame's flux is 0: the
/// reference compares it with itself.)
pub fn spectral_flux(x: &[f64], sum_x: f64, prev: &[f64], sum_prev: f64) -> f64 {
    let n = x.len() as f64;
    let a = 1.0 / (sum_x + n * EPS);
    let b = 1.0 / (sum_prev + n * EPS);
    let mut acc = [0.0f64; 4];
    let cx = x.chunks_exact(4);
    let cp = prev.chunks_exact(4);
    let (rx, rp) = (cx.remainder(), cp.remainder());
    for (xs, ps) in cx.zip(cp) {
        for l in 0..4 {
            let d = xs[l] * a - ps[l] * b;
            acc[l] += d * d;
        }
    }
    let mut total = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (xv, pv) in rx.iter().zip(rp) {
        let d = xv * a - pv * b;
        total += d * d;
    }
    total
}

/// Spectral roll-off: the first `k` with `cumsum(X^2)_k + eps > 0.90 sum X^2`, divided by
/// `nfft`; 0 if there is none. `sum_sq = sum X^2`.
pub fn spectral_rolloff(x: &[f64], sum_sq: f64) -> f64 {
    const FRACTION: f64 = 0.90;
    let threshold = FRACTION * sum_sq;
    let mut cumulative = 0.0;
    for (k, v) in x.iter().enumerate() {
        cumulative += v * v;
        if cumulative + EPS > threshold {
            return k as f64 / x.len() as f64;
        }
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_sums_match_separate_sums() {
        for n in [0usize, 3, 10, 23, 1102] {
            let x: Vec<f64> = (0..n).map(|k| ((k * 37 % 101) as f64) * 1e-3).collect();
            let f: Vec<f64> = (0..n).map(|k| (k + 1) as f64 * 20.0).collect();
            let mut blocks = [0.0; ENTROPY_BLOCKS];
            let s = spectrum_sums(&x, &f, &mut blocks);
            let mut expected_blocks = [0.0; ENTROPY_BLOCKS];
            let sum_sq = crate::block_energies(&x, &mut expected_blocks);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-13 * b.abs();
            assert!(close(s.sum_sq, sum_sq), "n {n}: {} vs {sum_sq}", s.sum_sq);
            for (a, b) in blocks.iter().zip(&expected_blocks) {
                assert!(close(*a, *b), "n {n}: {a} vs {b}");
            }
            assert!(close(s.sum, x.iter().sum::<f64>()));
            assert!(close(
                s.sum_f,
                x.iter().zip(&f).map(|(a, b)| a * b).sum::<f64>()
            ));
            assert_eq!(s.max, x.iter().fold(0.0f64, |m, &v| m.max(v)));
        }
    }

    fn freqs(nfft: usize, fs: f64) -> Vec<f64> {
        (0..nfft)
            .map(|k| (k + 1) as f64 * (fs / (2.0 * nfft as f64)))
            .collect()
    }

    #[test]
    fn centroid_of_single_bin_is_its_frequency() {
        let fs = 8000.0;
        let f = freqs(100, fs);
        let mut x = vec![0.0; 100];
        x[9] = 2.0;
        let (c, s) = spectral_centroid_spread(&x, &f, 2.0, 2.0, 2.0 * f[9], fs);
        assert!((c - f[9] / 4000.0).abs() < 1e-12, "{c}");
        assert!(s.abs() < 1e-6, "{s}");
        assert_eq!(
            spectral_centroid_spread(&[0.0; 4], &f[..4], 0.0, 0.0, 0.0, fs),
            (0.0, 0.0)
        );
    }

    #[test]
    fn flux_is_zero_for_proportional_spectra_and_positive_otherwise() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 6.0, 8.0, 10.0];
        assert!(spectral_flux(&x, 15.0, &y, 30.0) < 1e-15);
        let z = [5.0, 4.0, 3.0, 2.0, 1.0];
        let expected: f64 = x
            .iter()
            .zip(&z)
            .map(|(a, b)| (a / 15.0 - b / 15.0).powi(2))
            .sum();
        assert!((spectral_flux(&x, 15.0, &z, 15.0) - expected).abs() < 1e-12);
    }

    #[test]
    fn rolloff_finds_ninety_percent_point() {
        let x = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        // 0.9 * 10 rounds to 9.0 and 9.0 + eps rounds to 9.0: the first k strictly above is 9.
        assert_eq!(spectral_rolloff(&x, 10.0), 0.9);
        assert_eq!(spectral_rolloff(&x[..4], 4.0), 0.75);
        assert_eq!(spectral_rolloff(&[0.0; 8], 0.0), 0.0);
    }
}

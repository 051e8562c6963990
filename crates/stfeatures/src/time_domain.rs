//! Time-domain features of one frame, and the block entropy shared with the spectrum.

/// Sub-blocks of the energy and spectral entropies (pyAudioAnalysis's `n_short_blocks`).
pub const ENTROPY_BLOCKS: usize = 10;

/// f64 machine epsilon, pyAudioAnalysis's `eps` (`sys.float_info.epsilon`).
pub const EPS: f64 = f64::EPSILON;

/// Zero-crossing rate: `sum_i |sign(x[i+1]) - sign(x[i])| / 2 / (W - 1)`, with `sign(0) = 0`
/// (so a step from or to an exact zero counts one half).
#[inline]
pub fn zero_crossing_rate(frame: &[f64]) -> f64 {
    if frame.len() < 2 {
        return 0.0;
    }
    // |sign(b) - sign(a)| = [a > 0 xor b > 0] + [a < 0 xor b < 0] (check the nine sign pairs):
    // comparisons in f64 lanes, counted in u64 lanes, so it vectorises.
    let changes: u64 = frame[..frame.len() - 1]
        .iter()
        .zip(&frame[1..])
        .map(|(&a, &b)| u64::from((a > 0.0) != (b > 0.0)) + u64::from((a < 0.0) != (b < 0.0)))
        .sum();
    (changes as f64 / 2.0) / (frame.len() as f64 - 1.0)
}

/// Short-term energy: `sum x^2 / W`, from the precomputed `sum x^2`.
#[inline]
pub fn energy(sum_of_squares: f64, len: usize) -> f64 {
    sum_of_squares / len as f64
}

/// Splits `x` into [`ENTROPY_BLOCKS`] contiguous blocks of `floor(len / 10)` samples (the tail
/// beyond `10 * floor(len / 10)` is in no block), writes each block's `sum x^2` to `blocks`
/// and returns the `sum x^2` of all of `x`, tail included.
#[inline]
pub fn block_energies(x: &[f64], blocks: &mut [f64; ENTROPY_BLOCKS]) -> f64 {
    let block_len = x.len() / ENTROPY_BLOCKS;
    let mut total = 0.0;
    for (j, b) in blocks.iter_mut().enumerate() {
        *b = sum_of_squares(&x[j * block_len..(j + 1) * block_len]);
        total += *b;
    }
    total + sum_of_squares(&x[ENTROPY_BLOCKS * block_len..])
}

/// Entropy of block energies: `s_j = blocks_j / (total + eps)`, `H = -sum_j s_j log2(s_j + eps)`.
/// On the frame this is `energy_entropy`; on the magnitude spectrum `spectral_entropy`.
#[inline]
pub fn block_entropy(blocks: &[f64; ENTROPY_BLOCKS], total: f64) -> f64 {
    let denom = total + EPS;
    -blocks
        .iter()
        .map(|&b| {
            let s = b / denom;
            s * (s + EPS).log2()
        })
        .sum::<f64>()
}

/// `sum x^2` with four independent accumulators (so the compiler can vectorise it).
#[inline]
pub fn sum_of_squares(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        acc[0] += c[0] * c[0];
        acc[1] += c[1] * c[1];
        acc[2] += c[2] * c[2];
        acc[3] += c[3] * c[3];
    }
    let mut total = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for v in rest {
        total += v * v;
    }
    total
}

/// `sum a_i b_i` with four independent accumulators.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut total = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        total += x * y;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zcr_counts_half_steps_through_zero() {
        assert_eq!(zero_crossing_rate(&[1.0, -1.0, 1.0, -1.0, 1.0]), 1.0);
        assert_eq!(zero_crossing_rate(&[1.0, 1.0, 1.0]), 0.0);
        // 1 -> 0 -> -1: two half crossings over 2 intervals.
        assert_eq!(zero_crossing_rate(&[1.0, 0.0, -1.0]), 0.5);
        // All nine sign pairs against the definition.
        let values = [-2.0, 0.0, 3.0];
        for a in values {
            for b in values {
                let sign = |v: f64| i64::from(v > 0.0) - i64::from(v < 0.0);
                let expected = (sign(b) - sign(a)).abs() as f64 / 2.0;
                assert_eq!(zero_crossing_rate(&[a, b]), expected, "{a} {b}");
            }
        }
    }

    #[test]
    fn entropy_of_uniform_blocks_is_log2_10() {
        let x = vec![0.5; 100];
        let mut blocks = [0.0; ENTROPY_BLOCKS];
        let total = block_energies(&x, &mut blocks);
        assert_eq!(total, 25.0);
        let h = block_entropy(&blocks, total);
        assert!((h - 10f64.log2()).abs() < 1e-12, "{h}");
        // All energy in one block: entropy ~0.
        let mut y = vec![0.0; 100];
        y[3] = 1.0;
        let t = block_energies(&y, &mut blocks);
        assert!(block_entropy(&blocks, t).abs() < 1e-12);
    }

    #[test]
    fn blocks_skip_the_tail_but_total_includes_it() {
        let x: Vec<f64> = (0..23).map(|i| i as f64).collect();
        let mut blocks = [0.0; ENTROPY_BLOCKS];
        let total = block_energies(&x, &mut blocks);
        assert_eq!(blocks[0], 1.0); // samples 0, 1
        assert_eq!(blocks[9], 18.0 * 18.0 + 19.0 * 19.0);
        assert_eq!(total, x.iter().map(|v| v * v).sum::<f64>());
    }

    #[test]
    fn lane_sums_match_plain_sums() {
        let x: Vec<f64> = (0..37).map(|i| (i as f64 * 0.3).cos()).collect();
        let sq: f64 = x.iter().map(|v| v * v).sum();
        assert!((sum_of_squares(&x) - sq).abs() < 1e-12);
        assert!((dot(&x, &x) - sq).abs() < 1e-12);
    }
}

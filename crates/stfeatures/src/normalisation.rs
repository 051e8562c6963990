//! The reference's input normalisation, split into a statistics pass and a per-sample map.
//!
//! pyAudioAnalysis computes `x = raw / 2^15`, then `dc_normalize`: `x -= mean(x)`,
//! `x /= max|x| + 1e-10`. Both need the whole signal, so streaming takes two passes: pass 1 feeds
//! every block to [`SignalStats`], pass 2 maps each sample through the resulting [`Normalisation`].

use crate::FeatureError;

/// The reference divides every sample by 2^15, whatever its type.
const REFERENCE_DIVISOR: f64 = 32768.0;

/// Added to the peak before dividing (`dc_normalize`'s `1e-10`).
const PEAK_GUARD: f64 = 1e-10;

/// Pass-1 accumulator: count, compensated sum, minimum and maximum of `x = raw / 2^15`.
///
/// The sum is Neumaier-compensated in `LANES` (4) interleaved lanes (sample `i` goes to lane
/// `i mod LANES`, `i` counted from the signal's start, so the mean does not depend on how the
/// signal was cut into blocks); the lanes are combined, compensated again, at the end. It is at
/// least as accurate as NumPy's pairwise sum.
#[derive(Debug, Clone)]
pub struct SignalStats {
    count: u64,
    sum: [f64; LANES],
    compensation: [f64; LANES],
    min: f64,
    max: f64,
}

/// Independent compensated-sum lanes (breaks the add-latency chain of a single running sum).
const LANES: usize = 4;

/// One step of compensated summation: adds `x` to `sum` and the rounding error of that addition
/// (Knuth's branch-free TwoSum, exact in round-to-nearest) to `comp` (Neumaier's scheme).
#[inline(always)]
fn neumaier(sum: &mut f64, comp: &mut f64, x: f64) {
    let t = *sum + x;
    let z = t - *sum;
    *comp += (*sum - (t - z)) + (x - z);
    *sum = t;
}

impl Default for SignalStats {
    fn default() -> Self {
        Self::new()
    }
}

impl SignalStats {
    /// An empty accumulator.
    pub fn new() -> Self {
        SignalStats {
            count: 0,
            sum: [0.0; LANES],
            compensation: [0.0; LANES],
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds a block. Each sample `s` is first brought to the reader's raw scale, `raw = s *
    /// raw_scale` (use 1.0 for samples already in raw scale), then to `x = raw / 2^15`.
    /// A NaN or infinite sample is an error naming its index.
    pub fn push(&mut self, block: &[f64], raw_scale: f64) -> Result<(), FeatureError> {
        // Samples until the global index is a multiple of LANES, then whole groups, then the rest.
        let head = ((LANES as u64 - self.count % LANES as u64) % LANES as u64) as usize;
        let (head, body) = block.split_at(head.min(block.len()));
        self.push_scalar(head, raw_scale)?;
        let groups = body.chunks_exact(LANES);
        let tail = groups.remainder();
        // Per-lane sums and extremes in locals (registers), merged after the loop.
        let (mut sum, mut comp) = (self.sum, self.compensation);
        let (mut min, mut max) = ([self.min; LANES], [self.max; LANES]);
        let mut result = Ok(());
        for group in groups {
            let x: [f64; LANES] = std::array::from_fn(|l| to_reference_scale(group[l], raw_scale));
            if !x.iter().all(|v| v.is_finite()) {
                result = Err(group);
                break;
            }
            #[allow(clippy::needless_range_loop)] // one lane index into five arrays
            for l in 0..LANES {
                neumaier(&mut sum[l], &mut comp[l], x[l]);
                // Finite values: plain comparisons (f64::min's NaN handling costs a blend).
                min[l] = if x[l] < min[l] { x[l] } else { min[l] };
                max[l] = if x[l] > max[l] { x[l] } else { max[l] };
            }
            self.count += LANES as u64;
        }
        self.sum = sum;
        self.compensation = comp;
        self.min = min.iter().fold(self.min, |m, &v| m.min(v));
        self.max = max.iter().fold(self.max, |m, &v| m.max(v));
        if let Err(group) = result {
            // Reports the first non-finite sample of the group with its index.
            return self.push_scalar(group, raw_scale);
        }
        self.push_scalar(tail, raw_scale)
    }

    /// Adds samples one by one to the lane of their global index, failing on the first non-finite.
    fn push_scalar(&mut self, block: &[f64], raw_scale: f64) -> Result<(), FeatureError> {
        for &s in block {
            let x = to_reference_scale(s, raw_scale);
            if !x.is_finite() {
                return Err(FeatureError::NonFiniteSample {
                    index: self.count,
                    value: s,
                });
            }
            let l = (self.count % LANES as u64) as usize;
            neumaier(&mut self.sum[l], &mut self.compensation[l], x);
            self.min = self.min.min(x);
            self.max = self.max.max(x);
            self.count += 1;
        }
        Ok(())
    }

    /// Samples seen so far.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// True if no sample was seen.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Mean of `x = raw / 2^15` (0 for an empty signal).
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            let (mut sum, mut comp) = (0.0, 0.0);
            for l in 0..LANES {
                neumaier(&mut sum, &mut comp, self.sum[l]);
                comp += self.compensation[l];
            }
            (sum + comp) / self.count as f64
        }
    }

    /// The normalisation `y = (x - mean) / (max|x - mean| + 1e-10)` for this signal, with samples
    /// arriving in the given `raw_scale`.
    pub fn normalisation(&self, raw_scale: f64) -> Normalisation {
        let mean = self.mean();
        // Rounding is monotone, so max_i |x_i - mean| is reached at the minimum or the maximum.
        let peak = if self.count == 0 {
            0.0
        } else {
            (self.max - mean).abs().max((self.min - mean).abs())
        };
        Normalisation {
            raw_scale,
            mean,
            divisor: peak + PEAK_GUARD,
            inv_divisor: 1.0 / (peak + PEAK_GUARD),
            samples: self.count,
        }
    }
}

/// `raw / 2^15` with `raw = s * raw_scale`, the reference's first step.
#[inline]
fn to_reference_scale(s: f64, raw_scale: f64) -> f64 {
    (s * raw_scale) / REFERENCE_DIVISOR
}

/// The per-sample map of pass 2: `y = ((s * raw_scale) / 2^15 - mean) / (peak + 1e-10)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalisation {
    raw_scale: f64,
    mean: f64,
    divisor: f64,
    /// `1 / divisor`: pass 2 multiplies (within an ulp or two of dividing).
    inv_divisor: f64,
    samples: u64,
}

impl Normalisation {
    /// Length of the signal pass 1 saw (pass 2 uses it to know which frame is the last).
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Factor from incoming samples to the reader's raw scale.
    pub fn raw_scale(&self) -> f64 {
        self.raw_scale
    }

    /// Mean of `raw / 2^15` that is subtracted.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// `max|x - mean| + 1e-10`, the divisor.
    pub fn divisor(&self) -> f64 {
        self.divisor
    }

    /// Normalises one incoming sample: `(x - mean) * (1 / divisor)`, within two ulps of the
    /// reference's division.
    #[inline]
    pub fn apply(&self, s: f64) -> f64 {
        (to_reference_scale(s, self.raw_scale) - self.mean) * self.inv_divisor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_signal_has_zero_mean_and_unit_peak() {
        let raw: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 2001) as f64 - 700.0)
            .collect();
        let mut stats = SignalStats::new();
        stats.push(&raw, 1.0).expect("finite");
        let norm = stats.normalisation(1.0);
        let y: Vec<f64> = raw.iter().map(|&s| norm.apply(s)).collect();
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let peak = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(mean.abs() < 1e-12, "mean {mean}");
        // Peak of x is about 0.04, so the 1e-10 guard leaves 1 - 2.5e-9.
        let expected = (norm.divisor() - 1e-10) / norm.divisor();
        assert!((peak - expected).abs() < 1e-15, "peak {peak} vs {expected}");
        assert!((peak - 1.0).abs() < 1e-8, "peak {peak}");
    }

    #[test]
    fn block_cuts_do_not_change_stats() {
        let raw: Vec<f64> = (0..5000)
            .map(|i| ((i as f64) * 0.37).sin() * 12345.6 + 3.0)
            .collect();
        let mut whole = SignalStats::new();
        whole.push(&raw, 1.0).expect("finite");
        let mut cut = SignalStats::new();
        for chunk in raw.chunks(37) {
            cut.push(chunk, 1.0).expect("finite");
        }
        assert_eq!(whole.normalisation(1.0), cut.normalisation(1.0));
        assert_eq!(whole.len(), 5000);
    }

    #[test]
    fn non_finite_sample_is_reported_with_its_index() {
        let mut stats = SignalStats::new();
        stats.push(&[0.0, 1.0], 1.0).expect("finite");
        let err = stats.push(&[2.0, f64::NAN], 1.0).expect_err("NaN");
        assert!(
            matches!(err, FeatureError::NonFiniteSample { index: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn non_finite_sample_inside_a_lane_group_is_reported_with_its_index() {
        let mut x = [1.0; 23];
        x[13] = f64::INFINITY;
        let mut stats = SignalStats::new();
        stats.push(&x[..3], 1.0).expect("finite");
        let err = stats.push(&x[3..], 1.0).expect_err("inf");
        assert!(
            matches!(err, FeatureError::NonFiniteSample { index: 13, .. }),
            "{err}"
        );
    }

    #[test]
    fn lane_sums_give_an_accurate_mean() {
        // 1e16 + many ones - 1e16: a plain running sum loses every one.
        let mut x = vec![1.0; 1001];
        x[0] = 1e16 * 32768.0;
        x.push(-1e16 * 32768.0);
        let mut stats = SignalStats::new();
        for chunk in x.chunks(7) {
            stats.push(chunk, 1.0).expect("finite");
        }
        let expected = 1000.0 / 32768.0 / 1002.0;
        assert!(
            (stats.mean() - expected).abs() <= 1e-15 * expected,
            "{}",
            stats.mean()
        );
    }

    #[test]
    fn scaled_blocks_equal_raw_blocks() {
        // int16 samples normalised by 2^15 and scaled back are bit-identical to the raw values.
        let raw: Vec<f64> = (-300..300).map(|i| (i * 97) as f64).collect();
        let unit: Vec<f64> = raw.iter().map(|r| r / 32768.0).collect();
        let (mut a, mut b) = (SignalStats::new(), SignalStats::new());
        a.push(&raw, 1.0).expect("finite");
        b.push(&unit, 32768.0).expect("finite");
        let (na, nb) = (a.normalisation(1.0), b.normalisation(32768.0));
        assert_eq!(na.mean(), nb.mean());
        assert_eq!(na.divisor(), nb.divisor());
        for (r, u) in raw.iter().zip(&unit) {
            assert_eq!(na.apply(*r), nb.apply(*u));
        }
    }
}

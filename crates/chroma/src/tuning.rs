//! Tuning estimation: how far a recording's A4 is from 440 Hz, in cents, from its spectral peaks.
//!
//! Every spectral peak the accurate chroma finds has a pitch `p = 12 log2(f / 440)` semitones;
//! its offset from the nearest equal-tempered semitone, `100 (p - round(p))` cents, lies in
//! [-50, 50). In tuned music most of the spectral energy sits at one common offset: the
//! tuning. [`TuningHistogram`] accumulates the offsets of a file's peaks weighted by their
//! magnitude in 1-cent bins (each offset split linearly between its two nearest bin centres, so
//! no precision is lost to the binning), and [`TuningHistogram::estimate`] finds the mode of the
//! circularly smoothed histogram and refines it with the weighted circular mean of the offsets
//! within [`REFINE_HALF_WIDTH_CENTS`] of it. This is the idea of librosa's `estimate_tuning`
//! (a histogram of residuals of the frequencies of strong peaks, whose arg max is the estimate)
//! and of Essentia's `TuningFrequency` (a cent histogram of peak deviations over frames), with a
//! sub-cent refinement: the estimate of a harmonic tone detuned by any amount in [-45, 45]
//! cents is within a fraction of a cent, and the 5th and 7th harmonics (-14 and -31 cents off
//! equal temperament) fall outside the refinement window.
//!
//! The histogram is a fixed 100 numbers, so it streams: feed peaks in any order, merge
//! histograms of parts, estimate at the end.

use std::f64::consts::PI;

/// Number of histogram bins: one per cent.
pub const TUNING_BINS: usize = 100;

/// Half-width in cents of the window around the histogram's mode whose offsets are averaged
/// into the estimate.
pub const REFINE_HALF_WIDTH_CENTS: f64 = 8.0;

/// Half-width in cents of the (triangular) kernel that smooths the histogram before its mode is
/// taken.
const SMOOTH_HALF_WIDTH: usize = 4;

/// The share of the histogram's weight that must lie within [`REFINE_HALF_WIDTH_CENTS`] of the
/// mode for the estimate to count as pitched content: a flat histogram (noise) puts 17% there,
/// a tuned recording far more.
pub const MIN_CONCENTRATION: f64 = 0.25;

/// A magnitude-weighted histogram of spectral peaks' offsets from the nearest equal-tempered
/// semitone of A4 = 440 Hz: bin `b` (0..100) is centred on `b - 50` cents.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningHistogram {
    bins: [f64; TUNING_BINS],
    total: f64,
}

impl Default for TuningHistogram {
    fn default() -> Self {
        TuningHistogram {
            bins: [0.0; TUNING_BINS],
            total: 0.0,
        }
    }
}

/// A tuning estimate: the deviation of the recording's A4 from 440 Hz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TuningEstimate {
    /// Cents in [-50, 50): A4 is at `440 * 2^(cents / 1200)` Hz.
    pub cents: f64,
    /// Share of the histogram's weight within [`REFINE_HALF_WIDTH_CENTS`] of the estimate
    /// (about 0.17 for a flat histogram, near 1 for a tuned recording).
    pub concentration: f64,
}

impl TuningEstimate {
    /// The frequency of A4 this tuning implies: `440 * 2^(cents / 1200)` Hz.
    pub fn a4_hz(&self) -> f64 {
        a4_of_cents(self.cents)
    }
}

/// `440 * 2^(cents / 1200)`: the A4 frequency of a tuning in cents.
pub fn a4_of_cents(cents: f64) -> f64 {
    440.0 * 2f64.powf(cents / 1200.0)
}

/// `1200 log2(a4_hz / 440)`: the tuning in cents of an A4 frequency (any octave offset kept).
pub fn cents_of_a4(a4_hz: f64) -> f64 {
    1200.0 * (a4_hz / 440.0).log2()
}

/// Wraps cents into [-50, 50).
fn wrap_cents(c: f64) -> f64 {
    (c + 50.0).rem_euclid(100.0) - 50.0
}

impl TuningHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a peak at pitch `semis` (semitones from A4 = 440 Hz, any octave) with `weight`
    /// (its magnitude). Non-finite or non-positive weights and non-finite pitches are ignored.
    #[inline]
    pub fn add(&mut self, semis: f64, weight: f64) {
        if !(weight > 0.0 && weight.is_finite() && semis.is_finite()) {
            return;
        }
        let offset = 100.0 * (semis - semis.round()); // [-50, 50]
        let pos = (offset + 50.0).rem_euclid(100.0); // bin coordinate in [0, 100)
        let lo = pos.floor();
        let frac = pos - lo;
        let lo = lo as usize % TUNING_BINS;
        let hi = (lo + 1) % TUNING_BINS;
        self.bins[lo] += weight * (1.0 - frac);
        self.bins[hi] += weight * frac;
        self.total += weight;
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &TuningHistogram) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
        self.total += other.total;
    }

    /// Total weight added.
    pub fn total(&self) -> f64 {
        self.total
    }

    /// The bins: bin `b` is centred on `b - 50` cents.
    pub fn bins(&self) -> &[f64; TUNING_BINS] {
        &self.bins
    }

    /// The tuning: the weighted circular mean of the offsets within
    /// [`REFINE_HALF_WIDTH_CENTS`] of the smoothed histogram's mode. `None` when nothing was
    /// added or the weight is spread so evenly (concentration below [`MIN_CONCENTRATION`])
    /// that there is no tuning to speak of (silence, noise).
    pub fn estimate(&self) -> Option<TuningEstimate> {
        if !(self.total > 0.0 && self.total.is_finite()) {
            return None;
        }
        let n = TUNING_BINS as isize;
        let at = |i: isize| self.bins[i.rem_euclid(n) as usize];
        let mut best = 0isize;
        let mut best_value = f64::MIN;
        for i in 0..n {
            let k = SMOOTH_HALF_WIDTH as isize;
            let smoothed: f64 = (-k..=k).map(|j| at(i + j) * (k + 1 - j.abs()) as f64).sum();
            if smoothed > best_value {
                best_value = smoothed;
                best = i;
            }
        }
        // Circular mean of the bins within the refinement window around the mode: each bin's
        // weight at its centre (the linear split in `add` keeps the mean exact for one offset).
        let half = REFINE_HALF_WIDTH_CENTS.round() as isize;
        let (mut s, mut c, mut inside) = (0.0, 0.0, 0.0);
        for j in -half..=half {
            let w = at(best + j);
            let cents = (best + j) as f64 - 50.0;
            let angle = 2.0 * PI * cents / 100.0;
            s += w * angle.sin();
            c += w * angle.cos();
            inside += w;
        }
        if inside <= 0.0 {
            return None;
        }
        let concentration = inside / self.total;
        if concentration < MIN_CONCENTRATION {
            return None;
        }
        let cents = wrap_cents(s.atan2(c) * 100.0 / (2.0 * PI));
        Some(TuningEstimate {
            cents,
            concentration,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_offset_is_recovered_exactly() {
        for cents in [-45.0, -12.3, 0.0, 0.4, 17.5, 44.9] {
            let mut h = TuningHistogram::new();
            for octave in -3..3 {
                h.add(12.0 * octave as f64 + 3.0 + cents / 100.0, 1.0);
            }
            let e = h.estimate().unwrap();
            assert!((e.cents - cents).abs() < 0.05, "{cents}: {e:?}");
            assert!(e.concentration > 0.99);
        }
    }

    #[test]
    fn wraps_around_the_half_semitone() {
        let mut h = TuningHistogram::new();
        h.add(0.49, 1.0);
        h.add(-0.49 + 1.0, 1.0); // +51 cents = -49 cents
        let e = h.estimate().unwrap();
        assert!((e.cents.abs() - 50.0).abs() < 1.5, "{e:?}");
        assert!((-50.0..50.0).contains(&e.cents));
    }

    #[test]
    fn outliers_outside_the_window_do_not_bias() {
        let mut h = TuningHistogram::new();
        h.add(0.10, 10.0); // +10 cents
        h.add(5.0 - 0.137 + 0.10, 3.0); // a 5th harmonic: 14 cents flat of the rest
        h.add(7.0 + 0.35, 1.0);
        let e = h.estimate().unwrap();
        assert!((e.cents - 10.0).abs() < 0.05, "{e:?}");
    }

    #[test]
    fn flat_or_empty_histograms_have_no_tuning() {
        assert_eq!(TuningHistogram::new().estimate(), None);
        let mut h = TuningHistogram::new();
        for i in 0..1000 {
            h.add(i as f64 * 0.01, 1.0);
        }
        assert_eq!(h.estimate(), None);
        h.add(1.0, f64::NAN);
        h.add(f64::INFINITY, 1.0);
        assert!(h.total().is_finite());
    }

    #[test]
    fn merge_adds() {
        let mut a = TuningHistogram::new();
        a.add(0.2, 1.0);
        let mut b = TuningHistogram::new();
        b.add(0.2, 2.0);
        a.merge(&b);
        assert_eq!(a.total(), 3.0);
        assert!((a.estimate().unwrap().cents - 20.0).abs() < 1e-9);
        assert!((cents_of_a4(a4_of_cents(13.0)) - 13.0).abs() < 1e-12);
    }
}

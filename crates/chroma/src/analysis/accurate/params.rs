//! The accurate chroma's parameters and their bounds, checked for a sample rate.

use super::pitch_weights::MAX_HARMONICS;
use crate::analysis::tuning::Tuning;
use crate::error::ChromaError;

/// Longest window (= FFT length) [`AccurateChroma::new`](crate::AccurateChroma::new) accepts: 2^21 samples (16 MB per
/// buffer; 10 s at 192 kHz). The window is sized from the sample rate, so it must be bounded
/// whatever a caller or a file header claims.
pub const MAX_N_FFT: usize = 1 << 21;

/// Most chromagram frames [`AccurateChroma::reserve_for`] reserves ahead of the data (2^16 rows,
/// 6.8 MB, about 50 min at 44.1 kHz); longer streams grow as their frames arrive.
pub(super) const MAX_RESERVED_FRAMES: u64 = 1 << 16;

/// Parameters of the accurate chroma. Validated for a sample rate by [`AccurateChroma::new`](crate::AccurateChroma::new).
///
/// Per frame of `n_fft` samples (the smallest power of two covering `min_window_s` seconds;
/// hop `n_fft / 4`), Hann-windowed, with power spectrum `P_k = |FFT(w x)_k|^2`:
/// 0. the frame's mean is subtracted before windowing (DC carries no pitch);
/// 1. peaks are the bins `k` with `P_{k-1} < P_k >= P_{k+1}`, `fmin_hz <= k fs / n_fft <= fmax_hz`
///    and `P_k >= max_j P_j * 10^(peak_floor_db / 10)` (strongest bin of the whole spectrum);
/// 2. each peak's frequency and power come from a parabola through `ln P` at `k-1, k, k+1`:
///    `d = (a - c) / (2 (a - 2b + c))`, `f = (k + d) fs / n_fft`, `P = exp(b - (a - c) d / 4)`;
/// 3. its pitch in semitones from A is `p = 12 log2(f / a4)`, where `a4` is the fixed A4 of
///    [`Tuning::Fixed`] or [`Tuning::A4`] and, with [`Tuning::Estimate`] (default), the file's own tuning
///    estimated from the offsets of all its peaks ([`TuningHistogram`](crate::TuningHistogram)); pitch class `i` (0 = A) gets
///    `P^(exponent/2) cos^2(pi/2 * dist(p, i) / (2/3))` where `dist` is the circular distance in semitones
///    and the weight is 0 beyond 2/3 semitone (Essentia HPCP's 4/3-semitone cosine window);
/// 4. with `harmonics = H > 1`, the peak also adds `P^(exponent/2) decay^(h-1)` to the pitch
///    `p - 12 log2 h`
///    for `h = 2..=H` (HPCP harmonic summation: upper partials vote for their fundamental).
///
/// The transform is computed in single precision (rounding about 1e-7 of the strongest bin, far
/// below the peak floor), the rest in double; a full frame's mean is removed in the spectrum
/// (bins 0 and 1) rather than sample by sample, with the same result to that rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccurateParams {
    /// Whether A4 is estimated from the signal (default) or fixed, and where.
    pub tuning: Tuning,
    /// Lowest peak frequency used, Hz (default 26: just below A0 = 27.5 Hz minus 50 cents).
    pub fmin_hz: f64,
    /// Highest peak frequency used, Hz (default 5000, above C8 = 4186 Hz); capped at Nyquist.
    pub fmax_hz: f64,
    /// Shortest analysis window in seconds; `n_fft` is the next power of two of
    /// `min_window_s * fs` (default 0.15: 8192 samples = 186 ms at 44.1 kHz, 4096 at 22.05 kHz;
    /// bin spacing <= 6.7 Hz. A lone note's pitch is exact at any pitch thanks to the peak
    /// interpolation; two simultaneous notes a semitone apart separate above about 230 Hz
    /// (measured from A#3 up at 44.1 kHz), where a semitone exceeds the Hann main lobe's 2 bins).
    pub min_window_s: f64,
    /// Peaks weaker than the frame's strongest by more than this many dB are ignored (default -60).
    pub peak_floor_db: f64,
    /// Number of harmonics summed onto their fundamental (1 = none; default 4: with it, and
    /// `exponent` 1, the top note of the soft profile is the tonic on 6/6 corpus pieces in a
    /// major key, against 4/6 with neither). Side effect: a lone pure tone lends
    /// `decay^2 / (1 + decay + decay^2 + decay^3)` (17%) of its soft profile to the note a twelfth below
    /// (`f / 3`); its dominant note is unaffected.
    pub harmonics: usize,
    /// Weight factor per harmonic for the summation (default 0.6).
    pub harmonic_decay: f64,
    /// Each peak contributes `P^(exponent / 2)`: 2 sums power, 1 (default) sums magnitude,
    /// which keeps loud partials from outvoting the other notes of a chord.
    pub exponent: f64,
}

impl Default for AccurateParams {
    fn default() -> Self {
        AccurateParams {
            tuning: Tuning::default(),
            fmin_hz: 26.0,
            fmax_hz: 5000.0,
            min_window_s: 0.15,
            peak_floor_db: -60.0,
            harmonics: 4,
            harmonic_decay: 0.6,
            exponent: 1.0,
        }
    }
}

impl AccurateParams {
    /// The FFT (= window) length for a sample rate: `next_power_of_two(ceil(min_window_s * fs))`.
    pub fn n_fft(&self, sample_rate: u32) -> usize {
        let n = (self.min_window_s * sample_rate as f64).ceil().max(16.0) as usize;
        n.next_power_of_two()
    }

    pub(super) fn validate(&self, sample_rate: u32) -> Result<(), ChromaError> {
        let bad = |name: &'static str, value: f64, reason: &'static str| {
            Err(ChromaError::InvalidParameter {
                name,
                value,
                reason,
            })
        };
        if sample_rate == 0 {
            return bad("sample_rate", 0.0, "must be positive");
        }
        if let Some(a4_hz) = self.tuning.fixed_a4_hz() {
            if !(a4_hz.is_finite() && a4_hz > 0.0) {
                return bad("a4_hz", a4_hz, "must be positive");
            }
        }
        if let Tuning::Estimate { window_s } = self.tuning {
            if !(window_s.is_finite() && window_s > 0.0) {
                return bad("tuning window_s", window_s, "must be positive");
            }
        }
        if !(self.fmin_hz.is_finite() && self.fmin_hz > 0.0) {
            return bad("fmin_hz", self.fmin_hz, "must be positive");
        }
        if self.fmax_hz.is_nan() || self.fmax_hz <= self.fmin_hz {
            return bad("fmax_hz", self.fmax_hz, "must exceed fmin_hz");
        }
        if self.fmin_hz >= sample_rate as f64 / 2.0 {
            return bad(
                "fmin_hz",
                self.fmin_hz,
                "must be below the Nyquist frequency",
            );
        }
        if !(self.min_window_s.is_finite() && self.min_window_s > 0.0 && self.min_window_s <= 10.0)
        {
            return bad("min_window_s", self.min_window_s, "must be in (0, 10] s");
        }
        if self.n_fft(sample_rate) > MAX_N_FFT {
            return bad(
                "min_window_s",
                self.min_window_s,
                "makes the window longer than MAX_N_FFT (2^21) samples at this rate",
            );
        }
        if !(self.peak_floor_db.is_finite() && self.peak_floor_db < 0.0) {
            return bad("peak_floor_db", self.peak_floor_db, "must be negative");
        }
        if !(self.exponent.is_finite() && self.exponent > 0.0 && self.exponent <= 4.0) {
            return bad("exponent", self.exponent, "must be in (0, 4]");
        }
        if self.harmonics == 0 || self.harmonics > MAX_HARMONICS {
            return bad("harmonics", self.harmonics as f64, "must be in 1..=16");
        }
        if !(self.harmonic_decay.is_finite() && (0.0..=1.0).contains(&self.harmonic_decay)) {
            return bad("harmonic_decay", self.harmonic_decay, "must be in [0, 1]");
        }
        Ok(())
    }
}

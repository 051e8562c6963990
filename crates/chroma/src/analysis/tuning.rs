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

/// Added to a peak's pitch in cents by [`TuningHistogram::add`] so that every pitch is positive:
/// 2^20 semitones, a multiple of the 100 bins (the sum stays exact to about 1e-8 cents).
const CENTS_BIAS: f64 = 100.0 * (1u64 << 20) as f64;

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
    /// Cents: A4 is at `440 * 2^(cents / 1200)` Hz. Within [`REFINE_HALF_WIDTH_CENTS`] of the
    /// histogram's mode (in [-50, 50)), so in [-58, 58): near the half-semitone the estimate
    /// stays on the mode's side (see [`TuningHistogram::estimate`]).
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

/// The largest fixed tuning [`Tuning::cents`] takes, in cents either way (an octave).
pub const MAX_FIXED_CENTS: f64 = 1200.0;

/// The A4 frequencies [`Tuning::a4`] takes, Hz.
pub const A4_RANGE_HZ: std::ops::RangeInclusive<f64> = 100.0..=1000.0;

/// How the accurate chroma chooses its reference pitch A4 ([`crate::AccurateParams::tuning`]):
/// estimated per file, or fixed. The command line's `--tuning auto|CENTS` and `--a4 HZ`, the
/// Python package's `tuning` and `a4` arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tuning {
    /// A4 estimated from the signal's spectral peaks ([`TuningHistogram`]), 440 Hz when the
    /// signal has no pitched content (`--tuning auto`, the default). Streaming: the peaks of
    /// the first `window_s` seconds are held (a few MB at most) until the tuning is estimated
    /// from them; the chroma of those frames is then computed with it, and later frames use it
    /// directly. For signals shorter than `window_s` (the default 60 s) the tuning comes from
    /// the whole signal.
    Estimate {
        /// Seconds of audio whose peaks decide the tuning (default 60).
        window_s: f64,
    },
    /// A4 fixed at `cents` from 440 Hz, at [`a4_of_cents`] (`--tuning CENTS`; `0`: 440 Hz
    /// exactly, equal temperament at concert pitch).
    Fixed {
        /// Cents from A4 = 440 Hz.
        cents: f64,
    },
    /// A4 fixed at a frequency (`--a4 HZ`). Kept in Hz so that A4 is that frequency exactly:
    /// through cents and back, some frequencies would come back a rounding off.
    A4 {
        /// The frequency of A4, Hz.
        hz: f64,
    },
}

impl Tuning {
    /// [`Tuning::Estimate`] with the default 60 s window.
    pub const ESTIMATE: Tuning = Tuning::Estimate { window_s: 60.0 };

    /// A fixed tuning in cents, within ±[`MAX_FIXED_CENTS`].
    pub fn cents(cents: f64) -> Result<Self, TuningError> {
        if cents.is_finite() && cents.abs() <= MAX_FIXED_CENTS {
            Ok(Tuning::Fixed { cents })
        } else {
            Err(TuningError::Cents { cents })
        }
    }

    /// A fixed A4 frequency in Hz, within [`A4_RANGE_HZ`].
    pub fn a4(hz: f64) -> Result<Self, TuningError> {
        if hz.is_finite() && A4_RANGE_HZ.contains(&hz) {
            Ok(Tuning::A4 { hz })
        } else {
            Err(TuningError::A4 { hz })
        }
    }

    /// Parses an A4 frequency (`--a4`): a number of Hz within [`A4_RANGE_HZ`].
    pub fn parse_a4(s: &str) -> Result<Self, TuningError> {
        s.parse::<f64>()
            .ok()
            .and_then(|hz| Tuning::a4(hz).ok())
            .ok_or_else(|| TuningError::A4Text { text: s.to_owned() })
    }

    /// This tuning with an A4 frequency given beside it (`a4`, as `--a4`): the A4 tuning when
    /// this one is estimated, an error when both fix the tuning.
    pub fn with_a4(self, a4: Option<f64>) -> Result<Self, TuningError> {
        match (self, a4) {
            (tuning, None) => Ok(tuning),
            (Tuning::Estimate { .. }, Some(hz)) => Tuning::a4(hz),
            (_, Some(_)) => Err(TuningError::Both),
        }
    }

    /// The A4 frequency a fixed tuning measures pitches against (`None` when estimated).
    pub fn fixed_a4_hz(self) -> Option<f64> {
        match self {
            Tuning::Estimate { .. } => None,
            Tuning::Fixed { cents } => Some(a4_of_cents(cents)),
            Tuning::A4 { hz } => Some(hz),
        }
    }
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning::ESTIMATE
    }
}

impl std::str::FromStr for Tuning {
    type Err = TuningError;
    /// Parses `auto` ([`Tuning::ESTIMATE`]) or cents (`--tuning`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(Tuning::ESTIMATE);
        }
        s.parse::<f64>()
            .ok()
            .and_then(|c| Tuning::cents(c).ok())
            .ok_or_else(|| TuningError::Text { text: s.to_owned() })
    }
}

/// A tuning the command line or the Python package was given that [`Tuning`] refuses; the
/// messages are the command line's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TuningError {
    /// `--tuning`'s text is neither `auto` nor cents within ±[`MAX_FIXED_CENTS`].
    #[error("expected `auto` or cents between -{max} and {max}, got {text:?}", max = MAX_FIXED_CENTS)]
    Text {
        /// The text given.
        text: String,
    },
    /// Cents beyond ±[`MAX_FIXED_CENTS`] (or not finite).
    #[error("expected a tuning in cents between -{max} and {max}, got {cents}", max = MAX_FIXED_CENTS)]
    Cents {
        /// The cents given.
        cents: f64,
    },
    /// An A4 frequency outside [`A4_RANGE_HZ`] (or not finite).
    #[error(
        "expected a frequency in Hz between {} and {}, got {hz}",
        A4_RANGE_HZ.start(),
        A4_RANGE_HZ.end()
    )]
    A4 {
        /// The frequency given, Hz.
        hz: f64,
    },
    /// `--a4`'s text is not a frequency within [`A4_RANGE_HZ`].
    #[error(
        "expected a frequency in Hz between {} and {}, got {text:?}",
        A4_RANGE_HZ.start(),
        A4_RANGE_HZ.end()
    )]
    A4Text {
        /// The text given.
        text: String,
    },
    /// Both cents and an A4 frequency were given.
    #[error("give the tuning either in cents or as A4, not both")]
    Both,
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
        // The bin coordinate is the pitch in cents plus 50, modulo 100 (bin `b` is centred on
        // `b - 50` cents). It is computed without `round`, `floor` and `rem_euclid`, which are
        // library calls on baseline x86-64 and were most of the tuning estimate's cost: the
        // bias makes the value positive, so `as` truncates it to its floor.
        let pos = semis * 100.0 + (50.0 + CENTS_BIAS);
        if !(0.0..2.0 * CENTS_BIAS).contains(&pos) {
            return; // beyond 2^20 semitones from A4: not a pitch
        }
        let whole = pos as u64;
        let frac = pos - whole as f64;
        let lo = (whole % TUNING_BINS as u64) as usize;
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
    /// that there is no tuning to speak of (silence, noise). Near ±50 cents the estimate does
    /// not wrap across the half-semitone away from the mode: it stays on the mode's side (up
    /// to ±58 cents), so that the pitches of a single note detuned by almost half a semitone
    /// keep the name of the semitone its partials are nearest.
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
        // The mean, on the mode's side of the half-semitone: the mode's offset plus the mean's
        // (wrapped) distance from it. Near +-50 cents the offsets of one detuned note straddle
        // the half-semitone (a note 45 cents sharp has partials at +44 to +47 cents, and
        // vibrato or stretched upper partials spread it past +50, which wraps to -50); their
        // circular mean may then land past +50, and wrapped to -49 the fundamental (+45) would
        // sit 94 cents above its semitone, named after its neighbour. Unwrapped around the
        // mode (+51) every pitch keeps the name of the semitone most of its note is near.
        let mode_cents = best.rem_euclid(n) as f64 - 50.0;
        let mean = s.atan2(c) * 100.0 / (2.0 * PI);
        let cents = mode_cents + wrap_cents(mean - mode_cents);
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
        // On the mode's side of the half-semitone, within the refinement window of it.
        assert!(e.cents.abs() < 50.0 + REFINE_HALF_WIDTH_CENTS, "{e:?}");
    }

    #[test]
    fn stays_on_the_side_of_the_mode_near_the_half_semitone() {
        // A note 47 cents sharp whose vibrato and upper partials spread past +50 cents: the
        // mode is at +47, the mean of the offsets near it past +50, which must not wrap to -49
        // (the fundamental would then be named after the semitone above). Mirrored for a note
        // 47 cents flat.
        for sign in [1.0, -1.0] {
            let mut h = TuningHistogram::new();
            h.add(sign * 0.47, 4.0); // the fundamental
            h.add(12.0 + sign * 0.47, 3.0);
            h.add(19.0 + sign * 0.53, 2.0);
            h.add(24.0 + sign * 0.55, 2.0);
            h.add(31.0 + sign * 0.55, 2.0);
            let e = h.estimate().unwrap();
            assert!(
                sign * e.cents > 50.0 && e.cents.abs() < 58.0,
                "{sign}: {e:?}"
            );
            // Measured against the estimate, the fundamental keeps its semitone (A).
            assert_eq!((sign * 0.47 - e.cents / 100.0).round(), 0.0, "{e:?}");
        }
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
    fn bins_match_the_offset_from_the_nearest_semitone() {
        // The biased, truncating bin coordinate equals `100 (p - round(p)) + 50 mod 100` for
        // pitches far below and above A4, on bin edges and exactly half-way between semitones.
        for semis in [
            -60.0, -47.3, -12.0, -0.5, -0.004, 0.0, 0.3, 0.5, 11.999, 23.77, 70.25,
        ] {
            let mut h = TuningHistogram::new();
            h.add(semis, 1.0);
            let offset: f64 = 100.0 * (semis - semis.round()) + 50.0;
            let pos = offset.rem_euclid(100.0);
            let lo = pos.floor() as usize % TUNING_BINS;
            let frac = pos - pos.floor();
            let bins = h.bins();
            assert!(
                (bins[lo] - (1.0 - frac)).abs() < 1e-6,
                "{semis}: {:?}",
                &bins[..]
            );
            assert!(
                (bins[(lo + 1) % TUNING_BINS] - frac).abs() < 1e-6,
                "{semis}"
            );
            assert!((bins.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        let mut h = TuningHistogram::new();
        h.add(1e300, 1.0);
        h.add(-1e300, 1.0);
        assert_eq!(h.total(), 0.0);
    }

    #[test]
    fn tunings_parse_and_fix_a4() {
        assert_eq!("auto".parse(), Ok(Tuning::ESTIMATE));
        assert_eq!("-12.5".parse(), Ok(Tuning::Fixed { cents: -12.5 }));
        for bad in ["1201", "nan", "inf", "sharp", ""] {
            let e = bad.parse::<Tuning>().unwrap_err().to_string();
            assert!(e.contains("between -1200 and 1200"), "{bad}: {e}");
        }
        assert_eq!(Tuning::parse_a4("415"), Ok(Tuning::A4 { hz: 415.0 }));
        assert!(Tuning::parse_a4("99")
            .unwrap_err()
            .to_string()
            .contains("\"99\""));
        assert!(Tuning::a4(f64::NAN).is_err());
        assert_eq!(
            Tuning::ESTIMATE.with_a4(Some(442.0)),
            Ok(Tuning::A4 { hz: 442.0 })
        );
        assert_eq!(
            Tuning::Fixed { cents: 0.0 }.with_a4(Some(442.0)),
            Err(TuningError::Both)
        );
        assert!(Tuning::ESTIMATE.with_a4(Some(5000.0)).is_err());

        assert_eq!(Tuning::Fixed { cents: 0.0 }.fixed_a4_hz(), Some(440.0));
        assert_eq!(Tuning::A4 { hz: 415.0 }.fixed_a4_hz(), Some(415.0));
        let semitone = Tuning::Fixed { cents: 100.0 }.fixed_a4_hz().unwrap();
        assert!((semitone - 440.0 * 2f64.powf(1.0 / 12.0)).abs() < 1e-9);
        assert_eq!(Tuning::ESTIMATE.fixed_a4_hz(), None);
        assert_eq!(Tuning::default(), Tuning::ESTIMATE);
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

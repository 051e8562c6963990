//! Chromagrams (frames x 12), the dominant note of each frame, and per-file note profiles.

use polars::prelude::{Column, DataFrame};

use crate::error::ChromaError;
use crate::pitch_class::{first_argmax, NOTE_NAMES};

/// A chromagram: one 12-vector of pitch-class energies per analysis frame, index 0 = A
/// (columns named by [`NOTE_NAMES`]), plus each frame's signal energy for the voicing decision.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chromagram {
    rows: Vec<[f64; 12]>,
    energy: Vec<f64>,
    hop_s: f64,
    tuning_cents: f64,
}

impl Chromagram {
    /// An empty chromagram whose frames will start every `hop_s` seconds.
    pub fn new(hop_s: f64) -> Self {
        Chromagram {
            rows: Vec::new(),
            energy: Vec::new(),
            hop_s,
            tuning_cents: 0.0,
        }
    }

    /// The tuning the pitch classes were measured against: A4 = `440 * 2^(cents / 1200)` Hz
    /// (0 unless the accurate chroma estimated or was given another tuning).
    pub fn tuning_cents(&self) -> f64 {
        self.tuning_cents
    }

    /// Records the tuning the pitch classes were measured against.
    pub fn set_tuning_cents(&mut self, cents: f64) {
        self.tuning_cents = cents;
    }

    /// Appends a frame: its 12 chroma values and its energy (mean square of the frame's samples,
    /// `sum x^2 / W`).
    pub fn push(&mut self, chroma: [f64; 12], energy: f64) {
        self.rows.push(chroma);
        self.energy.push(energy);
    }

    /// Reserves room for `additional` more frames.
    pub fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
        self.energy.reserve(additional);
    }

    /// Number of frames.
    pub fn n_frames(&self) -> usize {
        self.rows.len()
    }

    /// Seconds between the starts of consecutive frames.
    pub fn hop_s(&self) -> f64 {
        self.hop_s
    }

    /// Chroma values of frame `i` (index 0 = A); panics if `i >= n_frames()`.
    pub fn row(&self, i: usize) -> &[f64; 12] {
        &self.rows[i]
    }

    /// All frames' chroma values.
    pub fn rows(&self) -> &[[f64; 12]] {
        &self.rows
    }

    /// Per-frame energies (mean square of the frame's samples).
    pub fn energies(&self) -> &[f64] {
        &self.energy
    }

    /// Column names, in order: [`NOTE_NAMES`].
    pub fn names(&self) -> [&'static str; 12] {
        NOTE_NAMES
    }

    /// The chromagram as a DataFrame: `time_s` (frame start, `i * hop_s`), then the 12 columns
    /// `A` .. `G#`, one row per frame.
    pub fn to_dataframe(&self) -> Result<DataFrame, ChromaError> {
        let n = self.rows.len();
        let mut columns = Vec::with_capacity(13);
        columns.push(Column::new(
            "time_s".into(),
            (0..n).map(|i| i as f64 * self.hop_s).collect::<Vec<f64>>(),
        ));
        for (j, name) in NOTE_NAMES.iter().enumerate() {
            columns.push(Column::new(
                (*name).into(),
                self.rows.iter().map(|r| r[j]).collect::<Vec<f64>>(),
            ));
        }
        DataFrame::new(n, columns).map_err(|source| ChromaError::Table {
            what: "building the chromagram table".into(),
            source,
        })
    }

    /// The frames that vote under `policy` (`true` = votes), one flag per frame.
    pub fn voting_frames(&self, policy: &VotePolicy) -> Vec<bool> {
        match policy {
            VotePolicy::AllFrames => vec![true; self.rows.len()],
            VotePolicy::Voiced(v) => {
                let loudest = self.energy.iter().copied().fold(0.0_f64, f64::max);
                let floor = (loudest * 10f64.powf(v.relative_db / 10.0)).max(v.absolute_floor);
                self.rows
                    .iter()
                    .zip(&self.energy)
                    .map(|(c, &e)| e > floor && e > 0.0 && chroma_flatness(c) <= v.max_flatness)
                    .collect()
            }
        }
    }

    /// The dominant note of each frame: the first maximum of its chroma (index 0 = A), or `None`
    /// for a frame that does not vote under `policy`. Under [`VotePolicy::AllFrames`] an all-zero
    /// frame is A (index 0), as NumPy's `argmax` gives.
    pub fn dominant_notes(&self, policy: &VotePolicy) -> Vec<Option<usize>> {
        self.voting_frames(policy)
            .iter()
            .zip(&self.rows)
            .map(|(&v, c)| v.then(|| first_argmax(c)))
            .collect()
    }

    /// The file's note profile under `policy` (see [`NoteProfile`] for the formulas).
    pub fn note_profile(&self, policy: &VotePolicy) -> NoteProfile {
        let votes = self.voting_frames(policy);
        let mut counts = [0usize; 12];
        let mut mean = [0.0f64; 12];
        let mut voiced = 0usize;
        for (c, _) in self.rows.iter().zip(&votes).filter(|(_, &v)| v) {
            voiced += 1;
            counts[first_argmax(c)] += 1;
            let total: f64 = c.iter().sum();
            if total > 0.0 && total.is_finite() {
                for (m, x) in mean.iter_mut().zip(c) {
                    *m += x / total;
                }
            }
        }
        let mut dominant = [0.0f64; 12];
        if voiced > 0 {
            for (d, &n) in dominant.iter_mut().zip(&counts) {
                *d = n as f64 / voiced as f64;
            }
        }
        let mean_total: f64 = mean.iter().sum();
        if mean_total > 0.0 {
            for m in mean.iter_mut() {
                *m /= mean_total;
            }
        }
        NoteProfile {
            dominant,
            mean_chroma: mean,
            voiced_frames: voiced,
            frames: self.rows.len(),
        }
    }
}

/// Spectral flatness of a chroma vector: geometric mean / arithmetic mean of the 12 values,
/// `exp(mean ln(c_i / s + 1e-12)) / (1/12)` with `s = sum c`; 1 for a perfectly flat vector,
/// near 0 for a single pitch class. An all-zero (or non-finite) vector gives 1 (no pitch).
pub fn chroma_flatness(chroma: &[f64; 12]) -> f64 {
    let total: f64 = chroma.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return 1.0;
    }
    let mean_ln = chroma.iter().map(|c| (c / total + 1e-12).ln()).sum::<f64>() / 12.0;
    (mean_ln.exp() * 12.0).min(1.0)
}

/// Which frames vote for the profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VotePolicy {
    /// Every frame votes; an all-zero chroma votes A. This is what the reference table
    /// (`seed_table.csv`: `np.bincount(argmax, minlength=12) / n_frames`) did.
    AllFrames,
    /// Only frames that carry pitched energy vote (see [`VoicingThreshold`]).
    Voiced(VoicingThreshold),
}

impl Default for VotePolicy {
    fn default() -> Self {
        VotePolicy::Voiced(VoicingThreshold::default())
    }
}

/// When a frame counts as voiced: its energy `e` (mean square) satisfies
/// `e > max(e_max * 10^(relative_db/10), absolute_floor)` where `e_max` is the file's loudest
/// frame, and its chroma flatness ([`chroma_flatness`]) is at most `max_flatness`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoicingThreshold {
    /// Level below the file's loudest frame under which a frame is silent, in dB (default -60).
    pub relative_db: f64,
    /// Absolute mean-square floor (default 1e-10, i.e. -100 dB re full scale, below 16-bit
    /// quantisation noise, so digital silence and dither never vote).
    pub absolute_floor: f64,
    /// Chroma flatness above which a frame is unpitched (noise) (default 0.9).
    pub max_flatness: f64,
}

impl Default for VoicingThreshold {
    fn default() -> Self {
        VoicingThreshold {
            relative_db: -60.0,
            absolute_floor: 1e-10,
            max_flatness: 0.9,
        }
    }
}

/// A file's 12-note profile.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteProfile {
    /// Share of voting frames whose dominant note is each pitch class (index 0 = A):
    /// `bincount(argmax, minlength = 12) / voiced_frames`; all zeros when no frame votes.
    pub dominant: [f64; 12],
    /// Soft profile: mean over voting frames of the chroma normalised to sum 1, renormalised to
    /// sum 1; all zeros when no frame votes (or all voting frames are zero).
    pub mean_chroma: [f64; 12],
    /// Number of frames that voted.
    pub voiced_frames: usize,
    /// Number of frames analysed.
    pub frames: usize,
}

impl NoteProfile {
    /// The pitch class (0 = A) that dominates most frames (first on ties), or `None` when no
    /// frame voted.
    pub fn top_note(&self) -> Option<usize> {
        (self.voiced_frames > 0).then(|| first_argmax(&self.dominant))
    }

    /// The pitch class (0 = A) with the largest mean chroma, or `None` when no frame voted.
    pub fn top_mean_note(&self) -> Option<usize> {
        (self.voiced_frames > 0 && self.mean_chroma.iter().any(|&x| x > 0.0))
            .then(|| first_argmax(&self.mean_chroma))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onehot(i: usize, v: f64) -> [f64; 12] {
        let mut c = [0.0; 12];
        c[i] = v;
        c
    }

    #[test]
    fn all_frames_counts_silence_as_a() {
        let mut g = Chromagram::new(0.025);
        g.push([0.0; 12], 0.0);
        g.push(onehot(3, 1.0), 1.0);
        let p = g.note_profile(&VotePolicy::AllFrames);
        assert_eq!(p.voiced_frames, 2);
        assert_eq!(p.dominant[0], 0.5);
        assert_eq!(p.dominant[3], 0.5);
    }

    #[test]
    fn voiced_policy_skips_quiet_and_flat_frames() {
        let mut g = Chromagram::new(0.025);
        g.push(onehot(3, 1.0), 1.0); // loud, pitched
        g.push(onehot(5, 1.0), 1e-7); // -70 dB: silent
        g.push(onehot(5, 1.0), 1e-5); // -50 dB: votes
        g.push([1.0; 12], 1.0); // flat: noise
        g.push([0.0; 12], 0.5); // no pitched energy
        let p = g.note_profile(&VotePolicy::default());
        assert_eq!(p.voiced_frames, 2);
        assert_eq!(p.frames, 5);
        assert_eq!(p.dominant[3], 0.5);
        assert_eq!(p.dominant[5], 0.5);
        assert_eq!(p.top_note(), Some(3));
        assert!((p.mean_chroma.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(
            g.dominant_notes(&VotePolicy::default()),
            vec![Some(3), None, Some(5), None, None]
        );
    }

    #[test]
    fn silence_gives_zero_profile_not_nan() {
        let mut g = Chromagram::new(0.025);
        for _ in 0..10 {
            g.push([0.0; 12], 0.0);
        }
        let p = g.note_profile(&VotePolicy::default());
        assert_eq!(p.voiced_frames, 0);
        assert_eq!(p.frames, 10);
        assert!(p.dominant.iter().chain(&p.mean_chroma).all(|&x| x == 0.0));
        assert_eq!(p.top_note(), None);
        let empty = Chromagram::new(0.1).note_profile(&VotePolicy::default());
        assert!(empty.dominant.iter().all(|x| *x == 0.0));
    }

    #[test]
    fn dataframe_has_time_and_note_columns() {
        let mut g = Chromagram::new(0.5);
        g.push(onehot(2, 1.0), 1.0);
        g.push(onehot(4, 2.0), 1.0);
        let df = g.to_dataframe().unwrap();
        assert_eq!(df.shape(), (2, 13));
        let t = df.column("time_s").unwrap().f64().unwrap().get(1);
        assert_eq!(t, Some(0.5));
        assert_eq!(df.column("C#").unwrap().f64().unwrap().get(1), Some(2.0));
    }

    #[test]
    fn flatness_bounds() {
        assert!((chroma_flatness(&[2.0; 12]) - 1.0).abs() < 1e-9);
        assert!(chroma_flatness(&onehot(4, 3.0)) < 1e-9);
        assert_eq!(chroma_flatness(&[0.0; 12]), 1.0);
    }
}

//! Chromagrams (frames x 12), the dominant note of each frame, and per-file note profiles.

use crate::analysis::pitch_class::{first_argmax, NOTE_NAMES};
use crate::analysis::voicing::{Mergeable, VotingTally};

/// One analysis frame as an analyser hands it on: its chroma, the chroma the key is estimated
/// from, its energy and when it starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChromaFrame {
    /// The frame's 12 pitch-class energies, index 0 = A (the note profile's).
    pub chroma: [f64; 12],
    /// The key's chroma of the frame, index 0 = A: the accurate chroma's peaks without their
    /// non-octave harmonics ([`crate::AccurateChroma`]); the chroma itself where the analyser
    /// has no other.
    pub key_chroma: [f64; 12],
    /// Mean square of the frame's samples.
    pub energy: f64,
    /// Start of the frame, seconds from the start of the signal.
    pub start_s: f64,
}

/// A chromagram: one 12-vector of pitch-class energies per analysis frame, index 0 = A
/// (columns named by [`NOTE_NAMES`]), the key's chroma of each frame ([`ChromaFrame::key_chroma`]),
/// plus each frame's signal energy for the voicing decision.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chromagram {
    rows: Vec<[f64; 12]>,
    key_rows: Vec<[f64; 12]>,
    energy: Vec<f64>,
    hop_s: f64,
    tuning_cents: f64,
}

impl Chromagram {
    /// An empty chromagram whose frames will start every `hop_s` seconds.
    pub fn new(hop_s: f64) -> Self {
        Chromagram {
            rows: Vec::new(),
            key_rows: Vec::new(),
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
    /// `sum x^2 / W`); its key chroma is the same chroma.
    pub fn push(&mut self, chroma: [f64; 12], energy: f64) {
        self.push_with_key(chroma, chroma, energy);
    }

    /// Appends a frame with its own key chroma ([`ChromaFrame::key_chroma`]).
    pub fn push_with_key(&mut self, chroma: [f64; 12], key_chroma: [f64; 12], energy: f64) {
        self.rows.push(chroma);
        self.key_rows.push(key_chroma);
        self.energy.push(energy);
    }

    /// The same frames, starting every `hop_s` seconds.
    pub(crate) fn with_hop_s(mut self, hop_s: f64) -> Self {
        self.hop_s = hop_s;
        self
    }

    /// Reserves room for `additional` more frames.
    pub fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
        self.key_rows.reserve(additional);
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

    /// The key's chroma of every frame ([`ChromaFrame::key_chroma`]).
    pub fn key_rows(&self) -> &[[f64; 12]] {
        &self.key_rows
    }

    /// Frame `i` as a [`ChromaFrame`], numbered from `first` (its start `(first + i) hop_s`);
    /// panics if `i >= n_frames()`.
    pub fn frame(&self, i: usize, first: u64) -> ChromaFrame {
        ChromaFrame {
            chroma: self.rows[i],
            key_chroma: self.key_rows[i],
            energy: self.energy[i],
            start_s: (first + i as u64) as f64 * self.hop_s,
        }
    }

    /// Hands every frame (in order, the first numbered `first`: see [`Chromagram::frame`]) to
    /// `on_frame` and removes them, keeping the hop and tuning; returns how many there were.
    /// For streaming consumers.
    pub fn drain_frames(&mut self, first: u64, mut on_frame: impl FnMut(&ChromaFrame)) -> usize {
        let n = self.rows.len();
        for i in 0..n {
            on_frame(&self.frame(i, first));
        }
        self.rows.clear();
        self.key_rows.clear();
        self.energy.clear();
        n
    }

    /// Per-frame energies (mean square of the frame's samples).
    pub fn energies(&self) -> &[f64] {
        &self.energy
    }

    /// Column names, in order: [`NOTE_NAMES`].
    pub fn names(&self) -> [&'static str; 12] {
        NOTE_NAMES
    }

    /// A small picture of the chromagram: consecutive frames averaged into at most
    /// `max_columns` columns (each column the mean of `ceil(frames / max_columns)` frames, the
    /// last of fewer), every column scaled to its own largest value as 0..=255 (an all-zero
    /// column stays 0). Index 0 of each column is A, as the rows.
    pub fn thumbnail(&self, max_columns: usize) -> Vec<[u8; 12]> {
        let per_col = self.rows.len().div_ceil(max_columns.max(1)).max(1);
        self.rows
            .chunks(per_col)
            .map(|chunk| {
                let mut sum = [0.0f64; 12];
                for row in chunk {
                    for (s, v) in sum.iter_mut().zip(row) {
                        *s += if v.is_finite() { v.max(0.0) } else { 0.0 };
                    }
                }
                let max = sum.iter().copied().fold(0.0, f64::max);
                sum.map(|s| {
                    if max > 0.0 {
                        (s / max * 255.0).round() as u8
                    } else {
                        0
                    }
                })
            })
            .collect()
    }

    /// The frames that vote under `policy` (`true` = votes), one flag per frame.
    pub fn voting_frames(&self, policy: &VotePolicy) -> Vec<bool> {
        match policy {
            VotePolicy::AllFrames => vec![true; self.rows.len()],
            VotePolicy::Voiced(v) => {
                let loudest = self.energy.iter().copied().fold(0.0_f64, f64::max);
                let floor = v.floor(loudest);
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

    /// The file's note profile under `policy` (see [`NoteProfile`] for the formulas), computed
    /// as [`NoteProfileBuilder`] computes it from the frames streamed in order.
    pub fn note_profile(&self, policy: &VotePolicy) -> NoteProfile {
        let mut builder = NoteProfileBuilder::new(*policy);
        for (c, &e) in self.rows.iter().zip(&self.energy) {
            builder.push(c, e);
        }
        builder.finish()
    }
}

/// Votes of a set of frames: how many voted, how many for each dominant note, and the sum of
/// their chroma normalised to sum 1.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    voiced: usize,
    counts: [usize; 12],
    mean: [f64; 12],
}

impl Tally {
    fn add(&mut self, chroma: &[f64; 12]) {
        self.voiced += 1;
        self.counts[first_argmax(chroma)] += 1;
        let total: f64 = chroma.iter().sum();
        if total > 0.0 && total.is_finite() {
            for (m, x) in self.mean.iter_mut().zip(chroma) {
                *m += x / total;
            }
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.voiced += other.voiced;
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        for (a, b) in self.mean.iter_mut().zip(&other.mean) {
            *a += b;
        }
    }
}

impl Mergeable for Tally {
    fn merge(&mut self, other: &Tally) {
        Tally::merge(self, other);
    }
}

/// A file's [`NoteProfile`] computed as its frames stream by, in memory that does not grow with
/// the file's length: the frames that vote are tallied as [`VotePolicy`] says, in buckets by
/// energy while the file's loudest frame is not yet known (exact up to 4096 distinct energies
/// above the floor at once; see `analysis/voicing.rs`).
#[derive(Debug, Clone)]
pub struct NoteProfileBuilder {
    frames: usize,
    tally: VotingTally<Tally>,
}

impl NoteProfileBuilder {
    /// An empty builder for `policy`.
    pub fn new(policy: VotePolicy) -> Self {
        NoteProfileBuilder {
            frames: 0,
            tally: VotingTally::new(policy),
        }
    }

    /// Adds the next frame: its 12 chroma values (index 0 = A) and its energy (mean square).
    pub fn push(&mut self, chroma: &[f64; 12], energy: f64) {
        self.frames += 1;
        self.tally
            .push(energy, || chroma_flatness(chroma), |t| t.add(chroma));
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// The profile of the frames pushed (see [`NoteProfile`]).
    pub fn finish(&self) -> NoteProfile {
        let tally = self.tally.finish();
        let mut dominant = [0.0f64; 12];
        if tally.voiced > 0 {
            for (d, &n) in dominant.iter_mut().zip(&tally.counts) {
                *d = n as f64 / tally.voiced as f64;
            }
        }
        let mut mean = tally.mean;
        let mean_total: f64 = mean.iter().sum();
        if mean_total > 0.0 {
            for m in mean.iter_mut() {
                *m /= mean_total;
            }
        }
        NoteProfile {
            dominant,
            mean_chroma: mean,
            voiced_frames: tally.voiced,
            frames: self.frames,
        }
    }
}

/// A chromagram reduced, as its frames stream by, to at most `max_columns` columns for a
/// picture: each column is the mean of `frames_per_column` consecutive frames (the last column
/// of fewer), and `frames_per_column` doubles (neighbouring columns merge) whenever the columns
/// would exceed `max_columns`. Up to `max_columns` frames every frame is its own column; memory
/// never grows beyond `max_columns` rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ChromagramColumns {
    hop_s: f64,
    max_columns: usize,
    frames_per_column: usize,
    /// Sums of each column's frames.
    sums: Vec<[f64; 12]>,
    /// Frames in the last column.
    last: usize,
    frames: usize,
}

impl ChromagramColumns {
    /// An empty reduction of frames `hop_s` seconds apart to at most `max_columns` columns
    /// (at least 2; an odd number is rounded down to even so that columns merge in pairs).
    pub fn new(hop_s: f64, max_columns: usize) -> Self {
        let max_columns = (max_columns.max(2) / 2) * 2;
        ChromagramColumns {
            hop_s,
            max_columns,
            frames_per_column: 1,
            sums: Vec::new(),
            last: 0,
            frames: 0,
        }
    }

    /// The same columns, of frames `hop_s` seconds apart.
    pub(crate) fn with_hop_s(mut self, hop_s: f64) -> Self {
        self.hop_s = hop_s;
        self
    }

    /// Adds the next frame's 12 chroma values.
    pub fn push(&mut self, chroma: &[f64; 12]) {
        if self.sums.is_empty() || self.last == self.frames_per_column {
            if self.sums.len() == self.max_columns {
                let merged: Vec<[f64; 12]> = self
                    .sums
                    .chunks_exact(2)
                    .map(|p| std::array::from_fn(|i| p[0][i] + p[1][i]))
                    .collect();
                self.sums = merged;
                self.frames_per_column *= 2;
            }
            self.sums.push([0.0; 12]);
            self.last = 0;
        }
        if let Some(col) = self.sums.last_mut() {
            for (s, v) in col.iter_mut().zip(chroma) {
                *s += v;
            }
        }
        self.last += 1;
        self.frames += 1;
    }

    /// The columns: each the mean chroma of its frames.
    pub fn columns(&self) -> Vec<[f64; 12]> {
        let n = self.sums.len();
        self.sums
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let count = if i + 1 == n {
                    self.last
                } else {
                    self.frames_per_column
                };
                s.map(|v| v / count as f64)
            })
            .collect()
    }

    /// Frames averaged into each column (the last may hold fewer).
    pub fn frames_per_column(&self) -> usize {
        self.frames_per_column
    }

    /// Seconds between the starts of consecutive columns.
    pub fn column_s(&self) -> f64 {
        self.hop_s * self.frames_per_column as f64
    }

    /// Frames pushed.
    pub fn n_frames(&self) -> usize {
        self.frames
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

impl VoicingThreshold {
    /// The energy a frame must exceed to vote when the file's loudest frame has energy
    /// `loudest`: `max(loudest * 10^(relative_db/10), absolute_floor)`.
    pub fn floor(&self, loudest: f64) -> f64 {
        (loudest * 10f64.powf(self.relative_db / 10.0)).max(self.absolute_floor)
    }
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
    fn thumbnails_pool_frames_and_scale_each_column() {
        let mut g = Chromagram::new(0.05);
        for i in 0..10 {
            g.push(onehot(i % 2, 1.0 + i as f64), 1.0);
        }
        g.push([0.0; 12], 0.0);
        // 11 frames into at most 4 columns: 3 frames per column, the last of 2.
        let t = g.thumbnail(4);
        assert_eq!(t.len(), 4);
        // Column 0: A gets 1 + 3 = 4, A# gets 2: A = 255, A# = 128.
        assert_eq!((t[0][0], t[0][1]), (255, 128));
        assert!(t[0][2..].iter().all(|&v| v == 0));
        // Column 3: frame 9 (A#, 10) and the silent frame.
        assert_eq!((t[3][0], t[3][1]), (0, 255));
        assert_eq!(g.thumbnail(100).len(), 11);
        assert_eq!(Chromagram::new(0.1).thumbnail(8), Vec::<[u8; 12]>::new());
        assert_eq!(g.thumbnail(0).len(), 1);
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

    /// The streamed profile equals the old per-frame rule (every voting frame summed in order)
    /// for a chromagram whose loudest frame comes late, and columns average like the figure.
    #[test]
    fn streamed_profile_and_columns_match_the_whole_chromagram() {
        let mut g = Chromagram::new(0.1);
        let mut next = crate::analysis::xorshift(7);
        for i in 0..3000 {
            let state = next();
            let e = (state % 1000) as f64 * 1e-9 * (1.0 + i as f64);
            g.push(onehot((state % 12) as usize, 1.0 + (i % 5) as f64), e);
        }
        for policy in [VotePolicy::default(), VotePolicy::AllFrames] {
            let p = g.note_profile(&policy);
            let votes = g.voting_frames(&policy);
            let voiced = votes.iter().filter(|v| **v).count();
            assert_eq!(p.voiced_frames, voiced);
            let mut counts = [0usize; 12];
            for (c, _) in g.rows().iter().zip(&votes).filter(|(_, v)| **v) {
                counts[first_argmax(c)] += 1;
            }
            for (d, n) in p.dominant.iter().zip(counts) {
                assert_eq!(*d, n as f64 / voiced as f64);
            }
        }
        let mut cols = ChromagramColumns::new(0.1, 1200);
        for r in g.rows() {
            cols.push(r);
        }
        assert_eq!(cols.frames_per_column(), 4);
        let c = cols.columns();
        assert_eq!(c.len(), 750);
        let mean0: Vec<f64> = (0..12)
            .map(|k| g.rows()[..4].iter().map(|r| r[k]).sum::<f64>() / 4.0)
            .collect();
        for (x, y) in c[0].iter().zip(&mean0) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn flatness_bounds() {
        assert!((chroma_flatness(&[2.0; 12]) - 1.0).abs() < 1e-9);
        assert!(chroma_flatness(&onehot(4, 3.0)) < 1e-9);
        assert_eq!(chroma_flatness(&[0.0; 12]), 1.0);
    }
}

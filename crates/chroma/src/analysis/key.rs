//! Key estimation: tonic and mode of a file from its chroma, by correlation with published key
//! profiles (the Krumhansl-Schmuckler method), and key-free (relative) note profiles.
//!
//! A [`KeyFinder`] summarises a file's voiced frames (the mean of their key chroma, each
//! normalised to sum 1, plus a weighted mean over the opening second: [`KeySummaryBuilder`]),
//! correlates the summary (Pearson) with the 24 rotations of a major and a minor
//! [`KeyProfile`], and names the best-correlated key with that correlation as its strength. A
//! summary without pitched content (no voiced frame) or correlating below
//! [`KeyFinder::min_strength`] gets no key and strength 0. The key chroma is the accurate
//! chroma's peaks without the upper partials of lower notes (see
//! [`crate::ChromaFrame::key_chroma`]), so that a strong third harmonic does not vote for the
//! fifth above. [`crate::KeySegmenter`] follows the key through a file that modulates.
//!
//! ```
//! use chroma::{Key, KeyFinder, Mode};
//!
//! // A C major summary: the tonic triad strong, the rest of the scale weaker.
//! let mut summary = [0.0; 12]; // index 0 = A
//! for (pc, w) in [(3, 3.0), (7, 2.0), (10, 2.5), (5, 1.0), (8, 1.0), (0, 1.0), (2, 1.0)] {
//!     summary[pc] = w;
//! }
//! let estimate = KeyFinder::default().estimate(&summary);
//! assert_eq!(estimate.key, Some(Key { tonic: 3, mode: Mode::Major }));
//! assert_eq!(estimate.key.unwrap().to_string(), "C major");
//! ```

use crate::analysis::chromagram::{chroma_flatness, ChromaFrame, Chromagram, VotePolicy};
use crate::analysis::pitch_class::NOTE_NAMES;
use crate::analysis::voicing::{Mergeable, VotingTally};

/// Major or minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Major (Ionian).
    Major,
    /// Minor (natural, harmonic or melodic: the profiles mix them).
    Minor,
}

/// A key: tonic pitch class (0 = A, as [`NOTE_NAMES`]) and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// Tonic pitch class, 0 = A .. 11 = G#.
    pub tonic: usize,
    /// Mode.
    pub mode: Mode,
}

impl Key {
    /// The 24 keys in [`Key::index`] order: A major .. G# major, A minor .. G# minor.
    pub fn all() -> impl Iterator<Item = Key> {
        (0..24).map(Key::from_index)
    }

    /// `tonic` for major keys, `12 + tonic` for minor ones.
    pub fn index(&self) -> usize {
        self.tonic % 12
            + match self.mode {
                Mode::Major => 0,
                Mode::Minor => 12,
            }
    }

    /// The inverse of [`Key::index`] (taken modulo 24).
    pub fn from_index(i: usize) -> Key {
        let i = i % 24;
        Key {
            tonic: i % 12,
            mode: if i < 12 { Mode::Major } else { Mode::Minor },
        }
    }

    /// The relative key: the minor key a minor third below a major key, the major key a minor
    /// third above a minor one.
    pub fn relative(&self) -> Key {
        match self.mode {
            Mode::Major => Key {
                tonic: (self.tonic + 9) % 12,
                mode: Mode::Minor,
            },
            Mode::Minor => Key {
                tonic: (self.tonic + 3) % 12,
                mode: Mode::Major,
            },
        }
    }
}

impl std::fmt::Display for Key {
    /// `"F# minor"`, `"C major"`: the tonic spelled with sharps ([`NOTE_NAMES`]).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}",
            NOTE_NAMES[self.tonic % 12],
            match self.mode {
                Mode::Major => "major",
                Mode::Minor => "minor",
            }
        )
    }
}

impl std::str::FromStr for Key {
    type Err = String;
    /// Parses `"<tonic> major|minor"` with the tonic spelled with sharps or flats (`"Bb minor"`,
    /// `"A# minor"`, `"c major"`), or `"<tonic>m"`/`"<tonic>"` for minor/major.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("not a key: {s:?} (expected e.g. \"F# minor\" or \"Bb major\")");
        let t = s.trim();
        let (tonic, mode) = match t.split_once(char::is_whitespace) {
            Some((tonic, mode)) => {
                let mode = match mode.trim().to_ascii_lowercase().as_str() {
                    "major" | "maj" => Mode::Major,
                    "minor" | "min" => Mode::Minor,
                    _ => return Err(bad()),
                };
                (tonic, mode)
            }
            None => match t.strip_suffix('m') {
                Some(tonic) if !tonic.is_empty() => (tonic, Mode::Minor),
                _ => (t, Mode::Major),
            },
        };
        let mut chars = tonic.chars();
        let letter = chars.next().ok_or_else(bad)?.to_ascii_uppercase();
        let base: i32 = match letter {
            'A' => 0,
            'B' => 2,
            'C' => 3,
            'D' => 5,
            'E' => 7,
            'F' => 8,
            'G' => 10,
            _ => return Err(bad()),
        };
        let accidental: i32 = match chars.as_str() {
            "" => 0,
            "#" | "s" => 1,
            "b" => -1,
            _ => return Err(bad()),
        };
        Ok(Key {
            tonic: (base + accidental).rem_euclid(12) as usize,
            mode,
        })
    }
}

/// The MIREX key-detection score of an estimate against the true key (as `mir_eval.key`):
/// 1 for the same key, 0.5 for the key a perfect fifth above in the same mode, 0.3 for the
/// relative key, 0.2 for the parallel key (same tonic, other mode), 0 otherwise or for no
/// estimate.
pub fn mirex_score(estimate: Option<Key>, truth: Key) -> f64 {
    let Some(e) = estimate else {
        return 0.0;
    };
    if e == truth {
        1.0
    } else if e.mode == truth.mode && (e.tonic + 12 - truth.tonic) % 12 == 7 {
        0.5
    } else if e == truth.relative() {
        0.3
    } else if e.tonic == truth.tonic {
        0.2
    } else {
        0.0
    }
}

/// Names of the 12 scale degrees of a relative profile, tonic first, in semitones above it.
pub const DEGREE_NAMES: [&str; 12] = [
    "1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7",
];

/// A profile rotated so that `tonic` comes first: `out[d] = profile[(tonic + d) mod 12]`, the
/// value of the pitch class `d` semitones above the tonic ([`DEGREE_NAMES`]).
pub fn rotate_to_tonic(profile: &[f64; 12], tonic: usize) -> [f64; 12] {
    std::array::from_fn(|d| profile[(tonic + d) % 12])
}

/// Published key profiles: the weight of each scale degree (tonic first, in semitones above it)
/// in a major and in a minor key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyProfile {
    /// Krumhansl & Kessler (1982), "Tracing the dynamic changes in perceived tonal organization
    /// in a spatial representation of musical keys", Psychological Review 89(4): probe-tone
    /// ratings.
    Krumhansl,
    /// Temperley (1999), "What's key for key? The Krumhansl-Schmuckler key-finding algorithm
    /// reconsidered", Music Perception 17(1): the revised profiles.
    Temperley,
    /// Temperley (2005), MIREX key-finding submission (and "Music and Probability", 2007):
    /// pitch-class occurrence in the Kostka-Payne harmony textbook excerpts.
    Temperley2005,
    /// Albrecht & Shanahan (2013), "The use of large corpora to train a new type of
    /// key-finding algorithm", Music Perception 31(1): durations in a corpus of classical works.
    AlbrechtShanahan,
    /// Aarden (2003), "Dynamic melodic expectancy", PhD thesis, Ohio State: pitch-class
    /// frequencies in the Essen folk-song collection.
    Aarden,
    /// Bellman (2005), "About the determination of key of a musical excerpt" (CMMR 2005):
    /// Budge's (1943) chord statistics turned into pitch-class weights.
    Bellman,
    /// Faraldo, Gómez, Jordà & Herrera (2016), "Key estimation in electronic dance music"
    /// (ECIR 2016): the `bgate` profile (Beatport EDM), Essentia's `KeyExtractor` default.
    Bgate,
    /// Faraldo et al. (2016): the `edma` profile (electronic dance music, automatic).
    Edma,
    /// A plain template (no publication): 2 for the tonic triad, 1 for the other degrees of
    /// the scale (major; harmonic minor), 0 elsewhere.
    Triads,
}

impl KeyProfile {
    /// Every profile.
    pub const ALL: [KeyProfile; 9] = [
        KeyProfile::Krumhansl,
        KeyProfile::Temperley,
        KeyProfile::Temperley2005,
        KeyProfile::AlbrechtShanahan,
        KeyProfile::Aarden,
        KeyProfile::Bellman,
        KeyProfile::Bgate,
        KeyProfile::Edma,
        KeyProfile::Triads,
    ];

    /// The name used on the command line: `krumhansl`, `temperley`, `temperley2005`,
    /// `albrecht`, `aarden`, `bellman`, `bgate`, `edma`, `triads`.
    pub fn name(self) -> &'static str {
        match self {
            KeyProfile::Krumhansl => "krumhansl",
            KeyProfile::Temperley => "temperley",
            KeyProfile::Temperley2005 => "temperley2005",
            KeyProfile::AlbrechtShanahan => "albrecht",
            KeyProfile::Aarden => "aarden",
            KeyProfile::Bellman => "bellman",
            KeyProfile::Bgate => "bgate",
            KeyProfile::Edma => "edma",
            KeyProfile::Triads => "triads",
        }
    }

    /// `(major, minor)` weights, tonic first (index = semitones above the tonic), as published.
    pub fn weights(self) -> ([f64; 12], [f64; 12]) {
        match self {
            KeyProfile::Krumhansl => (
                [
                    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
                ],
                [
                    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
                ],
            ),
            KeyProfile::Temperley => (
                [5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0],
                [5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0],
            ),
            KeyProfile::Temperley2005 => (
                [
                    0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057,
                    0.400,
                ],
                [
                    0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133,
                    0.330,
                ],
            ),
            KeyProfile::AlbrechtShanahan => (
                [
                    0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008,
                    0.081,
                ],
                [
                    0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061,
                    0.052,
                ],
            ),
            KeyProfile::Aarden => (
                [
                    17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062,
                    0.145624, 8.15494, 0.232998, 4.95122,
                ],
                [
                    18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161,
                    4.56621, 1.93186, 7.37619, 1.75623,
                ],
            ),
            KeyProfile::Bellman => (
                [
                    16.80, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.80, 8.04, 0.62, 10.57,
                ],
                [
                    18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21,
                ],
            ),
            KeyProfile::Bgate => (
                [
                    1.00, 0.00, 0.42, 0.00, 0.53, 0.37, 0.00, 0.77, 0.00, 0.38, 0.21, 0.30,
                ],
                [
                    1.00, 0.00, 0.36, 0.39, 0.00, 0.38, 0.00, 0.74, 0.27, 0.00, 0.42, 0.23,
                ],
            ),
            KeyProfile::Edma => (
                [
                    1.00, 0.29, 0.50, 0.40, 0.60, 0.56, 0.32, 0.80, 0.31, 0.45, 0.42, 0.39,
                ],
                [
                    1.00, 0.31, 0.44, 0.58, 0.33, 0.49, 0.29, 0.78, 0.43, 0.29, 0.53, 0.32,
                ],
            ),
            KeyProfile::Triads => (
                [2.0, 0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 1.0],
                [2.0, 0.0, 1.0, 2.0, 0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 0.0, 1.0],
            ),
        }
    }
}

impl std::fmt::Display for KeyProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for KeyProfile {
    type Err = String;
    /// Parses a [`KeyProfile::name`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyProfile::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown key profile {s:?} (expected one of {})",
                    KeyProfile::ALL.map(KeyProfile::name).join(", ")
                )
            })
    }
}

/// A file's estimated key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyEstimate {
    /// The key, or `None` when the file has no pitched content or no key correlates at least
    /// [`KeyFinder::min_strength`].
    pub key: Option<Key>,
    /// Pearson correlation of the summary with the key's profile (in [-1, 1]); 0 without a key.
    pub strength: f64,
    /// Correlation with each of the 24 keys ([`Key::index`] order); all 0 without pitched content.
    pub scores: [f64; 24],
}

impl KeyEstimate {
    /// No key, strength 0.
    pub const NONE: KeyEstimate = KeyEstimate {
        key: None,
        strength: 0.0,
        scores: [0.0; 24],
    };

    /// The key's name (`"F# minor"`), empty without a key.
    pub fn name(&self) -> String {
        self.key.map(|k| k.to_string()).unwrap_or_default()
    }
}

/// How keys are estimated: the profile, the weight of the opening, the strength below which no
/// key is given.
///
/// The summary a key is read from is the mean over the voiced frames of the key's chroma
/// ([`crate::ChromaFrame::key_chroma`]: the accurate chroma without the peaks that are upper
/// partials of a lower note), each frame normalised to sum 1, plus `opening_weight` times the
/// same mean over the voiced frames of the first `opening_s` seconds (from the first frame that
/// can vote): music states its key as it begins (a chorale's first chord is its tonic's, a
/// song's first phrase sets its scale), and an excerpt's opening is the one part always there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyFinder {
    /// Key profile (default [`KeyProfile::Temperley2005`], chosen on the key set of real
    /// compositions with cross-validation: see `docs/keys.md`).
    pub profile: KeyProfile,
    /// Weight of the opening's mean key chroma relative to the whole file's (default 0.5).
    pub opening_weight: f64,
    /// Length of the opening, seconds (default 1).
    pub opening_s: f64,
    /// Below this correlation no key is given (default 0.5: the best of 24 keys correlates
    /// about 0.3 to 0.45 with the chroma of white noise, 0.7 to 0.95 with tonal music).
    pub min_strength: f64,
}

impl Default for KeyFinder {
    fn default() -> Self {
        KeyFinder {
            profile: KeyProfile::Temperley2005,
            opening_weight: 0.5,
            opening_s: 1.0,
            min_strength: 0.5,
        }
    }
}

impl KeyFinder {
    /// The default finder with another profile.
    pub fn with_profile(profile: KeyProfile) -> Self {
        KeyFinder {
            profile,
            ..KeyFinder::default()
        }
    }

    /// The 24 keys' templates in [`Key::index`] order, each in A-first pitch-class order.
    pub fn templates(&self) -> [[f64; 12]; 24] {
        let (major, minor) = self.profile.weights();
        std::array::from_fn(|i| {
            let key = Key::from_index(i);
            let weights = match key.mode {
                Mode::Major => &major,
                Mode::Minor => &minor,
            };
            std::array::from_fn(|pc| weights[(pc + 12 - key.tonic) % 12])
        })
    }

    /// The key of a 12-vector chroma summary (index 0 = A; any non-negative scale).
    pub fn estimate(&self, summary: &[f64; 12]) -> KeyEstimate {
        let total: f64 = summary.iter().sum();
        if !(total > 0.0 && total.is_finite()) || summary.iter().any(|x| *x < 0.0) {
            return KeyEstimate::NONE;
        }
        let templates = self.templates();
        let scores: [f64; 24] = std::array::from_fn(|i| pearson(summary, &templates[i]));
        let mut best = 0;
        for i in 1..24 {
            if scores[i] > scores[best] {
                best = i;
            }
        }
        let strength = scores[best];
        if strength.is_nan() || strength < self.min_strength {
            return KeyEstimate {
                key: None,
                strength: 0.0,
                scores,
            };
        }
        KeyEstimate {
            key: Some(Key::from_index(best)),
            strength,
            scores,
        }
    }

    /// A streaming summary of frames for this finder, voiced as `votes` says.
    pub fn summary_builder(&self, votes: VotePolicy) -> KeySummaryBuilder {
        KeySummaryBuilder::new(self, votes)
    }

    /// The summary (see [`KeyFinder`]) of a chromagram's frames that vote under `votes`,
    /// computed from its key rows as [`KeySummaryBuilder`] computes it from streamed frames;
    /// all zeros when no frame votes.
    pub fn summary(&self, gram: &Chromagram, votes: &VotePolicy) -> [f64; 12] {
        let mut builder = self.summary_builder(*votes);
        for i in 0..gram.n_frames() {
            builder.push(&gram.frame(i, 0));
        }
        builder.summary()
    }

    /// The key of a chromagram: [`KeyFinder::estimate`] of [`KeyFinder::summary`].
    pub fn estimate_chromagram(&self, gram: &Chromagram, votes: &VotePolicy) -> KeyEstimate {
        self.estimate(&self.summary(gram, votes))
    }
}

/// Voiced frames' key chroma, each normalised to sum 1, summed (and counted).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct KeyTally {
    frames: usize,
    sum: [f64; 12],
}

impl Mergeable for KeyTally {
    fn merge(&mut self, other: &Self) {
        self.frames += other.frames;
        for (a, b) in self.sum.iter_mut().zip(&other.sum) {
            *a += b;
        }
    }
}

/// The key's chroma normalised to sum 1, or `None` for a frame without pitched content.
fn normalised(chroma: &[f64; 12]) -> Option<[f64; 12]> {
    let total: f64 = chroma.iter().sum();
    (total > 0.0 && total.is_finite()).then(|| chroma.map(|x| x / total))
}

/// A file's key summary ([`KeyFinder`]) computed as its frames stream by, in bounded memory:
/// the whole file's frames are tallied as the note profile's ([`crate::NoteProfileBuilder`]:
/// by energy until the loudest frame is known), the opening's few frames are kept until the
/// end decides which of them are voiced. The opening starts at the first frame that can vote
/// so far; if a louder frame later silences every kept opening frame, the opening starts
/// again at the next frame that can vote.
#[derive(Debug, Clone)]
pub struct KeySummaryBuilder {
    opening_s: f64,
    opening_weight: f64,
    whole: VotingTally<KeyTally>,
    /// Start of the opening, seconds, once a frame could vote.
    opening_start: Option<f64>,
    /// The opening's frames that could vote when they came: (energy, normalised key chroma).
    opening: Vec<(f64, [f64; 12])>,
}

impl KeySummaryBuilder {
    /// An empty builder for `finder`'s opening, frames voiced as `votes` says.
    pub fn new(finder: &KeyFinder, votes: VotePolicy) -> Self {
        KeySummaryBuilder {
            opening_s: finder.opening_s,
            opening_weight: finder.opening_weight,
            whole: VotingTally::new(votes),
            opening_start: None,
            opening: Vec::new(),
        }
    }

    /// Adds the next frame (its key chroma, energy and start).
    pub fn push(&mut self, frame: &ChromaFrame) {
        let Some(chroma) = normalised(&frame.key_chroma) else {
            // Unpitched: votes for nothing (and its energy still raises the floor).
            self.whole.push(frame.energy, || 1.0, |_| ());
            return;
        };
        let voted = self.whole.push(
            frame.energy,
            || chroma_flatness(&frame.chroma),
            |t| {
                t.frames += 1;
                for (s, x) in t.sum.iter_mut().zip(&chroma) {
                    *s += x;
                }
            },
        );
        let floor = self.whole.floor();
        if self.opening_start.is_some() && self.opening.iter().all(|(e, _)| *e <= floor) {
            self.opening.clear();
            self.opening_start = None;
        }
        if voted && self.opening_weight > 0.0 {
            let start = *self.opening_start.get_or_insert(frame.start_s);
            if frame.start_s < start + self.opening_s {
                self.opening.push((frame.energy, chroma));
            }
        }
    }

    /// The summary of the frames pushed (see [`KeyFinder`]); all zeros when no frame votes.
    pub fn summary(&self) -> [f64; 12] {
        let whole = self.whole.finish();
        if whole.frames == 0 {
            return [0.0; 12];
        }
        let floor = self.whole.floor();
        let mut opening = [0.0f64; 12];
        let mut n_opening = 0usize;
        for (energy, chroma) in &self.opening {
            if *energy > floor {
                n_opening += 1;
                for (o, x) in opening.iter_mut().zip(chroma) {
                    *o += x;
                }
            }
        }
        std::array::from_fn(|i| {
            let begun = if n_opening > 0 {
                self.opening_weight * opening[i] / n_opening as f64
            } else {
                0.0
            };
            whole.sum[i] / whole.frames as f64 + begun
        })
    }
}

/// Pearson correlation of two 12-vectors; 0 when either is constant.
pub(crate) fn pearson(a: &[f64; 12], b: &[f64; 12]) -> f64 {
    let ma = a.iter().sum::<f64>() / 12.0;
    let mb = b.iter().sum::<f64>() / 12.0;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    if saa <= 0.0 || sbb <= 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        for key in Key::all() {
            let name = key.to_string();
            assert_eq!(name.parse::<Key>(), Ok(key), "{name}");
        }
        assert_eq!("Bb minor".parse::<Key>().unwrap().to_string(), "A# minor");
        assert_eq!("f#m".parse::<Key>().unwrap().to_string(), "F# minor");
        assert_eq!("Cb major".parse::<Key>().unwrap().to_string(), "B major");
        assert!("H major".parse::<Key>().is_err());
        assert!("C dorian".parse::<Key>().is_err());
    }

    #[test]
    fn mirex_scores() {
        let c: Key = "C major".parse().unwrap();
        let score = |s: &str| mirex_score(Some(s.parse().unwrap()), c);
        assert_eq!(score("C major"), 1.0);
        assert_eq!(score("G major"), 0.5);
        assert_eq!(score("F major"), 0.0);
        assert_eq!(score("A minor"), 0.3);
        assert_eq!(score("C minor"), 0.2);
        assert_eq!(mirex_score(None, c), 0.0);
        let a: Key = "A minor".parse().unwrap();
        assert_eq!(mirex_score(Some("C major".parse().unwrap()), a), 0.3);
        assert_eq!(mirex_score(Some("E minor".parse().unwrap()), a), 0.5);
    }

    #[test]
    fn every_profile_finds_its_own_keys() {
        for profile in KeyProfile::ALL {
            let finder = KeyFinder::with_profile(profile);
            let (major, minor) = profile.weights();
            for key in Key::all() {
                let w = if key.mode == Mode::Major {
                    major
                } else {
                    minor
                };
                let summary: [f64; 12] = std::array::from_fn(|pc| w[(pc + 12 - key.tonic) % 12]);
                let e = finder.estimate(&summary);
                assert_eq!(e.key, Some(key), "{profile} {key}");
                assert!((e.strength - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn nothing_or_flat_gives_no_key() {
        let f = KeyFinder::default();
        assert_eq!(f.estimate(&[0.0; 12]), KeyEstimate::NONE);
        assert_eq!(f.estimate(&[1.0; 12]).key, None);
        assert_eq!(f.estimate(&[1.0; 12]).strength, 0.0);
        assert_eq!(f.estimate(&[f64::NAN; 12]), KeyEstimate::NONE);
        assert_eq!(
            f.estimate_chromagram(&Chromagram::new(0.1), &VotePolicy::default()),
            KeyEstimate::NONE
        );
    }

    #[test]
    fn rotation_puts_the_tonic_first() {
        let p: [f64; 12] = std::array::from_fn(|i| i as f64);
        let r = rotate_to_tonic(&p, 3); // C
        assert_eq!(r[0], 3.0);
        assert_eq!(r[7], 10.0); // G
        assert_eq!(r[11], 2.0); // B
    }
}

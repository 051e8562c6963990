//! Labelled key material, built in code: chord progressions and melodies in all 24 keys, on
//! several timbres and voicings, with or without a bass line and drums, in tune or detuned.
//!
//! [`labelled_set`] lists the pieces (cheap); [`PieceSpec::render`] synthesises one. Every piece
//! is deterministic. Labels name the tonic with sharps and the mode by the tonic triad's third
//! (`"F# minor"`), so the Mixolydian vamp counts as major and the Dorian one as minor, as key
//! datasets label them.

use std::f64::consts::PI;

use super::{add_tone, frame_count, SplitMix64, Timbre};

/// Pitch-class names from C, spelled with sharps.
const PC_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// What a piece plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Major: I-IV-V-I; minor: i-iv-V-i.
    Cadence,
    /// Major: ii7-V7-I-I; minor: ii(dim)-V7-i-i.
    TwoFiveOne,
    /// Major: I-vi-IV-V-I; minor: i-VI-III-VII-i.
    Pop,
    /// Major: a Mixolydian vamp I-bVII-IV-I; minor: a Dorian vamp i-IV-i-IV.
    Vamp,
    /// A melody alone (major scale; harmonic minor), ending on the tonic.
    Melody,
}

impl Style {
    /// Every style.
    pub const ALL: [Style; 5] = [
        Style::Cadence,
        Style::TwoFiveOne,
        Style::Pop,
        Style::Vamp,
        Style::Melody,
    ];

    /// Short name used in file names.
    pub fn name(self) -> &'static str {
        match self {
            Style::Cadence => "cadence",
            Style::TwoFiveOne => "ii-V-I",
            Style::Pop => "pop",
            Style::Vamp => "vamp",
            Style::Melody => "melody",
        }
    }

    /// The chords as (root in semitones above the tonic, intervals above the root).
    fn chords(self, minor: bool) -> Vec<(u8, &'static [u8])> {
        const MAJ: &[u8] = &[0, 4, 7];
        const MIN: &[u8] = &[0, 3, 7];
        const DIM: &[u8] = &[0, 3, 6];
        const DOM7: &[u8] = &[0, 4, 7, 10];
        const MIN7: &[u8] = &[0, 3, 7, 10];
        match (self, minor) {
            (Style::Cadence, false) => vec![(0, MAJ), (5, MAJ), (7, MAJ), (0, MAJ)],
            (Style::Cadence, true) => vec![(0, MIN), (5, MIN), (7, MAJ), (0, MIN)],
            (Style::TwoFiveOne, false) => vec![(2, MIN7), (7, DOM7), (0, MAJ), (0, MAJ)],
            (Style::TwoFiveOne, true) => vec![(2, DIM), (7, DOM7), (0, MIN), (0, MIN)],
            (Style::Pop, false) => vec![(0, MAJ), (9, MIN), (5, MAJ), (7, MAJ), (0, MAJ)],
            (Style::Pop, true) => vec![(0, MIN), (8, MAJ), (3, MAJ), (10, MAJ), (0, MIN)],
            (Style::Vamp, false) => vec![(0, MAJ), (10, MAJ), (5, MAJ), (0, MAJ)],
            (Style::Vamp, true) => vec![(0, MIN), (5, MAJ), (0, MIN), (5, MAJ)],
            (Style::Melody, _) => Vec::new(),
        }
    }
}

/// How the chord tones are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voicing {
    /// Root position, close, root between G3 and F#4.
    Close,
    /// Root between C3 and B3, the other tones an octave higher.
    Spread,
    /// Every tone in the octave from G#3 (inversions, as smooth voice leading gives).
    Inversions,
}

impl Voicing {
    /// Every voicing.
    pub const ALL: [Voicing; 3] = [Voicing::Close, Voicing::Spread, Voicing::Inversions];

    /// Short name used in file names.
    pub fn name(self) -> &'static str {
        match self {
            Voicing::Close => "close",
            Voicing::Spread => "spread",
            Voicing::Inversions => "inv",
        }
    }
}

/// The MIDI note of pitch class `pc` (0 = C) in `[lo, lo + 12)`.
fn in_octave_from(pc: u8, lo: u8) -> u8 {
    lo + (pc + 12 - lo % 12) % 12
}

/// One labelled piece.
#[derive(Debug, Clone, PartialEq)]
pub struct PieceSpec {
    /// Tonic pitch class, 0 = C.
    pub tonic: u8,
    /// Minor (else major).
    pub minor: bool,
    /// What is played.
    pub style: Style,
    /// Timbre of the chords or melody.
    pub timbre: Timbre,
    /// Chord voicing (unused by melodies).
    pub voicing: Voicing,
    /// A bass line (chord roots, C2..B2).
    pub bass: bool,
    /// Drums (kick and noise hi-hat).
    pub drums: bool,
    /// Detuning of every pitch, cents (0 = A4 at 440 Hz).
    pub cents: f64,
    /// Seconds per chord (a melody plays four notes in that time).
    pub seconds_per_chord: f64,
}

impl PieceSpec {
    /// The label: `"F# minor"`, tonic spelled with sharps.
    pub fn key_name(&self) -> String {
        format!(
            "{} {}",
            PC_NAMES[usize::from(self.tonic % 12)],
            if self.minor { "minor" } else { "major" }
        )
    }

    /// A file name without extension: key (`#` as `s`), style, timbre, voicing, bass, drums,
    /// detuning; e.g. `Fs_minor_pop_organ_spread_bass_drums_+12c`.
    pub fn file_stem(&self) -> String {
        let mut s = format!(
            "{}_{}",
            self.key_name().replace('#', "s").replace(' ', "_"),
            self.style.name()
        );
        s.push('_');
        s.push_str(self.timbre.name());
        if self.style != Style::Melody {
            s.push('_');
            s.push_str(self.voicing.name());
        }
        if self.bass {
            s.push_str("_bass");
        }
        if self.drums {
            s.push_str("_drums");
        }
        s.push_str(&format!("_{:+}c", self.cents.round() as i64));
        s
    }

    fn hz(&self, midi: u8) -> f64 {
        440.0 * 2f64.powf((f64::from(midi) - 69.0) / 12.0 + self.cents / 1200.0)
    }

    /// Synthesises the piece (mono, peak 0.8), the progression played twice.
    pub fn render(&self, sample_rate: u32) -> Vec<f64> {
        let chords = self.style.chords(self.minor);
        let spc = self.seconds_per_chord;
        let n_chords = if self.style == Style::Melody {
            MELODY.len().div_ceil(4)
        } else {
            2 * chords.len()
        };
        let total = frame_count(spc * n_chords as f64, sample_rate);
        let mut out = vec![0.0; total];
        let span = |start_s: f64, dur_s: f64| {
            let a = frame_count(start_s, sample_rate).min(total);
            let b = frame_count(start_s + dur_s, sample_rate).min(total);
            a..b
        };
        if self.style == Style::Melody {
            let scale: [u8; 7] = if self.minor {
                [0, 2, 3, 5, 7, 8, 11]
            } else {
                [0, 2, 4, 5, 7, 9, 11]
            };
            let tonic = in_octave_from(self.tonic, 60);
            let step = spc / 4.0;
            for (i, &degree) in MELODY.iter().enumerate() {
                let octave = degree / 7;
                let midi = tonic + 12 * octave + scale[usize::from(degree % 7)];
                let len = if i + 1 == MELODY.len() {
                    4.0 * step
                } else {
                    step
                };
                let r = span(i as f64 * step, len);
                add_tone(&mut out[r], self.hz(midi), self.timbre, sample_rate, 0.6);
            }
        } else {
            for j in 0..n_chords {
                let (root, intervals) = chords[j % chords.len()];
                let root_pc = (self.tonic + root) % 12;
                let notes: Vec<u8> = match self.voicing {
                    Voicing::Close => {
                        let r = in_octave_from(root_pc, 55);
                        intervals.iter().map(|i| r + i).collect()
                    }
                    Voicing::Spread => {
                        let r = in_octave_from(root_pc, 48);
                        intervals
                            .iter()
                            .map(|i| if *i == 0 { r } else { r + 12 + i })
                            .collect()
                    }
                    Voicing::Inversions => intervals
                        .iter()
                        .map(|i| in_octave_from((root_pc + i) % 12, 56))
                        .collect(),
                };
                let r = span(j as f64 * spc, spc);
                let gain = 0.5 / notes.len() as f64;
                for midi in notes {
                    add_tone(
                        &mut out[r.clone()],
                        self.hz(midi),
                        self.timbre,
                        sample_rate,
                        gain,
                    );
                }
                if self.bass {
                    let midi = in_octave_from(root_pc, 36);
                    let timbre = if self.timbre == Timbre::Pluck {
                        Timbre::Organ
                    } else {
                        Timbre::Pluck
                    };
                    add_tone(&mut out[r.clone()], self.hz(midi), timbre, sample_rate, 0.3);
                }
                if self.drums {
                    add_kick(&mut out[span(j as f64 * spc, 0.25)], sample_rate);
                    add_kick(&mut out[span((j as f64 + 0.5) * spc, 0.25)], sample_rate);
                    for q in 0..4 {
                        let seed = (j * 4 + q) as u64 + 1;
                        add_hat(
                            &mut out[span((j as f64 + 0.25 * q as f64 + 0.125) * spc, 0.06)],
                            seed,
                        );
                    }
                }
            }
        }
        let peak = out.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if peak > 0.0 {
            out.iter_mut().for_each(|v| *v *= 0.8 / peak);
        }
        out
    }
}

/// The melody in scale steps from the tonic (7 = the octave): up the scale, an arpeggio, down
/// to the tonic.
const MELODY: [u8; 20] = [0, 1, 2, 3, 4, 3, 2, 1, 0, 2, 4, 7, 6, 4, 5, 3, 2, 1, 6, 7];

/// A kick drum: a sine falling from 110 to 45 Hz, decaying in about 60 ms.
fn add_kick(out: &mut [f64], sample_rate: u32) {
    let sr = f64::from(sample_rate);
    let mut phase = 0.0;
    for (i, v) in out.iter_mut().enumerate() {
        let t = i as f64 / sr;
        let f = 45.0 + 65.0 * (-t / 0.03).exp();
        phase += 2.0 * PI * f / sr;
        *v += 0.35 * (-t / 0.06).exp() * phase.sin();
    }
}

/// A hi-hat: white noise decaying in about 15 ms.
fn add_hat(out: &mut [f64], seed: u64) {
    let mut rng = SplitMix64::new(seed);
    let n = out.len().max(1) as f64;
    for (i, v) in out.iter_mut().enumerate() {
        let env = (-(i as f64) / (n / 4.0)).exp();
        *v += 0.12 * env * (2.0 * rng.next_f64() - 1.0);
    }
}

/// The labelled set: every key (C major .. B major, C minor .. B minor) in every [`Style`],
/// timbre, voicing, bass and drums varying from piece to piece; each piece once in tune and, when
/// `detuned`, once more detuned by a deterministic amount in [-45, 45] cents.
/// `seconds_per_chord` sets the length (a progression is played twice: 4.8 s at 0.6 s).
pub fn labelled_set(seconds_per_chord: f64, detuned: bool) -> Vec<PieceSpec> {
    let mut out = Vec::new();
    let mut i = 0usize;
    for minor in [false, true] {
        for tonic in 0..12u8 {
            for style in Style::ALL {
                let timbre = Timbre::ALL[i % 3];
                let voicing = Voicing::ALL[(i / 3) % 3];
                let accompanied = style != Style::Melody;
                let spec = PieceSpec {
                    tonic,
                    minor,
                    style,
                    timbre,
                    voicing,
                    bass: accompanied && i.is_multiple_of(2),
                    drums: accompanied && i % 4 == 1,
                    cents: 0.0,
                    seconds_per_chord,
                };
                if detuned {
                    let cents = ((i * 29) % 91) as f64 - 45.0;
                    out.push(PieceSpec {
                        cents: if cents == 0.0 { 45.0 } else { cents },
                        ..spec.clone()
                    });
                }
                out.push(spec);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_covers_every_key_and_style() {
        let set = labelled_set(0.6, true);
        assert_eq!(set.len(), 24 * 5 * 2);
        let mut names: Vec<String> = set.iter().map(PieceSpec::file_stem).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), set.len(), "file names are unique");
        assert!(set.iter().all(|p| p.cents.abs() <= 45.0));
        assert!(set.iter().any(|p| p.cents == 45.0) && set.iter().any(|p| p.cents == -45.0));
        assert_eq!(set[1].key_name(), "C major");
        assert_eq!(set.last().unwrap().key_name(), "B minor");
    }

    #[test]
    fn pieces_render_to_the_expected_length_and_level() {
        let set = labelled_set(0.3, false);
        for spec in [&set[0], &set[4], &set[61]] {
            let x = spec.render(8000);
            let expected = if spec.style == Style::Melody { 5 } else { 8 };
            assert!(x.len() >= expected * 2400 - 1, "{}", spec.file_stem());
            let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!((peak - 0.8).abs() < 1e-9);
        }
    }

    #[test]
    fn octave_placement() {
        assert_eq!(in_octave_from(0, 55), 60);
        assert_eq!(in_octave_from(7, 55), 55);
        assert_eq!(in_octave_from(6, 55), 66);
    }
}

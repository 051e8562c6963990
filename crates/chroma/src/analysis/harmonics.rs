//! Harmonic suppression for the key's chroma: which spectral peaks of a frame are upper
//! partials of a lower note rather than notes of their own.
//!
//! A harmonic tone at `f` has partials at `h f`; the `h`-th lies `12 log2 h` semitones above
//! the fundamental. The octaves (`h` = 2, 4, 8) keep the fundamental's pitch class, but the
//! others do not: the 3rd and 6th harmonics sound the fifth (19.02 and 31.02 semitones up), the
//! 5th the major third (27.86), the 7th a flat minor seventh (33.69). In a chroma that sums
//! every peak into its own pitch class they vote for the wrong notes: a clarinet's strong odd
//! partials make a melody in C look like one in G. [`HarmonicSuppressor::key_weights`] keeps a
//! peak's weight unless the frame also has a peak where its fundamental would be, `12 log2 h`
//! semitones lower for `h` in [`SUPPRESSED_HARMONICS`] (within [`HARMONIC_TOLERANCE`]); it then
//! keeps only what exceeds that fundamental's weight times the harmonic's allowance
//! ([`PARTIAL_ALLOWANCE`]), provided the fundamental is itself a harmonic tone: the
//! frame has peaks one and two octaves above it (its 2nd and 4th partials, at any level). A
//! bare sinusoid, or a bass note whose upper partials are missing, explains nothing, so the
//! chord tones a twelfth or a seventeenth above a pure bass are kept, even when the chord
//! doubles the bass an octave up. Measured on the key set of real compositions
//! (`docs/keys.md`), this took the clarinet renders from 6% to 90% exact.
//!
//! Only peaks within [`KEY_PEAK_FLOOR`] of the frame's strongest count in the key's chroma
//! (the weaker ones get no key weight and are not tested); every peak, however weak, still
//! counts as evidence that a lower peak is a harmonic tone (a clarinet's even partials are
//! weak). The lowest peak left with a key weight, the frame's lowest voice, then counts
//! [`LOWEST_VOICE_WEIGHT`] times ([`weigh_lowest_voice`]).

/// The harmonics a peak may be explained as and then not counted: those whose pitch class
/// differs from the fundamental's (the octaves 2, 4 only repeat it), up to the 7th.
#[allow(dead_code)] // the list HARMONIC_SEMITONES is made of (checked by a test)
pub const SUPPRESSED_HARMONICS: [u32; 4] = [3, 5, 6, 7];

/// How far a peak may lie from `12 log2 h` semitones above its fundamental's peak, semitones:
/// the pitch of a peak in a 186 ms window is uncertain by a few hundredths of a semitone above
/// 200 Hz but by more at the bottom of the range, and sung or bowed notes have vibrato.
pub const HARMONIC_TOLERANCE: f64 = 0.35;

/// `12 log2 h` for the [`SUPPRESSED_HARMONICS`].
const HARMONIC_SEMITONES: [f64; 4] = [
    19.019_550_008_653_873,
    27.863_137_138_648_348,
    31.019_550_008_653_873,
    33.688_259_064_691_25,
];

/// How strong each of the [`SUPPRESSED_HARMONICS`] may be and still be only its
/// fundamental's partial, times the fundamental's weight: a peak keeps, in the key's chroma,
/// the part of its weight beyond that. The 3rd and 7th up to 5 times (14 dB above: a
/// clarinet's third partial or a sung vowel's formant stays within that); the 5th and 6th
/// only up to the fundamental's own weight, because they lie where a chord in spread position
/// puts its third and fifth above a bass two octaves down (with 5 times, the generated I-IV-V-I
/// cadences over a plucked bass lost their thirds and fifths; measured on the key set, the
/// two allowances give 94.6% exact on both sets, where 5 times for all four gave 93.8% /
/// 98.8% and not suppressing the 5th and 6th at all 94.6% / 83.8%: docs/keys.md).
const PARTIAL_ALLOWANCE: [f64; 4] = [5.0, 1.0, 1.0, 5.0];

/// The weakest peak, as a fraction of the frame's strongest peak's weight (-30 dB), that has a
/// weight in the key's chroma. Weaker peaks are the spectrum's floor for the key: on the key
/// set of real compositions (`docs/keys.md`, 2026-12-08) floors of -40 to -20 dB give the same
/// accuracy as keeping every peak (chorales 94.6-95.0% exact, folk tunes 94.6-95.0%, clarinet
/// 90.0-90.8%), -15 dB loses on the chorales and -10 dB on both sets; -30 dB, the middle of
/// that plateau, saves the harmonic test for most of a real recording's peaks.
pub const KEY_PEAK_FLOOR: f64 = 0.031_622_776_601_683_79;

/// How many times its own key weight the lowest peak of a frame that has one counts in the
/// key's chroma: the frame's lowest voice (the bass of a chorale, the note of a melody, whose
/// leftover upper partials then weigh less). Measured on the key set of real compositions
/// (`docs/keys.md`, 2026-12-08): 1 (no emphasis) gives the folk tunes 95.0% exact, 1.5 95.8%,
/// 2 96.7% (clarinet 90.8% -> 94.2%), 3 96.7%, 4 97.9%, 7 97.5%, the chorales 94.6% at 1 to 2,
/// 94.2% at 3, 94.6% at 4 and 93.3% at 7; from 3 on, a generated I-IV-V-I cadence over a bass
/// line in the unit tests of generated keys is named by another key (at 4: its IV), so 2.
pub const LOWEST_VOICE_WEIGHT: f64 = 2.0;

/// Multiplies the key weight of the lowest of a frame's peaks that has one (the weights of
/// [`HarmonicSuppressor::key_weights`], peaks ascending) by [`LOWEST_VOICE_WEIGHT`].
pub fn weigh_lowest_voice(key_weights: &mut [f64]) {
    if let Some(w) = key_weights.iter_mut().find(|w| **w > 0.0) {
        *w *= LOWEST_VOICE_WEIGHT;
    }
}

/// Decides which of a frame's peaks are upper partials; holds its scratch buffers, so that a
/// frame allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct HarmonicSuppressor {
    /// The frame's peaks' pitches, semitones, then [`PAD`] NaNs (no comparison holds for them,
    /// so every scan stops at the end without a bounds test).
    semis: Vec<f64>,
    /// The pitches of the peaks that are harmonic tones' fundamentals (the frame has peaks one
    /// and two octaves above them), ascending, then [`PAD`] NaNs: usually a small part of the
    /// frame's peaks, so the windows below each peak are scanned in this list only.
    fundamental_semis: Vec<f64>,
    /// Their weights, then [`PAD`] zeros.
    fundamental_weight: Vec<f64>,
    /// The indices of the frame's peaks within [`KEY_PEAK_FLOOR`] of its strongest.
    strong: Vec<u32>,
}

/// The nearest a peak's fundamental can lie below it, semitones (the 3rd harmonic's interval
/// less the tolerance).
const NEAREST: f64 = HARMONIC_SEMITONES[0] - HARMONIC_TOLERANCE;

/// The farthest a peak's fundamental can lie below it, semitones (the 7th's interval and the
/// tolerance).
const FARTHEST: f64 = HARMONIC_SEMITONES[HARMONIC_SEMITONES.len() - 1] + HARMONIC_TOLERANCE;

/// How many entries the scans of [`HarmonicSuppressor::key_weights`] read at once (and so the
/// padding after the last peak).
const PAD: usize = 4;

/// The index of the first of the ascending `semis[from..]` not below `bound`, for a `from` at
/// or before it: `PAD` comparisons at a time, without a branch per peak (how far a cursor
/// moves per peak is as good as random, and a mispredicted branch costs more than the
/// comparisons). The NaN padding stops it at the end.
#[inline(always)]
fn first_not_below(semis: &[f64], mut from: usize, bound: f64) -> usize {
    loop {
        let ahead = &semis[from..from + PAD];
        let below = ahead.iter().map(|&s| usize::from(s < bound)).sum::<usize>();
        from += below;
        if below < PAD {
            return from;
        }
    }
}

/// The largest of the `weights[from..]` whose `semis` are at most `bound` (0 when none), for a
/// `from` whose pitch is not below the window's start; `PAD` at a time, as
/// [`first_not_below`].
#[inline(always)]
fn strongest_up_to(semis: &[f64], weights: &[f64], mut from: usize, bound: f64) -> f64 {
    let mut strongest = 0.0f64;
    loop {
        let ahead = &semis[from..from + PAD];
        for (&s, &w) in ahead.iter().zip(&weights[from..from + PAD]) {
            strongest = larger(strongest, if s <= bound { w } else { 0.0 });
        }
        // The last read still in the window (false for the NaN padding): read on.
        let window_goes_on = ahead[PAD - 1] <= bound;
        if !window_goes_on {
            return strongest;
        }
        from += PAD;
    }
}

/// The larger of `a` and `b` by one comparison (`maxsd`): `f64::max`'s handling of NaN, which
/// a peak's weight never is, costs several instructions more, in the inner loop.
#[inline(always)]
fn larger(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

impl HarmonicSuppressor {
    /// The key weight of each of a frame's peaks, `(semitones, weight)` in ascending pitch,
    /// into `out` (cleared first): `max(0, w - a w0)`, where `a w0` is the largest allowance
    /// times weight of a harmonic tone whose non-octave partial the peak may be (0 when
    /// none: see the module documentation); 0 for a peak weaker than [`KEY_PEAK_FLOOR`]
    /// times the frame's strongest.
    ///
    /// The peaks ascend in pitch, so every search's lower bound only moves up as the peak
    /// does: one cursor per search keeps a frame linear in its peaks (a binary search per
    /// peak and harmonic took 39% of `notes`' CPU time on a song), and the cursors move and
    /// the windows are scanned a few peaks at a time without a branch per peak (a branch per
    /// peak made this 11.5% of `notes`' CPU time on real recordings, whose frames have
    /// hundreds of peaks; without it, 7%). A fundamental lies at least 19 semitones below its
    /// partial, so every window holds only peaks before the one it explains; the windows are
    /// scanned in the list of harmonic tones' fundamentals only, and a peak with none within
    /// 19-34 semitones below it is not scanned at all. The peaks weaker than the floor are
    /// not scanned either, and only the peaks 19 semitones or more below the highest strong
    /// one are tested as fundamentals (on real recordings the strong peaks lie low
    /// and most peaks high). (A monotonic queue of the windows'
    /// maxima, whose branches follow the data, made `notes` slower than these scans:
    /// docs/bench-library.md, fifth session.)
    pub fn key_weights(&mut self, peaks: &[(f64, f64)], out: &mut Vec<f64>) {
        // Every peak's key weight is 0 until found otherwise.
        out.clear();
        out.resize(peaks.len(), 0.0);
        let semis = &mut self.semis;
        semis.clear();
        semis.extend(peaks.iter().map(|p| p.0));
        semis.extend([f64::NAN; PAD]);
        let semis = &self.semis[..];
        let (fundamental_semis, fundamental_weight) =
            (&mut self.fundamental_semis, &mut self.fundamental_weight);
        fundamental_semis.clear();
        fundamental_weight.clear();
        // The peaks that can have a key weight, found without a branch per peak (as
        // `first_not_below`): each index is written to the next slot, which only a strong
        // peak keeps.
        let floor = peaks.iter().fold(0.0f64, |m, p| larger(m, p.1)) * KEY_PEAK_FLOOR;
        let strong = &mut self.strong;
        strong.clear();
        strong.resize(peaks.len(), 0);
        let mut count = 0;
        for (i, &(_, weight)) in peaks.iter().enumerate() {
            strong[count] = i as u32;
            count += usize::from(weight >= floor);
        }
        strong.truncate(count);
        // Only a peak at least 19 semitones (less the tolerance) below a strong one can
        // explain one: the higher peaks are not tested (a small margin keeps the bound from
        // rounding differently from the windows' bounds below).
        let Some(&last_strong) = self.strong.last() else {
            return;
        };
        let highest_fundamental = peaks[last_strong as usize].0 - NEAREST + 1e-9;
        let (mut octave, mut two_octaves) = (0, 0);
        for &(s, weight) in peaks.iter().take_while(|p| p.0 <= highest_fundamental) {
            // A peak within the tolerance of `target` above this one: the first peak not
            // below `target - tolerance` lies above this one and must not pass `target +
            // tolerance`.
            let above = |cursor: &mut usize, target: f64| {
                *cursor = first_not_below(semis, *cursor, target - HARMONIC_TOLERANCE);
                semis[*cursor] <= target + HARMONIC_TOLERANCE
            };
            if above(&mut octave, s + 12.0) & above(&mut two_octaves, s + 24.0) {
                fundamental_semis.push(s);
                fundamental_weight.push(weight);
            }
        }
        // The pitches a peak's fundamentals can have lie within the span of these windows:
        // a peak whose span holds no fundamental keeps its weight without a scan.
        let (Some(&lowest), Some(&highest)) = (fundamental_semis.first(), fundamental_semis.last())
        else {
            for &i in &self.strong {
                out[i as usize] = larger(0.0, peaks[i as usize].1);
            }
            return;
        };
        fundamental_semis.extend([f64::NAN; PAD]);
        fundamental_weight.extend([0.0; PAD]);
        let (fundamental_semis, fundamental_weight) =
            (&self.fundamental_semis[..], &self.fundamental_weight[..]);
        let mut from = [0usize; HARMONIC_SEMITONES.len()];
        for &i in &self.strong {
            let (s, weight) = peaks[i as usize];
            let out = &mut out[i as usize];
            if s - NEAREST < lowest || s - FARTHEST > highest {
                *out = larger(0.0, weight);
                continue;
            }
            // The strongest harmonic tone below whose h-th partial this peak may be.
            let mut fundamental = 0.0f64;
            for ((&up, allowance), from) in HARMONIC_SEMITONES
                .iter()
                .zip(PARTIAL_ALLOWANCE)
                .zip(&mut from)
            {
                *from = first_not_below(fundamental_semis, *from, s - up - HARMONIC_TOLERANCE);
                let strongest = strongest_up_to(
                    fundamental_semis,
                    fundamental_weight,
                    *from,
                    s - up + HARMONIC_TOLERANCE,
                );
                fundamental = larger(fundamental, strongest * allowance);
            }
            *out = larger(0.0, weight - fundamental);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_peak_with_a_key_weight_counts_twice_and_no_other() {
        let mut weights = vec![0.0, 0.0, 0.5, 0.25, 1.0];
        weigh_lowest_voice(&mut weights);
        assert_eq!(weights, [0.0, 0.0, 0.5 * LOWEST_VOICE_WEIGHT, 0.25, 1.0]);
        let mut none = vec![0.0; 3];
        weigh_lowest_voice(&mut none);
        assert_eq!(none, [0.0; 3]);
        weigh_lowest_voice(&mut []);
    }

    /// The direct reading of the module documentation (a binary search per peak and
    /// harmonic), which the cursors of `key_weights` must reproduce exactly.
    fn key_weights_by_search(peaks: &[(f64, f64)]) -> Vec<f64> {
        let any_near = |peaks: &[(f64, f64)], semis: f64| {
            let from = peaks.partition_point(|p| p.0 < semis - HARMONIC_TOLERANCE);
            peaks
                .get(from)
                .is_some_and(|p| p.0 <= semis + HARMONIC_TOLERANCE)
        };
        let harmonic: Vec<bool> = (0..peaks.len())
            .map(|j| {
                let above = &peaks[j + 1..];
                any_near(above, peaks[j].0 + 12.0) && any_near(above, peaks[j].0 + 24.0)
            })
            .collect();
        let strongest = peaks.iter().fold(0.0f64, |m, p| m.max(p.1));
        peaks
            .iter()
            .enumerate()
            .map(|(j, &(semis, weight))| {
                if weight < strongest * KEY_PEAK_FLOOR {
                    return 0.0;
                }
                let fundamental = HARMONIC_SEMITONES
                    .iter()
                    .zip(PARTIAL_ALLOWANCE)
                    .map(|(&up, allowance)| {
                        let lower = &peaks[..j];
                        let from = lower.partition_point(|p| p.0 < semis - up - HARMONIC_TOLERANCE);
                        lower[from..]
                            .iter()
                            .zip(&harmonic[from..j])
                            .take_while(|(p, _)| p.0 <= semis - up + HARMONIC_TOLERANCE)
                            .filter(|(_, &h)| h)
                            .fold(0.0f64, |m, (p, _)| m.max(p.1))
                            * allowance
                    })
                    .fold(0.0f64, f64::max);
                (weight - fundamental).max(0.0)
            })
            .collect()
    }

    #[test]
    fn cursors_give_what_a_search_per_peak_gives() {
        // Random frames of 0 to 300 peaks, ascending, many a harmonic interval apart.
        let mut next = crate::analysis::xorshift(0x2545_F491_4F6C_DD1D);
        let mut uniform = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
        let mut suppressor = HarmonicSuppressor::default();
        let mut out = Vec::new();
        let mut compared = 0;
        for frame in 0..400 {
            let n = frame % 301;
            let mut semis = -48.0;
            let peaks: Vec<(f64, f64)> = (0..n)
                .map(|_| {
                    // Steps of whole semitones (so harmonics land within the tolerance) or
                    // fractions of one.
                    // Every fourth frame dense: a tolerance window then holds more peaks than
                    // the scans read at once.
                    semis += if frame % 4 == 3 {
                        uniform() * 0.05
                    } else if uniform() < 0.5 {
                        (uniform() * 8.0).floor()
                    } else {
                        uniform() * 0.4
                    };
                    (semis, uniform())
                })
                .collect();
            suppressor.key_weights(&peaks, &mut out);
            assert_eq!(out, key_weights_by_search(&peaks), "frame {frame}");
            compared += out.iter().filter(|&&w| w > 0.0).count();
        }
        assert!(compared > 1000);
    }

    #[test]
    fn peaks_at_the_edges_of_the_tolerance_get_what_a_search_gives() {
        // A harmonic tone (with its octaves) and, for each harmonic, peaks at the ends of the
        // tolerance window above it and one representable step beyond: where the rounding
        // of the windows' bounds decides.
        let mut suppressor = HarmonicSuppressor::default();
        let mut out = Vec::new();
        let mut explained = 0;
        for f in [-40.3, -12.0, 0.0, 3.7, 17.25] {
            for up in HARMONIC_SEMITONES {
                let mut peaks = vec![(f, 1.0), (f + 12.0, 0.1), (f + 24.0, 0.1)];
                let (low, high) = (f + up - HARMONIC_TOLERANCE, f + up + HARMONIC_TOLERANCE);
                for p in [
                    low.next_down(),
                    low,
                    low.next_up(),
                    high.next_down(),
                    high,
                    high.next_up(),
                ] {
                    peaks.push((p, 2.0));
                }
                peaks.sort_by(|a, b| a.0.total_cmp(&b.0));
                peaks.dedup_by(|a, b| a.0 == b.0);
                suppressor.key_weights(&peaks, &mut out);
                assert_eq!(out, key_weights_by_search(&peaks), "tone {f}, up {up}");
                explained += out.iter().filter(|&&w| w < 2.0 && w > 0.0).count();
            }
        }
        assert!(explained > 20, "{explained}");
    }

    #[test]
    fn weak_peaks_get_no_key_weight_but_still_mark_a_harmonic_tone() {
        // A tone whose octaves are 46 dB below its loud third partial, a weak peak of no tone
        // (-46 dB) and one at -26 dB: the third partial is explained by the tone (its weak
        // octaves are the evidence), the two weak peaks have no key weight, the -26 dB one
        // keeps its own.
        let third = HARMONIC_SEMITONES[0];
        let peaks = [
            (0.0, 1.0),
            (5.0, 0.01),
            (7.0, 0.1),
            (12.0, 0.01),
            (third, 2.0),
            (24.0, 0.01),
        ];
        let mut out = Vec::new();
        HarmonicSuppressor::default().key_weights(&peaks, &mut out);
        assert_eq!(out, [1.0, 0.0, 0.1, 0.0, 0.0, 0.0]);
        assert_eq!(out, key_weights_by_search(&peaks));
        // With the octaves at the floor exactly, they keep their weight.
        let at_floor = 2.0 * KEY_PEAK_FLOOR;
        let peaks = [(0.0, 1.0), (12.0, at_floor), (third, 2.0), (24.0, at_floor)];
        HarmonicSuppressor::default().key_weights(&peaks, &mut out);
        assert_eq!(out, [1.0, at_floor, 0.0, at_floor]);
    }

    #[test]
    fn semitone_offsets_are_those_of_the_harmonics() {
        for (h, up) in SUPPRESSED_HARMONICS.iter().zip(HARMONIC_SEMITONES) {
            assert!((12.0 * f64::from(*h).log2() - up).abs() < 1e-12, "{h}");
        }
    }

    /// The peaks of a harmonic tone at `semis` with partials 1..=n of weight `w(h)`.
    fn tone(semis: f64, n: u32, w: impl Fn(u32) -> f64) -> Vec<(f64, f64)> {
        (1..=n)
            .map(|h| (semis + 12.0 * f64::from(h).log2(), w(h)))
            .collect()
    }

    #[test]
    fn a_clarinet_like_tone_keeps_its_fundamental_and_octaves_only() {
        // Odd partials strong (the 3rd louder than the fundamental), even ones weak (26 dB
        // below the fundamental, within the key's floor).
        let peaks = tone(-9.0, 8, |h| {
            if h % 2 == 1 {
                1.5 / f64::from(h) + 0.5
            } else {
                0.1
            }
        });
        let mut w = Vec::new();
        HarmonicSuppressor::default().key_weights(&peaks, &mut w);
        for (h, (&kept, &(_, weight))) in (1..).zip(w.iter().zip(&peaks)) {
            let octave_or_fundamental = matches!(h, 1 | 2 | 4 | 8);
            assert_eq!(kept > 0.0, octave_or_fundamental, "harmonic {h}");
            if octave_or_fundamental {
                assert_eq!(kept, weight);
            }
        }
    }

    #[test]
    fn chord_tones_above_a_pure_bass_are_kept_and_a_faint_fundamental_explains_nothing() {
        let mut s = HarmonicSuppressor::default();
        let mut w = Vec::new();
        // C E G (3, 7, 10 semitones above A4): no two a harmonic interval apart.
        s.key_weights(&[(3.0, 1.0), (7.0, 1.0), (10.0, 1.0)], &mut w);
        assert_eq!(w, vec![1.0, 1.0, 1.0]);
        // D4 F#4 A4 over a sine D2 (-31): F#4 and A4 are where D2's 5th and 6th partials would
        // be, but D2 has no partials: it is not a harmonic tone and explains nothing, nor with
        // the chord doubling it an octave up (D3, -19) without D4.
        let chord = [(-31.0, 1.0), (-7.0, 1.0), (-3.0, 1.0), (0.0, 1.0)];
        s.key_weights(&chord, &mut w);
        assert_eq!(w, vec![1.0; 4]);
        let spread = [(-31.0, 1.0), (-19.0, 1.0), (-12.0, 1.0), (-3.0, 1.0)];
        s.key_weights(&spread, &mut w);
        assert_eq!(w, vec![1.0; 4]);
        // With D2's 2nd and 4th partials present (D3, D4), A4 (h = 6) and F#4 (h = 5, 14
        // cents off) are its partials.
        let chord = [
            (-31.0, 1.0),
            (-19.0, 0.5),
            (-7.0, 1.0),
            (-3.0, 1.0),
            (0.0, 1.0),
        ];
        s.key_weights(&chord, &mut w);
        assert_eq!(w, vec![1.0, 0.5, 1.0, 0.0, 0.0]);
        // G5 a twelfth above a harmonic C4, but C4 40 dB weaker: G5 is a note, of which C4's
        // partial can be only 5 times C4's weight. (C4 and its octaves are below the key's
        // floor, 30 dB under G5: no key weight of their own, yet C4 is a harmonic tone.)
        let c4 = |w: f64| [(-9.0f64, w), (3.0, 0.01), (15.0, 0.01), (10.02, 1.0)];
        let mut peaks = c4(0.01);
        peaks.sort_by(|a, b| a.0.total_cmp(&b.0));
        s.key_weights(&peaks, &mut w);
        assert_eq!(w[..2], [0.0, 0.0]);
        assert!((w[2] - 0.95).abs() < 1e-12 && w[3] == 0.0, "{w:?}");
        // ... and 10 dB weaker it is all C4's partial.
        let mut peaks = c4(0.3);
        peaks.sort_by(|a, b| a.0.total_cmp(&b.0));
        s.key_weights(&peaks, &mut w);
        assert_eq!(w, vec![0.3, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn the_tolerance_bounds_the_interval() {
        let mut s = HarmonicSuppressor::default();
        let mut w = Vec::new();
        for (offset, explained) in [(0.3, true), (-0.3, true), (0.4, false), (-0.4, false)] {
            let peaks = [(0.0, 1.0), (12.0, 0.5), (19.02 + offset, 1.0), (24.0, 0.3)];
            s.key_weights(&peaks, &mut w);
            assert_eq!(w[2] == 0.0, explained, "{offset}");
        }
        s.key_weights(&[], &mut w);
        assert!(w.is_empty());
    }
}

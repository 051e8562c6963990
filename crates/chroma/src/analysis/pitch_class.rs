//! The twelve pitch classes in the reference's order (index 0 = A).

/// Names of the 12 pitch classes in the order of pyAudioAnalysis's chroma (`chroma_1` = A):
/// index 0 = A, 1 = A#, ..., 11 = G#. Every chroma vector and profile in this crate uses it.
pub const NOTE_NAMES: [&str; 12] = [
    "A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#",
];

/// Pitch-class index (0 = A) of a MIDI note number: `(midi - 69) mod 12` (MIDI 69 = A4).
pub fn pitch_class_of_midi(midi: i32) -> usize {
    (midi - 69).rem_euclid(12) as usize
}

/// Pitch-class index (0 = A) of a note name spelled with sharps (`"A"`, `"C#"`, `"F#"`), as in
/// [`NOTE_NAMES`]; a trailing `" major"` or octave digits are not accepted. `None` if unknown.
pub fn pitch_class_of_name(name: &str) -> Option<usize> {
    NOTE_NAMES.iter().position(|n| *n == name)
}

/// Index of the first maximum of a 12-vector (first index on ties), as NumPy's `argmax`.
pub fn first_argmax(values: &[f64; 12]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate().skip(1) {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midi_69_is_a_and_60_is_c() {
        assert_eq!(NOTE_NAMES[pitch_class_of_midi(69)], "A");
        assert_eq!(NOTE_NAMES[pitch_class_of_midi(60)], "C");
        assert_eq!(NOTE_NAMES[pitch_class_of_midi(21)], "A");
        assert_eq!(NOTE_NAMES[pitch_class_of_midi(108)], "C");
        assert_eq!(NOTE_NAMES[pitch_class_of_midi(-1)], "B");
    }

    #[test]
    fn names_round_trip() {
        for (i, n) in NOTE_NAMES.iter().enumerate() {
            assert_eq!(pitch_class_of_name(n), Some(i));
        }
        assert_eq!(pitch_class_of_name("H"), None);
    }

    #[test]
    fn argmax_takes_first_on_ties() {
        let mut v = [0.0; 12];
        assert_eq!(first_argmax(&v), 0);
        v[3] = 1.0;
        v[7] = 1.0;
        assert_eq!(first_argmax(&v), 3);
    }
}

//! Keys and tuning on generated material (`audio_io::synth::keyset`): every one of the 24 keys,
//! detuned pieces and notes, and no key for silence and noise.

use audio_io::synth::keyset::{PieceSpec, Style, Voicing};
use audio_io::synth::{self, Timbre};
use chroma::{analyze_samples, FileAnalysis, Key, TableOptions, Tuning};

const FS: u32 = 16000;

fn analyse(spec: &PieceSpec, options: &TableOptions) -> FileAnalysis {
    let x = spec.render(FS);
    analyze_samples(&spec.file_stem(), &x, FS, options).expect("analysis")
}

fn truth(spec: &PieceSpec) -> Key {
    spec.key_name().parse().expect("a key name")
}

/// A short cadence (or other style) in every key, timbres (sine, organ, pluck with an organ
/// bass) and voicings varying.
fn every_key(style: Style, cents: impl Fn(usize) -> f64) -> Vec<PieceSpec> {
    every_key_on(&Timbre::ALL, style, cents)
}

fn every_key_on(timbres: &[Timbre], style: Style, cents: impl Fn(usize) -> f64) -> Vec<PieceSpec> {
    (0..24)
        .map(|i| PieceSpec {
            tonic: (i % 12) as u8,
            minor: i >= 12,
            style,
            timbre: timbres[i % timbres.len()],
            voicing: Voicing::ALL[(i / 3) % 3],
            bass: i % 2 == 0,
            drums: i % 5 == 1,
            cents: cents(i),
            seconds_per_chord: 0.4,
        })
        .collect()
}

// Minor cadences whose bass is an organ (the pluck pieces') are the known weak spot: the bass
// roots' sustained 5th harmonics sound the major thirds (D2's is F#4), and some come out in the
// parallel major; `cargo xtask keybench` measures it. These tests use sine and organ chords.
#[test]
fn each_of_the_24_keys_is_found_on_cadences() {
    let options = TableOptions::default();
    let mut wrong = Vec::new();
    for spec in every_key_on(&[Timbre::Sine, Timbre::Organ], Style::Cadence, |_| 0.0) {
        let a = analyse(&spec, &options);
        if a.key.key != Some(truth(&spec)) {
            wrong.push(format!("{}: {}", spec.file_stem(), a.key.name()));
        }
        assert!(a.key.strength > 0.5, "{}: {:?}", spec.file_stem(), a.key);
        assert!(
            a.tuning_cents.abs() < 1.0,
            "{}: {}",
            spec.file_stem(),
            a.tuning_cents
        );
    }
    assert!(wrong.is_empty(), "wrong keys: {wrong:#?}");
}

/// -45 .. +45 cents, both signs, by piece.
fn detuning(i: usize) -> f64 {
    let sign = if i.is_multiple_of(2) { 1.0 } else { -1.0 };
    sign * 45.0 * ((i % 5) as f64 + 5.0) / 9.0
}

#[test]
fn keys_and_tuning_survive_detuning_by_45_cents() {
    let options = TableOptions::default();
    let mut wrong = Vec::new();
    for spec in every_key_on(&[Timbre::Organ, Timbre::Sine], Style::Cadence, detuning) {
        let a = analyse(&spec, &options);
        if a.key.key != Some(truth(&spec)) {
            wrong.push(format!("{}: {}", spec.file_stem(), a.key.name()));
        }
        assert!(
            (a.tuning_cents - spec.cents).abs() < 3.0,
            "{}: tuning {}",
            spec.file_stem(),
            a.tuning_cents
        );
    }
    assert!(wrong.is_empty(), "wrong keys: {wrong:#?}");
}

#[test]
fn detuned_pieces_are_as_well_recognised_as_in_tune_ones() {
    // Every style, every key, all three timbres: detuned by up to 45 cents, the pieces get the
    // same keys as in tune (a borderline piece, two keys within a hair of each other, may flip
    // either way: 3 of these 48 do, so the test also compares the counts of right keys), and
    // the tuning is measured within 3 cents.
    let options = TableOptions::default();
    let (mut right_tuned, mut right_detuned, mut same) = (0, 0, 0);
    let mut flips = Vec::new();
    let mut n = 0;
    for style in [Style::TwoFiveOne, Style::Pop, Style::Vamp, Style::Melody] {
        let tuned = every_key(style, |_| 0.0);
        let detuned = every_key(style, |i| detuning(i + 1));
        for (t, d) in tuned.iter().zip(&detuned).step_by(2) {
            let a = analyse(t, &options);
            let b = analyse(d, &options);
            n += 1;
            right_tuned += usize::from(a.key.key == Some(truth(t)));
            right_detuned += usize::from(b.key.key == Some(truth(d)));
            same += usize::from(a.key.key == b.key.key);
            if a.key.key != b.key.key {
                flips.push(format!(
                    "{}: {} in tune, {} detuned",
                    d.file_stem(),
                    a.key.name(),
                    b.key.name()
                ));
            }
            assert!(
                (b.tuning_cents - d.cents).abs() < 3.0,
                "{}: tuning {}",
                d.file_stem(),
                b.tuning_cents
            );
        }
    }
    assert!(
        right_tuned.abs_diff(right_detuned) <= 1 && same + 3 >= n,
        "{n} pieces: {right_tuned} right in tune, {right_detuned} detuned, {same} the same: {flips:#?}"
    );
}

#[test]
fn detuned_notes_keep_their_pitch_class() {
    let options = TableOptions::default();
    let fixed = TableOptions {
        accurate: chroma::AccurateParams {
            tuning: Tuning::Fixed { cents: 0.0 },
            ..Default::default()
        },
        ..TableOptions::default()
    };
    let (mut fixed_less_focused, mut notes) = (0, 0);
    for midi in (36u8..=84).step_by(5) {
        for (k, cents) in [-45.0f64, -30.0, 30.0, 45.0].into_iter().enumerate() {
            let timbre = Timbre::ALL[(usize::from(midi) + k) % 3];
            let f = synth::midi_to_hz(midi) * 2f64.powf(cents / 1200.0);
            let x = synth::render_tone(f, 1.0, timbre, FS, 0.5);
            let a = analyze_samples("note", &x, FS, &options).unwrap();
            let expected = chroma::pitch_class_of_midi(i32::from(midi));
            assert_eq!(
                a.profile.top_note(),
                Some(expected),
                "MIDI {midi} {cents:+} cents: {:?}",
                a.profile.dominant
            );
            assert!(
                (a.tuning_cents - cents).abs() < 3.0,
                "{midi} {cents}: {}",
                a.tuning_cents
            );
            // With A4 fixed at 440 Hz, a note 45 cents off is nearly halfway to its neighbour:
            // the soft profile spreads over both; measured against its own tuning it does not.
            let b = analyze_samples("note", &x, FS, &fixed).unwrap();
            assert_eq!(b.tuning_cents, 0.0);
            let own = a.profile.mean_chroma[expected];
            let spread = b.profile.mean_chroma[expected];
            if cents.abs() >= 40.0 {
                fixed_less_focused += usize::from(spread < own);
                notes += 1;
            }
        }
    }
    assert_eq!(
        fixed_less_focused, notes,
        "the estimated tuning focuses every detuned note"
    );
}

#[test]
fn silence_and_noise_get_no_key() {
    let options = TableOptions::default();
    let cases = [
        ("silence", synth::silence(2.0, FS)),
        ("noise", synth::white_noise(2.0, FS, 0.5, 3)),
        ("quiet noise", synth::white_noise(2.0, FS, 0.001, 4)),
        ("click", synth::click(2.0, FS, 1.0, 0.9)),
    ];
    for (name, x) in cases {
        let a = analyze_samples(name, &x, FS, &options).unwrap();
        assert_eq!(a.key.key, None, "{name}: {:?}", a.key);
        assert_eq!(a.key.strength, 0.0, "{name}");
        assert_eq!(a.key.name(), "", "{name}");
    }
}

#[test]
fn fixed_tuning_zero_is_the_old_chroma_and_auto_barely_changes_in_tune_material() {
    let spec = &every_key(Style::Cadence, |_| 0.0)[4];
    let x = spec.render(FS);
    let fixed = TableOptions {
        accurate: chroma::AccurateParams {
            tuning: Tuning::Fixed { cents: 0.0 },
            ..Default::default()
        },
        ..TableOptions::default()
    };
    let a = analyze_samples("x", &x, FS, &fixed).unwrap();
    assert_eq!(a.tuning_cents, 0.0);
    let b = analyze_samples("x", &x, FS, &TableOptions::default()).unwrap();
    assert!(b.tuning_cents.abs() < 0.5, "{}", b.tuning_cents);
    assert_eq!(a.profile.dominant, b.profile.dominant);
    for (p, q) in a.profile.mean_chroma.iter().zip(&b.profile.mean_chroma) {
        assert!((p - q).abs() < 0.01, "{p} {q}");
    }
}

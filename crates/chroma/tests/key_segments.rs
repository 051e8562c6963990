//! Key over time on real music: two chorales of the key set in different keys, joined end to
//! end, are two sections whose boundary is found near the join.

use std::path::{Path, PathBuf};

use audio_io::synth::{self, WavFormat};
use chroma::{file_key_segments, Key, KeySegmenter, TableOptions};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

/// The clips (`testdata/keyset/README.md`): 8 s each, 22050 Hz, with their labelled keys.
fn clips() -> [(PathBuf, &'static str); 2] {
    let dir = Path::new(TESTDATA).join("keyset");
    [
        (dir.join("bwv154.3.flac"), "A major"),
        (dir.join("bwv329.flac"), "D# major"),
    ]
}

/// Writes the clips joined end to end (in the order given) as one WAV; returns its path and
/// the join's time in seconds.
fn joined(dir: &Path, order: [usize; 2]) -> (PathBuf, f64) {
    let clips = clips();
    let mut samples = Vec::new();
    let mut join_s = 0.0;
    let mut rate = 0;
    for (n, &i) in order.iter().enumerate() {
        let signal = audio_io::read_mono(&clips[i].0).expect("clip");
        rate = signal.sample_rate();
        if n == 1 {
            join_s = samples.len() as f64 / f64::from(rate);
        }
        samples.extend(signal.samples);
    }
    let path = dir.join(format!("joined_{}_{}.wav", order[0], order[1]));
    synth::write_wav(&path, &[&samples], rate, WavFormat::S16).expect("write");
    (path, join_s)
}

#[test]
fn two_pieces_in_different_keys_joined_change_key_within_2_s_of_the_join() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clips = clips();
    for order in [[0, 1], [1, 0]] {
        let (path, join_s) = joined(dir.path(), order);
        let segments =
            file_key_segments(&path, &TableOptions::default(), &KeySegmenter::default()).unwrap();
        let keys: Vec<Option<Key>> = segments.iter().map(|s| s.key).collect();
        assert_eq!(segments.len(), 2, "{order:?}: {segments:#?}");
        for (segment, &i) in segments.iter().zip(&order) {
            assert_eq!(
                segment.key.map(|k| k.to_string()).as_deref(),
                Some(clips[i].1),
                "{order:?}: {keys:?}"
            );
            assert!(segment.strength > 0.5, "{segment:?}");
        }
        let change = segments[1].start_s;
        assert!(
            (change - join_s).abs() <= 2.0,
            "{order:?}: change at {change} s, join at {join_s} s"
        );
        assert_eq!(segments[0].start_s, 0.0);
        assert_eq!(segments[0].end_s, change);
        assert!(
            (segments[1].end_s - 2.0 * join_s).abs() < 0.05,
            "{segments:?}"
        );
    }
}

#[test]
fn each_clip_alone_is_one_section_in_its_labelled_key() {
    for (path, key) in clips() {
        let segments =
            file_key_segments(&path, &TableOptions::default(), &KeySegmenter::default()).unwrap();
        let keys: Vec<String> = segments
            .iter()
            .map(|s| s.key.map(|k| k.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(keys, [key], "{}", path.display());
        // The whole-file key agrees.
        let a = chroma::analyze_file(&path, &TableOptions::default()).unwrap();
        assert_eq!(a.key.name(), key, "{}", path.display());
    }
}

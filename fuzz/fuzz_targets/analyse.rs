//! Any bytes through the whole per-file analysis: decode, the 34 short-term features
//! (statistics), the accurate chroma and the note profile; then the pyaa chroma. Results are
//! finite or a typed error naming the file.
#![no_main]

use chroma::{analyze_file, ChromaMode, TableOptions};
use libfuzzer_sys::fuzz_target;

mod common;

/// Inputs longer than this are cut (the analysis of a long input only repeats itself).
const MAX_INPUT: usize = 256 * 1024;

fuzz_target!(init: common::tolerate_caught_reader_panics(), |data: &[u8]| {
    let data = &data[..data.len().min(MAX_INPUT)];
    let path = common::scratch_file("bin", data);
    for mode in [ChromaMode::Accurate, ChromaMode::Pyaa] {
        let options = TableOptions {
            mode,
            feature_stats: true,
            ..TableOptions::default()
        };
        match analyze_file(&path, &options) {
            Ok(a) => {
                assert!(a.duration_s.is_finite() && a.duration_s > 0.0);
                let stats = a.feature_stats.expect("asked for");
                assert!(stats.iter().all(|(m, s)| m.is_finite() && s.is_finite()));
                assert!(a.profile.frames >= a.profile.voiced_frames);
            }
            Err(e) => {
                let text = e.to_string();
                assert!(!text.is_empty());
                // Every error of a file's analysis names the file, once.
                assert_eq!(e.path(), Some(path.as_path()), "{text}");
                assert_eq!(text.matches(&*path.to_string_lossy()).count(), 1, "{text}");
                return;
            }
        }
    }
});

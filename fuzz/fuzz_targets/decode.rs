//! Any bytes, as an audio file of any format: opening and decoding must give samples or a typed
//! error naming the file, never a panic, hang or an allocation sized by a header's claim.
#![no_main]

use audio_io::{AudioReader, BlockSource};
use libfuzzer_sys::fuzz_target;

mod common;

/// Decoding stops after this many samples (about 45 s at 44.1 kHz): enough for every code path,
/// short enough that a tiny input claiming hours of silence does not time out.
const MAX_SAMPLES: u64 = 2_000_000;

fuzz_target!(init: common::tolerate_caught_reader_panics(), |data: &[u8]| {
    let path = common::scratch_file("bin", data);
    let Ok(mut reader) = AudioReader::open(&path) else {
        return;
    };
    let info = reader.info().clone();
    assert!((audio_io::MIN_SAMPLE_RATE..=audio_io::MAX_SAMPLE_RATE).contains(&info.sample_rate));
    let mut n = 0u64;
    loop {
        match reader.next_block() {
            Ok(Some(block)) => {
                assert!(!block.is_empty());
                assert!(block.iter().all(|x| x.is_finite()));
                n += block.len() as u64;
                if n > MAX_SAMPLES {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                assert_eq!(e.path(), path.as_path());
                break;
            }
        }
    }
});

//! Any bytes, as the tag of an otherwise good file: an MP3 behind an ID3v2 tag holding the bytes
//! (byte 0 even), or a WAV whose `LIST`/`INFO` chunk holds them (byte 0 odd). Opening must
//! succeed (a tag never costs the audio), every tag value stays within `MAX_TAG_CHARS`, and
//! the audio decodes to the plain file's length.
#![no_main]

use audio_io::{AudioReader, BlockSource, MAX_TAG_CHARS};
use libfuzzer_sys::fuzz_target;

mod common;

/// 0.25 s of the corpus excerpt, LAME, no tags (testdata/tags/plain.mp3).
const PLAIN_MP3: &[u8] = include_bytes!("../../testdata/tags/plain.mp3");
/// 0.1 s, 8 kHz mono 16-bit PCM samples (silence is enough here).
const WAV_FRAMES: usize = 800;

fn synchsafe(n: usize) -> [u8; 4] {
    [(n >> 21) as u8 & 0x7f, (n >> 14) as u8 & 0x7f, (n >> 7) as u8 & 0x7f, n as u8 & 0x7f]
}

fn mp3_with_id3v2(version: u8, body: &[u8]) -> Vec<u8> {
    let mut f = vec![b'I', b'D', b'3', 3 + version % 2, 0, 0];
    f.extend_from_slice(&synchsafe(body.len()));
    f.extend_from_slice(body);
    f.extend_from_slice(PLAIN_MP3);
    f
}

fn wav_with_info(body: &[u8]) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&1u16.to_le_bytes()); // PCM
    fmt.extend_from_slice(&1u16.to_le_bytes()); // mono
    fmt.extend_from_slice(&8000u32.to_le_bytes());
    fmt.extend_from_slice(&16000u32.to_le_bytes());
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    let mut chunks = Vec::new();
    chunks.extend_from_slice(b"fmt ");
    chunks.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    chunks.extend_from_slice(&fmt);
    chunks.extend_from_slice(b"LIST");
    chunks.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    chunks.extend_from_slice(b"INFO");
    chunks.extend_from_slice(body);
    if body.len() % 2 == 1 {
        chunks.push(0);
    }
    chunks.extend_from_slice(b"data");
    chunks.extend_from_slice(&(2 * WAV_FRAMES as u32).to_le_bytes());
    chunks.resize(chunks.len() + 2 * WAV_FRAMES, 0);
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(chunks.len() as u32 + 4).to_le_bytes());
    f.extend_from_slice(b"WAVE");
    f.extend_from_slice(&chunks);
    f
}

fn frames(path: &std::path::Path) -> u64 {
    let mut reader = AudioReader::open(path).unwrap_or_else(|e| panic!("the audio was lost: {e}"));
    let tags = reader.info().tags.clone();
    for text in [&tags.title, &tags.artist, &tags.album, &tags.genre].into_iter().flatten() {
        assert!(!text.is_empty() && text.chars().count() <= MAX_TAG_CHARS);
    }
    let mut n = 0u64;
    while let Ok(Some(block)) = reader.next_block() {
        n += block.len() as u64;
    }
    n
}

fuzz_target!(init: common::tolerate_caught_reader_panics(), |data: &[u8]| {
    let [choice, body @ ..] = data else {
        return;
    };
    static PLAIN_FRAMES: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let plain = *PLAIN_FRAMES.get_or_init(|| frames(&common::scratch_file("plain.mp3", PLAIN_MP3)));
    if choice % 2 == 0 {
        let path = common::scratch_file("mp3", &mp3_with_id3v2(choice / 2, body));
        assert_eq!(frames(&path), plain);
    } else {
        let path = common::scratch_file("wav", &wav_with_info(body));
        assert_eq!(frames(&path), WAV_FRAMES as u64);
    }
});

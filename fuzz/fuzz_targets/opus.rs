//! Any bytes, as a stream of Opus packets for libopus (through `audio_io::opus::OpusDecoder`,
//! symphonia's decoder interface): decoding must give finite samples, at most 120 ms of them per
//! packet, or a decode error, never a crash, a hang or memory growing with the input.
//!
//! Input: byte 0 picks the channel layout (mono, stereo, or 3 to 8 channels with a channel
//! mapping family 1 `OpusHead`), byte 1 the pre-skip's low byte; then packets, each a 1-byte
//! length (0..=255) followed by that many bytes.
#![no_main]

use audio_io::opus::OpusDecoder;
use libfuzzer_sys::fuzz_target;
use symphonia::core::audio::Audio;
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder};
use symphonia::core::packet::Packet;
use symphonia::core::units::{Duration, Timestamp};

/// The `OpusHead` for `channels` (family 0 up to 2, else family 1 with the Vorbis mappings'
/// stream counts).
fn head(channels: u8, pre_skip: u8) -> Vec<u8> {
    let mut h = b"OpusHead".to_vec();
    h.extend_from_slice(&[1, channels, pre_skip, 0]);
    h.extend_from_slice(&48_000u32.to_le_bytes());
    h.extend_from_slice(&[0, 0]);
    if channels <= 2 {
        h.push(0);
    } else {
        // Streams, coupled streams, then the mapping: coupled pairs first.
        let coupled = channels / 2;
        let streams = channels - coupled;
        h.extend_from_slice(&[1, streams, coupled]);
        h.extend(0..channels);
    }
    h
}

fuzz_target!(|data: &[u8]| {
    let [layout, pre_skip, packets @ ..] = data else {
        return;
    };
    let channels = 1 + layout % 8;
    let mut params = AudioCodecParameters::new();
    params
        .for_codec(CODEC_ID_OPUS)
        .with_extra_data(head(channels, *pre_skip).into_boxed_slice());
    let mut decoder = match OpusDecoder::try_new(&params) {
        Ok(d) => d,
        Err(e) => panic!("a valid OpusHead for {channels} channels was refused: {e}"),
    };
    let mut rest = packets;
    let mut ts = 0u64;
    while let [len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (packet, tail) = tail.split_at(len);
        rest = tail;
        let p = Packet::new(1, Timestamp::new(ts as i64), Duration::new(960), packet.to_vec());
        ts += 960;
        if let Ok(buf) = decoder.decode(&p) {
            assert!(buf.frames() <= 5760, "{} frames from one packet", buf.frames());
            assert_eq!(buf.num_planes(), usize::from(channels));
            let mut mono = Vec::new();
            if let symphonia::core::audio::GenericAudioBufferRef::F32(b) = buf {
                for plane in b.iter_planes() {
                    mono.extend(plane.iter().copied());
                }
            }
            assert!(mono.iter().all(|x| x.is_finite()));
        }
    }
});

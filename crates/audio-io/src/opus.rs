//! Opus, decoded by libopus (1.3.1, the reference decoder, as the `unsafe-libopus` crate: the C
//! source translated to Rust, so no C compiler, cmake or system library is needed), plugged into
//! symphonia's codec registry as [`OpusDecoder`].
//!
//! symphonia 0.6 demuxes Opus from Ogg and Matroska/WebM but has no Opus decoder. The stream's
//! identification header (`OpusHead`, RFC 7845 section 5.1: the codec parameters' extra data in
//! both containers) gives the channel count, the pre-skip, the output gain and the channel
//! mapping; every stream is decoded with libopus's multistream decoder (a mono or stereo stream
//! is one stream of it, as libopusfile does), to 32-bit float at 48 kHz.
//!
//! Trimming: symphonia's Ogg demuxer marks the end padding of the last packet (from the last
//! page's granule position) as the packet's `trim_end`, which [`OpusDecoder`] applies; it states
//! the pre-skip as the track's delay but does not trim it, so the reader drops those first
//! samples (`AudioReader`). Decoded lengths then equal ffmpeg's.

// The one module of this crate with unsafe code: the calls into the translated libopus.
#![allow(unsafe_code)]

use symphonia::core::audio::{
    layouts, AsGenericAudioBufferRef, AudioBuffer, AudioMut, AudioSpec, Channels,
    GenericAudioBufferRef,
};
use symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS;
use symphonia::core::codecs::audio::{
    AudioCodecParameters, AudioDecoder, AudioDecoderOptions, FinalizeResult,
};
use symphonia::core::codecs::registry::{RegisterableAudioDecoder, SupportedAudioCodec};
use symphonia::core::codecs::CodecInfo;
use symphonia::core::errors::{Error, Result};
use symphonia::core::packet::PacketRef;

/// Opus always decodes at 48 kHz here (libopus could resample down; the analysis wants the
/// stream as encoded).
pub const OPUS_RATE: u32 = 48_000;

/// The longest packet: 120 ms at 48 kHz (RFC 6716 section 3.2.5), in samples per channel.
const MAX_PACKET_FRAMES: usize = 5_760;

/// Most channels an `OpusHead` may map (channel mapping family 1 and 255 allow up to 255).
const MAX_CHANNELS: usize = 255;

/// What an `OpusHead` identification header states (RFC 7845 section 5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusHead {
    /// Output channels.
    pub channels: usize,
    /// Samples (at 48 kHz) to drop from the start of the decoded stream.
    pub pre_skip: u16,
    /// Gain to apply to the decoded output, in dB as a Q7.8 number.
    pub output_gain: i16,
    /// Elementary Opus streams in each packet.
    pub streams: usize,
    /// How many of them are coupled (stereo) streams.
    pub coupled: usize,
    /// For each output channel, the decoded channel it takes (255: silence).
    pub mapping: Vec<u8>,
}

impl OpusHead {
    /// Parses an `OpusHead` packet; `None` if it is not one or is inconsistent (a channel count
    /// of 0, more coupled streams than streams, a mapping that names a channel no stream has).
    pub fn parse(head: &[u8]) -> Option<OpusHead> {
        if head.len() < 19 || &head[..8] != b"OpusHead" {
            return None;
        }
        // Version: the upper four bits are the major version, only 0 is defined.
        if head[8] >> 4 != 0 {
            return None;
        }
        let channels = usize::from(head[9]);
        let pre_skip = u16::from_le_bytes([head[10], head[11]]);
        let output_gain = i16::from_le_bytes([head[16], head[17]]);
        let family = head[18];
        let (streams, coupled, mapping) = if family == 0 {
            if !(1..=2).contains(&channels) {
                return None;
            }
            (1, channels - 1, (0..channels as u8).collect())
        } else {
            let table = head.get(19..21 + channels)?;
            let (streams, coupled) = (usize::from(table[0]), usize::from(table[1]));
            (streams, coupled, table[2..].to_vec())
        };
        let decoded_channels = streams + coupled;
        let consistent = (1..=MAX_CHANNELS).contains(&channels)
            && streams >= 1
            && coupled <= streams
            && decoded_channels <= MAX_CHANNELS
            && mapping
                .iter()
                .all(|&m| m == 255 || usize::from(m) < decoded_channels);
        consistent.then_some(OpusHead {
            channels,
            pre_skip,
            output_gain,
            streams,
            coupled,
            mapping,
        })
    }

    /// The linear factor of [`OpusHead::output_gain`]: `10^(gain / (20 * 256))`.
    pub fn gain_factor(&self) -> f32 {
        10f32.powf(f32::from(self.output_gain) / (20.0 * 256.0))
    }
}

/// libopus's multistream decoder, owned: created checked, destroyed on drop.
struct LibOpus {
    state: *mut unsafe_libopus::OpusMSDecoder,
}

// SAFETY: the decoder state is plain memory owned by this value and touched only through
// `&mut self`; libopus keeps no thread-local or global state for it.
unsafe impl Send for LibOpus {}
// SAFETY: no method reads the state through `&self`.
unsafe impl Sync for LibOpus {}

impl LibOpus {
    fn new(head: &OpusHead) -> Result<LibOpus> {
        let mut error = 0i32;
        // SAFETY: the mapping has `channels` entries (checked by `OpusHead::parse`), and libopus
        // checks the counts and the mapping itself; the error is written to a live i32.
        let state = unsafe {
            unsafe_libopus::opus_multistream_decoder_create(
                OPUS_RATE as i32,
                head.channels as i32,
                head.streams as i32,
                head.coupled as i32,
                head.mapping.as_ptr(),
                &mut error,
            )
        };
        if state.is_null() || error != unsafe_libopus::OPUS_OK {
            if !state.is_null() {
                // SAFETY: created above, not used after.
                unsafe { unsafe_libopus::opus_multistream_decoder_destroy(state) };
            }
            return Err(Error::Unsupported("opus: unsupported channel mapping"));
        }
        Ok(LibOpus { state })
    }

    /// Decodes one packet into `pcm` (interleaved, room for [`MAX_PACKET_FRAMES`] frames);
    /// returns the frames decoded.
    fn decode(&mut self, packet: &[u8], pcm: &mut [f32], channels: usize) -> Result<usize> {
        // An empty packet would ask libopus for packet-loss concealment of the whole buffer.
        if packet.is_empty() {
            return Err(Error::DecodeError("opus: empty packet"));
        }
        let len = i32::try_from(packet.len())
            .map_err(|_| Error::DecodeError("opus: packet too large"))?;
        let frame_size = (pcm.len() / channels).min(MAX_PACKET_FRAMES);
        // SAFETY: `state` is a live decoder; `packet` is `len` readable bytes; `pcm` has room
        // for `frame_size * channels` floats, and libopus writes at most that many.
        let n = unsafe {
            unsafe_libopus::opus_multistream_decode_float(
                self.state,
                packet.as_ptr(),
                len,
                pcm.as_mut_ptr(),
                frame_size as i32,
                0,
            )
        };
        match n {
            n if n >= 0 => Ok(n as usize),
            unsafe_libopus::OPUS_INVALID_PACKET => {
                Err(Error::DecodeError("opus: invalid or corrupted packet"))
            }
            unsafe_libopus::OPUS_BUFFER_TOO_SMALL => {
                Err(Error::DecodeError("opus: packet longer than 120 ms"))
            }
            _ => Err(Error::DecodeError(
                "opus: libopus failed to decode the packet",
            )),
        }
    }
}

impl Drop for LibOpus {
    fn drop(&mut self) {
        // SAFETY: created by `opus_multistream_decoder_create`, destroyed once.
        unsafe { unsafe_libopus::opus_multistream_decoder_destroy(self.state) };
    }
}

/// symphonia's [`AudioDecoder`] for Opus, backed by libopus. Register it with
/// [`CodecRegistry::register_audio_decoder`](symphonia::core::codecs::registry::CodecRegistry).
pub struct OpusDecoder {
    params: AudioCodecParameters,
    head: OpusHead,
    gain: f32,
    libopus: LibOpus,
    /// Interleaved output of the last packet.
    pcm: Vec<f32>,
    buf: AudioBuffer<f32>,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusDecoder")
            .field("head", &self.head)
            .finish_non_exhaustive()
    }
}

fn channel_layout(channels: usize) -> Channels {
    match channels {
        1 => layouts::CHANNEL_LAYOUT_MONO,
        2 => layouts::CHANNEL_LAYOUT_STEREO,
        n => Channels::Discrete(n as u16),
    }
}

impl OpusDecoder {
    /// A decoder for the stream `params` describe: its `OpusHead` from the extra data (both
    /// Ogg and Matroska carry it there), or, without one, a mono or stereo stream from the
    /// stated channel count.
    pub fn try_new(params: &AudioCodecParameters) -> Result<OpusDecoder> {
        let head = match params.extra_data.as_deref() {
            Some(extra) => {
                OpusHead::parse(extra).ok_or(Error::Unsupported("opus: invalid OpusHead header"))?
            }
            None => {
                let channels = params.channels.as_ref().map_or(0, |c| c.count());
                if !(1..=2).contains(&channels) {
                    return Err(Error::Unsupported("opus: no OpusHead and no channel count"));
                }
                OpusHead {
                    channels,
                    pre_skip: 0,
                    output_gain: 0,
                    streams: 1,
                    coupled: channels - 1,
                    mapping: (0..channels as u8).collect(),
                }
            }
        };
        let libopus = LibOpus::new(&head)?;
        let mut params = params.clone();
        params
            .with_sample_rate(OPUS_RATE)
            .with_channels(channel_layout(head.channels));
        let spec = AudioSpec::new(OPUS_RATE, channel_layout(head.channels));
        Ok(OpusDecoder {
            params,
            gain: head.gain_factor(),
            pcm: vec![0.0; MAX_PACKET_FRAMES * head.channels],
            buf: AudioBuffer::new(spec, MAX_PACKET_FRAMES),
            libopus,
            head,
        })
    }

    /// The stream's identification header.
    pub fn head(&self) -> &OpusHead {
        &self.head
    }
}

impl AudioDecoder for OpusDecoder {
    fn reset(&mut self) {
        // A fresh decoder state: the same header was accepted before, so this cannot fail.
        if let Ok(fresh) = LibOpus::new(&self.head) {
            self.libopus = fresh;
        }
    }

    fn codec_info(&self) -> &CodecInfo {
        &SUPPORTED[0].info
    }

    fn codec_params(&self) -> &AudioCodecParameters {
        &self.params
    }

    fn decode_ref(&mut self, packet: &PacketRef<'_>) -> Result<GenericAudioBufferRef<'_>> {
        self.buf.clear();
        let channels = self.head.channels;
        let frames = self.libopus.decode(packet.data, &mut self.pcm, channels)?;
        let pcm = &mut self.pcm[..frames * channels];
        if self.gain != 1.0 {
            for x in pcm.iter_mut() {
                *x *= self.gain;
            }
        }
        self.buf.render_uninit(Some(frames));
        self.buf.copy_from_slice_interleaved(&&*pcm);
        self.buf.trim(
            packet.trim_start.get() as usize,
            packet.trim_end.get() as usize,
        );
        Ok(self.buf.as_generic_audio_buffer_ref())
    }

    fn finalize(&mut self) -> FinalizeResult {
        FinalizeResult::default()
    }

    fn last_decoded(&self) -> GenericAudioBufferRef<'_> {
        self.buf.as_generic_audio_buffer_ref()
    }
}

static SUPPORTED: [SupportedAudioCodec; 1] = [SupportedAudioCodec {
    id: CODEC_ID_OPUS,
    info: CodecInfo {
        short_name: "opus",
        long_name: "Opus (libopus 1.3.1)",
        profiles: &[],
    },
}];

impl RegisterableAudioDecoder for OpusDecoder {
    fn try_registry_new(
        params: &AudioCodecParameters,
        _opts: &AudioDecoderOptions,
    ) -> Result<Box<dyn AudioDecoder>> {
        Ok(Box::new(OpusDecoder::try_new(params)?))
    }

    fn supported_codecs() -> &'static [SupportedAudioCodec] {
        &SUPPORTED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(channels: u8, family: u8, table: &[u8]) -> Vec<u8> {
        let mut h = b"OpusHead".to_vec();
        h.extend_from_slice(&[1, channels]);
        h.extend_from_slice(&312u16.to_le_bytes());
        h.extend_from_slice(&44_100u32.to_le_bytes());
        h.extend_from_slice(&256i16.to_le_bytes());
        h.push(family);
        h.extend_from_slice(table);
        h
    }

    #[test]
    fn opus_head_family_0_and_1() {
        let stereo = OpusHead::parse(&head(2, 0, &[])).expect("stereo");
        assert_eq!(
            (
                stereo.channels,
                stereo.pre_skip,
                stereo.streams,
                stereo.coupled
            ),
            (2, 312, 1, 1)
        );
        assert_eq!(stereo.mapping, vec![0, 1]);
        // 1 dB of output gain.
        assert!((stereo.gain_factor() - 10f32.powf(0.05)).abs() < 1e-6);
        // 5.1: 4 streams, 2 coupled, the Vorbis channel order.
        let surround = OpusHead::parse(&head(6, 1, &[4, 2, 0, 4, 1, 2, 3, 5])).expect("5.1");
        assert_eq!((surround.streams, surround.coupled), (4, 2));
        LibOpus::new(&surround).expect("libopus takes the 5.1 mapping");
    }

    #[test]
    fn inconsistent_heads_are_refused() {
        // Family 0 with 3 channels, no channels, a mapping naming channel 9 of 2 decoded,
        // more coupled streams than streams, a table cut short, another magic.
        for bad in [
            head(3, 0, &[]),
            head(0, 1, &[1, 0]),
            head(2, 1, &[1, 1, 0, 9]),
            head(2, 1, &[1, 2, 0, 1]),
            head(2, 1, &[1, 1, 0]),
            b"OpusTags0123456789012".to_vec(),
        ] {
            assert_eq!(OpusHead::parse(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn garbage_packets_are_decode_errors() {
        let head = OpusHead::parse(&head(2, 0, &[])).expect("stereo");
        let mut libopus = LibOpus::new(&head).expect("decoder");
        let mut pcm = vec![0.0; MAX_PACKET_FRAMES * 2];
        assert!(libopus.decode(&[], &mut pcm, 2).is_err());
        // Code 3 (arbitrary frame count) with 0 frames is invalid.
        assert!(libopus.decode(&[0x03, 0x00], &mut pcm, 2).is_err());
        // A valid TOC with a single zero byte of payload decodes (silence or concealment) to
        // one 20 ms frame.
        assert_eq!(libopus.decode(&[0xfc, 0x00], &mut pcm, 2).ok(), Some(960));
    }
}

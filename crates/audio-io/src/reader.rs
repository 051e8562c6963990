//! The streaming decoder: probe a file by content, decode packet by packet, mix each packet down
//! to mono.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use symphonia::core::audio::conv::IntoSample;
use symphonia::core::audio::sample::Sample;
use symphonia::core::audio::{Audio, AudioBuffer, GenericAudioBufferRef};
use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::codecs::audio::{
    AudioCodecId, AudioDecoder, AudioDecoderOptions, CODEC_ID_NULL_AUDIO,
};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadOnlySource};
use symphonia::core::meta::MetadataOptions;

use crate::guard::catch_quietly;
use crate::mp4_edits::sound_track_edit;
use crate::opus::OpusHead;
use crate::riff_tags;
use crate::source::{media_source, Patched};
use crate::tags::{ItunesGapless, LeadingId3v2, Tags};
use crate::unsupported;
use crate::{AudioError, SampleFormat, StreamInfo};

/// Demuxer errors in a row (without a packet in between) after which the stream is given up.
const MAX_CONSECUTIVE_DEMUX_ERRORS: u32 = 64;
/// Skipped packets reported at `warn` level; later ones go to `debug` to keep logs readable.
const MAX_WARNED_SKIPS: u64 = 10;

/// What happened while decoding a stream: how much was decoded, what was skipped, whether the file
/// ended early. Final once [`BlockSource::next_block`] has returned `Ok(None)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeReport {
    /// Sample frames (per channel, i.e. mono samples) delivered so far.
    pub frames_decoded: u64,
    /// Packets decoded successfully.
    pub packets_decoded: u64,
    /// Packets that failed to decode (or to demux) and were skipped with a warning.
    pub packets_skipped: u64,
    /// The file ended before the frame count its header states (or mid-packet): the samples
    /// delivered are what was there.
    pub truncated: bool,
}

/// A source of mono sample blocks: what feature extractors consume.
pub trait BlockSource {
    /// Facts about the stream.
    fn info(&self) -> &StreamInfo;
    /// The next block of mono samples, normalised to [-1, 1] (floats as stored); `None` at the end.
    ///
    /// Mono sample `i` is `(c_0[i] + c_1[i] + ... + c_{n-1}[i]) / n`, summed in f64 in channel
    /// order. Blocks have no fixed length (one decoded packet each) and are never empty.
    fn next_block(&mut self) -> Result<Option<&[f64]>, AudioError>;
}

/// A streaming decoder of one file to mono blocks. Memory use is one packet, whatever the length
/// of the file.
pub struct AudioReader {
    info: StreamInfo,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    block: Vec<f64>,
    /// The first block was decoded by `open` and not yet handed out.
    primed: bool,
    done: bool,
    report: DecodeReport,
    consecutive_demux_errors: u32,
    /// Stop after this many frames (AIFF: the COMM chunk's count, not the SSND size).
    frame_limit: Option<u64>,
    /// Frames still to drop from the start of the stream: Opus's pre-skip, which symphonia's
    /// demuxers state as the track's delay without trimming it, and an MP4's encoder delay.
    skip_front: u64,
    /// Problems with the file's tags, logged once `open` has read them.
    tag_warnings: Vec<String>,
    /// The metadata log's current revision was read by `take_metadata`.
    current_metadata_taken: bool,
    /// What the demuxer gave after the packet being decoded (Ogg: whether a packet is the
    /// stream's last decides whether its end trim is kept).
    lookahead: Option<Fetched>,
    /// Frames the stream may fall short of its stated length without being truncated.
    length_slack: u64,
}

impl std::fmt::Debug for AudioReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioReader")
            .field("info", &self.info)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

/// The container named by a file's first bytes, for the header checks that run before symphonia
/// is asked (and as the name when symphonia's reader is one this crate has no name for).
fn sniff_container(head: &[u8]) -> &'static str {
    let tag = |r: std::ops::Range<usize>| head.get(r).unwrap_or(&[]);
    match tag(0..4) {
        b"RIFF" | b"RIFX" | b"RF64" => "wav",
        b"FORM" => "aiff",
        b"fLaC" => "flac",
        b"OggS" => "ogg",
        b"caff" => "caf",
        [0x1a, 0x45, 0xdf, 0xa3] => "mkv",
        _ if tag(4..8) == b"ftyp" => "mp4",
        _ => "mp3",
    }
}

/// [`StreamInfo::container`] for the reader symphonia chose (by its `short_name`), which also
/// finds a container behind leading junk; `None` for a reader not named here.
fn container_of_reader(short_name: &str) -> Option<&'static str> {
    Some(match short_name {
        "wave" => "wav",
        "aiff" => "aiff",
        "flac" => "flac",
        "ogg" => "ogg",
        "isomp4" => "mp4",
        "mp1" | "mp2" | "mp3" => "mp3",
        "aac" => "aac",
        "caf" => "caf",
        "mkv" => "mkv",
        _ => return None,
    })
}

/// symphonia's decoders and libopus for Opus ([`crate::opus::OpusDecoder`]), registered once.
static CODECS: std::sync::LazyLock<CodecRegistry> = std::sync::LazyLock::new(|| {
    let mut registry = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut registry);
    registry.register_audio_decoder::<crate::opus::OpusDecoder>();
    registry
});

/// The codec's short name where a decoder is built for it, else its name in words (or id).
fn codec_name(codec: AudioCodecId) -> String {
    match CODECS.get_audio_decoder(codec) {
        Some(registered) => registered.codec.info.short_name.to_string(),
        None => unsupported::codec_in_words(codec)
            .map_or_else(|| format!("codec id {codec}"), str::to_string),
    }
}

fn sample_format_of(codec: AudioCodecId, bits_per_sample: Option<u32>) -> SampleFormat {
    match codec {
        CODEC_ID_PCM_U8 | CODEC_ID_PCM_U8_PLANAR => SampleFormat::U8,
        CODEC_ID_PCM_S8 | CODEC_ID_PCM_S8_PLANAR => SampleFormat::Int(8),
        CODEC_ID_PCM_S16LE
        | CODEC_ID_PCM_S16BE
        | CODEC_ID_PCM_U16LE
        | CODEC_ID_PCM_U16BE
        | CODEC_ID_PCM_S16LE_PLANAR
        | CODEC_ID_PCM_S16BE_PLANAR
        | CODEC_ID_PCM_U16LE_PLANAR
        | CODEC_ID_PCM_U16BE_PLANAR => SampleFormat::Int(16),
        CODEC_ID_PCM_S24LE
        | CODEC_ID_PCM_S24BE
        | CODEC_ID_PCM_U24LE
        | CODEC_ID_PCM_U24BE
        | CODEC_ID_PCM_S24LE_PLANAR
        | CODEC_ID_PCM_S24BE_PLANAR
        | CODEC_ID_PCM_U24LE_PLANAR
        | CODEC_ID_PCM_U24BE_PLANAR => SampleFormat::Int(24),
        CODEC_ID_PCM_S32LE
        | CODEC_ID_PCM_S32BE
        | CODEC_ID_PCM_U32LE
        | CODEC_ID_PCM_U32BE
        | CODEC_ID_PCM_S32LE_PLANAR
        | CODEC_ID_PCM_S32BE_PLANAR
        | CODEC_ID_PCM_U32LE_PLANAR
        | CODEC_ID_PCM_U32BE_PLANAR => SampleFormat::Int(32),
        CODEC_ID_PCM_F32LE
        | CODEC_ID_PCM_F32BE
        | CODEC_ID_PCM_F32LE_PLANAR
        | CODEC_ID_PCM_F32BE_PLANAR => SampleFormat::F32,
        CODEC_ID_PCM_F64LE
        | CODEC_ID_PCM_F64BE
        | CODEC_ID_PCM_F64LE_PLANAR
        | CODEC_ID_PCM_F64BE_PLANAR => SampleFormat::F64,
        CODEC_ID_PCM_ALAW => SampleFormat::ALaw,
        CODEC_ID_PCM_MULAW => SampleFormat::MuLaw,
        CODEC_ID_FLAC | CODEC_ID_ALAC => SampleFormat::Int(bits_per_sample.unwrap_or(16)),
        _ => SampleFormat::Lossy,
    }
}

/// Averages the planes of one decoded buffer into `out` (cleared first): the sum over channels in
/// channel order, in f64, divided by the channel count. Samples are normalised by symphonia's
/// exact power-of-two conversions (`i16 / 2^15`, `i24 / 2^23`, `i32 / 2^31`, `u8 / 128 - 1`).
fn mix_planes<S: Sample + IntoSample<f64>>(buf: &AudioBuffer<S>, out: &mut Vec<f64>) {
    out.clear();
    let channels = buf.num_planes();
    if channels == 0 || buf.frames() == 0 {
        return;
    }
    if channels == 2 {
        // Stereo in one pass: the same operations in the same order, `(l + r) / 2`.
        let mut planes = buf.iter_planes();
        if let (Some(left), Some(right)) = (planes.next(), planes.next()) {
            out.extend(left.iter().zip(right).map(|(&l, &r)| {
                let (l, r): (f64, f64) = (l.into_sample(), r.into_sample());
                (l + r) / 2.0
            }));
        }
        return;
    }
    let mut planes = buf.iter_planes();
    if let Some(first) = planes.next() {
        out.extend(first.iter().map(|&s| -> f64 { s.into_sample() }));
    }
    for plane in planes {
        for (acc, &s) in out.iter_mut().zip(plane) {
            let v: f64 = s.into_sample();
            *acc += v;
        }
    }
    if channels > 1 {
        let n = channels as f64;
        for acc in out.iter_mut() {
            *acc /= n;
        }
    }
}

fn mix_to_mono(buf: &GenericAudioBufferRef<'_>, out: &mut Vec<f64>) {
    match buf {
        GenericAudioBufferRef::U8(b) => mix_planes(b, out),
        GenericAudioBufferRef::U16(b) => mix_planes(b, out),
        GenericAudioBufferRef::U24(b) => mix_planes(b, out),
        GenericAudioBufferRef::U32(b) => mix_planes(b, out),
        GenericAudioBufferRef::S8(b) => mix_planes(b, out),
        GenericAudioBufferRef::S16(b) => mix_planes(b, out),
        GenericAudioBufferRef::S24(b) => mix_planes(b, out),
        GenericAudioBufferRef::S32(b) => mix_planes(b, out),
        GenericAudioBufferRef::F32(b) => mix_planes(b, out),
        GenericAudioBufferRef::F64(b) => mix_planes(b, out),
    }
}

/// The index of the first sample of `block` that is not finite (NaN or infinite), if any.
/// `0 x` is 0 for a finite sample and NaN otherwise, so the sum of those over eight
/// interleaved lanes is NaN exactly when some sample is not finite: the usual all-finite block
/// costs one pass in vector instructions (a search that stops at the first one tests and
/// branches per sample: 1.9% of `notes`' CPU on real music), and only a block that has one is
/// searched for its index.
fn first_non_finite(block: &[f64]) -> Option<usize> {
    let mut lanes = [0.0f64; 8];
    let chunks = block.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += 0.0 * x;
        }
    }
    let all_finite = lanes.iter().chain(tail).all(|x| x.is_finite());
    if all_finite {
        None
    } else {
        block.iter().position(|x| !x.is_finite())
    }
}

/// The frame count an AIFF/AIFF-C file's COMM chunk states (`numSampleFrames`). symphonia
/// derives it from the SSND chunk size (0.5 counted SSND's 8-byte offset/block-size header as
/// audio; 0.6 no longer does), which can disagree with COMM's: COMM's count is the file's own.
fn aiff_frames(path: &Path) -> Option<u64> {
    let mut head = Vec::with_capacity(4096);
    File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .ok()?;
    if head.get(0..4)? != b"FORM" {
        return None;
    }
    let mut pos = 12usize;
    while pos + 8 <= head.len() {
        let id = &head[pos..pos + 4];
        let size = u32::from_be_bytes(head[pos + 4..pos + 8].try_into().ok()?) as usize;
        if id == b"COMM" {
            let frames = head.get(pos + 10..pos + 14)?;
            return Some(u64::from(u32::from_be_bytes(frames.try_into().ok()?)));
        }
        pos = pos
            .checked_add(8)?
            .checked_add(size)?
            .checked_add(size & 1)?;
    }
    None
}

/// Most channels symphonia 0.6 maps in a WAV (its 26 standard speaker positions, assigned to the
/// channels in order, so more cannot be represented). AIFF has no such limit: from 4 channels
/// on symphonia 0.6 gives them as discrete channels.
const MAX_CHANNELS: u32 = 26;

/// The channel count a WAV header (`fmt ` chunk) states, read from the file's first 64 KB;
/// `None` for other containers or a header not found there.
fn header_channels(path: &Path, container: &str) -> Option<u32> {
    if container != "wav" {
        return None;
    }
    let mut head = Vec::with_capacity(4096);
    File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .ok()?;
    let (chunk, big_endian): (&[u8; 4], bool) = (b"fmt ", head.get(0..4)? == b"RIFX");
    let mut pos = 12usize;
    while pos + 8 <= head.len() {
        let size: [u8; 4] = head[pos + 4..pos + 8].try_into().ok()?;
        let size = if big_endian {
            u32::from_be_bytes(size)
        } else {
            u32::from_le_bytes(size)
        } as usize;
        if &head[pos..pos + 4] == chunk {
            // The format tag (2 bytes), then the channel count.
            let at = pos + 10;
            let c: [u8; 2] = head.get(at..at + 2)?.try_into().ok()?;
            return Some(u32::from(if big_endian {
                u16::from_be_bytes(c)
            } else {
                u16::from_le_bytes(c)
            }));
        }
        pos = pos
            .checked_add(8)?
            .checked_add(size)?
            .checked_add(size & 1)?;
    }
    None
}

/// [`AudioError::TooManyChannels`] if the header states more channels than the decoder maps.
fn check_channels(path: &Path, container: &str) -> Result<(), AudioError> {
    match header_channels(path, container) {
        Some(channels) if channels > MAX_CHANNELS => Err(AudioError::TooManyChannels {
            path: path.to_path_buf(),
            channels,
            max: MAX_CHANNELS,
        }),
        _ => Ok(()),
    }
}

/// What a non-regular, non-directory file is, for error messages.
fn file_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    let _ = file_type;
    "not a file or directory"
}

fn io_error(path: &Path, source: std::io::Error) -> AudioError {
    if source.kind() == ErrorKind::NotFound {
        AudioError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        AudioError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl AudioReader {
    /// Opens and probes a file by content (the extension is only a hint), picks the first audio
    /// track, and decodes the first block so that an undecodable or empty stream fails here.
    ///
    /// Errors: [`AudioError::NotFound`], [`AudioError::Io`], [`AudioError::EmptyFile`],
    /// [`AudioError::NotAudio`], [`AudioError::NoAudioTrack`], [`AudioError::UnsupportedCodec`],
    /// [`AudioError::Corrupt`], [`AudioError::NoSamples`], [`AudioError::NonFiniteSample`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AudioError> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
        if meta.is_dir() {
            return Err(AudioError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::other("is a directory"),
            });
        }
        // A FIFO, socket or device has no length and cannot be read twice (probe, then the two
        // passes of the features); say what it is rather than "empty file".
        if !meta.is_file() {
            return Err(AudioError::NotARegularFile {
                path: path.to_path_buf(),
                kind: file_kind(&meta.file_type()),
            });
        }
        if meta.len() == 0 {
            return Err(AudioError::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        let mut head = Vec::with_capacity(12);
        File::open(path)
            .and_then(|f| f.take(12).read_to_end(&mut head))
            .map_err(|e| io_error(path, e))?;
        let container = sniff_container(&head);
        // symphonia reports a WAV with too many channels as an unknown format or a corrupt
        // header: say what it is.
        check_channels(path, container)?;

        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        // symphonia can panic on garbage (0.5 did in its ADTS probe, on an arithmetic overflow):
        // a panic while probing means the content is not audio it can read.
        let probe = |source: Box<dyn MediaSource>| {
            catch_quietly(AssertUnwindSafe(|| {
                symphonia::default::get_probe().probe(
                    &hint,
                    MediaSourceStream::new(source, Default::default()),
                    FormatOptions::default(),
                    MetadataOptions::default(),
                )
            }))
        };
        // A leading ID3v2 tag too large to read for its tags (a huge picture), or one claiming
        // more bytes than the file holds, is skipped: the probe starts after it (or after its
        // header, searching the rest for the audio as it does behind junk).
        let mut tag_warnings = Vec::new();
        let start = match LeadingId3v2::of_head(&head, meta.len()) {
            LeadingId3v2::Readable => 0,
            LeadingId3v2::TooLarge { end } => {
                tag_warnings.push(format!(
                    "its ID3v2 tag is {:.1} MB, more than the {} MB read for tags (a large \
                     picture?): its tags were not read",
                    end as f64 / 1e6,
                    crate::tags::MAX_ID3V2_BYTES >> 20
                ));
                end
            }
            LeadingId3v2::PastEnd { claimed } => {
                tag_warnings.push(format!(
                    "its ID3v2 tag claims {claimed} bytes, more than the file holds: its tags \
                     were not read"
                ));
                10
            }
        };
        let open_from = |start: u64| {
            File::open(path)
                .and_then(|file| media_source(file, start))
                .map_err(|e| io_error(path, e))
        };
        let mut probed = probe(open_from(start)?);
        // A malformed ID3v2 tag fails symphonia's probe: the audio after it still counts.
        if start == 0 && !matches!(probed, Ok(Ok(_))) && head.starts_with(b"ID3") {
            let end = head.get(6..10).map_or(10, |size| {
                10 + size
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 7) | u64::from(b & 0x7f))
            });
            let retried = probe(open_from(end.min(meta.len()))?);
            if matches!(retried, Ok(Ok(_))) {
                tag_warnings.push("its ID3v2 tag is malformed: its tags were not read".into());
                probed = retried;
            }
        }
        // symphonia 0.6.1's WAV reader fails the whole file on a malformed INFO list (a tag):
        // read it once more with its LIST chunks renamed JUNK, which the reader skips (the tags
        // are read by `riff_tags`, which keeps what it can).
        if !matches!(probed, Ok(Ok(_))) && container == "wav" {
            let lists = riff_tags::wav_list_chunk_offsets(path);
            if !lists.is_empty() {
                let file = File::open(path).map_err(|e| io_error(path, e))?;
                let patches = lists.into_iter().map(|at| (at, *b"JUNK")).collect();
                let patched = Patched::new(file, patches).map_err(|e| io_error(path, e))?;
                let retried = probe(Box::new(patched));
                if matches!(retried, Ok(Ok(_))) {
                    tag_warnings.push("its RIFF LIST chunk is malformed".into());
                    probed = retried;
                }
            }
        }
        // symphonia 0.6's AIFF reader skips over the sound data to read the chunks after it, and
        // fails with an EOF when the file is truncated inside the sound data. Read such a file
        // once more as a plain stream: not seekable, the reader stops at the sound data, and the
        // samples that are there are decoded (and reported as truncated), as 0.5 and ffmpeg do.
        // (Whatever the first bytes say: the AIFF may follow junk, which the probe skips.)
        let hit_eof = matches!(
            &probed,
            Ok(Err(SymphoniaError::IoError(e))) if e.kind() == ErrorKind::UnexpectedEof
        );
        if hit_eof {
            let file = File::open(path).map_err(|e| io_error(path, e))?;
            probed = probe(Box::new(ReadOnlySource::new(file)));
        }
        // Content no reader takes: a format named by its first bytes, or not audio.
        let not_audio = || match unsupported::unsupported_format(&head) {
            Some(format) => AudioError::UnsupportedFormat {
                path: path.to_path_buf(),
                format: format.to_string(),
            },
            None => AudioError::NotAudio {
                path: path.to_path_buf(),
            },
        };
        let format = probed.map_err(|_| not_audio())?.map_err(|e| match e {
            SymphoniaError::Unsupported(_) => not_audio(),
            SymphoniaError::IoError(io) if io.kind() == ErrorKind::UnexpectedEof => not_audio(),
            SymphoniaError::IoError(io) => AudioError::Io {
                path: path.to_path_buf(),
                source: io,
            },
            other => AudioError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("cannot read the container header: {other}"),
            },
        })?;
        let container = container_of_reader(format.format_info().short_name).unwrap_or(container);

        let (track, params) = format
            .tracks()
            .iter()
            .find_map(|t| match &t.codec_params {
                Some(CodecParameters::Audio(p))
                    if p.codec != CODEC_ID_NULL_AUDIO && p.sample_rate.is_some() =>
                {
                    Some((t, p.clone()))
                }
                _ => None,
            })
            .ok_or_else(|| AudioError::NoAudioTrack {
                path: path.to_path_buf(),
            })?;
        let track_id = track.id;
        // Opus: the pre-skip (the track's delay) is dropped here, see `skip_front`.
        // (Ogg states it as the track's delay too, Matroska as its codec delay; the `OpusHead`
        // both carry is the stream's own.)
        let skip_front = if params.codec == CODEC_ID_OPUS {
            params
                .extra_data
                .as_deref()
                .and_then(OpusHead::parse)
                .map_or(0, |head| u64::from(head.pre_skip))
        } else {
            0
        };
        // Playable frames: symphonia 0.6 states them without the encoder delay and padding
        // (Opus: with the pre-skip, taken off here).
        let stated_frames = track.num_frames.map(|n| n.saturating_sub(skip_front));
        let codec = codec_name(params.codec);
        // The rate sizes analysis windows downstream: refuse an absurd one before anything else.
        let sample_rate = params.sample_rate.unwrap_or(0);
        if !(crate::MIN_SAMPLE_RATE..=crate::MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(AudioError::UnsupportedSampleRate {
                path: path.to_path_buf(),
                sample_rate,
            });
        }
        // Gapless: the decoder trims each packet's encoder delay and padding (MP3 from the
        // LAME/Xing header, Vorbis, ALAC, ...), so the decoded length is the encoded signal's, as
        // ffmpeg (which decoded the reference's MP3s) gives it.
        let decoder = catch_quietly(|| {
            CODECS.make_audio_decoder(&params, &AudioDecoderOptions::default().gapless(true))
        })
        .map_err(|_| AudioError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("the {codec} decoder could not be set up from the stream header"),
        })?
        .map_err(|e| match e {
            SymphoniaError::Unsupported(reason) => AudioError::UnsupportedCodec {
                path: path.to_path_buf(),
                codec: unsupported::refused_codec_in_words(&codec, reason)
                    .map_or_else(|| codec.clone(), str::to_string),
            },
            other => AudioError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("cannot set up the {codec} decoder: {other}"),
            },
        })?;

        let info = StreamInfo {
            path: path.to_path_buf(),
            container: container.to_string(),
            codec,
            sample_rate,
            channels: params.channels.as_ref().map_or(0, |c| c.count()),
            frames: if container == "aiff" {
                aiff_frames(path).or(stated_frames)
            } else {
                stated_frames
            },
            sample_format: sample_format_of(params.codec, params.bits_per_sample),
            tags: Tags::default(),
        };
        let mut reader = AudioReader {
            info,
            format,
            decoder,
            track_id,
            block: Vec::new(),
            primed: false,
            done: false,
            report: DecodeReport::default(),
            consecutive_demux_errors: 0,
            frame_limit: None,
            skip_front,
            tag_warnings,
            current_metadata_taken: false,
            lookahead: None,
            length_slack: 0,
        };
        // AIFF: the COMM chunk's count. Ogg: the last page's granule position (less Opus's
        // pre-skip), which is where the stream ends whatever the granules of the pages before
        // it say (RFC 7845 section 4.4; see the end-trim note in `decode_next`).
        if matches!(reader.info.container.as_str(), "aiff" | "ogg") {
            reader.frame_limit = reader.info.frames;
        }
        // MP4's tags (iTunes' gapless tag among them) are read with its header.
        let itunes = reader.take_metadata();
        if reader.info.container == "wav" {
            for revision in riff_tags::wav_tag_revisions(path, &mut reader.tag_warnings) {
                reader
                    .info
                    .tags
                    .take_revision(&revision, &mut reader.tag_warnings);
            }
        }
        if reader.info.container == "mp4" {
            reader.apply_mp4_gapless(itunes);
        }
        // Decode the first block now: it fixes the channel count where the container did not
        // state it, and an empty or undecodable stream is reported by `open`. (Ogg's comment
        // header comes with the first packets.)
        reader.primed = reader.decode_next()?;
        reader.take_metadata();
        for warning in std::mem::take(&mut reader.tag_warnings) {
            tracing::warn!(path = %reader.info.path.display(), "{warning}; the audio is read");
        }
        Ok(reader)
    }

    /// Takes the tags of the metadata revisions not seen yet into [`StreamInfo::tags`]; returns
    /// iTunes' gapless information if a revision holds it.
    fn take_metadata(&mut self) -> Option<ItunesGapless> {
        let mut itunes = None;
        let mut metadata = self.format.metadata();
        let mut fresh = !self.current_metadata_taken;
        loop {
            if let (true, Some(revision)) = (fresh, metadata.current()) {
                self.info
                    .tags
                    .take_revision(revision, &mut self.tag_warnings);
                itunes = itunes.or_else(|| ItunesGapless::of_revision(revision));
            }
            // `pop` drops the revision read (pictures included) while a newer one exists.
            if metadata.pop().is_none() {
                break;
            }
            fresh = true;
        }
        self.current_metadata_taken = metadata.current().is_some();
        itunes
    }

    /// An MP4's encoder delay and playable length, which symphonia 0.6.1 does not apply: from
    /// iTunes' `iTunSMPB` tag, else from the sound track's edit list (as ffmpeg writes it).
    fn apply_mp4_gapless(&mut self, itunes: Option<ItunesGapless>) {
        let (skip, frames) = match itunes {
            Some(g) => (g.delay, g.frames),
            None => match sound_track_edit(&self.info.path, self.info.sample_rate) {
                Some(edit) => (edit.skip, edit.frames),
                None => return,
            },
        };
        // An edit list's duration is in the movie's timescale (often milliseconds) and may
        // state up to a few hundred samples more than the track holds after the delay (ffmpeg
        // decodes what is there): the playable length is the smaller.
        let held = self.info.frames.map(|n| n.saturating_sub(skip));
        let frames = held.map_or(frames, |held| held.min(frames));
        // The track's own count can still exceed its packets by part of a frame (ffmpeg's
        // M4A of 78 s: 449 samples): a shortfall under two AAC frames is not truncation.
        self.length_slack = 2048;
        self.skip_front += skip;
        self.frame_limit = Some(frames);
        self.info.frames = Some(frames);
    }

    /// The next block, as [`BlockSource::next_block`], but handed over: the reader's buffer
    /// holding it is exchanged with `into` (whose old contents are dropped), so a consumer
    /// that keeps blocks (a decoding thread sending them on) takes each without copying it.
    /// `Ok(false)` at the end of the stream.
    pub fn next_block_into(&mut self, into: &mut Vec<f64>) -> Result<bool, AudioError> {
        if self.next_block()?.is_none() {
            return Ok(false);
        }
        // The next decode clears and refills whichever buffer the reader holds.
        std::mem::swap(&mut self.block, into);
        Ok(true)
    }

    /// What happened so far (final after the last block).
    pub fn report(&self) -> DecodeReport {
        self.report
    }

    fn path(&self) -> PathBuf {
        self.info.path.clone()
    }

    /// Ends the stream: decides `truncated` and whether the absence of samples is an error.
    fn finish(&mut self, cut_short: bool) -> Result<bool, AudioError> {
        self.done = true;
        self.block.clear();
        if self.report.frames_decoded == 0 {
            if self.report.packets_skipped > 0 {
                return Err(AudioError::Corrupt {
                    path: self.path(),
                    reason: format!(
                        "no packet could be decoded ({} skipped)",
                        self.report.packets_skipped
                    ),
                });
            }
            return Err(AudioError::NoSamples { path: self.path() });
        }
        let short_of_header = self
            .info
            .frames
            .is_some_and(|n| self.report.frames_decoded + self.length_slack < n);
        if cut_short || short_of_header {
            self.report.truncated = true;
            tracing::warn!(
                path = %self.info.path.display(),
                frames_decoded = self.report.frames_decoded,
                frames_expected = ?self.info.frames,
                "audio file is truncated: decoded {} of {} sample frames",
                self.report.frames_decoded,
                self.info.frames.map_or_else(|| "?".to_string(), |n| n.to_string()),
            );
        }
        Ok(false)
    }

    fn skip_packet(&mut self, what: &str, err: &SymphoniaError) {
        self.report.packets_skipped += 1;
        if self.report.packets_skipped <= MAX_WARNED_SKIPS {
            tracing::warn!(
                path = %self.info.path.display(),
                skipped = self.report.packets_skipped,
                "skipping a packet that failed to {what}: {err}"
            );
        } else {
            tracing::debug!(path = %self.info.path.display(), "skipping a packet that failed to {what}: {err}");
        }
    }

    /// Decodes the next non-empty block into `self.block`; `Ok(false)` at the end of the stream.
    fn decode_next(&mut self) -> Result<bool, AudioError> {
        loop {
            if self.done {
                return Ok(false);
            }
            let mut packet = match self.lookahead.take() {
                Some(Fetched::Packet(packet)) => packet,
                Some(Fetched::End { cut_short }) => return self.finish(cut_short),
                None => match self.next_track_packet()? {
                    Fetched::Packet(packet) => packet,
                    Fetched::End { cut_short } => return self.finish(cut_short),
                },
            };
            // Ogg: symphonia 0.6.1 trims the end of any packet that runs past its page's
            // granule position, but encoders (ffmpeg's Ogg muxer among them) write pages whose
            // granule is off by a few hundred samples mid-stream, which players ignore: only
            // the last packet's end trim (the stream's end) is kept, as ffmpeg does.
            if self.info.container == "ogg" && packet.trim_end.get() > 0 {
                let next = self.next_track_packet()?;
                if matches!(next, Fetched::Packet(_)) {
                    packet.trim_end = symphonia::core::units::Duration::ZERO;
                }
                self.lookahead = Some(next);
            }
            let decoder = &mut self.decoder;
            let block = &mut self.block;
            let decoded = catch_quietly(AssertUnwindSafe(|| {
                decoder.decode(&packet).map(|buf| {
                    mix_to_mono(&buf, block);
                    buf.num_planes()
                })
            }));
            match decoded {
                Ok(Ok(channels)) => {
                    if self.info.channels == 0 {
                        self.info.channels = channels;
                    }
                    self.report.packets_decoded += 1;
                }
                Ok(Err(SymphoniaError::ResetRequired)) => {
                    self.decoder.reset();
                    continue;
                }
                Ok(Err(e)) => {
                    self.skip_packet("decode", &e);
                    continue;
                }
                Err(_) => {
                    let e = SymphoniaError::DecodeError("the decoder failed on malformed data");
                    self.skip_packet("decode", &e);
                    self.decoder.reset();
                    continue;
                }
            }
            // (Gapless trimming of encoder delay and padding is applied by symphonia's decoders from
            // the packet's trim_start/trim_end; Opus's pre-skip here.)
            if self.skip_front > 0 {
                let dropped = self.block.len().min(self.skip_front as usize);
                self.block.drain(..dropped);
                self.skip_front -= dropped as u64;
            }
            // A container that states its frame count exactly (AIFF) is not read past it.
            if let Some(limit) = self.frame_limit {
                let room = limit.saturating_sub(self.report.frames_decoded);
                if (self.block.len() as u64) > room {
                    self.block.truncate(room as usize);
                }
            }
            if self.block.is_empty() {
                continue;
            }
            if let Some(i) = first_non_finite(&self.block) {
                self.done = true;
                return Err(AudioError::NonFiniteSample {
                    path: self.path(),
                    frame: self.report.frames_decoded + i as u64,
                });
            }
            self.report.frames_decoded += self.block.len() as u64;
            return Ok(true);
        }
    }
}

/// What the demuxer gave next for the reader's track.
enum Fetched {
    /// A packet of the track.
    Packet(symphonia::core::packet::Packet),
    /// The end of the stream (`cut_short`: it ended on an error after some samples).
    End {
        /// The stream ended on an error rather than at its end.
        cut_short: bool,
    },
}

impl AudioReader {
    /// The next packet of the reader's track, skipping other tracks' packets and demuxing
    /// errors (up to [`MAX_CONSECUTIVE_DEMUX_ERRORS`] in a row).
    fn next_track_packet(&mut self) -> Result<Fetched, AudioError> {
        loop {
            let format = &mut self.format;
            let next = match catch_quietly(AssertUnwindSafe(|| format.next_packet())) {
                Ok(next) => next,
                Err(_) => {
                    tracing::warn!(
                        path = %self.info.path.display(),
                        "the demuxer failed on malformed data; stopping"
                    );
                    if self.report.frames_decoded == 0 {
                        self.done = true;
                        return Err(AudioError::Corrupt {
                            path: self.path(),
                            reason: "the demuxer failed on malformed data".to_string(),
                        });
                    }
                    return Ok(Fetched::End { cut_short: true });
                }
            };
            match next {
                Ok(Some(packet)) => {
                    self.consecutive_demux_errors = 0;
                    if packet.track_id == self.track_id {
                        return Ok(Fetched::Packet(packet));
                    }
                }
                Ok(None) => return Ok(Fetched::End { cut_short: false }),
                // Some readers still end a stream cut off mid-packet with an EOF error.
                Err(SymphoniaError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                    return Ok(Fetched::End { cut_short: false });
                }
                Err(SymphoniaError::ResetRequired) => {
                    tracing::warn!(
                        path = %self.info.path.display(),
                        "the stream's track layout changed (chained stream); stopping after the first part"
                    );
                    return Ok(Fetched::End { cut_short: false });
                }
                Err(SymphoniaError::IoError(e)) => {
                    if self.report.frames_decoded == 0 {
                        return Err(AudioError::Io {
                            path: self.path(),
                            source: e,
                        });
                    }
                    tracing::warn!(path = %self.info.path.display(), "read error, stopping: {e}");
                    return Ok(Fetched::End { cut_short: true });
                }
                Err(e) => {
                    self.skip_packet("demux", &e);
                    self.consecutive_demux_errors += 1;
                    if self.consecutive_demux_errors >= MAX_CONSECUTIVE_DEMUX_ERRORS {
                        return Ok(Fetched::End { cut_short: true });
                    }
                }
            }
        }
    }
}

impl BlockSource for AudioReader {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn next_block(&mut self) -> Result<Option<&[f64]>, AudioError> {
        if self.primed {
            self.primed = false;
            return Ok(Some(&self.block));
        }
        if self.decode_next()? {
            Ok(Some(&self.block))
        } else {
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::first_non_finite;

    #[test]
    fn the_first_non_finite_sample_is_found_wherever_it_lies() {
        let finite: Vec<f64> = (0..37).map(|i| (i as f64 * 0.37).sin() * 1e300).collect();
        assert_eq!(first_non_finite(&finite), None);
        assert_eq!(first_non_finite(&[]), None);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            // In the eight-lane part, in the tail, and the first of two.
            for at in [0, 5, 8, 31, 32, 36] {
                let mut block = finite.clone();
                block[at] = bad;
                assert_eq!(first_non_finite(&block), Some(at), "{bad} at {at}");
                block[36 - (at == 36) as usize] = f64::NAN;
                let first = at.min(36 - (at == 36) as usize);
                assert_eq!(
                    first_non_finite(&block),
                    Some(first),
                    "{bad} at {at} and after"
                );
            }
        }
    }
}

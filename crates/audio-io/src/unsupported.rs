//! Names, in words, for the formats and codecs this crate cannot decode, so that an error says
//! which one a file is (and the user can convert it) instead of "unknown".

use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::codecs::audio::AudioCodecId;

/// What a user can do about a file in a format or codec this crate does not decode.
pub const CONVERT_HINT: &str = "convert it with ffmpeg, e.g. `ffmpeg -i IN -c:a flac OUT.flac`";

/// The name of a codec no decoder is built for, in words (`None` for one without a name here).
pub(crate) fn codec_in_words(codec: AudioCodecId) -> Option<&'static str> {
    Some(match codec {
        CODEC_ID_OPUS => "Opus",
        CODEC_ID_SPEEX => "Speex",
        CODEC_ID_MUSEPACK => "Musepack",
        CODEC_ID_AC3 => "AC-3 (Dolby Digital)",
        CODEC_ID_EAC3 => "E-AC-3 (Dolby Digital Plus)",
        CODEC_ID_AC4 => "AC-4 (Dolby)",
        CODEC_ID_DCA => "DTS",
        CODEC_ID_ATRAC1 | CODEC_ID_ATRAC3 | CODEC_ID_ATRAC3PLUS | CODEC_ID_ATRAC9 => "ATRAC (Sony)",
        CODEC_ID_WMA => "WMA (Windows Media Audio)",
        CODEC_ID_RA10 | CODEC_ID_RA20 | CODEC_ID_SIPR | CODEC_ID_COOK => "RealAudio",
        CODEC_ID_SBC | CODEC_ID_APTX | CODEC_ID_APTX_HD | CODEC_ID_LDAC => {
            "a Bluetooth codec (SBC, aptX or LDAC)"
        }
        CODEC_ID_BINK_AUDIO | CODEC_ID_SMACKER_AUDIO => "Bink/Smacker game audio",
        CODEC_ID_WAVPACK => "WavPack",
        CODEC_ID_MONKEYS_AUDIO => "Monkey's Audio (APE)",
        CODEC_ID_TTA => "TTA (True Audio)",
        CODEC_ID_RALF => "RealAudio Lossless",
        CODEC_ID_TRUEHD => "Dolby TrueHD",
        _ => return None,
    })
}

/// The codec in words for a decoder that refused the stream as unsupported, from symphonia's
/// reason (its AAC decoder decodes AAC-LC in mono or stereo only).
pub(crate) fn refused_codec_in_words(codec: &str, reason: &str) -> Option<&'static str> {
    (codec == "aac" && reason.contains("too complex"))
        .then_some("AAC other than AAC-LC in mono or stereo (HE-AAC, multichannel AAC, ...)")
}

/// The container or format a file's first bytes name, when it is one no reader is built for.
pub(crate) fn unsupported_format(head: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    Some(
        if at(0, &[0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]) {
            "WMA/ASF (Windows Media)"
        } else if at(0, b"MAC ") {
            "Monkey's Audio (APE)"
        } else if at(0, b"MPCK") || at(0, b"MP+") {
            "Musepack (MPC)"
        } else if at(0, b"DSD ") {
            "DSD audio (DSF)"
        } else if at(0, b"FRM8") {
            "DSD audio (DSDIFF)"
        } else if at(0, b"wvpk") {
            "WavPack"
        } else if at(0, b"TTA1") {
            "TTA (True Audio)"
        } else if at(0, b"ajkg") {
            "Shorten"
        } else if at(0, b"OFR ") {
            "OptimFROG"
        } else if at(0, b".ra\xfd") || at(0, b".RMF") {
            "RealAudio"
        } else if at(0, b"#!AMR") {
            "AMR (speech)"
        } else if at(0, b".snd") {
            "Sun/NeXT AU"
        } else if at(0, b"MThd") {
            "MIDI (notes, not sound: render it to audio first)"
        } else if at(0, &[0x0b, 0x77]) {
            "AC-3 (Dolby Digital)"
        } else if at(0, &[0x7f, 0xfe, 0x80, 0x01]) {
            "DTS"
        } else {
            return None;
        },
    )
}

/// Whether a file's first bytes (12 suffice) are those of an audio or media format, decodable
/// or not: for files whose extension says nothing (a folder walk tries these).
pub fn looks_like_audio(head: &[u8]) -> bool {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    let mpeg_sync = head.len() >= 2 && head[0] == 0xff && head[1] & 0xe0 == 0xe0;
    (at(0, b"RIFF") && (at(8, b"WAVE") || at(8, b"AVI ")))
        || at(0, b"RF64")
        || (at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")))
        || at(0, b"fLaC")
        || at(0, b"OggS")
        || at(0, b"caff")
        || at(0, &[0x1a, 0x45, 0xdf, 0xa3])
        || at(4, b"ftyp")
        || at(0, b"ID3")
        || mpeg_sync
        || unsupported_format(head).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_name_the_format() {
        assert_eq!(
            unsupported_format(b"MAC \x96\x0f"),
            Some("Monkey's Audio (APE)")
        );
        assert_eq!(
            unsupported_format(b"DSD \x1c\0\0\0"),
            Some("DSD audio (DSF)")
        );
        assert_eq!(unsupported_format(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(unsupported_format(b""), None);
    }

    #[test]
    fn audio_is_told_from_text_and_pictures_by_its_first_bytes() {
        assert!(looks_like_audio(b"RIFF\0\0\0\0WAVEfmt "));
        assert!(looks_like_audio(b"OggS\0\x02"));
        assert!(looks_like_audio(b"\0\0\0\x20ftypM4A "));
        assert!(looks_like_audio(&[0xff, 0xfb, 0x90, 0x64]));
        assert!(looks_like_audio(b"MAC \x96\x0f"));
        assert!(!looks_like_audio(b"\x89PNG\r\n\x1a\n"));
        assert!(!looks_like_audio(b"[playlist]"));
        assert!(!looks_like_audio(b"RIFF\0\0\0\0WEBP"));
    }

    #[test]
    fn codecs_without_a_decoder_have_names() {
        assert_eq!(
            codec_in_words(CODEC_ID_WMA),
            Some("WMA (Windows Media Audio)")
        );
        assert_eq!(codec_in_words(CODEC_ID_MP3), None);
    }
}

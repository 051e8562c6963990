//! What a file's audio stream is: container, codec, rate, channels, length and sample storage.

use std::path::PathBuf;

/// How the stream stores its samples; decides the reference's "raw scale".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    /// Unsigned 8-bit PCM (raw scale 0..255, offset 128).
    U8,
    /// Integer PCM of the given container bit width (8, 16, 24, 32); also FLAC, ALAC and AIFF at
    /// their bits per sample.
    Int(u32),
    /// 32-bit float PCM.
    F32,
    /// 64-bit float PCM.
    F64,
    /// A-law companded (decoded as 16-bit).
    ALaw,
    /// mu-law companded (decoded as 16-bit).
    MuLaw,
    /// A lossy codec decoded to float (MP3, AAC, Vorbis, ADPCM): the reference read these as
    /// 16-bit integers (Vorbis as 32-bit).
    Lossy,
}

impl SampleFormat {
    /// True for the float PCM formats (samples as stored, no integer grid).
    pub fn is_float(self) -> bool {
        matches!(self, SampleFormat::F32 | SampleFormat::F64)
    }
}

/// The format's short name, the one home of its spelling: `u8`, `s16` (`s` and the bit
/// width), `f32`, `f64`, `a-law`, `mu-law`, `lossy`, as `chromacluster info` prints it. The
/// alternate form (`{:#}`) is the Python module's spelling (`read_mono`'s format): `int16`,
/// `alaw`, `mulaw`, the others alike.
impl std::fmt::Display for SampleFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let python = f.alternate();
        match self {
            SampleFormat::U8 => f.write_str("u8"),
            SampleFormat::Int(bits) if python => write!(f, "int{bits}"),
            SampleFormat::Int(bits) => write!(f, "s{bits}"),
            SampleFormat::F32 => f.write_str("f32"),
            SampleFormat::F64 => f.write_str("f64"),
            SampleFormat::ALaw if python => f.write_str("alaw"),
            SampleFormat::ALaw => f.write_str("a-law"),
            SampleFormat::MuLaw if python => f.write_str("mulaw"),
            SampleFormat::MuLaw => f.write_str("mu-law"),
            SampleFormat::Lossy => f.write_str("lossy"),
        }
    }
}

/// A name [`SampleFormat`]'s `Display` does not write, in either spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown sample format {0:?} (expected u8, s16 or int16 and the other integer widths, \
     f32, f64, a-law or alaw, mu-law or mulaw, lossy)"
)]
pub struct UnknownSampleFormat(pub String);

/// Reads either spelling of [`SampleFormat`]'s `Display` (`s16` and `int16`, `a-law` and
/// `alaw`, `mu-law` and `mulaw`).
impl std::str::FromStr for SampleFormat {
    type Err = UnknownSampleFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bits = |digits: &str| {
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse().ok())
                .flatten()
        };
        Ok(match s {
            "u8" => SampleFormat::U8,
            "f32" => SampleFormat::F32,
            "f64" => SampleFormat::F64,
            "a-law" | "alaw" => SampleFormat::ALaw,
            "mu-law" | "mulaw" => SampleFormat::MuLaw,
            "lossy" => SampleFormat::Lossy,
            _ => match s
                .strip_prefix("int")
                .or_else(|| s.strip_prefix('s'))
                .and_then(bits)
            {
                Some(bits) => SampleFormat::Int(bits),
                None => return Err(UnknownSampleFormat(s.to_owned())),
            },
        })
    }
}

/// Facts about a file's audio stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    /// The file this describes.
    pub path: PathBuf,
    /// Container name, detected from the content (the format symphonia's probe found, also
    /// behind leading junk): "wav", "aiff", "flac", "ogg", "mp4", "mp3" (MPEG audio), "aac"
    /// (ADTS), "caf" or "mkv".
    pub container: String,
    /// Codec name as symphonia spells it, e.g. "pcm_s16le", "flac", "mp3", "vorbis", "aac",
    /// "alac".
    pub codec: String,
    /// Samples per second.
    pub sample_rate: u32,
    /// Channel count of the stream (before the mono mix-down).
    pub channels: usize,
    /// Sample frames (per channel), where the container states it. For MP3 this is symphonia's
    /// count from the Xing/LAME header (encoder delay and padding removed) or its estimate.
    pub frames: Option<u64>,
    /// The stream's sample storage.
    pub sample_format: SampleFormat,
    /// The file's own tags (title, artist, ...), `None` where absent.
    pub tags: crate::Tags,
}

impl StreamInfo {
    /// Duration in seconds where the frame count is known: `frames / sample_rate`.
    pub fn duration_s(&self) -> Option<f64> {
        if self.sample_rate == 0 {
            return None;
        }
        self.frames.map(|f| f as f64 / self.sample_rate as f64)
    }

    /// Factor from normalised [-1, 1] samples to the scale pyAudioAnalysis's reader gave
    /// (features.md, Input): `raw = normalised * raw_scale() + raw_offset()`.
    ///
    /// - `U8`: 128 (with offset 128, so raw is 0..255 as SciPy gives it);
    /// - `Int(w)`: 2^7 for w <= 8, 2^15 for w <= 16 (16-bit as -32768..32767), else 2^31
    ///   (24-bit left-justified in 32 bits, i.e. value * 256, as SciPy gives it; 32-bit as is);
    /// - `F32`, `F64`: 1 (floats as stored, as SciPy reads a float WAV), except in AIFF-C:
    ///   2^31 (the reference decoded AIFF through ffmpeg, which gives float as 32-bit integers);
    /// - `ALaw`, `MuLaw`: 2^15;
    /// - `Lossy`: 2^31 for Vorbis (ffmpeg's pcm_s32le), else 2^15 (MP3, AAC as 16-bit).
    ///
    /// All factors are powers of two, so scaling is exact in f64.
    pub fn raw_scale(&self) -> f64 {
        match self.sample_format {
            SampleFormat::U8 => 128.0,
            SampleFormat::Int(w) if w <= 8 => 128.0,
            SampleFormat::Int(w) if w <= 16 => 32768.0,
            SampleFormat::Int(_) => 2147483648.0,
            // SciPy gives a float WAV as stored; the reference read AIFF-C through ffmpeg,
            // which converts float to 32-bit integers (x * 2^31).
            SampleFormat::F32 | SampleFormat::F64 if self.container == "aiff" => 2147483648.0,
            SampleFormat::F32 | SampleFormat::F64 => 1.0,
            SampleFormat::ALaw | SampleFormat::MuLaw => 32768.0,
            SampleFormat::Lossy => {
                if self.codec == "vorbis" {
                    2147483648.0
                } else {
                    32768.0
                }
            }
        }
    }

    /// Offset added after scaling to the raw scale: 128 for unsigned 8-bit (SciPy's 0..255),
    /// 0 otherwise.
    pub fn raw_offset(&self) -> f64 {
        match self.sample_format {
            SampleFormat::U8 => 128.0,
            _ => 0.0,
        }
    }

    /// One quantisation step of the stored format in normalised units (1 / 2^(w-1) for integer
    /// formats; 0 for floats and lossy codecs, which have no grid).
    pub fn quantisation_step(&self) -> f64 {
        match self.sample_format {
            SampleFormat::U8 => 1.0 / 128.0,
            SampleFormat::Int(w) => 1.0 / (1u64 << w.clamp(1, 63).saturating_sub(1)) as f64,
            SampleFormat::ALaw | SampleFormat::MuLaw => 1.0 / 32768.0,
            SampleFormat::F32 | SampleFormat::F64 | SampleFormat::Lossy => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both spellings are written and read back; other names are refused.
    #[test]
    fn sample_format_names_round_trip() {
        let formats = [
            SampleFormat::U8,
            SampleFormat::Int(8),
            SampleFormat::Int(16),
            SampleFormat::Int(24),
            SampleFormat::Int(32),
            SampleFormat::F32,
            SampleFormat::F64,
            SampleFormat::ALaw,
            SampleFormat::MuLaw,
            SampleFormat::Lossy,
        ];
        let short: Vec<String> = formats.iter().map(|f| f.to_string()).collect();
        let python: Vec<String> = formats.iter().map(|f| format!("{f:#}")).collect();
        assert_eq!(
            short,
            ["u8", "s8", "s16", "s24", "s32", "f32", "f64", "a-law", "mu-law", "lossy"]
        );
        assert_eq!(
            python,
            ["u8", "int8", "int16", "int24", "int32", "f32", "f64", "alaw", "mulaw", "lossy"]
        );
        for (format, name) in formats
            .iter()
            .zip(&short)
            .chain(formats.iter().zip(&python))
        {
            assert_eq!(name.parse::<SampleFormat>().as_ref(), Ok(format), "{name}");
        }
        for bad in [
            "",
            "s",
            "int",
            "s+16",
            "i16",
            "S16",
            "float32",
            "s99999999999",
        ] {
            assert!(bad.parse::<SampleFormat>().is_err(), "{bad}");
        }
    }

    fn info(sample_format: SampleFormat, codec: &str) -> StreamInfo {
        StreamInfo {
            path: PathBuf::from("x.wav"),
            container: "wav".into(),
            codec: codec.into(),
            sample_rate: 44100,
            channels: 2,
            frames: Some(88200),
            sample_format,
            tags: crate::Tags::default(),
        }
    }

    #[test]
    fn raw_scales_follow_the_reference_reader() {
        assert_eq!(
            info(SampleFormat::Int(16), "pcm_s16le").raw_scale(),
            32768.0
        );
        assert_eq!(
            info(SampleFormat::Int(24), "pcm_s24le").raw_scale(),
            2f64.powi(31)
        );
        assert_eq!(
            info(SampleFormat::Int(32), "pcm_s32le").raw_scale(),
            2f64.powi(31)
        );
        assert_eq!(info(SampleFormat::U8, "pcm_u8").raw_scale(), 128.0);
        assert_eq!(info(SampleFormat::U8, "pcm_u8").raw_offset(), 128.0);
        assert_eq!(info(SampleFormat::F32, "pcm_f32le").raw_scale(), 1.0);
        let mut aifc = info(SampleFormat::F32, "pcm_f32be");
        aifc.container = "aiff".into();
        assert_eq!(aifc.raw_scale(), 2f64.powi(31));
        assert_eq!(info(SampleFormat::Lossy, "mp3").raw_scale(), 32768.0);
        assert_eq!(
            info(SampleFormat::Lossy, "vorbis").raw_scale(),
            2f64.powi(31)
        );
    }

    #[test]
    fn duration_from_frames() {
        assert_eq!(
            info(SampleFormat::Int(16), "pcm_s16le").duration_s(),
            Some(2.0)
        );
        let mut i = info(SampleFormat::Int(16), "pcm_s16le");
        i.frames = None;
        assert_eq!(i.duration_s(), None);
    }

    #[test]
    fn quantisation_steps() {
        assert_eq!(
            info(SampleFormat::Int(16), "").quantisation_step(),
            1.0 / 32768.0
        );
        assert_eq!(
            info(SampleFormat::Int(24), "").quantisation_step(),
            1.0 / 8388608.0
        );
        assert_eq!(info(SampleFormat::U8, "").quantisation_step(), 1.0 / 128.0);
    }
}

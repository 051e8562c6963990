//! Short previews of a file as small 16-bit mono WAV bytes, e.g. to embed in a web page.

use std::io::Cursor;
use std::path::Path;

use crate::{AudioError, AudioReader, BlockSource};

/// The longest preview [`wav_clip`] makes, in seconds.
pub const MAX_CLIP_SECONDS: f64 = 60.0;

/// The first `seconds` of `path` (clamped to 0..=[`MAX_CLIP_SECONDS`]) as the bytes of a 16-bit
/// mono WAV file, at the file's sample rate divided by the smallest whole factor that brings it
/// to `max_rate` or below (each output sample is the mean of that many input samples, a crude
/// but cheap low-pass for a preview). Only that much of the file is decoded.
///
/// ```
/// use audio_io::{clip::wav_clip, synth};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a4.wav");
/// let tone = synth::tone(440.0, 3.0, 44100, 0.5);
/// synth::write_wav(&path, &[&tone], 44100, synth::WavFormat::S16)?;
/// let bytes = wav_clip(&path, 1.0, 16000)?;
/// // 44100 / 3 = 14700 Hz, one second of 2-byte samples after a 44-byte header.
/// assert_eq!(bytes.len(), 44 + 2 * 14700);
/// assert_eq!(u32::from_le_bytes(bytes[24..28].try_into()?), 14700);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn wav_clip(
    path: impl AsRef<Path>,
    seconds: f64,
    max_rate: u32,
) -> Result<Vec<u8>, AudioError> {
    let path = path.as_ref();
    let mut reader = AudioReader::open(path)?;
    let rate = reader.info().sample_rate.max(1);
    let factor = rate.div_ceil(max_rate.max(1)).max(1) as usize;
    let out_rate = rate / factor as u32;
    let seconds = if seconds.is_finite() {
        seconds.clamp(0.0, MAX_CLIP_SECONDS)
    } else {
        0.0
    };
    let wanted = (seconds * rate as f64).round() as usize;
    let mut samples: Vec<f64> = Vec::with_capacity(wanted.min(rate as usize * 60));
    while samples.len() < wanted {
        let Some(block) = reader.next_block()? else {
            break;
        };
        let room = wanted - samples.len();
        samples.extend_from_slice(&block[..block.len().min(room)]);
    }
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: out_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let n_out = samples.len() / factor;
    let mut bytes = Vec::with_capacity(44 + 2 * n_out);
    // Writing to memory fails only if hound rejects the spec, which is fixed and valid here.
    let io = |e: hound::Error| AudioError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    };
    let mut writer = hound::WavWriter::new(Cursor::new(&mut bytes), spec).map_err(io)?;
    for chunk in samples.chunks_exact(factor) {
        let mean = chunk.iter().sum::<f64>() / factor as f64;
        let q = (mean.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        writer.write_sample(q).map_err(io)?;
    }
    writer.finalize().map_err(io)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;

    /// A short file gives all of itself; the samples survive the round trip through the bytes;
    /// a rate already below the limit is kept; a missing file is an error naming it.
    #[test]
    fn clips_round_trip_and_stay_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short.wav");
        let tone = synth::tone(220.0, 0.5, 8000, 0.5);
        synth::write_wav(&path, &[&tone], 8000, synth::WavFormat::S16).unwrap();
        let bytes = wav_clip(&path, 10.0, 16000).unwrap();
        let clip = dir.path().join("clip.wav");
        std::fs::write(&clip, &bytes).unwrap();
        let back = crate::read_mono(&clip).unwrap();
        assert_eq!(back.sample_rate(), 8000);
        assert_eq!(back.samples.len(), tone.len());
        for (a, b) in back.samples.iter().zip(&tone) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
        let none = wav_clip(&path, f64::NAN, 16000).unwrap();
        assert_eq!(none.len(), 44);
        let err = wav_clip(dir.path().join("missing.wav"), 1.0, 16000).unwrap_err();
        assert!(err.to_string().contains("missing.wav"), "{err}");
    }
}

//! Deterministic test signals and a WAV writer: tones at named pitches, triads, white noise,
//! silence, DC, a click, instrument-like timbres rendering chord progressions, written as WAV in
//! every PCM sample format. No randomness beyond an explicit seeded SplitMix64, so every call with
//! the same arguments gives the same samples on every machine.
//!
//! Signals are `Vec<f64>` at a given sample rate, nominally within [-1, 1]; multi-channel audio is
//! a slice of equally long channels (`&[&left, &right]`).

use std::f64::consts::PI;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub mod keyset;

/// Concert pitch: A4 = MIDI 69 = 440 Hz.
pub const A4_HZ: f64 = 440.0;

/// MIDI note number of A4.
pub const A4_MIDI: u8 = 69;

/// MIDI note number of middle C (C4, about 261.63 Hz).
pub const C4_MIDI: u8 = 60;

/// Equal-tempered frequency of a MIDI note: `440 * 2^((midi - 69) / 12)` Hz.
pub fn midi_to_hz(midi: u8) -> f64 {
    A4_HZ * 2f64.powf((f64::from(midi) - f64::from(A4_MIDI)) / 12.0)
}

/// The MIDI number of a note name such as `"A4"`, `"C#4"`, `"Db3"`, `"Fs2"` (`s` = sharp, as in
/// the corpus file names) or `"C-1"`; `None` if the name is not a note in MIDI range 0..=127.
/// Octave numbering puts middle C at C4 = 60.
pub fn note_to_midi(name: &str) -> Option<u8> {
    let mut chars = name.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let base: i32 = match letter {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let rest: String = chars.collect();
    let (accidental, octave) = match rest.chars().next() {
        Some('#') | Some('s') => (1, &rest[1..]),
        Some('b') => (-1, &rest[1..]),
        _ => (0, rest.as_str()),
    };
    let octave: i32 = octave.parse().ok()?;
    let midi = (octave + 1) * 12 + base + accidental;
    u8::try_from(midi).ok().filter(|m| *m <= 127)
}

/// Number of sample frames in `seconds` at `sample_rate`: `round(seconds * sample_rate)`, 0 for
/// negative or non-finite durations.
pub fn frame_count(seconds: f64, sample_rate: u32) -> usize {
    let n = (seconds * f64::from(sample_rate)).round();
    if n.is_finite() && n > 0.0 {
        n as usize
    } else {
        0
    }
}

/// A sine tone: `x[n] = amplitude * sin(2 pi freq_hz n / sample_rate)`, `frame_count(seconds)`
/// samples.
pub fn tone(freq_hz: f64, seconds: f64, sample_rate: u32, amplitude: f64) -> Vec<f64> {
    let w = 2.0 * PI * freq_hz / f64::from(sample_rate);
    (0..frame_count(seconds, sample_rate))
        .map(|n| amplitude * (w * n as f64).sin())
        .collect()
}

/// A sine tone with a constant offset: `dc + amplitude * sin(2 pi freq_hz n / sample_rate)`.
pub fn tone_with_dc(
    freq_hz: f64,
    seconds: f64,
    sample_rate: u32,
    amplitude: f64,
    dc: f64,
) -> Vec<f64> {
    let mut x = tone(freq_hz, seconds, sample_rate, amplitude);
    x.iter_mut().for_each(|v| *v += dc);
    x
}

/// MIDI numbers of the major triad on `root`: root, major third (+4), fifth (+7); notes above 127
/// are dropped.
pub fn major_triad_notes(root: u8) -> Vec<u8> {
    triad_notes(root, 4)
}

/// MIDI numbers of the minor triad on `root`: root, minor third (+3), fifth (+7); notes above 127
/// are dropped.
pub fn minor_triad_notes(root: u8) -> Vec<u8> {
    triad_notes(root, 3)
}

/// Root, the third `third` semitones up and the fifth, without notes above 127.
fn triad_notes(root: u8, third: u8) -> Vec<u8> {
    [0u8, third, 7]
        .iter()
        .filter_map(|i| root.checked_add(*i))
        .filter(|m| *m <= 127)
        .collect()
}

/// A major triad of sine tones on `root_midi`: `amplitude / 3 * sum over the three notes of
/// sin(2 pi f_k n / sample_rate)` (peak below `amplitude`).
pub fn major_triad(root_midi: u8, seconds: f64, sample_rate: u32, amplitude: f64) -> Vec<f64> {
    let n = frame_count(seconds, sample_rate);
    let mut x = vec![0.0; n];
    for midi in major_triad_notes(root_midi) {
        let w = 2.0 * PI * midi_to_hz(midi) / f64::from(sample_rate);
        for (i, v) in x.iter_mut().enumerate() {
            *v += amplitude / 3.0 * (w * i as f64).sin();
        }
    }
    x
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, well-mixed 64-bit generator, enough for
/// deterministic test noise.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform f64 in [0, 1): the top 53 bits of `next_u64` times 2^-53.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// Uniform white noise in [-amplitude, amplitude): `amplitude * (2 u - 1)` with `u` from
/// [`SplitMix64`] seeded with `seed`.
pub fn white_noise(seconds: f64, sample_rate: u32, amplitude: f64, seed: u64) -> Vec<f64> {
    noise_samples(frame_count(seconds, sample_rate), amplitude, seed)
}

/// `n` samples of [`white_noise`]: uniform in [-amplitude, amplitude), deterministic from
/// `seed` (the workspace's one generator of test noise).
pub fn noise_samples(n: usize, amplitude: f64, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| amplitude * (2.0 * rng.next_f64() - 1.0))
        .collect()
}

/// Digital silence: `frame_count(seconds)` zeros.
pub fn silence(seconds: f64, sample_rate: u32) -> Vec<f64> {
    vec![0.0; frame_count(seconds, sample_rate)]
}

/// Silence with a single sample of `amplitude` at frame `frame_count(at_seconds)` (if inside).
pub fn click(seconds: f64, sample_rate: u32, at_seconds: f64, amplitude: f64) -> Vec<f64> {
    let mut x = silence(seconds, sample_rate);
    let at = frame_count(at_seconds, sample_rate);
    if let Some(v) = x.get_mut(at) {
        *v = amplitude;
    }
    x
}

/// An instrument-like sound for rendering notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timbre {
    /// A pure sine.
    Sine,
    /// Sustained harmonics 1..=6 with amplitudes `1/k` for odd and `0.5/k` for even `k`, like
    /// drawbars of an organ.
    Organ,
    /// A plucked string: harmonics 1..=10 with amplitude `1/k`, each decaying as
    /// `exp(-t (2 + 1.5 k))` (upper harmonics die first).
    Pluck,
}

impl Timbre {
    /// All timbres, for demos.
    pub const ALL: [Timbre; 3] = [Timbre::Sine, Timbre::Organ, Timbre::Pluck];

    /// Lower-case name: "sine", "organ", "pluck".
    pub fn name(self) -> &'static str {
        match self {
            Timbre::Sine => "sine",
            Timbre::Organ => "organ",
            Timbre::Pluck => "pluck",
        }
    }

    /// `(harmonic number, amplitude, decay rate per second)` of each partial.
    fn partials(self) -> Vec<(f64, f64, f64)> {
        match self {
            Timbre::Sine => vec![(1.0, 1.0, 0.0)],
            Timbre::Organ => (1..=6)
                .map(|k| {
                    let k = f64::from(k);
                    (k, if k as u32 % 2 == 1 { 1.0 / k } else { 0.5 / k }, 0.0)
                })
                .collect(),
            Timbre::Pluck => (1..=10)
                .map(|k| {
                    let k = f64::from(k);
                    (k, 1.0 / k, 2.0 + 1.5 * k)
                })
                .collect(),
        }
    }
}

/// Attack and release ramp length, seconds, so notes start and stop without clicks.
const RAMP_S: f64 = 0.005;

/// Adds one note of `timbre` to `out` starting at frame 0: partials above Nyquist are left out,
/// the partial sum is scaled to peak amplitude at most `gain`, with 5 ms linear attack and release.
fn add_note(out: &mut [f64], midi: u8, timbre: Timbre, sample_rate: u32, gain: f64) {
    add_tone(out, midi_to_hz(midi), timbre, sample_rate, gain);
}

/// [`add_note`] at any fundamental frequency `f0` (Hz).
pub(crate) fn add_tone(out: &mut [f64], f0: f64, timbre: Timbre, sample_rate: u32, gain: f64) {
    let sr = f64::from(sample_rate);
    let partials: Vec<(f64, f64, f64)> = timbre
        .partials()
        .into_iter()
        .filter(|(k, _, _)| k * f0 < sr / 2.0)
        .collect();
    let norm: f64 = partials.iter().map(|(_, a, _)| a).sum();
    if norm <= 0.0 {
        return;
    }
    let ramp = (RAMP_S * sr).max(1.0);
    let n = out.len();
    for (i, v) in out.iter_mut().enumerate() {
        let t = i as f64 / sr;
        let env = (i as f64 / ramp).min((n - i) as f64 / ramp).min(1.0);
        let s: f64 = partials
            .iter()
            .map(|(k, a, d)| a * (-d * t).exp() * (2.0 * PI * k * f0 * t).sin())
            .sum();
        *v += gain * env * s / norm;
    }
}

/// A tone of `timbre` at the fundamental `f0` Hz (any tuning), `seconds` long, peak at most
/// `amplitude`, with the 5 ms ramps of [`render_note`].
pub fn render_tone(
    f0: f64,
    seconds: f64,
    timbre: Timbre,
    sample_rate: u32,
    amplitude: f64,
) -> Vec<f64> {
    let mut x = vec![0.0; frame_count(seconds, sample_rate)];
    add_tone(&mut x, f0, timbre, sample_rate, amplitude);
    x
}

/// One note of `timbre`, `seconds` long, peak at most `amplitude`.
pub fn render_note(
    midi: u8,
    seconds: f64,
    timbre: Timbre,
    sample_rate: u32,
    amplitude: f64,
) -> Vec<f64> {
    let mut x = vec![0.0; frame_count(seconds, sample_rate)];
    add_note(&mut x, midi, timbre, sample_rate, amplitude);
    x
}

/// Chords played one after another, each `seconds_per_chord` long: chord `j` starts at frame
/// `frame_count(j * seconds_per_chord)`; its notes (MIDI numbers) sound together, each at gain
/// `0.8 / notes` so the sum stays within [-0.8, 0.8]. An empty chord is a rest.
pub fn render_chords(
    chords: &[Vec<u8>],
    seconds_per_chord: f64,
    timbre: Timbre,
    sample_rate: u32,
) -> Vec<f64> {
    let total = frame_count(seconds_per_chord * chords.len() as f64, sample_rate);
    let mut out = vec![0.0; total];
    for (j, chord) in chords.iter().enumerate() {
        let start = frame_count(j as f64 * seconds_per_chord, sample_rate).min(total);
        let end = frame_count((j + 1) as f64 * seconds_per_chord, sample_rate).min(total);
        let gain = 0.8 / chord.len().max(1) as f64;
        for &midi in chord {
            add_note(&mut out[start..end], midi, timbre, sample_rate, gain);
        }
    }
    out
}

/// The I-IV-V-I cadence in the major key on `tonic` (a MIDI number): root-position major triads
/// on the tonic, the fourth (+5) and the fifth (+7), then the tonic again. Notes above 127 are
/// dropped.
pub fn cadence_i_iv_v_i(tonic: u8) -> Vec<Vec<u8>> {
    [0u8, 5, 7, 0]
        .iter()
        .map(|step| {
            tonic
                .checked_add(*step)
                .map(major_triad_notes)
                .unwrap_or_default()
        })
        .collect()
}

/// The I-vi-IV-V-I progression in the major key on `tonic` (a MIDI number): root-position
/// triads on the tonic, the minor sixth degree (+9), the fourth (+5), the fifth (+7), then the
/// tonic again. Notes above 127 are dropped.
pub fn progression_i_vi_iv_v_i(tonic: u8) -> Vec<Vec<u8>> {
    let triad =
        |step: u8, notes: fn(u8) -> Vec<u8>| tonic.checked_add(step).map(notes).unwrap_or_default();
    vec![
        triad(0, major_triad_notes),
        triad(9, minor_triad_notes),
        triad(5, major_triad_notes),
        triad(7, major_triad_notes),
        triad(0, major_triad_notes),
    ]
}

/// Sample format of a written WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WavFormat {
    /// Unsigned 8-bit PCM: `clamp(round(x * 128) + 128, 0, 255)`.
    U8,
    /// Signed 16-bit PCM: `clamp(round(x * 2^15), -2^15, 2^15 - 1)`.
    S16,
    /// Signed 24-bit PCM: `clamp(round(x * 2^23), -2^23, 2^23 - 1)` (WAVE_FORMAT_EXTENSIBLE).
    S24,
    /// Signed 32-bit PCM: `clamp(round(x * 2^31), -2^31, 2^31 - 1)` (WAVE_FORMAT_EXTENSIBLE).
    S32,
    /// IEEE float 32-bit: `x as f32`.
    F32,
    /// IEEE float 64-bit, `x` as is. hound cannot write it, so this crate writes the 44-byte
    /// header (format tag 3) itself.
    F64,
}

impl WavFormat {
    /// All formats.
    pub const ALL: [WavFormat; 6] = [
        WavFormat::U8,
        WavFormat::S16,
        WavFormat::S24,
        WavFormat::S32,
        WavFormat::F32,
        WavFormat::F64,
    ];

    /// Short name used in fixture file names: "u8", "s16", "s24", "s32", "f32", "f64" (the
    /// name of its [`SampleFormat`](crate::SampleFormat)).
    pub fn name(self) -> String {
        self.sample_format().to_string()
    }

    /// How a reader of the written file finds its samples stored.
    pub fn sample_format(self) -> crate::SampleFormat {
        match self {
            WavFormat::U8 => crate::SampleFormat::U8,
            WavFormat::S16 => crate::SampleFormat::Int(16),
            WavFormat::S24 => crate::SampleFormat::Int(24),
            WavFormat::S32 => crate::SampleFormat::Int(32),
            WavFormat::F32 => crate::SampleFormat::F32,
            WavFormat::F64 => crate::SampleFormat::F64,
        }
    }

    /// Bits per sample on disk.
    pub fn bits(self) -> u16 {
        match self {
            WavFormat::U8 => 8,
            WavFormat::S16 => 16,
            WavFormat::S24 => 24,
            WavFormat::S32 | WavFormat::F32 => 32,
            WavFormat::F64 => 64,
        }
    }
}

/// Why a WAV file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WavWriteError {
    /// The channels are not all the same length, or there are none (or more than 65535).
    #[error("{path}: cannot write WAV: {reason}")]
    BadInput {
        /// The file.
        path: PathBuf,
        /// What is wrong with the input.
        reason: String,
    },
    /// Creating or writing the file failed.
    #[error("{path}: cannot write WAV: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// hound refused the specification or failed writing.
    #[error("{path}: cannot write WAV: {source}")]
    Hound {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: hound::Error,
    },
}

fn quantise(x: f64, bits: u32) -> i32 {
    let full = (1i64 << (bits - 1)) as f64;
    let v = (x * full).round().clamp(-full, full - 1.0);
    if v.is_nan() {
        0
    } else {
        v as i32
    }
}

/// Writes `channels` (equally long, interleaved on disk in the order given) as a WAV file of the
/// given sample format; see [`WavFormat`] for the quantisation of each.
pub fn write_wav(
    path: impl AsRef<Path>,
    channels: &[&[f64]],
    sample_rate: u32,
    format: WavFormat,
) -> Result<(), WavWriteError> {
    let path = path.as_ref();
    let bad = |reason: &str| WavWriteError::BadInput {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let n_channels = u16::try_from(channels.len()).map_err(|_| bad("more than 65535 channels"))?;
    let Some(first) = channels.first() else {
        return Err(bad("no channels"));
    };
    let frames = first.len();
    if channels.iter().any(|c| c.len() != frames) {
        return Err(bad("channels differ in length"));
    }
    if format == WavFormat::F64 {
        return write_wav_f64(path, channels, sample_rate).map_err(|source| WavWriteError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    let spec = hound::WavSpec {
        channels: n_channels,
        sample_rate,
        bits_per_sample: format.bits(),
        sample_format: if format == WavFormat::F32 {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let hound_err = |source| WavWriteError::Hound {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(hound_err)?;
    for i in 0..frames {
        for c in channels {
            let x = c[i];
            match format {
                // hound takes 8-bit samples as signed and stores them offset by 128.
                WavFormat::U8 => writer.write_sample(quantise(x, 8) as i8),
                WavFormat::S16 => writer.write_sample(quantise(x, 16) as i16),
                WavFormat::S24 => writer.write_sample(quantise(x, 24)),
                WavFormat::S32 => writer.write_sample(quantise(x, 32)),
                WavFormat::F32 => writer.write_sample(x as f32),
                WavFormat::F64 => Ok(()),
            }
            .map_err(hound_err)?;
        }
    }
    writer.finalize().map_err(hound_err)
}

fn write_wav_f64(path: &Path, channels: &[&[f64]], sample_rate: u32) -> std::io::Result<()> {
    let too_big = || std::io::Error::other("more than 4 GiB of samples");
    let n_channels = channels.len() as u16;
    let frames = channels.first().map_or(0, |c| c.len());
    let block_align = u32::from(n_channels) * 8;
    let data_len = u32::try_from(frames)
        .ok()
        .and_then(|f| f.checked_mul(block_align))
        .ok_or_else(too_big)?;
    let riff_len = data_len.checked_add(36).ok_or_else(too_big)?;
    let mut w = BufWriter::new(File::create(path)?);
    w.write_all(b"RIFF")?;
    w.write_all(&riff_len.to_le_bytes())?;
    w.write_all(b"WAVEfmt ")?;
    w.write_all(&16u32.to_le_bytes())?;
    w.write_all(&3u16.to_le_bytes())?; // WAVE_FORMAT_IEEE_FLOAT
    w.write_all(&n_channels.to_le_bytes())?;
    w.write_all(&sample_rate.to_le_bytes())?;
    w.write_all(&(sample_rate.wrapping_mul(block_align)).to_le_bytes())?;
    w.write_all(&(block_align as u16).to_le_bytes())?;
    w.write_all(&64u16.to_le_bytes())?;
    w.write_all(b"data")?;
    w.write_all(&data_len.to_le_bytes())?;
    for i in 0..frames {
        for c in channels {
            w.write_all(&c[i].to_le_bytes())?;
        }
    }
    w.flush()
}

/// The 80-bit IEEE 754 extended value of an integer rate, as AIFF's COMM chunk stores it.
fn extended_80(value: u32) -> [u8; 10] {
    let mut out = [0u8; 10];
    if value == 0 {
        return out;
    }
    let shift = value.leading_zeros();
    let exponent = 16383 + 31 - shift as u16;
    let mantissa = (u64::from(value) << shift) << 32;
    out[..2].copy_from_slice(&exponent.to_be_bytes());
    out[2..].copy_from_slice(&mantissa.to_be_bytes());
    out
}

/// Writes `channels` (equally long, interleaved in the order given) as an AIFF-C file of 32-bit
/// big-endian IEEE floats (compression type `fl32`), each sample `x as f32`.
pub fn write_aifc_f32(
    path: impl AsRef<Path>,
    channels: &[&[f64]],
    sample_rate: u32,
) -> Result<(), WavWriteError> {
    let path = path.as_ref();
    let bad = |reason: &str| WavWriteError::BadInput {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let n_channels = u16::try_from(channels.len())
        .ok()
        .filter(|&n| n > 0 && n <= i16::MAX as u16)
        .ok_or_else(|| bad("1 to 32767 channels"))?;
    let frames = channels[0].len();
    if channels.iter().any(|c| c.len() != frames) {
        return Err(bad("channels differ in length"));
    }
    let data_len = u32::try_from(frames)
        .ok()
        .and_then(|f| f.checked_mul(4 * u32::from(n_channels)))
        .filter(|&n| n <= u32::MAX - 1024)
        .ok_or_else(|| bad("more than 4 GiB of samples"))?;
    let name: &[u8] = b"\x0c32-bit float\x00"; // Pascal string, padded to an even length
    let comm_len = 18 + 4 + name.len() as u32;
    let ssnd_len = 8 + data_len;
    let form_len = 4 + (8 + 4) + (8 + comm_len) + (8 + ssnd_len);
    let io = |source| WavWriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut w = BufWriter::new(File::create(path).map_err(io)?);
    let mut write = || -> std::io::Result<()> {
        w.write_all(b"FORM")?;
        w.write_all(&form_len.to_be_bytes())?;
        w.write_all(b"AIFCFVER")?;
        w.write_all(&4u32.to_be_bytes())?;
        w.write_all(&0xA280_5140u32.to_be_bytes())?; // AIFF-C version 1
        w.write_all(b"COMM")?;
        w.write_all(&comm_len.to_be_bytes())?;
        w.write_all(&n_channels.to_be_bytes())?;
        w.write_all(&(frames as u32).to_be_bytes())?;
        w.write_all(&32u16.to_be_bytes())?;
        w.write_all(&extended_80(sample_rate))?;
        w.write_all(b"fl32")?;
        w.write_all(name)?;
        w.write_all(b"SSND")?;
        w.write_all(&ssnd_len.to_be_bytes())?;
        w.write_all(&[0u8; 8])?; // offset, block size
        for i in 0..frames {
            for c in channels {
                w.write_all(&(c[i] as f32).to_be_bytes())?;
            }
        }
        w.flush()
    };
    write().map_err(io)
}

/// The float AIFF-C fixture whose pyAudioAnalysis reference is in `testdata/reference/pyaa/
/// generated/`: 1 s at 22050 Hz, stereo, 32-bit float; left an A4 sine (amplitude 0.4) plus
/// white noise (0.05, seed 9), right a C major triad (0.5). Written by [`write_aifc_f32`].
pub fn write_float_aifc_fixture(path: impl AsRef<Path>) -> Result<(), WavWriteError> {
    let sr = 22050;
    let left: Vec<f64> = tone(midi_to_hz(A4_MIDI), 1.0, sr, 0.4)
        .iter()
        .zip(white_noise(1.0, sr, 0.05, 9))
        .map(|(a, b)| a + b)
        .collect();
    let right = major_triad(C4_MIDI, 1.0, sr, 0.5);
    write_aifc_f32(path, &[&left, &right], sr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's second progression: C major's I-vi-IV-V-I, with A minor's triad as vi.
    #[test]
    fn progressions_have_their_triads() {
        assert_eq!(minor_triad_notes(57), vec![57, 60, 64]);
        assert_eq!(minor_triad_notes(125), vec![125]);
        let p = progression_i_vi_iv_v_i(60);
        assert_eq!(
            p,
            vec![
                vec![60, 64, 67],
                vec![69, 72, 76],
                vec![65, 69, 72],
                vec![67, 71, 74],
                vec![60, 64, 67],
            ]
        );
    }

    #[test]
    fn extended_rates() {
        // 44100 Hz as AIFF stores it.
        assert_eq!(
            extended_80(44100),
            [0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(extended_80(1), [0x3f, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn midi_pitches() {
        assert_eq!(midi_to_hz(69), 440.0);
        assert!((midi_to_hz(60) - 261.625_565_300_6).abs() < 1e-9);
        assert_eq!(midi_to_hz(81), 880.0);
        assert_eq!(note_to_midi("A4"), Some(69));
        assert_eq!(note_to_midi("C4"), Some(60));
        assert_eq!(note_to_midi("C#4"), Some(61));
        assert_eq!(note_to_midi("Fs2"), Some(42));
        assert_eq!(note_to_midi("Db3"), Some(49));
        assert_eq!(note_to_midi("C-1"), Some(0));
        assert_eq!(note_to_midi("H4"), None);
        assert_eq!(note_to_midi("G9"), Some(127));
        assert_eq!(note_to_midi("A9"), None);
    }

    #[test]
    fn tone_has_its_frequency_and_amplitude() {
        let x = tone(440.0, 1.0, 8000, 0.5);
        assert_eq!(x.len(), 8000);
        let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!((peak - 0.5).abs() < 1e-3, "{peak}");
        // 440 cycles: 880 sign changes (zero crossings) within the second, give or take one.
        let crossings = x
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        assert!((879..=881).contains(&crossings), "{crossings}");
    }

    #[test]
    fn noise_is_deterministic_and_bounded() {
        let a = white_noise(0.5, 8000, 0.3, 7);
        let b = white_noise(0.5, 8000, 0.3, 7);
        let c = white_noise(0.5, 8000, 0.3, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|v| v.abs() <= 0.3));
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        assert!(mean.abs() < 0.02, "{mean}");
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 0 (from the reference C implementation).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn click_silence_dc() {
        let c = click(1.0, 1000, 0.25, 0.9);
        assert_eq!(c.iter().filter(|v| **v != 0.0).count(), 1);
        assert_eq!(c[250], 0.9);
        assert!(silence(0.1, 1000).iter().all(|v| *v == 0.0));
        let d = tone_with_dc(100.0, 1.0, 1000, 0.1, 0.25);
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        assert!((mean - 0.25).abs() < 1e-9, "{mean}");
    }

    #[test]
    fn chords_and_timbres() {
        assert_eq!(major_triad_notes(60), vec![60, 64, 67]);
        assert_eq!(
            cadence_i_iv_v_i(60),
            vec![
                vec![60, 64, 67],
                vec![65, 69, 72],
                vec![67, 71, 74],
                vec![60, 64, 67]
            ]
        );
        for timbre in Timbre::ALL {
            let x = render_chords(&cadence_i_iv_v_i(62), 0.5, timbre, 22050);
            assert_eq!(x.len(), 44100);
            let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(
                peak > 0.05 && peak <= 0.8 + 1e-12,
                "{} {peak}",
                timbre.name()
            );
        }
        let pluck = render_note(69, 1.0, Timbre::Pluck, 22050, 1.0);
        let early: f64 = pluck[..2205].iter().map(|v| v * v).sum();
        let late: f64 = pluck[19845..].iter().map(|v| v * v).sum();
        assert!(late < early / 10.0, "pluck must decay: {early} {late}");
    }

    #[test]
    fn quantisation_clamps_and_rounds() {
        assert_eq!(quantise(1.0, 16), 32767);
        assert_eq!(quantise(-1.0, 16), -32768);
        assert_eq!(quantise(0.5, 16), 16384);
        assert_eq!(quantise(2.0, 24), 8_388_607);
        assert_eq!(quantise(f64::NAN, 16), 0);
        assert_eq!(quantise(-1.0, 32), i32::MIN);
    }

    #[test]
    fn writer_rejects_ragged_channels() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("x.wav");
        let a = [0.0; 10];
        let b = [0.0; 9];
        assert!(matches!(
            write_wav(&p, &[&a, &b], 8000, WavFormat::S16),
            Err(WavWriteError::BadInput { .. })
        ));
        assert!(matches!(
            write_wav(&p, &[], 8000, WavFormat::S16),
            Err(WavWriteError::BadInput { .. })
        ));
    }
}

//! Two passes over a file with one decode when it is short enough.
//!
//! Some analyses need the whole signal before their first frame (pyAudioAnalysis normalises by
//! the signal's mean and peak), so they read a file twice. [`Recorder`] wraps the first pass's
//! [`AudioReader`] and keeps the mono samples it hands out, up to a memory budget; its
//! [`replay`](Recorder::replay) then gives the second pass from memory, or re-opens the file when
//! the budget was exceeded. Either way the second pass yields exactly the samples of the first
//! (the same `f64` values), so results do not depend on which way it went.
//!
//! Samples are kept as `f32` while every one converts back to the same `f64` (integer PCM up
//! to 24 bits, mono or two channels of 16 bits), and as `f64` from the first that does not.
//! A header's frame count is used only to skip keeping a file it says is too long, never to
//! size memory.
//!
//! ```
//! use audio_io::{AudioReader, BlockSource, Recorder};
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("tone.wav");
//! # let tone = audio_io::synth::tone(440.0, 0.5, 8000, 0.5);
//! # audio_io::synth::write_wav(&path, &[&tone], 8000, audio_io::synth::WavFormat::S16).unwrap();
//! let mut first = Recorder::new(AudioReader::open(&path)?);
//! let mut peak = 0.0f64;
//! while let Some(block) = first.next_block()? {
//!     peak = block.iter().fold(peak, |p, x| p.max(x.abs()));
//! }
//! let mut second = first.replay()?; // from memory: the file is short
//! let mut n = 0;
//! while let Some(block) = second.next_block()? {
//!     n += block.len();
//! }
//! assert_eq!(n, 4000);
//! # Ok::<(), audio_io::AudioError>(())
//! ```

use crate::{AudioError, AudioReader, BlockSource, DecodeReport, ReadAhead, StreamInfo};

/// The memory a [`Recorder`] may keep by default: 32 MiB (at 44.1 kHz, 3 min 10 s of 16-bit
/// audio kept as `f32`, 95 s of decoded stereo MP3 kept as `f64`). Small enough that every
/// streaming command stays under 100 MB of peak memory whatever the file's length; a longer
/// file is decoded twice.
pub const DEFAULT_REPLAY_BYTES: usize = 32 << 20;

/// Samples handed out by the blocks replayed from memory.
const REPLAY_BLOCK: usize = 4096;

/// Kept samples: `f32` while that is exact, `f64` after.
enum Kept {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Kept {
    fn len(&self) -> usize {
        match self {
            Kept::F32(v) => v.len(),
            Kept::F64(v) => v.len(),
        }
    }

    fn bytes_for(&self, n: usize) -> usize {
        match self {
            Kept::F32(_) => n.saturating_mul(4),
            Kept::F64(_) => n.saturating_mul(8),
        }
    }
}

/// What a [`Recorder`]'s first pass reads: the reader itself, or the reader decoding on a
/// thread of its own ([`ReadAhead`]; the same blocks, bit for bit).
#[derive(Debug)]
pub enum FirstPass {
    /// Decoding on the caller's thread.
    Direct(AudioReader),
    /// Decoding ahead on a second thread.
    Ahead(ReadAhead),
}

impl From<AudioReader> for FirstPass {
    fn from(reader: AudioReader) -> Self {
        FirstPass::Direct(reader)
    }
}

impl From<ReadAhead> for FirstPass {
    fn from(ahead: ReadAhead) -> Self {
        FirstPass::Ahead(ahead)
    }
}

impl FirstPass {
    /// `reader`, decoding ahead ([`ReadAhead::DEFAULT_DEPTH`]) when
    /// [`ReadAhead::worth_it`] for its length with `spare_cores` idle cores.
    pub fn open_ahead_if_worth_it(reader: AudioReader, spare_cores: usize) -> Self {
        if ReadAhead::worth_it(reader.info(), spare_cores) {
            FirstPass::Ahead(ReadAhead::new(reader, ReadAhead::DEFAULT_DEPTH))
        } else {
            FirstPass::Direct(reader)
        }
    }

    /// What the decoder met so far.
    pub fn report(&self) -> DecodeReport {
        match self {
            FirstPass::Direct(r) => r.report(),
            FirstPass::Ahead(r) => r.report(),
        }
    }
}

impl BlockSource for FirstPass {
    fn info(&self) -> &StreamInfo {
        match self {
            FirstPass::Direct(r) => r.info(),
            FirstPass::Ahead(r) => r.info(),
        }
    }

    fn next_block(&mut self) -> Result<Option<&[f64]>, AudioError> {
        match self {
            FirstPass::Direct(r) => r.next_block(),
            FirstPass::Ahead(r) => r.next_block(),
        }
    }
}

/// A first pass over a file that keeps its samples (within a budget) for the second; see the
/// [module documentation](self).
pub struct Recorder {
    reader: FirstPass,
    /// `None` once the budget was exceeded (or the header said it would be).
    kept: Option<Kept>,
    budget_bytes: usize,
}

impl Recorder {
    /// Wraps `reader` (an [`AudioReader`] or a [`FirstPass`]) with the default budget
    /// ([`DEFAULT_REPLAY_BYTES`]).
    pub fn new(reader: impl Into<FirstPass>) -> Self {
        Self::with_budget(reader, DEFAULT_REPLAY_BYTES)
    }

    /// Wraps `reader` (an [`AudioReader`] or a [`FirstPass`]), keeping at most `budget_bytes`
    /// of samples (0: keep nothing, the second pass re-opens the file).
    pub fn with_budget(reader: impl Into<FirstPass>, budget_bytes: usize) -> Self {
        let reader = reader.into();
        let too_long = reader
            .info()
            .frames
            .is_some_and(|n| n.saturating_mul(4) > budget_bytes as u64);
        let kept = (!too_long && budget_bytes > 0).then(|| Kept::F32(Vec::new()));
        Recorder {
            reader,
            kept,
            budget_bytes,
        }
    }

    /// What the decoder met so far (see [`AudioReader::report`]).
    pub fn report(&self) -> DecodeReport {
        self.reader.report()
    }

    /// Whether the samples read so far are all kept (the second pass will come from memory).
    pub fn is_keeping(&self) -> bool {
        self.kept.is_some()
    }

    /// The second pass: the kept samples, or the file opened again if they were not kept.
    /// Call it after the first pass reached its end.
    pub fn replay(self) -> Result<Replay, AudioError> {
        let info = self.reader.info().clone();
        match self.kept {
            Some(samples) => Ok(Replay::Memory(Box::new(MemoryReplay {
                info,
                samples,
                pos: 0,
                block: Vec::new(),
            }))),
            None => {
                drop(self.reader);
                Ok(Replay::File(Box::new(AudioReader::open(&info.path)?)))
            }
        }
    }
}

/// Appends `block` to `kept`, switching to `f64` at the first sample `f32` cannot hold, and
/// gives up (frees everything) when the budget would be exceeded.
fn keep(kept: &mut Option<Kept>, budget_bytes: usize, block: &[f64]) {
    let Some(k) = kept.as_mut() else {
        return;
    };
    if let Kept::F32(v) = k {
        if block.iter().any(|&x| f64::from(x as f32) != x) {
            *k = Kept::F64(v.iter().map(|&x| f64::from(x)).collect());
        }
    }
    if k.bytes_for(k.len().saturating_add(block.len())) > budget_bytes {
        *kept = None;
        return;
    }
    match k {
        Kept::F32(v) => v.extend(block.iter().map(|&x| x as f32)),
        Kept::F64(v) => v.extend_from_slice(block),
    }
}

impl BlockSource for Recorder {
    fn info(&self) -> &StreamInfo {
        self.reader.info()
    }

    fn next_block(&mut self) -> Result<Option<&[f64]>, AudioError> {
        let Recorder {
            reader,
            kept,
            budget_bytes,
        } = self;
        let Some(block) = reader.next_block()? else {
            return Ok(None);
        };
        keep(kept, *budget_bytes, block);
        Ok(Some(block))
    }
}

/// The second pass of a [`Recorder`]: the same samples, from memory or from the file again.
pub enum Replay {
    /// The kept samples.
    Memory(Box<MemoryReplay>),
    /// The file, opened again (it was longer than the budget).
    File(Box<AudioReader>),
}

impl Replay {
    /// Whether the samples come from memory (no second decode).
    pub fn is_from_memory(&self) -> bool {
        matches!(self, Replay::Memory(_))
    }
}

/// Kept samples handed out again in blocks.
pub struct MemoryReplay {
    info: StreamInfo,
    samples: Kept,
    pos: usize,
    block: Vec<f64>,
}

impl BlockSource for Replay {
    fn info(&self) -> &StreamInfo {
        match self {
            Replay::Memory(m) => &m.info,
            Replay::File(r) => r.info(),
        }
    }

    fn next_block(&mut self) -> Result<Option<&[f64]>, AudioError> {
        let m = match self {
            Replay::Memory(m) => m,
            Replay::File(r) => return r.next_block(),
        };
        let start = m.pos;
        let end = (start + REPLAY_BLOCK).min(m.samples.len());
        if start == end {
            return Ok(None);
        }
        m.pos = end;
        Ok(Some(match &m.samples {
            Kept::F64(v) => &v[start..end],
            Kept::F32(v) => {
                m.block.clear();
                m.block.extend(v[start..end].iter().map(|&x| f64::from(x)));
                &m.block
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(source: &mut impl BlockSource) -> Vec<f64> {
        let mut out = Vec::new();
        while let Some(b) = source.next_block().unwrap() {
            out.extend_from_slice(b);
        }
        out
    }

    #[test]
    fn keeps_f32_while_exact_and_switches_to_f64() {
        let mut kept = Some(Kept::F32(Vec::new()));
        keep(&mut kept, 1 << 20, &[0.5, -0.25]);
        assert!(matches!(kept, Some(Kept::F32(_))));
        keep(&mut kept, 1 << 20, &[0.1]);
        let Some(Kept::F64(v)) = &kept else {
            panic!("0.1 is not an f32")
        };
        assert_eq!(v, &[0.5, -0.25, 0.1]);
    }

    #[test]
    fn gives_up_past_the_budget() {
        let mut kept = Some(Kept::F32(Vec::new()));
        keep(&mut kept, 8, &[0.5, 0.5]);
        assert!(kept.is_some());
        keep(&mut kept, 8, &[0.5]);
        assert!(kept.is_none());
        keep(&mut kept, 8, &[0.5]);
        assert!(kept.is_none());
    }

    #[test]
    fn memory_and_file_replays_give_the_first_pass_samples() {
        let dir = tempfile::tempdir().unwrap();
        use crate::synth::{tone, write_wav, WavFormat};
        let left = tone(441.0, 1.3, 8000, 0.7);
        let right = tone(660.0, 1.3, 8000, 0.3);
        // 16-bit mono is kept as f32; 32-bit stereo needs f64.
        for (name, channels, format) in [
            ("s16.wav", vec![&left[..]], WavFormat::S16),
            ("s32.wav", vec![&left[..], &right[..]], WavFormat::S32),
        ] {
            let path = dir.path().join(name);
            write_wav(&path, &channels, 8000, format).unwrap();
            for budget in [DEFAULT_REPLAY_BYTES, 100, 0] {
                let mut first = Recorder::with_budget(AudioReader::open(&path).unwrap(), budget);
                let a = all(&mut first);
                assert_eq!(a.len(), 10400);
                let mut second = first.replay().unwrap();
                assert_eq!(second.is_from_memory(), budget == DEFAULT_REPLAY_BYTES);
                let b = all(&mut second);
                assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
                assert_eq!(a.len(), b.len(), "{name}, budget {budget}");
            }
        }
    }
}

//! The one streaming entry, [`FeatureExtractor::stream`]: a source read twice, pass 1 for the
//! mean and peak the reference's normalisation needs, pass 2 for the frames, with hooks for a
//! caller that analyses the same samples in its own way (the accurate chroma) as they pass.

use audio_io::{AudioError, BlockSource, Recorder, Replay, StreamInfo};

use crate::extractor::FeatureExtractor;
use crate::normalisation::SignalStats;
use crate::stream::Frame;
use crate::FeatureError;

/// A source that can be read twice: pass 1 through [`BlockSource`], then
/// [`second_pass`](TwoPassSource::second_pass) yields the same samples again.
pub trait TwoPassSource: BlockSource {
    /// The source of pass 2.
    type Second: BlockSource;
    /// The same samples again; called once pass 1 has reached its end.
    fn second_pass(self) -> Result<Self::Second, AudioError>;
}

/// A file's first decoding pass, which keeps a short file's samples for the second
/// ([`Recorder::replay`]: one decode when they fit its budget, else the file opened again).
impl TwoPassSource for Recorder {
    type Second = Replay;
    fn second_pass(self) -> Result<Replay, AudioError> {
        self.replay()
    }
}

/// Two sources of the same samples, e.g. a file opened twice, or a test's two readers cutting
/// one signal into different blocks.
#[derive(Debug)]
pub struct SourcePair<A, B> {
    first: A,
    second: B,
}

impl<A: BlockSource, B: BlockSource> SourcePair<A, B> {
    /// `first` is read by pass 1, `second` by pass 2.
    pub fn new(first: A, second: B) -> Self {
        SourcePair { first, second }
    }
}

impl<A: BlockSource, B: BlockSource> BlockSource for SourcePair<A, B> {
    fn info(&self) -> &StreamInfo {
        self.first.info()
    }
    fn next_block(&mut self) -> Result<Option<&[f64]>, AudioError> {
        self.first.next_block()
    }
}

impl<A: BlockSource, B: BlockSource> TwoPassSource for SourcePair<A, B> {
    type Second = B;
    fn second_pass(self) -> Result<B, AudioError> {
        Ok(self.second)
    }
}

/// What a caller of [`FeatureExtractor::stream`] does as the passes go by. Only
/// [`frame`](PassVisitor::frame) is required.
pub trait PassVisitor {
    /// Each block of pass 1, as decoded (samples in [-1, 1], before any normalisation).
    fn first_pass_block(&mut self, _block: &[f64]) {}
    /// Pass 1 is over and the signal is long enough for a frame: its statistics (sample
    /// count, mean, peak). Called before the first frame.
    fn first_pass_done(&mut self, _stats: &SignalStats) {}
    /// Each frame of pass 2, in order.
    fn frame(&mut self, frame: Frame<'_>);
    /// Each block of pass 2, after the frames it completed.
    fn second_pass_block(&mut self, _block: &[f64]) {}
    /// True to stop the stream early (e.g. after an error of the visitor's own, which it keeps);
    /// checked after each block of pass 2.
    fn stopped(&self) -> bool {
        false
    }
}

/// How a [`FeatureExtractor::stream`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamSummary {
    /// Samples of the signal (pass 1's count; pass 2 gave the same).
    pub samples: u64,
    /// Frames handed to [`PassVisitor::frame`].
    pub frames: usize,
    /// True if the visitor stopped the stream ([`PassVisitor::stopped`]) before its end.
    pub stopped: bool,
}

impl FeatureExtractor {
    /// Streams `source` through both passes with bounded memory (one window, plus what the
    /// source keeps for pass 2, e.g. a short file's samples in a [`Recorder`]): pass 1 gathers
    /// the mean and peak of the samples brought to the reader's raw scale by `raw_scale`
    /// (usually `source.info().raw_scale()`), pass 2 hands each frame to `visitor`.
    ///
    /// This is the crate's one streaming path: [`extract_file`](Self::extract_file) and
    /// the table writers of the `chroma` crate are built on it. Errors name the file once: a
    /// decoding error names it itself, anything else about the signal comes as
    /// [`FeatureError::File`]. Fails if the source's rate is not the extractor's, if the signal
    /// is shorter than one window, or if pass 2 gives a different number of samples than
    /// pass 1.
    pub fn stream<S: TwoPassSource>(
        &mut self,
        mut source: S,
        raw_scale: f64,
        visitor: &mut impl PassVisitor,
    ) -> Result<StreamSummary, FeatureError> {
        let path = source.info().path.clone();
        self.check_rate(source.info())?;
        let mut stats = SignalStats::new();
        while let Some(block) = source.next_block()? {
            stats.push(block, raw_scale).map_err(|e| e.in_file(&path))?;
            visitor.first_pass_block(block);
        }
        let window = self.framing().window();
        if stats.len() < window as u64 {
            let too_short = FeatureError::SignalTooShort {
                samples: stats.len(),
                window,
            };
            return Err(too_short.in_file(&path));
        }
        visitor.first_pass_done(&stats);
        let mut second = source.second_pass()?;
        let mut stream = self.frame_stream(stats.normalisation(raw_scale));
        let mut stopped = false;
        while let Some(block) = second.next_block()? {
            stream
                .push_block(block, |frame| visitor.frame(frame))
                .map_err(|e| e.in_file(&path))?;
            visitor.second_pass_block(block);
            if visitor.stopped() {
                stopped = true;
                break;
            }
        }
        if !stopped && stream.samples() != stats.len() {
            return Err(FeatureError::StreamChanged {
                path,
                first: stats.len(),
                second: stream.samples(),
            });
        }
        Ok(StreamSummary {
            samples: stats.len(),
            frames: stream.frames(),
            stopped,
        })
    }
}

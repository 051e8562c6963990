//! [`FeatureExtractor`]: plans and tables built once per (sample rate, framing), and its entry
//! points: a whole signal ([`extract`](FeatureExtractor::extract), or
//! [`extract_signal`](FeatureExtractor::extract_signal) for a decoded one), a file
//! ([`extract_file`](FeatureExtractor::extract_file)), any source read twice
//! ([`stream`](FeatureExtractor::stream), in `two_pass.rs`) and pass 2 alone
//! ([`frame_stream`](FeatureExtractor::frame_stream)).

use std::path::Path;
use std::sync::Arc;

use audio_io::{AudioReader, BlockSource, MonoSignal, Recorder};
use realfft::{RealFftPlanner, RealToComplex};

use crate::analyser::FrameAnalyser;
use crate::frame_spec::{FrameSpec, Framing};
use crate::matrix::FeatureMatrix;
use crate::normalisation::{Normalisation, SignalStats};
use crate::stream::FrameStream;
use crate::two_pass::PassVisitor;
use crate::FeatureError;

/// Computes pyAudioAnalysis's 34 short-term features (and optionally their deltas) for signals of
/// one sample rate and framing.
///
/// Built once per (sample rate, [`FrameSpec`]): the real FFT plan (shared `Arc`), for an odd
/// window also the complex FFT plan that analyses two frames at once (half a complex FFT per
/// frame), their buffers, the sparse MFCC filterbank, the DCT matrix and the chroma bin map are
/// made here and reused for every frame of every signal; the per-frame path allocates nothing.
/// To share plans across extractors of many rates, build them
/// [`with_planner`](Self::with_planner).
pub struct FeatureExtractor {
    framing: Framing,
    deltas: bool,
    pub(crate) analyser: FrameAnalyser,
    /// The frame being filled by a [`FrameStream`].
    pub(crate) window: Vec<f64>,
}

impl std::fmt::Debug for FeatureExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureExtractor")
            .field("framing", &self.framing)
            .field("deltas", &self.deltas)
            .finish_non_exhaustive()
    }
}

impl FeatureExtractor {
    /// An extractor for `sample_rate` and `spec`, without delta columns.
    ///
    /// Fails on an invalid framing (see [`FrameSpec::resolve`]) or a window too short for the
    /// pyAudioAnalysis chroma ([`FeatureError::ChromaOutOfRange`]).
    pub fn new(sample_rate: u32, spec: FrameSpec) -> Result<Self, FeatureError> {
        Self::with_planner(sample_rate, spec, &mut RealFftPlanner::new())
    }

    /// As [`FeatureExtractor::new`], planning the real FFT with a caller's planner (which caches
    /// plans across extractors; the packed complex plan of an odd window is planned here).
    pub fn with_planner(
        sample_rate: u32,
        spec: FrameSpec,
        planner: &mut RealFftPlanner<f64>,
    ) -> Result<Self, FeatureError> {
        let framing = spec.resolve(sample_rate)?;
        let fft: Arc<dyn RealToComplex<f64>> = planner.plan_fft_forward(framing.window());
        Ok(FeatureExtractor {
            analyser: FrameAnalyser::new(framing, fft)?,
            window: vec![0.0; framing.window()],
            framing,
            deltas: false,
        })
    }

    /// Whether to append the 34 delta columns (feature minus its value on the previous frame, 0
    /// on the first frame), named `"delta <name>"`.
    pub fn with_deltas(mut self, deltas: bool) -> Self {
        self.deltas = deltas;
        self
    }

    /// The resolved framing.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// True if matrices get delta columns.
    pub fn deltas(&self) -> bool {
        self.deltas
    }

    /// Features of a whole signal given in the reader's raw scale (features.md, Input: 16-bit PCM
    /// as -32768..32767, 24/32-bit as left-justified 32-bit integers, u8 as 0..255, floats as
    /// stored).
    ///
    /// The same code path as streaming it as one block.
    pub fn extract(&mut self, raw: &[f64]) -> Result<FeatureMatrix, FeatureError> {
        self.extract_scaled(raw, 1.0)
    }

    /// Features of a decoded signal, without building a raw-scale copy of it (each sample is
    /// brought to the raw scale as its frame is filled): bit for bit what
    /// [`extract`](Self::extract) gives on [`MonoSignal::raw_samples`] (the scale is a power of
    /// two), except unsigned 8-bit, whose offset of 128 is left to the mean removal, as in
    /// [`extract_file`](Self::extract_file). Fails if the signal's rate is not the extractor's;
    /// errors name the signal's file.
    pub fn extract_signal(&mut self, signal: &MonoSignal) -> Result<FeatureMatrix, FeatureError> {
        self.check_rate(&signal.info)?;
        self.extract_scaled(&signal.samples, signal.info.raw_scale())
            .map_err(|e| e.in_file(&signal.info.path))
    }

    /// The whole-signal path: `samples * raw_scale` is the signal in the raw scale.
    fn extract_scaled(
        &mut self,
        samples: &[f64],
        raw_scale: f64,
    ) -> Result<FeatureMatrix, FeatureError> {
        let mut stats = SignalStats::new();
        stats.push(samples, raw_scale)?;
        let window = self.framing.window();
        if stats.len() < window as u64 {
            return Err(FeatureError::SignalTooShort {
                samples: stats.len(),
                window,
            });
        }
        let mut matrix = FeatureMatrix::new(self.framing, self.deltas);
        matrix.first_pass_done(&stats);
        let mut stream = self.frame_stream(stats.normalisation(raw_scale));
        stream.push_block(samples, |frame| matrix.frame(frame))?;
        Ok(matrix)
    }

    /// Features of a file, streamed with bounded memory in two passes ([`stream`](Self::stream)).
    /// A file whose samples fit in [`audio_io::DEFAULT_REPLAY_BYTES`] is decoded once
    /// ([`Recorder`]); a longer one twice.
    pub fn extract_file(&mut self, path: impl AsRef<Path>) -> Result<FeatureMatrix, FeatureError> {
        let reader = Recorder::new(AudioReader::open(path.as_ref())?);
        let scale = reader.info().raw_scale();
        let mut matrix = FeatureMatrix::new(self.framing, self.deltas);
        self.stream(reader, scale, &mut matrix)?;
        Ok(matrix)
    }

    /// Pass 2 alone, for a caller that ran pass 1 itself: push blocks of samples (in the scale
    /// `normalisation` expects) and receive each [`crate::Frame`] in order. Memory is bounded by one
    /// window whatever the block sizes. Most callers want [`stream`](Self::stream), which runs
    /// both passes and checks that they agree.
    ///
    /// With an odd window, a completed frame waits for the next one to share its FFT (see
    /// [`FrameStream::push_block`]); the frame count comes from `normalisation.samples()`, so the
    /// last frame is emitted as soon as it is complete. If the stream turns out shorter than pass 1
    /// (compare [`FrameStream::samples`]), its last frame may stay unemitted.
    pub fn frame_stream(&mut self, normalisation: Normalisation) -> FrameStream<'_> {
        FrameStream::new(self, normalisation)
    }

    pub(crate) fn check_rate(&self, info: &audio_io::StreamInfo) -> Result<(), FeatureError> {
        if info.sample_rate != self.framing.sample_rate() {
            return Err(FeatureError::SampleRateMismatch {
                path: info.path.clone(),
                expected: self.framing.sample_rate(),
                found: info.sample_rate,
            });
        }
        Ok(())
    }
}

//! The feature extractor: plans and tables built once per (sample rate, framing), frames streamed
//! through them without per-frame allocation.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use audio_io::{AudioReader, BlockSource, MonoSignal};
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::frame_spec::{FrameSpec, Framing};
use crate::matrix::{FeatureMatrix, CHROMA_COLUMNS, CHROMA_STD_COLUMN, MFCC_COLUMNS, N_FEATURES};
use crate::mfcc::MfccBank;
use crate::normalisation::{Normalisation, SignalStats};
use crate::pyaa::{chroma_std, PyaaChroma, N_CHROMA};
use crate::spectral::{spectral_centroid_spread, spectral_flux, spectral_rolloff};
use crate::time_domain::{
    block_energies, block_entropy, dot, energy, sum_of, zero_crossing_rate, ENTROPY_BLOCKS,
};
use crate::FeatureError;

/// One analysed frame, as handed to a [`FrameStream`] callback.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 0-based frame number; the frame starts at sample `index * step`.
    pub index: usize,
    /// The 34 features, in [`crate::FEATURE_NAMES`] order.
    pub features: &'a [f64; N_FEATURES],
    /// The magnitude spectrum `X_k = |FFT_W(x)_k| / nfft`, k < nfft, of the normalised frame.
    pub spectrum: &'a [f64],
}

/// Per-frame machinery: FFT plan and buffers, tables, the previous spectrum (for the flux).
struct FrameAnalyser {
    sample_rate: f64,
    fft: Arc<dyn RealToComplex<f64>>,
    fft_in: Vec<f64>,
    fft_out: Vec<Complex<f64>>,
    fft_scratch: Vec<Complex<f64>>,
    spectrum: Vec<f64>,
    previous: Vec<f64>,
    previous_sum: f64,
    has_previous: bool,
    bin_freqs: Vec<f64>,
    mfcc: MfccBank,
    chroma: PyaaChroma,
    features: [f64; N_FEATURES],
}

impl FrameAnalyser {
    fn new(framing: Framing, fft: Arc<dyn RealToComplex<f64>>) -> Result<Self, FeatureError> {
        let nfft = framing.nfft();
        let fs = f64::from(framing.sample_rate());
        let chroma = PyaaChroma::new(framing.sample_rate(), framing.window())?;
        let mfcc = MfccBank::new(framing.sample_rate(), nfft);
        if mfcc.is_clipped() {
            tracing::warn!(
                sample_rate = framing.sample_rate(),
                "MFCC filters reach beyond the spectrum at this rate; their upper bins are dropped \
                 (pyAudioAnalysis fails here)"
            );
        }
        // f_k = (k + 1) * (fs / (2 nfft)), the reference's centroid frequencies.
        let bin_step = fs / (2.0 * nfft as f64);
        let bin_freqs = (0..nfft).map(|k| (k + 1) as f64 * bin_step).collect();
        Ok(FrameAnalyser {
            sample_rate: fs,
            fft_in: fft.make_input_vec(),
            fft_out: fft.make_output_vec(),
            fft_scratch: fft.make_scratch_vec(),
            fft,
            spectrum: vec![0.0; nfft],
            previous: vec![0.0; nfft],
            previous_sum: 0.0,
            has_previous: false,
            bin_freqs,
            mfcc,
            chroma,
            features: [0.0; N_FEATURES],
        })
    }

    /// Computes the 34 features of one normalised frame (length W) into `self.features` and its
    /// spectrum into `self.previous` (swapped in for the next frame's flux).
    fn analyse(&mut self, frame: &[f64]) -> Result<(), FeatureError> {
        let f = &mut self.features;

        // Time domain.
        let mut blocks = [0.0; ENTROPY_BLOCKS];
        let frame_energy = block_energies(frame, &mut blocks);
        f[0] = zero_crossing_rate(frame);
        f[1] = energy(frame_energy, frame.len());
        f[2] = block_entropy(&blocks, frame_energy);

        // One FFT per frame; X_k = |F_k| / nfft for k < nfft.
        self.fft_in.copy_from_slice(frame);
        self.fft
            .process_with_scratch(&mut self.fft_in, &mut self.fft_out, &mut self.fft_scratch)
            .map_err(|e| FeatureError::Fft(e.to_string()))?;
        let nfft = self.spectrum.len();
        let inv_nfft = 1.0 / nfft as f64;
        for (x, c) in self.spectrum.iter_mut().zip(&self.fft_out) {
            *x = (c.re * c.re + c.im * c.im).sqrt() * inv_nfft;
        }
        let x = &self.spectrum;
        let max_x = x.iter().fold(0.0f64, |m, &v| m.max(v));
        let sum_x = sum_of(x);
        let sum_fx = dot(x, &self.bin_freqs);
        let sum_sq = block_energies(x, &mut blocks);

        (f[3], f[4]) =
            spectral_centroid_spread(x, &self.bin_freqs, sum_x, max_x, sum_fx, self.sample_rate);
        f[5] = block_entropy(&blocks, sum_sq);
        f[6] = if self.has_previous {
            spectral_flux(x, sum_x, &self.previous, self.previous_sum)
        } else {
            0.0
        };
        f[7] = spectral_rolloff(x, sum_sq);
        self.mfcc.mfcc(x, &mut f[MFCC_COLUMNS]);
        let mut chroma = [0.0; N_CHROMA];
        self.chroma.chroma(x, sum_sq, &mut chroma);
        f[CHROMA_COLUMNS].copy_from_slice(&chroma);
        f[CHROMA_STD_COLUMN] = chroma_std(&chroma);

        std::mem::swap(&mut self.spectrum, &mut self.previous);
        self.previous_sum = sum_x;
        self.has_previous = true;
        Ok(())
    }
}

/// Computes pyAudioAnalysis's 34 short-term features (and optionally their deltas) for signals of
/// one sample rate and framing.
///
/// Built once per (sample rate, [`FrameSpec`]): the real FFT plan (shared `Arc`), its buffers, the
/// sparse MFCC filterbank, the DCT matrix and the chroma bin map are made here and reused for
/// every frame of every signal; the per-frame path allocates nothing.
pub struct FeatureExtractor {
    framing: Framing,
    deltas: bool,
    analyser: FrameAnalyser,
    window: Vec<f64>,
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
        let framing = spec.resolve(sample_rate)?;
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(framing.window());
        Self::with_plan(framing, fft)
    }

    /// As [`FeatureExtractor::new`], planning the FFT with a caller's planner (which caches
    /// plans across extractors).
    pub fn with_planner(
        sample_rate: u32,
        spec: FrameSpec,
        planner: &mut RealFftPlanner<f64>,
    ) -> Result<Self, FeatureError> {
        let framing = spec.resolve(sample_rate)?;
        let fft = planner.plan_fft_forward(framing.window());
        Self::with_plan(framing, fft)
    }

    fn with_plan(framing: Framing, fft: Arc<dyn RealToComplex<f64>>) -> Result<Self, FeatureError> {
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
        self.extract_slice(raw, 1.0)
    }

    /// Features of a decoded [`MonoSignal`], brought to the raw scale with
    /// `signal.info.raw_scale()`. Fails if its sample rate is not the extractor's.
    pub fn extract_signal(&mut self, signal: &MonoSignal) -> Result<FeatureMatrix, FeatureError> {
        self.check_rate(&signal.info)?;
        self.extract_slice(&signal.samples, signal.info.raw_scale())
            .map_err(|e| in_file(&signal.info.path, e))
    }

    fn extract_slice(
        &mut self,
        samples: &[f64],
        raw_scale: f64,
    ) -> Result<FeatureMatrix, FeatureError> {
        let mut stats = SignalStats::new();
        stats.push(samples, raw_scale)?;
        let mut matrix = self.empty_matrix(&stats)?;
        let mut stream = self.frame_stream(stats.normalisation(raw_scale));
        stream.push_block(samples, |frame| matrix.push_frame(frame.features))?;
        Ok(matrix)
    }

    /// Features of a file, streamed with bounded memory: the file is opened twice with
    /// [`AudioReader`] (pass 1: mean and peak; pass 2: frames as blocks arrive).
    pub fn extract_file(&mut self, path: impl AsRef<Path>) -> Result<FeatureMatrix, FeatureError> {
        let path = path.as_ref();
        let mut first = AudioReader::open(path)?;
        let mut second = AudioReader::open(path)?;
        self.extract_stream(&mut first, &mut second)
    }

    /// Features of a stream read twice: `first` and `second` must yield the same samples
    /// (e.g. the same file opened twice). Samples are brought to the raw scale with
    /// `first.info().raw_scale()`.
    pub fn extract_stream<S: BlockSource>(
        &mut self,
        first: &mut S,
        second: &mut S,
    ) -> Result<FeatureMatrix, FeatureError> {
        let scale = first.info().raw_scale();
        self.extract_stream_scaled(first, second, scale)
    }

    /// As [`FeatureExtractor::extract_stream`] with an explicit factor from the stream's samples
    /// to the reader's raw scale.
    pub fn extract_stream_scaled<S: BlockSource>(
        &mut self,
        first: &mut S,
        second: &mut S,
        raw_scale: f64,
    ) -> Result<FeatureMatrix, FeatureError> {
        self.check_rate(first.info())?;
        self.check_rate(second.info())?;
        let path = first.info().path.clone();
        let mut stats = SignalStats::new();
        while let Some(block) = first.next_block()? {
            stats
                .push(block, raw_scale)
                .map_err(|e| in_file(&path, e))?;
        }
        let mut matrix = self.empty_matrix(&stats).map_err(|e| in_file(&path, e))?;
        let mut stream = self.frame_stream(stats.normalisation(raw_scale));
        while let Some(block) = second.next_block()? {
            stream
                .push_block(block, |frame| matrix.push_frame(frame.features))
                .map_err(|e| in_file(&path, e))?;
        }
        if stream.samples() != stats.len() {
            return Err(FeatureError::StreamChanged {
                path,
                first: stats.len(),
                second: stream.samples(),
            });
        }
        Ok(matrix)
    }

    /// An empty matrix sized for the signal pass 1 saw, or [`FeatureError::SignalTooShort`].
    fn empty_matrix(&self, stats: &SignalStats) -> Result<FeatureMatrix, FeatureError> {
        let framing = self.framing;
        if stats.len() < framing.window() as u64 {
            return Err(FeatureError::SignalTooShort {
                samples: stats.len(),
                window: framing.window(),
            });
        }
        // Reserve exactly (pass 1 knows N), capped so an absurd stream cannot reserve absurd memory.
        let frames = framing.n_frames(stats.len()).min(1 << 22) as usize;
        Ok(FeatureMatrix::with_capacity(framing, self.deltas, frames))
    }

    /// Starts pass 2 of a signal whose pass-1 [`SignalStats`] gave `normalisation`: push blocks
    /// of samples (in the scale the normalisation expects) and receive each [`Frame`] as soon as
    /// it is complete. Memory is bounded by one window whatever the block sizes.
    pub fn frame_stream(&mut self, normalisation: Normalisation) -> FrameStream<'_> {
        self.analyser.has_previous = false;
        FrameStream {
            extractor: self,
            normalisation,
            filled: 0,
            skip: 0,
            samples: 0,
            frames: 0,
        }
    }

    fn check_rate(&self, info: &audio_io::StreamInfo) -> Result<(), FeatureError> {
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

/// Attaches a file's path to a signal-level error (decoding errors already name it).
fn in_file(path: &Path, e: FeatureError) -> FeatureError {
    match e {
        FeatureError::Audio(_) | FeatureError::File { .. } => e,
        other => FeatureError::File {
            path: path.to_path_buf(),
            source: Box::new(other),
        },
    }
}

/// Pass 2 of a streamed signal: normalises incoming samples into a one-window buffer and analyses
/// each frame as soon as it is complete (frames start at `0, S, 2S, ...` while `start + W <= N`).
pub struct FrameStream<'e> {
    extractor: &'e mut FeatureExtractor,
    normalisation: Normalisation,
    filled: usize,
    skip: usize,
    samples: u64,
    frames: usize,
}

impl FrameStream<'_> {
    /// Feeds the next block; calls `on_frame` for every frame completed by it. The result does
    /// not depend on how the signal is cut into blocks.
    pub fn push_block(
        &mut self,
        block: &[f64],
        mut on_frame: impl FnMut(Frame<'_>),
    ) -> Result<(), FeatureError> {
        let window_len = self.extractor.framing.window();
        let step = self.extractor.framing.step();
        let mut rest = block;
        while !rest.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(rest.len());
                self.skip -= n;
                rest = &rest[n..];
                continue;
            }
            let n = (window_len - self.filled).min(rest.len());
            let norm = self.normalisation;
            for (dst, &s) in self.extractor.window[self.filled..self.filled + n]
                .iter_mut()
                .zip(&rest[..n])
            {
                *dst = norm.apply(s);
            }
            self.filled += n;
            rest = &rest[n..];
            if self.filled == window_len {
                let ex = &mut *self.extractor;
                ex.analyser.analyse(&ex.window)?;
                on_frame(Frame {
                    index: self.frames,
                    features: &ex.analyser.features,
                    spectrum: &ex.analyser.previous,
                });
                self.frames += 1;
                if step < window_len {
                    ex.window.copy_within(step.., 0);
                    self.filled = window_len - step;
                } else {
                    self.filled = 0;
                    self.skip = step - window_len;
                }
            }
        }
        self.samples += block.len() as u64;
        Ok(())
    }

    /// Samples pushed so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Frames completed so far.
    pub fn frames(&self) -> usize {
        self.frames
    }
}

/// One [`FeatureExtractor`] per sample rate, made on first use, for batches of files with mixed
/// rates: everything built per rate is reused by every file of that rate.
pub struct ExtractorsByRate {
    spec: FrameSpec,
    deltas: bool,
    planner: RealFftPlanner<f64>,
    extractors: HashMap<u32, FeatureExtractor>,
}

impl std::fmt::Debug for ExtractorsByRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtractorsByRate")
            .field("spec", &self.spec)
            .field("deltas", &self.deltas)
            .field("rates", &self.extractors.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ExtractorsByRate {
    /// Extractors with framing `spec`, with delta columns if `deltas`.
    pub fn new(spec: FrameSpec, deltas: bool) -> Self {
        ExtractorsByRate {
            spec,
            deltas,
            planner: RealFftPlanner::new(),
            extractors: HashMap::new(),
        }
    }

    /// The extractor for `sample_rate`, built on first use.
    pub fn get(&mut self, sample_rate: u32) -> Result<&mut FeatureExtractor, FeatureError> {
        use std::collections::hash_map::Entry;
        match self.extractors.entry(sample_rate) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(v) => {
                let ex = FeatureExtractor::with_planner(sample_rate, self.spec, &mut self.planner)?
                    .with_deltas(self.deltas);
                Ok(v.insert(ex))
            }
        }
    }

    /// Features of a file (streamed, two passes), with the extractor for its sample rate.
    pub fn extract_file(&mut self, path: impl AsRef<Path>) -> Result<FeatureMatrix, FeatureError> {
        let path = path.as_ref();
        let mut first = AudioReader::open(path)?;
        let mut second = AudioReader::open(path)?;
        let rate = first.info().sample_rate;
        self.get(rate)
            .map_err(|e| in_file(path, e))?
            .extract_stream(&mut first, &mut second)
    }
}

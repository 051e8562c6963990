//! The feature extractor: plans and tables built once per (sample rate, framing), frames streamed
//! through them without per-frame allocation.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use audio_io::{AudioReader, BlockSource, MonoSignal, Recorder};
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

use crate::frame_spec::{FrameSpec, Framing};
use crate::matrix::{FeatureMatrix, CHROMA_COLUMNS, CHROMA_STD_COLUMN, MFCC_COLUMNS, N_FEATURES};
use crate::mfcc::MfccBank;
use crate::normalisation::{Normalisation, SignalStats};
use crate::pyaa::{chroma_std, PyaaChroma, N_CHROMA};
use crate::spectral::{
    spectral_centroid_spread, spectral_flux, spectral_rolloff, spectrum_sums, SpectrumSums,
};
use crate::time_domain::{
    block_energies, block_entropy, energy, zero_crossing_rate, ENTROPY_BLOCKS,
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

/// Two frames share one complex FFT only if their energies (`sum x^2`) are within this factor of
/// each other: the packed transform spreads rounding noise of order `eps * ||a + i b||` over both
/// spectra, so a near-silent frame next to a loud one is analysed alone (its spectrum then keeps
/// the plain real FFT's noise floor, as the reference's).
const PAIR_ENERGY_RATIO: f64 = 1e-2;

/// Time-domain features of a frame and its `sum x^2`, kept while it waits for its FFT partner.
#[derive(Debug, Clone, Copy, Default)]
struct TimeFeatures {
    zcr: f64,
    energy: f64,
    entropy: f64,
    sum_sq: f64,
}

impl TimeFeatures {
    fn of(frame: &[f64]) -> Self {
        let mut blocks = [0.0; ENTROPY_BLOCKS];
        let sum_sq = block_energies(frame, &mut blocks);
        TimeFeatures {
            zcr: zero_crossing_rate(frame),
            energy: energy(sum_sq, frame.len()),
            entropy: block_entropy(&blocks, sum_sq),
            sum_sq,
        }
    }
}

/// Per-frame machinery: FFT plans and buffers, tables, the previous spectrum (for the flux).
///
/// For an odd window W (44.1 kHz: 2205), realfft computes a full complex FFT of length W per
/// frame; two consecutive frames a, b are then packed into one complex FFT of `z = a + i b` and
/// separated with `A_k = (Z_k + conj Z_{W-k}) / 2`, `B_k = (Z_k - conj Z_{W-k}) / (2i)`
/// (index mod W): half a complex FFT per frame. Even windows use one real FFT per frame
/// (realfft already does a half-length complex FFT there).
struct FrameAnalyser {
    sample_rate: f64,
    fft: Arc<dyn RealToComplex<f64>>,
    fft_in: Vec<f64>,
    fft_out: Vec<Complex<f64>>,
    fft_scratch: Vec<Complex<f64>>,
    /// The complex FFT of length W for packed pairs (odd windows only).
    packed_fft: Option<Arc<dyn Fft<f64>>>,
    packed: Vec<Complex<f64>>,
    packed_scratch: Vec<Complex<f64>>,
    /// Time-domain features of the frame waiting in `packed[..].re`.
    pending: TimeFeatures,
    spectrum: Vec<f64>,
    /// The second spectrum of a packed pair, until its turn.
    second: Vec<f64>,
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
        let window = framing.window();
        let fs = f64::from(framing.sample_rate());
        let chroma = PyaaChroma::new(framing.sample_rate(), window)?;
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
        let packed_fft = (window % 2 == 1).then(|| FftPlanner::new().plan_fft_forward(window));
        let (packed, packed_scratch) = match &packed_fft {
            Some(p) => (
                vec![Complex::default(); window],
                vec![Complex::default(); p.get_inplace_scratch_len()],
            ),
            None => (Vec::new(), Vec::new()),
        };
        Ok(FrameAnalyser {
            sample_rate: fs,
            fft_in: fft.make_input_vec(),
            fft_out: fft.make_output_vec(),
            fft_scratch: fft.make_scratch_vec(),
            fft,
            packed_fft,
            packed,
            packed_scratch,
            pending: TimeFeatures::default(),
            spectrum: vec![0.0; nfft],
            second: vec![0.0; nfft],
            previous: vec![0.0; nfft],
            previous_sum: 0.0,
            has_previous: false,
            bin_freqs,
            mfcc,
            chroma,
            features: [0.0; N_FEATURES],
        })
    }

    /// True if frames are analysed in packed pairs.
    fn pairs(&self) -> bool {
        self.packed_fft.is_some()
    }

    /// Computes the 34 features of one normalised frame (length W) into `self.features` and its
    /// spectrum into `self.previous` (swapped in for the next frame's flux).
    fn analyse(&mut self, frame: &[f64]) -> Result<(), FeatureError> {
        let time = TimeFeatures::of(frame);
        self.fft_in.copy_from_slice(frame);
        self.real_spectrum()?;
        self.spectral_features(time);
        Ok(())
    }

    /// One real FFT of `fft_in`; `spectrum` = `X_k = |F_k| / nfft` for k < nfft.
    fn real_spectrum(&mut self) -> Result<(), FeatureError> {
        self.fft
            .process_with_scratch(&mut self.fft_in, &mut self.fft_out, &mut self.fft_scratch)
            .map_err(FeatureError::Fft)?;
        let inv_nfft = 1.0 / self.spectrum.len() as f64;
        for (x, c) in self.spectrum.iter_mut().zip(&self.fft_out) {
            *x = (c.re * c.re + c.im * c.im).sqrt() * inv_nfft;
        }
        Ok(())
    }

    /// Stores the first frame of a pair (odd windows only) until its partner arrives.
    fn hold(&mut self, frame: &[f64]) {
        self.pending = TimeFeatures::of(frame);
        for (z, &a) in self.packed.iter_mut().zip(frame) {
            *z = Complex::new(a, 0.0);
        }
    }

    /// Analyses the held frame and `frame` (its successor), calling `emit` after each with the
    /// features in `self.features` and the spectrum in `self.previous`.
    fn analyse_pair(
        &mut self,
        frame: &[f64],
        mut emit: impl FnMut(&Self),
    ) -> Result<(), FeatureError> {
        let first = self.pending;
        let time = TimeFeatures::of(frame);
        let (lo, hi) = if first.sum_sq < time.sum_sq {
            (first.sum_sq, time.sum_sq)
        } else {
            (time.sum_sq, first.sum_sq)
        };
        let Some(packed_fft) = self
            .packed_fft
            .as_ref()
            .filter(|_| lo >= PAIR_ENERGY_RATIO * hi)
        else {
            // Energies too far apart: one real FFT each.
            for (d, z) in self.fft_in.iter_mut().zip(&self.packed) {
                *d = z.re;
            }
            self.real_spectrum()?;
            self.spectral_features(first);
            emit(self);
            self.fft_in.copy_from_slice(frame);
            self.real_spectrum()?;
            self.spectral_features(time);
            emit(self);
            return Ok(());
        };
        for (z, &b) in self.packed.iter_mut().zip(frame) {
            z.im = b;
        }
        packed_fft.process_with_scratch(&mut self.packed, &mut self.packed_scratch);
        let w = self.packed.len();
        let scale = 0.5 / self.spectrum.len() as f64;
        let z = &self.packed;
        for (k, (a, b)) in self.spectrum.iter_mut().zip(&mut self.second).enumerate() {
            let (p, q) = (z[k], z[if k == 0 { 0 } else { w - k }]);
            let (ar, ai) = (p.re + q.re, p.im - q.im);
            let (br, bi) = (p.im + q.im, p.re - q.re);
            *a = (ar * ar + ai * ai).sqrt() * scale;
            *b = (br * br + bi * bi).sqrt() * scale;
        }
        self.spectral_features(first);
        emit(self);
        std::mem::swap(&mut self.spectrum, &mut self.second);
        self.spectral_features(time);
        emit(self);
        Ok(())
    }

    /// The 34 features from the time-domain ones and the magnitude spectrum in `self.spectrum`;
    /// the spectrum then moves to `self.previous`.
    fn spectral_features(&mut self, time: TimeFeatures) {
        let f = &mut self.features;
        f[0] = time.zcr;
        f[1] = time.energy;
        f[2] = time.entropy;

        let mut blocks = [0.0; ENTROPY_BLOCKS];
        let x = &self.spectrum;
        let SpectrumSums {
            max: max_x,
            sum: sum_x,
            sum_f: sum_fx,
            sum_sq,
        } = spectrum_sums(x, &self.bin_freqs, &mut blocks);

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
    }
}

/// Computes pyAudioAnalysis's 34 short-term features (and optionally their deltas) for signals of
/// one sample rate and framing.
///
/// Built once per (sample rate, [`FrameSpec`]): the real FFT plan (shared `Arc`), for an odd
/// window also the complex FFT plan that analyses two frames at once (half a complex FFT per
/// frame), their buffers, the sparse MFCC filterbank, the DCT matrix and the chroma bin map are
/// made here and reused for every frame of every signal; the per-frame path allocates nothing.
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

    /// As [`FeatureExtractor::new`], planning the real FFT with a caller's planner (which caches
    /// plans across extractors; the packed complex plan of an odd window is planned here).
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

    /// Features of a file, streamed with bounded memory, in two passes (pass 1: mean and peak;
    /// pass 2: frames as blocks arrive). A file whose samples fit in
    /// [`audio_io::DEFAULT_REPLAY_BYTES`] is decoded once ([`Recorder`]); a longer one twice.
    pub fn extract_file(&mut self, path: impl AsRef<Path>) -> Result<FeatureMatrix, FeatureError> {
        let mut first = Recorder::new(AudioReader::open(path.as_ref())?);
        let scale = first.info().raw_scale();
        let stats = self.first_pass(&mut first, scale)?;
        let mut second = first.replay()?;
        self.matrix_pass(&mut second, &stats, scale)
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
        self.check_rate(second.info())?;
        let stats = self.first_pass(first, raw_scale)?;
        self.matrix_pass(second, &stats, raw_scale)
    }

    /// Pass 1: the mean and peak of `first`'s samples (brought to the raw scale by `raw_scale`).
    fn first_pass<S: BlockSource>(
        &self,
        first: &mut S,
        raw_scale: f64,
    ) -> Result<SignalStats, FeatureError> {
        self.check_rate(first.info())?;
        let mut stats = SignalStats::new();
        while let Some(block) = first.next_block()? {
            stats
                .push(block, raw_scale)
                .map_err(|e| in_file(&first.info().path, e))?;
        }
        Ok(stats)
    }

    /// Pass 2 into a matrix: the frames of `second`, which must hold the samples pass 1 saw.
    fn matrix_pass<S: BlockSource>(
        &mut self,
        second: &mut S,
        stats: &SignalStats,
        raw_scale: f64,
    ) -> Result<FeatureMatrix, FeatureError> {
        self.check_rate(second.info())?;
        let path = second.info().path.clone();
        let mut matrix = self.empty_matrix(stats).map_err(|e| in_file(&path, e))?;
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

    /// Streams the feature rows of a file to `on_row` as they are computed (34 values, or 68
    /// with [`with_deltas`](Self::with_deltas), in [`crate::column_names`] order), in two passes
    /// as [`extract_file`](Self::extract_file) does (one decode for a short file) but keeping no
    /// row: beyond the kept samples of a short file, memory is bounded by one window. Stops at the first error of `on_row`. Returns
    /// the number of rows.
    pub fn stream_file<E: From<FeatureError>>(
        &mut self,
        path: impl AsRef<Path>,
        on_row: impl FnMut(&[f64]) -> Result<(), E>,
    ) -> Result<usize, E> {
        let mut first =
            Recorder::new(AudioReader::open(path.as_ref()).map_err(FeatureError::from)?);
        let scale = first.info().raw_scale();
        let stats = self.first_pass(&mut first, scale)?;
        let mut second = first.replay().map_err(FeatureError::from)?;
        self.rows_pass(&mut second, &stats, scale, on_row)
    }

    /// As [`stream_file`](Self::stream_file) for a stream read twice (see
    /// [`extract_stream_scaled`](Self::extract_stream_scaled)).
    pub fn stream_rows<S: BlockSource, E: From<FeatureError>>(
        &mut self,
        first: &mut S,
        second: &mut S,
        raw_scale: f64,
        on_row: impl FnMut(&[f64]) -> Result<(), E>,
    ) -> Result<usize, E> {
        self.check_rate(second.info())?;
        let stats = self.first_pass(first, raw_scale)?;
        self.rows_pass(second, &stats, raw_scale, on_row)
    }

    /// Pass 2 to `on_row`: the rows of `second`, which must hold the samples pass 1 saw.
    fn rows_pass<S: BlockSource, E: From<FeatureError>>(
        &mut self,
        second: &mut S,
        stats: &SignalStats,
        raw_scale: f64,
        mut on_row: impl FnMut(&[f64]) -> Result<(), E>,
    ) -> Result<usize, E> {
        self.check_rate(second.info())?;
        let path = second.info().path.clone();
        self.check_long_enough(stats)
            .map_err(|e| in_file(&path, e))?;
        let with_deltas = self.deltas;
        let mut deltas = crate::DeltaRows::new();
        let mut failed: Option<E> = None;
        let mut stream = self.frame_stream(stats.normalisation(raw_scale));
        while let Some(block) = second.next_block().map_err(FeatureError::from)? {
            stream
                .push_block(block, |frame| {
                    if failed.is_some() {
                        return;
                    }
                    let row: &[f64] = if with_deltas {
                        deltas.push(frame.features)
                    } else {
                        frame.features
                    };
                    if let Err(e) = on_row(row) {
                        failed = Some(e);
                    }
                })
                .map_err(|e| in_file(&path, e))?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
        if stream.samples() != stats.len() {
            return Err(FeatureError::StreamChanged {
                path,
                first: stats.len(),
                second: stream.samples(),
            }
            .into());
        }
        Ok(stream.frames())
    }

    /// An empty matrix sized for the signal pass 1 saw, or [`FeatureError::SignalTooShort`].
    fn empty_matrix(&self, stats: &SignalStats) -> Result<FeatureMatrix, FeatureError> {
        let framing = self.framing;
        self.check_long_enough(stats)?;
        // Reserve exactly (pass 1 knows N), capped so an absurd stream cannot reserve absurd memory.
        let frames = framing.n_frames(stats.len()).min(1 << 22) as usize;
        Ok(FeatureMatrix::with_capacity(framing, self.deltas, frames))
    }

    /// [`FeatureError::SignalTooShort`] if pass 1 saw less than one window.
    fn check_long_enough(&self, stats: &SignalStats) -> Result<(), FeatureError> {
        let window = self.framing.window();
        if stats.len() < window as u64 {
            return Err(FeatureError::SignalTooShort {
                samples: stats.len(),
                window,
            });
        }
        Ok(())
    }

    /// Starts pass 2 of a signal whose pass-1 [`SignalStats`] gave `normalisation`: push blocks
    /// of samples (in the scale the normalisation expects) and receive each [`Frame`] in order.
    /// Memory is bounded by one window whatever the block sizes.
    ///
    /// With an odd window, a completed frame waits for the next one to share its FFT (see
    /// [`FrameStream::push_block`]); the frame count comes from `normalisation.samples()`, so the
    /// last frame is emitted as soon as it is complete. If the stream turns out shorter than pass 1
    /// (compare [`FrameStream::samples`], as every caller must), its last frame may stay unemitted.
    pub fn frame_stream(&mut self, normalisation: Normalisation) -> FrameStream<'_> {
        self.analyser.has_previous = false;
        let expected = self.framing.n_frames(normalisation.samples());
        FrameStream {
            extractor: self,
            normalisation,
            filled: 0,
            skip: 0,
            samples: 0,
            completed: 0,
            expected,
            holding: false,
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
    /// Frames whose samples are all in.
    completed: u64,
    /// Frames of the signal pass 1 announced.
    expected: u64,
    /// True while a completed frame waits for its FFT partner.
    holding: bool,
    /// Frames handed to the callback.
    frames: usize,
}

impl FrameStream<'_> {
    /// Feeds the next block; calls `on_frame` for every frame it completes, in order.
    ///
    /// With an odd window, frames are analysed in pairs (0, 1), (2, 3), ... sharing one complex
    /// FFT, so a completed even-numbered frame is emitted together with its successor (a block
    /// may emit the frame completed by the previous block); the last frame, if unpaired, gets
    /// its own real FFT. The pairing depends only on frame numbers, so the result does not
    /// depend on how the signal is cut into blocks.
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
                let index = self.completed;
                self.completed += 1;
                let ex = &mut *self.extractor;
                let frames = &mut self.frames;
                let mut emit = |a: &FrameAnalyser| {
                    on_frame(Frame {
                        index: *frames,
                        features: &a.features,
                        spectrum: &a.previous,
                    });
                    *frames += 1;
                };
                if self.holding {
                    self.holding = false;
                    ex.analyser.analyse_pair(&ex.window, emit)?;
                } else if ex.analyser.pairs() && index + 1 < self.expected {
                    ex.analyser.hold(&ex.window);
                    self.holding = true;
                } else {
                    ex.analyser.analyse(&ex.window)?;
                    emit(&ex.analyser);
                }
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

    /// Frames handed to the callback so far (a completed frame may still wait for its FFT
    /// partner).
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
        let rate = AudioReader::open(path)?.info().sample_rate;
        self.get(rate)
            .map_err(|e| in_file(path, e))?
            .extract_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic test signal: two tones and some xorshift noise, peak about 1.
    fn signal(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed | 1;
        (0..n)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                let t = i as f64 / 44_100.0;
                0.5 * (2.0 * std::f64::consts::PI * 330.0 * t).sin()
                    + 0.2 * (2.0 * std::f64::consts::PI * 2_750.0 * t).sin()
                    + 0.1 * noise
            })
            .collect()
    }

    /// Features of `frames` (consecutive) analysed one real FFT each, then as packed pairs.
    fn single_and_paired(frames: &[Vec<f64>]) -> (Vec<[f64; N_FEATURES]>, Vec<[f64; N_FEATURES]>) {
        let framing = FrameSpec::default().resolve(44_100).expect("framing");
        let plan = || RealFftPlanner::<f64>::new().plan_fft_forward(framing.window());
        let mut single = FrameAnalyser::new(framing, plan()).expect("analyser");
        let mut paired = FrameAnalyser::new(framing, plan()).expect("analyser");
        assert!(paired.pairs(), "W = 2205 is odd");
        let mut a = Vec::new();
        for f in frames {
            single.analyse(f).expect("fft");
            a.push(single.features);
        }
        let mut b = Vec::new();
        for pair in frames.chunks_exact(2) {
            paired.hold(&pair[0]);
            paired
                .analyse_pair(&pair[1], |p| b.push(p.features))
                .expect("fft");
        }
        (a, b)
    }

    #[test]
    fn packed_pairs_match_one_real_fft_per_frame() {
        let x = signal(2205 * 6, 7);
        let frames: Vec<Vec<f64>> = (0..10)
            .map(|i| x[i * 1102..i * 1102 + 2205].to_vec())
            .collect();
        let (single, paired) = single_and_paired(&frames);
        assert_eq!(single.len(), paired.len());
        for j in 0..N_FEATURES {
            let scale = single.iter().fold(0.0f64, |m, r| m.max(r[j].abs()));
            for (i, (s, p)) in single.iter().zip(&paired).enumerate() {
                // Only FFT rounding differs: far below the golden tolerance (1e-6 of scale).
                assert!(
                    (s[j] - p[j]).abs() <= 1e-11 * scale + 1e-14,
                    "frame {i} column {j}: {} vs {}",
                    s[j],
                    p[j]
                );
            }
        }
    }

    #[test]
    fn near_silent_frame_next_to_loud_one_gets_its_own_fft() {
        let loud = signal(2205, 3);
        // A DC-only (silent after mean removal elsewhere) frame, and a very quiet one.
        let quiet: Vec<f64> = signal(2205, 5).iter().map(|v| 1e-4 * v - 0.01).collect();
        for frames in [
            vec![vec![-0.01; 2205], loud.clone()],
            vec![loud.clone(), quiet.clone()],
        ] {
            let (single, paired) = single_and_paired(&frames);
            // Energies 1e2 or more apart: same arithmetic as the single path, bit for bit.
            assert_eq!(single, paired);
        }
        // Comparable energies do share an FFT (and differ from the single path only in rounding).
        let (single, paired) = single_and_paired(&[loud.clone(), signal(2205, 11)]);
        assert_ne!(single, paired, "expected the packed path");
    }
}

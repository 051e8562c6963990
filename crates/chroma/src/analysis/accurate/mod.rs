//! The accurate chroma: spectral peaks at their interpolated true frequency, summed into the
//! pitch class of that frequency (equal temperament; A4 estimated from the file's own peaks by
//! default, see [`crate::TuningHistogram`], or fixed).
//!
//! The files, one job each:
//! - `mod.rs`: [`AccurateChroma`], the stream: samples in, frames out; the held frames while
//!   the tuning is estimated, then measured against it;
//! - `params.rs`: [`AccurateParams`] and its bounds ([`MAX_N_FFT`]);
//! - `frame.rs`: one frame's analysis (its sums, the AVX2 dispatch, peak picking with
//!   parabolic interpolation, each peak's weights into the chroma and the key chroma);
//! - `packed_fft.rs`: the window and the real frame's power spectrum from a complex FFT of half
//!   its length;
//! - `pitch_weights.rs`: the harmonic summation's offsets and HPCP's cos² weighting;
//! - `tests.rs`: the unit tests.

use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::analysis::chromagram::{ChromaFrame, Chromagram};
use crate::analysis::harmonics;
use crate::analysis::lanes::{exp4, ln4, F64x4, LANES};
use crate::analysis::tuning::{cents_of_a4, Tuning, TuningHistogram};
use crate::error::ChromaError;

mod frame;
mod packed_fft;
mod params;
mod pitch_weights;
#[cfg(test)]
mod tests;

pub use params::{AccurateParams, MAX_N_FFT};

use frame::semitone_table;
use packed_fft::{hann, unpacking_twiddles};
use params::MAX_RESERVED_FRAMES;
use pitch_weights::{add_key_peak, harmonic_groups};

/// Streaming accurate-chroma analyser for one sample rate: the FFT plan, window, scratch
/// buffers and harmonic offsets are built once in [`AccurateChroma::new`]; [`push`](Self::push)
/// allocates nothing per frame (beyond the chromagram's amortised growth and, while the tuning
/// is being estimated, the held peaks).
pub struct AccurateChroma {
    params: AccurateParams,
    sample_rate: u32,
    n_fft: usize,
    hop: usize,
    k_lo: usize,
    k_hi: usize,
    /// The complex FFT of `n_fft / 2` points that transforms a real frame packed as pairs
    /// (`packed[j] = (x[2j], x[2j+1])`); [`power_of_packed`] unpacks its output into the real
    /// frame's power spectrum.
    /// In single precision: twice as fast as double, and its rounding (about 1e-7 of the
    /// spectrum's peak) is far below the -60 dB peak floor (1e-3 of the peak's amplitude).
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f64>,
    /// Samples of the frame being filled, from `start` (`len - start < n_fft` between calls):
    /// consecutive frames overlap, so the buffer is compacted (the unfinished frame moved to
    /// its front) only when it is full, [`pending_capacity`] samples, not moved by a hop per
    /// frame.
    pending: Vec<f64>,
    start: usize,
    /// The windowed frame, packed as pairs of samples (the FFT's input, then its scratch).
    packed: Vec<Complex<f32>>,
    /// The FFT of `packed`.
    half_spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// `exp(-2 pi i k / n_fft) / 2` for `k = 1..n_fft/4`: the unpacking's twiddle factors.
    twiddles: Vec<Complex<f64>>,
    /// Sums of the samples and of their squares in the last four hops of the stream
    /// (`block_sums[b % 4]` for block `b`, samples `b hop .. (b + 1) hop`): a frame is four
    /// blocks, so each sample is summed once instead of once for each of its four frames.
    block_sums: [(f64, f64); 4],
    /// Full frames analysed since the stream began (frame `t` starts at sample `t hop`).
    frames_analysed: u64,
    power: Vec<f64>,
    /// The harmonic summation, grouped: `(fraction, semitones, weight)` where the offsets
    /// `-12 log2 h` of the harmonics h = 1..=harmonics are split into a fraction in (-0.5, 0.5]
    /// and a whole number of semitones (mod 12), and the weights `decay^(h-1)` of harmonics that
    /// share both (h = 1, 2, 4, 8, 16: fraction 0, same pitch class) are summed, so those need
    /// one cosine weighting instead of one each.
    harmonic_offsets: Vec<(f64, usize, f64)>,
    /// `12 log2(k fs / n_fft / pitch_ref_hz)`: the pitch of bin `k` (`0..=k_hi`).
    semis_of_bin: Vec<f64>,
    /// The current frame's peaks: (semitones from `pitch_ref_hz`, weight `P^(exponent/2)`).
    peaks: Vec<(f64, f64)>,
    /// The current frame's peaks' weights in the key's chroma ([`harmonics::HarmonicSuppressor`]: 0
    /// for an upper partial of a lower peak).
    key_weights: Vec<f64>,
    suppressor: harmonics::HarmonicSuppressor,
    /// Scratch for [`find_peaks`](Self::find_peaks): one slot per bin `k_lo..=k_hi`.
    candidates: Vec<u32>,
    /// A4 the peaks' pitches are first measured against: the fixed A4, else 440 Hz.
    pitch_ref_hz: f64,
    tuning: TuningState,
    out: Chromagram,
    samples_seen: u64,
    /// Frames handed to a `push_frames` callback since the stream began.
    frames_out: u64,
}

/// The tuning of the stream being analysed: known from the start (fixed), or being estimated
/// from held frames.
#[derive(Debug, Default)]
struct TuningState {
    /// Semitones subtracted from every peak's pitch before the chroma; `None` while estimating.
    shift: Option<f64>,
    histogram: TuningHistogram,
    /// Peaks of the held frames, back to back, as (semitones, weight, key weight).
    held_peaks: Vec<(f32, f32, f32)>,
    /// One per held frame: (end of its peaks in `held_peaks`, frame energy).
    held_frames: Vec<(usize, f64)>,
    /// Frames held at most before the tuning is decided.
    max_held_frames: usize,
}

impl std::fmt::Debug for AccurateChroma {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccurateChroma")
            .field("params", &self.params)
            .field("sample_rate", &self.sample_rate)
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .finish_non_exhaustive()
    }
}

impl AccurateChroma {
    /// Plans the analysis for `sample_rate`; fails on invalid parameters.
    pub fn new(sample_rate: u32, params: &AccurateParams) -> Result<Self, ChromaError> {
        params.validate(sample_rate)?;
        let n_fft = params.n_fft(sample_rate);
        let hop = n_fft / 4;
        let fs = sample_rate as f64;
        let k_lo = ((params.fmin_hz * n_fft as f64 / fs).ceil() as usize).max(1);
        let k_hi = ((params.fmax_hz * n_fft as f64 / fs).floor() as usize).min(n_fft / 2 - 1);
        if k_lo > k_hi {
            return Err(ChromaError::InvalidParameter {
                name: "fmin_hz",
                value: params.fmin_hz,
                reason: "leaves no FFT bin below fmax_hz and Nyquist",
            });
        }
        let fft = FftPlanner::<f32>::new().plan_fft_forward(n_fft / 2);
        let window = hann(n_fft);
        let harmonic_offsets = harmonic_groups(params.harmonics, params.harmonic_decay);
        let pitch_ref_hz = params.tuning.fixed_a4_hz().unwrap_or(440.0);
        let max_held_frames = match params.tuning {
            Tuning::Estimate { window_s } => ((window_s * fs / hop as f64).ceil() as usize).max(1),
            Tuning::Fixed { .. } | Tuning::A4 { .. } => 0,
        };
        let mut analyser = AccurateChroma {
            params: *params,
            sample_rate,
            n_fft,
            hop,
            k_lo,
            k_hi,
            window,
            pending: Vec::with_capacity(pending_capacity(n_fft)),
            start: 0,
            packed: vec![Complex::default(); n_fft / 2],
            half_spectrum: vec![Complex::default(); n_fft / 2],
            scratch: vec![Complex::default(); fft.get_outofplace_scratch_len()],
            twiddles: unpacking_twiddles(n_fft),
            block_sums: [(0.0, 0.0); 4],
            frames_analysed: 0,
            power: vec![0.0; n_fft / 2 + 1],
            fft,
            harmonic_offsets,
            peaks: Vec::with_capacity(n_fft / 4),
            key_weights: Vec::with_capacity(n_fft / 4),
            suppressor: harmonics::HarmonicSuppressor::default(),
            candidates: vec![0; k_hi - k_lo + 1],
            semis_of_bin: semitone_table(k_hi, fs / n_fft as f64, pitch_ref_hz),
            pitch_ref_hz,
            tuning: TuningState {
                max_held_frames,
                ..TuningState::default()
            },
            out: Chromagram::new(hop as f64 / fs),
            samples_seen: 0,
            frames_out: 0,
        };
        analyser.reset_stream();
        Ok(analyser)
    }

    /// Window (= FFT) length in samples.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Hop between frames in samples (`n_fft / 4`).
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// The sample rate this analyser was planned for.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Reserves chromagram rows for a stream of `n_samples` samples (at most 2^16 frames: the
    /// count may come from an unproven header; the chromagram grows past it as frames arrive).
    pub fn reserve_for(&mut self, n_samples: u64) {
        let frames = (n_samples / self.hop as u64).saturating_add(1);
        self.out.reserve(frames.min(MAX_RESERVED_FRAMES) as usize);
    }

    /// As [`push`](Self::push), but each frame completed so far goes to `on_frame` (its
    /// chroma, key chroma, energy and start, in order) instead of staying in the analyser's
    /// chromagram, so a stream of any length is analysed in bounded memory: only the frames of
    /// the tuning window (`Tuning::Estimate`'s `window_s`) are held until the tuning is known.
    /// End such a stream with [`finish_frames`](Self::finish_frames).
    pub fn push_frames(&mut self, block: &[f64], mut on_frame: impl FnMut(&ChromaFrame)) {
        self.push(block);
        self.frames_out += self.out.drain_frames(self.frames_out, &mut on_frame) as u64;
    }

    /// Ends a stream fed with [`push_frames`](Self::push_frames): the frames still held go to
    /// `on_frame` (a stream shorter than one window gives one zero-padded frame, none if it was
    /// empty). Returns the tuning used, in cents from A4 = 440 Hz. The analyser is reset for the
    /// next stream.
    pub fn finish_frames(&mut self, mut on_frame: impl FnMut(&ChromaFrame)) -> f64 {
        let first = self.frames_out;
        let mut gram = self.finish();
        gram.drain_frames(first, &mut on_frame);
        gram.tuning_cents()
    }

    /// Seconds between the starts of consecutive frames (`hop / sample_rate`).
    pub fn hop_s(&self) -> f64 {
        self.hop as f64 / self.sample_rate as f64
    }

    /// Feeds the next block of mono samples (any length); frames start at 0, hop, 2 hop, ...
    pub fn push(&mut self, block: &[f64]) {
        self.samples_seen += block.len() as u64;
        let mut rest = block;
        while !rest.is_empty() {
            let take = (self.n_fft - (self.pending.len() - self.start)).min(rest.len());
            if self.pending.len() + take > pending_capacity(self.n_fft) {
                self.pending.drain(..self.start);
                self.start = 0;
            }
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() - self.start == self.n_fft {
                self.analyse_pending();
                self.start += self.hop;
            }
        }
    }

    /// Ends the stream and returns its chromagram (with the tuning it used,
    /// [`Chromagram::tuning_cents`]); the analyser is reset for the next stream.
    /// A stream shorter than one window gives one zero-padded frame (none if it was empty).
    pub fn finish(&mut self) -> Chromagram {
        if self.out.n_frames() == 0
            && self.frames_out == 0
            && self.tuning.held_frames.is_empty()
            && self.pending.len() > self.start
        {
            let real = self.pending.len() - self.start;
            self.pending.resize(self.start + self.n_fft, 0.0);
            self.analyse_frame_of(real);
        }
        if self.tuning.shift.is_none() {
            self.decide_tuning();
        }
        let cents = cents_of_a4(self.pitch_ref_hz) + 100.0 * self.tuning.shift.unwrap_or(0.0);
        self.out.set_tuning_cents(cents);
        self.pending.clear();
        self.start = 0;
        self.samples_seen = 0;
        self.frames_out = 0;
        self.frames_analysed = 0;
        let gram = std::mem::replace(
            &mut self.out,
            Chromagram::new(self.hop as f64 / self.sample_rate as f64),
        );
        self.reset_stream();
        gram
    }

    /// The parameters this analyser was planned with.
    pub fn params(&self) -> &AccurateParams {
        &self.params
    }

    /// Drops any stream in progress (samples, frames, tuning state), keeping the plan and
    /// buffers, so the analyser can start the next stream (as after [`finish`](Self::finish)).
    pub fn reset(&mut self) {
        self.pending.clear();
        self.start = 0;
        self.out = Chromagram::new(self.hop as f64 / self.sample_rate as f64);
        self.samples_seen = 0;
        self.frames_out = 0;
        self.frames_analysed = 0;
        self.reset_stream();
    }

    /// Convenience: the chromagram of a whole signal (resets any pending stream first).
    pub fn chromagram(&mut self, samples: &[f64]) -> Chromagram {
        self.reset();
        self.reserve_for(samples.len() as u64);
        self.push(samples);
        self.finish()
    }

    /// Total samples pushed since the last `finish`.
    pub fn samples_seen(&self) -> u64 {
        self.samples_seen
    }

    /// Forgets the tuning state of the previous stream.
    fn reset_stream(&mut self) {
        let t = &mut self.tuning;
        t.histogram = TuningHistogram::new();
        t.held_peaks.clear();
        t.held_frames.clear();
        t.shift = match self.params.tuning {
            Tuning::Fixed { .. } | Tuning::A4 { .. } => Some(0.0),
            Tuning::Estimate { .. } => None,
        };
    }

    /// Estimates the tuning from the histogram so far (0 cents without pitched content) and
    /// computes the chroma of the held frames with it.
    #[inline(always)]
    fn decide_tuning(&mut self) {
        let cents = self.tuning.histogram.estimate().map_or(0.0, |e| e.cents);
        let shift = cents / 100.0;
        self.tuning.shift = Some(shift);
        let mut start = 0;
        let held = std::mem::take(&mut self.tuning.held_frames);
        for &(end, energy) in &held {
            let mut chroma = [0.0f64; 12];
            let peaks = &self.tuning.held_peaks[start..end];
            self.add_peaks(&mut chroma, peaks.len(), |i| {
                let (semis, weight, _) = peaks[i];
                (f64::from(semis) - shift, f64::from(weight))
            });
            let mut key_chroma = [0.0f64; 12];
            for &(semis, _, key_weight) in peaks {
                add_key_peak(
                    &mut key_chroma,
                    f64::from(semis) - shift,
                    f64::from(key_weight),
                );
            }
            self.out.push_with_key(chroma, key_chroma, energy);
            start = end;
        }
        self.tuning.held_frames = held;
        self.tuning.held_frames.clear();
        self.tuning.held_peaks.clear();
    }

    fn analyse_pending(&mut self) {
        self.analyse_frame_of(self.n_fft);
        self.frames_analysed += 1;
    }
}

/// Samples the buffer of pending samples holds for windows of `n_fft`: a window plus 64 Ki
/// samples (512 KB) or a second window if longer. Each compaction moves less than a window, so
/// at 44.1 kHz (8192-sample windows) it moves about one sample in ten pushed instead of three
/// in four with room for two windows only.
fn pending_capacity(n_fft: usize) -> usize {
    n_fft + n_fft.max(1 << 16)
}

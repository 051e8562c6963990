//! The accurate chroma: spectral peaks at their interpolated true frequency, summed into the
//! pitch class of that frequency (equal temperament; A4 estimated from the file's own peaks by
//! default, see [`crate::analysis::tuning`], or fixed).

use std::f64::consts::PI;
use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use crate::analysis::chromagram::{ChromaFrame, Chromagram};
use crate::analysis::harmonics;
use crate::analysis::lanes::{exp4, ln4, F64x4, LANES};
use crate::analysis::tuning::{cents_of_a4, Tuning, TuningHistogram};
use crate::error::ChromaError;

/// Longest window (= FFT length) [`AccurateChroma::new`] accepts: 2^21 samples (16 MB per
/// buffer; 10 s at 192 kHz). The window is sized from the sample rate, so it must be bounded
/// whatever a caller or a file header claims.
pub const MAX_N_FFT: usize = 1 << 21;

/// Most chromagram frames [`AccurateChroma::reserve_for`] reserves ahead of the data (2^16 rows,
/// 6.8 MB, about 50 min at 44.1 kHz); longer streams grow as their frames arrive.
const MAX_RESERVED_FRAMES: u64 = 1 << 16;

/// Parameters of the accurate chroma. Validated for a sample rate by [`AccurateChroma::new`].
///
/// Per frame of `n_fft` samples (the smallest power of two covering `min_window_s` seconds;
/// hop `n_fft / 4`), Hann-windowed, with power spectrum `P_k = |FFT(w x)_k|^2`:
/// 0. the frame's mean is subtracted before windowing (DC carries no pitch);
/// 1. peaks are the bins `k` with `P_{k-1} < P_k >= P_{k+1}`, `fmin_hz <= k fs / n_fft <= fmax_hz`
///    and `P_k >= max_j P_j * 10^(peak_floor_db / 10)` (strongest bin of the whole spectrum);
/// 2. each peak's frequency and power come from a parabola through `ln P` at `k-1, k, k+1`:
///    `d = (a - c) / (2 (a - 2b + c))`, `f = (k + d) fs / n_fft`, `P = exp(b - (a - c) d / 4)`;
/// 3. its pitch in semitones from A is `p = 12 log2(f / a4)`, where `a4` is the fixed A4 of
///    [`Tuning::Fixed`] or [`Tuning::A4`] and, with [`Tuning::Estimate`] (default), the file's own tuning
///    estimated from the offsets of all its peaks ([`TuningHistogram`]); pitch class `i` (0 = A) gets
///    `P^(exponent/2) cos^2(pi/2 * dist(p, i) / (2/3))` where `dist` is the circular distance in semitones
///    and the weight is 0 beyond 2/3 semitone (Essentia HPCP's 4/3-semitone cosine window);
/// 4. with `harmonics = H > 1`, the peak also adds `P^(exponent/2) decay^(h-1)` to the pitch
///    `p - 12 log2 h`
///    for `h = 2..=H` (HPCP harmonic summation: upper partials vote for their fundamental).
///
/// The transform is computed in single precision (rounding about 1e-7 of the strongest bin, far
/// below the peak floor), the rest in double; a full frame's mean is removed in the spectrum
/// (bins 0 and 1) rather than sample by sample, with the same result to that rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccurateParams {
    /// Whether A4 is estimated from the signal (default) or fixed, and where.
    pub tuning: Tuning,
    /// Lowest peak frequency used, Hz (default 26: just below A0 = 27.5 Hz minus 50 cents).
    pub fmin_hz: f64,
    /// Highest peak frequency used, Hz (default 5000, above C8 = 4186 Hz); capped at Nyquist.
    pub fmax_hz: f64,
    /// Shortest analysis window in seconds; `n_fft` is the next power of two of
    /// `min_window_s * fs` (default 0.15: 8192 samples = 186 ms at 44.1 kHz, 4096 at 22.05 kHz;
    /// bin spacing <= 6.7 Hz. A lone note's pitch is exact at any pitch thanks to the peak
    /// interpolation; two simultaneous notes a semitone apart separate above about 230 Hz
    /// (measured from A#3 up at 44.1 kHz), where a semitone exceeds the Hann main lobe's 2 bins).
    pub min_window_s: f64,
    /// Peaks weaker than the frame's strongest by more than this many dB are ignored (default -60).
    pub peak_floor_db: f64,
    /// Number of harmonics summed onto their fundamental (1 = none; default 4: with it, and
    /// `exponent` 1, the top note of the soft profile is the tonic on 6/6 corpus pieces in a
    /// major key, against 4/6 with neither). Side effect: a lone pure tone lends
    /// `decay^2 / (1 + decay + decay^2 + decay^3)` (17%) of its soft profile to the note a twelfth below
    /// (`f / 3`); its dominant note is unaffected.
    pub harmonics: usize,
    /// Weight factor per harmonic for the summation (default 0.6).
    pub harmonic_decay: f64,
    /// Each peak contributes `P^(exponent / 2)`: 2 sums power, 1 (default) sums magnitude,
    /// which keeps loud partials from outvoting the other notes of a chord.
    pub exponent: f64,
}

impl Default for AccurateParams {
    fn default() -> Self {
        AccurateParams {
            tuning: Tuning::default(),
            fmin_hz: 26.0,
            fmax_hz: 5000.0,
            min_window_s: 0.15,
            peak_floor_db: -60.0,
            harmonics: 4,
            harmonic_decay: 0.6,
            exponent: 1.0,
        }
    }
}

impl AccurateParams {
    /// The FFT (= window) length for a sample rate: `next_power_of_two(ceil(min_window_s * fs))`.
    pub fn n_fft(&self, sample_rate: u32) -> usize {
        let n = (self.min_window_s * sample_rate as f64).ceil().max(16.0) as usize;
        n.next_power_of_two()
    }

    fn validate(&self, sample_rate: u32) -> Result<(), ChromaError> {
        let bad = |name: &'static str, value: f64, reason: &'static str| {
            Err(ChromaError::InvalidParameter {
                name,
                value,
                reason,
            })
        };
        if sample_rate == 0 {
            return bad("sample_rate", 0.0, "must be positive");
        }
        if let Some(a4_hz) = self.tuning.fixed_a4_hz() {
            if !(a4_hz.is_finite() && a4_hz > 0.0) {
                return bad("a4_hz", a4_hz, "must be positive");
            }
        }
        if let Tuning::Estimate { window_s } = self.tuning {
            if !(window_s.is_finite() && window_s > 0.0) {
                return bad("tuning window_s", window_s, "must be positive");
            }
        }
        if !(self.fmin_hz.is_finite() && self.fmin_hz > 0.0) {
            return bad("fmin_hz", self.fmin_hz, "must be positive");
        }
        if self.fmax_hz.is_nan() || self.fmax_hz <= self.fmin_hz {
            return bad("fmax_hz", self.fmax_hz, "must exceed fmin_hz");
        }
        if self.fmin_hz >= sample_rate as f64 / 2.0 {
            return bad(
                "fmin_hz",
                self.fmin_hz,
                "must be below the Nyquist frequency",
            );
        }
        if !(self.min_window_s.is_finite() && self.min_window_s > 0.0 && self.min_window_s <= 10.0)
        {
            return bad("min_window_s", self.min_window_s, "must be in (0, 10] s");
        }
        if self.n_fft(sample_rate) > MAX_N_FFT {
            return bad(
                "min_window_s",
                self.min_window_s,
                "makes the window longer than MAX_N_FFT (2^21) samples at this rate",
            );
        }
        if !(self.peak_floor_db.is_finite() && self.peak_floor_db < 0.0) {
            return bad("peak_floor_db", self.peak_floor_db, "must be negative");
        }
        if !(self.exponent.is_finite() && self.exponent > 0.0 && self.exponent <= 4.0) {
            return bad("exponent", self.exponent, "must be in (0, 4]");
        }
        if self.harmonics == 0 || self.harmonics > MAX_HARMONICS {
            return bad("harmonics", self.harmonics as f64, "must be in 1..=16");
        }
        if !(self.harmonic_decay.is_finite() && (0.0..=1.0).contains(&self.harmonic_decay)) {
            return bad("harmonic_decay", self.harmonic_decay, "must be in [0, 1]");
        }
        Ok(())
    }
}

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

    /// Sums of the samples and of their squares over the full frame at `start` (frame
    /// `frames_analysed`), from the sums of its four hops; only its last hop is new (all four
    /// for a stream's first frame).
    #[inline(always)]
    fn frame_sums(&mut self) -> (f64, f64) {
        let t = self.frames_analysed;
        let new_blocks = if t == 0 { 0..4 } else { 3..4 };
        for j in new_blocks {
            let from = self.start + j * self.hop;
            self.block_sums[((t + j as u64) % 4) as usize] =
                lane_sums(&self.pending[from..from + self.hop]);
        }
        // In stream order, so the sum does not depend on where the ring starts.
        (t..t + 4).fold((0.0, 0.0), |(s, q), b| {
            let (bs, bq) = self.block_sums[(b % 4) as usize];
            (s + bs, q + bq)
        })
    }

    /// [`analyse_frame_of_plain`](Self::analyse_frame_of_plain), built a second time with AVX2
    /// enabled and run so when the CPU has it: the lane-by-lane loops of the frame's analysis
    /// (windowing, unpacking, peaks, `ln`/`exp`, pitch-class weights) then compile to 256-bit
    /// vector instructions instead of 128-bit ones. No fused multiply-add is enabled, so both
    /// builds give bit-identical results.
    fn analyse_frame_of(&mut self, real: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2")]
            fn avx2(analyser: &mut AccurateChroma, real: usize) {
                analyser.analyse_frame_of_plain(real)
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above), the only requirement of
                // calling a function built with it.
                #[allow(unsafe_code)]
                return unsafe { avx2(self, real) };
            }
        }
        self.analyse_frame_of_plain(real)
    }

    /// Analyses `pending` (exactly n_fft samples, of which the first `real` are signal).
    #[inline(always)]
    fn analyse_frame_of_plain(&mut self, real: usize) {
        // The frame's mean (DC) is removed: it carries no pitch, and its window leakage would
        // otherwise set the level the peaks are judged against. A full frame's mean and
        // energy come from its hops' sums, and the mean is removed from the spectrum (the
        // periodic Hann window's transform is n/2 at bin 0, -n/4 at bins 1 and n-1, zero
        // elsewhere), so the frame is read once, to window it. A frame whose mean is more than
        // 60 dB above its variation (silence, a constant), or a zero-padded last frame, is
        // centred sample by sample first, as the definition reads (the rounding of a large
        // mean would otherwise be noise in the spectrum).
        let n = self.n_fft;
        let real = real.max(1);
        let quick = if real == n {
            let (sum, sum_sq) = self.frame_sums();
            let mean = sum / n as f64;
            let energy = (sum_sq - sum * mean) / n as f64;
            (energy > 1e-6 * (sum_sq / n as f64)).then_some((mean, energy))
        } else {
            None
        };
        let pending = &self.pending[self.start..self.start + n];
        // The mean, the energy, and the mean still to be removed in the spectrum.
        let (mean, energy, spectral_mean) = match quick {
            Some((mean, energy)) => (mean, energy, mean),
            None => {
                let mean = lane_sum(&pending[..real], |x| x) / real as f64;
                let energy = lane_sum(&pending[..real], |x| (x - mean) * (x - mean)) / real as f64;
                (mean, energy, 0.0)
            }
        };
        self.peaks.clear();
        if energy > 0.0 && energy.is_finite() {
            if quick.is_some() {
                pack_windowed(&mut self.packed, pending, &self.window);
            } else {
                pack_centred_windowed(&mut self.packed, pending, mean, real, &self.window);
            }
            self.fft.process_outofplace_with_scratch(
                &mut self.packed,
                &mut self.half_spectrum,
                &mut self.scratch,
            );
            let max_p = power_of_packed(
                &self.half_spectrum,
                &self.twiddles,
                spectral_mean * n as f64,
                &mut self.power,
                self.k_hi + 1,
            );
            self.find_peaks(max_p);
        }
        self.suppressor
            .key_weights(&self.peaks, &mut self.key_weights);
        match self.tuning.shift {
            Some(shift) => {
                let mut chroma = [0.0f64; 12];
                let peaks = &self.peaks;
                self.add_peaks(&mut chroma, peaks.len(), |i| {
                    let (semis, weight) = peaks[i];
                    (semis - shift, weight)
                });
                let mut key_chroma = [0.0f64; 12];
                for (&(semis, _), &key_weight) in peaks.iter().zip(&self.key_weights) {
                    add_key_peak(&mut key_chroma, semis - shift, key_weight);
                }
                self.out.push_with_key(chroma, key_chroma, energy);
            }
            None => {
                let t = &mut self.tuning;
                for (&(semis, weight), &key_weight) in self.peaks.iter().zip(&self.key_weights) {
                    t.histogram.add(semis, weight);
                    t.held_peaks
                        .push((semis as f32, weight as f32, key_weight as f32));
                }
                t.held_frames.push((t.held_peaks.len(), energy));
                if t.held_frames.len() >= t.max_held_frames {
                    self.decide_tuning();
                }
            }
        }
    }

    /// Adds one peak at `semis` semitones from A4 (of the tuning used) with `weight` to `chroma`,
    /// with its harmonic summation.
    fn add_peak(&self, chroma: &mut [f64; 12], semis: f64, weight: f64) {
        for &(fraction, classes, w) in &self.harmonic_offsets {
            add_cosine_weighted_shifted(chroma, semis + fraction, classes, weight * w);
        }
    }

    /// [`add_peak`](Self::add_peak) for the `n` peaks `peak(0..n)` (semitones, weight), in
    /// order; the pitch classes and weights of four peaks at a time are computed lane by lane
    /// (vector instructions), then added to `chroma` in the same order as one by one, so the
    /// sums are the same to the last bit.
    #[inline(always)]
    fn add_peaks(&self, chroma: &mut [f64; 12], n: usize, peak: impl Fn(usize) -> (f64, f64)) {
        let mut i = 0;
        while i < n {
            let count = (n - i).min(LANES);
            let (semis, weight): (F64x4, F64x4) = {
                let p: [(f64, f64); LANES] = std::array::from_fn(|l| peak(i + l.min(count - 1)));
                (p.map(|p| p.0), p.map(|p| p.1))
            };
            if !self.add_peak_lanes(chroma, semis, weight, count) {
                for l in 0..count {
                    self.add_peak(chroma, semis[l], weight[l]);
                }
            }
            i += count;
        }
    }

    /// The first `count` of four peaks added as [`add_peaks`](Self::add_peaks) says; false (and
    /// nothing added) if a pitch is more than 2^20 semitones from A or not finite, which
    /// [`add_peak`](Self::add_peak) then handles.
    #[inline(always)]
    fn add_peak_lanes(
        &self,
        chroma: &mut [f64; 12],
        semis: F64x4,
        weight: F64x4,
        count: usize,
    ) -> bool {
        let groups = &self.harmonic_offsets[..self.harmonic_offsets.len().min(MAX_HARMONICS)];
        let mut class = [[0usize; LANES]; MAX_HARMONICS];
        let mut neighbour = [[0usize; LANES]; MAX_HARMONICS];
        let mut to_class = [[0.0f64; LANES]; MAX_HARMONICS];
        let mut to_neighbour = [[0.0f64; LANES]; MAX_HARMONICS];
        let mut in_range = true;
        for (g, &(fraction, classes, w)) in groups.iter().enumerate() {
            // As add_cosine_weighted_shifted and add_cos_squared, with the neighbour's weight
            // zero where they add none (adding +0 leaves a sum as it is). Each quantity in its
            // own lane loop, so that each compiles to vector instructions.
            let semis: F64x4 = semis.map(|s| s + fraction);
            let power: F64x4 = weight.map(|v| v * w);
            let pos: F64x4 = semis.map(|s| s + (ROUND_BIAS + 0.5));
            in_range &= pos.iter().all(|p| (0.0..2.0 * ROUND_BIAS).contains(p));
            let whole: [i32; LANES] = pos.map(|p| p as i32); // below 2^25 in range
            let d: F64x4 = std::array::from_fn(|l| semis[l] - (f64::from(whole[l]) - ROUND_BIAS));
            let other_dist: F64x4 = d.map(|d| 1.0 - d.abs());
            let wc = cos_to_half_pi_lanes(d.map(|d| COS_SCALE * d.abs()));
            let wn = cos_to_half_pi_lanes(other_dist.map(|o| COS_SCALE * o));
            to_class[g] = std::array::from_fn(|l| power[l] * wc[l] * wc[l]);
            to_neighbour[g] = std::array::from_fn(|l| {
                if other_dist[l] < HALF_WIDTH {
                    power[l] * wn[l] * wn[l]
                } else {
                    0.0
                }
            });
            for l in 0..LANES {
                let c = ((whole[l] as u32 % 12) as usize + classes) % 12;
                class[g][l] = c;
                neighbour[g][l] = if d[l] > 0.0 {
                    (c + 1) % 12
                } else {
                    (c + 11) % 12
                };
            }
        }
        if !in_range {
            return false;
        }
        for l in 0..count {
            for g in 0..groups.len() {
                chroma[class[g][l]] += to_class[g][l];
                chroma[neighbour[g][l]] += to_neighbour[g][l];
            }
        }
        true
    }

    /// Fills `peaks` with the peaks of the power spectrum `power`, whose strongest bin is
    /// `max_p`: (semitones from `pitch_ref_hz`, weight).
    #[inline(always)]
    fn find_peaks(&mut self, max_p: f64) {
        // The floor is relative to the strongest bin of the whole spectrum, so a frame whose
        // energy lies outside fmin..fmax (or that is rounding noise) gives no peaks.
        if max_p <= 0.0 || !max_p.is_finite() {
            return;
        }
        let floor = max_p * 10f64.powf(self.params.peak_floor_db / 10.0);
        let tiny = max_p * 1e-30;
        let half_exponent = 0.5 * self.params.exponent;
        let power = &self.power[..=self.k_hi + 1];
        // The peaks' bins, without a branch per bin (whether a bin is a peak is as good as
        // random, and a mispredicted branch costs more than the test): eight bins are tested
        // at once into a bit mask, then each is written to the next slot, which only a peak
        // keeps.
        let candidates = &mut self.candidates[..];
        let mut count = 0;
        let is_peak = |w: &[f64]| !((w[1] < floor) | (w[1] <= w[0]) | (w[1] < w[2]));
        let mut k = self.k_lo;
        while k + 8 <= self.k_hi + 1 {
            let w = &power[k - 1..k + 9];
            let mut mask = 0u32;
            for l in 0..8 {
                mask |= u32::from(is_peak(&w[l..l + 3])) << l;
            }
            // Before the write of bin l, at most l bins were kept, so `kept & 7` is `kept`.
            let slots = &mut candidates[count..count + 8];
            let mut kept = 0;
            for l in 0..8 {
                slots[kept & 7] = (k + l) as u32;
                kept += ((mask >> l) & 1) as usize;
            }
            count += kept;
            k += 8;
        }
        for k in k..=self.k_hi {
            candidates[count] = k as u32;
            count += usize::from(is_peak(&power[k - 1..k + 2]));
        }
        // Four peaks at a time (the last group padded with copies of its last peak).
        for group in candidates[..count].chunks(LANES) {
            let ks: [usize; LANES] =
                std::array::from_fn(|l| group[l.min(group.len() - 1)] as usize);
            // The parabola through ln P at k-1, k, k+1 (la, lb, lc) needs only the differences
            // la - lc and la - 2 lb + lc: two logarithms of ratios (each in [1e-30, 1], as the
            // peak is the largest of the three), and the peak's level lb enters the power as
            // b^(exponent/2) (a square root with the default exponent 1).
            let b: F64x4 = ks.map(|k| power[k] + tiny);
            let ra: F64x4 = std::array::from_fn(|l| (power[ks[l] - 1] + tiny) / b[l]);
            let rc: F64x4 = std::array::from_fn(|l| (power[ks[l] + 1] + tiny) / b[l]);
            let la_lc = ln4(std::array::from_fn(|l| ra[l] / rc[l]));
            let denom = ln4(std::array::from_fn(|l| ra[l] * rc[l]));
            let d: F64x4 = std::array::from_fn(|l| {
                if denom[l] < 0.0 {
                    (0.5 * la_lc[l] / denom[l]).clamp(-0.5, 0.5)
                } else {
                    0.0
                }
            });
            let level: F64x4 = if half_exponent == 0.5 {
                b.map(f64::sqrt)
            } else {
                b.map(|b| b.powf(half_exponent))
            };
            let shape = exp4(std::array::from_fn(|l| {
                -0.25 * half_exponent * la_lc[l] * d[l]
            }));
            // 12 log2((k + d) bin_hz / pitch_ref_hz) = 12 log2(k bin_hz / pitch_ref_hz)
            // (tabled per bin) + 12 log2(1 + d / k).
            let near_1: F64x4 = std::array::from_fn(|l| semitones_of_ratio_near_1(ks[l], d[l]));
            for l in 0..group.len() {
                let semis = self.semis_of_bin[ks[l]] + near_1[l];
                self.peaks.push((semis, level[l] * shape[l]));
            }
        }
    }
}

/// `12 log2(1 + d / k)` for a peak at bin `k` offset by `|d| <= 0.5` bins. From bin 8 up
/// (`|d / k| <= 1/16`) by the series `ln(1 + x) = 2 atanh(x / (2 + x))` to `s^11` (relative
/// error below 1e-19, so exact in f64 up to rounding), below it by `log2`.
#[inline(always)]
fn semitones_of_ratio_near_1(k: usize, d: f64) -> f64 {
    const TWELVE_OVER_LN2: f64 = 12.0 / std::f64::consts::LN_2;
    let s = d / (2.0 * k as f64 + d);
    let z = s * s;
    let series =
        1.0 + z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z / 11.0))));
    if k < 8 {
        return 12.0 * (1.0 + d / k as f64).log2();
    }
    TWELVE_OVER_LN2 * 2.0 * s * series
}

/// `12 log2(k bin_hz / pitch_ref_hz)` for the bins `0..=k_hi` (bin 0 is never a peak: -inf).
fn semitone_table(k_hi: usize, bin_hz: f64, pitch_ref_hz: f64) -> Vec<f64> {
    (0..=k_hi)
        .map(|k| 12.0 * (k as f64 * bin_hz / pitch_ref_hz).log2())
        .collect()
}

/// Samples the buffer of pending samples holds for windows of `n_fft`: a window plus 64 Ki
/// samples (512 KB) or a second window if longer. Each compaction moves less than a window, so
/// at 44.1 kHz (8192-sample windows) it moves about one sample in ten pushed instead of three
/// in four with room for two windows only.
fn pending_capacity(n_fft: usize) -> usize {
    n_fft + n_fft.max(1 << 16)
}

/// Sum of `f(x)` over `x` in eight interleaved partial sums (independent additions the
/// compiler can vectorise, instead of one chain of dependent ones).
#[inline(always)]
fn lane_sum(x: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f(v);
        }
    }
    let mut total =
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for &v in tail {
        total += f(v);
    }
    total
}

/// Sums of `x` and of its squares, in eight interleaved partial sums each (as [`lane_sum`]).
#[inline(always)]
fn lane_sums(x: &[f64]) -> (f64, f64) {
    let mut acc = [0.0f64; 8];
    let mut acc_sq = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for ((a, q), &v) in acc.iter_mut().zip(acc_sq.iter_mut()).zip(c) {
            *a += v;
            *q += v * v;
        }
    }
    let fold = |a: [f64; 8]| ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
    let (mut sum, mut sum_sq) = (fold(acc), fold(acc_sq));
    for &v in tail {
        sum += v;
        sum_sq += v * v;
    }
    (sum, sum_sq)
}

/// The periodic Hann window of `n` samples, `0.5 - 0.5 cos(2 pi i / n)` (its transform is
/// `n/2` at bin 0 and `-n/4` at bins 1 and `n-1`, which [`power_of_packed`] relies on).
fn hann(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos())
        .collect()
}

/// `exp(-2 pi i k / n) / 2` for `k = 1..n/4`: the twiddle factors [`power_of_packed`] unpacks a
/// real transform of `n` points with (computed as realfft computes them).
fn unpacking_twiddles(n: usize) -> Vec<Complex<f64>> {
    let step = -2.0 * PI / n as f64;
    (1..n / 4)
        .map(|k| {
            let angle = step * k as f64;
            Complex {
                re: angle.cos() * 0.5,
                im: angle.sin() * 0.5,
            }
        })
        .collect()
}

/// `packed[j] = (x[2j] w[2j], x[2j+1] w[2j+1])` (`x` and `w` a multiple of 8 long).
#[inline(always)]
fn pack_windowed(packed: &mut [Complex<f32>], x: &[f64], window: &[f64]) {
    // Eight samples (four pairs) at a time, products in memory order, so that they compile to
    // plain vector multiplies and conversions (pairs one by one compile to shuffles that split
    // and rejoin the real and imaginary parts).
    for (p, (x, w)) in packed
        .chunks_exact_mut(4)
        .zip(x.chunks_exact(8).zip(window.chunks_exact(8)))
    {
        let v: [f32; 8] = std::array::from_fn(|i| (x[i] * w[i]) as f32);
        for (j, p) in p.iter_mut().enumerate() {
            *p = Complex {
                re: v[2 * j],
                im: v[2 * j + 1],
            };
        }
    }
}

/// As [`pack_windowed`] for the frame `(x_i - mean) w_i` (`mean` that of the first `real`
/// samples), zero from sample `real` on.
#[inline(always)]
fn pack_centred_windowed(
    packed: &mut [Complex<f32>],
    x: &[f64],
    mean: f64,
    real: usize,
    window: &[f64],
) {
    for (i, (x, w)) in x.iter().zip(window).enumerate() {
        let v = if i < real {
            ((x - mean) * w) as f32
        } else {
            0.0
        };
        let p = &mut packed[i / 2];
        if i % 2 == 0 {
            p.re = v;
        } else {
            p.im = v;
        }
    }
}

/// The power spectrum `|X_k|^2` (`k = 0..=n/2`, into `power`) of a real frame of `n` samples,
/// from `z`, the complex FFT of `n/2` points of the frame packed as pairs, and its largest
/// value (0 if none is positive; NaN ignored).
///
/// The unpacking is realfft's (in double precision), fused with the squares and the maximum,
/// four pairs of bins at a time. With `W = exp(-2 pi i k / n)`,
/// `X_k = (Z_k + conj Z_{n/2-k}) / 2 - (i W / 2) (Z_k - conj Z_{n/2-k})`. `dc` (the frame's
/// mean times `n`) is removed from the windowed frame's spectrum: the periodic Hann window's
/// transform is `n/2` at bin 0 and `-n/4` at bin 1, zero at the other bins of the half
/// spectrum. Only the bins `0..=needed` are sure to be written; the others are unpacked only
/// if they could hold the maximum.
#[inline(always)]
fn power_of_packed(
    z: &[Complex<f32>],
    twiddles: &[Complex<f64>],
    dc: f64,
    power: &mut [f64],
    needed: usize,
) -> f64 {
    let h = z.len();
    debug_assert!(h >= 4 && h.is_power_of_two());
    debug_assert_eq!(twiddles.len(), h / 2 - 1);
    debug_assert_eq!(power.len(), h + 1);
    let z64 = |k: usize| widen(z[k]);
    let z0 = z64(0);
    let x0 = z0.re + z0.im - 0.5 * dc;
    power[0] = x0 * x0;
    let last = z0.re - z0.im;
    power[h] = last * last;
    power[h / 2] = sq(z64(h / 2));
    let (mut x1, x_rev1) = unpack(z64(1), z64(h - 1), twiddles[0]);
    x1.re += 0.25 * dc;
    power[1] = sq(x1);
    power[h - 1] = sq(x_rev1);
    // The pairs k, h - k (k = 2..h/2) holding the bins 0..=needed (an even number of them, as
    // h/2 - 2 is even); the bins above `needed` are not stored, only their maximum is kept.
    let split = (needed + 1).clamp(2, h / 2);
    let split = (split + split % 2).min(h / 2);
    let mut max = unpack_pairs(z, twiddles, 2..split, power, needed);
    for k in [0, 1, h / 2, h - 1, h] {
        max = if power[k] > max { power[k] } else { max };
    }
    // The other bins only count for the maximum, and |X_k|^2 + |X_{h-k}|^2 = |Z_k|^2 +
    // |Z_{h-k}|^2 bounds both bins of a pair, so they are unpacked only when that bound (here
    // the largest |Z|^2 of each half, with a margin for its single-precision rounding) could
    // exceed the maximum so far: in music the strongest bin is almost always below fmax.
    if split < h / 2 {
        let bound = max_square_of(&z[split..h / 2]) + max_square_of(&z[h / 2 + 1..=h - split]);
        if bound * (1.0 + 1e-5) >= max {
            max = max.max(unpack_pairs(z, twiddles, split..h / 2, power, needed));
        }
    }
    max
}

/// `z` in double precision.
#[inline(always)]
fn widen(z: Complex<f32>) -> Complex<f64> {
    Complex {
        re: f64::from(z.re),
        im: f64::from(z.im),
    }
}

/// `|x|^2`.
#[inline(always)]
fn sq(x: Complex<f64>) -> f64 {
    x.re * x.re + x.im * x.im
}

/// `X_k` and `X_{h-k}` of a real frame from `Z_k` (`out`), `Z_{h-k}` (`rev`) of its packed
/// transform of `h` points and the twiddle `W^k / 2` (`tw`), as realfft computes them.
#[inline(always)]
fn unpack(out: Complex<f64>, rev: Complex<f64>, tw: Complex<f64>) -> (Complex<f64>, Complex<f64>) {
    let sum = out + rev;
    let diff = out - rev;
    let twiddled_re = sum.im * tw.re + diff.re * tw.im;
    let twiddled_im = sum.im * tw.im - diff.re * tw.re;
    let half_sum_re = 0.5 * sum.re;
    let half_diff_im = 0.5 * diff.im;
    (
        Complex {
            re: half_sum_re + twiddled_re,
            im: half_diff_im + twiddled_im,
        },
        Complex {
            re: half_sum_re - twiddled_re,
            im: twiddled_im - half_diff_im,
        },
    )
}

/// `|X_k|^2` and `|X_{h-k}|^2` for `k` in `ks` (an even count, from 2 up to at most `h/2`):
/// those of bins up to `needed` into `power`, and the largest of all (0 if none is positive;
/// NaN ignored). Four `k` at a time (two for a remainder of two) with the same operations lane
/// by lane, so that they compile to vector instructions.
#[inline(always)]
fn unpack_pairs(
    z: &[Complex<f32>],
    twiddles: &[Complex<f64>],
    ks: std::ops::Range<usize>,
    power: &mut [f64],
    needed: usize,
) -> f64 {
    let mut max = [0.0f64; LANES];
    let mut k = ks.start;
    if !(ks.end - k).is_multiple_of(LANES) {
        unpack_group::<2>(z, twiddles, k, power, needed, &mut max);
        k += 2;
    }
    while k < ks.end {
        unpack_group::<LANES>(z, twiddles, k, power, needed, &mut max);
        k += LANES;
    }
    max.iter().fold(0.0, |m, &v| if v > m { v } else { m })
}

/// One group of [`unpack_pairs`]: the `L` pairs from `k` (`L` at most [`LANES`]), their bins
/// up to `needed` stored, `max` raised lane by lane.
#[inline(always)]
fn unpack_group<const L: usize>(
    z: &[Complex<f32>],
    twiddles: &[Complex<f64>],
    k: usize,
    power: &mut [f64],
    needed: usize,
    max: &mut [f64; LANES],
) {
    let h = z.len();
    let out: [Complex<f32>; L] = z[k..k + L].try_into().expect("L pairs");
    let rev: [Complex<f32>; L] = z[h - k + 1 - L..=h - k].try_into().expect("L pairs");
    let tw: [Complex<f64>; L] = twiddles[k - 1..k - 1 + L].try_into().expect("L pairs");
    let mut lo = [0.0; L];
    let mut hi = [0.0; L];
    for l in 0..L {
        let (x, x_rev) = unpack(widen(out[l]), widen(rev[L - 1 - l]), tw[l]);
        lo[l] = sq(x);
        hi[l] = sq(x_rev);
    }
    for l in 0..L {
        max[l] = if lo[l] > max[l] { lo[l] } else { max[l] };
        max[l] = if hi[l] > max[l] { hi[l] } else { max[l] };
    }
    if k <= needed {
        power[k..k + L].copy_from_slice(&lo);
    }
    if h - k - L < needed {
        for l in 0..L {
            power[h - k - l] = hi[l];
        }
    }
}

/// The largest `|z|^2` of `z` (0 for an empty slice; NaN ignored), in double precision.
#[inline(always)]
fn max_square_of(z: &[Complex<f32>]) -> f64 {
    let mut acc = [0.0f32; 8];
    let chunks = z.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            let s = v.re * v.re + v.im * v.im;
            *a = if s > *a { s } else { *a };
        }
    }
    let mut m = 0.0f32;
    for &s in &acc {
        m = if s > m { s } else { m };
    }
    for v in tail {
        let s = v.re * v.re + v.im * v.im;
        m = if s > m { s } else { m };
    }
    f64::from(m)
}

/// The harmonic summation's offsets `-12 log2 h` (h = 1..=harmonics) with weights
/// `decay^(h-1)`, as `(fraction, whole semitones mod 12, summed weight)`: harmonics whose
/// offsets differ by whole octaves land on the same pitch class with the same cosine weight,
/// so their weights are summed into one entry.
fn harmonic_groups(harmonics: usize, decay: f64) -> Vec<(f64, usize, f64)> {
    let mut groups: Vec<(f64, usize, f64)> = Vec::new();
    for h in 1..=harmonics {
        let offset = -12.0 * (h as f64).log2();
        let whole = offset.round();
        let fraction = offset - whole;
        let classes = (whole as i64).rem_euclid(12) as usize;
        let weight = decay.powi(h as i32 - 1);
        match groups
            .iter_mut()
            .find(|g| g.0 == fraction && g.1 == classes)
        {
            Some(g) => g.2 += weight,
            None => groups.push((fraction, classes, weight)),
        }
    }
    groups
}

/// [`add_cosine_weighted`] at pitch `semis + shift` for a whole number `shift` of semitones
/// given as `classes = shift mod 12`.
#[inline(always)]
fn add_cosine_weighted_shifted(chroma: &mut [f64; 12], semis: f64, classes: usize, power: f64) {
    // round(semis) without `round` (a library call on baseline x86-64): the bias, a multiple
    // of 12 semitones, makes the value positive so that `as` truncates it to its floor.
    let pos = semis + (ROUND_BIAS + 0.5);
    if !(0.0..2.0 * ROUND_BIAS).contains(&pos) {
        return add_cosine_weighted_shifted_far(chroma, semis, classes, power);
    }
    let whole = pos as u64;
    let nearest = whole as f64 - ROUND_BIAS;
    let d = semis - nearest; // in [-0.5, 0.5] (up to the rounding of pos)
    let class = ((whole % 12) as usize + classes) % 12;
    add_cos_squared(chroma, class, d, power, cos_to_half_pi);
}

/// Adds `power * cos^2` of the distance `d` (semitones, in [-0.5, 0.5]) to `class`, and of
/// `1 - |d|` to the neighbour on `d`'s side when that is within [`HALF_WIDTH`]; `cos` is the
/// cosine used for arguments in `[0, pi/2]`.
#[inline(always)]
fn add_cos_squared(
    chroma: &mut [f64; 12],
    class: usize,
    d: f64,
    power: f64,
    cos: impl Fn(f64) -> f64,
) {
    let w = cos(COS_SCALE * d.abs());
    chroma[class] += power * w * w;
    let other_dist = 1.0 - d.abs();
    if other_dist < HALF_WIDTH {
        let other = if d > 0.0 {
            (class + 1) % 12
        } else {
            (class + 11) % 12
        };
        let w = cos(COS_SCALE * other_dist);
        chroma[other] += power * w * w;
    }
}

/// Most harmonics [`AccurateParams::harmonics`] allows (so most harmonic groups).
const MAX_HARMONICS: usize = 16;

/// A multiple of 12 semitones (12 * 2^20) added before truncating a pitch to its floor.
const ROUND_BIAS: f64 = 12_582_912.0;

/// `pi/2 / HALF_WIDTH`: the cosine window's argument per semitone.
const COS_SCALE: f64 = 0.5 * PI / HALF_WIDTH;

/// [`add_cosine_weighted_shifted`] with the library's `round` and `cos`, for pitches more than
/// 2^20 semitones from A (never a real peak's, kept for completeness).
#[cold]
fn add_cosine_weighted_shifted_far(chroma: &mut [f64; 12], semis: f64, classes: usize, power: f64) {
    if !semis.is_finite() {
        return;
    }
    let nearest = semis.round();
    let d = semis - nearest;
    let class = (nearest.rem_euclid(12.0) as usize + classes) % 12;
    add_cos_squared(chroma, class, d, power, f64::cos);
}

/// `cos(y)` for `y` in `[0, pi/2]` by its Taylor series to `y^20` (truncation error below
/// `(pi/2)^22 / 22! < 2e-17`): a polynomial, no range reduction, no library call.
#[inline(always)]
fn cos_to_half_pi(y: f64) -> f64 {
    cos_to_half_pi_lanes([y; LANES])[0]
}

/// [`cos_to_half_pi`] of four values, lane by lane (vector instructions).
#[inline(always)]
fn cos_to_half_pi_lanes(y: F64x4) -> F64x4 {
    let z = y.map(|y| y * y);
    let mut acc = [1.0 / 2_432_902_008_176_640_000.0; LANES]; // 1/20!
    for c in [
        -1.0 / 6_402_373_705_728_000.0, // -1/18!
        1.0 / 20_922_789_888_000.0,     // 1/16!
        -1.0 / 87_178_291_200.0,        // -1/14!
        1.0 / 479_001_600.0,            // 1/12!
        -1.0 / 3_628_800.0,             // -1/10!
        1.0 / 40_320.0,                 // 1/8!
        -1.0 / 720.0,                   // -1/6!
        1.0 / 24.0,                     // 1/4!
        -0.5,                           // -1/2!
        1.0,
    ] {
        for l in 0..LANES {
            acc[l] = acc[l] * z[l] + c;
        }
    }
    acc
}

/// Adds one peak to a frame's key chroma: `weight` (its key weight, 0 for an upper partial:
/// [`harmonics::HarmonicSuppressor`]) to the pitch classes near `semis`, with the same cosine window
/// as the chroma and no harmonic summation (the partials that would vote for the fundamental
/// are the ones left out).
#[inline(always)]
fn add_key_peak(key_chroma: &mut [f64; 12], semis: f64, weight: f64) {
    if weight > 0.0 {
        add_cosine_weighted_shifted(key_chroma, semis, 0, weight);
    }
}

/// Half-width of the HPCP cosine window, semitones (window length 4/3 semitones).
const HALF_WIDTH: f64 = 2.0 / 3.0;

/// Adds `power cos^2(pi/2 * dist / HALF_WIDTH)` to the (at most two) pitch classes within
/// `HALF_WIDTH` semitones of pitch `semis` (semitones from A, any octave).
#[cfg(test)]
fn add_cosine_weighted(chroma: &mut [f64; 12], semis: f64, power: f64) {
    add_cosine_weighted_shifted(chroma, semis, 0, power);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::pitch_class::{first_argmax, pitch_class_of_midi};

    fn tone(freq: f64, fs: u32, secs: f64) -> Vec<f64> {
        let n = (secs * fs as f64) as usize;
        (0..n)
            .map(|i| 0.5 * (2.0 * PI * freq * i as f64 / fs as f64).sin())
            .collect()
    }

    #[test]
    fn window_lengths_scale_with_rate() {
        let p = AccurateParams::default();
        assert_eq!(p.n_fft(44100), 8192);
        assert_eq!(p.n_fft(22050), 4096);
        assert_eq!(p.n_fft(8000), 2048);
        assert_eq!(p.n_fft(96000), 16384);
    }

    #[test]
    fn cosine_weighting_splits_quarter_tones() {
        let mut c = [0.0; 12];
        add_cosine_weighted(&mut c, 0.0, 1.0);
        assert_eq!(c[0], 1.0);
        assert_eq!(c.iter().sum::<f64>(), 1.0);
        let mut c = [0.0; 12];
        add_cosine_weighted(&mut c, -0.5, 1.0); // halfway A .. G#
        assert!((c[0] - c[11]).abs() < 1e-12 && c[0] > 0.0);
        let mut c = [0.0; 12];
        add_cosine_weighted(&mut c, 12.0 * 3.0 + 2.2, 1.0);
        assert_eq!(first_argmax(&c), 2);
        assert_eq!(c[3], 0.0);
    }

    #[test]
    fn grouped_harmonics_equal_one_weighting_per_harmonic() {
        // The summation as specified: one cosine weighting per harmonic h at semis - 12 log2 h.
        for (harmonics, decay) in [(4, 0.6), (16, 0.9), (1, 0.6), (7, 0.0)] {
            let groups = harmonic_groups(harmonics, decay);
            for i in 0..500 {
                let semis = -40.0 + 0.1713 * i as f64;
                let mut naive = [0.0; 12];
                for h in 1..=harmonics {
                    let offset = -12.0 * (h as f64).log2();
                    add_cosine_weighted(&mut naive, semis + offset, 0.7 * decay.powi(h as i32 - 1));
                }
                let mut grouped = [0.0; 12];
                for &(fraction, classes, w) in &groups {
                    add_cosine_weighted_shifted(&mut grouped, semis + fraction, classes, 0.7 * w);
                }
                for (a, b) in naive.iter().zip(&grouped) {
                    assert!((a - b).abs() < 1e-12, "{semis}: {naive:?} vs {grouped:?}");
                }
            }
        }
        // h = 1, 2, 4 share one entry: two weightings per peak instead of four.
        assert_eq!(harmonic_groups(4, 0.6).len(), 2);
    }

    #[test]
    fn lane_sum_matches_the_plain_sum() {
        let x: Vec<f64> = (0..1003)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) * 0.01)
            .collect();
        let plain: f64 = x.iter().map(|v| v * v).sum();
        assert!((lane_sum(&x, |v| v * v) - plain).abs() < 1e-12 * plain);
    }

    /// The largest value of `x` (0 if none is positive; NaN ignored), as the analyser defines
    /// a spectrum's maximum.
    fn max_of(x: &[f64]) -> f64 {
        x.iter().copied().fold(0.0, f64::max)
    }

    /// realfft's spectrum of a real frame (the reference for [`power_of_packed`]).
    fn realfft_power(frame: &[f64]) -> Vec<f64> {
        let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(frame.len());
        let mut input = frame.to_vec();
        let mut spectrum = fft.make_output_vec();
        fft.process(&mut input, &mut spectrum).unwrap();
        spectrum.iter().map(|s| s.re * s.re + s.im * s.im).collect()
    }

    /// [`power_of_packed`] on `frame` (packed, windowed by `window`) with the mean `dc / n`.
    fn packed_power(frame: &[f64], window: &[f64], dc: f64) -> (Vec<f64>, f64) {
        packed_power_to(frame, window, dc, frame.len() / 2)
    }

    /// [`packed_power`] with the bins `0..=needed` exact (the others only for the maximum).
    fn packed_power_to(frame: &[f64], window: &[f64], dc: f64, needed: usize) -> (Vec<f64>, f64) {
        let n = frame.len();
        let fft = FftPlanner::<f32>::new().plan_fft_forward(n / 2);
        let mut packed = vec![Complex::default(); n / 2];
        pack_windowed(&mut packed, frame, window);
        let mut z = vec![Complex::default(); n / 2];
        let mut scratch = vec![Complex::default(); fft.get_outofplace_scratch_len()];
        fft.process_outofplace_with_scratch(&mut packed, &mut z, &mut scratch);
        let mut power = vec![f64::NAN; n / 2 + 1];
        let max = power_of_packed(&z, &unpacking_twiddles(n), dc, &mut power, needed);
        (power, max)
    }

    #[test]
    fn packed_single_precision_power_spectrum_is_realffts_to_1e_6_of_the_peak() {
        // The whole spectrum (every bin, not only the peaks) within 1e-6 of its strongest bin,
        // and the strongest bin reported.
        for n in [16, 64, 8192] {
            let frame: Vec<f64> = (0..n)
                .map(|i| ((i * 37 % 101) as f64 - 50.0) * 0.01 + (i as f64 * 0.05).sin())
                .collect();
            let (power, max) = packed_power(&frame, &vec![1.0; n], 0.0);
            let exact = realfft_power(&frame);
            let exact_max = max_of(&exact);
            assert_eq!(max, max_of(&power));
            assert!((max - exact_max).abs() <= 1e-6 * exact_max, "n = {n}");
            for (k, (a, b)) in power.iter().zip(&exact).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-6 * exact_max,
                    "n = {n}, bin {k}: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn bins_beyond_the_needed_ones_still_set_the_maximum() {
        // A 1 kHz tone (bin 186 of 8192 at 44.1 kHz) with a 15 kHz tone (bin 2786) 1x, 10x
        // and 0.01x as strong: the bins up to 929 (5 kHz) are exact, and the maximum is the
        // whole spectrum's however the strongest bin lies.
        let n = 8192;
        let window = hann(n);
        for high in [1.0, 10.0, 0.01] {
            let x: Vec<f64> = (0..n)
                .map(|i| {
                    let t = i as f64 / 44100.0;
                    0.1 * (2.0 * PI * 1000.0 * t).sin()
                        + 0.1 * high * (2.0 * PI * 15000.0 * t).sin()
                })
                .collect();
            let (all, all_max) = packed_power(&x, &window, 0.0);
            for needed in [929, 930, 1, 2048] {
                let (part, max) = packed_power_to(&x, &window, 0.0, needed);
                assert_eq!(max, all_max, "high {high}, needed {needed}");
                assert_eq!(
                    part[..=needed],
                    all[..=needed],
                    "high {high}, needed {needed}"
                );
            }
        }
    }

    #[test]
    fn mean_removed_in_the_spectrum_equals_centring_the_frame() {
        // A tone with an offset: windowing x and removing the mean from bins 0 and 1 gives the
        // spectrum of (x - mean) w within the single-precision rounding of the strongest bin.
        let n = 4096;
        let window = hann(n);
        let x: Vec<f64> = (0..n)
            .map(|i| 0.3 + 0.2 * (2.0 * PI * 440.0 * i as f64 / 22050.0).sin())
            .collect();
        let mean = lane_sum(&x, |v| v) / n as f64;
        let centred: Vec<f64> = x.iter().zip(&window).map(|(x, w)| (x - mean) * w).collect();
        let exact = realfft_power(&centred);
        let (power, max) = packed_power(&x, &window, mean * n as f64);
        assert_eq!(max, max_of(&power));
        let exact_max = max_of(&exact);
        assert!((max - exact_max).abs() <= 1e-6 * exact_max);
        for (k, (a, b)) in power.iter().zip(&exact).enumerate() {
            assert!((a - b).abs() <= 1e-6 * exact_max, "bin {k}: {a} vs {b}");
        }
        // Without the correction bin 0 would hold the offset, 9x the tone.
        let (uncorrected, _) = packed_power(&x, &window, 0.0);
        assert!(uncorrected[0] > 8.0 * exact_max);
    }

    #[test]
    fn frame_energy_from_hop_sums_equals_the_two_pass_energy() {
        // 200,000 samples: past the pending buffer's compactions, each frame's energy is still
        // that of its own samples.
        let x: Vec<f64> = (0..200_000)
            .map(|i| 0.01 + 0.4 * (i as f64 * 0.031).sin() * (i as f64 * 0.0007).cos())
            .collect();
        assert!(x.len() > 2 * pending_capacity(4096));
        let mut a = AccurateChroma::new(22050, &AccurateParams::default()).unwrap();
        let (n, hop) = (a.n_fft(), a.hop());
        let energies = a.chromagram(&x).energies().to_vec();
        assert_eq!(energies.len(), (x.len() - n) / hop + 1);
        for (t, e) in energies.iter().enumerate() {
            let frame = &x[t * hop..t * hop + n];
            let mean = lane_sum(frame, |v| v) / n as f64;
            let exact = lane_sum(frame, |v| (v - mean) * (v - mean)) / n as f64;
            assert!(
                (e - exact).abs() <= 1e-12 * exact,
                "frame {t}: {e} vs {exact}"
            );
        }
        // A constant frame (its mean far above its variation) is centred sample by sample:
        // exactly zero energy, no peaks.
        let g = a.chromagram(&vec![0.25; 20_000]);
        assert!(g.energies().iter().all(|&e| e == 0.0));
        assert!(g.rows().iter().all(|r| r.iter().all(|&v| v == 0.0)));
    }

    #[test]
    fn a440_is_a_and_c4_is_c() {
        let mut a = AccurateChroma::new(22050, &AccurateParams::default()).unwrap();
        let g = a.chromagram(&tone(440.0, 22050, 1.0));
        assert!(g.n_frames() > 3);
        for r in g.rows() {
            assert_eq!(first_argmax(r), 0);
        }
        let g = a.chromagram(&tone(261.6256, 22050, 1.0));
        assert_eq!(first_argmax(g.row(1)), pitch_class_of_midi(60));
    }

    #[test]
    fn streaming_in_odd_blocks_equals_whole_signal() {
        // 10 s: the pending buffer (a window plus 64 Ki samples) is compacted twice.
        let x = tone(196.0, 16000, 10.0);
        assert!(x.len() > 2 * pending_capacity(4096));
        let mut a = AccurateChroma::new(16000, &AccurateParams::default()).unwrap();
        let whole = a.chromagram(&x);
        for chunk in x.chunks(777) {
            a.push(chunk);
        }
        let streamed = a.finish();
        assert_eq!(whole, streamed);
        // frames start every hop while start + n_fft <= len
        assert_eq!(whole.n_frames(), (x.len() - a.n_fft()) / a.hop() + 1);
    }

    #[test]
    fn short_signal_gives_one_padded_frame_and_empty_gives_none() {
        let mut a = AccurateChroma::new(22050, &AccurateParams::default()).unwrap();
        let g = a.chromagram(&tone(440.0, 22050, 0.05));
        assert_eq!(g.n_frames(), 1);
        assert_eq!(first_argmax(g.row(0)), 0);
        assert_eq!(a.chromagram(&[]).n_frames(), 0);
    }

    #[test]
    fn invalid_parameters_are_errors() {
        let p = AccurateParams {
            fmin_hz: -1.0,
            ..AccurateParams::default()
        };
        assert!(matches!(
            AccurateChroma::new(22050, &p),
            Err(ChromaError::InvalidParameter {
                name: "fmin_hz",
                ..
            })
        ));
        assert!(AccurateChroma::new(0, &AccurateParams::default()).is_err());
        let p = AccurateParams {
            harmonics: 0,
            ..AccurateParams::default()
        };
        assert!(AccurateChroma::new(22050, &p).is_err());
    }

    #[test]
    fn polynomial_cosine_matches_the_library_cosine() {
        for i in 0..=10_000 {
            let y = std::f64::consts::FRAC_PI_2 * i as f64 / 10_000.0;
            let (fast, exact) = (cos_to_half_pi(y), y.cos());
            assert!((fast - exact).abs() < 1e-15, "{y}: {fast} vs {exact}");
        }
        assert_eq!(cos_to_half_pi(0.0), 1.0);
    }

    #[test]
    fn rounding_without_round_matches_the_library_forms() {
        // The biased-floor rounding and the polynomial cosine against round/rem_euclid/cos,
        // over pitches across the whole range and around every half semitone.
        let mut pitches: Vec<f64> = (0..20_000).map(|i| -150.0 + 0.01537 * i as f64).collect();
        for n in -150..150 {
            let h = n as f64 + 0.5;
            pitches.extend([h, h - 1e-12, h + 1e-12, n as f64, n as f64 - 1e-13]);
        }
        for &semis in &pitches {
            for classes in [0, 7] {
                let mut fast = [0.0; 12];
                add_cosine_weighted_shifted(&mut fast, semis, classes, 0.8);
                let mut slow = [0.0; 12];
                add_cosine_weighted_shifted_far(&mut slow, semis, classes, 0.8);
                for (a, b) in fast.iter().zip(&slow) {
                    assert!((a - b).abs() < 1e-12, "{semis}: {fast:?} vs {slow:?}");
                }
            }
        }
        // Far pitches and non-finite ones take the library path or add nothing.
        let mut c = [0.0; 12];
        add_cosine_weighted_shifted(&mut c, 3e7 + 0.25, 0, 1.0);
        assert!(c.iter().sum::<f64>() > 0.0);
        let mut c = [0.0; 12];
        add_cosine_weighted_shifted(&mut c, f64::NAN, 0, 1.0);
        add_cosine_weighted_shifted(&mut c, f64::INFINITY, 0, 1.0);
        assert_eq!(c, [0.0; 12]);
    }

    #[test]
    fn tabled_pitch_matches_log2_of_the_interpolated_frequency() {
        let (fs, n_fft, reference) = (44100.0, 8192.0, 440.0);
        let bin_hz = fs / n_fft;
        let table = semitone_table(1000, bin_hz, reference);
        for (k, &semitones) in table.iter().enumerate().take(1001).skip(1) {
            for d in [-0.5, -0.3, -1e-9, 0.0, 0.123, 0.4999, 0.5] {
                let exact = 12.0 * ((k as f64 + d) * bin_hz / reference).log2();
                let fast = semitones + semitones_of_ratio_near_1(k, d);
                assert!(
                    (fast - exact).abs() < 1e-12,
                    "bin {k} {d}: {fast} vs {exact}"
                );
            }
        }
    }
}

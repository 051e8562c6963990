//! The per-frame machinery: FFT plans and buffers, tables, the previous frame's spectrum for
//! the flux. Odd windows analyse two frames with one complex FFT.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::RealToComplex;
use rustfft::{Fft, FftPlanner};

use crate::frame_spec::Framing;
use crate::matrix::{CHROMA_COLUMNS, CHROMA_STD_COLUMN, MFCC_COLUMNS, N_FEATURES};
use crate::mfcc::MfccBank;
use crate::pyaa::{chroma_std, PyaaChroma, N_CHROMA};
use crate::spectral::{
    spectral_centroid_spread, spectral_flux, spectral_rolloff, spectrum_sums, SpectrumSums,
};
use crate::time_domain::{
    block_energies, block_entropy, energy, zero_crossing_rate, ENTROPY_BLOCKS,
};
use crate::FeatureError;

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
    #[inline]
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

/// Per-frame machinery: FFT plans and buffers, tables, the previous frame's spectrum (for the
/// flux).
///
/// For an odd window W (44.1 kHz: 2205), realfft computes a full complex FFT of length W per
/// frame; two consecutive frames a, b are then packed into one complex FFT of `z = a + i b` and
/// separated with `A_k = (Z_k + conj Z_{W-k}) / 2`, `B_k = (Z_k - conj Z_{W-k}) / (2i)`
/// (index mod W): half a complex FFT per frame. Even windows use one real FFT per frame
/// (realfft already does a half-length complex FFT there).
pub(crate) struct FrameAnalyser {
    sample_rate: f64,
    fft: Arc<dyn RealToComplex<f64>>,
    fft_in: Vec<f64>,
    fft_out: Vec<Complex<f64>>,
    fft_scratch: Vec<Complex<f64>>,
    /// The complex FFT of length W for packed pairs (odd windows only).
    packed_fft: Option<Arc<dyn Fft<f64>>>,
    packed: Vec<Complex<f64>>,
    packed_scratch: Vec<Complex<f64>>,
    /// The frame waiting for its FFT partner (odd windows only).
    held: Vec<f64>,
    /// The held frame's time-domain features.
    pending: TimeFeatures,
    /// The current frame's magnitude spectrum (what [`FrameAnalyser::spectrum`] hands out).
    spectrum: Vec<f64>,
    /// `sum X_k` of the current spectrum.
    spectrum_sum: f64,
    /// The second spectrum of a packed pair, until its turn.
    second: Vec<f64>,
    /// The previous frame's spectrum and its sum, for the flux; `has_previous` is false on a
    /// signal's first frame.
    previous: Vec<f64>,
    previous_sum: f64,
    has_previous: bool,
    bin_freqs: Vec<f64>,
    mfcc: MfccBank,
    chroma: PyaaChroma,
    features: [f64; N_FEATURES],
}

impl FrameAnalyser {
    pub(crate) fn new(
        framing: Framing,
        fft: Arc<dyn RealToComplex<f64>>,
    ) -> Result<Self, FeatureError> {
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
            held: vec![0.0; packed.len()],
            packed_fft,
            packed,
            packed_scratch,
            pending: TimeFeatures::default(),
            spectrum: vec![0.0; nfft],
            spectrum_sum: 0.0,
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
    #[inline]
    pub(crate) fn pairs(&self) -> bool {
        self.packed_fft.is_some()
    }

    /// Starts a new signal: its first frame has no previous spectrum (flux 0).
    #[inline]
    pub(crate) fn start_signal(&mut self) {
        self.has_previous = false;
    }

    /// The 34 features of the frame just analysed (valid inside an `emit` callback).
    #[inline]
    pub(crate) fn features(&self) -> &[f64; N_FEATURES] {
        &self.features
    }

    /// The magnitude spectrum `X_k = |FFT(x)_k| / nfft` of the frame just analysed (valid inside
    /// an `emit` callback).
    #[inline]
    pub(crate) fn spectrum(&self) -> &[f64] {
        &self.spectrum
    }

    /// Analyses one normalised frame (length W) and calls `emit` with its features and spectrum.
    pub(crate) fn analyse(
        &mut self,
        frame: &[f64],
        emit: impl FnOnce(&Self),
    ) -> Result<(), FeatureError> {
        let time = TimeFeatures::of(frame);
        self.fft_in.copy_from_slice(frame);
        self.real_spectrum()?;
        self.spectral_features(time);
        emit(self);
        self.next_frame();
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
    #[inline]
    pub(crate) fn hold(&mut self, frame: &[f64]) {
        self.pending = TimeFeatures::of(frame);
        self.held.copy_from_slice(frame);
    }

    /// Analyses the held frame and `frame` (its successor), calling `emit` after each.
    pub(crate) fn analyse_pair(
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
            self.fft_in.copy_from_slice(&self.held);
            self.real_spectrum()?;
            self.spectral_features(first);
            emit(self);
            self.next_frame();
            self.fft_in.copy_from_slice(frame);
            self.real_spectrum()?;
            self.spectral_features(time);
            emit(self);
            self.next_frame();
            return Ok(());
        };
        for ((z, &a), &b) in self.packed.iter_mut().zip(&self.held).zip(frame) {
            *z = Complex::new(a, b);
        }
        packed_fft.process_with_scratch(&mut self.packed, &mut self.packed_scratch);
        let nfft = self.spectrum.len();
        let scale = 0.5 / nfft as f64;
        let z = &self.packed;
        // Z_k pairs with Z_{W-k} (Z_0 with itself). Squared magnitudes first, over iterators
        // (no bounds check per bin), then the square roots in plain loops that vectorise
        // whatever the caller this is inlined into.
        let separate = |p: Complex<f64>, q: Complex<f64>| {
            let (ar, ai) = (p.re + q.re, p.im - q.im);
            let (br, bi) = (p.im + q.im, p.re - q.re);
            (ar * ar + ai * ai, br * br + bi * bi)
        };
        (self.spectrum[0], self.second[0]) = separate(z[0], z[0]);
        let mirrored = z[z.len() + 1 - nfft..].iter().rev();
        for ((a, b), (&p, &q)) in self.spectrum[1..]
            .iter_mut()
            .zip(&mut self.second[1..])
            .zip(z[1..nfft].iter().zip(mirrored))
        {
            (*a, *b) = separate(p, q);
        }
        for v in self.spectrum.iter_mut() {
            *v = v.sqrt() * scale;
        }
        for v in self.second.iter_mut() {
            *v = v.sqrt() * scale;
        }
        self.spectral_features(first);
        emit(self);
        self.next_frame();
        std::mem::swap(&mut self.spectrum, &mut self.second);
        self.spectral_features(time);
        emit(self);
        self.next_frame();
        Ok(())
    }

    /// The 34 features from the time-domain ones and the magnitude spectrum in `self.spectrum`.
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
        self.spectrum_sum = sum_x;
    }

    /// The current spectrum becomes the previous one (for the next frame's flux).
    #[inline]
    fn next_frame(&mut self) {
        std::mem::swap(&mut self.spectrum, &mut self.previous);
        self.previous_sum = self.spectrum_sum;
        self.has_previous = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FrameSpec;
    use realfft::RealFftPlanner;

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
            single.analyse(f, |s| a.push(*s.features())).expect("fft");
        }
        let mut b = Vec::new();
        for pair in frames.chunks_exact(2) {
            paired.hold(&pair[0]);
            paired
                .analyse_pair(&pair[1], |p| b.push(*p.features()))
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

//! One frame's analysis: its sums, the AVX2 dispatch, the power spectrum's peaks at their
//! interpolated pitch, and each peak's weights added to the frame's chroma and key chroma.

use super::packed_fft::*;
use super::pitch_weights::*;
use super::*;

impl AccurateChroma {
    /// Sums of the samples and of their squares over the full frame at `start` (frame
    /// `frames_analysed`), from the sums of its four hops; only its last hop is new (all four
    /// for a stream's first frame).
    #[inline(always)]
    pub(super) fn frame_sums(&mut self) -> (f64, f64) {
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
    pub(super) fn analyse_frame_of(&mut self, real: usize) {
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
        harmonics::weigh_lowest_voice(&mut self.key_weights);
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
    pub(super) fn add_peak(&self, chroma: &mut [f64; 12], semis: f64, weight: f64) {
        for &(fraction, classes, w) in &self.harmonic_offsets {
            add_cosine_weighted_shifted(chroma, semis + fraction, classes, weight * w);
        }
    }

    /// [`add_peak`](Self::add_peak) for the `n` peaks `peak(0..n)` (semitones, weight), in
    /// order; the pitch classes and weights of four peaks at a time are computed lane by lane
    /// (vector instructions), then added to `chroma` in the same order as one by one, so the
    /// sums are the same to the last bit.
    #[inline(always)]
    pub(super) fn add_peaks(
        &self,
        chroma: &mut [f64; 12],
        n: usize,
        peak: impl Fn(usize) -> (f64, f64),
    ) {
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
    pub(super) fn add_peak_lanes(
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
    pub(super) fn find_peaks(&mut self, max_p: f64) {
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
pub(super) fn semitones_of_ratio_near_1(k: usize, d: f64) -> f64 {
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
pub(super) fn semitone_table(k_hi: usize, bin_hz: f64, pitch_ref_hz: f64) -> Vec<f64> {
    (0..=k_hi)
        .map(|k| 12.0 * (k as f64 * bin_hz / pitch_ref_hz).log2())
        .collect()
}

/// Sum of `f(x)` over `x` in eight interleaved partial sums (independent additions the
/// compiler can vectorise, instead of one chain of dependent ones).
#[inline(always)]
pub(super) fn lane_sum(x: &[f64], f: impl Fn(f64) -> f64) -> f64 {
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
pub(super) fn lane_sums(x: &[f64]) -> (f64, f64) {
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

//! The frame's transform: a real frame packed as pairs of samples into a complex FFT of half
//! the length (single precision), unpacked into the real frame's power spectrum by its own
//! loop, in lanes.

use std::f64::consts::PI;

use rustfft::num_complex::Complex;

use crate::analysis::lanes::LANES;

/// `n/2` at bin 0 and `-n/4` at bins 1 and `n-1`, which [`power_of_packed`] relies on).
pub(super) fn hann(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos())
        .collect()
}

/// `exp(-2 pi i k / n) / 2` for `k = 1..n/4`: the twiddle factors [`power_of_packed`] unpacks a
/// real transform of `n` points with (computed as realfft computes them).
pub(super) fn unpacking_twiddles(n: usize) -> Vec<Complex<f64>> {
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
pub(super) fn pack_windowed(packed: &mut [Complex<f32>], x: &[f64], window: &[f64]) {
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
pub(super) fn pack_centred_windowed(
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
pub(super) fn power_of_packed(
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
pub(super) fn widen(z: Complex<f32>) -> Complex<f64> {
    Complex {
        re: f64::from(z.re),
        im: f64::from(z.im),
    }
}

/// `|x|^2`.
#[inline(always)]
pub(super) fn sq(x: Complex<f64>) -> f64 {
    x.re * x.re + x.im * x.im
}

/// `X_k` and `X_{h-k}` of a real frame from `Z_k` (`out`), `Z_{h-k}` (`rev`) of its packed
/// transform of `h` points and the twiddle `W^k / 2` (`tw`), as realfft computes them.
#[inline(always)]
pub(super) fn unpack(
    out: Complex<f64>,
    rev: Complex<f64>,
    tw: Complex<f64>,
) -> (Complex<f64>, Complex<f64>) {
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
pub(super) fn unpack_pairs(
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
pub(super) fn unpack_group<const L: usize>(
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
pub(super) fn max_square_of(z: &[Complex<f32>]) -> f64 {
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

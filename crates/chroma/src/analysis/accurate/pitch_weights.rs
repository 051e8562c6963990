//! Where a peak's weight goes: the harmonic summation's offsets, HPCP's cos² window onto the
//! (at most two) nearest pitch classes, and the key chroma's single weighting.

use std::f64::consts::PI;

use crate::analysis::lanes::{F64x4, LANES};

/// The harmonic summation's offsets `-12 log2 h` (h = 1..=harmonics) with weights
/// `decay^(h-1)`, as `(fraction, whole semitones mod 12, summed weight)`: harmonics whose
/// offsets differ by whole octaves land on the same pitch class with the same cosine weight,
/// so their weights are summed into one entry.
pub(super) fn harmonic_groups(harmonics: usize, decay: f64) -> Vec<(f64, usize, f64)> {
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
pub(super) fn add_cosine_weighted_shifted(
    chroma: &mut [f64; 12],
    semis: f64,
    classes: usize,
    power: f64,
) {
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
pub(super) fn add_cos_squared(
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
pub(super) const MAX_HARMONICS: usize = 16;

/// A multiple of 12 semitones (12 * 2^20) added before truncating a pitch to its floor.
pub(super) const ROUND_BIAS: f64 = 12_582_912.0;

/// `pi/2 / HALF_WIDTH`: the cosine window's argument per semitone.
pub(super) const COS_SCALE: f64 = 0.5 * PI / HALF_WIDTH;

/// [`add_cosine_weighted_shifted`] with the library's `round` and `cos`, for pitches more than
/// 2^20 semitones from A (never a real peak's, kept for completeness).
#[cold]
pub(super) fn add_cosine_weighted_shifted_far(
    chroma: &mut [f64; 12],
    semis: f64,
    classes: usize,
    power: f64,
) {
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
pub(super) fn cos_to_half_pi(y: f64) -> f64 {
    cos_to_half_pi_lanes([y; LANES])[0]
}

/// [`cos_to_half_pi`] of four values, lane by lane (vector instructions).
#[inline(always)]
pub(super) fn cos_to_half_pi_lanes(y: F64x4) -> F64x4 {
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
pub(super) fn add_key_peak(key_chroma: &mut [f64; 12], semis: f64, weight: f64) {
    if weight > 0.0 {
        add_cosine_weighted_shifted(key_chroma, semis, 0, weight);
    }
}

/// Half-width of the HPCP cosine window, semitones (window length 4/3 semitones).
pub(super) const HALF_WIDTH: f64 = 2.0 / 3.0;

/// Adds `power cos^2(pi/2 * dist / HALF_WIDTH)` to the (at most two) pitch classes within
/// `HALF_WIDTH` semitones of pitch `semis` (semitones from A, any octave).
#[cfg(test)]
pub(super) fn add_cosine_weighted(chroma: &mut [f64; 12], semis: f64, power: f64) {
    add_cosine_weighted_shifted(chroma, semis, 0, power);
}

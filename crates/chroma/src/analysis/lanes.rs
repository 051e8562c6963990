//! `ln` and `exp` of four `f64` at a time, written lane by lane with the same operations in
//! every lane and no library call, so that they compile to vector instructions (and to 256-bit
//! ones where the caller is built with AVX2). The algorithms and constants are fdlibm's
//! (`e_log.c`, `e_exp.c`), whose error is below one unit in the last place; a lane outside the
//! range they are written for here (not a positive normal number for `ln`, beyond +-700 or NaN
//! for `exp`) is computed by the standard library instead.

// fdlibm's constants as it publishes them (each rounds to the double it means).
#![allow(clippy::excessive_precision)]

/// Lanes per call.
pub(crate) const LANES: usize = 4;

/// Four `f64`.
pub(crate) type F64x4 = [f64; LANES];

/// `x[l].ln()` for each lane.
#[inline(always)]
pub(crate) fn ln4(x: F64x4) -> F64x4 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const LG1: f64 = 6.666_666_666_666_735_130e-1;
    const LG2: f64 = 3.999_999_999_940_941_908e-1;
    const LG3: f64 = 2.857_142_874_366_239_149e-1;
    const LG4: f64 = 2.222_219_843_214_978_396e-1;
    const LG5: f64 = 1.818_357_216_161_805_012e-1;
    const LG6: f64 = 1.531_383_769_920_937_332e-1;
    const LG7: f64 = 1.479_819_860_511_658_591e-1;
    // 2^52 + 1023: the exponent field read as a double's low mantissa bits, minus the bias.
    const EXPONENT_MAGIC: f64 = 4_503_599_627_370_496.0 + 1023.0;
    const MANTISSA: u64 = (1 << 52) - 1;
    const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        let bits = x[l].to_bits();
        // x = 2^e m, m in [1, 2), moved to [sqrt(2)/2, sqrt(2)) so that f = m - 1 is small.
        let e = f64::from_bits(0x4330_0000_0000_0000 | (bits >> 52)) - EXPONENT_MAGIC;
        let m = f64::from_bits((bits & MANTISSA) | ONE_BITS);
        let high = m > std::f64::consts::SQRT_2;
        let m = if high { 0.5 * m } else { m };
        let dk = if high { e + 1.0 } else { e };
        let f = m - 1.0;
        let s = f / (2.0 + f);
        let z = s * s;
        let w = z * z;
        let t1 = w * (LG2 + w * (LG4 + w * LG6));
        let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
        let r = t2 + t1;
        let hfsq = 0.5 * f * f;
        out[l] = dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
    }
    if !x
        .iter()
        .all(|&v| (f64::MIN_POSITIVE..=f64::MAX).contains(&v))
    {
        for l in 0..LANES {
            if !(f64::MIN_POSITIVE..=f64::MAX).contains(&x[l]) {
                out[l] = x[l].ln();
            }
        }
    }
    out
}

/// `x[l].exp()` for each lane.
#[inline(always)]
pub(crate) fn exp4(x: F64x4) -> F64x4 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const INV_LN2: f64 = std::f64::consts::LOG2_E;
    const P1: f64 = 1.666_666_666_666_660_190_37e-1;
    const P2: f64 = -2.777_777_777_701_559_338_42e-3;
    const P3: f64 = 6.613_756_321_437_934_361_17e-5;
    const P4: f64 = -1.653_390_220_546_525_153_90e-6;
    const P5: f64 = 4.138_136_797_057_238_460_39e-8;
    // 1.5 * 2^52: adding it rounds to an integer, which then sits in the low mantissa bits.
    const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
    const LIMIT: f64 = 700.0;
    let mut out = [0.0; LANES];
    for l in 0..LANES {
        // x = k ln2 + r, |r| <= ln2 / 2; exp(x) = 2^k exp(r).
        let shifted = x[l] * INV_LN2 + ROUND_MAGIC;
        let k = shifted - ROUND_MAGIC;
        let hi = x[l] - k * LN2_HI;
        let lo = k * LN2_LO;
        let r = hi - lo;
        let t = r * r;
        let c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
        let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
        // 2^k from k's low bits (|k| < 1023 here): (2^51 + k + 1023) << 52 keeps k + 1023.
        let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
        out[l] = y * scale;
    }
    if !x.iter().all(|&v| (-LIMIT..=LIMIT).contains(&v)) {
        for l in 0..LANES {
            if !(-LIMIT..=LIMIT).contains(&x[l]) {
                out[l] = x[l].exp();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite doubles of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{a} vs {b}");
        a.to_bits().abs_diff(b.to_bits())
    }

    fn random_values(seed: u64, n: usize, lo: f64, hi: f64) -> Vec<f64> {
        let mut rng = audio_io::synth::SplitMix64::new(seed);
        (0..n).map(|_| lo + (hi - lo) * rng.next_f64()).collect()
    }

    /// The largest distance in ulps between `lanes` (four at a time) and `reference` over `x`
    /// (its length a multiple of four).
    fn worst_ulps(
        x: &[f64],
        lanes: impl Fn(F64x4) -> F64x4,
        reference: impl Fn(f64) -> f64,
    ) -> u64 {
        x.chunks_exact(LANES)
            .flat_map(|c| {
                let got = lanes(std::array::from_fn(|l| c[l]));
                (0..LANES).map(move |l| (c[l], got[l]))
            })
            .map(|(v, g)| ulps(g, reference(v)))
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn ln4_is_within_one_ulp_of_the_library_ln() {
        // Ratios as the peak interpolation takes them (1e-30..1e30, log-uniform), around 1,
        // and across the whole normal range.
        let mut x: Vec<f64> = random_values(1, 40_000, -69.0, 69.0)
            .into_iter()
            .map(f64::exp)
            .collect();
        x.extend(random_values(2, 20_000, 0.5, 2.0));
        x.extend(
            random_values(3, 20_000, -707.0, 709.0)
                .into_iter()
                .map(f64::exp),
        );
        x.extend([
            1.0,
            2.0,
            0.5,
            std::f64::consts::SQRT_2,
            f64::MIN_POSITIVE,
            f64::MAX,
        ]);
        x.truncate(x.len() / LANES * LANES);
        let worst = worst_ulps(&x, ln4, f64::ln);
        assert!(worst <= 1, "ln4 is {worst} ulps from ln");
        assert_eq!(ln4([1.0; 4]), [0.0; 4]);
    }

    #[test]
    fn ln4_special_lanes_are_the_library_ln() {
        let x = [0.0, 5e-324, f64::INFINITY, -1.0];
        let got = ln4(x);
        assert_eq!(got[0], f64::NEG_INFINITY);
        assert_eq!(got[1], 5e-324f64.ln());
        assert_eq!(got[2], f64::INFINITY);
        assert!(got[3].is_nan());
        assert!(ln4([f64::NAN, 1.0, 1.0, 1.0])[0].is_nan());
    }

    #[test]
    fn exp4_is_within_one_ulp_of_the_library_exp() {
        let mut x = random_values(4, 40_000, -40.0, 40.0);
        x.extend(random_values(5, 20_000, -1.0, 1.0));
        x.extend(random_values(6, 20_000, -700.0, 700.0));
        x.extend([0.0, -0.0, 1.0, -1.0, 700.0, -700.0, 1e-300, -1e-300]);
        x.truncate(x.len() / LANES * LANES);
        let worst = worst_ulps(&x, exp4, f64::exp);
        assert!(worst <= 1, "exp4 is {worst} ulps from exp");
        assert_eq!(exp4([0.0; 4]), [1.0; 4]);
    }

    #[test]
    fn exp4_special_lanes_are_the_library_exp() {
        let got = exp4([710.0, -746.0, f64::INFINITY, f64::NEG_INFINITY]);
        assert_eq!(got, [710f64.exp(), 0.0, f64::INFINITY, 0.0]);
        assert!(exp4([f64::NAN, 0.0, 0.0, 0.0])[0].is_nan());
    }
}

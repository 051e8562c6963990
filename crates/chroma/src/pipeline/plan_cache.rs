//! Analysers kept per worker thread across files: a batch of 10,000 files plans its FFTs (the
//! accurate chroma's `n_fft`-point transform, the short-term features' 50 ms one) once per
//! thread and sample rate, not once per file.
//!
//! Each thread holds at most [`MAX_CACHED`] accurate analysers (one per sample rate and
//! parameter set) and as many feature extractors (one per sample rate), most recently used
//! first; an analyser is reset before every use (a feature extractor resets itself when a
//! stream starts), so a file that failed half-way leaves nothing behind for the next one.

use std::cell::RefCell;

use realfft::RealFftPlanner;
use stfeatures::{FeatureError, FeatureExtractor, FrameSpec};

use crate::analysis::accurate::{AccurateChroma, AccurateParams};
use crate::error::ChromaError;

/// Analysers (and feature extractors' sample rates) kept per thread.
const MAX_CACHED: usize = 4;

thread_local! {
    static ACCURATE: RefCell<Vec<AccurateChroma>> = const { RefCell::new(Vec::new()) };
    static EXTRACTORS: RefCell<Extractors> = RefCell::new(Extractors::default());
}

/// A thread's feature extractors, most recently used first, and the planner that caches their
/// FFT plans.
#[derive(Default)]
struct Extractors {
    planner: RealFftPlanner<f64>,
    by_rate: Vec<(u32, FeatureExtractor)>,
}

/// Runs `f` with this thread's accurate analyser for `sample_rate` and `params` (reset to the
/// start of a stream), planning one on first use.
pub(crate) fn with_accurate<R>(
    sample_rate: u32,
    params: &AccurateParams,
    f: impl FnOnce(&mut AccurateChroma) -> R,
) -> Result<R, ChromaError> {
    let cached = ACCURATE.with(|c| {
        let mut c = c.borrow_mut();
        let i = c
            .iter()
            .position(|a| a.sample_rate() == sample_rate && a.params() == params)?;
        Some(c.remove(i))
    });
    let mut analyser = match cached {
        Some(mut a) => {
            a.reset();
            a
        }
        None => AccurateChroma::new(sample_rate, params)?,
    };
    let r = f(&mut analyser);
    ACCURATE.with(|c| {
        let mut c = c.borrow_mut();
        c.insert(0, analyser);
        c.truncate(MAX_CACHED);
    });
    Ok(r)
}

/// Runs `f` with this thread's feature extractor for `sample_rate` (default framing, no
/// deltas), built on first use.
pub(crate) fn with_extractor<R>(
    sample_rate: u32,
    f: impl FnOnce(&mut FeatureExtractor) -> R,
) -> Result<R, FeatureError> {
    let cached = EXTRACTORS.with(|c| {
        let mut c = c.borrow_mut();
        let i = c.by_rate.iter().position(|(fs, _)| *fs == sample_rate)?;
        Some(c.by_rate.remove(i).1)
    });
    let mut extractor = match cached {
        Some(e) => e,
        None => EXTRACTORS.with(|c| {
            let planner = &mut c.borrow_mut().planner;
            FeatureExtractor::with_planner(sample_rate, FrameSpec::default(), planner)
        })?,
    };
    let r = f(&mut extractor);
    EXTRACTORS.with(|c| {
        let mut c = c.borrow_mut();
        c.by_rate.insert(0, (sample_rate, extractor));
        c.by_rate.truncate(MAX_CACHED);
    });
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_analyser_starts_clean_after_an_abandoned_stream() {
        let params = AccurateParams::default();
        let tone: Vec<f64> = (0..30_000)
            .map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 16000.0).sin())
            .collect();
        let fresh = AccurateChroma::new(16000, &params)
            .unwrap()
            .chromagram(&tone);
        // A stream abandoned half-way (as by a decode error) must not leak into the next file.
        with_accurate(16000, &params, |a| a.push(&tone[..20_000])).unwrap();
        let reused = with_accurate(16000, &params, |a| {
            a.push(&tone);
            a.finish()
        })
        .unwrap();
        assert_eq!(fresh, reused);
    }

    #[test]
    fn analysers_are_kept_per_rate_and_bounded() {
        let params = AccurateParams::default();
        for fs in [8000, 11025, 16000, 22050, 32000, 44100] {
            with_accurate(fs, &params, |a| assert_eq!(a.sample_rate(), fs)).unwrap();
        }
        ACCURATE.with(|c| {
            let c = c.borrow();
            assert_eq!(c.len(), MAX_CACHED);
            assert_eq!(c[0].sample_rate(), 44100);
        });
        for fs in [8000, 16000, 22050, 44100, 48000] {
            with_extractor(fs, |e| assert!(e.framing().window() > 0)).unwrap();
        }
        EXTRACTORS.with(|c| {
            let c = c.borrow();
            assert_eq!(c.by_rate.len(), MAX_CACHED);
            assert_eq!(c.by_rate[0].0, 48000);
        });
    }
}

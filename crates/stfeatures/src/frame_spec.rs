//! Window and step: given in samples or seconds, resolved and validated for one sample rate.

use crate::FeatureError;

/// The longest accepted window, in samples (2^24, about 6 minutes at 44.1 kHz).
pub const MAX_WINDOW: usize = 1 << 24;

/// How frames are cut from a signal: window length and step, in samples or in seconds.
///
/// Seconds are converted the way pyAudioAnalysis's callers do, with Python's `int(seconds * fs)`
/// (the f64 product truncated toward zero): 50 ms at 22050 Hz gives 1102 samples, 25 ms gives 551.
/// The default is the reference's 50 ms window and 25 ms step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FrameSpec {
    /// Window and step in samples.
    Samples {
        /// Window length in samples.
        window: usize,
        /// Hop between frame starts in samples.
        step: usize,
    },
    /// Window and step in seconds, truncated to samples as `int(seconds * fs)`.
    Seconds {
        /// Window length in seconds.
        window: f64,
        /// Hop between frame starts in seconds.
        step: f64,
    },
}

impl Default for FrameSpec {
    /// The reference's 50 ms window, 25 ms step.
    fn default() -> Self {
        FrameSpec::Seconds {
            window: 0.050,
            step: 0.025,
        }
    }
}

impl FrameSpec {
    /// Window and step in samples.
    pub fn samples(window: usize, step: usize) -> Self {
        FrameSpec::Samples { window, step }
    }

    /// Window and step in seconds.
    pub fn seconds(window: f64, step: f64) -> Self {
        FrameSpec::Seconds { window, step }
    }

    /// Resolves to samples at `sample_rate` and validates: positive rate, window of 2 to
    /// [`MAX_WINDOW`] samples, step of at least 1 sample. (The chroma's constraint on the window
    /// is checked by [`crate::FeatureExtractor::new`].)
    pub fn resolve(&self, sample_rate: u32) -> Result<Framing, FeatureError> {
        if sample_rate == 0 {
            return Err(FeatureError::InvalidSampleRate { sample_rate });
        }
        let (window, step) = match *self {
            FrameSpec::Samples { window, step } => (window, step),
            FrameSpec::Seconds { window, step } => (
                seconds_to_samples("window", window, sample_rate)?,
                seconds_to_samples("step", step, sample_rate)?,
            ),
        };
        if window < 2 {
            return Err(FeatureError::WindowTooShort { window });
        }
        if window > MAX_WINDOW {
            return Err(FeatureError::WindowTooLong {
                window,
                max: MAX_WINDOW,
            });
        }
        if step == 0 {
            return Err(FeatureError::ZeroStep);
        }
        Ok(Framing {
            sample_rate,
            window,
            step,
        })
    }
}

/// Python's `int(seconds * fs)` for a finite positive duration.
fn seconds_to_samples(
    what: &'static str,
    seconds: f64,
    sample_rate: u32,
) -> Result<usize, FeatureError> {
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(FeatureError::InvalidSeconds { what, seconds });
    }
    // `as` truncates toward zero (and saturates), exactly Python's int() for a positive float.
    Ok((seconds * f64::from(sample_rate)) as usize)
}

/// A validated framing in samples for one sample rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    sample_rate: u32,
    window: usize,
    step: usize,
}

impl Framing {
    /// Samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Window length `W` in samples.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Step `S` between frame starts in samples.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Spectrum bins kept per frame: `nfft = floor(W / 2)`.
    pub fn nfft(&self) -> usize {
        self.window / 2
    }

    /// Frames in a signal of `samples` samples: starts `0, S, 2S, ...` while `start + W <= N`.
    pub fn n_frames(&self, samples: u64) -> u64 {
        let w = self.window as u64;
        if samples < w {
            0
        } else {
            (samples - w) / self.step as u64 + 1
        }
    }

    /// Start time of frame `i` in seconds, `i * S / fs`.
    pub fn frame_start_s(&self, i: usize) -> f64 {
        (i as f64 * self.step as f64) / f64::from(self.sample_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_truncates_like_python() {
        let cases = [
            (22050, 1102, 551),
            (44100, 2205, 1102),
            (11025, 551, 275),
            (16000, 800, 400),
        ];
        for (fs, w, s) in cases {
            let f = FrameSpec::default().resolve(fs).expect("valid");
            assert_eq!((f.window(), f.step()), (w, s), "fs {fs}");
        }
        assert_eq!(
            FrameSpec::default().resolve(22050).expect("valid").nfft(),
            551
        );
    }

    #[test]
    fn frame_count_matches_reference_rule() {
        let f = FrameSpec::samples(4, 2).resolve(10).expect("valid");
        assert_eq!(f.n_frames(3), 0);
        assert_eq!(f.n_frames(4), 1);
        assert_eq!(f.n_frames(5), 1);
        assert_eq!(f.n_frames(6), 2);
        // doremi.wav: 128164 samples at 16 kHz, 319 frames in the reference.
        let d = FrameSpec::default().resolve(16000).expect("valid");
        assert_eq!(d.n_frames(128_164), 319);
    }

    #[test]
    fn invalid_specs_are_typed_errors() {
        assert!(matches!(
            FrameSpec::default().resolve(0),
            Err(FeatureError::InvalidSampleRate { sample_rate: 0 })
        ));
        assert!(matches!(
            FrameSpec::samples(0, 1).resolve(8000),
            Err(FeatureError::WindowTooShort { window: 0 })
        ));
        assert!(matches!(
            FrameSpec::samples(400, 0).resolve(8000),
            Err(FeatureError::ZeroStep)
        ));
        assert!(matches!(
            FrameSpec::samples(MAX_WINDOW + 1, 1).resolve(8000),
            Err(FeatureError::WindowTooLong { .. })
        ));
        assert!(matches!(
            FrameSpec::seconds(f64::NAN, 0.01).resolve(8000),
            Err(FeatureError::InvalidSeconds { what: "window", .. })
        ));
        assert!(matches!(
            FrameSpec::seconds(0.05, -1.0).resolve(8000),
            Err(FeatureError::InvalidSeconds { what: "step", .. })
        ));
        // 0.1 ms at 8 kHz truncates to 0 samples.
        assert!(matches!(
            FrameSpec::seconds(0.05, 0.0001).resolve(8000),
            Err(FeatureError::ZeroStep)
        ));
        assert!(matches!(
            FrameSpec::seconds(1e9, 0.01).resolve(44100),
            Err(FeatureError::WindowTooLong { .. })
        ));
    }
}

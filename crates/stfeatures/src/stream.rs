//! Pass 2 of a signal, streamed: samples are normalised into a one-window buffer and each frame
//! is analysed as soon as it is complete.

use crate::analyser::FrameAnalyser;
use crate::extractor::FeatureExtractor;
use crate::matrix::N_FEATURES;
use crate::normalisation::Normalisation;
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

/// Pass 2 of a streamed signal (made by [`FeatureExtractor::frame_stream`]): normalises
/// incoming samples into a one-window buffer and analyses each frame as soon as it is complete
/// (frames start at `0, S, 2S, ...` while `start + W <= N`).
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

impl<'e> FrameStream<'e> {
    /// A stream over `extractor`'s analyser for a signal whose pass 1 gave `normalisation`.
    pub(crate) fn new(extractor: &'e mut FeatureExtractor, normalisation: Normalisation) -> Self {
        extractor.analyser.start_signal();
        let expected = extractor.framing().n_frames(normalisation.samples());
        FrameStream {
            extractor,
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
        let framing = self.extractor.framing();
        let (window_len, step) = (framing.window(), framing.step());
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
            let ex = &mut *self.extractor;
            for (dst, &s) in ex.window[self.filled..self.filled + n]
                .iter_mut()
                .zip(&rest[..n])
            {
                *dst = norm.apply(s);
            }
            self.filled += n;
            rest = &rest[n..];
            if self.filled < window_len {
                continue;
            }
            let index = self.completed;
            self.completed += 1;
            let frames = &mut self.frames;
            let mut emit = |a: &FrameAnalyser| {
                on_frame(Frame {
                    index: *frames,
                    features: a.features(),
                    spectrum: a.spectrum(),
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
                ex.analyser.analyse(&ex.window, &mut emit)?;
            }
            if step < window_len {
                ex.window.copy_within(step.., 0);
                self.filled = window_len - step;
            } else {
                self.filled = 0;
                self.skip = step - window_len;
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

//! The generated music of the long-file benchmarks (`rss`, `bench-library`): cadences (I-IV-V-I)
//! in four keys, 2 s per chord, an organ on the left channel and a plucked string on the right;
//! a 32 s pattern that the callers repeat under their own gain curve, with a little noise.

use audio_io::synth::{self, Timbre};

/// The 32 s stereo pattern and the noise source.
pub(crate) struct Pattern {
    left: Vec<f64>,
    right: Vec<f64>,
    noise: synth::SplitMix64,
}

impl Pattern {
    /// The pattern rendered at `sample_rate`.
    pub(crate) fn new(sample_rate: u32) -> Self {
        let chords: Vec<Vec<u8>> = [60u8, 64, 66, 70]
            .iter()
            .flat_map(|&tonic| synth::cadence_i_iv_v_i(tonic))
            .collect();
        Pattern {
            left: synth::render_chords(&chords, 2.0, Timbre::Organ, sample_rate),
            right: synth::render_chords(&chords, 2.0, Timbre::Pluck, sample_rate),
            noise: synth::SplitMix64::new(9),
        }
    }

    /// Sample frames in the pattern.
    pub(crate) fn len(&self) -> usize {
        self.left.len()
    }

    /// Frame `j` of the pattern (wrapping) at `gain`, plus noise of 1e-3 peak to peak, as 16-bit
    /// integers `[left, right]`.
    pub(crate) fn frame(&mut self, j: usize, gain: f64) -> [i32; 2] {
        let j = j % self.left.len();
        [self.left[j], self.right[j]].map(|x| {
            let noise = 1e-3 * (self.noise.next_f64() - 0.5);
            ((gain * x + noise) * 32767.0)
                .round()
                .clamp(-32768.0, 32767.0) as i32
        })
    }
}

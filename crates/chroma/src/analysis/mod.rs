//! The algorithms: chroma, tuning, keys and note profiles computed from samples. Nothing here
//! opens a file or builds a table.
//!
//! - [`accurate`]: the default chroma ([`accurate::AccurateChroma`]): spectral peaks at their interpolated
//!   frequency, summed into their equal-tempered pitch class, frames streamed to a callback.
//! - [`pyaa`]: pyAudioAnalysis's chroma columns (from `stfeatures`) as a [`chromagram::Chromagram`].
//! - [`chromagram`]: frames x 12, and the per-file [`chromagram::NoteProfile`] built from frames as they
//!   stream.
//! - [`sound`]: the `sound` description (schema v1) of a file's frames, for similarity.
//! - [`tuning`], [`key`], [`pitch_class`]: the reference pitch, keys and note names.
//! - `harmonics`: which peaks are upper partials of a lower note (the key's chroma leaves them
//!   out); `voicing`: the streaming tally of the frames that vote.

pub mod accurate;
pub mod chromagram;
mod harmonics;
pub mod key;
pub mod key_segments;
mod lanes;
pub mod pitch_class;
pub mod pyaa;
pub mod sound;
pub mod tuning;
mod voicing;

/// Marsaglia's xorshift64 from `seed`: the tests' reproducible stream of pseudo-random words.
#[cfg(test)]
pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

//! One file from bytes to chroma frames: decode ([`audio_io`]), the two passes the reference's
//! normalisation needs (`stfeatures`' streaming entry), the accurate analyser, and the per-file
//! results built from them as frames stream (a profile, a chromagram, the per-frame feature
//! table). FFT plans are kept per worker thread ([`plan_cache`]).

pub mod analyse;
pub mod file_label;
pub mod frames;
pub(crate) mod plan_cache;

pub use analyse::{
    analyze_file, analyze_samples, file_chromagram, file_chromagram_and_key,
    file_chromagram_columns, file_key_segments, ChromaMode, FileAnalysis, ProfileKind,
    TableOptions, ANALYSIS_VERSION,
};
pub use file_label::{file_label, path_of_label};

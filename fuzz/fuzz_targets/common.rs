//! Shared by the targets: the library reads files by path, so each input is written to a file
//! (in /dev/shm where it exists: memory, not disk) that is reused for every run of the process.

use std::path::PathBuf;

/// A per-process scratch file with extension `ext`, holding `data`.
pub fn scratch_file(ext: &str, data: &[u8]) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("chromacluster-fuzz-{}.{ext}", std::process::id()));
    std::fs::write(&path, data).expect("the scratch file can be written");
    path
}

/// libFuzzer's panic hook aborts on every panic, even one the library catches. The readers
/// (symphonia, polars' file readers) panic on malformed input and the library turns those
/// panics into errors, so a panic located there is left to unwind to its `catch_unwind`; any
/// other panic still aborts (a finding).
pub fn tolerate_caught_reader_panics() {
    let abort_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        const READERS: [&str; 5] = [
            "symphonia",
            "polars-parquet",
            "polars-io",
            "polars-json",
            "simd-json",
        ];
        // Inside audio-io's guard (`audio_io::catch_quietly`, around every symphonia call and
        // `chroma_table::read_table`'s readers) the panic is caught: exact, and no backtrace needed.
        let in_reader = audio_io::in_quiet_guard()
            || info
                .location()
                .is_some_and(|l| READERS.iter().any(|c| l.file().contains(c)))
            || {
                // A panic in core called from a reader (e.g. `step_by(0)` in symphonia's probe).
                let trace = std::backtrace::Backtrace::force_capture().to_string();
                ["symphonia_", "polars_parquet", "polars_io", "polars_json"]
                    .iter()
                    .any(|c| trace.contains(c))
            };
        if !in_reader {
            abort_hook(info);
        }
    }));
}

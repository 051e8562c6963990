//! Property test: valid files of every corpus format with header bytes mutated (seeded, so every
//! run tries the same files) are decoded and analysed (accurate chroma, note profile, the 34
//! short-term features' statistics). Each must give a result or an error naming the file, never
//! a panic; no single allocation may exceed `MAX_ALLOCATION` (a header's claim must not size
//! one); each file must finish within `MAX_SECONDS` (a hang guard, not a speed measurement).

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chroma::{analyze_file, ChromaError, ChromaMode, TableOptions};

/// Records the largest single allocation request since the last reset.
struct LargestAllocation;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// Largest single allocation allowed while analysing a 48 KB file: 64 MiB. (A 4 GHz rate claim
/// used to size a multi-gigabyte FFT window; a 2^32 frame count a 230 GB chromagram.)
const MAX_ALLOCATION: usize = 64 << 20;
/// Wall-clock bound per mutated file (generous: the slowest honest one takes well under 1 s).
const MAX_SECONDS: u64 = 30;
/// Mutations per file.
const MUTATIONS: usize = 24;
/// Bytes of each corpus file kept (headers are at the start; the cut is itself a hostile case).
const KEEP: usize = 48 * 1024;
/// Mutations land in the first `HEADER` bytes.
const HEADER: usize = 256;

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

/// A seeded generator (the test must try the same files every run): `audio_io::synth`'s.
struct Rng(audio_io::synth::SplitMix64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One header mutation: a random byte, a bit flip, or a 4-byte field set to an extreme.
fn mutate(bytes: &mut [u8], rng: &mut Rng) -> String {
    let len = bytes.len().min(HEADER);
    let at = rng.below(len);
    match rng.below(5) {
        0 => {
            let v = rng.next() as u8;
            bytes[at] = v;
            format!("byte {at} = {v:#04x}")
        }
        1 => {
            let bit = rng.below(8);
            bytes[at] ^= 1 << bit;
            format!("bit {bit} of byte {at} flipped")
        }
        kind => {
            let v: u32 = match kind {
                2 => u32::MAX,
                3 => 0,
                _ => 0x7fff_ffff,
            };
            let end = (at + 4).min(bytes.len());
            let le = v.to_le_bytes();
            bytes[at..end].copy_from_slice(&le[..end - at]);
            format!("bytes {at}..{end} = {v:#x}")
        }
    }
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(format!("{TESTDATA}/corpus/formats"))
        .expect("testdata/corpus/formats")
        .map(|e| e.expect("entry").path())
        .collect();
    files.push(PathBuf::from(format!(
        "{TESTDATA}/corpus/bad/truncated_mid_frame.mp3"
    )));
    files.sort();
    files
}

fn check_error_names_file(err: &ChromaError, path: &Path) -> Result<(), String> {
    let text = err.to_string();
    if !text.contains(&path.display().to_string()) {
        return Err(format!("error does not name the file: {text}"));
    }
    if err.path() != Some(path) {
        return Err(format!("the error's path is {:?}", err.path()));
    }
    // Named once, in the error and in its whole chain of causes.
    let mut chain = text.clone();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !chain.contains(&s_text) {
            chain.push_str(": ");
            chain.push_str(&s_text);
        }
        source = s.source();
    }
    let name = path.display().to_string();
    if chain.matches(&name).count() != 1 {
        return Err(format!("the file is named more than once: {chain}"));
    }
    Ok(())
}

#[test]
fn mutated_headers_give_results_or_errors_naming_the_file_in_bounded_memory_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let files = corpus_files();
    assert!(files.len() >= 15, "{files:?}");
    let mut rng = Rng(audio_io::synth::SplitMix64::new(0x9e37_79b9_7f4a_7c15));
    let mut failures = Vec::new();
    let (mut ok, mut refused) = (0, 0);
    for file in &files {
        let original = std::fs::read(file).unwrap();
        let original = &original[..original.len().min(KEEP)];
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for m in 0..MUTATIONS {
            let mut bytes = original.to_vec();
            let what = mutate(&mut bytes, &mut rng);
            let path = dir.path().join(format!("m{m}_{name}"));
            std::fs::write(&path, &bytes).unwrap();
            for mode in [ChromaMode::Accurate, ChromaMode::Pyaa] {
                let options = TableOptions {
                    mode,
                    feature_stats: true,
                    ..TableOptions::default()
                };
                LARGEST.store(0, Ordering::Relaxed);
                let start = Instant::now();
                let result = std::panic::catch_unwind(|| analyze_file(&path, &options));
                let elapsed = start.elapsed();
                let largest = LARGEST.load(Ordering::Relaxed);
                let case = format!("{name} ({what}, {mode:?})");
                match result {
                    Err(_) => failures.push(format!("{case}: panicked")),
                    Ok(Err(e)) => {
                        refused += 1;
                        if let Err(why) = check_error_names_file(&e, &path) {
                            failures.push(format!("{case}: {why}"));
                        }
                    }
                    Ok(Ok(a)) => {
                        ok += 1;
                        let stats = a.feature_stats.unwrap_or_default();
                        if !a.duration_s.is_finite()
                            || stats.iter().any(|(m, s)| !m.is_finite() || !s.is_finite())
                        {
                            failures.push(format!("{case}: non-finite result"));
                        }
                    }
                }
                if largest > MAX_ALLOCATION {
                    failures.push(format!("{case}: allocated {largest} bytes at once"));
                }
                if elapsed > Duration::from_secs(MAX_SECONDS) {
                    failures.push(format!("{case}: took {elapsed:?}"));
                }
            }
        }
    }
    println!("{ok} analysed, {refused} refused with an error");
    assert!(
        ok > 0 && refused > 0,
        "the mutations must exercise both paths"
    );
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

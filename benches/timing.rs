//! The one timing helper of the workspace's benchmarks, included by each crate's bench with
//! `#[path = "../../../benches/timing.rs"] mod timing;` (benchmarks print ratios against a
//! baseline measured in the same run, so they all time the same way).

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Best (minimum) wall time of `runs` calls of `f`: the machine is shared, and the minimum is
/// the least disturbed run. Zero for `runs == 0`.
pub fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

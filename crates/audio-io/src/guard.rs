//! Catching a decoder's panic without its message on stderr.
//!
//! symphonia can panic on malformed input (it is fuzzed, and fixes keep coming). Every call into
//! it from this crate runs inside [`catch_quietly`], which turns the panic into a typed error
//! naming the file. Catching is not enough for a clean terminal, though: Rust's panic hook runs
//! *before* the unwind reaches `catch_unwind` and prints `thread '...' panicked at ...`. A
//! program (the `chromacluster` binary, the Python module) calls [`install_quiet_panic_hook`]
//! once at start-up; from then on a panic inside a guarded call is logged at `debug` level only,
//! while every other panic still goes to the previous hook (message, backtrace) unchanged.
//!
//! The hook is not installed by the library itself: the panic hook is process-wide, so the
//! program decides.
//!
//! ```
//! use std::panic::AssertUnwindSafe;
//!
//! audio_io::install_quiet_panic_hook();
//! let divisor = std::hint::black_box(0u32);
//! // Panics ("attempt to divide by zero"), is caught, and prints nothing.
//! let result = audio_io::catch_quietly(AssertUnwindSafe(|| 1 / divisor));
//! assert!(result.is_err());
//! assert!(!audio_io::in_quiet_guard());
//! ```

use std::cell::Cell;
use std::panic::{catch_unwind, UnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many [`catch_quietly`] calls are running on this thread (they may nest).
    static QUIET_DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Resets the depth when the guarded call ends, by return or by unwinding.
struct DepthGuard;

impl DepthGuard {
    fn enter() -> Self {
        QUIET_DEPTH.with(|d| d.set(d.get().saturating_add(1)));
        DepthGuard
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        QUIET_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Runs `f`, catching a panic like [`std::panic::catch_unwind`]; while `f` runs on this thread,
/// the hook of [`install_quiet_panic_hook`] keeps the panic's message off stderr.
///
/// Only panics on the calling thread are covered: a panic on a worker thread `f` hands work to
/// reaches the hook on that thread, outside the guard.
pub fn catch_quietly<F, R>(f: F) -> std::thread::Result<R>
where
    F: FnOnce() -> R + UnwindSafe,
{
    let _depth = DepthGuard::enter();
    catch_unwind(f)
}

/// True while a [`catch_quietly`] call runs on the current thread.
pub fn in_quiet_guard() -> bool {
    QUIET_DEPTH.with(|d| d.get() > 0)
}

/// Installs (once per process; later calls do nothing) a panic hook that wraps the current one:
/// a panic inside [`catch_quietly`] is logged with `tracing::debug!` instead of printed, every
/// other panic is handed to the previous hook.
pub fn install_quiet_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if in_quiet_guard() {
                tracing::debug!(
                    "panic inside a guarded decoder call, reported as an error: {info}"
                );
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::AssertUnwindSafe;

    #[test]
    fn the_depth_is_restored_after_a_return_and_after_a_panic() {
        assert!(!in_quiet_guard());
        let inside = catch_quietly(in_quiet_guard).unwrap();
        assert!(inside);
        assert!(!in_quiet_guard());
        let nested = catch_quietly(|| catch_quietly(in_quiet_guard).unwrap() && in_quiet_guard());
        assert!(nested.unwrap());
        // (The default hook prints this one in the test output: the hook is not installed here,
        // the process-wide hook is tested in tests/quiet_panics.rs.)
        let caught = catch_quietly(AssertUnwindSafe(|| panic!("deliberate")));
        assert!(caught.is_err());
        assert!(!in_quiet_guard());
    }
}

//! `install_quiet_panic_hook`: a panic inside `catch_quietly` (every guarded symphonia call)
//! does not reach the previous panic hook (which prints "thread '...' panicked at ..."); every
//! other panic still does. One test in its own binary: the panic hook is process-wide.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use audio_io::{catch_quietly, in_quiet_guard, install_quiet_panic_hook, read_mono};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

#[test]
fn only_panics_outside_the_guard_reach_the_previous_hook() {
    // The previous hook: counts the panics it is shown (and prints nothing).
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    std::panic::set_hook(Box::new(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    install_quiet_panic_hook();
    // A second call does not wrap the hook twice.
    install_quiet_panic_hook();

    // A deliberate panic inside the guard (its location is this file, not symphonia's: the
    // binary's old location filter let such a message through).
    let caught = catch_quietly(AssertUnwindSafe(|| -> u32 {
        assert!(in_quiet_guard());
        panic!("deliberate panic inside the guard")
    }));
    assert!(caught.is_err());
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "the guarded panic was printed"
    );
    assert!(!in_quiet_guard());

    // Decoding the fuzz inputs that panic inside symphonia (0.5's probe, 0.6.1's riff reader):
    // errors naming the file, nothing shown to the previous hook.
    for name in [
        "probe_step_by_zero.bin",
        "adts_probe_overflow.bin",
        "wav_channel_mask_shift_overflow.bin",
    ] {
        let e = read_mono(format!("{TESTDATA}/fuzz/{name}")).expect_err(name);
        assert!(e.to_string().contains(name), "{e}");
    }
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "a decoder panic was printed"
    );

    // A panic outside the guard still reaches the previous hook.
    let outside = std::panic::catch_unwind(|| panic!("deliberate panic outside the guard"));
    assert!(outside.is_err());
    assert_eq!(seen.load(Ordering::SeqCst), 1);

    // Restore the default hook so a failing assertion below this test would print.
    let _ = std::panic::take_hook();
}

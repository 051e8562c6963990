//! The progress bar for multi-file work: on stderr, hidden when stderr is not a terminal or
//! with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar over `len` files (hidden where it would only get in the way).
pub fn files_bar(len: usize, quiet: bool, message: &str) -> ProgressBar {
    let target = if quiet || len < 2 {
        ProgressDrawTarget::hidden()
    } else {
        // indicatif draws nothing when stderr is not a terminal.
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(len as u64), target);
    let style = ProgressStyle::with_template(
        "{msg:>10} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} files (eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(message.to_string());
    bar
}

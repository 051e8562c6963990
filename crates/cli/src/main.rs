//! `chromacluster`: turn a folder of music into 12-note profiles and cluster it.
//!
//! This binary only parses arguments, drives the library crates (`audio-io`, `stfeatures`,
//! `chroma`, `kmeans`), shows progress and formats output. Exit status: 0 when everything
//! worked, 1 when any file or step failed (the other files are still processed and written),
//! 2 for usage errors.

#![forbid(unsafe_code)]

mod args;
mod checks;
mod commands;
mod figures;
mod inputs;
mod output;
mod pipeline;
mod progress;
mod stdout;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

pub use checks::UsageError;

/// The outcome of a command that ran to its end: did every input succeed?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every input was processed.
    AllGood,
    /// Some inputs failed (reported on stderr); the rest were processed and written.
    SomeFailed,
}

fn main() -> ExitCode {
    quiet_decoder_panics();
    let cli = Cli::parse();
    init_logging(cli.global.verbose, cli.global.quiet);
    // Temporary outputs removed on SIGINT/SIGTERM; a resumable run's journal is kept (running
    // the command again continues).
    durable_output::remove_temporaries_on_signals("chromacluster");
    if let Some(jobs) = cli.global.jobs {
        if let Err(err) = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global()
        {
            eprintln!("chromacluster: error: cannot start {jobs} worker threads: {err}");
            return ExitCode::from(1);
        }
    }
    let result = run(cli);
    let stdout = stdout::finish();
    let code = match result {
        Ok(Outcome::AllGood) => 0,
        Ok(Outcome::SomeFailed) => 1,
        // Output streamed to a pipe its reader closed stops there: not an error.
        Err(err) if stdout::is_broken_pipe(&err) => 0,
        Err(err) if err.downcast_ref::<UsageError>().is_some() => {
            eprintln!(
                "chromacluster: error: {}\n\nFor more information, try '--help'.",
                output::chain_text(&err)
            );
            2
        }
        Err(err) => {
            eprintln!("chromacluster: error: {}", output::chain_text(&err));
            1
        }
    };
    match stdout {
        stdout::StdoutStatus::Fine | stdout::StdoutStatus::Closed => ExitCode::from(code),
        stdout::StdoutStatus::Failed(err) => {
            eprintln!("chromacluster: error: cannot write to standard output: {err}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let global = &cli.global;
    match cli.command {
        Command::Demo(a) => commands::demo::run(global, a),
        Command::Info(a) => commands::info::run(global, a),
        Command::Notes(a) => commands::notes::run(global, a),
        Command::Key(a) => commands::key::run(global, a),
        Command::Features(a) => commands::features::run(global, a),
        Command::Cluster(a) => commands::cluster::run(global, a),
        Command::Predict(a) => commands::predict::run(global, a),
        Command::Plot(a) => commands::plot::run(global, a),
        Command::Completions(a) => commands::shell::completions(a),
        Command::Manpage => commands::shell::manpage(),
        Command::Report(a) => commands::report::run(global, a),
        Command::Similar(a) => commands::similar::run(global, a),
    }
}

/// Logs go to stderr through tracing: warnings by default, `-v` info, `-vv` debug, `-q` errors
/// only; `RUST_LOG` overrides all of these.
fn init_logging(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if quiet {
        "error"
    } else {
        match verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    // symphonia logs its own probing and decoding trouble; audio-io already turns it into a
    // warning or an error naming the file, so keep symphonia's lines for -vv and up.
    let default = if verbose >= 2 {
        default.to_string()
    } else {
        format!("{default},symphonia=off")
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}

/// symphonia panics on some malformed input (e.g. a WAV channel mask it shifts out of range),
/// polars' readers on some corrupt tables (a Parquet file with one byte changed); `audio-io` and
/// `chroma_table::read_table` catch those panics (in `audio_io::catch_quietly`) and return a typed error
/// naming the file, which is reported like any other bad file. The hook installed here keeps the
/// message of such a caught panic off stderr (logged at debug level); every other panic keeps the
/// default hook's message and backtrace.
fn quiet_decoder_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // polars may run a reader on its own worker threads, outside the thread that entered
        // `catch_quietly`; its panic is caught there too, so recognise it by location.
        let in_table_reader = info.location().is_some_and(|l| {
            let f = l.file();
            ["polars-parquet", "polars-io", "polars-json", "simd-json"]
                .iter()
                .any(|c| f.contains(c))
        });
        if in_table_reader {
            tracing::debug!("table reader panic caught and reported as an error: {info}");
        } else {
            default_hook(info);
        }
    }));
    // Wraps the hook above: silent while a guarded decoder or table-reader call runs.
    audio_io::install_quiet_panic_hook();
}

//! `chromacluster`: turn a folder of music into 12-note profiles and cluster it.
//!
//! This binary only parses arguments, drives the library crates (`audio-io`, `stfeatures`,
//! `chroma`, `kmeans`), shows progress and formats output. Exit status: 0 when everything
//! worked, 1 when any file or step failed (the other files are still processed and written),
//! 2 for usage errors.

mod args;
mod commands;
mod figures;
mod inputs;
mod output;
mod pipeline;
mod progress;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

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
    if let Some(jobs) = cli.global.jobs {
        if let Err(err) = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build_global()
        {
            eprintln!("chromacluster: error: cannot start {jobs} worker threads: {err}");
            return ExitCode::from(1);
        }
    }
    match run(cli) {
        Ok(Outcome::AllGood) => ExitCode::SUCCESS,
        Ok(Outcome::SomeFailed) => ExitCode::from(1),
        Err(err) => {
            eprintln!("chromacluster: error: {err:#}");
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

/// symphonia panics on some malformed input (e.g. random bytes probed as ADTS AAC); `audio-io`
/// catches those panics and returns a typed error naming the file, which is reported like any
/// other bad file. Keep the default hook's message and backtrace for every other panic.
fn quiet_decoder_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_decoder = info
            .location()
            .is_some_and(|l| l.file().contains("symphonia"));
        if in_decoder {
            tracing::debug!("decoder panic caught and reported as an error: {info}");
        } else {
            default_hook(info);
        }
    }));
}

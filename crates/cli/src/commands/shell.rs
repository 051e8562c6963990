//! `chromacluster completions SHELL` and `chromacluster manpage`: generated from the clap
//! definition, so they always match the flags.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::Outcome;

/// Prints the completion script for `args.shell`.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<Outcome> {
    // Generated into memory first: clap_complete panics when its writer fails (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "chromacluster",
        &mut script,
    );
    crate::stdout::out(&String::from_utf8_lossy(&script));
    Ok(Outcome::AllGood)
}

/// Prints the manual page.
pub fn manpage() -> anyhow::Result<Outcome> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    crate::stdout::out(&String::from_utf8_lossy(&page));
    Ok(Outcome::AllGood)
}

//! `chromacluster info FILE...`: the stream facts of each file, one row per file.

use rayon::prelude::*;

use crate::args::{GlobalArgs, InfoArgs};
use crate::inputs::{self, Inputs};
use crate::stdout::outp;
use crate::Outcome;

/// Runs `info`. The length shown is the decoded one (`audio_io::measure_length`, files in
/// parallel); a header whose stated length differs from it by more than 1% is shown beside it
/// as a claim.
pub fn run(global: &GlobalArgs, args: InfoArgs) -> anyhow::Result<Outcome> {
    let Inputs::Audio { files, unreadable } =
        inputs::resolve(&args.paths, false, global.quiet, &[])?
    else {
        unreachable!("tables are not accepted here")
    };
    let mut rows = vec![[
        "file",
        "container",
        "codec",
        "format",
        "rate",
        "channels",
        "frames",
        "seconds",
    ]
    .map(String::from)
    .to_vec()];
    let mut failed = unreadable.len();
    for failure in &unreadable {
        eprintln!(
            "error: {}",
            crate::output::one_line(&format!("{}: {}", failure.path.display(), failure.cause))
        );
    }
    let measured: Vec<_> = files.par_iter().map(audio_io::measure_length).collect();
    for (file, result) in files.iter().zip(measured) {
        match result {
            Ok((info, report)) => {
                let frames = report.frames_decoded;
                let seconds = if info.sample_rate > 0 {
                    frames as f64 / f64::from(info.sample_rate)
                } else {
                    0.0
                };
                let claim = info
                    .frames
                    .filter(|&stated| stated.abs_diff(frames) > frames / 100 + 1)
                    .and_then(|_| info.duration_s())
                    .map_or_else(String::new, |s| format!(" (header claims {s:.3})"));
                rows.push(vec![
                    crate::output::one_line(&file.display().to_string()),
                    info.container.clone(),
                    info.codec.clone(),
                    info.sample_format.to_string(),
                    info.sample_rate.to_string(),
                    info.channels.to_string(),
                    frames.to_string(),
                    format!("{seconds:.3}{claim}"),
                ]);
            }
            Err(err) => {
                failed += 1;
                eprintln!("error: {}", crate::output::one_line(&err.to_string()));
                if global.strict {
                    break;
                }
            }
        }
    }
    if rows.len() > 1 {
        outp!("{}", crate::output::aligned(&rows));
    }
    Ok(if failed > 0 {
        eprintln!(
            "{failed} of {} file(s) failed",
            files.len() + unreadable.len()
        );
        Outcome::SomeFailed
    } else {
        Outcome::AllGood
    })
}

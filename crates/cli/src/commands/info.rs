//! `chromacluster info FILE...`: the stream facts of each file, one row per file.

use crate::args::{GlobalArgs, InfoArgs};
use crate::inputs::{self, Inputs};
use crate::stdout::outp;
use crate::Outcome;

/// Runs `info`.
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
    for file in &files {
        match audio_io::AudioReader::open(file) {
            Ok(reader) => {
                use audio_io::BlockSource;
                let info = reader.info();
                rows.push(vec![
                    crate::output::one_line(&file.display().to_string()),
                    info.container.clone(),
                    info.codec.clone(),
                    sample_format_name(info.sample_format),
                    info.sample_rate.to_string(),
                    info.channels.to_string(),
                    info.frames.map_or_else(|| "?".into(), |f| f.to_string()),
                    info.duration_s()
                        .map_or_else(|| "?".into(), |d| format!("{d:.3}")),
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

/// A short name for a stream's sample storage.
fn sample_format_name(format: audio_io::SampleFormat) -> String {
    use audio_io::SampleFormat;
    match format {
        SampleFormat::U8 => "u8".into(),
        SampleFormat::Int(bits) => format!("s{bits}"),
        SampleFormat::F32 => "f32".into(),
        SampleFormat::F64 => "f64".into(),
        SampleFormat::ALaw => "a-law".into(),
        SampleFormat::MuLaw => "mu-law".into(),
        SampleFormat::Lossy => "lossy".into(),
    }
}

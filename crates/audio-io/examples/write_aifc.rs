//! Writes the float AIFF-C file the golden test of `features --chroma pyaa` generates
//! (`audio_io::synth::float_aifc_fixture`), for producing its pyAudioAnalysis reference.
//! `cargo run -p chromacluster-audio-io --example write_aifc -- OUT.aifc`

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: write_aifc OUT.aifc");
        std::process::exit(2);
    };
    if let Err(e) = audio_io::synth::write_float_aifc_fixture(&out) {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

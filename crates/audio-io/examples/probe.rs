//! Prints what `audio-io` makes of each file given: stream facts, decode report, sample range.
//! `cargo run -p chromacluster-audio-io --example probe -- FILE...`

fn main() {
    for arg in std::env::args().skip(1) {
        match audio_io::read_mono_with_report(&arg) {
            Ok((signal, report)) => {
                let raw = signal.raw_samples();
                let (lo, hi) = raw
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                        (lo.min(*v), hi.max(*v))
                    });
                println!(
                    "{arg}: {:?}\n  samples {} ({:.6} s), {:?}, raw range {lo}..{hi}",
                    signal.info,
                    signal.samples.len(),
                    signal.duration_s(),
                    report
                );
            }
            Err(e) => println!("{arg}: ERROR {e} ({e:?})"),
        }
    }
}

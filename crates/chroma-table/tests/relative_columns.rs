//! Key-free columns (`TableOptions::relative`): each row rotated so that its estimated tonic
//! comes first, on generated cadences in four keys (`audio_io::synth::keyset`).

use audio_io::synth::keyset::{labelled_set, PieceSpec, Style};
use chroma::{analyze_samples, FileAnalysis, Key, ProfileKind, TableOptions, NOTE_NAMES};
use chroma_table::table_of_options;

const FS: u32 = 16000;

fn analyse(spec: &PieceSpec, options: &TableOptions) -> FileAnalysis {
    let x = spec.render(FS);
    analyze_samples(&spec.file_stem(), &x, FS, options).expect("analysis")
}

fn truth(spec: &PieceSpec) -> Key {
    spec.key_name().parse().expect("a key name")
}

#[test]
fn relative_columns_put_the_tonic_first() {
    let options = TableOptions {
        profile: ProfileKind::MeanChroma,
        relative: true,
        ..TableOptions::default()
    };
    let set = labelled_set(0.4, false);
    // C major, F# major, A minor and D# minor cadences.
    let picks: Vec<&PieceSpec> = set
        .iter()
        .filter(|p| {
            let tonics: [u8; 2] = if p.minor { [9, 3] } else { [0, 6] };
            p.style == Style::Cadence && tonics.contains(&p.tonic)
        })
        .collect();
    assert_eq!(picks.len(), 4);
    let analyses: Vec<FileAnalysis> = picks.iter().map(|p| analyse(p, &options)).collect();
    let table = table_of_options(&analyses, &options).unwrap();
    let names: Vec<String> = table
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        &names[1..13],
        ["1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7"]
    );
    assert!(names.iter().any(|n| n == "key") && names.iter().any(|n| n == "tuning_cents"));
    let col = |n: &str| -> Vec<f64> {
        table
            .column(n)
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect()
    };
    let (third, minor_third) = (col("3"), col("b3"));
    for (i, (spec, a)) in picks.iter().zip(&analyses).enumerate() {
        assert_eq!(a.key.key, Some(truth(spec)), "{}", spec.file_stem());
        // The tonic's column is the absolute profile's tonic value.
        let tonic_pc = truth(spec).tonic;
        assert_eq!(col("1")[i], a.profile.mean_chroma[tonic_pc]);
        if spec.minor {
            assert!(minor_third[i] > third[i], "{}", spec.file_stem());
        } else {
            assert!(third[i] > minor_third[i], "{}", spec.file_stem());
        }
    }
    // Without --relative the same rows have note names.
    let absolute = TableOptions {
        relative: false,
        ..options
    };
    let t = table_of_options(&analyses, &absolute).unwrap();
    assert_eq!(t.get_column_names()[1].as_str(), NOTE_NAMES[0]);
}

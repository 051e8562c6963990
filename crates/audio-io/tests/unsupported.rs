//! Formats and codecs no reader or decoder is built for fail with an error that names them in
//! words and says what to do (testdata/unsupported, see its README).

use std::path::Path;

use audio_io::{AudioError, AudioReader, CONVERT_HINT};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

fn error_of(path: &Path) -> AudioError {
    AudioReader::open(path).expect_err("not decodable")
}

#[test]
fn committed_files_name_their_format_or_codec() {
    for (file, words, is_codec) in [
        ("wmav2.wma", "WMA/ASF (Windows Media)", false),
        ("wavpack.wv", "WavPack", false),
        ("ac3.ac3", "AC-3 (Dolby Digital)", false),
        ("ac3.mka", "AC-3 (Dolby Digital)", true),
    ] {
        let path = Path::new(TESTDATA).join("unsupported").join(file);
        let e = error_of(&path);
        match (&e, is_codec) {
            (AudioError::UnsupportedFormat { format, .. }, false) => assert_eq!(format, words),
            (AudioError::UnsupportedCodec { codec, .. }, true) => assert_eq!(codec, words),
            _ => panic!("{file}: {e:?}"),
        }
        let text = e.to_string();
        assert!(
            text.contains(words) && text.contains(CONVERT_HINT),
            "{text}"
        );
        assert!(text.starts_with(&path.display().to_string()), "{text}");
    }
}

#[test]
fn headers_of_other_formats_name_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, head, words) in [
        ("a.ape", &b"MAC \x96\x0f\0\0"[..], "Monkey's Audio (APE)"),
        ("a.mpc", b"MPCK\x01\x02", "Musepack (MPC)"),
        ("a.dsf", b"DSD \x1c\0\0\0\0\0\0\0", "DSD audio (DSF)"),
        (
            "a.mid",
            b"MThd\0\0\0\x06",
            "MIDI (notes, not sound: render it to audio first)",
        ),
    ] {
        let path = dir.path().join(name);
        let mut bytes = head.to_vec();
        bytes.resize(4096, 0);
        std::fs::write(&path, bytes).expect("write");
        match error_of(&path) {
            AudioError::UnsupportedFormat { format, .. } => assert_eq!(format, words, "{name}"),
            e => panic!("{name}: {e:?}"),
        }
    }
    // Bytes that are no format at all stay "not audio".
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "just some text, long enough to be probed properly").expect("write");
    assert!(matches!(error_of(&path), AudioError::NotAudio { .. }));
}

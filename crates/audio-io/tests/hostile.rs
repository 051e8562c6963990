//! Hostile inputs (issue 9): header claims that must not size allocations, paths that are not
//! regular files, channel counts beyond the decoder's reach.

use std::path::{Path, PathBuf};

use audio_io::{read_mono, synth, AudioError, AudioReader, BlockSource};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

fn patched(from: &str, dir: &Path, name: &str, patch: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(format!("{TESTDATA}/corpus/{from}")).unwrap();
    patch(&mut bytes);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn with_rate(dir: &Path, rate: u32) -> PathBuf {
    patched(
        "formats/wav_pcm_s16le_22050_1ch.wav",
        dir,
        &format!("rate_{rate}.wav"),
        |b| b[24..28].copy_from_slice(&rate.to_le_bytes()),
    )
}

#[test]
fn sample_rates_outside_the_supported_range_are_refused_naming_file_and_rate() {
    let dir = tempfile::tempdir().unwrap();
    for rate in [1, 999, 768_001, 200_000_000, 4_000_000_000] {
        let path = with_rate(dir.path(), rate);
        match AudioReader::open(&path) {
            Err(e @ AudioError::UnsupportedSampleRate { .. }) => {
                assert_eq!(e.path(), path);
                let text = e.to_string();
                assert!(
                    text.contains(&format!("rate_{rate}.wav"))
                        && text.contains(&format!("{rate} Hz")),
                    "{text}"
                );
            }
            other => panic!("rate {rate}: {other:?}"),
        }
    }
    // The limits themselves are accepted.
    for rate in [audio_io::MIN_SAMPLE_RATE, 8000, audio_io::MAX_SAMPLE_RATE] {
        let path = with_rate(dir.path(), rate);
        let signal = read_mono(&path).unwrap_or_else(|e| panic!("rate {rate}: {e}"));
        assert_eq!(signal.sample_rate(), rate);
    }
}

#[test]
fn an_mp3_frame_count_of_2_pow_32_is_not_believed() {
    let dir = tempfile::tempdir().unwrap();
    let path = patched(
        "formats/mp3_cbr192k_44100_2ch.mp3",
        dir.path(),
        "huge_count.mp3",
        |b| {
            let at = b.windows(4).position(|w| w == b"Info").unwrap() + 8;
            b[at..at + 4].copy_from_slice(&[0xff; 4]);
        },
    );
    let reader = AudioReader::open(&path).unwrap();
    assert!(
        reader.info().frames.unwrap_or(0) > 1 << 32,
        "the patch must reach the header: {:?}",
        reader.info()
    );
    drop(reader);
    let signal = read_mono(&path).unwrap();
    // The 116 MPEG frames of the file (its encoder padding is no longer trimmed: the padding is
    // counted from the claimed length).
    let n = signal.samples.len();
    assert!((132_300..=116 * 1152).contains(&n), "{n} samples");
    // At most MAX_RESERVED_SAMPLES were reserved from the claim.
    assert!(signal.samples.capacity() <= audio_io::MAX_RESERVED_SAMPLES);
}

#[cfg(unix)]
#[test]
fn a_fifo_is_named_as_such_not_as_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.wav");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let e = AudioReader::open(&fifo).unwrap_err();
    assert!(matches!(e, AudioError::NotARegularFile { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("pipe.wav") && text.contains("FIFO"), "{text}");
    // A character device, too.
    let e = AudioReader::open("/dev/null").unwrap_err();
    assert!(e.to_string().contains("character device"), "{e}");
}

#[test]
fn a_32_channel_wav_is_decoded_or_refused_with_the_channel_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ch32.wav");
    let chans: Vec<Vec<f64>> = (0..32)
        .map(|c| synth::tone(220.0 + 10.0 * c as f64, 0.5, 22050, 0.5))
        .collect();
    let refs: Vec<&[f64]> = chans.iter().map(Vec::as_slice).collect();
    synth::write_wav(&path, &refs, 22050, synth::WavFormat::S16).unwrap();
    match read_mono(&path) {
        Ok(signal) => {
            assert_eq!(signal.info.channels, 32);
            assert_eq!(signal.samples.len(), 11025);
        }
        Err(e) => {
            let text = e.to_string();
            assert!(
                matches!(e, AudioError::TooManyChannels { channels: 32, .. }),
                "{text}"
            );
            assert!(
                text.contains("ch32.wav") && text.contains("32 channels"),
                "{text}"
            );
        }
    }
}

#[test]
fn noise_that_panics_symphonias_adts_probe_is_not_audio() {
    // Found by the `decode` fuzz target: symphonia 0.5's ADTS probe subtracts with overflow on
    // it (a panic with overflow checks, as in this test profile); audio-io catches it.
    let path = format!("{TESTDATA}/fuzz/adts_probe_overflow.bin");
    let e = AudioReader::open(&path).unwrap_err();
    assert!(matches!(e, AudioError::NotAudio { .. }), "{e:?}");
    assert!(e.to_string().contains("adts_probe_overflow.bin"), "{e}");
}

#[test]
fn input_that_makes_symphonias_probe_step_by_zero_is_not_audio() {
    // Found by the `decode` fuzz target: a `step_by(0)` panic inside symphonia 0.5's probe.
    let path = format!("{TESTDATA}/fuzz/probe_step_by_zero.bin");
    let e = AudioReader::open(&path).unwrap_err();
    assert!(matches!(e, AudioError::NotAudio { .. }), "{e:?}");
}

#[test]
fn a_wav_channel_mask_that_panics_symphonias_riff_reader_is_an_error_naming_the_file() {
    // Found by the `decode` fuzz target (0.5's corpus, replayed on 0.6): 45 bytes of noise, then
    // a WAVE_FORMAT_EXTENSIBLE `fmt ` chunk with 65535 channels and a mask whose top bit is set;
    // symphonia 0.6.1's riff reader shifts left with overflow fixing the mask (a panic with
    // overflow checks, as in this test profile). Error or valid output, never a panic.
    let path = format!("{TESTDATA}/fuzz/wav_channel_mask_shift_overflow.bin");
    match read_mono(&path) {
        Ok(signal) => assert!(signal.samples.iter().all(|x| x.is_finite())),
        Err(e) => assert!(
            e.to_string()
                .contains("wav_channel_mask_shift_overflow.bin"),
            "{e}"
        ),
    }
}

#[test]
fn a_32_channel_aiff_is_decoded() {
    // symphonia 0.6 gives AIFF channels beyond 3 as discrete channels, so (unlike WAV, whose
    // channels need speaker positions) any count decodes; 0.5 refused more than 26.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ch32.aifc");
    let chans: Vec<Vec<f64>> = (0..32)
        .map(|c| synth::tone(220.0 + 10.0 * c as f64, 0.5, 22050, 0.5))
        .collect();
    let refs: Vec<&[f64]> = chans.iter().map(Vec::as_slice).collect();
    synth::write_aifc_f32(&path, &refs, 22050).unwrap();
    let signal = read_mono(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(signal.info.channels, 32);
    assert_eq!(signal.samples.len(), 11025);
    // The mono mix is the mean of the 32 channels (each stored as f32).
    for i in [0, 100, 5000, 11024] {
        let mean = chans.iter().map(|c| f64::from(c[i] as f32)).sum::<f64>() / 32.0;
        assert!((signal.samples[i] - mean).abs() < 1e-12, "{i}");
    }
}

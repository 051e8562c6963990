//! Every file in testdata/corpus/formats and testdata/corpus/bad gives its documented result.

use std::path::{Path, PathBuf};

use audio_io::{
    read_mono, read_mono_with_report, AudioError, AudioReader, BlockSource, SampleFormat,
};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

fn corpus(rel: &str) -> PathBuf {
    Path::new(TESTDATA).join("corpus").join(rel)
}

/// `(path, label, sample_rate, channels, duration_s)` of one manifest row.
type ManifestRow = (String, String, Option<u32>, Option<usize>, Option<f64>);

/// The manifest rows in `group`.
fn manifest(group: &str) -> Vec<ManifestRow> {
    let text = std::fs::read_to_string(corpus("manifest.csv")).expect("manifest.csv");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f.len() == 7 && f[1] == group).then(|| {
                (
                    f[0].to_string(),
                    f[2].to_string(),
                    f[3].parse().ok(),
                    f[4].parse().ok(),
                    f[5].parse().ok(),
                )
            })
        })
        .collect()
}

fn master() -> Vec<f64> {
    read_mono(corpus("formats/wav_pcm_s16le_44100_2ch.wav"))
        .expect("master")
        .samples
}

#[test]
fn every_format_file_has_the_manifest_rate_channels_and_duration() {
    let rows = manifest("formats");
    assert_eq!(rows.len(), 15);
    for (path, label, sr, ch, dur) in rows {
        let (signal, report) =
            read_mono_with_report(corpus(&path)).unwrap_or_else(|e| panic!("{e}"));
        let (sr, ch, dur) = (sr.expect("sr"), ch.expect("ch"), dur.expect("dur"));
        assert_eq!(signal.info.sample_rate, sr, "{path}");
        assert_eq!(signal.info.channels, ch, "{path}");
        let expected_frames = (dur * f64::from(sr)).round() as usize;
        // Lossless files and gapless MP3/Ogg decode to exactly ffmpeg's frame count.
        assert_eq!(signal.samples.len(), expected_frames, "{path} ({label})");
        assert_eq!(signal.info.frames, Some(expected_frames as u64), "{path}");
        assert!(
            (signal.info.duration_s().expect("duration") - dur).abs() < 1e-6,
            "{path}"
        );
        assert!(
            !report.truncated && report.packets_skipped == 0,
            "{path}: {report:?}"
        );
        assert!(signal.samples.iter().all(|x| x.is_finite()), "{path}");
    }
}

#[test]
fn lossless_encodings_match_the_16_bit_master_within_one_step() {
    let m = master();
    // (file, expected format, tolerance = one step of the coarser format: the 16-bit master)
    let cases = [
        (
            "formats/flac_s16_44100_2ch.flac",
            SampleFormat::Int(16),
            0.0,
        ),
        (
            "formats/aiff_pcm_s16be_44100_2ch.aiff",
            SampleFormat::Int(16),
            0.0,
        ),
        (
            "formats/wav_pcm_s24le_44100_2ch.wav",
            SampleFormat::Int(24),
            1.0 / 32768.0,
        ),
        (
            "formats/wav_pcm_s32le_44100_2ch.wav",
            SampleFormat::Int(32),
            1.0 / 32768.0,
        ),
        (
            "formats/wav_pcm_f32le_44100_2ch.wav",
            SampleFormat::F32,
            1.0 / 32768.0,
        ),
        (
            "formats/wav_pcm_u8_44100_2ch.wav",
            SampleFormat::U8,
            1.0 / 128.0,
        ),
    ];
    for (path, format, tol) in cases {
        let s = read_mono(corpus(path)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.info.sample_format, format, "{path}");
        assert_eq!(s.samples.len(), m.len(), "{path}");
        let worst = s
            .samples
            .iter()
            .zip(&m)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst <= tol, "{path}: max deviation {worst} > {tol}");
    }
}

/// Pearson correlation of `a[i]` with `b[i + lag]` over a window in the middle of the signal.
fn correlation_at(a: &[f64], b: &[f64], lag: isize) -> f64 {
    let start = a.len() / 3;
    let end = start + 44100;
    let (mut sab, mut saa, mut sbb, mut sa, mut sb) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let n = (end - start) as f64;
    for i in start..end {
        let x = a[i];
        let y = b[(i as isize + lag) as usize];
        sab += x * y;
        saa += x * x;
        sbb += y * y;
        sa += x;
        sb += y;
    }
    let cov = sab - sa * sb / n;
    cov / ((saa - sa * sa / n) * (sbb - sb * sb / n)).sqrt()
}

#[test]
fn lossy_encodings_correlate_with_the_master() {
    // Bar: best correlation over lags of +-2205 samples (50 ms) above 0.95, at a lag of at
    // most one sample (gapless decoding trims the encoder delay, so nothing is shifted), and the
    // duration within 50 ms of the master's.
    let m = master();
    for path in [
        "formats/mp3_cbr192k_44100_2ch.mp3",
        "formats/ogg_vorbis_q5_44100_2ch.ogg",
    ] {
        let s = read_mono(corpus(path)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.info.sample_format, SampleFormat::Lossy);
        assert!(
            (s.duration_s() - m.len() as f64 / 44100.0).abs() < 0.050,
            "{path}"
        );
        let (best_lag, best) = (-2205..=2205)
            .map(|lag| (lag, correlation_at(&m, &s.samples, lag)))
            .fold((0, f64::MIN), |acc, x| if x.1 > acc.1 { x } else { acc });
        assert!(
            best > 0.95,
            "{path}: best correlation {best} at lag {best_lag}"
        );
        eprintln!("{path}: best correlation {best:.5} at lag {best_lag}");
        assert!(best_lag.abs() <= 1, "{path}: shifted by {best_lag} samples");
    }
}

/// Channels of a WAV as the integers stored (hound gives 8-bit as signed, v - 128).
fn hound_channels(path: &Path) -> (Vec<Vec<i32>>, u16) {
    let mut r = hound::WavReader::open(path).expect("hound");
    let spec = r.spec();
    let ch = spec.channels as usize;
    let all: Vec<i32> = r.samples::<i32>().map(|s| s.expect("sample")).collect();
    let chans = (0..ch)
        .map(|c| all.iter().skip(c).step_by(ch).copied().collect())
        .collect();
    (chans, spec.bits_per_sample)
}

/// numpy's `x.astype(float64).mean(axis=1)`: sum in channel order, then divide.
fn numpy_mean(chans: &[Vec<f64>]) -> Vec<f64> {
    (0..chans[0].len())
        .map(|i| {
            let mut acc = chans[0][i];
            for c in &chans[1..] {
                acc += c[i];
            }
            acc / chans.len() as f64
        })
        .collect()
}

#[test]
fn raw_scale_is_the_reference_readers_integers_averaged_like_numpy() {
    // raw_dtype (INDEX.csv): int16 for s16 (2 and 6 channels), int32 left-justified for s24,
    // int32 for s32, uint8 for u8.
    for (path, to_raw) in [
        ("formats/wav_pcm_s16le_44100_2ch.wav", 1.0),
        ("formats/wav_pcm_s16le_44100_6ch_5.1.wav", 1.0),
        ("formats/wav_pcm_s24le_44100_2ch.wav", 256.0),
        ("formats/wav_pcm_s32le_44100_2ch.wav", 1.0),
    ] {
        let (ints, _) = hound_channels(&corpus(path));
        let chans: Vec<Vec<f64>> = ints
            .iter()
            .map(|c| c.iter().map(|v| f64::from(*v) * to_raw).collect())
            .collect();
        let expected = numpy_mean(&chans);
        let got = read_mono(corpus(path)).expect("read").raw_samples();
        assert_eq!(got, expected, "{path}: raw samples must be bit-identical");
    }
    // u8: SciPy's 0..255.
    let path = corpus("formats/wav_pcm_u8_44100_2ch.wav");
    let (ints, bits) = hound_channels(&path);
    assert_eq!(bits, 8);
    let chans: Vec<Vec<f64>> = ints
        .iter()
        .map(|c| c.iter().map(|v| f64::from(*v + 128)).collect())
        .collect();
    let got = read_mono(&path).expect("u8").raw_samples();
    assert_eq!(got, numpy_mean(&chans));
    assert!(got
        .iter()
        .all(|v| (0.0..=255.0).contains(v) && (2.0 * v).fract() == 0.0));
}

#[test]
fn six_channel_file_is_the_average_of_all_channels() {
    let path = corpus("formats/wav_pcm_s16le_44100_6ch_5.1.wav");
    let (ints, _) = hound_channels(&path);
    assert_eq!(ints.len(), 6);
    let s = read_mono(&path).expect("5.1");
    for i in (0..s.samples.len()).step_by(997) {
        let mean: f64 = ints.iter().map(|c| f64::from(c[i])).sum::<f64>() / 6.0 / 32768.0;
        assert!((s.samples[i] - mean).abs() < 1e-15, "frame {i}");
    }
    // The channels differ, so the average is not just one of them.
    let first: Vec<f64> = ints[0].iter().map(|v| f64::from(*v) / 32768.0).collect();
    assert!(s
        .samples
        .iter()
        .zip(&first)
        .any(|(a, b)| (a - b).abs() > 0.01));
}

#[test]
fn streaming_blocks_concatenate_to_the_whole_signal() {
    for path in [
        "formats/wav_pcm_s16le_44100_2ch.wav",
        "formats/mp3_cbr192k_44100_2ch.mp3",
        "formats/flac_s16_44100_2ch.flac",
        "formats/ogg_vorbis_q5_44100_2ch.ogg",
    ] {
        let whole = read_mono(corpus(path)).expect("whole");
        let mut reader = AudioReader::open(corpus(path)).expect("open");
        assert_eq!(reader.info(), &whole.info);
        let mut streamed = Vec::new();
        let mut blocks = 0;
        while let Some(block) = reader.next_block().expect("block") {
            assert!(!block.is_empty());
            streamed.extend_from_slice(block);
            blocks += 1;
        }
        assert!(blocks > 10, "{path}: {blocks} blocks");
        assert_eq!(streamed, whole.samples, "{path}");
        assert!(reader.next_block().expect("after end").is_none());
        assert_eq!(reader.report().frames_decoded, whole.samples.len() as u64);
    }
}

#[test]
fn mono_resampled_files_have_their_rate_and_duration() {
    for sr in [8000u32, 16000, 22050, 48000, 96000] {
        let s = read_mono(corpus(&format!("formats/wav_pcm_s16le_{sr}_1ch.wav"))).expect("mono");
        assert_eq!((s.sample_rate(), s.info.channels), (sr, 1));
        assert_eq!(s.samples.len(), 3 * sr as usize);
    }
}

#[test]
fn files_are_probed_by_content_not_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (src, name) in [
        ("formats/wav_pcm_s16le_8000_1ch.wav", "renamed.mp3"),
        ("formats/wav_pcm_s16le_8000_1ch.wav", "renamed.bin"),
        ("formats/flac_s16_44100_2ch.flac", "noext"),
        ("formats/mp3_cbr192k_44100_2ch.mp3", "song.wav"),
    ] {
        let dst = dir.path().join(name);
        std::fs::copy(corpus(src), &dst).expect("copy");
        let a = read_mono(corpus(src)).expect("original");
        let b = read_mono(&dst).expect("renamed");
        assert_eq!(a.samples, b.samples, "{name}");
        assert_eq!(a.info.container, b.info.container);
    }
}

// ---- bad/: one test per file ----------------------------------------------------------------

fn label(file: &str) -> String {
    manifest("bad")
        .into_iter()
        .find(|r| r.0 == format!("bad/{file}"))
        .map(|r| r.1)
        .expect("row")
}

fn assert_names_file(e: &AudioError, file: &str) {
    assert!(e.to_string().contains(file), "{e}");
    assert!(e.path().ends_with(file));
}

#[test]
fn bad_x_wav_is_an_empty_file() {
    assert_eq!(label("x.wav"), "error:empty-file");
    let e = read_mono(corpus("bad/x.wav")).expect_err("must fail");
    assert!(matches!(e, AudioError::EmptyFile { .. }), "{e:?}");
    assert_names_file(&e, "x.wav");
}

#[test]
fn bad_notes_wav_is_not_audio() {
    assert_eq!(label("notes.wav"), "error:not-audio");
    let e = read_mono(corpus("bad/notes.wav")).expect_err("must fail");
    assert!(matches!(e, AudioError::NotAudio { .. }), "{e:?}");
    assert_names_file(&e, "notes.wav");
}

#[test]
fn bad_y_flac_is_not_audio() {
    assert_eq!(label("y.flac"), "error:not-audio");
    let e = read_mono(corpus("bad/y.flac")).expect_err("must fail");
    assert!(matches!(e, AudioError::NotAudio { .. }), "{e:?}");
    assert_names_file(&e, "y.flac");
}

#[test]
fn bad_zero_samples_wav_has_no_samples() {
    assert_eq!(label("zero_samples.wav"), "error:no-samples");
    let e = read_mono(corpus("bad/zero_samples.wav")).expect_err("must fail");
    assert!(matches!(e, AudioError::NoSamples { .. }), "{e:?}");
    assert_names_file(&e, "zero_samples.wav");
}

#[test]
fn bad_nan_inf_wav_is_a_non_finite_sample_error() {
    assert_eq!(label("nan_inf.wav"), "error:non-finite-samples");
    let e = read_mono(corpus("bad/nan_inf.wav")).expect_err("must fail");
    assert!(matches!(e, AudioError::NonFiniteSample { .. }), "{e:?}");
    assert_names_file(&e, "nan_inf.wav");
}

#[test]
fn bad_short_10ms_wav_decodes_its_220_samples() {
    // The "shorter than one analysis window" error belongs to the feature layer.
    assert_eq!(label("short_10ms.wav"), "error:shorter-than-window");
    let s = read_mono(corpus("bad/short_10ms.wav")).expect("decodes");
    assert_eq!(s.samples.len(), 220);
    assert!(s.samples.iter().all(|x| x.is_finite()));
}

#[test]
fn bad_silence_2s_wav_is_defined() {
    assert_eq!(label("silence_2s.wav"), "defined:digital-silence");
    let s = read_mono(corpus("bad/silence_2s.wav")).expect("decodes");
    assert_eq!(s.samples.len(), 44100);
    assert!(s.samples.iter().all(|x| *x == 0.0));
}

#[test]
fn bad_dc_2s_wav_is_defined() {
    assert_eq!(label("dc_2s.wav"), "defined:dc-constant");
    let s = read_mono(corpus("bad/dc_2s.wav")).expect("decodes");
    assert_eq!(s.samples.len(), 44100);
    assert!(s.raw_samples().iter().all(|x| *x == 8192.0));
}

#[test]
fn bad_truncated_data_wav_gives_the_second_it_has_and_says_truncated() {
    assert_eq!(
        label("truncated_data.wav"),
        "error-or-partial:truncated-data"
    );
    let (s, report) = read_mono_with_report(corpus("bad/truncated_data.wav")).expect("partial");
    // 1 s of samples plus one byte: the odd byte (half a sample) is dropped.
    assert_eq!(s.samples.len(), 22050);
    assert!(report.truncated, "{report:?}");
    assert_eq!(s.info.frames, Some(44100), "the header's claim");
    assert!(s.samples.iter().all(|x| x.is_finite()));
    // The available samples are the real ones, not zeros.
    assert!(s.samples.iter().any(|x| x.abs() > 0.1));
}

#[test]
fn bad_truncated_mid_frame_mp3_gives_what_it_has_and_says_truncated() {
    assert_eq!(
        label("truncated_mid_frame.mp3"),
        "error-or-partial:truncated-mp3"
    );
    let (s, report) =
        read_mono_with_report(corpus("bad/truncated_mid_frame.mp3")).expect("partial");
    assert!(report.truncated, "{report:?}");
    // ffmpeg decodes 1.803515 s; we stop at the last whole frame before the cut.
    assert!(
        (s.duration_s() - 1.803515).abs() < 0.05,
        "{}",
        s.duration_s()
    );
    assert!(s.samples.iter().all(|x| x.is_finite()));
    // Same samples as the intact file up to the cut.
    let full = read_mono(corpus("formats/mp3_cbr192k_44100_2ch.mp3")).expect("full");
    assert_eq!(
        &full.samples[..s.samples.len() - 1152],
        &s.samples[..s.samples.len() - 1152]
    );
}

#[test]
fn an_aiff_cut_inside_its_sound_data_gives_what_it_has_and_says_truncated() {
    // symphonia 0.6 reads the AIFF chunks after the sound data by skipping over it, which fails
    // at the end of a file cut inside it; audio-io then reads the file as a plain stream.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(corpus("formats/aiff_pcm_s16be_44100_2ch.aiff")).unwrap();
    let cut = &bytes[..32768];
    let path = dir.path().join("cut.aiff");
    std::fs::write(&path, cut).unwrap();
    let (s, report) = read_mono_with_report(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.truncated, "{report:?}");
    // Its COMM chunk still states the whole file's length.
    assert_eq!(s.info.frames, Some(132_300));
    // Every whole stereo 16-bit frame before the cut: the sound data starts 16 bytes after the
    // "SSND" id (chunk size, then SSND's offset and block size).
    let ssnd = cut
        .windows(4)
        .position(|w| w == b"SSND")
        .expect("SSND chunk");
    let frames = (cut.len() - (ssnd + 16)) / 4;
    assert_eq!(s.samples.len(), frames);
    let m = master();
    assert_eq!(&s.samples[..], &m[..frames]);
    assert_eq!(s.info.container, "aiff");

    // The same behind 45 bytes of junk (the probe skips them to the FORM chunk): named by the
    // reader symphonia found, not by the first bytes.
    let path = dir.path().join("junk_then_cut.aiff");
    std::fs::write(&path, [&[0x5a; 45][..], cut].concat()).unwrap();
    let (s, report) = read_mono_with_report(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.truncated, "{report:?}");
    assert_eq!(s.info.container, "aiff");
    assert_eq!(&s.samples[..], &m[..frames]);
}

#[test]
fn gapless_mp3_decodes_to_ffmpegs_length_without_encoder_delay_and_padding() {
    // The reference decoded MP3 through ffmpeg, which trims the encoder delay and padding a
    // LAME header states; so does symphonia's gapless decoding. Counts from ffmpeg 5.1
    // (`ffmpeg -i FILE -ac 1 -f s16le - | wc -c`, halved).
    let (s, report) = read_mono_with_report(corpus("formats/mp3_cbr192k_44100_2ch.mp3")).unwrap();
    // 116 MPEG frames of 1152 samples, less LAME's delay (576 + 529 decoder delay) and padding
    // (756 - 529).
    assert_eq!(116 * 1152 - (576 + 529) - (756 - 529), 132_300);
    assert_eq!(s.samples.len(), 132_300);
    assert_eq!(s.info.frames, Some(132_300));
    assert!(
        !report.truncated && report.packets_skipped == 0,
        "{report:?}"
    );
    // The Salsa loop's LAME tag states no usable delay: neither decoder trims (9317 x 1152).
    let s = read_mono(corpus("real/beat/100 BPM - Rhythm patterns - Salsa.mp3")).unwrap();
    assert_eq!(s.samples.len(), 10_733_184);
}

#[test]
fn missing_file_and_directory_are_typed_errors() {
    let e = read_mono(corpus("bad/does_not_exist.wav")).expect_err("missing");
    assert!(matches!(e, AudioError::NotFound { .. }), "{e:?}");
    assert_names_file(&e, "does_not_exist.wav");
    let e = read_mono(corpus("bad")).expect_err("directory");
    assert!(matches!(e, AudioError::Io { .. }), "{e:?}");
}

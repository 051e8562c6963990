//! The files' own tags (testdata/tags, made with Debian's ffmpeg 5.1; see its README): every tag
//! format gives the same six values, and a broken or hostile tag costs bounded memory and never
//! the audio.

use std::path::{Path, PathBuf};

use audio_io::{read_mono, AudioReader, BlockSource, Tags, MAX_ID3V2_BYTES};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");

fn tags_file(name: &str) -> PathBuf {
    Path::new(TESTDATA).join("tags").join(name)
}

fn tags_of(path: &Path) -> Tags {
    AudioReader::open(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .info()
        .tags
        .clone()
}

/// What ffmpeg was asked to write: `title=Intro artist=Tux album=Antarctic track=3/12 date=2004
/// genre=Soundtrack`.
fn written() -> Tags {
    Tags {
        title: Some("Intro".into()),
        artist: Some("Tux".into()),
        album: Some("Antarctic".into()),
        track: Some(3),
        year: Some(2004),
        genre: Some("Soundtrack".into()),
    }
}

#[test]
fn every_tag_format_gives_title_artist_album_track_year_genre() {
    for file in [
        "tags_id3v2.3+v1.mp3",
        "tags_id3v1.mp3",
        "tags_vorbis.flac",
        "tags_vorbis.ogg",
        "tags_vorbis.opus",
        "tags_mp4.m4a",
        "tags_riff_info.wav",
        "tags_id3v2.aiff",
    ] {
        assert_eq!(tags_of(&tags_file(file)), written(), "{file}");
    }
    // Matroska: ffmpeg writes the title as the segment's title, which symphonia 0.6.1 reads but
    // does not give out; the other five are tags at the album level (`ALBUM@ARTIST`, ...).
    let mka = tags_of(&tags_file("tags_matroska.mka"));
    assert_eq!(
        mka,
        Tags {
            title: None,
            ..written()
        }
    );
}

#[test]
fn a_file_without_tags_has_none() {
    assert!(tags_of(&tags_file("plain.mp3")).is_empty());
}

#[test]
fn hostile_tags_keep_the_audio() {
    let plain = read_mono(tags_file("plain.mp3")).expect("plain").samples;
    for (file, title) in [
        // The invalid bytes become replacement characters (and a warning).
        ("hostile_bad_utf8.mp3", Some("Caf\u{FFFD} \u{FFFD}\u{FFFD}")),
        // The frames before the lying one are read.
        ("hostile_frame_past_end.mp3", Some("Liar")),
        // Neither tag can be read at all.
        ("hostile_tag_past_end.mp3", None),
        ("hostile_bad_version.mp3", None),
    ] {
        let signal = read_mono(tags_file(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            signal.samples, plain,
            "{file}: the audio is the plain file's"
        );
        assert_eq!(signal.info.tags.title.as_deref(), title, "{file}");
    }
}

/// A leading ID3v2 tag over [`MAX_ID3V2_BYTES`] (here a 17 MiB picture) is skipped whole:
/// symphonia would hold it in memory twice; the audio after it is read.
#[test]
fn an_oversized_picture_tag_is_skipped_not_read() {
    let plain = std::fs::read(tags_file("plain.mp3")).expect("plain");
    let picture_len = MAX_ID3V2_BYTES as usize + (1 << 20);
    let mut frame = b"APIC".to_vec();
    let body_len = 1 + b"image/jpeg\0".len() + 2 + picture_len;
    frame.extend_from_slice(&(body_len as u32).to_be_bytes());
    frame.extend_from_slice(&[0, 0, 0]);
    frame.extend_from_slice(b"image/jpeg\0\x03\0");
    frame.resize(frame.len() + picture_len, 0x55);
    let title = b"TIT2\0\0\0\x06\0\0\x03Cover";
    let size = (title.len() + frame.len()) as u32;
    let synchsafe: Vec<u8> = (0..4)
        .rev()
        .map(|i| ((size >> (7 * i)) & 0x7f) as u8)
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big_picture.mp3");
    let mut bytes = b"ID3\x03\0\0".to_vec();
    bytes.extend_from_slice(&synchsafe);
    bytes.extend_from_slice(title);
    bytes.extend_from_slice(&frame);
    bytes.extend_from_slice(&plain);
    std::fs::write(&path, &bytes).expect("write");

    let signal = read_mono(&path).expect("the audio after the tag");
    assert_eq!(
        signal.samples,
        read_mono(tags_file("plain.mp3")).expect("plain").samples
    );
    assert!(signal.info.tags.is_empty(), "{:?}", signal.info.tags);
}

/// A WAV whose `INFO` list is malformed (its second entry claims more bytes than the list
/// holds; found by the `tags` fuzz target): symphonia 0.6.1 fails the whole file on it, the
/// reader reads the audio all the same and keeps the entries before the broken one.
#[test]
fn a_broken_riff_info_list_keeps_the_audio() {
    let samples: Vec<u8> = (0..800i16).flat_map(|i| (i * 40).to_le_bytes()).collect();
    let mut info = b"INFO".to_vec();
    info.extend_from_slice(b"INAM\x06\0\0\0Intro\0");
    info.extend_from_slice(b"IART\xff\0\0\0Tux\0");
    let mut chunks = b"fmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0".to_vec();
    chunks.extend_from_slice(b"LIST");
    chunks.extend_from_slice(&(info.len() as u32).to_le_bytes());
    chunks.extend_from_slice(&info);
    chunks.extend_from_slice(b"data");
    chunks.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    chunks.extend_from_slice(&samples);
    let mut wav = b"RIFF".to_vec();
    wav.extend_from_slice(&(chunks.len() as u32 + 4).to_le_bytes());
    wav.extend_from_slice(b"WAVE");
    wav.extend_from_slice(&chunks);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken_info.wav");
    std::fs::write(&path, &wav).expect("write");

    let signal = read_mono(&path).expect("the audio is read");
    assert_eq!(signal.samples.len(), 800);
    assert_eq!(signal.info.tags.title.as_deref(), Some("Intro"));
    assert_eq!(signal.info.tags.artist, None);
}

//! The file's own tags (title, artist, album, track, year, genre), as symphonia's metadata
//! readers give them: ID3v1 and ID3v2, Vorbis comments (Ogg Vorbis, Ogg Opus, FLAC), MP4 atoms,
//! RIFF INFO, Matroska tags.
//!
//! Tags never stop the audio: a tag that cannot be read is a warning and the samples still
//! count. Memory is bounded: symphonia reads a tag whole (pictures included), so a leading
//! ID3v2 tag larger than [`MAX_ID3V2_BYTES`] (a huge picture) is not given to it, and one that
//! claims to run past the end of the file is treated as junk before the audio
//! ([`LeadingId3v2`]); every text value is cut at [`MAX_TAG_CHARS`].

use symphonia::core::meta::{MetadataRevision, RawValue, StandardTag, Tag};

/// Largest leading ID3v2 tag read for its tags (16 MiB, lofty's default allocation limit):
/// text frames take a few kilobytes and cover pictures rarely more than a few megabytes.
/// symphonia holds a tag it reads in memory twice while parsing it (measured: a 50 MB picture
/// frame took the peak RSS of a one-file run from 15 MB to 113 MB), so a larger tag is skipped
/// whole and its tags are not read.
pub const MAX_ID3V2_BYTES: u64 = 16 << 20;

/// Longest tag value kept, in characters (longer values are cut, with a warning).
pub const MAX_TAG_CHARS: usize = 1024;

/// A file's descriptive tags; `None` where the file has none.
///
/// Serialised (serde) as an object of the tags the file has, in this order, a missing one left
/// out and read back as `None`: chroma's journal stores them so, and journals already written
/// depend on that text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tags {
    /// The track's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The performing artist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    /// The album.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    /// The track's number on its album.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<u32>,
    /// The year of recording or release (the first four digits of a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The genre, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
}

impl Tags {
    /// True when no tag is known.
    pub fn is_empty(&self) -> bool {
        *self == Tags::default()
    }

    /// Takes the values a metadata revision states; a value already known is replaced (later
    /// revisions are the container's own, read after tags found around it). Problems (a value
    /// that was not valid text, one cut short) are pushed on `warnings`.
    pub(crate) fn take_revision(
        &mut self,
        revision: &MetadataRevision,
        warnings: &mut Vec<String>,
    ) {
        let per_track = revision
            .per_track
            .iter()
            .flat_map(|t| t.metadata.tags.iter());
        for tag in revision.media.tags.iter().chain(per_track) {
            self.take_tag(tag, warnings);
        }
    }

    fn take_tag(&mut self, tag: &Tag, warnings: &mut Vec<String>) {
        let mut text = |value: &str| clean_text(&tag.raw.key, value, warnings);
        match &tag.std {
            Some(StandardTag::TrackTitle(v)) => set(&mut self.title, text(v)),
            Some(StandardTag::Artist(v)) => set(&mut self.artist, text(v)),
            // An album's artist stands in for a track's where the file names no other.
            Some(StandardTag::AlbumArtist(v)) => fill(&mut self.artist, text(v)),
            Some(StandardTag::Album(v)) => set(&mut self.album, text(v)),
            Some(StandardTag::Genre(v)) => set(&mut self.genre, text(v)),
            Some(StandardTag::TrackNumber(n)) => set(&mut self.track, u32::try_from(*n).ok()),
            Some(StandardTag::RecordingYear(y) | StandardTag::ReleaseYear(y)) => {
                set(&mut self.year, Some(i32::from(*y)))
            }
            Some(StandardTag::RecordingDate(d) | StandardTag::ReleaseDate(d)) => {
                set(&mut self.year, year_of(d))
            }
            Some(_) => {}
            None => {
                // Values symphonia left unmapped fill what is still unknown: a track number
                // written "3/12" where the format's parser wants a bare one (RIFF INFO's IPRT
                // as ffmpeg writes it), Matroska tags at the album level (`ALBUM@ALBUM`,
                // `ALBUM@DATE`, `ALBUM@PART_NUMBER`: ffmpeg's single-file tags).
                let RawValue::String(value) = &tag.raw.value else {
                    return;
                };
                let key = tag.raw.key.rsplit('@').next().unwrap_or_default();
                match key.to_ascii_lowercase().as_str() {
                    "title" => fill(&mut self.title, text(value)),
                    "artist" => fill(&mut self.artist, text(value)),
                    "album" => fill(&mut self.album, text(value)),
                    "genre" => fill(&mut self.genre, text(value)),
                    "date" | "year" | "date_recorded" | "date_released" => {
                        fill(&mut self.year, year_of(value))
                    }
                    "iprt" | "itrk" | "trck" | "track" | "tracknumber" | "part_number" => {
                        fill(&mut self.track, leading_number(value))
                    }
                    _ => {}
                }
            }
        }
    }
}

fn set<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// A tag's text trimmed, control characters dropped and cut at [`MAX_TAG_CHARS`]; `None` when
/// nothing is left. Text that was not valid in its encoding (symphonia gives U+FFFD for those
/// bytes) is kept with a warning.
fn clean_text(key: &str, value: &str, warnings: &mut Vec<String>) -> Option<String> {
    if value.contains('\u{FFFD}') {
        warnings.push(format!(
            "tag {key} is not valid text in its encoding; kept with replacement characters"
        ));
    }
    let mut cleaned: String = value
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_TAG_CHARS + 1)
        .collect();
    if cleaned.chars().count() > MAX_TAG_CHARS {
        warnings.push(format!(
            "tag {key} is longer than {MAX_TAG_CHARS} characters; cut"
        ));
        cleaned = cleaned.chars().take(MAX_TAG_CHARS).collect();
    }
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// The number a value starts with (`"3"`, `"3/12"`).
fn leading_number(value: &str) -> Option<u32> {
    let digits: String = value
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The year a date string starts with (`"2005"`, `"2005-03-01"`, `"2005-03-01T10:00"`).
fn year_of(date: &str) -> Option<i32> {
    let digits: String = date
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.len() == 4).then(|| digits.parse().ok()).flatten()
}

/// iTunes' gapless information (the `iTunSMPB` tag of an MP4 file): the encoder delay, the
/// padding and the playable sample count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ItunesGapless {
    /// Samples to drop from the start.
    pub delay: u64,
    /// Playable samples after the delay.
    pub frames: u64,
}

impl ItunesGapless {
    /// Finds and parses an `iTunSMPB` value (`" 00000000 00000840 000001CA 00000000000003F6
    /// ..."`: hexadecimal fields, the second the delay, the fourth the sample count).
    pub fn of_revision(revision: &MetadataRevision) -> Option<ItunesGapless> {
        let tag = revision
            .media
            .tags
            .iter()
            .find(|t| t.raw.key.to_ascii_lowercase().ends_with("itunsmpb"))?;
        let RawValue::String(value) = &tag.raw.value else {
            return None;
        };
        let fields: Vec<u64> = value
            .split_whitespace()
            .map(|f| u64::from_str_radix(f, 16))
            .collect::<Result<_, _>>()
            .ok()?;
        let (delay, frames) = (*fields.get(1)?, *fields.get(3)?);
        (frames > 0).then_some(ItunesGapless { delay, frames })
    }
}

/// An ID3v2 tag at the start of a file, from its 10-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeadingId3v2 {
    /// No tag, or one symphonia reads itself (at most [`MAX_ID3V2_BYTES`]).
    Readable,
    /// A tag larger than [`MAX_ID3V2_BYTES`]: the audio starts at `end`; its tags are not read.
    TooLarge {
        /// The first byte after the tag.
        end: u64,
    },
    /// A tag whose stated size runs past the end of the file: where the audio starts is
    /// unknown, so everything after the header is searched for it.
    PastEnd {
        /// The size the header claims.
        claimed: u64,
    },
}

impl LeadingId3v2 {
    /// Classifies the tag `head` (the file's first bytes) starts with, in a file of `file_len`
    /// bytes.
    pub fn of_head(head: &[u8], file_len: u64) -> LeadingId3v2 {
        let Some(header) = head.get(..10) else {
            return LeadingId3v2::Readable;
        };
        if &header[..3] != b"ID3" || header[6..10].iter().any(|b| b & 0x80 != 0) {
            return LeadingId3v2::Readable;
        }
        let size = header[6..10]
            .iter()
            .fold(0u64, |acc, &b| (acc << 7) | u64::from(b));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        let end = 10 + size + footer;
        if end > file_len {
            LeadingId3v2::PastEnd { claimed: size }
        } else if size > MAX_ID3V2_BYTES {
            LeadingId3v2::TooLarge { end }
        } else {
            LeadingId3v2::Readable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_values_give_their_number() {
        assert_eq!(leading_number("3/12"), Some(3));
        assert_eq!(leading_number(" 07 "), Some(7));
        assert_eq!(leading_number("/12"), None);
    }

    #[test]
    fn dates_give_their_year() {
        assert_eq!(year_of("2005"), Some(2005));
        assert_eq!(year_of(" 1999-03-01T10:00 "), Some(1999));
        assert_eq!(year_of("99"), None);
        assert_eq!(year_of("March 2005"), None);
    }

    #[test]
    fn text_is_trimmed_cleaned_and_cut() {
        let mut warnings = Vec::new();
        assert_eq!(
            clean_text("TIT2", "  Intro\u{0}\n ", &mut warnings),
            Some("Intro".into())
        );
        assert_eq!(clean_text("TIT2", " \u{0} ", &mut warnings), None);
        assert!(warnings.is_empty());
        let long = "x".repeat(5000);
        assert_eq!(
            clean_text("TIT2", &long, &mut warnings).map(|s| s.len()),
            Some(MAX_TAG_CHARS)
        );
        assert_eq!(
            clean_text("TIT2", "Caf\u{FFFD}", &mut warnings),
            Some("Caf\u{FFFD}".into())
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn leading_id3v2_headers_are_classified() {
        let header = |size: u32, flags: u8| {
            let mut h = b"ID3\x04\x00".to_vec();
            h.push(flags);
            h.extend((0..4).rev().map(|i| ((size >> (7 * i)) & 0x7f) as u8));
            h
        };
        assert_eq!(
            LeadingId3v2::of_head(&header(1000, 0), 5000),
            LeadingId3v2::Readable
        );
        assert_eq!(
            LeadingId3v2::of_head(&header(20 << 20, 0), 30 << 20),
            LeadingId3v2::TooLarge {
                end: 10 + (20 << 20)
            }
        );
        // With a footer the tag is 10 bytes longer.
        assert_eq!(
            LeadingId3v2::of_head(&header(4990, 0x10), 5005),
            LeadingId3v2::PastEnd { claimed: 4990 }
        );
        assert_eq!(
            LeadingId3v2::of_head(b"fLaC\0\0\0\0\0\0", 5000),
            LeadingId3v2::Readable
        );
    }
}

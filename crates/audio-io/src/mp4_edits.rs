//! The edit list of an MP4 file's sound track (`moov/trak/edts/elst`), which is how ffmpeg (and
//! most encoders other than iTunes) state an AAC stream's encoder delay and its playable length.
//! symphonia 0.6.1 reads the atom but does not apply it ("edits are not currently supported"),
//! so the reader applies it: this module only finds the numbers, reading box headers and the
//! few small boxes it needs, never a size a header claims.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Most boxes looked at before giving up (a real file's `moov` has a few dozen).
const MAX_BOXES: usize = 4096;
/// Most bytes read of one of the small boxes this module parses (`mvhd`, `mdhd`, `hdlr`,
/// `elst` with a few entries).
const MAX_SMALL_BOX: u64 = 4096;

/// The one edit of a sound track, in sample frames of the track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mp4Edit {
    /// Frames to drop from the start of the decoded stream (the encoder delay).
    pub skip: u64,
    /// Frames to play after them.
    pub frames: u64,
}

struct BoxHeader {
    kind: [u8; 4],
    /// Offset of the payload.
    start: u64,
    /// Offset of the first byte after the box.
    end: u64,
}

struct Walker {
    file: File,
    boxes: usize,
}

impl Walker {
    /// The boxes between `start` and `end`, one level.
    fn children(&mut self, start: u64, end: u64) -> Option<Vec<BoxHeader>> {
        let mut out = Vec::new();
        let mut pos = start;
        while pos + 8 <= end {
            self.boxes += 1;
            if self.boxes > MAX_BOXES {
                return None;
            }
            self.file.seek(SeekFrom::Start(pos)).ok()?;
            let mut head = [0u8; 16];
            self.file.read_exact(&mut head[..8]).ok()?;
            let size32 = u32::from_be_bytes(head[..4].try_into().ok()?);
            let kind: [u8; 4] = head[4..8].try_into().ok()?;
            let (size, header_len) = match size32 {
                0 => (end - pos, 8),
                1 => {
                    self.file.read_exact(&mut head[8..16]).ok()?;
                    (u64::from_be_bytes(head[8..16].try_into().ok()?), 16)
                }
                n => (u64::from(n), 8),
            };
            if size < header_len || pos.checked_add(size)? > end {
                return None;
            }
            out.push(BoxHeader {
                kind,
                start: pos + header_len,
                end: pos + size,
            });
            pos += size;
        }
        Some(out)
    }

    fn child(&mut self, parent: &BoxHeader, kind: &[u8; 4]) -> Option<BoxHeader> {
        self.children(parent.start, parent.end)?
            .into_iter()
            .find(|b| &b.kind == kind)
    }

    fn payload(&mut self, b: &BoxHeader) -> Option<Vec<u8>> {
        let len = (b.end - b.start).min(MAX_SMALL_BOX);
        let mut data = vec![0u8; len as usize];
        self.file.seek(SeekFrom::Start(b.start)).ok()?;
        self.file.read_exact(&mut data).ok()?;
        Some(data)
    }

    /// The timescale of an `mvhd` or `mdhd` box (version 0 or 1).
    fn timescale(&mut self, b: &BoxHeader) -> Option<u64> {
        let data = self.payload(b)?;
        let at = if data.first()? == &1 { 20 } else { 12 };
        let ts = u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?);
        (ts > 0).then_some(u64::from(ts))
    }
}

/// `(segment duration in movie units, media time in track units)` of each entry of an `elst`.
fn edit_entries(data: &[u8]) -> Option<Vec<(u64, i64)>> {
    let version = *data.first()?;
    let count = u32::from_be_bytes(data.get(4..8)?.try_into().ok()?) as usize;
    let entry_len = if version == 1 { 20 } else { 12 };
    let mut entries = Vec::new();
    for i in 0..count.min(16) {
        let e = data.get(8 + i * entry_len..8 + (i + 1) * entry_len)?;
        entries.push(if version == 1 {
            (
                u64::from_be_bytes(e[..8].try_into().ok()?),
                i64::from_be_bytes(e[8..16].try_into().ok()?),
            )
        } else {
            (
                u64::from(u32::from_be_bytes(e[..4].try_into().ok()?)),
                i64::from(i32::from_be_bytes(e[4..8].try_into().ok()?)),
            )
        });
    }
    Some(entries)
}

/// The edit of the first sound track of the MP4 file at `path`, in frames at `sample_rate`:
/// `None` when there is no edit list, or it is one this reader does not apply (several
/// non-empty edits, a rate other than normal, numbers that do not fit).
pub(crate) fn sound_track_edit(path: &Path, sample_rate: u32) -> Option<Mp4Edit> {
    let file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut w = Walker { file, boxes: 0 };
    let moov = w
        .children(0, len)?
        .into_iter()
        .find(|b| &b.kind == b"moov")?;
    let movie_ts = {
        let mvhd = w.child(&moov, b"mvhd")?;
        w.timescale(&mvhd)?
    };
    for trak in w.children(moov.start, moov.end)? {
        if &trak.kind != b"trak" {
            continue;
        }
        let Some(mdia) = w.child(&trak, b"mdia") else {
            continue;
        };
        let is_sound = w
            .child(&mdia, b"hdlr")
            .and_then(|h| w.payload(&h))
            .is_some_and(|d| d.get(8..12) == Some(b"soun"));
        if !is_sound {
            continue;
        }
        let media_ts = w.child(&mdia, b"mdhd").and_then(|b| w.timescale(&b))?;
        let elst = w.child(&trak, b"edts").and_then(|e| w.child(&e, b"elst"))?;
        let data = w.payload(&elst)?;
        // Leading empty edits (media time -1) only delay the presentation; one edit may follow.
        let edits: Vec<(u64, i64)> = edit_entries(&data)?
            .into_iter()
            .filter(|&(_, media_time)| media_time >= 0)
            .collect();
        let [(duration, media_time)] = edits[..] else {
            return None;
        };
        let rate = u128::from(sample_rate);
        let skip = u128::from(media_time as u64) * rate / u128::from(media_ts);
        let frames =
            (u128::from(duration) * rate + u128::from(movie_ts) / 2) / u128::from(movie_ts);
        return Some(Mp4Edit {
            skip: u64::try_from(skip).ok()?,
            frames: u64::try_from(frames).ok().filter(|&f| f > 0)?,
        });
    }
    None
}

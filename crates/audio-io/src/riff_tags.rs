//! A WAV file's tags: its `LIST`/`INFO` chunk and its `id3 ` chunk, wherever they are (before
//! or after the sound data). symphonia 0.6.1's WAV reader parses an `INFO` chunk found before
//! the data but drops the result (it builds the reader's metadata from the probe's only), and
//! skips `id3 ` chunks; this module finds the chunks by their headers and hands their bytes to
//! symphonia's own parsers (`symphonia-metadata`), reading no chunk larger than
//! [`crate::tags::MAX_ID3V2_BYTES`].

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::io::BufReader;
use symphonia::core::meta::well_known::METADATA_ID_WAVE;
use symphonia::core::meta::{MetadataBuilder, MetadataInfo, MetadataRevision};
use symphonia_metadata::embedded::riff::{parse_riff_info_chunk, read_riff_id3_chunk};

/// Most chunks looked at (a WAV file has a handful).
const MAX_CHUNKS: usize = 256;

const RIFF_INFO_METADATA: MetadataInfo = MetadataInfo {
    metadata: METADATA_ID_WAVE,
    short_name: "riff-info",
    long_name: "RIFF INFO list",
};

/// A chunk of a WAV file: its id, where its header starts, and its stated size.
struct Chunk {
    id: [u8; 4],
    /// Offset of the chunk's 8-byte header.
    at: u64,
    /// The size its header states (the body follows the header).
    size: u64,
    /// The first 4 bytes of the body, where the file has them (a `LIST`'s form).
    form: Option<[u8; 4]>,
}

/// The chunks of the WAV file `file` (of `len` bytes) whose bodies lie within the file, in
/// order, at most [`MAX_CHUNKS`]; empty if it is not a RIFF/WAVE file.
fn wav_chunks(file: &mut File, len: u64) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut head = [0u8; 12];
    let is_wave = file.seek(SeekFrom::Start(0)).is_ok()
        && file.read_exact(&mut head).is_ok()
        && &head[..4] == b"RIFF"
        && &head[8..12] == b"WAVE";
    if !is_wave {
        return chunks;
    }
    let mut pos = 12u64;
    while chunks.len() < MAX_CHUNKS && pos + 8 <= len {
        let mut header = [0u8; 12];
        if file.seek(SeekFrom::Start(pos)).is_err() {
            break;
        }
        let got = file.read(&mut header).unwrap_or(0);
        if got < 8 {
            break;
        }
        let id = [header[0], header[1], header[2], header[3]];
        let size = u64::from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]));
        if pos + 8 + size > len {
            // A data chunk of unknown size (0xFFFFFFFF) or a cut file: nothing follows.
            break;
        }
        let form = (got >= 12).then(|| [header[8], header[9], header[10], header[11]]);
        chunks.push(Chunk {
            id,
            at: pos,
            size,
            form,
        });
        pos += 8 + size + (size & 1);
    }
    chunks
}

/// Offsets of the `LIST` chunk ids of the WAV file at `path`: symphonia 0.6.1 fails a whole
/// file on a malformed `INFO` list, so the reader retries with these renamed `JUNK` (skipped).
pub(crate) fn wav_list_chunk_offsets(path: &Path) -> Vec<u64> {
    let Ok(mut file) = File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    wav_chunks(&mut file, len)
        .into_iter()
        .filter(|c| &c.id == b"LIST")
        .map(|c| c.at)
        .collect()
}

/// The metadata revisions of the `INFO` and `id3 ` chunks of the WAV file at `path`, in file
/// order; problems are pushed on `warnings`.
pub(crate) fn wav_tag_revisions(path: &Path, warnings: &mut Vec<String>) -> Vec<MetadataRevision> {
    let mut revisions = Vec::new();
    let Ok(mut file) = File::open(path) else {
        return revisions;
    };
    let len = file.metadata().map_or(0, |m| m.len());
    for chunk in wav_chunks(&mut file, len) {
        let body = chunk.at + 8;
        let readable = chunk.size <= crate::tags::MAX_ID3V2_BYTES;
        match &chunk.id {
            b"LIST" if chunk.form == Some(*b"INFO") && readable => {
                match read_body(&mut file, body + 4, chunk.size.saturating_sub(4)) {
                    Some(data) => revisions.push(info_revision(&data)),
                    None => warnings.push("its RIFF INFO chunk could not be read".into()),
                }
            }
            b"id3 " | b"ID3 " if readable => {
                let revision = read_body(&mut file, body, chunk.size).and_then(|data| {
                    read_riff_id3_chunk(&mut BufReader::new(&data), &mut Vec::new()).ok()
                });
                match revision {
                    Some(revision) => revisions.push(revision),
                    None => {
                        warnings.push("its ID3 chunk is malformed: its tags were not read".into())
                    }
                }
            }
            b"LIST" | b"id3 " | b"ID3 " if !readable => warnings.push(format!(
                "its {} chunk is {:.1} MB, more than the {} MB read for tags: not read",
                String::from_utf8_lossy(&chunk.id).trim(),
                chunk.size as f64 / 1e6,
                crate::tags::MAX_ID3V2_BYTES >> 20
            )),
            _ => {}
        }
    }
    revisions
}

fn read_body(file: &mut File, start: u64, size: u64) -> Option<Vec<u8>> {
    let mut data = vec![0u8; usize::try_from(size).ok()?];
    file.seek(SeekFrom::Start(start)).ok()?;
    file.read_exact(&mut data).ok()?;
    Some(data)
}

/// The tags of an `INFO` list's sub-chunks (`INAM`, `IART`, ...), mapped by symphonia.
fn info_revision(data: &[u8]) -> MetadataRevision {
    let mut builder = MetadataBuilder::new(RIFF_INFO_METADATA);
    let mut pos = 0usize;
    while pos + 8 <= data.len() {
        let id = [data[pos], data[pos + 1], data[pos + 2], data[pos + 3]];
        let size = u32::from_le_bytes([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]])
            as usize;
        let Some(value) = data.get(pos + 8..pos + 8 + size) else {
            break;
        };
        // Values are NUL-terminated; an invalid sub-chunk is skipped, the others still count.
        let end = value.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let _ = parse_riff_info_chunk(id, &value[..end], &mut builder);
        pos += 8 + size + (size & 1);
    }
    builder.build()
}

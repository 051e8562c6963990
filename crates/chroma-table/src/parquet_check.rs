//! A structural check of a Parquet file before polars reads it.
//!
//! polars-parquet 0.55 trusts the counts in a page header: a data page whose `num_values` is
//! negative becomes `usize` by `as`, and the validity bitmap then reserves 2^61 bytes. That is
//! an allocation failure, which aborts the process; no `catch_unwind` can turn it into an
//! error. So before polars sees a file, [`check_parquet_pages`] reads its footer and every page
//! header (Thrift, with polars' own `polars-parquet-format` types, which keep the raw `i32`
//! fields) and refuses a file whose counts and sizes contradict each other or the file:
//!
//! - every count and size is non-negative, every column chunk lies inside the file's data;
//! - a page fits in its column chunk, and its uncompressed size is at most [`MAX_PAGE_BYTES`];
//! - a chunk's data pages hold no more values than the chunk says it has;
//! - a version-2 data page's nulls, rows and level lengths fit in the page;
//! - a dictionary page's entries fit in its uncompressed bytes.
//!
//! It reads only the footer and the page headers (not the pages), so it costs a few seeks.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
use polars_parquet_format::{ColumnMetaData, FileMetaData, PageHeader, PageType, Type};

/// The largest uncompressed page accepted (1 GiB). Writers use pages of about 1 MiB (polars,
/// Arrow, Spark); a header claiming more is taken as corrupt rather than allocated.
pub const MAX_PAGE_BYTES: i64 = 1 << 30;

/// A page header is read from at most this many bytes (statistics included).
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// Checks the footer and every page header of the Parquet file `file` (of `len` bytes).
/// `Err` says what is inconsistent, in words for an error message.
pub(crate) fn check_parquet_pages(file: &mut File, len: u64) -> Result<(), String> {
    if len < 12 {
        return Err(format!(
            "{len} bytes is too short for a Parquet file (12 at least)"
        ));
    }
    let mut tail = [0u8; 8];
    read_at(file, len - 8, &mut tail)?;
    if &tail[4..] != b"PAR1" {
        return Err("it does not end with the Parquet magic \"PAR1\"".into());
    }
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer_len + 12 > len {
        return Err(format!(
            "its footer claims {footer_len} bytes, more than the file holds"
        ));
    }
    let data_end = len - 8 - footer_len;
    let mut footer = vec![0u8; footer_len as usize];
    read_at(file, data_end, &mut footer)?;
    let mut slice = footer.as_slice();
    let meta = FileMetaData::read_from_in_protocol(&mut TCompactInputProtocol::new(
        &mut slice,
        thrift_budget(footer.len()),
    ))
    .map_err(|e| format!("its footer is not valid Parquet metadata ({e})"))?;

    for (g, group) in meta.row_groups.iter().enumerate() {
        if group.num_rows < 0 {
            return Err(format!("row group {g} claims {} rows", group.num_rows));
        }
        for (c, chunk) in group.columns.iter().enumerate() {
            let Some(column) = &chunk.meta_data else {
                continue; // polars itself reports a chunk without metadata
            };
            check_column_chunk(file, column, data_end)
                .map_err(|e| format!("row group {g}, column {c}: {e}"))?;
        }
    }
    Ok(())
}

/// Walks the page headers of one column chunk.
fn check_column_chunk(
    file: &mut File,
    column: &ColumnMetaData,
    data_end: u64,
) -> Result<(), String> {
    let total_values = column.num_values;
    if total_values < 0 {
        return Err(format!("the chunk claims {total_values} values"));
    }
    let start = column
        .dictionary_page_offset
        .unwrap_or(column.data_page_offset);
    let size = column.total_compressed_size;
    let (Ok(start), Ok(size)) = (u64::try_from(start), u64::try_from(size)) else {
        return Err(format!(
            "the chunk's offset {start} or size {size} is negative"
        ));
    };
    let end = start
        .checked_add(size)
        .filter(|&end| start >= 4 && end <= data_end)
        .ok_or_else(|| {
            format!("the chunk's bytes {start}..{start}+{size} lie outside the file's data")
        })?;
    let min_bits = min_bits_per_value(column.type_);

    let mut pos = start;
    let mut seen_values: i64 = 0;
    while pos < end && seen_values < total_values {
        let window = (end - pos).min(MAX_HEADER_BYTES) as usize;
        let mut bytes = vec![0u8; window];
        read_at(file, pos, &mut bytes)?;
        let mut rest = bytes.as_slice();
        let header = PageHeader::read_from_in_protocol(&mut TCompactInputProtocol::new(
            &mut rest,
            thrift_budget(window),
        ))
        .map_err(|e| format!("the page header at byte {pos} is not valid ({e})"))?;
        let header_len = (window - rest.len()) as u64;
        let body = check_page(&header, total_values - seen_values, min_bits)
            .map_err(|e| format!("the page at byte {pos}: {e}"))?;
        seen_values += body.values;
        let next = pos + header_len + body.compressed;
        if next > end {
            return Err(format!(
                "the page at byte {pos} claims {} bytes, past the end of its chunk",
                body.compressed
            ));
        }
        pos = next;
    }
    Ok(())
}

/// What one page header says about its page, once checked.
struct PageBody {
    /// Its bytes after the header, as stored.
    compressed: u64,
    /// The values it adds to the chunk (0 for a dictionary or index page).
    values: i64,
}

/// Checks one page header's counts and sizes; `values_left` is what the chunk has not yet
/// accounted for.
fn check_page(header: &PageHeader, values_left: i64, min_bits: i64) -> Result<PageBody, String> {
    let compressed = i64::from(header.compressed_page_size);
    let uncompressed = i64::from(header.uncompressed_page_size);
    if compressed < 0 || uncompressed < 0 {
        return Err(format!(
            "its sizes are negative (stored {compressed}, uncompressed {uncompressed})"
        ));
    }
    if uncompressed > MAX_PAGE_BYTES {
        return Err(format!(
            "it claims {uncompressed} uncompressed bytes (at most {MAX_PAGE_BYTES} are accepted)"
        ));
    }
    let check_values = |n: i32| -> Result<i64, String> {
        let n = i64::from(n);
        if n < 0 || n > values_left {
            Err(format!(
                "it claims {n} values where its chunk has {values_left} left"
            ))
        } else {
            Ok(n)
        }
    };
    let values = match header.type_ {
        PageType::DATA_PAGE => {
            let data = header
                .data_page_header
                .as_ref()
                .ok_or("a data page without its data page header")?;
            check_values(data.num_values)?
        }
        PageType::DATA_PAGE_V2 => {
            let data = header
                .data_page_header_v2
                .as_ref()
                .ok_or("a version-2 data page without its header")?;
            let n = check_values(data.num_values)?;
            let in_page = |what: &str, v: i32, limit: i64| -> Result<(), String> {
                if v < 0 || i64::from(v) > limit {
                    Err(format!("its {what} ({v}) do not fit in it"))
                } else {
                    Ok(())
                }
            };
            in_page("null count", data.num_nulls, n)?;
            in_page("row count", data.num_rows, n)?;
            let levels = i64::from(data.definition_levels_byte_length.max(0))
                + i64::from(data.repetition_levels_byte_length.max(0));
            in_page(
                "definition level bytes",
                data.definition_levels_byte_length,
                compressed.min(uncompressed),
            )?;
            in_page(
                "repetition level bytes",
                data.repetition_levels_byte_length,
                compressed.min(uncompressed),
            )?;
            if levels > compressed.min(uncompressed) {
                return Err(format!("its level bytes ({levels}) do not fit in it"));
            }
            n
        }
        PageType::DICTIONARY_PAGE => {
            let dict = header
                .dictionary_page_header
                .as_ref()
                .ok_or("a dictionary page without its dictionary header")?;
            let n = i64::from(dict.num_values);
            if n < 0 || n.saturating_mul(min_bits) > uncompressed.saturating_mul(8) {
                return Err(format!(
                    "its dictionary claims {n} entries in {uncompressed} bytes"
                ));
            }
            0
        }
        PageType::INDEX_PAGE => 0,
        other => return Err(format!("unknown page type {}", other.0)),
    };
    Ok(PageBody {
        compressed: compressed as u64,
        values,
    })
}

/// The fewest bits one plain-encoded value of a physical type takes (a byte array: its 4-byte
/// length).
fn min_bits_per_value(physical: Type) -> i64 {
    match physical {
        Type::BOOLEAN => 1,
        Type::INT32 | Type::FLOAT | Type::BYTE_ARRAY => 32,
        Type::INT64 | Type::DOUBLE => 64,
        Type::INT96 => 96,
        _ => 8,
    }
}

/// The allocation budget of the Thrift reader for `len` bytes of input. It charges each list
/// element 8 bytes and each string its length; in `len` bytes there are at most `len` of
/// either, so a legitimate message stays well inside this and a claimed count beyond the
/// input is refused instead of allocated.
fn thrift_budget(len: usize) -> usize {
    len.saturating_mul(16).saturating_add(1024)
}

/// Reads exactly `buf.len()` bytes at `offset`.
fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> Result<(), String> {
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_exact(buf))
        .map_err(|e| format!("reading {} bytes at {offset} failed ({e})", buf.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use polars_parquet_format::{DataPageHeader, DictionaryPageHeader, Encoding};

    fn data_page(num_values: i32, uncompressed: i32, compressed: i32) -> PageHeader {
        PageHeader {
            type_: PageType::DATA_PAGE,
            uncompressed_page_size: uncompressed,
            compressed_page_size: compressed,
            crc: None,
            data_page_header: Some(DataPageHeader {
                num_values,
                encoding: Encoding::PLAIN,
                definition_level_encoding: Encoding::RLE,
                repetition_level_encoding: Encoding::RLE,
                statistics: None,
            }),
            index_page_header: None,
            dictionary_page_header: None,
            data_page_header_v2: None,
        }
    }

    #[test]
    fn a_negative_value_count_is_refused() {
        let e = check_page(&data_page(-1, 100, 100), 10, 64).err().unwrap();
        assert!(e.contains("-1 values"), "{e}");
        assert!(check_page(&data_page(11, 100, 100), 10, 64).is_err());
        assert_eq!(
            check_page(&data_page(10, 100, 90), 10, 64).unwrap().values,
            10
        );
    }

    #[test]
    fn sizes_must_be_non_negative_and_bounded() {
        assert!(check_page(&data_page(1, -5, 10), 10, 64).is_err());
        assert!(check_page(&data_page(1, 10, -5), 10, 64).is_err());
        assert!(check_page(&data_page(1, i32::MAX, 10), 10, 64).is_err());
    }

    #[test]
    fn a_dictionary_must_fit_in_its_bytes() {
        let mut page = data_page(0, 80, 80);
        page.type_ = PageType::DICTIONARY_PAGE;
        page.data_page_header = None;
        page.dictionary_page_header = Some(DictionaryPageHeader {
            num_values: 10,
            encoding: Encoding::PLAIN,
            is_sorted: None,
        });
        assert!(check_page(&page, 0, 64).is_ok()); // 10 doubles in 80 bytes
        page.dictionary_page_header.as_mut().unwrap().num_values = 11;
        assert!(check_page(&page, 0, 64).is_err());
    }
}

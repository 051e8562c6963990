//! A minimal Parquet writer for the generated benchmark tables: required `DOUBLE` columns,
//! PLAIN encoding, no compression, one version-1 data page per column chunk. The footer and
//! page headers are polars' own Thrift types (`polars-parquet-format`, which chroma already
//! builds), so the benchmark needs no Parquet engine of its own; polars reads the result.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use polars_parquet_format::thrift::protocol::{TCompactOutputProtocol, TOutputProtocol};
use polars_parquet_format::{
    ColumnChunk, ColumnMetaData, CompressionCodec, DataPageHeader, Encoding, FieldRepetitionType,
    FileMetaData, PageHeader, PageType, RowGroup, SchemaElement, Type,
};

/// Writes a Parquet file of f64 columns named `names`, one row group per call of `group`
/// (which fills `columns[j]` with the group's values of column `j`, all the same length).
pub fn write_f64_file(
    path: &Path,
    names: &[&str],
    groups: usize,
    mut group: impl FnMut(usize, &mut [Vec<f64>]),
) -> Result<u64> {
    let tmp = path.with_extension("partial");
    let mut out = BufWriter::new(File::create(&tmp).with_context(|| tmp.display().to_string())?);
    out.write_all(b"PAR1")?;
    let mut at: u64 = 4;
    let mut row_groups = Vec::new();
    let mut total_rows: i64 = 0;
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for g in 0..groups {
        columns.iter_mut().for_each(Vec::clear);
        group(g, &mut columns);
        let rows = columns.first().map_or(0, Vec::len);
        let mut chunks = Vec::new();
        let mut group_bytes: i64 = 0;
        for (name, values) in names.iter().zip(&columns) {
            anyhow::ensure!(values.len() == rows, "ragged row group {g}");
            let mut page = Vec::with_capacity(values.len() * 8);
            for v in values {
                page.extend_from_slice(&v.to_le_bytes());
            }
            let header = PageHeader {
                type_: PageType::DATA_PAGE,
                uncompressed_page_size: i32::try_from(page.len())?,
                compressed_page_size: i32::try_from(page.len())?,
                crc: None,
                data_page_header: Some(DataPageHeader {
                    num_values: i32::try_from(rows)?,
                    encoding: Encoding::PLAIN,
                    definition_level_encoding: Encoding::RLE,
                    repetition_level_encoding: Encoding::RLE,
                    statistics: None,
                }),
                index_page_header: None,
                dictionary_page_header: None,
                data_page_header_v2: None,
            };
            let mut header_bytes = Vec::new();
            {
                let mut protocol = TCompactOutputProtocol::new(&mut header_bytes);
                header.write_to_out_protocol(&mut protocol)?;
                protocol.flush()?;
            }
            let offset = at;
            out.write_all(&header_bytes)?;
            out.write_all(&page)?;
            let size = (header_bytes.len() + page.len()) as i64;
            at += size as u64;
            group_bytes += size;
            chunks.push(ColumnChunk {
                file_path: None,
                file_offset: offset as i64,
                meta_data: Some(ColumnMetaData {
                    type_: Type::DOUBLE,
                    encodings: vec![Encoding::PLAIN, Encoding::RLE],
                    path_in_schema: vec![(*name).to_string()],
                    codec: CompressionCodec::UNCOMPRESSED,
                    num_values: rows as i64,
                    total_uncompressed_size: size,
                    total_compressed_size: size,
                    key_value_metadata: None,
                    data_page_offset: offset as i64,
                    index_page_offset: None,
                    dictionary_page_offset: None,
                    statistics: None,
                    encoding_stats: None,
                    bloom_filter_offset: None,
                    bloom_filter_length: None,
                    size_statistics: None,
                }),
                offset_index_offset: None,
                offset_index_length: None,
                column_index_offset: None,
                column_index_length: None,
                crypto_metadata: None,
                encrypted_column_metadata: None,
            });
        }
        row_groups.push(RowGroup {
            columns: chunks,
            total_byte_size: group_bytes,
            num_rows: rows as i64,
            sorting_columns: None,
            file_offset: None,
            total_compressed_size: Some(group_bytes),
            ordinal: None,
        });
        total_rows += rows as i64;
    }
    let leaf = |name: &str| SchemaElement {
        type_: Some(Type::DOUBLE),
        type_length: None,
        repetition_type: Some(FieldRepetitionType::REQUIRED),
        name: name.to_string(),
        num_children: None,
        converted_type: None,
        scale: None,
        precision: None,
        field_id: None,
        logical_type: None,
    };
    let mut schema = vec![SchemaElement {
        type_: None,
        type_length: None,
        repetition_type: None,
        name: "schema".into(),
        num_children: Some(i32::try_from(names.len())?),
        converted_type: None,
        scale: None,
        precision: None,
        field_id: None,
        logical_type: None,
    }];
    schema.extend(names.iter().map(|n| leaf(n)));
    let meta = FileMetaData {
        version: 1,
        schema,
        num_rows: total_rows,
        row_groups,
        key_value_metadata: None,
        created_by: Some("chromacluster xtask".into()),
        column_orders: None,
        encryption_algorithm: None,
        footer_signing_key_metadata: None,
    };
    let mut footer = Vec::new();
    {
        let mut protocol = TCompactOutputProtocol::new(&mut footer);
        meta.write_to_out_protocol(&mut protocol)?;
        protocol.flush()?;
    }
    out.write_all(&footer)?;
    out.write_all(&u32::try_from(footer.len())?.to_le_bytes())?;
    out.write_all(b"PAR1")?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(total_rows as u64)
}

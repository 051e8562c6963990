//! Any bytes as a table file (CSV, Parquet or JSON, chosen by the first byte): reading gives a
//! DataFrame or a typed error, never a panic; a table read is then turned into the matrix
//! k-means clusters.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(init: common::tolerate_caught_reader_panics(), |data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let ext = ["csv", "parquet", "json"][usize::from(selector % 3)];
    let path = common::scratch_file(ext, body);
    let Ok(df) = chroma_table::read_table(&path) else {
        return;
    };
    if let Ok(m) = kmeans::RowMatrix::from_dataframe(&df, None) {
        assert_eq!(m.as_slice().len(), m.n_rows() * m.n_cols());
    }
});

//! Any bytes as a saved k-means model: loading gives a model or a typed error, never a panic;
//! a model that loads predicts a few rows.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(model) = kmeans::KMeansModel::from_json(text, std::path::Path::new("model.json")) else {
        return;
    };
    let d = model.columns().len();
    if d > 4096 {
        return;
    }
    let rows: Vec<f64> = (0..3 * d).map(|i| (i % 7) as f64 * 0.25 - 0.5).collect();
    let m = kmeans::RowMatrix::from_row_major(&rows, d).expect("3 rows");
    if let Ok((labels, distances)) = model.predict_with_distances(&m) {
        assert!(labels.iter().all(|&l| l < model.k()));
        assert_eq!(distances.len(), 3);
    }
});

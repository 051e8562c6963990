//! Streaming mini-batch k-means (`MiniBatchParams::fit_chunks`, `MiniBatchKMeans`): recovery
//! of separated centres, inertia against full k-means, determinism, typed errors.

use kmeans::{
    adjusted_rand_index, FrameChunks, KMeans, KMeansError, Pass, RowMatrix, Scaling, ScalingStats,
};
use polars::prelude::{Column, DataFrame};
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// `n_per` rows around each of `centres` (sd `sd`), grouped by centre (the worst order for a
/// stream: each chunk sees one or two blobs), with the true labels.
fn grouped_blobs(centres: &[Vec<f64>], n_per: usize, sd: f64, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut data = Vec::new();
    let mut truth = Vec::new();
    for (b, c) in centres.iter().enumerate() {
        for _ in 0..n_per {
            for &m in c {
                // Sum of 4 uniforms: approximately normal.
                let u: f64 = (0..4).map(|_| rng.random::<f64>() - 0.5).sum();
                data.push(m + u * sd * 3f64.sqrt());
            }
            truth.push(b);
        }
    }
    (data, truth)
}

fn random_centres(k: usize, d: usize, spread: f64, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..k)
        .map(|_| (0..d).map(|_| rng.random_range(-spread..spread)).collect())
        .collect()
}

fn chunks(data: &[f64], d: usize, rows: usize) -> Vec<RowMatrix> {
    data.chunks(rows * d)
        .map(|c| RowMatrix::from_row_major(c, d).unwrap())
        .collect()
}

#[test]
fn streamed_fit_recovers_separated_centres_from_grouped_chunks() {
    let (k, d) = (5, 4);
    let centres = random_centres(k, d, 50.0, 3);
    let (data, truth) = grouped_blobs(&centres, 3000, 0.5, 4);
    // Chunks of 1000 rows: every chunk holds a single blob.
    let mut source = chunks(&data, d, 1000);
    let mut labels = Vec::new();
    let fit = KMeans::minibatch(k)
        .batch_size(256)
        .seed(11)
        .fit_chunks(source.as_mut_slice(), |_, l, dist| {
            assert_eq!(l.len(), dist.len());
            labels.extend_from_slice(l);
            Ok(())
        })
        .unwrap();
    assert_eq!(fit.n_rows, 15_000);
    assert_eq!(labels.len(), 15_000);
    assert_eq!(adjusted_rand_index(&labels, &truth).unwrap(), 1.0);
    assert_eq!(fit.cluster_sizes, vec![3000; k]);
    for c in &centres {
        let nearest = fit
            .model
            .centroids()
            .iter()
            .map(|m| m.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
            .fold(f64::INFINITY, f64::min)
            .sqrt();
        assert!(
            nearest < 0.1,
            "a true centre is {nearest} from every centroid"
        );
    }
    assert!(fit.converged, "{} epochs", fit.epochs);
    // The exact inertia of the last pass, as the model's predict sees it.
    let all = RowMatrix::from_row_major(&data, d).unwrap();
    let (pred, dist) = fit.model.predict_with_distances(&all).unwrap();
    assert_eq!(pred, labels);
    let inertia: f64 = dist.iter().map(|v| v * v).sum();
    assert!((inertia - fit.inertia()).abs() <= 1e-9 * inertia);
}

#[test]
fn streamed_inertia_is_within_a_few_percent_of_full_kmeans() {
    // Overlapping blobs (sd 3 around centres within ±10): k-means has real work to do.
    let (k, d) = (8, 12);
    let centres = random_centres(k, d, 10.0, 5);
    let (data, _) = grouped_blobs(&centres, 2500, 3.0, 6);
    let all = RowMatrix::from_row_major(&data, d).unwrap();
    let full = KMeans::params(k).n_init(3).seed(1).fit(&all).unwrap();
    for seed in [1, 2] {
        let mut source = chunks(&data, d, 4096);
        let fit = KMeans::minibatch(k)
            .seed(seed)
            .fit_chunks(source.as_mut_slice(), |_, _, _| Ok(()))
            .unwrap();
        let ratio = fit.inertia() / full.inertia();
        eprintln!("seed {seed}: mini-batch / full k-means inertia {ratio}");
        assert!(
            ratio < 1.03,
            "seed {seed}: mini-batch inertia {} vs full {} ({ratio})",
            fit.inertia(),
            full.inertia()
        );
        assert_eq!(fit.cluster_sizes.iter().sum::<u64>(), 20_000);
    }
}

#[test]
fn streamed_fit_is_deterministic_for_a_seed_on_any_thread_count() {
    let centres = random_centres(6, 5, 20.0, 8);
    let (data, _) = grouped_blobs(&centres, 1500, 2.0, 9);
    let params = KMeans::minibatch(6)
        .batch_size(300)
        .seed(42)
        .standardize(true);
    let run = || {
        let mut source = chunks(&data, 5, 2500);
        let mut labels = Vec::new();
        let fit = params
            .fit_chunks(source.as_mut_slice(), |_, l, _| {
                labels.extend_from_slice(l);
                Ok(())
            })
            .unwrap();
        (fit, labels)
    };
    let a = run();
    let b = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(run);
    assert_eq!(a, b);
    let other = KMeans::minibatch(6)
        .batch_size(300)
        .seed(43)
        .standardize(true);
    let mut source = chunks(&data, 5, 2500);
    let c = other
        .fit_chunks(source.as_mut_slice(), |_, _, _| Ok(()))
        .unwrap();
    assert_ne!(a.0.model.seed(), c.model.seed());
    // The streamed standardisation is that of the whole table.
    let whole = Scaling::fit(&RowMatrix::from_row_major(&data, 5).unwrap());
    let s = a.0.model.scaling().unwrap();
    for (x, y) in s
        .mean
        .iter()
        .zip(&whole.mean)
        .chain(s.scale.iter().zip(&whole.scale))
    {
        assert!((x - y).abs() <= 1e-9 * y.abs().max(1.0), "{x} vs {y}");
    }
    // And the model saves and loads like a full k-means model.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    a.0.model.save(&path).unwrap();
    assert_eq!(kmeans::KMeansModel::load(&path).unwrap(), a.0.model);
}

#[test]
fn scaling_stats_of_chunks_equal_the_whole_table() {
    let centres = random_centres(3, 4, 1e6, 10);
    let (data, _) = grouped_blobs(&centres, 700, 5.0, 11);
    let mut stats = ScalingStats::new(4);
    for c in chunks(&data, 4, 333) {
        stats.push(&c).unwrap();
    }
    let streamed = stats.finish().unwrap();
    let whole = Scaling::fit(&RowMatrix::from_row_major(&data, 4).unwrap());
    for (x, y) in streamed.scale.iter().zip(&whole.scale) {
        assert!((x - y).abs() <= 1e-9 * y, "{x} vs {y}");
    }
    assert!(matches!(
        ScalingStats::new(4).finish(),
        Err(KMeansError::NoRows)
    ));
}

#[test]
fn bad_parameters_and_data_are_typed_errors() {
    let mut source = chunks(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 2, 2);
    let fit = |p: kmeans::MiniBatchParams, s: &mut [RowMatrix]| p.fit_chunks(s, |_, _, _| Ok(()));
    assert!(matches!(
        KMeans::minibatch(2).batch_size(0).check(),
        Err(KMeansError::InvalidBatchSize)
    ));
    assert!(matches!(
        KMeans::minibatch(2).max_epochs(0).check(),
        Err(KMeansError::InvalidMaxIter)
    ));
    assert!(matches!(
        KMeans::minibatch(2).tol(f64::NAN).check(),
        Err(KMeansError::InvalidTol { .. })
    ));
    assert!(matches!(
        KMeans::minibatch(4).init_size(3).check(),
        Err(KMeansError::InvalidInitSize { init_size: 3, k: 4 })
    ));
    assert!(matches!(
        KMeans::minibatch(0).check(),
        Err(KMeansError::ZeroK)
    ));
    assert!(matches!(
        fit(KMeans::minibatch(4), &mut source),
        Err(KMeansError::InvalidK { k: 4, n_rows: 3 })
    ));
    assert!(matches!(
        fit(KMeans::minibatch(1), &mut []),
        Err(KMeansError::NoRows)
    ));
    let mut ragged = vec![
        RowMatrix::from_row_major(&[0.0, 1.0], 2).unwrap(),
        RowMatrix::from_row_major(&[0.0, 1.0, 2.0], 3).unwrap(),
    ];
    assert!(matches!(
        fit(KMeans::minibatch(1), &mut ragged),
        Err(KMeansError::ColumnCount {
            expected: 2,
            found: 3,
            ..
        })
    ));
    // Streaming by hand: end_epoch before any row, then a too small first batch.
    let mut stream = KMeans::minibatch(3).seed(1).check().unwrap();
    assert!(matches!(stream.end_epoch(), Err(KMeansError::NoRows)));
    stream
        .feed(&RowMatrix::from_row_major(&[0.0, 1.0], 1).unwrap())
        .unwrap();
    assert!(matches!(
        stream.end_epoch(),
        Err(KMeansError::InvalidK { k: 3, n_rows: 2 })
    ));
}

/// Frames read in chunks: a bad value is reported with its row in the whole table.
#[test]
fn frame_chunks_name_the_row_in_the_whole_table() {
    let frame = |xs: Vec<f64>| {
        let n = xs.len();
        DataFrame::new(
            n,
            vec![
                Column::new("a".into(), xs.clone()),
                Column::new("b".into(), xs),
                Column::new("file".into(), vec!["f"; n]),
            ],
        )
        .unwrap()
    };
    let frames = [frame(vec![0.0, 1.0, 2.0]), frame(vec![3.0, f64::NAN])];
    let mut source = FrameChunks::new(vec!["a".into(), "b".into()], |_pass: Pass| {
        Ok::<_, KMeansError>(frames.clone().into_iter().map(Ok))
    });
    let err = KMeans::minibatch(1)
        .fit_chunks(&mut source, |_, _, _| Ok(()))
        .unwrap_err();
    assert!(
        matches!(&err, KMeansError::NonFinite { row: 4, column, .. } if column == "a"),
        "{err}"
    );
    let good = [frame(vec![0.0, 1.0, 2.0]), frame(vec![10.0, 11.0])];
    let mut source = FrameChunks::new(vec!["a".into(), "b".into()], |_pass: Pass| {
        Ok::<_, KMeansError>(good.clone().into_iter().map(Ok))
    });
    let mut first_rows = Vec::new();
    let fit = KMeans::minibatch(2)
        .seed(3)
        .fit_chunks(&mut source, |chunk, labels, _| {
            first_rows.push(chunk.first_row);
            assert_eq!(chunk.frame.height(), labels.len());
            Ok(())
        })
        .unwrap();
    assert_eq!(first_rows, vec![0, 3]);
    let mut sizes = fit.cluster_sizes.clone();
    sizes.sort_unstable();
    assert_eq!(sizes, vec![2, 3]);
}

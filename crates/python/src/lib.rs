//! The `chromacluster._chromacluster` extension module: conversion between Python/NumPy values
//! and the workspace's library crates, nothing else. The Python package `chromacluster`
//! (`python/chromacluster/`) wraps these functions into the public API (pyAudioAnalysis-style
//! and scikit-learn-style); numeric work happens in `audio-io`, `stfeatures`, `chroma`, `chroma-table`
//! and `kmeans`, with the GIL released.
//!
//! Tables cross the boundary as polars DataFrames (`tables.rs`): the Rust table's Arrow columns
//! are handed to the Python polars through the Arrow C data interface, without a copy or an
//! encoding, and Python's DataFrames come back the same way.

// The one unsafe block takes over a column Python polars exported (tables.rs, with its SAFETY
// comment); everything else is safe code.
#![deny(unsafe_code)]

mod tables;

use std::path::PathBuf;

use numpy::ndarray::Array2;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use tables::{FromPolars, ToPolars};

use stfeatures::midterm::{self, MidTermSpec};

create_exception!(
    chromacluster,
    ChromaclusterError,
    PyException,
    "Base class of every error chromacluster raises; `path` names the file (or None)."
);
create_exception!(
    chromacluster,
    AudioError,
    ChromaclusterError,
    "A file could not be decoded: missing, empty, not audio, corrupt, unsupported codec."
);
create_exception!(
    chromacluster,
    FeatureError,
    ChromaclusterError,
    "Features could not be computed: signal too short, non-finite samples, invalid window."
);
create_exception!(
    chromacluster,
    KMeansError,
    ChromaclusterError,
    "k-means could not fit or predict: invalid parameters, bad data, unreadable model."
);

/// A Python exception of class `E` with the message and a `path` attribute.
fn raise<E: pyo3::PyTypeInfo>(
    py: Python<'_>,
    message: String,
    path: Option<&std::path::Path>,
) -> PyErr {
    let err = PyErr::from_type(E::type_object(py), message);
    let path = path.map(|p| p.to_string_lossy().into_owned());
    // Setting an attribute on a fresh exception instance cannot fail in practice; if it did,
    // the exception is still raised without it.
    let _ = err.value(py).setattr("path", path);
    err
}

fn audio_err(py: Python<'_>, e: &audio_io::AudioError) -> PyErr {
    raise::<AudioError>(py, chroma::error_chain(e), Some(e.path()))
}

fn feature_err(py: Python<'_>, e: &stfeatures::FeatureError) -> PyErr {
    match e {
        stfeatures::FeatureError::Audio(a) => audio_err(py, a),
        _ => raise::<FeatureError>(py, chroma::error_chain(e), e.path()),
    }
}

/// The exception class name and path of a chroma error (for failures returned, not raised).
fn chroma_kind(e: &chroma::ChromaError) -> (&'static str, Option<PathBuf>) {
    use chroma::ChromaError as C;
    let path = e.path().map(std::path::Path::to_path_buf);
    match e {
        C::Audio(_) => ("AudioError", path),
        C::Features(_) => ("FeatureError", path),
        C::File { source, .. } => (chroma_kind(source).0, path),
        _ => ("ChromaclusterError", path),
    }
}

fn chroma_err(py: Python<'_>, e: &chroma::ChromaError) -> PyErr {
    let (kind, path) = chroma_kind(e);
    let message = chroma::error_chain(e);
    match kind {
        "AudioError" => raise::<AudioError>(py, message, path.as_deref()),
        "FeatureError" => raise::<FeatureError>(py, message, path.as_deref()),
        _ => raise::<ChromaclusterError>(py, message, path.as_deref()),
    }
}

fn table_err(py: Python<'_>, e: &chroma_table::TableError) -> PyErr {
    match e {
        chroma_table::TableError::Analysis(analysis) => chroma_err(py, analysis),
        _ => raise::<ChromaclusterError>(py, chroma::error_chain(e), e.path()),
    }
}

fn kmeans_err(py: Python<'_>, e: &kmeans::KMeansError) -> PyErr {
    raise::<KMeansError>(py, chroma::error_chain(e), None)
}

/// Frames x columns (row-major) as a C-contiguous `[columns x frames]` array, the reference's
/// orientation.
fn transposed<'py>(
    py: Python<'py>,
    data: &[f64],
    n_cols: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let n_rows = data.len().checked_div(n_cols).unwrap_or(0);
    let mut out = vec![0.0; data.len()];
    for (i, row) in data.chunks_exact(n_cols.max(1)).enumerate() {
        for (j, v) in row.iter().enumerate() {
            out[j * n_rows + i] = *v;
        }
    }
    let array = Array2::from_shape_vec((n_cols, n_rows), out)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(array.into_pyarray(py))
}

fn slice<'a>(a: &'a PyReadonlyArray1<'_, f64>) -> PyResult<&'a [f64]> {
    a.as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// What [`read_mono`] returns to Python.
type DecodedMono<'py> = (Bound<'py, PyArray1<f64>>, u32, f64, f64, String, usize);

/// What [`kmeans_predict`] returns to Python: labels and squared distances.
type Predicted<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>);

/// Decodes a file to mono: `(samples normalised to [-1, 1] as float64, sample_rate, raw_scale,
/// raw_offset, sample_format, channels)`; `raw = samples * raw_scale + raw_offset` is the scale
/// pyAudioAnalysis's reader gives.
#[pyfunction]
fn read_mono<'py>(py: Python<'py>, path: PathBuf) -> PyResult<DecodedMono<'py>> {
    let signal = py
        .detach(|| audio_io::read_mono(&path))
        .map_err(|e| audio_err(py, &e))?;
    let info = signal.info.clone();
    // The Python spelling of the format (`int16`, `alaw`, ...): its alternate `Display`.
    let format = format!("{:#}", info.sample_format);
    Ok((
        signal.samples.into_pyarray(py),
        info.sample_rate,
        info.raw_scale(),
        info.raw_offset(),
        format,
        info.channels,
    ))
}

/// pyAudioAnalysis's `feature_extraction`: `([n_features x n_frames] float64, names)`.
#[pyfunction]
#[pyo3(signature = (signal, sampling_rate, window, step, deltas = true))]
fn feature_extraction<'py>(
    py: Python<'py>,
    signal: PyReadonlyArray1<'py, f64>,
    sampling_rate: u32,
    window: usize,
    step: usize,
    deltas: bool,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Vec<String>)> {
    let samples = slice(&signal)?;
    let matrix = py
        .detach(|| {
            stfeatures::FeatureExtractor::new(
                sampling_rate,
                stfeatures::FrameSpec::samples(window, step),
            )
            .map(|e| e.with_deltas(deltas))
            .and_then(|mut e| e.extract(samples))
        })
        .map_err(|e| feature_err(py, &e))?;
    let names = matrix.names().iter().map(|s| (*s).to_owned()).collect();
    Ok((
        transposed(py, matrix.as_slice(), matrix.n_columns())?,
        names,
    ))
}

/// pyAudioAnalysis's `mid_feature_extraction` (windows in samples):
/// `(mid [136 x n_mid], short [68 x n_frames], mid_names)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn mid_feature_extraction<'py>(
    py: Python<'py>,
    signal: PyReadonlyArray1<'py, f64>,
    sampling_rate: u32,
    mid_window: f64,
    mid_step: f64,
    short_window: f64,
    short_step: f64,
) -> PyResult<(
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
    Vec<String>,
)> {
    let samples = slice(&signal)?;
    let spec = MidTermSpec::samples(mid_window, mid_step, short_window, short_step);
    let (mid, short) = py
        .detach(|| midterm::mid_feature_extraction(samples, sampling_rate, &spec))
        .map_err(|e| feature_err(py, &e))?;
    Ok((
        transposed(py, mid.as_slice(), mid.n_columns())?,
        transposed(py, short.as_slice(), short.n_columns())?,
        mid.names().to_vec(),
    ))
}

/// pyAudioAnalysis's `beat_extraction` on a `[n_features x n_frames]` array: `(bpm, ratio)`.
#[pyfunction]
fn beat_extraction(
    py: Python<'_>,
    short_features: PyReadonlyArray2<'_, f64>,
    window_size: f64,
) -> PyResult<(f64, f64)> {
    let array = short_features.as_array();
    let rows: Vec<Vec<f64>> = array.rows().into_iter().map(|r| r.to_vec()).collect();
    let beat = py
        .detach(|| {
            let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
            midterm::beat_extraction_rows(&refs, window_size)
        })
        .map_err(|e| feature_err(py, &e))?;
    Ok((beat.bpm, beat.ratio))
}

/// pyAudioAnalysis's `directory_feature_extraction` (windows in seconds):
/// `(rows [n_files x n_columns], files, names, skipped [(path, message)])`.
#[pyfunction]
#[pyo3(signature = (folder_path, mid_window, mid_step, short_window, short_step, compute_beat = true))]
#[allow(clippy::type_complexity)]
fn directory_feature_extraction<'py>(
    py: Python<'py>,
    folder_path: PathBuf,
    mid_window: f64,
    mid_step: f64,
    short_window: f64,
    short_step: f64,
    compute_beat: bool,
) -> PyResult<(
    Bound<'py, PyArray2<f64>>,
    Vec<String>,
    Vec<String>,
    Vec<(String, String)>,
)> {
    let out = py
        .detach(|| {
            midterm::directory_feature_extraction(
                &folder_path,
                mid_window,
                mid_step,
                short_window,
                short_step,
                compute_beat,
            )
        })
        .map_err(|e| feature_err(py, &e))?;
    let n_cols = out.names.len();
    let flat: Vec<f64> = out.rows.concat();
    let array = Array2::from_shape_vec((out.rows.len(), n_cols), flat)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let files = out
        .files
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let skipped = out
        .skipped
        .iter()
        .map(|s| {
            (
                s.path.to_string_lossy().into_owned(),
                chroma::error_chain(&s.error),
            )
        })
        .collect();
    Ok((array.into_pyarray(py), files, out.names, skipped))
}

/// The mid-term statistics of a signal as a table (a polars DataFrame), the CLI's
/// `features --mid-window`. Windows in seconds, short-term frames of 50 ms / 25 ms.
#[pyfunction]
fn mid_term_table<'py>(
    py: Python<'py>,
    signal: PyReadonlyArray1<'py, f64>,
    sampling_rate: u32,
    mid_window: f64,
    mid_step: f64,
) -> PyResult<ToPolars> {
    let samples = slice(&signal)?;
    let spec = MidTermSpec::seconds(sampling_rate, mid_window, mid_step, 0.050, 0.025);
    let (mid, _) = py
        .detach(|| midterm::mid_feature_extraction(samples, sampling_rate, &spec))
        .map_err(|e| feature_err(py, &e))?;
    let df = mid
        .to_dataframe()
        .map_err(|e| raise::<ChromaclusterError>(py, e.to_string(), None))?;
    Ok(ToPolars(df))
}

/// `tuning` as Python gives it: `"auto"` or a number of cents.
#[derive(FromPyObject)]
enum TuningArg {
    Text(String),
    Cents(f64),
}

/// The tuning and key arguments of `notes` (the CLI's `--tuning`, `--a4`, `--key-profile`,
/// `--relative`), defaults as the CLI's.
struct TonalArgs<'a> {
    tuning: Option<TuningArg>,
    a4: Option<f64>,
    key_profile: &'a str,
    relative: bool,
}

impl Default for TonalArgs<'_> {
    fn default() -> Self {
        TonalArgs {
            tuning: None,
            a4: None,
            key_profile: "temperley2005",
            relative: false,
        }
    }
}

fn table_options(
    chroma_mode: &str,
    profile: &str,
    summary: bool,
    tonal: TonalArgs<'_>,
) -> PyResult<chroma::TableOptions> {
    let mode: chroma::ChromaMode = chroma_mode.parse().map_err(PyValueError::new_err)?;
    let profile: chroma::ProfileKind = profile.parse().map_err(PyValueError::new_err)?;
    let tuning = match tonal.tuning {
        None => Ok(chroma::Tuning::ESTIMATE),
        Some(TuningArg::Text(text)) => text.parse(),
        Some(TuningArg::Cents(cents)) => chroma::Tuning::cents(cents),
    }
    .and_then(|t| t.with_a4(tonal.a4))
    .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let key_profile: chroma::KeyProfile =
        tonal.key_profile.parse().map_err(PyValueError::new_err)?;
    Ok(chroma::TableOptions {
        mode,
        votes: match mode {
            chroma::ChromaMode::Accurate => chroma::VotePolicy::default(),
            chroma::ChromaMode::Pyaa => chroma::VotePolicy::AllFrames,
        },
        profile,
        feature_stats: summary,
        key: chroma::KeyFinder::with_profile(key_profile),
        relative: tonal.relative,
        ..chroma::TableOptions::default()
    }
    .with_tuning(tuning))
}

/// The audio files of files and folders, the CLI's rule (`audio_io::listing::audio_files`, the
/// project's own files left out: `chroma_table::journal::is_own_file`): sorted, no
/// duplicates, folders walked recursively by extension and content. `(files, ignored non-audio files,
/// unreadable folder entries as (path, cause))`: a dangling link or an unreadable folder is
/// reported, never the end of the walk.
#[pyfunction]
fn audio_files(
    py: Python<'_>,
    paths: Vec<PathBuf>,
) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let found =
        py.detach(|| audio_io::listing::audio_files(&paths, chroma_table::journal::is_own_file));
    let unreadable = found
        .unreadable
        .into_iter()
        .map(|entry| (entry.path, entry.cause))
        .collect();
    let skipped = found.skipped.into_iter().map(|(path, _)| path).collect();
    (found.files, skipped, unreadable)
}

/// The table's `file` labels of `paths` ([`chroma::file_label`]): the path itself when it is
/// UTF-8 without a backslash, else escaped so that no two paths share a label.
#[pyfunction]
fn file_labels(paths: Vec<PathBuf>) -> Vec<String> {
    paths.iter().map(|p| chroma::file_label(p)).collect()
}

/// A failure returned, not raised: `(file label, exception class name, message)`.
type Failure = (String, &'static str, String);

/// The CLI's `similar` on a table (a polars DataFrame): without seeds, every file's `n` nearest
/// files; with seeds (`seed_rows`, rows of the table, and/or the rows of `outside`, a table of
/// files not in it, analysed with the same options), the `n` files nearest to all of them,
/// named `query`. `by` is `"sound"` or `"notes"`. Returns the DataFrame of
/// `file, rank, neighbour, distance`.
#[pyfunction]
#[pyo3(signature = (table, by = "sound", n = 10, seed_rows = None, outside = None, query = None))]
fn similar_table<'py>(
    py: Python<'py>,
    table: FromPolars,
    by: &str,
    n: usize,
    seed_rows: Option<Vec<usize>>,
    outside: Option<FromPolars>,
    query: Option<String>,
) -> PyResult<ToPolars> {
    let set: chroma_table::schema::FeatureSet = by.parse().map_err(PyValueError::new_err)?;
    let df = table.0;
    let outside = outside.map(|o| o.0);
    if let Some(&row) = seed_rows.iter().flatten().find(|&&r| r >= df.height()) {
        return Err(PyValueError::new_err(format!(
            "seed row {row} is not a row of the table ({} rows)",
            df.height()
        )));
    }
    let columns = chroma_table::schema::columns_for(&df, set).map_err(|e| table_err(py, &e))?;
    let out = py
        .detach(|| {
            let space = kmeans::TableSpace::fit(&df, &columns, set.similarity_axes())?;
            let similar =
                kmeans::SimilarRows::new(&df, chroma_table::schema::row_names(&df), space)?;
            let own = seed_rows.unwrap_or_default();
            let queries = match (&outside, own.is_empty()) {
                (None, true) => similar.every_row(n),
                _ => {
                    let mut seeds: Vec<Vec<f64>> =
                        own.iter().map(|&i| similar.point(i).to_vec()).collect();
                    if let Some(outside) = &outside {
                        let placed = similar.space().transform(outside)?;
                        seeds.extend((0..placed.n_rows()).map(|i| placed.row(i).to_vec()));
                    }
                    let name = query.unwrap_or_else(|| "query".to_owned());
                    vec![(name, similar.nearest_to_all(&seeds, n, &own)?)]
                }
            };
            similar.frame(chroma_table::schema::FILE_COLUMN, &queries)
        })
        .map_err(|e| kmeans_err(py, &e))?;
    Ok(ToPolars(out))
}

/// The note table of `files` (already resolved and sorted), the CLI's `notes`: the DataFrame of
/// the good files and the failures. Files are analysed in parallel, `jobs` threads (None: all
/// cores), in chunks, with Ctrl-C checked between chunks. With `strict`, the first failure (in
/// path order) is raised. `tuning` (`"auto"`, the default, or cents), `a4` (Hz), `key_profile`
/// and `relative` are the CLI's `--tuning`, `--a4`, `--key-profile` and `--relative`.
#[pyfunction]
#[pyo3(signature = (files, chroma_mode = "accurate", profile = "dominant", summary = false, jobs = None, strict = false, tuning = None, a4 = None, key_profile = "temperley2005", relative = false, sound = false))]
#[allow(clippy::too_many_arguments)]
fn notes_table<'py>(
    py: Python<'py>,
    files: Vec<PathBuf>,
    chroma_mode: &str,
    profile: &str,
    summary: bool,
    jobs: Option<usize>,
    strict: bool,
    tuning: Option<TuningArg>,
    a4: Option<f64>,
    key_profile: &str,
    relative: bool,
    sound: bool,
) -> PyResult<(ToPolars, Vec<Failure>)> {
    let tonal = TonalArgs {
        tuning,
        a4,
        key_profile,
        relative,
    };
    let options = chroma::TableOptions {
        sound,
        ..table_options(chroma_mode, profile, summary, tonal)?
    };
    let pool = match jobs {
        Some(0) => return Err(PyValueError::new_err("jobs must be at least 1")),
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PyValueError::new_err(format!("cannot start {n} threads: {e}")))?,
        ),
        None => None,
    };
    // The library's batch (sorted, parallel, stopping at the first failure with `strict`) runs
    // on a thread of its own, the GIL released; this thread looks at Python's signals every
    // 50 ms, so Ctrl-C stops the batch (files not started are skipped) and raises here.
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let batch = std::thread::scope(|scope| -> PyResult<chroma_table::AnalysisBatch> {
        let worker = scope.spawn(|| {
            let run =
                || chroma_table::analyze_files_until(&files, &options, strict, &cancel, &|_, _| {});
            match &pool {
                Some(p) => p.install(run),
                None => run(),
            }
        });
        while !worker.is_finished() {
            py.detach(|| std::thread::sleep(std::time::Duration::from_millis(50)));
            if let Err(interrupt) = py.check_signals() {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                let _ = py.detach(|| worker.join());
                return Err(interrupt);
            }
        }
        py.detach(|| worker.join())
            .map_err(|_| ChromaclusterError::new_err("the batch's worker thread panicked"))
    })?;
    if strict {
        if let Some((_, e)) = batch.failures.first() {
            return Err(chroma_err(py, e));
        }
    }
    let (analyses, failures) = (batch.analyses, batch.failures);
    let df = chroma_table::table_of_options(&analyses, &options).map_err(|e| table_err(py, &e))?;
    let failures = failures
        .iter()
        .map(|(path, e)| {
            (
                chroma::file_label(path),
                chroma_kind(e).0,
                chroma::error_chain(e),
            )
        })
        .collect();
    Ok((ToPolars(df), failures))
}

/// The chromagram of a file: `([12 x frames] float64 in A..G# order, hop in seconds)`.
#[pyfunction]
#[pyo3(signature = (path, chroma_mode = "accurate"))]
fn chromagram<'py>(
    py: Python<'py>,
    path: PathBuf,
    chroma_mode: &str,
) -> PyResult<(Bound<'py, PyArray2<f64>>, f64)> {
    let options = table_options(chroma_mode, "dominant", false, TonalArgs::default())?;
    let gram = py
        .detach(|| chroma::file_chromagram(&path, &options))
        .map_err(|e| chroma_err(py, &e))?;
    let flat: Vec<f64> = gram.rows().iter().flatten().copied().collect();
    Ok((transposed(py, &flat, 12)?, gram.hop_s()))
}

/// Fits k-means on a C-contiguous float64 `[n x d]` array: `(model, labels, n_iter)`.
/// `init` is "k-means++", "random", "first" or a `[k x d]` array of starting centroids;
/// `sample_weight`, a float64 weight per row (`kmeans::KMeansValidParams::fit_weighted`).
#[pyfunction]
#[pyo3(signature = (x, columns, n_clusters, init, init_centroids, n_init, max_iter, tol, seed, sample_weight = None))]
#[allow(clippy::too_many_arguments)]
fn kmeans_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    columns: Vec<String>,
    n_clusters: usize,
    init: &str,
    init_centroids: Option<PyReadonlyArray2<'py, f64>>,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: Option<u64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<(PyKMeansModel, Bound<'py, PyArray1<i64>>, usize)> {
    let init = match (init, init_centroids) {
        (_, Some(c)) => kmeans::Init::Given(
            c.as_array()
                .rows()
                .into_iter()
                .map(|r| r.to_vec())
                .collect(),
        ),
        ("k-means++", None) => kmeans::Init::KMeansPlusPlus,
        ("random", None) => kmeans::Init::Random,
        ("first", None) => kmeans::Init::First,
        (other, None) => {
            return Err(PyValueError::new_err(format!(
                "unknown init {other:?} (expected \"k-means++\", \"random\", \"first\" or an array)"
            )))
        }
    };
    let data = x
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut params = kmeans::KMeans::params(n_clusters)
        .n_init(n_init)
        .max_iter(max_iter)
        .tol(tol)
        .init(init);
    if let Some(s) = seed {
        params = params.seed(s);
    }
    let weights = sample_weight.as_ref().map(slice).transpose()?;
    let fit = py
        .detach(|| {
            let m = kmeans::RowMatrix::from_row_major_named(data.to_vec(), columns)?;
            match weights {
                None => params.fit(&m),
                Some(w) => params.check()?.fit_weighted(&m, w),
            }
        })
        .map_err(|e| kmeans_err(py, &e))?;
    let labels: Vec<i64> = fit.labels.iter().map(|&l| l as i64).collect();
    Ok((
        PyKMeansModel { inner: fit.model },
        labels.into_pyarray(py),
        fit.iterations,
    ))
}

/// A fitted k-means model (`kmeans::KMeansModel`), held in Rust: `predict` and `transform`
/// use it directly (no text parsed per call); `to_json`/`from_json` are the CLI's model format,
/// and pickling goes through them.
#[pyclass(name = "KMeansModel", module = "chromacluster._chromacluster", frozen)]
struct PyKMeansModel {
    inner: kmeans::KMeansModel,
}

impl PyKMeansModel {
    /// The rows of a C-contiguous float64 array.
    fn rows(py: Python<'_>, x: &PyReadonlyArray2<'_, f64>) -> PyResult<kmeans::RowMatrix> {
        let data = x
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        kmeans::RowMatrix::from_row_major(data, x.shape()[1]).map_err(|e| kmeans_err(py, &e))
    }
}

#[pymethods]
impl PyKMeansModel {
    /// The model of a JSON text in the CLI's format (validated).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        kmeans::KMeansModel::from_json(text, std::path::Path::new("<model>"))
            .map(|inner| PyKMeansModel { inner })
            .map_err(|e| kmeans_err(py, &e))
    }

    /// The model as JSON text in the CLI's format.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Reads a model file (the CLI's JSON format).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| kmeans::KMeansModel::load(&path))
            .map(|inner| PyKMeansModel { inner })
            .map_err(|e| kmeans_err(py, &e))
    }

    /// Writes the model to `path` in the CLI's format, atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.inner.save(&path))
            .map_err(|e| kmeans_err(py, &e))
    }

    /// Nearest centroid of each row and the squared distance to it: `(labels, squared
    /// distances)`.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Predicted<'py>> {
        let m = Self::rows(py, &x)?;
        let (labels, distances) = py
            .detach(|| self.inner.predict_with_distances(&m))
            .map_err(|e| kmeans_err(py, &e))?;
        let labels: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
        let sq: Vec<f64> = distances.iter().map(|d| d * d).collect();
        Ok((labels.into_pyarray(py), sq.into_pyarray(py)))
    }

    /// Euclidean distance of every row to every centroid, `[n x k]` (the model's fitted space).
    fn transform<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let m = Self::rows(py, &x)?;
        let k = self.inner.k();
        let distances = py
            .detach(|| self.inner.distances_to_centroids(&m))
            .map_err(|e| kmeans_err(py, &e))?;
        let n = distances.len().checked_div(k).unwrap_or(0);
        let array = Array2::from_shape_vec((n, k), distances)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(array.into_pyarray(py))
    }

    /// The `[k x d]` centroids in the fitted space.
    #[getter]
    fn centroids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let c = self.inner.centroids();
        let d = c.first().map_or(0, Vec::len);
        let array = Array2::from_shape_vec((c.len(), d), c.concat())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(array.into_pyarray(py))
    }

    /// Number of clusters.
    #[getter]
    fn k(&self) -> usize {
        self.inner.k()
    }

    /// Sum of squared distances of the fitted rows to their centroid.
    #[getter]
    fn inertia(&self) -> f64 {
        self.inner.inertia()
    }

    /// The columns the model was fitted on.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.inner.columns().to_vec()
    }

    /// The seed the fit used.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed()
    }

    /// Whether the model standardises rows (or places them in a similarity space) first.
    #[getter]
    fn transforms_input(&self) -> bool {
        self.inner.scaling().is_some() || self.inner.space().is_some()
    }

    /// The fit's parameters: `(init, given centroids or None, n_init, max_iter, tol)`, `init`
    /// as scikit-learn names it (`"k-means++"`, `"random"`, `"first"`, or `"given"`).
    #[allow(clippy::type_complexity)]
    fn params(&self) -> (&'static str, Option<Vec<Vec<f64>>>, usize, usize, f64) {
        let p = self.inner.params();
        let (name, given) = match p.init() {
            kmeans::Init::KMeansPlusPlus => ("k-means++", None),
            kmeans::Init::Random => ("random", None),
            kmeans::Init::First => ("first", None),
            kmeans::Init::Given(c) => ("given", Some(c.clone())),
        };
        (name, given, p.n_init(), p.max_iter(), p.tol())
    }

    /// Pickling: rebuilt from its JSON text.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = py.get_type::<PyKMeansModel>().getattr("from_json")?;
        Ok((from_json, (self.inner.to_json(),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "KMeansModel(k={}, columns={}, inertia={})",
            self.inner.k(),
            self.inner.columns().len(),
            self.inner.inertia()
        )
    }
}

/// The module.
#[pymodule]
fn _chromacluster(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A decoder panic that audio-io catches (and raises as AudioError) prints no
    // "thread ... panicked" message on the interpreter's stderr.
    audio_io::install_quiet_panic_hook();
    let py = m.py();
    m.add("ChromaclusterError", py.get_type::<ChromaclusterError>())?;
    m.add("AudioError", py.get_type::<AudioError>())?;
    m.add("FeatureError", py.get_type::<FeatureError>())?;
    m.add("KMeansError", py.get_type::<KMeansError>())?;
    m.add_function(wrap_pyfunction!(read_mono, m)?)?;
    m.add_function(wrap_pyfunction!(feature_extraction, m)?)?;
    m.add_function(wrap_pyfunction!(mid_feature_extraction, m)?)?;
    m.add_function(wrap_pyfunction!(beat_extraction, m)?)?;
    m.add_function(wrap_pyfunction!(directory_feature_extraction, m)?)?;
    m.add_function(wrap_pyfunction!(mid_term_table, m)?)?;
    m.add_function(wrap_pyfunction!(audio_files, m)?)?;
    m.add_function(wrap_pyfunction!(file_labels, m)?)?;
    m.add_function(wrap_pyfunction!(notes_table, m)?)?;
    m.add_function(wrap_pyfunction!(similar_table, m)?)?;
    m.add_function(wrap_pyfunction!(chromagram, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_fit, m)?)?;
    m.add_class::<PyKMeansModel>()?;
    Ok(())
}

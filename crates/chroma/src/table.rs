//! Per-file analysis and the feature table (one row per file), built in parallel.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use audio_io::{AudioReader, BlockSource, Recorder};
use polars::prelude::{Column, DataFrame};
use rayon::prelude::*;

use stfeatures::{FeatureExtractor, FrameSpec, SignalStats};

use crate::accurate::{AccurateChroma, AccurateParams};
use crate::chromagram::{
    Chromagram, ChromagramColumns, NoteProfile, NoteProfileBuilder, VotePolicy,
};
use crate::error::ChromaError;
use crate::key::{rotate_to_tonic, KeyEstimate, KeyFinder, DEGREE_NAMES};
use crate::pitch_class::NOTE_NAMES;
use crate::plan_cache;
use crate::pyaa::{self, FeatureStats};
use crate::schema;

/// Which chroma the profile is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChromaMode {
    /// The accurate chroma ([`AccurateChroma`]).
    #[default]
    Accurate,
    /// pyAudioAnalysis's chroma columns (features 21..32 of `stfeatures`), quirks included.
    Pyaa,
}

impl std::str::FromStr for ChromaMode {
    type Err = String;
    /// Parses `"accurate"` or `"pyaa"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accurate" => Ok(ChromaMode::Accurate),
            "pyaa" => Ok(ChromaMode::Pyaa),
            other => Err(format!(
                "unknown chroma mode {other:?} (expected \"accurate\" or \"pyaa\")"
            )),
        }
    }
}

impl std::fmt::Display for ChromaMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChromaMode::Accurate => "accurate",
            ChromaMode::Pyaa => "pyaa",
        })
    }
}

/// Which profile fills the 12 note columns of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProfileKind {
    /// [`NoteProfile::dominant`]: share of voting frames in which each note is the most prominent.
    #[default]
    Dominant,
    /// [`NoteProfile::mean_chroma`]: the mean normalised chroma (soft profile).
    MeanChroma,
}

/// Options for analysing files and building the table.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TableOptions {
    /// Chroma used (default accurate).
    pub mode: ChromaMode,
    /// Which frames vote (default: voiced frames only).
    pub votes: VotePolicy,
    /// Which profile fills the note columns (default dominant-note shares).
    pub profile: ProfileKind,
    /// Add the per-file mean and population std (ddof 0) of the 34 short-term features
    /// (`<feature>_mean`, `<feature>_std`, 68 columns).
    pub feature_stats: bool,
    /// Parameters of the accurate chroma (its tuning: estimated by default).
    pub accurate: AccurateParams,
    /// How each file's key is estimated (accurate chroma only).
    pub key: KeyFinder,
    /// Key-free profiles: [`table_of_options`] rotates each file's 12 note columns so that its
    /// estimated tonic comes first and names them by scale degree ([`DEGREE_NAMES`]).
    pub relative: bool,
}

impl TableOptions {
    /// The reference's table (`seed_table.csv`): pyaa chroma, every frame votes (silence = A),
    /// dominant-note shares.
    pub fn reference() -> Self {
        TableOptions {
            mode: ChromaMode::Pyaa,
            votes: VotePolicy::AllFrames,
            ..TableOptions::default()
        }
    }

    /// These options with the accurate chroma's tuning chosen by `tuning` (`--tuning`, `--a4`).
    pub fn with_tuning(mut self, tuning: crate::TuningChoice) -> Self {
        tuning.apply(&mut self.accurate);
        self
    }
}

/// The analysis of one file: one table row.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAnalysis {
    /// The file's path as given (lossy UTF-8).
    pub file: String,
    /// Its note profile.
    pub profile: NoteProfile,
    /// Duration in seconds (decoded samples / sample rate).
    pub duration_s: f64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// The tuning the pitch classes were measured against, cents from A4 = 440 Hz (estimated
    /// by default; 0 in pyaa mode or without pitched content).
    pub tuning_cents: f64,
    /// The estimated key ([`KeyEstimate::NONE`] in pyaa mode: pyAudioAnalysis's chroma is
    /// offset from the true pitch classes).
    pub key: KeyEstimate,
    /// With [`TableOptions::feature_stats`]: `(mean, std)` of each of the 34 short-term features
    /// over the file's frames, in `stfeatures::FEATURE_NAMES` order.
    pub feature_stats: Option<Vec<(f64, f64)>>,
}

/// The table of a batch plus the files that failed.
#[derive(Debug)]
pub struct FeatureTable {
    /// One row per good file, in sorted path order: `file`, `A` .. `G#`, `voiced_frames`,
    /// `frames`, `duration_s`, `sample_rate` (and the 68 feature statistics when asked).
    pub table: DataFrame,
    /// Files that could not be analysed, sorted by path, with why.
    pub failures: Vec<(PathBuf, ChromaError)>,
}

/// The text of a path in the table's `file` column: the path itself when it is valid UTF-8;
/// otherwise its valid parts with each byte that is not UTF-8 written as `\xNN`, so that two
/// names differing only in such bytes stay two different rows (a lossy conversion would make
/// both `\u{FFFD}`).
pub fn file_label(path: &Path) -> String {
    if let Some(text) = path.to_str() {
        return text.to_string();
    }
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let mut label = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            label.push_str(chunk.valid());
            for byte in chunk.invalid() {
                let _ = write!(label, "\\x{byte:02X}");
            }
        }
        label
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned()
    }
}

/// Analyses one file and computes its profile.
///
/// Accurate mode without statistics decodes the file once, streamed. Otherwise the analysis
/// makes two passes, as `stfeatures` does: pass 1 gathers the mean and peak the reference's
/// normalisation needs (and feeds the accurate analyser), pass 2 computes the 34 short-term
/// features frame by frame (pyaa chroma, energy, statistics) without storing the matrix. A
/// file whose samples fit in [`audio_io::DEFAULT_REPLAY_BYTES`] is decoded once, its samples
/// kept for pass 2 ([`audio_io::Recorder`]); a longer one is decoded again. The
/// profile is built as frames arrive ([`NoteProfileBuilder`]), so memory does not grow with
/// the file's length.
pub fn analyze_file(path: &Path, options: &TableOptions) -> Result<FileAnalysis, ChromaError> {
    let mut builder = NoteProfileBuilder::new(options.votes);
    let decoded = decode_and_analyse(path, options, &mut |c, e| builder.push(c, e))?;
    let profile = builder.finish();
    // The key summary is the mean normalised chroma of the voting frames, which the streamed
    // profile already holds (`KeyFinder::summary` of the whole chromagram, without its
    // final-chord weight).
    let key = match options.mode {
        ChromaMode::Accurate => options.key.estimate(&profile.mean_chroma),
        ChromaMode::Pyaa => KeyEstimate::NONE,
    };
    Ok(FileAnalysis {
        file: file_label(path),
        profile,
        duration_s: decoded.n_samples as f64 / f64::from(decoded.sample_rate),
        sample_rate: decoded.sample_rate,
        tuning_cents: decoded.tuning_cents,
        key,
        feature_stats: decoded.feature_stats,
    })
}

/// The key of a file's chromagram: estimated from the accurate chroma only.
fn key_of(gram: &Chromagram, options: &TableOptions) -> KeyEstimate {
    match options.mode {
        ChromaMode::Accurate => options.key.estimate_chromagram(gram, &options.votes),
        ChromaMode::Pyaa => KeyEstimate::NONE,
    }
}

/// The chromagram of a file in `options.mode` (accurate: frames of
/// [`AccurateChroma::n_fft`] samples every [`AccurateChroma::hop`]; pyaa: 50 ms / 25 ms frames),
/// held whole in memory. `options.votes` and `options.profile` are not used. For a picture of
/// a long file use [`file_chromagram_columns`], whose memory does not grow with the length.
pub fn file_chromagram(path: &Path, options: &TableOptions) -> Result<Chromagram, ChromaError> {
    let options = TableOptions {
        feature_stats: false,
        ..*options
    };
    let mut gram = Chromagram::default();
    let decoded = decode_and_analyse(path, &options, &mut |c, e| gram.push(*c, e))?;
    gram.set_tuning_cents(decoded.tuning_cents);
    Ok(gram.with_hop_s(decoded.hop_s))
}

/// The chromagram of a file (as [`file_chromagram`]) reduced as it streams to at most
/// `max_columns` columns of averaged frames ([`ChromagramColumns`]), e.g. one per pixel of a
/// picture: memory is bounded by `max_columns` whatever the file's length.
pub fn file_chromagram_columns(
    path: &Path,
    options: &TableOptions,
    max_columns: usize,
) -> Result<ChromagramColumns, ChromaError> {
    let options = TableOptions {
        feature_stats: false,
        ..*options
    };
    Ok(file_chromagram_and_key(path, &options, max_columns)?.0)
}

/// [`file_chromagram_columns`] plus, from the same single decoding, the file's tuning in cents
/// and its key (accurate mode; [`KeyEstimate::NONE`] in pyaa mode), e.g. for a chromagram's
/// title.
pub fn file_chromagram_and_key(
    path: &Path,
    options: &TableOptions,
    max_columns: usize,
) -> Result<(ChromagramColumns, f64, KeyEstimate), ChromaError> {
    let options = TableOptions {
        feature_stats: false,
        ..*options
    };
    let mut columns = ChromagramColumns::new(0.0, max_columns);
    let mut builder = NoteProfileBuilder::new(options.votes);
    let decoded = decode_and_analyse(path, &options, &mut |c, e| {
        columns.push(c);
        builder.push(c, e);
    })?;
    let key = match options.mode {
        ChromaMode::Accurate => options.key.estimate(&builder.finish().mean_chroma),
        ChromaMode::Pyaa => KeyEstimate::NONE,
    };
    Ok((columns.with_hop_s(decoded.hop_s), decoded.tuning_cents, key))
}

/// What decoding and analysing one file gives besides its chroma frames.
struct DecodedAnalysis {
    sample_rate: u32,
    n_samples: u64,
    /// Seconds between chroma frames.
    hop_s: f64,
    /// The tuning the accurate chroma used (0 in pyaa mode).
    tuning_cents: f64,
    feature_stats: Option<Vec<(f64, f64)>>,
}

/// Decodes `path` and hands each chroma frame of `options.mode` (12 values and the frame's
/// energy) to `on_frame`, in order; nothing per frame is kept. The accurate analyser and the
/// feature extractor are this thread's, planned once per thread and sample rate
/// ([`crate::plan_cache`]).
fn decode_and_analyse(
    path: &Path,
    options: &TableOptions,
    on_frame: &mut dyn FnMut(&[f64; 12], f64),
) -> Result<DecodedAnalysis, ChromaError> {
    let reader = AudioReader::open(path).map_err(|source| ChromaError::Audio {
        path: path.to_path_buf(),
        source,
    })?;
    let fs = reader.info().sample_rate;
    match options.mode {
        ChromaMode::Accurate => plan_cache::with_accurate(fs, &options.accurate, |a| {
            decode_and_analyse_with(path, options, reader, Some(a), on_frame)
        })?,
        ChromaMode::Pyaa => decode_and_analyse_with(path, options, reader, None, on_frame),
    }
}

/// [`decode_and_analyse`] from the opened `reader`, with the accurate analyser in accurate mode.
fn decode_and_analyse_with(
    path: &Path,
    options: &TableOptions,
    reader: AudioReader,
    mut accurate: Option<&mut AccurateChroma>,
    on_frame: &mut dyn FnMut(&[f64; 12], f64),
) -> Result<DecodedAnalysis, ChromaError> {
    let audio_err = |source| ChromaError::Audio {
        path: path.to_path_buf(),
        source,
    };
    let feature_err = |source| ChromaError::Features {
        path: path.to_path_buf(),
        source,
    };
    let needs_features = options.feature_stats || options.mode == ChromaMode::Pyaa;

    // Pass 1. When pass 2 is needed, a short file's samples are kept for it (one decode).
    let fs = reader.info().sample_rate;
    let raw_scale = reader.info().raw_scale();
    let mut reader = if needs_features {
        Recorder::new(reader)
    } else {
        Recorder::with_budget(reader, 0)
    };
    let mut signal_stats = SignalStats::new();
    let mut n_samples = 0u64;
    while let Some(block) = reader.next_block().map_err(audio_err)? {
        n_samples += block.len() as u64;
        if let Some(a) = accurate.as_mut() {
            a.push_frames(block, &mut *on_frame);
        }
        if needs_features {
            signal_stats.push(block, raw_scale).map_err(feature_err)?;
        }
    }
    check_length(path, n_samples, fs)?;
    let mut hop_s = 0.0;
    let mut tuning_cents = 0.0;
    if let Some(a) = accurate.as_mut() {
        tuning_cents = a.finish_frames(&mut *on_frame);
        hop_s = a.hop_s();
    }

    // Pass 2.
    let mut feature_stats = None;
    let replay = if needs_features {
        Some(reader.replay().map_err(audio_err)?)
    } else {
        drop(reader);
        None
    };
    if let Some(mut second) = replay {
        let pyaa_frames = options.mode == ChromaMode::Pyaa;
        let normalisation = signal_stats.normalisation(raw_scale);
        let (stats, step) = plan_cache::with_extractor(fs, |extractor| {
            let step = extractor.framing().step();
            let mut stats = FeatureStats::new();
            let mut stream = extractor.frame_stream(normalisation);
            while let Some(block) = second.next_block().map_err(audio_err)? {
                stream
                    .push_block(block, |frame| {
                        if pyaa_frames {
                            on_frame(
                                &pyaa::chroma_of_row(frame.features),
                                pyaa::energy_of_row(frame.features),
                            );
                        }
                        stats.push(frame.features);
                    })
                    .map_err(feature_err)?;
            }
            if stream.samples() != n_samples {
                return Err(ChromaError::StreamChanged {
                    path: path.to_path_buf(),
                    first: n_samples,
                    second: stream.samples(),
                });
            }
            Ok((stats, step))
        })
        .map_err(feature_err)??;
        if pyaa_frames {
            hop_s = step as f64 / f64::from(fs);
        }
        if options.feature_stats {
            feature_stats = Some(stats.finish());
        }
    }
    Ok(DecodedAnalysis {
        sample_rate: fs,
        n_samples,
        hop_s,
        tuning_cents,
        feature_stats,
    })
}

/// Analyses an in-memory mono signal (samples in [-1, 1]) named `file`, as [`analyze_file`]
/// would analyse a file holding it. For the pyaa chroma and the feature statistics the samples
/// are brought to 16-bit PCM's raw scale (times 2^15), as the reference read 16-bit files.
pub fn analyze_samples(
    file: &str,
    samples: &[f64],
    sample_rate: u32,
    options: &TableOptions,
) -> Result<FileAnalysis, ChromaError> {
    let path = Path::new(file);
    check_length(path, samples.len() as u64, sample_rate)?;
    let needs_features = options.feature_stats || options.mode == ChromaMode::Pyaa;
    let matrix = if needs_features {
        let raw: Vec<f64> = samples.iter().map(|x| x * 32768.0).collect();
        let matrix = FeatureExtractor::new(sample_rate, FrameSpec::default())
            .and_then(|mut e| e.extract(&raw))
            .map_err(|source| ChromaError::Features {
                path: path.to_path_buf(),
                source,
            })?;
        Some(matrix)
    } else {
        None
    };
    let gram = match (&matrix, options.mode) {
        (Some(m), ChromaMode::Pyaa) => pyaa::pyaa_chromagram(m),
        _ => plan_cache::with_accurate(sample_rate, &options.accurate, |a| a.chromagram(samples))?,
    };
    let feature_stats = match (&matrix, options.feature_stats) {
        (Some(m), true) => {
            let mut stats = FeatureStats::new();
            for row in m.rows() {
                stats.push(row);
            }
            Some(stats.finish())
        }
        _ => None,
    };
    Ok(FileAnalysis {
        file: file.to_string(),
        profile: gram.note_profile(&options.votes),
        duration_s: samples.len() as f64 / f64::from(sample_rate),
        sample_rate,
        tuning_cents: gram.tuning_cents(),
        key: key_of(&gram, options),
        feature_stats,
    })
}

/// Rejects a signal shorter than the reference's window `int(0.050 fs)`.
pub(crate) fn check_length(path: &Path, n: u64, sample_rate: u32) -> Result<(), ChromaError> {
    let window = (0.050 * sample_rate as f64) as usize;
    if n < window as u64 || n == 0 {
        return Err(ChromaError::TooShort {
            path: path.to_path_buf(),
            samples: n,
            window,
        });
    }
    Ok(())
}

/// The analyses of a batch of files: the good ones and the failures, each in sorted path order.
#[derive(Debug)]
pub struct AnalysisBatch {
    /// Analyses of the files that succeeded.
    pub analyses: Vec<FileAnalysis>,
    /// Files that could not be analysed, with why.
    pub failures: Vec<(PathBuf, ChromaError)>,
    /// True when `stop_at_first_failure` cut the batch short (files not started are in neither list).
    pub stopped: bool,
}

/// Analyses `paths` (sorted, duplicates dropped) in parallel with rayon; the result's order does
/// not depend on the thread count. A failing file does not stop the batch unless
/// `stop_at_first_failure` is set, in which case files not yet started are skipped. `progress`
/// is called once after each analysed file (from worker threads).
pub fn analyze_files(
    paths: &[PathBuf],
    options: &TableOptions,
    stop_at_first_failure: bool,
    progress: &(dyn Fn() + Sync),
) -> AnalysisBatch {
    analyze_files_each(paths, options, stop_at_first_failure, &|_, _| progress())
}

/// [`analyze_files`], calling `on_result` with each file's result as soon as it is known (from
/// worker threads, in no particular order), e.g. to journal it ([`crate::journal`]).
pub fn analyze_files_each(
    paths: &[PathBuf],
    options: &TableOptions,
    stop_at_first_failure: bool,
    on_result: &(dyn Fn(&Path, &Result<FileAnalysis, ChromaError>) + Sync),
) -> AnalysisBatch {
    let mut sorted: Vec<&PathBuf> = paths.iter().collect();
    sorted.sort();
    sorted.dedup();
    let stop = AtomicBool::new(false);
    let results: Vec<(PathBuf, Option<Result<FileAnalysis, ChromaError>>)> = sorted
        .par_iter()
        .map(|p| {
            if stop.load(Ordering::Relaxed) {
                return ((*p).clone(), None);
            }
            let r = analyze_file(p, options);
            if r.is_err() && stop_at_first_failure {
                stop.store(true, Ordering::Relaxed);
            }
            on_result(p, &r);
            ((*p).clone(), Some(r))
        })
        .collect();
    let mut batch = AnalysisBatch {
        analyses: Vec::with_capacity(results.len()),
        failures: Vec::new(),
        stopped: stop.load(Ordering::Relaxed),
    };
    for (path, r) in results {
        match r {
            Some(Ok(a)) => batch.analyses.push(a),
            Some(Err(e)) => batch.failures.push((path, e)),
            None => {}
        }
    }
    batch
}

/// Analyses `paths` in parallel (see [`analyze_files`]) and stacks the good files into a table
/// in sorted path order; files that fail are listed in [`FeatureTable::failures`] and do not
/// stop the batch. `progress` is called once after each file (from worker threads). Fails only
/// if polars cannot build the table.
pub fn build_table(
    paths: &[PathBuf],
    options: &TableOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<FeatureTable, ChromaError> {
    let batch = analyze_files(paths, options, false, progress);
    for (path, e) in &batch.failures {
        tracing::warn!("skipping {}: {e}", path.display());
    }
    let table = table_of_options(&batch.analyses, options)?;
    Ok(FeatureTable {
        table,
        failures: batch.failures,
    })
}

/// Stacks analyses into a DataFrame (rows in the given order): `file`, the 12 note columns
/// (filled from `profile`), `voiced_frames` (u64), `frames` (u64), `duration_s`,
/// `sample_rate` (u32), `tuning_cents`, `key` (string, `"F# minor"`, empty without a key),
/// `key_strength`, then `<feature>_mean`, `<feature>_std` for each of the 34 features if
/// every analysis carries statistics.
pub fn table_of(analyses: &[FileAnalysis], profile: ProfileKind) -> Result<DataFrame, ChromaError> {
    build(analyses, profile, false)
}

/// [`table_of`] with `options.profile`; with `options.relative` the note columns are key-free:
/// each row rotated so its estimated tonic comes first ([`rotate_to_tonic`]) and named `1, b2,
/// 2, b3, 3, 4, #4, 5, b6, 6, b7, 7` ([`DEGREE_NAMES`]); a row without a key is left as is
/// (A first; its `key` column is empty).
pub fn table_of_options(
    analyses: &[FileAnalysis],
    options: &TableOptions,
) -> Result<DataFrame, ChromaError> {
    build(analyses, options.profile, options.relative)
}

fn build(
    analyses: &[FileAnalysis],
    profile: ProfileKind,
    relative: bool,
) -> Result<DataFrame, ChromaError> {
    let n = analyses.len();
    let mut columns = Vec::with_capacity(21 + 68);
    columns.push(Column::new(
        schema::FILE_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.file.clone())
            .collect::<Vec<String>>(),
    ));
    let rows: Vec<[f64; 12]> = analyses
        .iter()
        .map(|a| {
            let values = match profile {
                ProfileKind::Dominant => a.profile.dominant,
                ProfileKind::MeanChroma => a.profile.mean_chroma,
            };
            match (relative, a.key.key) {
                (true, Some(key)) => rotate_to_tonic(&values, key.tonic),
                _ => values,
            }
        })
        .collect();
    let names = if relative { DEGREE_NAMES } else { NOTE_NAMES };
    for (i, name) in names.iter().enumerate() {
        let values: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        columns.push(Column::new((*name).into(), values));
    }
    columns.push(Column::new(
        schema::VOICED_FRAMES_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.profile.voiced_frames as u64)
            .collect::<Vec<u64>>(),
    ));
    columns.push(Column::new(
        schema::FRAMES_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.profile.frames as u64)
            .collect::<Vec<u64>>(),
    ));
    columns.push(Column::new(
        schema::DURATION_COLUMN.into(),
        analyses.iter().map(|a| a.duration_s).collect::<Vec<f64>>(),
    ));
    columns.push(Column::new(
        schema::SAMPLE_RATE_COLUMN.into(),
        analyses.iter().map(|a| a.sample_rate).collect::<Vec<u32>>(),
    ));
    columns.push(Column::new(
        schema::TUNING_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.tuning_cents)
            .collect::<Vec<f64>>(),
    ));
    columns.push(Column::new(
        schema::KEY_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.key.name())
            .collect::<Vec<String>>(),
    ));
    columns.push(Column::new(
        schema::KEY_STRENGTH_COLUMN.into(),
        analyses
            .iter()
            .map(|a| a.key.strength)
            .collect::<Vec<f64>>(),
    ));
    if n > 0 && analyses.iter().all(|a| a.feature_stats.is_some()) {
        for (j, name) in pyaa::feature_names().iter().enumerate() {
            let stat = |a: &FileAnalysis, k: usize| {
                a.feature_stats
                    .as_ref()
                    .and_then(|s| s.get(j))
                    .map_or(f64::NAN, |&(m, s)| if k == 0 { m } else { s })
            };
            columns.push(Column::new(
                format!("{name}_mean").into(),
                analyses.iter().map(|a| stat(a, 0)).collect::<Vec<f64>>(),
            ));
            columns.push(Column::new(
                format!("{name}_std").into(),
                analyses.iter().map(|a| stat(a, 1)).collect::<Vec<f64>>(),
            ));
        }
    }
    DataFrame::new(n, columns).map_err(|source| ChromaError::Table {
        step: crate::error::TableStep::Build("feature"),
        source,
    })
}

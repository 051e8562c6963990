//! pyAudioAnalysis 0.3.14's mid-term statistics (`MidTermFeatures`): the mean and the standard
//! deviation of every short-term feature and delta over mid-term windows, the per-file average of
//! those, and its beat estimate (`beat_extraction`).
//!
//! ```
//! use stfeatures::midterm::{mid_feature_extraction, MidTermSpec};
//!
//! // Three seconds of a 440 Hz tone at 16 kHz, in 16-bit integer scale.
//! let fs = 16_000u32;
//! let signal: Vec<f64> = (0..3 * fs)
//!     .map(|i| (8_000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / fs as f64).sin()).round())
//!     .collect();
//! // 1 s mid-term windows every 0.5 s over 50 ms / 25 ms short-term frames, all in samples.
//! let spec = MidTermSpec::samples(16_000.0, 8_000.0, 800.0, 400.0);
//! let (mid, short) = mid_feature_extraction(&signal, fs, &spec)?;
//! assert_eq!(short.n_columns(), 68); // 34 features and their deltas
//! assert_eq!(mid.n_columns(), 136); // mean and std of each
//! assert_eq!(mid.names()[0], "zcr_mean");
//! assert_eq!(mid.names()[68], "zcr_std");
//! assert_eq!(mid.n_windows(), 6); // windows start every 20 frames of 119
//! # Ok::<(), stfeatures::FeatureError>(())
//! ```

use std::path::{Path, PathBuf};

#[cfg(feature = "polars")]
use polars::prelude::{Column, DataFrame, PolarsResult};

use crate::{FeatureError, FeatureExtractor, FeatureMatrix, FrameSpec, N_FEATURES};

/// The statistics per short-term column: mean, then standard deviation.
pub const N_STATS: usize = 2;

/// Columns of the mid-term matrix: mean and std of the 68 short-term features and deltas.
pub const N_MID_FEATURES: usize = N_STATS * 2 * N_FEATURES;

/// The short-term columns `beat_extraction` looks at (zcr, energy, the spectral shape and the
/// first 11 MFCCs; not the energy entropy).
pub const BEAT_FEATURES: [usize; 18] = [
    0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
];

/// The same `eps` as `MidTermFeatures.py`, in the beat confidence's denominator.
const BEAT_EPS: f64 = 1e-8;

/// Mid-term and short-term windows and steps, in samples, as `mid_feature_extraction` takes them
/// (the short-term ones are truncated to whole samples for framing, as `feature_extraction` does
/// with `int()`, but enter the mid-term window count unrounded, as in the reference).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MidTermSpec {
    /// Mid-term window, samples.
    pub mid_window: f64,
    /// Mid-term step, samples.
    pub mid_step: f64,
    /// Short-term window, samples.
    pub short_window: f64,
    /// Short-term step, samples.
    pub short_step: f64,
}

impl MidTermSpec {
    /// Windows and steps in samples.
    pub fn samples(mid_window: f64, mid_step: f64, short_window: f64, short_step: f64) -> Self {
        MidTermSpec {
            mid_window,
            mid_step,
            short_window,
            short_step,
        }
    }

    /// Windows and steps in seconds at `sample_rate`, converted as `directory_feature_extraction`
    /// does: Python's `round(seconds * fs)` (to nearest, ties to even).
    pub fn seconds(
        sample_rate: u32,
        mid_window: f64,
        mid_step: f64,
        short_window: f64,
        short_step: f64,
    ) -> Self {
        let fs = f64::from(sample_rate);
        let r = |s: f64| (s * fs).round_ties_even();
        MidTermSpec::samples(r(mid_window), r(mid_step), r(short_window), r(short_step))
    }

    /// The short-term framing, `int(window)` and `int(step)` samples.
    pub fn frame_spec(&self) -> Result<FrameSpec, FeatureError> {
        let w = positive("short-term window", self.short_window)?;
        let s = positive("short-term step", self.short_step)?;
        // `as` truncates toward zero like Python's int() on a positive float.
        Ok(FrameSpec::samples(w as usize, s as usize))
    }

    /// Short-term frames per mid-term window and per mid-term step:
    /// `round((mid_window - (short_window - short_step)) / short_step)` and
    /// `int(round(mid_step / short_step))`, Python's rounding (ties to even).
    ///
    /// The reference averages empty windows to NaN and then 0 when the first is below 1, and never
    /// ends when the second is 0: both are errors here
    /// ([`FeatureError::InvalidMidTerm`]).
    pub fn ratios(&self) -> Result<(usize, usize), FeatureError> {
        let mid_window = positive("mid-term window", self.mid_window)?;
        let mid_step = positive("mid-term step", self.mid_step)?;
        let short_window = positive("short-term window", self.short_window)?;
        let short_step = positive("short-term step", self.short_step)?;
        let window = ((mid_window - (short_window - short_step)) / short_step).round_ties_even();
        let step = (mid_step / short_step).round_ties_even();
        if window < 1.0 {
            return Err(FeatureError::InvalidMidTerm {
                what: "mid-term window",
                detail: format!(
                    "{mid_window} samples cover {window} short-term frames of {short_window} \
                     samples every {short_step}; it must cover at least one"
                ),
            });
        }
        if step < 1.0 {
            return Err(FeatureError::InvalidMidTerm {
                what: "mid-term step",
                detail: format!(
                    "{mid_step} samples is {step} short-term steps of {short_step} samples; \
                     it must be at least one"
                ),
            });
        }
        // Finite and >= 1 here; saturates for absurd values, which only shortens nothing.
        Ok((window as usize, step as usize))
    }
}

fn positive(what: &'static str, value: f64) -> Result<f64, FeatureError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(FeatureError::InvalidMidTerm {
            what,
            detail: format!("{value} samples: must be a finite positive number"),
        })
    }
}

/// Mid-term windows x statistics, row-major: row `i` holds the mean of each short-term column
/// over window `i`, then the standard deviation of each (the transpose of the reference's
/// `[n_stats * n_feats x n_windows]` array).
#[derive(Debug, Clone, PartialEq)]
pub struct MidTermMatrix {
    names: Vec<String>,
    data: Vec<f64>,
}

impl MidTermMatrix {
    /// Number of mid-term windows (rows).
    pub fn n_windows(&self) -> usize {
        self.data.len().checked_div(self.names.len()).unwrap_or(0)
    }

    /// Number of columns: twice the short-term matrix's (136 for 68 features and deltas).
    pub fn n_columns(&self) -> usize {
        self.names.len()
    }

    /// Column names: `"<short name>_mean"` for every short-term column, then `"<name>_std"`.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Row `i` (one mid-term window). Panics if `i >= n_windows()`.
    pub fn row(&self, i: usize) -> &[f64] {
        let n = self.names.len();
        &self.data[i * n..(i + 1) * n]
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The mean of every column over the windows (`mid_features.mean(axis=0)` of the transposed
    /// matrix): the per-file vector of `directory_feature_extraction`.
    pub fn file_average(&self) -> Vec<f64> {
        let n = self.names.len();
        let mut sums = vec![0.0; n];
        for row in self.data.chunks_exact(n.max(1)) {
            for (s, v) in sums.iter_mut().zip(row) {
                *s += v;
            }
        }
        let count = self.n_windows() as f64;
        sums.iter().map(|s| s / count).collect()
    }

    /// A polars DataFrame with one f64 column per statistic, named as [`MidTermMatrix::names`].
    #[cfg(feature = "polars")]
    pub fn to_dataframe(&self) -> PolarsResult<DataFrame> {
        let n = self.names.len();
        let columns: Vec<Column> = self
            .names
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let values: Vec<f64> = self.data.iter().skip(j).step_by(n).copied().collect();
                Column::new(name.as_str().into(), values)
            })
            .collect();
        DataFrame::new(self.n_windows(), columns)
    }
}

/// Mean and population standard deviation (`np.mean`, `np.std`) of every column of `short`
/// over windows of `window` frames starting every `step` frames, while the start is inside the
/// matrix (the last windows are cut short at its end, as in the reference).
pub fn mid_term_statistics(short: &FeatureMatrix, window: usize, step: usize) -> MidTermMatrix {
    let n_feats = short.n_columns();
    let n_frames = short.n_frames();
    let mut names: Vec<String> = short.names().iter().map(|n| format!("{n}_mean")).collect();
    names.extend(short.names().iter().map(|n| format!("{n}_std")));
    let step = step.max(1);
    let n_windows = n_frames.div_ceil(step);
    let mut data = Vec::with_capacity(n_windows * 2 * n_feats);
    let mut means = vec![0.0; n_feats];
    let mut sq = vec![0.0; n_feats];
    let mut start = 0;
    while start < n_frames {
        let end = start.saturating_add(window).min(n_frames);
        let count = (end - start) as f64;
        means.iter_mut().for_each(|m| *m = 0.0);
        sq.iter_mut().for_each(|m| *m = 0.0);
        for i in start..end {
            for (m, v) in means.iter_mut().zip(short.row(i)) {
                *m += v;
            }
        }
        means.iter_mut().for_each(|m| *m /= count);
        for i in start..end {
            for ((s, v), m) in sq.iter_mut().zip(short.row(i)).zip(&means) {
                *s += (v - m) * (v - m);
            }
        }
        data.extend_from_slice(&means);
        data.extend(sq.iter().map(|s| (s / count).sqrt()));
        start += step;
    }
    MidTermMatrix { names, data }
}

/// `MidTermFeatures.mid_feature_extraction`: the short-term features with deltas (68 columns) of
/// a signal in the reader's raw scale, and their mid-term statistics.
///
/// Returns the mid-term matrix and the short-term matrix it was computed from.
pub fn mid_feature_extraction(
    signal: &[f64],
    sample_rate: u32,
    spec: &MidTermSpec,
) -> Result<(MidTermMatrix, FeatureMatrix), FeatureError> {
    let (window, step) = spec.ratios()?;
    let mut extractor = FeatureExtractor::new(sample_rate, spec.frame_spec()?)?.with_deltas(true);
    let short = extractor.extract(signal)?;
    Ok((mid_term_statistics(&short, window, step), short))
}

/// A beat estimate: `beat_extraction`'s beats per minute and confidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beat {
    /// Beats per minute.
    pub bpm: f64,
    /// Confidence: the winning histogram bin's share of the whole histogram.
    pub ratio: f64,
}

/// `MidTermFeatures.beat_extraction`: for each of [`BEAT_FEATURES`], the local maxima of the
/// feature over frames (`utilities.peakdet` with delta twice the mean absolute frame-to-frame
/// difference), a histogram of the distances between consecutive maxima (1 to
/// `round(2 / short_step_s)` frames) normalised by the frame count, summed over the features; the
/// beat is the most frequent distance (first on ties) as beats per minute.
///
/// `short_step_s` is the short-term step in seconds. The matrix must hold the 34 features
/// (deltas may follow).
pub fn beat_extraction(short: &FeatureMatrix, short_step_s: f64) -> Result<Beat, FeatureError> {
    let columns: Vec<Vec<f64>> = (0..=BEAT_FEATURES[BEAT_FEATURES.len() - 1])
        .map(|j| short.column_vec(j))
        .collect();
    let rows: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    beat_extraction_rows(&rows, short_step_s)
}

/// [`beat_extraction`] on features given as rows (`features[i]` is short-term feature `i` over
/// the frames, the reference's `[n_features x n_frames]` orientation); at least 19 rows of equal
/// length are needed.
pub fn beat_extraction_rows(features: &[&[f64]], short_step_s: f64) -> Result<Beat, FeatureError> {
    if !(short_step_s.is_finite() && short_step_s > 0.0) {
        return Err(FeatureError::InvalidMidTerm {
            what: "short-term step",
            detail: format!("{short_step_s} s: must be a finite positive number"),
        });
    }
    let needed = BEAT_FEATURES[BEAT_FEATURES.len() - 1] + 1;
    let n_frames = features.first().map_or(0, |r| r.len());
    if features.len() < needed || features.iter().any(|r| r.len() != n_frames) || n_frames == 0 {
        return Err(FeatureError::InvalidMidTerm {
            what: "short-term features",
            detail: format!(
                "{} rows (at least {needed} of equal, non-zero length needed)",
                features.len()
            ),
        });
    }
    let max_beat = (2.0 / short_step_s).round_ties_even();
    if !(1.0..=1e7).contains(&max_beat) {
        return Err(FeatureError::InvalidMidTerm {
            what: "short-term step",
            detail: format!("{short_step_s} s gives {max_beat} histogram bins (1 to 10^7 needed)"),
        });
    }
    let max_beat = max_beat as usize;
    let mut hist = vec![0.0; max_beat];
    let mut counts = vec![0u64; max_beat];
    for &feature in &BEAT_FEATURES {
        let values = features[feature];
        let diffs = values.windows(2).map(|w| (w[0] - w[1]).abs());
        let mut threshold = 2.0 * diffs.sum::<f64>() / (n_frames as f64 - 1.0);
        // NaN (one frame) stays NaN, as in the reference (no maxima are then found).
        if threshold <= 0.0 {
            threshold = 1e-16;
        }
        counts.iter_mut().for_each(|c| *c = 0);
        let maxima = peak_maxima(values, threshold);
        for pair in maxima.windows(2) {
            let d = pair[1] - pair[0];
            if (1..=max_beat).contains(&d) {
                counts[d - 1] += 1;
            }
        }
        for (h, c) in hist.iter_mut().zip(&counts) {
            *h += *c as f64 / n_frames as f64;
        }
    }
    // np.argmax: the first maximum.
    let mut best = 0;
    for (i, h) in hist.iter().enumerate() {
        if *h > hist[best] {
            best = i;
        }
    }
    let centre = (best + 1) as f64;
    Ok(Beat {
        bpm: 60.0 / (centre * short_step_s),
        ratio: hist[best] / (hist.iter().sum::<f64>() + BEAT_EPS),
    })
}

/// The positions of the local maxima found by `utilities.peakdet(v, delta)` (Billauer's
/// algorithm): a maximum is kept once the signal has fallen `delta` below it.
fn peak_maxima(v: &[f64], delta: f64) -> Vec<usize> {
    let mut maxima = Vec::new();
    let (mut mn, mut mx) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut mxpos = 0;
    let mut look_for_max = true;
    for (i, &this) in v.iter().enumerate() {
        if this > mx {
            mx = this;
            mxpos = i;
        }
        if this < mn {
            mn = this;
        }
        if look_for_max {
            if this < mx - delta {
                maxima.push(mxpos);
                mn = this;
                look_for_max = false;
            }
        } else if this > mn + delta {
            mx = this;
            mxpos = i;
            look_for_max = true;
        }
    }
    maxima
}

/// The file extensions `directory_feature_extraction` picks up (its glob patterns, which are
/// case-sensitive on the systems it runs on).
pub const DIRECTORY_EXTENSIONS: [&str; 6] = ["wav", "aif", "aiff", "mp3", "au", "ogg"];

/// A file `directory_feature_extraction` skipped or failed on, and why.
#[derive(Debug)]
pub struct SkippedFile {
    /// The file.
    pub path: PathBuf,
    /// Why it has no row.
    pub error: FeatureError,
}

/// The result of [`directory_feature_extraction`]: one row per analysed file.
#[derive(Debug)]
pub struct DirectoryFeatures {
    /// One row per file in `files`: the file's average of each mid-term statistic, then (with
    /// the beat) `bpm` and `ratio`.
    pub rows: Vec<Vec<f64>>,
    /// The files of `rows`, in the same order (sorted paths).
    pub files: Vec<PathBuf>,
    /// Column names of the rows.
    pub names: Vec<String>,
    /// Files without a row: empty, unreadable, shorter than 0.2 s, or failing extraction.
    pub skipped: Vec<SkippedFile>,
}

/// `MidTermFeatures.directory_feature_extraction`: one vector per audio file directly in
/// `folder` (extensions [`DIRECTORY_EXTENSIONS`], sorted by path): the average over the file's
/// mid-term windows of each statistic, with (if `compute_beat`) its [`beat_extraction`]
/// estimate and confidence appended. Windows and steps are in seconds, converted per file with
/// [`MidTermSpec::seconds`].
///
/// Differences from the reference, on purpose:
/// - a file with no row (empty, undecodable, shorter than `fs / 5` samples, or failing) is listed
///   in [`DirectoryFeatures::skipped`] with its cause; `files` names exactly the files of `rows`
///   (the reference adds a name before its NaN check, so names and rows can misalign, and stops
///   with an exception at a file it cannot decode);
/// - every file's channels are averaged (the reference passes more than two on unaveraged and
///   fails), and every format the decoder reads is accepted under those extensions;
/// - non-finite samples are an error for that file (the reference turns the NaN statistics
///   into zeros).
pub fn directory_feature_extraction(
    folder: impl AsRef<Path>,
    mid_window: f64,
    mid_step: f64,
    short_window: f64,
    short_step: f64,
    compute_beat: bool,
) -> Result<DirectoryFeatures, FeatureError> {
    let folder = folder.as_ref();
    let read_dir = |source| FeatureError::ReadDir {
        path: folder.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(read_dir)? {
        let path = entry.map_err(read_dir)?.path();
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| DIRECTORY_EXTENSIONS.contains(&e));
        if wanted && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut out = DirectoryFeatures {
        rows: Vec::new(),
        files: Vec::new(),
        names: Vec::new(),
        skipped: Vec::new(),
    };
    for path in files {
        match file_vector(
            &path,
            mid_window,
            mid_step,
            short_window,
            short_step,
            compute_beat,
        ) {
            Ok((row, names)) => {
                out.rows.push(row);
                out.files.push(path);
                out.names = names;
            }
            Err(error) => out.skipped.push(SkippedFile { path, error }),
        }
    }
    if out.names.is_empty() {
        out.names = mid_names(compute_beat);
    }
    Ok(out)
}

fn mid_names(compute_beat: bool) -> Vec<String> {
    let short = crate::FeatureMatrix::column_names(true);
    let mut names: Vec<String> = short.iter().map(|n| format!("{n}_mean")).collect();
    names.extend(short.iter().map(|n| format!("{n}_std")));
    if compute_beat {
        names.push("bpm".into());
        names.push("ratio".into());
    }
    names
}

/// One file's row of [`directory_feature_extraction`] and its column names.
fn file_vector(
    path: &Path,
    mid_window: f64,
    mid_step: f64,
    short_window: f64,
    short_step: f64,
    compute_beat: bool,
) -> Result<(Vec<f64>, Vec<String>), FeatureError> {
    let in_file = |e: FeatureError| e.in_file(path);
    let signal = audio_io::read_mono(path)?;
    let fs = signal.sample_rate();
    if (signal.samples.len() as f64) < f64::from(fs) / 5.0 {
        return Err(in_file(FeatureError::SignalTooShort {
            samples: signal.samples.len() as u64,
            window: (f64::from(fs) / 5.0).ceil() as usize,
        }));
    }
    let spec = MidTermSpec::seconds(fs, mid_window, mid_step, short_window, short_step);
    let (mid, short) = mid_feature_extraction(&signal.raw_samples(), fs, &spec).map_err(in_file)?;
    let mut row = mid.file_average();
    let mut names = mid.names().to_vec();
    if compute_beat {
        let beat = beat_extraction(&short, short_step).map_err(in_file)?;
        row.push(beat.bpm);
        row.push(beat.ratio);
        names.push("bpm".into());
        names.push("ratio".into());
    }
    if let Some(j) = row.iter().position(|v| !v.is_finite()) {
        return Err(in_file(FeatureError::InvalidMidTerm {
            what: "file average",
            detail: format!("column {} is {}", names[j], row[j]),
        }));
    }
    Ok((row, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_round_like_python() {
        // round((16000 - (800 - 400)) / 400) = 39; round(8000 / 400) = 20.
        assert_eq!(
            MidTermSpec::samples(16000.0, 8000.0, 800.0, 400.0)
                .ratios()
                .expect("valid"),
            (39, 20)
        );
        // Ties go to even: (1000 - 100) / 200 = 4.5 -> 4; 500 / 200 = 2.5 -> 2.
        assert_eq!(
            MidTermSpec::samples(1000.0, 500.0, 300.0, 200.0)
                .ratios()
                .expect("valid"),
            (4, 2)
        );
        // 0.015 s at 22050 Hz is 330.75 samples: round() gives 331 (int() would give 330).
        let s = MidTermSpec::seconds(22050, 0.5, 0.2, 0.04, 0.015);
        assert_eq!((s.short_window, s.short_step), (882.0, 331.0));
        assert!(matches!(
            MidTermSpec::samples(100.0, 400.0, 800.0, 400.0).ratios(),
            Err(FeatureError::InvalidMidTerm {
                what: "mid-term window",
                ..
            })
        ));
        assert!(matches!(
            MidTermSpec::samples(16000.0, 100.0, 800.0, 400.0).ratios(),
            Err(FeatureError::InvalidMidTerm {
                what: "mid-term step",
                ..
            })
        ));
        assert!(MidTermSpec::samples(f64::NAN, 1.0, 2.0, 1.0)
            .ratios()
            .is_err());
    }

    #[test]
    fn statistics_are_mean_and_population_std_with_short_last_windows() {
        let framing = FrameSpec::samples(4, 2).resolve(8000).expect("valid");
        let mut m = FeatureMatrix::with_capacity(framing, false, 5);
        for i in 0..5 {
            m.push_frame(&[i as f64; N_FEATURES]);
        }
        let mid = mid_term_statistics(&m, 3, 2);
        // Windows [0,1,2], [2,3,4], [4].
        assert_eq!(mid.n_windows(), 3);
        assert_eq!(mid.n_columns(), 68);
        assert_eq!(mid.row(0)[0], 1.0);
        assert!((mid.row(0)[34] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(mid.row(1)[5], 3.0);
        assert_eq!(mid.row(2)[0], 4.0);
        assert_eq!(mid.row(2)[34], 0.0);
        assert_eq!(mid.file_average()[0], (1.0 + 3.0 + 4.0) / 3.0);
        assert_eq!(mid.names()[34], "zcr_std");
        #[cfg(feature = "polars")]
        assert_eq!(mid.to_dataframe().expect("frame").shape(), (3, 68));
    }

    #[test]
    fn peaks_follow_billauer() {
        // Maxima at 1 and 4 (each followed by a fall of more than 0.5), none at the end.
        let v = [0.0, 2.0, 0.0, 1.0, 3.0, 1.0, 2.0];
        assert_eq!(peak_maxima(&v, 0.5), vec![1, 4]);
        assert_eq!(peak_maxima(&v, f64::NAN), Vec::<usize>::new());
    }
}

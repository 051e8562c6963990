//! One file's analysis: decoded (once when it fits the replay budget), its chroma frames
//! streamed into a note profile, a key and, when asked, the 34 features' statistics.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use audio_io::{AudioReader, BlockSource, FirstPass, Recorder, Tags};

use stfeatures::{FeatureError, FeatureExtractor, Frame, FrameSpec, PassVisitor, SignalStats};

use crate::analysis::accurate::{AccurateChroma, AccurateParams};
use crate::analysis::chromagram::{
    ChromaFrame, Chromagram, ChromagramColumns, NoteProfile, NoteProfileBuilder, VoicingThreshold,
    VotePolicy,
};
use crate::analysis::key::{KeyEstimate, KeyFinder};
use crate::analysis::key_segments::{KeySegment, KeySegmenter};
use crate::analysis::pyaa::{self, FeatureStats};
use crate::analysis::sound::SoundBuilder;
use crate::error::ChromaError;
use crate::pipeline::plan_cache;

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

impl std::str::FromStr for ProfileKind {
    type Err = String;
    /// Parses `"dominant"` or `"mean"` (the command line's `--profile` and Python's `profile`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "dominant" => Ok(ProfileKind::Dominant),
            "mean" => Ok(ProfileKind::MeanChroma),
            other => Err(format!(
                "unknown profile {other:?} (expected \"dominant\" or \"mean\")"
            )),
        }
    }
}

impl std::fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProfileKind::Dominant => "dominant",
            ProfileKind::MeanChroma => "mean",
        })
    }
}

/// The version of the analysis' numbers: raised by every change that moves a value of a table
/// row for the same options (a chroma or key algorithm, a profile's weights, the tuning
/// estimate, a default). A resumable run reuses rows only under the same version
/// (`chroma_table::journal`), so raising it is how a change keeps stale rows out of an
/// updated table. 1: the first version counted (chromacluster 0.1.0, December 2026); 2: the
/// key's chroma leaves out peaks 30 dB below the frame's strongest (`harmonics::KEY_PEAK_FLOOR`);
/// 3: the lowest voice counts twice in the key's chroma (`harmonics::LOWEST_VOICE_WEIGHT`).
pub const ANALYSIS_VERSION: u32 = 3;

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
    /// Add the sound description ([`crate::sound`], schema v1: 126 columns made for similarity),
    /// computed in the same decode as the profile (pass 2's frames and pass 1's accurate chroma).
    pub sound: bool,
    /// Parameters of the accurate chroma (its tuning: estimated by default).
    pub accurate: AccurateParams,
    /// How each file's key is estimated (accurate chroma only).
    pub key: KeyFinder,
    /// Key-free profiles: `chroma_table::table_of_options` rotates each file's 12 note columns so that its
    /// estimated tonic comes first and names them by scale degree ([`crate::DEGREE_NAMES`]).
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
    pub fn with_tuning(mut self, tuning: crate::Tuning) -> Self {
        self.accurate.tuning = tuning;
        self
    }

    /// Every setting that changes a table's values, by name (`accurate.fmin_hz`,
    /// `key.profile`, ...), each value as text that reads back the same (`{:?}` of a number
    /// or enum): what a resumable run's fingerprint is made of, so that a stored fingerprint
    /// can be compared setting by setting (a setting added by a later version is absent from
    /// an older fingerprint; `chroma_table::journal` then takes it at its default).
    pub fn named_values(&self) -> Vec<(&'static str, String)> {
        // Destructured, so that a new field cannot be left out of the list.
        let TableOptions {
            mode,
            votes,
            profile,
            feature_stats,
            sound,
            accurate,
            key,
            relative,
        } = *self;
        let AccurateParams {
            tuning,
            fmin_hz,
            fmax_hz,
            min_window_s,
            peak_floor_db,
            harmonics,
            harmonic_decay,
            exponent,
        } = accurate;
        let KeyFinder {
            profile: key_profile,
            opening_weight,
            opening_s,
            min_strength,
        } = key;
        let mut values = vec![
            ("mode", format!("{mode:?}")),
            ("profile", format!("{profile:?}")),
            ("feature_stats", format!("{feature_stats:?}")),
            ("sound", format!("{sound:?}")),
            ("relative", format!("{relative:?}")),
            ("accurate.tuning", format!("{tuning:?}")),
            ("accurate.fmin_hz", format!("{fmin_hz:?}")),
            ("accurate.fmax_hz", format!("{fmax_hz:?}")),
            ("accurate.min_window_s", format!("{min_window_s:?}")),
            ("accurate.peak_floor_db", format!("{peak_floor_db:?}")),
            ("accurate.harmonics", format!("{harmonics:?}")),
            ("accurate.harmonic_decay", format!("{harmonic_decay:?}")),
            ("accurate.exponent", format!("{exponent:?}")),
            ("key.profile", format!("{key_profile:?}")),
            ("key.opening_weight", format!("{opening_weight:?}")),
            ("key.opening_s", format!("{opening_s:?}")),
            ("key.min_strength", format!("{min_strength:?}")),
        ];
        match votes {
            VotePolicy::AllFrames => values.push(("votes", "AllFrames".to_string())),
            VotePolicy::Voiced(VoicingThreshold {
                relative_db,
                absolute_floor,
                max_flatness,
            }) => values.extend([
                ("votes", "Voiced".to_string()),
                ("votes.relative_db", format!("{relative_db:?}")),
                ("votes.absolute_floor", format!("{absolute_floor:?}")),
                ("votes.max_flatness", format!("{max_flatness:?}")),
            ]),
        }
        values
    }
}

/// The analysis of one file: one table row.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAnalysis {
    /// The file's path as given, as text: [`crate::file_label()`] (the path itself when it is
    /// UTF-8 without a backslash, else escaped so that no two paths share a label).
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
    /// With [`TableOptions::sound`]: the file's sound description, in
    /// [`crate::sound::sound_columns`] order.
    pub sound: Option<Vec<f64>>,
    /// The file's own tags (title, artist, album, track, year, genre; `None` where absent):
    /// metadata columns of the table, never features.
    pub tags: Tags,
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
    let mut key = KeyOfFrames::new(options);
    let decoded = decode_and_analyse(path, options, &mut |f| {
        builder.push(&f.chroma, f.energy);
        key.push(f);
    })?;
    let profile = builder.finish();
    let key = key.estimate();
    Ok(FileAnalysis {
        file: super::file_label(path),
        profile,
        duration_s: decoded.n_samples as f64 / f64::from(decoded.sample_rate),
        sample_rate: decoded.sample_rate,
        tuning_cents: decoded.tuning_cents,
        key,
        feature_stats: decoded.feature_stats,
        sound: decoded.sound,
        tags: decoded.tags,
    })
}

/// A file's key as its frames stream by: estimated from the accurate chroma only
/// ([`KeyEstimate::NONE`] in pyaa mode: pyAudioAnalysis's chroma is offset from the true
/// pitch classes).
struct KeyOfFrames {
    finder: KeyFinder,
    summary: Option<crate::KeySummaryBuilder>,
}

impl KeyOfFrames {
    fn new(options: &TableOptions) -> Self {
        KeyOfFrames {
            finder: options.key,
            summary: (options.mode == ChromaMode::Accurate)
                .then(|| options.key.summary_builder(options.votes)),
        }
    }

    fn push(&mut self, frame: &ChromaFrame) {
        if let Some(s) = self.summary.as_mut() {
            s.push(frame);
        }
    }

    fn estimate(&self) -> KeyEstimate {
        self.summary
            .as_ref()
            .map_or(KeyEstimate::NONE, |s| self.finder.estimate(&s.summary()))
    }
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
        sound: false,
        ..*options
    };
    let mut gram = Chromagram::default();
    let decoded = decode_and_analyse(path, &options, &mut |f| {
        gram.push_with_key(f.chroma, f.key_chroma, f.energy)
    })?;
    gram.set_tuning_cents(decoded.tuning_cents);
    Ok(gram.with_hop_s(decoded.hop_s))
}

/// The key of each section of a file ([`KeySegmenter`]), from its accurate chroma (whatever
/// `options.mode` says; `options.key` and `options.votes` are the segmenter's), covering the
/// file from 0 to its duration. The file's key chroma is held in memory (about 0.3 MB per
/// minute of audio).
pub fn file_key_segments(
    path: &Path,
    options: &TableOptions,
    segmenter: &KeySegmenter,
) -> Result<Vec<KeySegment>, ChromaError> {
    let options = TableOptions {
        feature_stats: false,
        mode: ChromaMode::Accurate,
        ..*options
    };
    let mut gram = Chromagram::default();
    let decoded = decode_and_analyse(path, &options, &mut |f| {
        gram.push_with_key(f.chroma, f.key_chroma, f.energy)
    })?;
    let gram = gram.with_hop_s(decoded.hop_s);
    let segmenter = KeySegmenter {
        finder: options.key,
        votes: options.votes,
        ..*segmenter
    };
    let duration = decoded.n_samples as f64 / f64::from(decoded.sample_rate);
    Ok(segmenter.segments_until(&gram, duration))
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
        sound: false,
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
        sound: false,
        ..*options
    };
    let mut columns = ChromagramColumns::new(0.0, max_columns);
    let mut key = KeyOfFrames::new(&options);
    let decoded = decode_and_analyse(path, &options, &mut |f| {
        columns.push(&f.chroma);
        key.push(f);
    })?;
    Ok((
        columns.with_hop_s(decoded.hop_s),
        decoded.tuning_cents,
        key.estimate(),
    ))
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
    sound: Option<Vec<f64>>,
    /// The file's own tags.
    tags: Tags,
}

/// Decodes `path` and hands each chroma frame of `options.mode` (12 values and the frame's
/// energy) to `on_frame`, in order; nothing per frame is kept. The accurate analyser and the
/// feature extractor are this thread's, planned once per thread and sample rate
/// ([`crate::pipeline::plan_cache`]). A long file decodes on a second thread, ahead of the
/// analysis, when the calling pool has a worker with no file to analyse
/// ([`read_ahead_if_spare`]). Every error names the file once.
fn decode_and_analyse(
    path: &Path,
    options: &TableOptions,
    on_frame: &mut dyn FnMut(&ChromaFrame),
) -> Result<DecodedAnalysis, ChromaError> {
    let _in_flight = FileInFlight::start();
    let analysed = AudioReader::open(path)
        .map_err(ChromaError::from)
        .and_then(|reader| {
            let fs = reader.info().sample_rate;
            let reader = read_ahead_if_spare(reader);
            // The sound description's harmony group needs the accurate chroma in either mode.
            match options.mode {
                ChromaMode::Pyaa if !options.sound => {
                    decode_and_analyse_with(options, reader, None, on_frame)
                }
                _ => plan_cache::with_accurate(fs, &options.accurate, |a| {
                    decode_and_analyse_with(options, reader, Some(a), on_frame)
                })?,
            }
        });
    analysed.map_err(|e| e.in_file(path))
}

/// Files of this process being decoded and analysed right now.
static FILES_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

#[cfg(test)]
thread_local! {
    /// Files this thread had decoded ahead on a second thread.
    static FILES_READ_AHEAD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts one file in [`FILES_IN_FLIGHT`] while it lives.
struct FileInFlight;

impl FileInFlight {
    fn start() -> Self {
        FILES_IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        FileInFlight
    }
}

impl Drop for FileInFlight {
    fn drop(&mut self) {
        FILES_IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// `reader`, decoding ahead on a second thread ([`audio_io::ReadAhead`]: the same blocks, bit
/// for bit) when the file is long and the calling rayon pool has more workers than files in
/// flight: a batch's `--jobs N` bounds the cores used (with `--jobs 1` nothing decodes ahead),
/// and a batch with a file per worker keeps every core busy already; one long file, or the
/// last files of a batch, use the idle workers' share.
fn read_ahead_if_spare(reader: AudioReader) -> FirstPass {
    let workers = rayon::current_num_threads();
    let spare = workers.saturating_sub(FILES_IN_FLIGHT.load(Ordering::Relaxed));
    let first = FirstPass::open_ahead_if_worth_it(reader, spare);
    #[cfg(test)]
    if matches!(first, FirstPass::Ahead(_)) {
        FILES_READ_AHEAD.set(FILES_READ_AHEAD.get() + 1);
    }
    first
}

/// [`decode_and_analyse`] from the opened `reader`, with the accurate analyser in accurate mode.
///
/// Accurate mode without statistics decodes once and needs no second pass. Otherwise the file
/// goes through `stfeatures`' two-pass stream ([`FeatureExtractor::stream`]): the accurate
/// analyser sees pass 1's blocks, the pyaa chroma and the statistics come from pass 2's frames.
fn decode_and_analyse_with(
    options: &TableOptions,
    mut reader: FirstPass,
    accurate: Option<&mut AccurateChroma>,
    on_frame: &mut dyn FnMut(&ChromaFrame),
) -> Result<DecodedAnalysis, ChromaError> {
    let fs = reader.info().sample_rate;
    let tags = reader.info().tags.clone();
    let needs_features = options.feature_stats || options.sound || options.mode == ChromaMode::Pyaa;
    if !needs_features {
        let mut n_samples = 0u64;
        let mut accurate = accurate;
        while let Some(block) = reader.next_block()? {
            n_samples += block.len() as u64;
            if let Some(a) = accurate.as_mut() {
                a.push_frames(block, &mut *on_frame);
            }
        }
        check_length(n_samples, fs)?;
        let (tuning_cents, hop_s) = match accurate {
            Some(a) => (a.finish_frames(&mut *on_frame), a.hop_s()),
            None => (0.0, 0.0),
        };
        return Ok(DecodedAnalysis {
            sample_rate: fs,
            n_samples,
            hop_s,
            tuning_cents,
            feature_stats: None,
            sound: None,
            tags,
        });
    }

    let raw_scale = reader.info().raw_scale();
    let framing = FrameSpec::default().resolve(fs)?;
    let mut visitor = PassesOfOneFile {
        accurate,
        on_frame,
        pyaa_frames: options.mode == ChromaMode::Pyaa,
        pyaa_count: 0,
        pyaa_hop_s: 0.0,
        stats: FeatureStats::new(),
        sound: options.sound.then(|| SoundBuilder::new(&framing)),
        tuning_cents: 0.0,
    };
    let (summary, step) = plan_cache::with_extractor(fs, |extractor| {
        visitor.pyaa_hop_s = extractor.framing().step() as f64 / f64::from(fs);
        let summary = extractor.stream(Recorder::new(reader), raw_scale, &mut visitor)?;
        Ok::<_, FeatureError>((summary, extractor.framing().step()))
    })??;
    let (hop_s, tuning_cents) = match (visitor.accurate.as_ref(), options.mode) {
        (Some(a), ChromaMode::Accurate) => (a.hop_s(), visitor.tuning_cents),
        _ => (step as f64 / f64::from(fs), 0.0),
    };
    Ok(DecodedAnalysis {
        sample_rate: fs,
        n_samples: summary.samples,
        hop_s,
        tuning_cents,
        feature_stats: options.feature_stats.then(|| visitor.stats.finish()),
        sound: visitor.sound.map(SoundBuilder::finish),
        tags,
    })
}

/// One file's two passes: the accurate analyser fed with pass 1's blocks (its tuning known, and
/// its held frames released, once pass 1 ends); pass 2's frames give the pyaa chroma frames
/// (pyaa mode), the feature statistics and the sound description (whose harmony group takes
/// the accurate frames).
struct PassesOfOneFile<'a, 'f> {
    accurate: Option<&'a mut AccurateChroma>,
    on_frame: &'f mut dyn FnMut(&ChromaFrame),
    pyaa_frames: bool,
    /// Pyaa frames handed on so far, and the seconds between their starts.
    pyaa_count: u64,
    pyaa_hop_s: f64,
    stats: FeatureStats,
    sound: Option<SoundBuilder>,
    tuning_cents: f64,
}

impl PassesOfOneFile<'_, '_> {
    /// Where an accurate chroma frame goes: the profile (accurate mode) and the sound's harmony.
    fn accurate_frame_sink<'s>(
        on_frame: &'s mut dyn FnMut(&ChromaFrame),
        sound: &'s mut Option<SoundBuilder>,
        to_profile: bool,
    ) -> impl FnMut(&ChromaFrame) + 's {
        move |frame| {
            if let Some(s) = sound.as_mut() {
                s.push_chroma(&frame.chroma);
            }
            if to_profile {
                on_frame(frame);
            }
        }
    }
}

impl PassVisitor for PassesOfOneFile<'_, '_> {
    fn first_pass_block(&mut self, block: &[f64]) {
        if let Some(a) = self.accurate.as_mut() {
            a.push_frames(
                block,
                Self::accurate_frame_sink(&mut *self.on_frame, &mut self.sound, !self.pyaa_frames),
            );
        }
    }

    fn first_pass_done(&mut self, _stats: &SignalStats) {
        if let Some(a) = self.accurate.as_mut() {
            self.tuning_cents = a.finish_frames(Self::accurate_frame_sink(
                &mut *self.on_frame,
                &mut self.sound,
                !self.pyaa_frames,
            ));
        }
    }

    fn frame(&mut self, frame: Frame<'_>) {
        if self.pyaa_frames {
            let chroma = pyaa::chroma_of_row(frame.features);
            (self.on_frame)(&ChromaFrame {
                chroma,
                key_chroma: chroma,
                energy: pyaa::energy_of_row(frame.features),
                start_s: self.pyaa_count as f64 * self.pyaa_hop_s,
            });
            self.pyaa_count += 1;
        }
        self.stats.push(frame.features);
        if let Some(s) = self.sound.as_mut() {
            s.push_frame(frame.features, frame.spectrum);
        }
    }
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
    analyse_samples(file, samples, sample_rate, options).map_err(|e| e.in_file(Path::new(file)))
}

fn analyse_samples(
    file: &str,
    samples: &[f64],
    sample_rate: u32,
    options: &TableOptions,
) -> Result<FileAnalysis, ChromaError> {
    check_length(samples.len() as u64, sample_rate)?;
    let needs_features = options.feature_stats || options.mode == ChromaMode::Pyaa;
    let matrix = if needs_features {
        let raw: Vec<f64> = samples.iter().map(|x| x * 32768.0).collect();
        let matrix = FeatureExtractor::new(sample_rate, FrameSpec::default())
            .and_then(|mut e| e.extract(&raw))?;
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
    let sound = if options.sound {
        let accurate = match options.mode {
            ChromaMode::Accurate => None,
            ChromaMode::Pyaa => Some(plan_cache::with_accurate(
                sample_rate,
                &options.accurate,
                |a| a.chromagram(samples),
            )?),
        };
        Some(sound_of_samples(
            samples,
            sample_rate,
            accurate.as_ref().unwrap_or(&gram),
        )?)
    } else {
        None
    };
    Ok(FileAnalysis {
        file: file.to_string(),
        profile: gram.note_profile(&options.votes),
        duration_s: samples.len() as f64 / f64::from(sample_rate),
        sample_rate,
        tuning_cents: gram.tuning_cents(),
        key: key_of(&gram, options),
        feature_stats,
        sound,
        tags: Tags::default(),
    })
}

/// The sound description of an in-memory signal (samples in [-1, 1], brought to 16-bit PCM's raw
/// scale as [`analyze_samples`] does) whose accurate chromagram is `accurate`: the same frames and
/// the same accumulation as a file's stream.
fn sound_of_samples(
    samples: &[f64],
    sample_rate: u32,
    accurate: &Chromagram,
) -> Result<Vec<f64>, ChromaError> {
    const RAW_SCALE: f64 = 32768.0;
    let mut extractor = FeatureExtractor::new(sample_rate, FrameSpec::default())?;
    let mut builder = SoundBuilder::new(&extractor.framing());
    let mut stats = SignalStats::new();
    stats.push(samples, RAW_SCALE)?;
    let mut stream = extractor.frame_stream(stats.normalisation(RAW_SCALE));
    stream.push_block(samples, |frame| {
        builder.push_frame(frame.features, frame.spectrum)
    })?;
    for row in accurate.rows() {
        builder.push_chroma(row);
    }
    Ok(builder.finish())
}

/// Rejects a signal of `n` samples shorter than one frame of the reference's framing
/// ([`FrameSpec::default`]: `int(0.050 fs)` samples), as its two-pass stream does.
pub(crate) fn check_length(n: u64, sample_rate: u32) -> Result<(), FeatureError> {
    let window = FrameSpec::default().resolve(sample_rate)?.window();
    if n < window as u64 {
        return Err(FeatureError::SignalTooShort { samples: n, window });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Analyses `path` on a worker of a pool of `workers` threads; also says whether it was
    /// decoded ahead.
    fn analysed_in_pool(
        path: &Path,
        options: &TableOptions,
        workers: usize,
    ) -> (FileAnalysis, bool) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()
            .expect("pool");
        pool.install(|| {
            let before = FILES_READ_AHEAD.get();
            let analysis = analyze_file(path, options).expect("analysis");
            (analysis, FILES_READ_AHEAD.get() > before)
        })
    }

    #[test]
    fn decoding_ahead_gives_the_same_analysis() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("long.wav");
        // Longer than ReadAhead::MIN_SECONDS: decoded ahead when a worker is idle.
        let seconds = audio_io::ReadAhead::MIN_SECONDS + 5.0;
        let mut x = audio_io::synth::major_triad(57, seconds, 11_025, 0.4);
        let noise = audio_io::synth::noise_samples(x.len(), 0.02, 3);
        for (v, n) in x.iter_mut().zip(noise) {
            *v += n;
        }
        audio_io::synth::write_wav(&path, &[&x], 11_025, audio_io::synth::WavFormat::S16)
            .expect("write");
        let stats = TableOptions {
            feature_stats: true,
            ..TableOptions::default()
        };
        for options in [TableOptions::default(), stats, TableOptions::reference()] {
            // One worker: no core to spare, decoded on the worker. Eight: decoded ahead (unless
            // seven other files are in flight in this test process, which none of its tests do).
            let (direct, ahead_1) = analysed_in_pool(&path, &options, 1);
            let (ahead, ahead_8) = analysed_in_pool(&path, &options, 8);
            assert!(
                !ahead_1 && ahead_8,
                "{:?}: {ahead_1} {ahead_8}",
                options.mode
            );
            assert_eq!(direct, ahead, "{:?}", options.mode);
            assert!(direct.profile.voiced_frames > 0);
        }
    }

    #[test]
    fn a_real_mp3_decoded_ahead_gives_the_same_analysis() {
        // A 4-minute recording from the corpus (MP3: packets of their own size, a stated length
        // from its header), in the default mode.
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/corpus/real/beat/100 BPM - Rhythm patterns - Salsa.mp3");
        let options = TableOptions::default();
        let (direct, ahead_1) = analysed_in_pool(&path, &options, 1);
        let (ahead, ahead_8) = analysed_in_pool(&path, &options, 8);
        assert!(!ahead_1 && ahead_8, "{ahead_1} {ahead_8}");
        assert_eq!(direct, ahead);
        assert!(direct.duration_s > 240.0 && direct.profile.voiced_frames > 1000);
    }

    #[test]
    fn a_short_file_is_not_decoded_ahead() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("short.wav");
        let x = audio_io::synth::major_triad(57, 2.0, 11_025, 0.4);
        audio_io::synth::write_wav(&path, &[&x], 11_025, audio_io::synth::WavFormat::S16)
            .expect("write");
        let (_, ahead) = analysed_in_pool(&path, &TableOptions::default(), 8);
        assert!(!ahead);
    }
}

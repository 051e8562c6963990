//! The per-frame feature table of one file (pyAudioAnalysis's 34 columns, optionally with the
//! accurate chroma in place of the reference's and with deltas), streamed row by row: memory
//! does not grow with the file's length.

use std::collections::VecDeque;
use std::path::Path;

use audio_io::{AudioReader, BlockSource, Recorder};
use stfeatures::{
    DeltaRows, FeatureExtractor, Frame, FrameSpec, Framing, PassVisitor, CHROMA_COLUMNS,
    CHROMA_STD_COLUMN, N_FEATURES,
};

use crate::analysis::accurate::AccurateChroma;
use crate::pipeline::analyse::ChromaMode;
use crate::{AccurateParams, ChromaError};

/// What the per-frame table of a file holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameOptions {
    /// The chroma columns (`chroma_1..chroma_12`, `chroma_std`): [`ChromaMode::Pyaa`]
    /// (default here: the reference's matrix) or [`ChromaMode::Accurate`]: the pitch-class
    /// shares (summing to 1; 0 for a silent frame) of the accurate chroma frame whose centre is
    /// nearest the feature frame's centre, and their population std.
    pub chroma: ChromaMode,
    /// Append the 34 deltas (each column minus its value on the previous frame, 0 on the first).
    pub deltas: bool,
    /// Parameters of the accurate chroma.
    pub accurate: AccurateParams,
}

impl Default for FrameOptions {
    fn default() -> Self {
        FrameOptions {
            chroma: ChromaMode::Pyaa,
            deltas: false,
            accurate: AccurateParams::default(),
        }
    }
}

impl FrameOptions {
    /// The column names of the rows, in order: `stfeatures::column_names(self.deltas)`.
    pub fn column_names(&self) -> &'static [&'static str] {
        stfeatures::column_names(self.deltas)
    }
}

/// Streams the rows of `path`'s feature table (see [`FrameOptions`]) to `on_row` as they are
/// computed (34 or 68 values, [`FrameOptions::column_names`] order), in two passes
/// (pass 1: the mean and peak the reference's normalisation needs; pass 2: the frames, and the
/// accurate chroma alongside); nothing per frame is kept beyond a few frames of look-ahead. A
/// short file is decoded once, its samples kept for pass 2 ([`audio_io::Recorder`]).
/// Stops at the first error of `on_row` and returns it as it is; an error of the analysis names
/// `path` ([`ChromaError::in_file`]). Returns the number of rows and the framing.
pub fn for_each_feature_row<E: From<ChromaError>>(
    path: &Path,
    options: &FrameOptions,
    mut on_row: impl FnMut(&[f64]) -> Result<(), E>,
) -> Result<(usize, Framing), E> {
    let mut failed = None;
    let streamed = feature_rows(path, options, &mut |row| match on_row(row) {
        Ok(()) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    });
    match failed {
        Some(e) => Err(e),
        None => streamed.map_err(|e| e.in_file(path).into()),
    }
}

/// [`for_each_feature_row`] with the callback saying whether to go on.
fn feature_rows(
    path: &Path,
    options: &FrameOptions,
    on_row: &mut dyn FnMut(&[f64]) -> bool,
) -> Result<(usize, Framing), ChromaError> {
    // A short file's samples are kept for the second pass (one decode, see audio_io::Recorder).
    let reader = Recorder::new(AudioReader::open(path)?);
    let fs = reader.info().sample_rate;
    let raw_scale = reader.info().raw_scale();
    let mut extractor = FeatureExtractor::new(fs, FrameSpec::default())?;
    let framing = extractor.framing();
    let accurate = match options.chroma {
        ChromaMode::Accurate => Some(AccurateChroma::new(fs, &options.accurate)?),
        ChromaMode::Pyaa => None,
    };
    let mut rows = FeatureRows {
        aligner: accurate
            .as_ref()
            .map(|a| AccurateAligner::new(framing, a.n_fft(), a.hop())),
        accurate,
        sink: RowSink {
            deltas: options.deltas.then(DeltaRows::new),
            on_row,
            stopped: false,
            rows: 0,
        },
    };
    extractor.stream(reader, raw_scale, &mut rows)?;
    let FeatureRows {
        accurate,
        aligner,
        mut sink,
    } = rows;
    if let (Some(mut a), Some(mut al), false) = (accurate, aligner, sink.stopped) {
        a.finish_frames(|f| al.accurate_frame(&f.chroma, &mut sink));
        al.finish(&mut sink);
    }
    Ok((sink.rows, framing))
}

/// Pass 2 of a file into rows: each feature frame, with the accurate chroma (fed with the same
/// blocks) put in its chroma columns when asked.
struct FeatureRows<'a> {
    accurate: Option<AccurateChroma>,
    aligner: Option<AccurateAligner>,
    sink: RowSink<'a>,
}

impl PassVisitor for FeatureRows<'_> {
    fn frame(&mut self, frame: Frame<'_>) {
        match self.aligner.as_mut() {
            Some(al) => al.feature_frame(frame.features, &mut self.sink),
            None => self.sink.emit(frame.features),
        }
    }

    fn second_pass_block(&mut self, block: &[f64]) {
        if let (Some(a), Some(al)) = (self.accurate.as_mut(), self.aligner.as_mut()) {
            let sink = &mut self.sink;
            a.push_frames(block, |f| al.accurate_frame(&f.chroma, sink));
        }
    }

    fn stopped(&self) -> bool {
        self.sink.stopped
    }
}

/// The last step of a row: deltas if asked, then the caller's callback; once the callback
/// says stop, every later row is dropped.
struct RowSink<'a> {
    deltas: Option<DeltaRows>,
    on_row: &'a mut dyn FnMut(&[f64]) -> bool,
    stopped: bool,
    rows: usize,
}

impl RowSink<'_> {
    fn emit(&mut self, features: &[f64; N_FEATURES]) {
        if self.stopped {
            return;
        }
        let row: &[f64] = match self.deltas.as_mut() {
            Some(d) => d.push(features),
            None => features,
        };
        if (self.on_row)(row) {
            self.rows += 1;
        } else {
            self.stopped = true;
        }
    }
}

/// Puts the accurate chroma into the feature frames as both streams go: feature frame `i`
/// (centre `i step + W/2`) takes accurate frame `round((centre - n_fft/2) / hop)`, clamped to
/// the frames the signal has. Feature frames wait (a few frames: the accurate window is longer)
/// until their accurate frame is complete.
struct AccurateAligner {
    framing: Framing,
    n_fft: usize,
    hop: f64,
    /// Feature frames waiting for their accurate frame, with their index.
    pending: VecDeque<(usize, [f64; N_FEATURES])>,
    /// Recent accurate frames with their index, from the oldest one still needed.
    history: VecDeque<(usize, [f64; 12])>,
    /// Feature frames seen.
    features_seen: usize,
    /// Accurate frames seen.
    accurate_seen: usize,
}

impl AccurateAligner {
    fn new(framing: Framing, n_fft: usize, hop: usize) -> Self {
        AccurateAligner {
            framing,
            n_fft,
            hop: (hop as f64).max(1.0),
            pending: VecDeque::new(),
            history: VecDeque::new(),
            features_seen: 0,
            accurate_seen: 0,
        }
    }

    /// The accurate frame nearest feature frame `i`, before clamping to the last one.
    fn target(&self, i: usize) -> usize {
        let centre = (i * self.framing.step()) as f64 + self.framing.window() as f64 / 2.0;
        ((centre - self.n_fft as f64 / 2.0) / self.hop)
            .round()
            .max(0.0) as usize
    }

    fn feature_frame(&mut self, features: &[f64; N_FEATURES], rows: &mut RowSink<'_>) {
        self.pending.push_back((self.features_seen, *features));
        self.features_seen += 1;
        self.resolve(rows);
    }

    fn accurate_frame(&mut self, chroma: &[f64; 12], rows: &mut RowSink<'_>) {
        self.history.push_back((self.accurate_seen, *chroma));
        self.accurate_seen += 1;
        self.resolve(rows);
    }

    /// Emits every waiting feature frame whose accurate frame is in, then forgets the accurate
    /// frames no later feature frame needs (keeping the newest, for the signal's tail).
    fn resolve(&mut self, rows: &mut RowSink<'_>) {
        while let Some(&(i, _)) = self.pending.front() {
            let t = self.target(i);
            if t >= self.accurate_seen {
                break;
            }
            let chroma = self.chroma_of(t);
            if let Some((_, features)) = self.pending.pop_front() {
                rows.emit(&with_chroma(&features, &chroma));
            }
        }
        let needed = match self.pending.front() {
            Some(&(i, _)) => self.target(i),
            None => self.target(self.features_seen),
        };
        while self.history.len() > 1 && self.history.front().is_some_and(|(j, _)| *j < needed) {
            self.history.pop_front();
        }
    }

    /// Accurate frame `j` from the history (zeros if the signal gave none).
    fn chroma_of(&self, j: usize) -> [f64; 12] {
        self.history
            .iter()
            .find(|(k, _)| *k == j)
            .or(self.history.back())
            .map_or([0.0; 12], |(_, c)| *c)
    }

    /// At the end of both streams: the feature frames past the last accurate frame's reach take
    /// the last one.
    fn finish(&mut self, rows: &mut RowSink<'_>) {
        self.resolve(rows);
        let last = self.accurate_seen.saturating_sub(1);
        while let Some((i, features)) = self.pending.pop_front() {
            let chroma = self.chroma_of(self.target(i).min(last));
            rows.emit(&with_chroma(&features, &chroma));
        }
    }
}

/// `features` with the chroma columns replaced by `chroma`'s pitch-class shares (0 for a silent
/// frame) and `chroma_std` by their population std.
fn with_chroma(features: &[f64; N_FEATURES], chroma: &[f64; 12]) -> [f64; N_FEATURES] {
    let total: f64 = chroma.iter().sum();
    let shares = chroma.map(|v| if total > 0.0 { v / total } else { 0.0 });
    let mean = shares.iter().sum::<f64>() / 12.0;
    let std = (shares.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 12.0).sqrt();
    let mut row = *features;
    row[CHROMA_COLUMNS].copy_from_slice(&shares);
    row[CHROMA_STD_COLUMN] = std;
    row
}

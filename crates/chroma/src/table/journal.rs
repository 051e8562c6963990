//! Batches that survive being killed, and tables kept up to date.
//!
//! A [`DurableRun`] analyses a batch of files for one output table and keeps every finished
//! row durable as it goes, in a **journal** beside the output (`.NAME.chromacluster-journal`,
//! [`journal_path`]): an append-only text file whose first line records the options of the
//! run (chroma mode, votes, profile, statistics, analyser parameters and the crate's version,
//! [`options_fingerprint`]) and whose other lines are one finished file each, with its size
//! and modification time. Lines are flushed and `fsync`ed in batches ([`FlushPolicy`]: every
//! second or every 256 files by default, checked as files finish: a kill loses about a second
//! of work, and an `fsync` of a few milliseconds a second costs nothing measurable). Running the same batch again
//! for the same output resumes: files whose row is in the journal, with the same size and
//! modification time, are not analysed again; a journal written with other options is
//! discarded, so rows of different options never mix. Failures are journalled too but retried
//! on resume (a failure may have been transient or fixed since; a bad file fails again
//! quickly). When the table is written the journal is removed. A torn last line (the process
//! died while appending) is ignored.
//!
//! Every table a run writes gets a **stamp file** beside it (`.NAME.chromacluster-stamps`,
//! [`stamps_path`]): the options fingerprint, the table's own size and modification time, and
//! each row's file with its size and modification time. With [`DurableSettings::update`], a
//! run reuses the rows of the existing table whose file is unchanged (same size and
//! modification time), analyses new and changed files, and drops the rows of files that are
//! no longer among the inputs ([`UpdateCounts`]). Without a stamp file that matches the table
//! and the options, nothing can be proved unchanged and every file is analysed again.
//!
//! ```no_run
//! use chroma::journal::{DurableRun, DurableSettings};
//! use chroma::TableOptions;
//! use std::path::{Path, PathBuf};
//!
//! let files: Vec<PathBuf> = vec!["a.wav".into(), "b.flac".into()];
//! let settings = DurableSettings { update: true, ..DurableSettings::default() };
//! let mut run = DurableRun::open(Path::new("table.parquet"), &TableOptions::default(), settings)?;
//! for note in run.notes() {
//!     eprintln!("note: {note}");
//! }
//! let report = run.analyze(&files, &|| {})?;
//! for (path, err) in &report.batch.failures {
//!     eprintln!("{}: {err}", path.display());
//! }
//! let table = run.finish(&report)?; // writes table.parquet, its stamps; removes the journal
//! # Ok::<(), chroma::ChromaError>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, UNIX_EPOCH};

use polars::prelude::{DataFrame, DataType};

use crate::analysis::chromagram::NoteProfile;
use crate::analysis::key::{Key, KeyEstimate};
use crate::analysis::pitch_class::NOTE_NAMES;
use crate::error::ChromaError;
use crate::pipeline::{FileAnalysis, ProfileKind, TableOptions};
use crate::table::batch::{analyze_files_each, AnalysisBatch};
use crate::table::build::table_of_options;

/// The journal's file name ends with this (after `.` and the output's file name).
pub const JOURNAL_SUFFIX: &str = ".chromacluster-journal";
/// The stamp file's name ends with this (after `.` and the table's file name).
pub const STAMPS_SUFFIX: &str = ".chromacluster-stamps";

const JOURNAL_MAGIC: &str = "chromacluster-journal 1";
const STAMPS_MAGIC: &str = "chromacluster-stamps 1";

/// The journal beside `output`: `.NAME.chromacluster-journal` in the same folder.
pub fn journal_path(output: &Path) -> PathBuf {
    hidden_beside(output, JOURNAL_SUFFIX)
}

/// The stamp file beside the table `output`: `.NAME.chromacluster-stamps` in the same folder.
pub fn stamps_path(output: &Path) -> PathBuf {
    hidden_beside(output, STAMPS_SUFFIX)
}

fn hidden_beside(output: &Path, suffix: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::table::cleanup::parent_dir(output).join(format!(".{name}{suffix}"))
}

/// What identifies a version of a file: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i64,
}

impl FileStamp {
    /// The stamp of the file at `path` (following symlinks), or `None` if it cannot be read.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        let modified = meta.modified().ok()?;
        let mtime_ns = match modified.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos()).ok()?,
            Err(e) => -i64::try_from(e.duration().as_nanos()).ok()?,
        };
        Some(FileStamp {
            size: meta.len(),
            mtime_ns,
        })
    }
}

/// A description of everything in `options` that changes a table's values, with this crate's
/// version: rows are reused only between runs with equal fingerprints.
pub fn options_fingerprint(options: &TableOptions) -> String {
    format!("chroma {} {:?}", env!("CARGO_PKG_VERSION"), options)
}

/// When the journal's buffered lines are written and `fsync`ed: after this many finished
/// files, or when a file finishes this long after the last flush, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushPolicy {
    /// Finished files per flush (at least 1).
    pub files: usize,
    /// Longest time between flushes (checked as files finish).
    pub interval: Duration,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        FlushPolicy {
            files: 256,
            interval: Duration::from_secs(1),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Line format. Fields are separated by tabs; strings are JSON string literals (so tabs and
// newlines in file names are escaped); floats are Rust's shortest round-trip form (`{:?}`,
// which also reads back NaN and infinities exactly); a missing value is `-`.

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn unquote(s: &str) -> Option<String> {
    serde_json::from_str::<String>(s).ok()
}

fn push_stamp(line: &mut String, stamp: Option<FileStamp>) {
    match stamp {
        Some(s) => line.push_str(&format!("\t{}\t{}", s.size, s.mtime_ns)),
        None => line.push_str("\t-\t-"),
    }
}

fn parse_stamp(size: &str, mtime: &str) -> Option<Option<FileStamp>> {
    if size == "-" && mtime == "-" {
        return Some(None);
    }
    Some(Some(FileStamp {
        size: size.parse().ok()?,
        mtime_ns: mtime.parse().ok()?,
    }))
}

fn encode_done(analysis: &FileAnalysis, stamp: Option<FileStamp>) -> String {
    let mut line = format!("ok\t{}", quote(&analysis.file));
    push_stamp(&mut line, stamp);
    let p = &analysis.profile;
    line.push_str(&format!(
        "\t{}\t{:?}\t{}\t{}",
        analysis.sample_rate, analysis.duration_s, p.voiced_frames, p.frames
    ));
    for v in p.dominant.iter().chain(&p.mean_chroma) {
        line.push_str(&format!("\t{v:?}"));
    }
    // Tuning and key: cents, the key's name (`-` without one), strength, the 24 scores.
    let key = &analysis.key;
    line.push_str(&format!(
        "\t{:?}\t{}\t{:?}",
        analysis.tuning_cents,
        key.key.map_or_else(|| "-".to_string(), |k| k.to_string()),
        key.strength
    ));
    for v in &key.scores {
        line.push_str(&format!("\t{v:?}"));
    }
    match &analysis.feature_stats {
        None => line.push_str("\t-"),
        Some(stats) => {
            line.push_str(&format!("\t{}", stats.len()));
            for (m, s) in stats {
                line.push_str(&format!("\t{m:?}\t{s:?}"));
            }
        }
    }
    line.push('\n');
    line
}

fn encode_failure(file: &str, stamp: Option<FileStamp>, cause: &str) -> String {
    let mut line = format!("err\t{}", quote(file));
    push_stamp(&mut line, stamp);
    line.push_str(&format!("\t{}\n", quote(cause)));
    line
}

/// One journal line, decoded.
#[derive(Debug, Clone, PartialEq)]
enum Record {
    Done {
        stamp: Option<FileStamp>,
        analysis: Box<FileAnalysis>,
    },
    Failed,
}

fn decode_record(line: &str) -> Option<(String, Record)> {
    let fields: Vec<&str> = line.split('\t').collect();
    let file = unquote(fields.get(1)?)?;
    match *fields.first()? {
        "err" => Some((file, Record::Failed)),
        "ok" => {
            let stamp = parse_stamp(fields.get(2)?, fields.get(3)?)?;
            let float = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
            let sample_rate = fields.get(4)?.parse().ok()?;
            let duration_s = float(5)?;
            let voiced_frames = fields.get(6)?.parse().ok()?;
            let frames = fields.get(7)?.parse().ok()?;
            let mut dominant = [0.0; 12];
            let mut mean_chroma = [0.0; 12];
            for k in 0..12 {
                dominant[k] = float(8 + k)?;
                mean_chroma[k] = float(20 + k)?;
            }
            let tuning_cents = float(32)?;
            let key = match *fields.get(33)? {
                "-" => None,
                name => Some(name.parse::<Key>().ok()?),
            };
            let strength = float(34)?;
            let mut scores = [0.0; 24];
            for (k, v) in scores.iter_mut().enumerate() {
                *v = float(35 + k)?;
            }
            const STATS: usize = 35 + 24;
            let feature_stats = match *fields.get(STATS)? {
                "-" => {
                    if fields.len() != STATS + 1 {
                        return None;
                    }
                    None
                }
                n => {
                    let n: usize = n.parse().ok()?;
                    if fields.len() != STATS + 1 + 2 * n {
                        return None;
                    }
                    Some(
                        (0..n)
                            .map(|j| Some((float(STATS + 1 + 2 * j)?, float(STATS + 2 + 2 * j)?)))
                            .collect::<Option<Vec<_>>>()?,
                    )
                }
            };
            let analysis = FileAnalysis {
                file: file.clone(),
                profile: NoteProfile {
                    dominant,
                    mean_chroma,
                    voiced_frames,
                    frames,
                },
                duration_s,
                sample_rate,
                tuning_cents,
                key: KeyEstimate {
                    key,
                    strength,
                    scores,
                },
                feature_stats,
                tags: Default::default(),
            };
            Some((
                file,
                Record::Done {
                    stamp,
                    analysis: Box::new(analysis),
                },
            ))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------

/// An open journal, appending finished files.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    buffer: Vec<u8>,
    pending: usize,
    last_flush: Instant,
    policy: FlushPolicy,
}

/// What an existing journal held when it was opened.
#[derive(Debug, Default)]
struct Recovered {
    /// Finished files, by file name as in the table.
    done: HashMap<String, (Option<FileStamp>, FileAnalysis)>,
    /// Why an existing journal was not used, if it was not.
    discarded: Option<String>,
    /// Lines that could not be read (skipped; their files are analysed again).
    bad_lines: usize,
    /// Failures recorded (they are retried).
    failures: usize,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> ChromaError + '_ {
    move |source| ChromaError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Journal {
    /// Opens the journal of `output` for `options`: resumes an existing one written with the
    /// same options (dropping a torn last line), else starts a new one.
    fn open(
        output: &Path,
        options: &TableOptions,
        policy: FlushPolicy,
    ) -> Result<(Journal, Recovered), ChromaError> {
        let path = journal_path(output);
        let err = io_err(&path);
        let header = format!(
            "{JOURNAL_MAGIC}\t{}\n",
            quote(&options_fingerprint(options))
        );
        let mut recovered = Recovered::default();
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(&err)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(&err)?;
        // Only whole lines count: a line without its newline was torn by a crash.
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let text = String::from_utf8_lossy(&bytes[..whole]);
        let mut lines = text.lines();
        let keep = match lines.next() {
            Some(first) if format!("{first}\n") == header => true,
            Some(_) => {
                recovered.discarded = Some(format!(
                    "{} was written by a run with other options or another version; \
                     starting afresh",
                    path.display()
                ));
                false
            }
            None => false,
        };
        if keep {
            for line in lines {
                match decode_record(line) {
                    Some((file, Record::Done { stamp, analysis })) => {
                        recovered.done.insert(file, (stamp, *analysis));
                    }
                    Some((file, Record::Failed)) => {
                        recovered.done.remove(&file);
                        recovered.failures += 1;
                    }
                    None => recovered.bad_lines += 1,
                }
            }
            file.set_len(whole as u64).map_err(&err)?;
            file.seek(SeekFrom::End(0)).map_err(&err)?;
        } else {
            file.set_len(0).map_err(&err)?;
            file.seek(SeekFrom::Start(0)).map_err(&err)?;
            file.write_all(header.as_bytes()).map_err(&err)?;
            file.sync_all().map_err(&err)?;
            sync_dir(crate::table::cleanup::parent_dir(output));
        }
        Ok((
            Journal {
                path: path.clone(),
                file,
                buffer: Vec::new(),
                pending: 0,
                last_flush: Instant::now(),
                policy,
            },
            recovered,
        ))
    }

    fn push(&mut self, line: &str) -> Result<(), ChromaError> {
        self.buffer.extend_from_slice(line.as_bytes());
        self.pending += 1;
        if self.pending >= self.policy.files.max(1)
            || self.last_flush.elapsed() >= self.policy.interval
        {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered lines and `fsync`s the journal.
    fn flush(&mut self) -> Result<(), ChromaError> {
        if !self.buffer.is_empty() {
            let err = io_err(&self.path);
            self.file.write_all(&self.buffer).map_err(&err)?;
            self.file.sync_data().map_err(&err)?;
            self.buffer.clear();
        }
        self.pending = 0;
        self.last_flush = Instant::now();
        Ok(())
    }

    fn remove(self) -> Result<(), ChromaError> {
        let path = self.path.clone();
        drop(self.file);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&path)(e)),
            _ => Ok(()),
        }
    }
}

/// Makes a new directory entry durable (best effort; not possible everywhere).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

// ---------------------------------------------------------------------------------------------

/// The stamp file of a table: which file version each row was computed from.
#[derive(Debug, Default)]
struct Stamps {
    fingerprint: String,
    table: Option<FileStamp>,
    files: HashMap<String, FileStamp>,
}

fn read_stamps(path: &Path) -> Option<Stamps> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split('\t').collect();
    if header.len() != 4 || header[0] != STAMPS_MAGIC {
        return None;
    }
    let mut stamps = Stamps {
        fingerprint: unquote(header[1])?,
        table: parse_stamp(header[2], header[3])?,
        files: HashMap::new(),
    };
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 3 {
            return None;
        }
        if let Some(stamp) = parse_stamp(f[1], f[2])? {
            stamps.files.insert(unquote(f[0])?, stamp);
        }
    }
    Some(stamps)
}

fn write_stamps(
    table: &Path,
    fingerprint: &str,
    rows: &[(String, FileStamp)],
) -> Result<(), ChromaError> {
    let path = stamps_path(table);
    let mut text = format!("{STAMPS_MAGIC}\t{}", quote(fingerprint));
    push_stamp(&mut text, FileStamp::of(table));
    text.push('\n');
    for (file, stamp) in rows {
        text.push_str(&quote(file));
        push_stamp(&mut text, Some(*stamp));
        text.push('\n');
    }
    crate::table::cleanup::write_atomic(&path, |out| {
        out.write_all(text.as_bytes())
            .map_err(|source| io_err(&path)(source))
    })
}

/// The rows of a table [`table_of_options`] made with `options`, back as analyses. Only the profile
/// the table holds is filled (the other is zero), which is all [`crate::table_of_options`] reads for it.
pub fn analyses_of_table(
    table: &DataFrame,
    options: &TableOptions,
) -> Result<Vec<FileAnalysis>, String> {
    let col = |name: &str, dtype: &DataType| {
        table
            .column(name)
            .map_err(|_| format!("no column {name:?}"))?
            .cast(dtype)
            .map_err(|e| format!("column {name:?}: {e}"))
    };
    let floats = |name: &str| -> Result<Vec<f64>, String> {
        let c = col(name, &DataType::Float64)?;
        let v: Vec<Option<f64>> = c.f64().map_err(|e| e.to_string())?.iter().collect();
        v.into_iter()
            .map(|x| x.ok_or_else(|| format!("column {name:?} has an empty cell")))
            .collect()
    };
    let uints = |name: &str| -> Result<Vec<u64>, String> {
        let c = col(name, &DataType::UInt64)?;
        let v: Vec<Option<u64>> = c.u64().map_err(|e| e.to_string())?.iter().collect();
        v.into_iter()
            .map(|x| x.ok_or_else(|| format!("column {name:?} has an empty or negative cell")))
            .collect()
    };
    let files: Vec<String> = {
        let c = col("file", &DataType::String)?;
        let v: Vec<Option<String>> = c
            .str()
            .map_err(|e| e.to_string())?
            .iter()
            .map(|s| s.map(str::to_string))
            .collect();
        v.into_iter()
            .map(|x| x.ok_or_else(|| "column \"file\" has an empty cell".to_string()))
            .collect::<Result<_, _>>()?
    };
    let notes: Vec<Vec<f64>> = NOTE_NAMES
        .iter()
        .map(|n| floats(n))
        .collect::<Result<_, _>>()?;
    let voiced = uints("voiced_frames")?;
    let frames = uints("frames")?;
    let duration = floats("duration_s")?;
    let rate = uints("sample_rate")?;
    let tuning = floats("tuning_cents")?;
    let strength = floats("key_strength")?;
    let key_names: Vec<Option<Key>> = col("key", &DataType::String)?
        .str()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|k| match k {
            None | Some("") => Ok(None),
            Some(name) => name
                .parse::<Key>()
                .map(Some)
                .map_err(|_| format!("key {name:?}")),
        })
        .collect::<Result<_, String>>()?;
    let stats: Option<Vec<(Vec<f64>, Vec<f64>)>> = if options.feature_stats {
        Some(
            crate::analysis::pyaa::feature_names()
                .iter()
                .map(|n| Ok((floats(&format!("{n}_mean"))?, floats(&format!("{n}_std"))?)))
                .collect::<Result<_, String>>()?,
        )
    } else {
        None
    };
    (0..table.height())
        .map(|i| {
            let mut profile = [0.0; 12];
            for (k, v) in profile.iter_mut().enumerate() {
                *v = notes[k][i];
            }
            let (dominant, mean_chroma) = match options.profile {
                ProfileKind::Dominant => (profile, [0.0; 12]),
                ProfileKind::MeanChroma => ([0.0; 12], profile),
            };
            Ok(FileAnalysis {
                file: files[i].clone(),
                profile: NoteProfile {
                    dominant,
                    mean_chroma,
                    voiced_frames: usize::try_from(voiced[i]).map_err(|e| e.to_string())?,
                    frames: usize::try_from(frames[i]).map_err(|e| e.to_string())?,
                },
                duration_s: duration[i],
                tuning_cents: tuning[i],
                // The table keeps the key and its strength, not the 24 scores.
                key: KeyEstimate {
                    key: key_names[i],
                    strength: strength[i],
                    scores: [0.0; 24],
                },
                sample_rate: u32::try_from(rate[i])
                    .map_err(|_| format!("sample rate {} out of range", rate[i]))?,
                feature_stats: stats
                    .as_ref()
                    .map(|s| s.iter().map(|(m, d)| (m[i], d[i])).collect()),
                tags: Default::default(),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------

/// How a [`DurableRun`] works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DurableSettings {
    /// Reuse the rows of the existing output table whose files are unchanged (see the module
    /// documentation).
    pub update: bool,
    /// Stop at the first failing file (files not started are skipped; the journal keeps what
    /// finished).
    pub stop_at_first_failure: bool,
    /// When the journal is flushed.
    pub flush: FlushPolicy,
}

/// How an update run treated the existing table's rows and the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UpdateCounts {
    /// Rows reused: the file is unchanged since the table was written.
    pub reused: usize,
    /// Files not in the table, analysed.
    pub new: usize,
    /// Files in the table whose size or modification time changed (or could not be proved
    /// unchanged), analysed again.
    pub changed: usize,
    /// Rows dropped: their file is no longer among the inputs.
    pub removed: usize,
}

/// What [`DurableRun::analyze`] did.
#[derive(Debug)]
pub struct DurableReport {
    /// Every input's analysis or failure, in sorted path order, as
    /// [`crate::analyze_files`] gives them (reused and resumed rows included).
    pub batch: AnalysisBatch,
    /// Files analysed by this call (failures included).
    pub analysed: usize,
    /// Files whose row came from the journal of an interrupted run.
    pub resumed: usize,
    /// With [`DurableSettings::update`]: what happened to the existing table's rows.
    pub update: Option<UpdateCounts>,
}

/// The existing table of an update run.
#[derive(Debug, Default)]
struct Previous {
    /// Every file in the table.
    files: HashSet<String>,
    /// Rows whose file version is known, with it.
    rows: HashMap<String, (FileStamp, FileAnalysis)>,
}

/// A batch for one output table that survives being killed; see the module documentation.
#[derive(Debug)]
pub struct DurableRun {
    output: PathBuf,
    options: TableOptions,
    settings: DurableSettings,
    journal: Option<Journal>,
    recovered: HashMap<String, (Option<FileStamp>, FileAnalysis)>,
    previous: Option<Previous>,
    notes: Vec<String>,
    stamps: Vec<(String, FileStamp)>,
}

impl DurableRun {
    /// Opens the journal beside `output` (resuming an interrupted run with the same options)
    /// and, with [`DurableSettings::update`], reads the existing table at `output` and its
    /// stamp file. Fails if the journal cannot be created, or the table to update exists but
    /// cannot be read.
    pub fn open(
        output: &Path,
        options: &TableOptions,
        settings: DurableSettings,
    ) -> Result<DurableRun, ChromaError> {
        // The table to update first: if it cannot be read, no journal is started either.
        let mut notes = Vec::new();
        let previous = if settings.update && output.exists() {
            Some(Self::read_previous(output, options, &mut notes)?)
        } else {
            None
        };
        let (journal, recovered) = Journal::open(output, options, settings.flush)?;
        if let Some(why) = recovered.discarded {
            notes.push(why);
        }
        if recovered.bad_lines > 0 {
            notes.push(format!(
                "{} unreadable line(s) in {} skipped; their files are analysed again",
                recovered.bad_lines,
                journal.path.display()
            ));
        }
        if !recovered.done.is_empty() || recovered.failures > 0 {
            notes.push(format!(
                "resuming an interrupted run: {} finished file(s) in {}{}",
                recovered.done.len(),
                journal.path.display(),
                if recovered.failures > 0 {
                    format!(
                        " ({} failure(s) recorded there are retried)",
                        recovered.failures
                    )
                } else {
                    String::new()
                }
            ));
        }
        Ok(DurableRun {
            output: output.to_path_buf(),
            options: *options,
            settings,
            journal: Some(journal),
            recovered: recovered.done,
            previous,
            notes,
            stamps: Vec::new(),
        })
    }

    fn read_previous(
        output: &Path,
        options: &TableOptions,
        notes: &mut Vec<String>,
    ) -> Result<Previous, ChromaError> {
        let table = crate::table::io::read_table(output)?;
        let files: HashSet<String> =
            match table.column("file").and_then(|c| c.cast(&DataType::String)) {
                Ok(c) => c
                    .str()
                    .map(|s| s.iter().flatten().map(str::to_string).collect())
                    .unwrap_or_default(),
                Err(_) => {
                    return Err(ChromaError::Checkpoint {
                        path: output.to_path_buf(),
                        reason: "cannot update it: it has no \"file\" column".into(),
                    })
                }
            };
        let mut previous = Previous {
            files,
            rows: HashMap::new(),
        };
        let stamps_file = stamps_path(output);
        let Some(stamps) = read_stamps(&stamps_file) else {
            notes.push(format!(
                "no readable stamp file {} beside the table; every file is analysed again",
                stamps_file.display()
            ));
            return Ok(previous);
        };
        if stamps.fingerprint != options_fingerprint(options) {
            notes.push(format!(
                "{} was made with other options or another version; every file is analysed again",
                output.display()
            ));
            return Ok(previous);
        }
        if stamps.table.is_none() || stamps.table != FileStamp::of(output) {
            notes.push(format!(
                "{} changed after its stamp file {} was written; every file is analysed again",
                output.display(),
                stamps_file.display()
            ));
            return Ok(previous);
        }
        let analyses =
            analyses_of_table(&table, options).map_err(|reason| ChromaError::Checkpoint {
                path: output.to_path_buf(),
                reason: format!("cannot update it: {reason}"),
            })?;
        for a in analyses {
            if let Some(stamp) = stamps.files.get(&a.file) {
                previous.rows.insert(a.file.clone(), (*stamp, a));
            }
        }
        Ok(previous)
    }

    /// Messages for the user about what was found (a resumed journal, a discarded one, a
    /// table whose rows cannot be reused...).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The output table's path.
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// Analyses `paths` (sorted, duplicates dropped), reusing what the journal and (with
    /// `update`) the existing table hold for unchanged files, and journalling every file
    /// that finishes. `progress` is called once per input (at once for reused ones). A
    /// journal that cannot be written is reported as a warning and the batch goes on without
    /// checkpoints.
    pub fn analyze(
        &mut self,
        paths: &[PathBuf],
        progress: &(dyn Fn() + Sync),
    ) -> Result<DurableReport, ChromaError> {
        let mut sorted: Vec<&PathBuf> = paths.iter().collect();
        sorted.sort();
        sorted.dedup();
        enum Source {
            Reused(FileAnalysis),
            Resumed(FileAnalysis),
            Todo,
        }
        let mut counts = UpdateCounts::default();
        let mut stamps: HashMap<PathBuf, Option<FileStamp>> = HashMap::new();
        let mut plan = Vec::with_capacity(sorted.len());
        let mut todo: Vec<PathBuf> = Vec::new();
        let mut inputs: HashSet<String> = HashSet::new();
        for path in &sorted {
            let key = crate::file_label(path);
            let stamp = FileStamp::of(path);
            stamps.insert((*path).clone(), stamp);
            let from_table = self.previous.as_ref().and_then(|p| {
                p.rows
                    .get(&key)
                    .filter(|(s, _)| Some(*s) == stamp)
                    .map(|(_, a)| a.clone())
            });
            let source = if let Some(a) = from_table {
                counts.reused += 1;
                Source::Reused(a)
            } else {
                if self
                    .previous
                    .as_ref()
                    .is_some_and(|p| p.files.contains(&key))
                {
                    counts.changed += 1;
                } else {
                    counts.new += 1;
                }
                match self.recovered.get(&key) {
                    Some((s, a)) if s.is_some() && *s == stamp => Source::Resumed(a.clone()),
                    _ => {
                        todo.push((*path).clone());
                        Source::Todo
                    }
                }
            };
            if !matches!(source, Source::Todo) {
                progress();
            }
            inputs.insert(key);
            plan.push(source);
        }
        if let Some(p) = &self.previous {
            counts.removed = p.files.iter().filter(|f| !inputs.contains(*f)).count();
        }

        let journal = Mutex::new(self.journal.take());
        let record = |path: &Path, result: &Result<FileAnalysis, ChromaError>| {
            let stamp = stamps.get(path).copied().flatten();
            let line = match result {
                Ok(a) => encode_done(a, stamp),
                Err(e) => encode_failure(&crate::file_label(path), stamp, &error_text(e)),
            };
            let mut guard = journal.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(j) = guard.as_mut() {
                if let Err(e) = j.push(&line) {
                    tracing::warn!("{e}; going on without checkpoints");
                    *guard = None;
                }
            }
            drop(guard);
            progress();
        };
        let fresh = analyze_files_each(
            &todo,
            &self.options,
            self.settings.stop_at_first_failure,
            &record,
        );
        let mut journal = journal.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(j) = journal.as_mut() {
            if let Err(e) = j.flush() {
                tracing::warn!("{e}; going on without checkpoints");
                journal = None;
            }
        }
        self.journal = journal;

        let analysed = fresh.analyses.len() + fresh.failures.len();
        // Merge in sorted path order: `fresh` is in the order of `todo`, a subsequence.
        let mut fresh_ok = fresh.analyses.into_iter().peekable();
        let mut fresh_failed = fresh.failures.into_iter().peekable();
        let mut batch = AnalysisBatch {
            analyses: Vec::with_capacity(sorted.len()),
            failures: Vec::new(),
            stopped: fresh.stopped,
        };
        let mut resumed = 0;
        self.stamps.clear();
        for (path, source) in sorted.iter().zip(plan) {
            let analysis = match source {
                Source::Reused(a) => Some(a),
                Source::Resumed(a) => {
                    resumed += 1;
                    Some(a)
                }
                Source::Todo => {
                    let key = crate::file_label(path);
                    if fresh_ok.peek().is_some_and(|a| a.file == key) {
                        fresh_ok.next()
                    } else {
                        if fresh_failed.peek().is_some_and(|(p, _)| p == *path) {
                            batch.failures.extend(fresh_failed.next());
                        }
                        None
                    }
                }
            };
            if let Some(a) = analysis {
                if let Some(Some(stamp)) = stamps.get(*path) {
                    self.stamps.push((a.file.clone(), *stamp));
                }
                batch.analyses.push(a);
            }
        }
        Ok(DurableReport {
            analysed,
            batch,
            resumed,
            update: self.settings.update.then_some(counts),
        })
    }

    /// Builds the table of `report` ([`crate::table_of_options`] with this run's options), writes it to the
    /// output atomically ([`crate::write_table`]) with its stamp file, removes the journal,
    /// and returns the table.
    pub fn finish(mut self, report: &DurableReport) -> Result<DataFrame, ChromaError> {
        let mut table = table_of_options(&report.batch.analyses, &self.options)?;
        crate::table::io::write_table(&mut table, &self.output)?;
        write_stamps(
            &self.output,
            &options_fingerprint(&self.options),
            &self.stamps,
        )?;
        if let Some(j) = self.journal.take() {
            j.remove()?;
        }
        Ok(table)
    }

    /// Removes the journal without writing the table: for a run whose result went elsewhere
    /// (e.g. a clustering of the rows), or that has nothing worth resuming.
    pub fn discard(mut self) -> Result<(), ChromaError> {
        match self.journal.take() {
            Some(j) => j.remove(),
            None => match std::fs::remove_file(journal_path(&self.output)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(io_err(&journal_path(&self.output))(e))
                }
                _ => Ok(()),
            },
        }
    }
}

/// An error and its causes on one line.
fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(e) = current {
        parts.push(e.to_string());
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table_of;

    fn analysis(file: &str, stats: bool) -> FileAnalysis {
        let mut dominant = [0.0; 12];
        let mut mean_chroma = [0.0; 12];
        for k in 0..12 {
            dominant[k] = (k as f64 + 0.1) / 7.0;
            mean_chroma[k] = 1.0 / (k as f64 + 3.0);
        }
        FileAnalysis {
            file: file.to_string(),
            profile: NoteProfile {
                dominant,
                mean_chroma,
                voiced_frames: 41,
                frames: 43,
            },
            duration_s: 1.0 / 3.0,
            sample_rate: 44100,
            tuning_cents: -12.25,
            key: KeyEstimate {
                key: "F# minor".parse().ok(),
                strength: 0.8125,
                scores: std::array::from_fn(|i| i as f64 / 32.0 - 0.25),
            },
            feature_stats: stats.then(|| {
                vec![
                    (f64::NAN, f64::INFINITY),
                    (-0.0, 1e-310),
                    (f64::MAX, -1e300),
                ]
            }),
            tags: Default::default(),
        }
    }

    #[test]
    fn records_round_trip_exactly() {
        let stamp = Some(FileStamp {
            size: 123,
            mtime_ns: -5,
        });
        for a in [
            analysis("plain.wav", false),
            analysis("tab\tnew\nline \"quoted\" é.flac", true),
        ] {
            let line = encode_done(&a, stamp);
            assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
            let (file, record) = decode_record(line.trim_end_matches('\n')).unwrap();
            assert_eq!(file, a.file);
            let Record::Done {
                stamp: s,
                analysis: back,
            } = record
            else {
                panic!("not a done record");
            };
            assert_eq!(s, stamp);
            // Bit for bit, NaN included.
            assert_eq!(encode_done(&back, s), line);
        }
        let line = encode_failure("x.wav", None, "cannot decode: bad\theader");
        assert_eq!(
            decode_record(line.trim_end()).map(|r| r.1),
            Some(Record::Failed)
        );
        for bad in ["", "ok", "ok\t\"a\"\t1\t2\t3", "zz\t\"a\"", "ok\tnot json"] {
            assert!(decode_record(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_journal_resumes_drops_a_torn_line_and_is_discarded_for_other_options() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("t.csv");
        let options = TableOptions::default();
        let policy = FlushPolicy {
            files: 1,
            ..FlushPolicy::default()
        };
        let (mut journal, recovered) = Journal::open(&output, &options, policy).unwrap();
        assert!(recovered.done.is_empty() && recovered.discarded.is_none());
        journal
            .push(&encode_done(&analysis("a.wav", false), None))
            .unwrap();
        journal
            .push(&encode_failure("b.wav", None, "broken"))
            .unwrap();
        drop(journal);
        // A crash in the middle of appending a line.
        let path = journal_path(&output);
        let mut f = File::options().append(true).open(&path).unwrap();
        f.write_all(b"ok\t\"c.wav\"\t1\t2\t44100\t0.5").unwrap();
        drop(f);
        let (mut journal, recovered) = Journal::open(&output, &options, policy).unwrap();
        assert_eq!(recovered.done.len(), 1);
        assert_eq!(recovered.done["a.wav"].1, analysis("a.wav", false));
        assert_eq!((recovered.failures, recovered.bad_lines), (1, 0));
        // The torn line is gone, so the next line starts on its own.
        journal
            .push(&encode_done(&analysis("d.wav", false), None))
            .unwrap();
        drop(journal);
        let (_, recovered) = Journal::open(&output, &options, policy).unwrap();
        let mut files: Vec<&String> = recovered.done.keys().collect();
        files.sort();
        assert_eq!(files, ["a.wav", "d.wav"]);
        // Other options: nothing is reused.
        let other = TableOptions {
            profile: ProfileKind::MeanChroma,
            ..options
        };
        let (_, recovered) = Journal::open(&output, &other, policy).unwrap();
        assert!(recovered.done.is_empty());
        assert!(recovered.discarded.is_some());
    }

    #[test]
    fn a_table_gives_back_the_analyses_it_was_made_of() {
        for (profile, stats) in [
            (ProfileKind::Dominant, false),
            (ProfileKind::MeanChroma, true),
        ] {
            let options = TableOptions {
                profile,
                feature_stats: stats,
                ..TableOptions::default()
            };
            let analyses = vec![analysis("b.wav", stats), analysis("a.wav", stats)];
            let table = table_of(&analyses, profile).unwrap();
            let back = analyses_of_table(&table, &options).unwrap();
            let again = table_of(&back, profile).unwrap();
            assert!(table.equals_missing(&again), "{table}\n{again}");
        }
        let table = table_of(&[analysis("a.wav", false)], ProfileKind::Dominant).unwrap();
        let with_stats = TableOptions {
            feature_stats: true,
            ..TableOptions::default()
        };
        assert!(analyses_of_table(&table, &with_stats).is_err());
    }
}

//! The text of the journal and of the stamp file: versioned JSON lines (serde).
//!
//! Both files start with a header line naming the format and its version
//! ([`FORMAT_VERSION`]) and the options fingerprint of the run
//! ([`super::options_fingerprint`]); every other line is one JSON object:
//!
//! ```text
//! {"format":"chromacluster-journal","version":2,"options":"chroma 0.1.0 TableOptions { .. }"}
//! {"row":{"file":"a.wav","stamp":{"size":1234,"mtime_ns":1700000000000000000},"sample_rate":44100,...}}
//! {"failed":{"file":"b.wav","stamp":null,"cause":"b.wav: not audio"}}
//! ```
//!
//! ```text
//! {"format":"chromacluster-stamps","version":2,"options":"...","table":{"size":9876,"mtime_ns":...}}
//! {"file":"a.wav","size":1234,"mtime_ns":1700000000000000000}
//! ```
//!
//! A field added later is read with its default from older lines (`#[serde(default)]`), so a
//! new column of the table only adds a field to [`RowRecord`]. Floats are written as JSON
//! numbers in their shortest round-trip form and read back bit for bit (serde_json's
//! `float_roundtrip`); NaN and the infinities, which JSON has no numbers for, are the strings
//! `"NaN"`, `"inf"` and `"-inf"` ([`Real`]). The first format (version 1, tab-separated
//! positional fields) is recognised and reported, not read: a journal is only worth reading
//! by the same version that wrote it (its options fingerprint names the crate's version).

use serde::{Deserialize, Serialize};

use audio_io::Tags;
use chroma::FileAnalysis;
use chroma::NoteProfile;
use chroma::{Key, KeyEstimate};

use super::FileStamp;

/// The `format` of a journal's header line.
pub const JOURNAL_FORMAT: &str = "chromacluster-journal";
/// The `format` of a stamp file's header line.
pub const STAMPS_FORMAT: &str = "chromacluster-stamps";
/// The version of both formats written now (version 1 was tab-separated text).
pub const FORMAT_VERSION: u32 = 2;

/// The first line of a journal or a stamp file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`JOURNAL_FORMAT`] or [`STAMPS_FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written by this version.
    pub version: u32,
    /// The options fingerprint of the run ([`super::options_fingerprint`]).
    pub options: String,
    /// Stamp files only: the stamp of the table they describe, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<FileStamp>,
}

/// Why a header line was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderProblem {
    /// The first, tab-separated format of an older chromacluster.
    Version1,
    /// A JSON header of another version of the format.
    OtherVersion(u32),
    /// Not a header of this kind of file at all.
    NotOurs,
}

impl HeaderProblem {
    /// In words, for a note to the user.
    pub fn describe(&self) -> String {
        match self {
            HeaderProblem::Version1 => {
                "was written in the tab-separated format of an older chromacluster (format 1)"
                    .to_string()
            }
            HeaderProblem::OtherVersion(v) => format!(
                "was written in format {v} by another chromacluster (this one reads format \
                 {FORMAT_VERSION})"
            ),
            HeaderProblem::NotOurs => "does not start with a chromacluster header".to_string(),
        }
    }
}

impl Header {
    /// A header of `format` ([`JOURNAL_FORMAT`] or [`STAMPS_FORMAT`]) at [`FORMAT_VERSION`].
    pub fn new(format: &str, options: String, table: Option<FileStamp>) -> Header {
        Header {
            format: format.to_string(),
            version: FORMAT_VERSION,
            options,
            table,
        }
    }

    /// The header as one line, newline included.
    pub fn to_line(&self) -> String {
        to_line(self)
    }

    /// Parses the first line of a file that should be of `format`.
    pub fn parse(line: &str, format: &str) -> Result<Header, HeaderProblem> {
        if line.starts_with(&format!("{format} 1\t")) {
            return Err(HeaderProblem::Version1);
        }
        let header: Header = serde_json::from_str(line).map_err(|_| HeaderProblem::NotOurs)?;
        if header.format != format {
            return Err(HeaderProblem::NotOurs);
        }
        if header.version != FORMAT_VERSION {
            return Err(HeaderProblem::OtherVersion(header.version));
        }
        Ok(header)
    }
}

/// One line of a journal after its header: a finished row or a failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalLine {
    /// A file analysed (boxed: a row is far larger than a failure).
    Row(Box<RowRecord>),
    /// A file that failed (retried on resume).
    Failed(FailureRecord),
}

impl JournalLine {
    /// The line for a finished analysis of a file with `stamp`.
    pub fn row(analysis: &FileAnalysis, stamp: Option<FileStamp>) -> JournalLine {
        JournalLine::Row(Box::new(RowRecord::of(analysis, stamp)))
    }

    /// The line for a failure of `file` (its table label) with `stamp`.
    pub fn failed(file: &str, stamp: Option<FileStamp>, cause: &str) -> JournalLine {
        JournalLine::Failed(FailureRecord {
            file: file.to_string(),
            stamp,
            cause: cause.to_string(),
        })
    }

    /// The line, newline included (JSON escapes every newline inside a string).
    pub fn to_line(&self) -> String {
        to_line(self)
    }

    /// Parses one line (without its newline); `None` if it is not a valid journal line.
    pub fn parse(line: &str) -> Option<JournalLine> {
        let parsed: JournalLine = serde_json::from_str(line).ok()?;
        match &parsed {
            JournalLine::Row(row) => row.check().then_some(parsed),
            JournalLine::Failed(_) => Some(parsed),
        }
    }
}

/// A failed file in the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// The file's table label ([`chroma::file_label()`]).
    pub file: String,
    /// The version of the file that failed.
    pub stamp: Option<FileStamp>,
    /// The error and its causes on one line.
    pub cause: String,
}

/// A finished file in the journal: everything [`FileAnalysis`] holds, and the file's stamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowRecord {
    /// The file's table label ([`chroma::file_label()`]).
    pub file: String,
    /// The version of the file analysed (`None` if it could not be read; such a row is not
    /// reused).
    pub stamp: Option<FileStamp>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Decoded duration in seconds.
    pub duration_s: Real,
    /// Frames that voted.
    pub voiced_frames: usize,
    /// Frames analysed.
    pub frames: usize,
    /// [`NoteProfile::dominant`].
    pub dominant: [Real; 12],
    /// [`NoteProfile::mean_chroma`].
    pub mean_chroma: [Real; 12],
    /// [`FileAnalysis::tuning_cents`].
    pub tuning_cents: Real,
    /// The key's name (`"F# minor"`), `None` without one.
    pub key: Option<String>,
    /// [`KeyEstimate::strength`].
    pub key_strength: Real,
    /// [`KeyEstimate::scores`].
    pub key_scores: [Real; 24],
    /// [`FileAnalysis::feature_stats`]: `[mean, std]` per feature.
    #[serde(default)]
    pub feature_stats: Option<Vec<[Real; 2]>>,
    /// [`FileAnalysis::sound`] (absent in lines written before the sound description).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<Vec<Real>>,
    /// [`FileAnalysis::tags`], as `audio_io::Tags` serialises them (a tag the file lacks left
    /// out); absent in lines written before tags were read: no tags.
    #[serde(default)]
    pub tags: Tags,
}

impl RowRecord {
    /// The record of `analysis` of a file with `stamp`.
    pub fn of(analysis: &FileAnalysis, stamp: Option<FileStamp>) -> RowRecord {
        let reals = |v: &[f64; 12]| v.map(Real);
        RowRecord {
            file: analysis.file.clone(),
            stamp,
            sample_rate: analysis.sample_rate,
            duration_s: Real(analysis.duration_s),
            voiced_frames: analysis.profile.voiced_frames,
            frames: analysis.profile.frames,
            dominant: reals(&analysis.profile.dominant),
            mean_chroma: reals(&analysis.profile.mean_chroma),
            tuning_cents: Real(analysis.tuning_cents),
            key: analysis.key.key.map(|k| k.to_string()),
            key_strength: Real(analysis.key.strength),
            key_scores: analysis.key.scores.map(Real),
            feature_stats: analysis
                .feature_stats
                .as_ref()
                .map(|s| s.iter().map(|&(m, d)| [Real(m), Real(d)]).collect()),
            sound: analysis
                .sound
                .as_ref()
                .map(|s| s.iter().copied().map(Real).collect()),
            tags: analysis.tags.clone(),
        }
    }

    /// Whether the record can be turned back into an analysis (its key name parses).
    fn check(&self) -> bool {
        self.key.as_deref().is_none_or(|k| k.parse::<Key>().is_ok())
    }

    /// The analysis back (a record that passed [`JournalLine::parse`]).
    pub fn analysis(&self) -> FileAnalysis {
        let floats = |v: &[Real; 12]| v.map(|r| r.0);
        FileAnalysis {
            file: self.file.clone(),
            profile: NoteProfile {
                dominant: floats(&self.dominant),
                mean_chroma: floats(&self.mean_chroma),
                voiced_frames: self.voiced_frames,
                frames: self.frames,
            },
            duration_s: self.duration_s.0,
            sample_rate: self.sample_rate,
            tuning_cents: self.tuning_cents.0,
            key: KeyEstimate {
                key: self.key.as_deref().and_then(|k| k.parse().ok()),
                strength: self.key_strength.0,
                scores: self.key_scores.map(|r| r.0),
            },
            feature_stats: self
                .feature_stats
                .as_ref()
                .map(|s| s.iter().map(|[m, d]| (m.0, d.0)).collect()),
            sound: self.sound.as_ref().map(|s| s.iter().map(|r| r.0).collect()),
            tags: self.tags.clone(),
        }
    }
}

/// One line of a stamp file after its header: the file a table row came from, and its stamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StampLine {
    /// The row's `file` label.
    pub file: String,
    /// The file's stamp when the row was computed.
    #[serde(flatten)]
    pub stamp: FileStamp,
}

impl StampLine {
    /// The line, newline included.
    pub fn to_line(&self) -> String {
        to_line(self)
    }

    /// Parses one line; `None` if it is not a stamp line.
    pub fn parse(line: &str) -> Option<StampLine> {
        serde_json::from_str(line).ok()
    }
}

/// Any of this module's records as one JSON line. Serialising these plain structs cannot
/// fail (string keys, no maps of other keys, [`Real`] writes every float).
fn to_line<T: Serialize>(value: &T) -> String {
    let mut line = serde_json::to_string(value).expect("journal records always serialise");
    line.push('\n');
    line
}

/// A float written exactly: a JSON number (shortest round-trip form) when finite, else the
/// string `"NaN"`, `"inf"` or `"-inf"`.
#[derive(Debug, Clone, Copy)]
pub struct Real(pub f64);

impl PartialEq for Real {
    /// Bit for bit (NaN equals NaN, 0.0 differs from -0.0): what a round trip must keep.
    fn eq(&self, other: &Real) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Serialize for Real {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_finite() {
            serializer.serialize_f64(x)
        } else if x.is_nan() {
            serializer.serialize_str("NaN")
        } else if x > 0.0 {
            serializer.serialize_str("inf")
        } else {
            serializer.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for Real {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Real, D::Error> {
        struct RealVisitor;
        impl serde::de::Visitor<'_> for RealVisitor {
            type Value = Real;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, \"NaN\", \"inf\" or \"-inf\"")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Real, E> {
                Ok(Real(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Real, E> {
                Ok(Real(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Real, E> {
                Ok(Real(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Real, E> {
                match v {
                    "NaN" => Ok(Real(f64::NAN)),
                    "inf" => Ok(Real(f64::INFINITY)),
                    "-inf" => Ok(Real(f64::NEG_INFINITY)),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(RealVisitor)
    }
}

/// An analysis with awkward values (NaN, infinities, -0, subnormals), for the tests.
#[cfg(test)]
pub(crate) fn sample_analysis(file: &str, stats: bool) -> FileAnalysis {
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
                (f64::MAX, f64::NEG_INFINITY),
                (0.1 + 0.2, -1e300),
            ]
        }),
        sound: stats.then(|| vec![0.5, f64::NAN, -1e-300]),
        tags: if stats {
            Tags {
                title: Some("Tab\tnew\nline \"é\"".into()),
                artist: Some("Tux".into()),
                album: None,
                track: Some(3),
                year: Some(-44),
                genre: Some("Soundtrack".into()),
            }
        } else {
            Tags::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::sample_analysis as analysis;
    use super::*;

    fn bits(a: &FileAnalysis) -> Vec<u64> {
        let p = &a.profile;
        let mut v: Vec<u64> = p
            .dominant
            .iter()
            .chain(&p.mean_chroma)
            .chain(&a.key.scores)
            .chain([&a.duration_s, &a.tuning_cents, &a.key.strength])
            .map(|x| x.to_bits())
            .collect();
        for (m, s) in a.feature_stats.iter().flatten() {
            v.extend([m.to_bits(), s.to_bits()]);
        }
        v
    }

    #[test]
    fn rows_round_trip_bit_for_bit_whatever_the_name() {
        let stamp = Some(FileStamp {
            size: 123,
            mtime_ns: -5,
        });
        for a in [
            analysis("plain.wav", false),
            analysis("tab\tnew\nline \"quoted\" \\x é.flac", true),
        ] {
            let line = JournalLine::row(&a, stamp).to_line();
            assert!(
                line.ends_with('\n') && line.matches('\n').count() == 1,
                "{line}"
            );
            let Some(JournalLine::Row(row)) = JournalLine::parse(line.trim_end()) else {
                panic!("not a row: {line}");
            };
            assert_eq!(row.stamp, stamp);
            let back = row.analysis();
            assert_eq!(back.file, a.file);
            assert_eq!(back.key, a.key);
            assert_eq!(back.tags, a.tags);
            assert_eq!(bits(&back), bits(&a), "{line}");
            assert_eq!(JournalLine::row(&back, stamp).to_line(), line);
        }
        let line = JournalLine::failed("x.wav", None, "cannot decode: bad\theader").to_line();
        assert_eq!(
            JournalLine::parse(line.trim_end()),
            Some(JournalLine::failed(
                "x.wav",
                None,
                "cannot decode: bad\theader"
            ))
        );
    }

    #[test]
    fn bad_lines_are_refused() {
        let good = JournalLine::row(&analysis("a.wav", false), None).to_line();
        let torn = &good[..good.len() / 2];
        let bad_key = good.replace("F# minor", "H minor");
        for bad in [
            "",
            "{}",
            "ok\t\"a\"\t1\t2\t3",
            "{\"row\":{\"file\":\"a\"}}",
            torn,
            bad_key.trim_end(),
            "{\"row\":1}",
        ] {
            assert!(JournalLine::parse(bad).is_none(), "{bad:?}");
        }
    }

    /// A line written before a field was added reads with the field's default: the table's
    /// new columns only add fields.
    #[test]
    fn a_line_without_the_optional_fields_reads() {
        let line = JournalLine::row(&analysis("a.wav", false), None).to_line();
        let mut value: serde_json::Value = serde_json::from_str(&line).unwrap();
        value["row"]
            .as_object_mut()
            .unwrap()
            .remove("feature_stats");
        let Some(JournalLine::Row(row)) = JournalLine::parse(&value.to_string()) else {
            panic!("not read");
        };
        assert_eq!(row.feature_stats, None);
        // A line written before the tags were read has none; one without tags writes none.
        assert!(
            !line.contains("\"tags\":{\"") && line.contains("\"tags\":{}"),
            "{line}"
        );
        value["row"].as_object_mut().unwrap().remove("tags");
        let Some(JournalLine::Row(row)) = JournalLine::parse(&value.to_string()) else {
            panic!("not read");
        };
        assert_eq!(row.analysis().tags, Tags::default());
    }

    /// The tags' JSON text, pinned: journals written before read back, and lines written now
    /// are the same bytes (fields in this order, a tag the file lacks left out).
    #[test]
    fn tags_are_written_as_before() {
        let line = JournalLine::row(&analysis("a.wav", true), None).to_line();
        let tags = r#""tags":{"title":"Tab\tnew\nline \"é\"","artist":"Tux","track":3,"year":-44,"genre":"Soundtrack"}"#;
        assert!(line.contains(tags), "{line}");
        let Some(JournalLine::Row(row)) = JournalLine::parse(&line) else {
            panic!("not read");
        };
        assert_eq!(row.analysis().tags, analysis("a.wav", true).tags);
    }

    #[test]
    fn headers_name_their_format_and_version() {
        let h = Header::new(JOURNAL_FORMAT, "opts \"x\"".into(), None);
        let line = h.to_line();
        assert_eq!(
            line,
            "{\"format\":\"chromacluster-journal\",\"version\":2,\"options\":\"opts \\\"x\\\"\"}\n"
        );
        assert_eq!(Header::parse(line.trim_end(), JOURNAL_FORMAT), Ok(h));
        assert_eq!(
            Header::parse(line.trim_end(), STAMPS_FORMAT),
            Err(HeaderProblem::NotOurs)
        );
        assert_eq!(
            Header::parse("chromacluster-journal 1\t\"chroma 0.1.0\"", JOURNAL_FORMAT),
            Err(HeaderProblem::Version1)
        );
        let v3 = line.replace("\"version\":2", "\"version\":3");
        assert_eq!(
            Header::parse(v3.trim_end(), JOURNAL_FORMAT),
            Err(HeaderProblem::OtherVersion(3))
        );
        let stamps = Header::new(
            STAMPS_FORMAT,
            "o".into(),
            Some(FileStamp {
                size: 1,
                mtime_ns: 2,
            }),
        );
        assert_eq!(
            Header::parse(stamps.to_line().trim_end(), STAMPS_FORMAT),
            Ok(stamps)
        );
        let s = StampLine {
            file: "a\nb.wav".into(),
            stamp: FileStamp {
                size: 7,
                mtime_ns: -9,
            },
        };
        assert_eq!(
            s.to_line(),
            "{\"file\":\"a\\nb.wav\",\"size\":7,\"mtime_ns\":-9}\n"
        );
        assert_eq!(StampLine::parse(s.to_line().trim_end()), Some(s));
    }
}

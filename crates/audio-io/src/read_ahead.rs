//! Decoding on a second thread, ahead of the analysis.
//!
//! For a long file analysed on a machine with a spare core, decoding and analysis can overlap:
//! [`ReadAhead`] moves an opened [`AudioReader`] to a thread of its own, which decodes up to
//! `depth` blocks ahead through a bounded channel; the blocks' buffers go back to the decoding
//! thread to be reused, so the steady state allocates nothing. The blocks are the reader's own,
//! one per packet, with the same `f64` values and the same boundaries, so whatever consumes
//! them gives bit-identical results either way. Memory: at most `depth + 2` blocks (one packet
//! each, a few KB) besides the reader's own.
//!
//! It is worth it only when the file is long enough for the thread's start (tens of
//! microseconds) not to matter, and when a core would otherwise be idle (one file on a
//! one-worker pool, or fewer files than cores); with every core busy on its own file it only
//! adds hand-over costs. [`ReadAhead::worth_it`] is that rule.
//!
//! ```
//! use audio_io::{AudioReader, BlockSource, ReadAhead};
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("tone.wav");
//! # let tone = audio_io::synth::tone(440.0, 0.5, 8000, 0.5);
//! # audio_io::synth::write_wav(&path, &[&tone], 8000, audio_io::synth::WavFormat::S16).unwrap();
//! let mut ahead = ReadAhead::new(AudioReader::open(&path)?, ReadAhead::DEFAULT_DEPTH);
//! let mut n = 0;
//! while let Some(block) = ahead.next_block()? {
//!     n += block.len();
//! }
//! assert_eq!(n, 4000);
//! assert_eq!(ahead.report().frames_decoded, 4000);
//! # Ok::<(), audio_io::AudioError>(())
//! ```

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::{AudioError, AudioReader, BlockSource, DecodeReport, StreamInfo};

/// What the decoding thread sends.
enum Message {
    /// A block and the report after it.
    Block(Vec<f64>, DecodeReport),
    /// The end of the stream and the final report.
    End(DecodeReport),
    /// The error that ended the stream.
    Failed(AudioError),
}

/// An [`AudioReader`] decoding on its own thread, up to `depth` blocks ahead of the consumer,
/// through a bounded channel whose buffers go back to the decoder for reuse. Its blocks are the
/// reader's own (same values, same boundaries), so the analysis of a file gives bit-identical
/// results whether it reads ahead or not.
pub struct ReadAhead {
    info: StreamInfo,
    blocks: Receiver<Message>,
    spare: SyncSender<Vec<f64>>,
    current: Vec<f64>,
    report: DecodeReport,
    decoder: Option<JoinHandle<()>>,
    done: bool,
    /// No decoding thread could be started: the first `next_block` says so.
    no_thread: bool,
}

impl std::fmt::Debug for ReadAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadAhead")
            .field("info", &self.info)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl ReadAhead {
    /// Blocks decoded ahead by default: 16 packets (tens of ms of audio, some 100 KB at most).
    pub const DEFAULT_DEPTH: usize = 16;

    /// Shortest file (seconds, from the header) [`worth_it`](Self::worth_it) decodes ahead.
    pub const MIN_SECONDS: f64 = 20.0;

    /// Whether decoding ahead pays for a file with `info`, analysed while `spare_cores` cores
    /// would otherwise be idle: at least one spare core, and a stated length of at least
    /// [`MIN_SECONDS`](Self::MIN_SECONDS) (files without a stated length are not decoded ahead).
    pub fn worth_it(info: &StreamInfo, spare_cores: usize) -> bool {
        spare_cores > 0
            && info.frames.is_some_and(|frames| {
                frames as f64 >= Self::MIN_SECONDS * f64::from(info.sample_rate)
            })
    }

    /// Moves `reader` to a decoding thread that stays up to `depth` blocks (at least 1) ahead.
    pub fn new(mut reader: AudioReader, depth: usize) -> Self {
        let depth = depth.max(1);
        let info = reader.info().clone();
        let (send_block, blocks) = sync_channel::<Message>(depth);
        let (spare, spares) = sync_channel::<Vec<f64>>(depth + 2);
        let decoder = std::thread::Builder::new()
            .name("audio-io read-ahead".to_owned())
            .spawn(move || loop {
                // A buffer the consumer is done with, else a new one (the first few): the
                // reader decodes into it once it has handed over the block it holds.
                let mut buffer = spares.try_recv().unwrap_or_default();
                let message = match reader.next_block_into(&mut buffer) {
                    Ok(true) => Message::Block(buffer, reader.report()),
                    Ok(false) => Message::End(reader.report()),
                    Err(e) => Message::Failed(e),
                };
                let last = !matches!(message, Message::Block(..));
                // A closed channel: the consumer stopped reading, so stop decoding.
                if send_block.send(message).is_err() || last {
                    return;
                }
            })
            .ok();
        ReadAhead {
            info,
            blocks,
            spare,
            current: Vec::new(),
            report: DecodeReport::default(),
            no_thread: decoder.is_none(),
            decoder,
            done: false,
        }
    }

    /// What the decoder met up to the last block handed out (final after the end).
    pub fn report(&self) -> DecodeReport {
        self.report
    }

    /// Waits for the decoding thread (after the end of the stream).
    fn join(&mut self) {
        if let Some(handle) = self.decoder.take() {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

impl Drop for ReadAhead {
    /// Closes the channel (a decoder blocked on a full one gets an error and returns) and waits
    /// for the decoding thread, so that no thread outlives its reader.
    fn drop(&mut self) {
        let (_, closed) = sync_channel(0);
        drop(std::mem::replace(&mut self.blocks, closed));
        if let Some(handle) = self.decoder.take() {
            // A panic on the decoding thread was already reported there; not a second one.
            let _ = handle.join();
        }
    }
}

impl BlockSource for ReadAhead {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn next_block(&mut self) -> Result<Option<&[f64]>, AudioError> {
        if self.no_thread {
            // The channel closed at once: without this the stream would look empty.
            self.no_thread = false;
            self.done = true;
            return Err(AudioError::Io {
                path: self.info.path.clone(),
                source: std::io::Error::other("cannot start the read-ahead thread"),
            });
        }
        if self.done {
            return Ok(None);
        }
        let used = std::mem::take(&mut self.current);
        if used.capacity() > 0 {
            // Full (the decoder holds enough spares) or closed: the buffer is simply freed.
            let _ = self.spare.try_send(used);
        }
        match self.blocks.recv() {
            Ok(Message::Block(block, report)) => {
                self.current = block;
                self.report = report;
                Ok(Some(&self.current))
            }
            Ok(Message::End(report)) => {
                self.report = report;
                self.done = true;
                self.join();
                Ok(None)
            }
            Ok(Message::Failed(e)) => {
                self.done = true;
                self.join();
                Err(e)
            }
            Err(_closed) => {
                // The thread ended without a last message: it panicked (join re-raises it).
                self.done = true;
                self.join();
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{tone, write_wav, WavFormat};
    use std::path::{Path, PathBuf};

    /// Every block as bits, with the report after it, then the final report.
    fn blocks_of<S: BlockSource>(
        source: &mut S,
        report: impl Fn(&S) -> DecodeReport,
    ) -> (Vec<(Vec<u64>, DecodeReport)>, DecodeReport) {
        let mut out = Vec::new();
        while let Some(block) = source.next_block().unwrap() {
            let bits = block.iter().map(|x| x.to_bits()).collect();
            out.push((bits, report(source)));
        }
        (out, report(source))
    }

    fn corpus(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/corpus/formats")
            .join(name)
    }

    #[test]
    fn same_blocks_bits_and_reports_as_the_reader() {
        for name in [
            "flac_s16_44100_2ch.flac",
            "mp3_cbr192k_44100_2ch.mp3",
            "ogg_vorbis_q5_44100_2ch.ogg",
            "wav_pcm_f32le_44100_2ch.wav",
            "aiff_pcm_s16be_44100_2ch.aiff",
        ] {
            let path = corpus(name);
            let (direct, direct_end) =
                blocks_of(&mut AudioReader::open(&path).unwrap(), AudioReader::report);
            for depth in [0, 1, 3, ReadAhead::DEFAULT_DEPTH] {
                let mut ahead = ReadAhead::new(AudioReader::open(&path).unwrap(), depth);
                assert_eq!(ahead.info(), AudioReader::open(&path).unwrap().info());
                let (ahead_blocks, ahead_end) = blocks_of(&mut ahead, ReadAhead::report);
                assert!(direct.len() > 10, "{name}: {} blocks", direct.len());
                assert_eq!(ahead_blocks.len(), direct.len(), "{name}, depth {depth}");
                assert!(
                    ahead_blocks == direct,
                    "{name}, depth {depth}: blocks differ"
                );
                assert_eq!(ahead_end, direct_end, "{name}, depth {depth}");
                // Past the end it stays at the end.
                assert!(ahead.next_block().unwrap().is_none());
            }
        }
    }

    #[test]
    fn an_error_mid_stream_arrives_after_the_blocks_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut x = tone(440.0, 3.0, 8000, 0.5);
        x[20_000] = f64::NAN;
        let path = dir.path().join("nan.wav");
        write_wav(&path, &[&x], 8000, WavFormat::F32).unwrap();
        let mut ahead = ReadAhead::new(AudioReader::open(&path).unwrap(), 2);
        let mut n = 0;
        let err = loop {
            match ahead.next_block() {
                Ok(Some(block)) => n += block.len(),
                Ok(None) => panic!("no error after {n} samples"),
                Err(e) => break e,
            }
        };
        match err {
            AudioError::NonFiniteSample { path: p, frame } => {
                assert_eq!(p, path);
                assert_eq!(frame, 20_000);
            }
            other => panic!("expected NonFiniteSample, got {other:?}"),
        }
        assert!(n <= 20_000, "{n} samples before the error");
        assert!(ahead.next_block().unwrap().is_none());
    }

    #[test]
    fn dropping_it_early_stops_the_decoder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.wav");
        write_wav(
            &path,
            &[&tone(440.0, 30.0, 8000, 0.5)],
            8000,
            WavFormat::S16,
        )
        .unwrap();
        for _ in 0..20 {
            let mut ahead = ReadAhead::new(AudioReader::open(&path).unwrap(), 1);
            assert!(ahead.next_block().unwrap().is_some());
            // Dropped with the decoder blocked on a full channel: the drop closes the channel
            // and joins the thread, so this loop ends only if every decoder ended.
        }
    }

    #[test]
    fn worth_it_for_long_files_with_a_spare_core() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.wav");
        write_wav(&path, &[&tone(440.0, 1.0, 8000, 0.5)], 8000, WavFormat::S16).unwrap();
        let mut info = AudioReader::open(&path).unwrap().info().clone();
        assert!(!ReadAhead::worth_it(&info, 1), "1 s");
        info.frames = Some(8000 * 20);
        assert!(ReadAhead::worth_it(&info, 1));
        assert!(!ReadAhead::worth_it(&info, 0), "no spare core");
        info.frames = None;
        assert!(!ReadAhead::worth_it(&info, 1), "unknown length");
    }
}

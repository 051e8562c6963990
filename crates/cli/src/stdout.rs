//! The one place that writes to standard output.
//!
//! `print!` panics when stdout is a closed pipe (`chromacluster notes DIR | head -1`) or a full
//! device (`> /dev/full`). Every command writes through [`out`] instead. The first failure is
//! remembered and later writes are dropped, so a command still finishes the files it was asked
//! to write (`-o`, `--save-model`) whatever happens to stdout; `main` then asks [`finish`]: a
//! closed pipe ends the program quietly (as ripgrep does), any other failure is an error.

use std::io::{self, Write};
use std::sync::Mutex;

/// The first error writing to stdout, if any.
static FAILURE: Mutex<Option<io::Error>> = Mutex::new(None);

/// Writes `text` to stdout (nothing once a write has failed). Returns whether stdout is still
/// writable, so that long streamed output can stop early.
pub fn out(text: &str) -> bool {
    let mut failure = FAILURE.lock().unwrap_or_else(|e| e.into_inner());
    if failure.is_some() {
        return false;
    }
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => true,
        Err(err) => {
            *failure = Some(err);
            false
        }
    }
}

/// A [`Write`] to stdout for streamed output (a table written row by row): it fails on the
/// first error, which is also remembered for [`finish`].
pub struct StdoutWriter;

impl Write for StdoutWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut failure = FAILURE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(err) = failure.as_ref() {
            return Err(io::Error::new(err.kind(), err.to_string()));
        }
        match io::stdout().lock().write(buf) {
            Ok(n) => Ok(n),
            Err(err) => {
                let copy = io::Error::new(err.kind(), err.to_string());
                *failure = Some(err);
                Err(copy)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut failure = FAILURE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(err) = failure.as_ref() {
            return Err(io::Error::new(err.kind(), err.to_string()));
        }
        io::stdout().lock().flush().inspect_err(|err| {
            *failure = Some(io::Error::new(err.kind(), err.to_string()));
        })
    }
}

/// Whether a write to stdout has failed (later output is dropped).
pub fn failed() -> bool {
    FAILURE.lock().unwrap_or_else(|e| e.into_inner()).is_some()
}

/// How writing to stdout went, once the command is done.
#[derive(Debug)]
pub enum StdoutStatus {
    /// Every write went through (or nothing was written).
    Fine,
    /// The reader closed the pipe: not an error, the output was simply not wanted any more.
    Closed,
    /// Writing failed otherwise (a full device, an I/O error).
    Failed(io::Error),
}

/// Flushes stdout and says how writing to it went.
pub fn finish() -> StdoutStatus {
    let _ = out("");
    let failure = FAILURE.lock().unwrap_or_else(|e| e.into_inner()).take();
    match failure {
        None => StdoutStatus::Fine,
        Some(err) if err.kind() == io::ErrorKind::BrokenPipe => StdoutStatus::Closed,
        Some(err) => StdoutStatus::Failed(err),
    }
}

/// Whether an error chain is a closed stdout pipe seen by streamed output (which then stops).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `print!` through [`out`].
macro_rules! outp {
    ($($arg:tt)*) => {{
        $crate::stdout::out(&format!($($arg)*));
    }};
}

/// `println!` through [`out`].
macro_rules! outln {
    () => {{
        $crate::stdout::out("\n");
    }};
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        $crate::stdout::out(&line);
    }};
}

pub(crate) use {outln, outp};

//! The bytes symphonia probes: the file itself, or the file from an offset on (past a leading
//! ID3v2 tag too large or too broken to read, [`crate::tags::LeadingId3v2`]).

use std::fs::File;
use std::io::{Read, Result, Seek, SeekFrom};

use symphonia::core::io::MediaSource;

/// A file seen from byte `start` on: offsets, seeks and the length are relative to `start`.
#[derive(Debug)]
pub(crate) struct FileFrom {
    file: File,
    start: u64,
    len: u64,
}

impl FileFrom {
    /// `file` from `start` on (`start` at most the file's length).
    pub fn new(mut file: File, start: u64) -> Result<FileFrom> {
        let total = file.metadata()?.len();
        let start = start.min(total);
        file.seek(SeekFrom::Start(start))?;
        Ok(FileFrom {
            file,
            start,
            len: total - start,
        })
    }
}

impl Read for FileFrom {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.file.read(buf)
    }
}

impl Seek for FileFrom {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => {
                let here = self.file.stream_position()? - self.start;
                here.checked_add_signed(d)
            }
        }
        .ok_or_else(|| std::io::Error::other("seek before the start of the audio"))?;
        Ok(self.file.seek(SeekFrom::Start(self.start + target))? - self.start)
    }
}

impl MediaSource for FileFrom {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// A file read with a few 4-byte fields replaced (a chunk's id renamed so that a reader skips
/// it): `patches` are `(offset, bytes)`.
#[derive(Debug)]
pub(crate) struct Patched {
    file: File,
    patches: Vec<(u64, [u8; 4])>,
}

impl Patched {
    /// `file` read from its start with `patches` applied.
    pub fn new(mut file: File, patches: Vec<(u64, [u8; 4])>) -> Result<Patched> {
        file.seek(SeekFrom::Start(0))?;
        Ok(Patched { file, patches })
    }
}

impl Read for Patched {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        let at = self.file.stream_position()?;
        let n = self.file.read(buf)?;
        for (offset, bytes) in &self.patches {
            for (k, &b) in bytes.iter().enumerate() {
                let p = offset + k as u64;
                if p >= at && p < at + n as u64 {
                    buf[(p - at) as usize] = b;
                }
            }
        }
        Ok(n)
    }
}

impl Seek for Patched {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64> {
        self.file.seek(pos)
    }
}

impl MediaSource for Patched {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        self.file.metadata().ok().map(|m| m.len())
    }
}

/// `file` as symphonia's source, from `start` on.
pub(crate) fn media_source(file: File, start: u64) -> Result<Box<dyn MediaSource>> {
    Ok(if start == 0 {
        Box::new(file)
    } else {
        Box::new(FileFrom::new(file, start)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_window_reads_seeks_and_measures_from_its_start() {
        let mut tmp = tempfile::NamedTempFile::new().expect("tmp");
        tmp.write_all(b"0123456789").expect("write");
        let mut w = FileFrom::new(File::open(tmp.path()).expect("open"), 4).expect("window");
        assert_eq!(w.byte_len(), Some(6));
        let mut s = String::new();
        w.read_to_string(&mut s).expect("read");
        assert_eq!(s, "456789");
        assert_eq!(w.seek(SeekFrom::Start(1)).expect("seek"), 1);
        assert_eq!(w.seek(SeekFrom::Current(2)).expect("seek"), 3);
        assert_eq!(w.seek(SeekFrom::End(-1)).expect("seek"), 5);
        let mut b = [0u8; 1];
        w.read_exact(&mut b).expect("read");
        assert_eq!(&b, b"9");
        assert!(w.seek(SeekFrom::End(-7)).is_err());
    }

    #[test]
    fn patches_apply_whatever_the_reads() {
        let mut tmp = tempfile::NamedTempFile::new().expect("tmp");
        tmp.write_all(b"RIFF....LIST0123").expect("write");
        let file = File::open(tmp.path()).expect("open");
        let mut p = Patched::new(file, vec![(8, *b"JUNK")]).expect("patched");
        let mut a = [0u8; 10];
        p.read_exact(&mut a).expect("read");
        let mut b = Vec::new();
        p.read_to_end(&mut b).expect("read");
        assert_eq!([&a[..], &b].concat(), b"RIFF....JUNK0123");
    }
}

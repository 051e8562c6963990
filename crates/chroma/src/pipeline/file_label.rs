//! A file's path as the text of the table's `file` column, and back.
//!
//! Table formats hold text (CSV, JSON; Parquet's string columns are UTF-8), but a Unix path is
//! any bytes. The label of a path is the path itself when it is UTF-8 without a backslash
//! (nearly every name); otherwise every `\` is written `\\` and every byte that is not part of
//! UTF-8 `\xHH` (two upper-case hex digits). Labels without a backslash are paths as they are,
//! labels with one are escaped, so two different paths never share a label: the journal,
//! `--update` and the report's links tell them apart. [`path_of_label`] gives the path back,
//! byte for byte.
//!
//! Elsewhere than on Unix (Windows, where `\` separates folders and names are UTF-16) the label
//! is the path's text as it is.

use std::path::{Path, PathBuf};

/// The text of `path` in the table's `file` column (see the module documentation): the path
/// itself when it is UTF-8 without a backslash; else with `\` as `\\` and each byte that is not
/// UTF-8 as `\xHH`.
///
/// ```
/// use std::path::Path;
/// assert_eq!(chroma::file_label(Path::new("music/a.wav")), "music/a.wav");
/// assert_eq!(chroma::file_label(Path::new("a\\xFFb.wav")), "a\\\\xFFb.wav");
/// #[cfg(unix)]
/// {
///     use std::os::unix::ffi::OsStrExt;
///     let raw = Path::new(std::ffi::OsStr::from_bytes(b"a\xFFb.wav"));
///     assert_eq!(chroma::file_label(raw), "a\\xFFb.wav");
///     assert_eq!(chroma::path_of_label("a\\xFFb.wav"), raw);
/// }
/// ```
pub fn file_label(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write;
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        if let Ok(text) = std::str::from_utf8(bytes) {
            if !text.contains('\\') {
                return text.to_string();
            }
        }
        let mut label = String::with_capacity(bytes.len() + 8);
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                if c == '\\' {
                    label.push_str("\\\\");
                } else {
                    label.push(c);
                }
            }
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

/// The path a [`file_label`] was made of, byte for byte. A label with a backslash that is not
/// a valid escape (a table written by another program) is taken as the path it spells.
pub fn path_of_label(label: &str) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        if !label.contains('\\') {
            return PathBuf::from(label);
        }
        match unescape(label) {
            Some(bytes) => PathBuf::from(std::ffi::OsString::from_vec(bytes)),
            None => PathBuf::from(label),
        }
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(label)
    }
}

/// The bytes of an escaped label; `None` if a backslash starts no valid escape.
#[cfg(unix)]
fn unescape(label: &str) -> Option<Vec<u8>> {
    let bytes = label.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes.get(i + 1)? {
            b'\\' => {
                out.push(b'\\');
                i += 2;
            }
            b'x' => {
                let hex = std::str::from_utf8(bytes.get(i + 2..i + 4)?).ok()?;
                if !hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
                {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 4;
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    fn path(bytes: &[u8]) -> &Path {
        Path::new(OsStr::from_bytes(bytes))
    }

    /// The collision of issue 23: a name with the byte 0xFF and a name spelling `\xFF` in text
    /// get different labels, and each label gives its own path back.
    #[test]
    fn labels_never_collide_and_give_the_bytes_back() {
        let names: [&[u8]; 10] = [
            b"bad\xFFbyte.wav",
            b"bad\\xFFbyte.wav",
            b"bad\\\\xFFbyte.wav",
            b"bad\\byte.wav",
            b"plain/\xC3\xA9t\xC3\xA9.wav",
            b"\xC3.wav",
            b"a\\\xFE\\x",
            b"\\",
            b"",
            b"end\\",
        ];
        let labels: Vec<String> = names.iter().map(|n| file_label(path(n))).collect();
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                assert_ne!(a, b);
            }
        }
        for (name, label) in names.iter().zip(&labels) {
            assert_eq!(
                path_of_label(label).as_os_str().as_bytes(),
                *name,
                "{label}"
            );
        }
        assert_eq!(labels[0], "bad\\xFFbyte.wav");
        assert_eq!(labels[1], "bad\\\\xFFbyte.wav");
        assert_eq!(labels[4], "plain/été.wav");
    }

    #[test]
    fn labels_of_other_programs_are_taken_as_they_are() {
        for label in ["C:\\music\\a.wav", "x\\xZZ", "trailing\\"] {
            assert_eq!(path_of_label(label), Path::new(label));
        }
    }
}

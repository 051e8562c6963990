//! Shared by the targets: the library reads files by path, so each input is written to a file
//! (in /dev/shm where it exists: memory, not disk) that is reused for every run of the process.

use std::path::PathBuf;

/// A per-process scratch file with extension `ext`, holding `data`.
pub fn scratch_file(ext: &str, data: &[u8]) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("chromacluster-fuzz-{}.{ext}", std::process::id()));
    std::fs::write(&path, data).expect("the scratch file can be written");
    path
}

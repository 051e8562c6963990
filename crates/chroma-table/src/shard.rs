//! Splitting a batch into N deterministic shards (for batch schedulers and several machines).
//!
//! A file belongs to shard `I` of `N` by a hash of its path relative to the input folder it
//! was found in ([`relative_key`]), not by its position: the split does not depend on the
//! order or the number of the other files, nor on where the collection is mounted, and it is
//! the same on every machine and version (FNV-1a 64 with a SplitMix64 finaliser, fixed here).

use std::path::{Component, Path, PathBuf};

/// Shard `index` (1-based) of `count`, as `--shard I/N` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    /// Which shard, 1..=count.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl std::str::FromStr for ShardSpec {
    type Err = String;
    /// Parses `I/N` with `1 <= I <= N`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected I/N with 1 <= I <= N (e.g. 1/4), not {s:?}");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(ShardSpec { index, count })
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl ShardSpec {
    /// Whether the file with this [`relative_key`] belongs to this shard.
    pub fn contains(&self, key: &str) -> bool {
        shard_of(key, self.count) + 1 == self.index
    }

    /// The part file this shard writes: `part-I-of-N.parquet`.
    pub fn part_file_name(&self) -> String {
        format!("part-{}-of-{}.parquet", self.index, self.count)
    }
}

/// The 0-based shard of `count` that the file with this key falls in.
pub fn shard_of(key: &str, count: u32) -> u32 {
    (fixed_hash(key.as_bytes()) % u64::from(count.max(1))) as u32
}

/// A 64-bit hash of `bytes` that is the same on every machine and version: FNV-1a 64, then
/// SplitMix64's finaliser so that every bit mixes. Shards and the short names of hidden files
/// ([`crate::journal::journal_path`]) depend on it never changing.
pub(crate) fn fixed_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The key a file is sharded by: its path relative to the deepest of `roots` (the input
/// folders) it lies under, components joined by `/`; a file under none of them (named
/// directly) is keyed by its path as given.
pub fn relative_key(file: &Path, roots: &[PathBuf]) -> String {
    let relative = roots
        .iter()
        .filter_map(|r| file.strip_prefix(r).ok().map(|rel| (r, rel)))
        .max_by_key(|(r, _)| r.components().count())
        .map_or(file, |(_, rel)| rel);
    relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_reject_what_is_out_of_range() {
        assert_eq!(
            "2/4".parse::<ShardSpec>(),
            Ok(ShardSpec { index: 2, count: 4 })
        );
        for bad in ["0/4", "5/4", "1/0", "a/b", "3", "-1/2"] {
            assert!(bad.parse::<ShardSpec>().is_err(), "{bad}");
        }
        assert_eq!(
            ShardSpec { index: 3, count: 8 }.part_file_name(),
            "part-3-of-8.parquet"
        );
    }

    #[test]
    fn every_key_is_in_exactly_one_shard_and_shards_are_balanced() {
        let n = 4;
        let specs: Vec<ShardSpec> = (1..=n).map(|index| ShardSpec { index, count: n }).collect();
        let mut sizes = [0usize; 4];
        for i in 0..4000 {
            let key = format!("artist {}/album/track {i:02}.flac", i % 37);
            let owners: Vec<usize> = (0..4).filter(|&s| specs[s].contains(&key)).collect();
            assert_eq!(owners.len(), 1, "{key}");
            sizes[owners[0]] += 1;
        }
        for s in sizes {
            assert!((850..1150).contains(&s), "unbalanced shards {sizes:?}");
        }
    }

    #[test]
    fn the_hash_is_fixed_across_versions() {
        // Changing these changes which shard every existing file lands in. (Checked against
        // an independent implementation of the same FNV-1a + SplitMix64 finaliser in Python.)
        let got: Vec<u32> = ["a.wav", "b/c.flac", ""]
            .iter()
            .map(|k| shard_of(k, 1 << 20))
            .collect();
        assert_eq!(got, PINNED);
    }
    const PINNED: [u32; 3] = [622051, 955794, 387227];

    #[test]
    fn keys_are_relative_to_the_deepest_root() {
        let roots = vec![PathBuf::from("music"), PathBuf::from("music/jazz")];
        assert_eq!(
            relative_key(Path::new("music/jazz/x/y.mp3"), &roots),
            "x/y.mp3"
        );
        assert_eq!(relative_key(Path::new("music/a.mp3"), &roots), "a.mp3");
        assert_eq!(relative_key(Path::new("./other.wav"), &roots), "other.wav");
        // The same collection under another mount point gives the same keys.
        assert_eq!(
            relative_key(
                Path::new("/mnt/b/music/a.mp3"),
                &[PathBuf::from("/mnt/b/music")]
            ),
            "a.mp3"
        );
    }
}

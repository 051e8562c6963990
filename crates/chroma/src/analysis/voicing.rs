//! The frames that vote, tallied as they stream by: under [`VotePolicy::Voiced`] a frame votes
//! when it is louder than a floor set by the loudest frame of the whole file, known only at the
//! end. The note profile ([`crate::NoteProfileBuilder`]) and the key summary
//! ([`crate::KeySummaryBuilder`]) tally their frames here.

use std::collections::BTreeMap;

use crate::analysis::chromagram::VotePolicy;

/// Most energy buckets a [`VotingTally`] keeps (a few hundred KB); beyond it neighbouring
/// buckets are merged.
const MAX_BUCKETS: usize = 4096;

/// A sum over frames that two partial sums combine into.
pub(crate) trait Mergeable: Default + Clone {
    /// Adds `other`'s frames to these.
    fn merge(&mut self, other: &Self);
}

/// The tally `T` of the frames that vote under a [`VotePolicy`], in memory that does not grow
/// with the file's length.
///
/// Under [`VotePolicy::AllFrames`] it keeps one running tally. Under [`VotePolicy::Voiced`]
/// frames that can still vote (pitched, and louder than the floor of the loudest frame so far,
/// which only rises) are tallied in buckets by energy, and buckets that fall below the floor
/// are dropped. A bucket first holds one exact energy value, so the tally follows
/// [`crate::VoicingThreshold`]'s rule exactly; only when more than 4096 distinct energies are
/// above the floor at once (long files) are neighbouring buckets merged (each merge halves the
/// energy resolution; a 60 dB range then still has well over 100 buckets per octave), and the
/// frames of the one bucket that holds the final floor then do not vote.
#[derive(Debug, Clone)]
pub(crate) struct VotingTally<T> {
    policy: VotePolicy,
    /// The tally of every frame ([`VotePolicy::AllFrames`]).
    all: T,
    loudest: f64,
    /// Low bits of the energy's IEEE representation dropped from the bucket keys.
    shift: u32,
    /// Candidate voters by energy key (`energy.to_bits() >> shift`, monotone for energies > 0).
    buckets: BTreeMap<u64, T>,
}

impl<T: Mergeable> VotingTally<T> {
    /// An empty tally for `policy`.
    pub(crate) fn new(policy: VotePolicy) -> Self {
        VotingTally {
            policy,
            all: T::default(),
            loudest: 0.0,
            shift: 0,
            buckets: BTreeMap::new(),
        }
    }

    /// Adds the next frame, of energy `energy` (mean square) and chroma flatness `flatness()`
    /// (computed only for a frame loud enough to vote): `add` puts it into the tally it joins,
    /// if it can still vote. Returns whether it could.
    pub(crate) fn push(
        &mut self,
        energy: f64,
        flatness: impl FnOnce() -> f64,
        add: impl FnOnce(&mut T),
    ) -> bool {
        let v = match self.policy {
            VotePolicy::AllFrames => {
                add(&mut self.all);
                return true;
            }
            VotePolicy::Voiced(v) => v,
        };
        let louder = energy > self.loudest;
        self.loudest = self.loudest.max(energy);
        let floor = v.floor(self.loudest);
        if louder && floor > 0.0 {
            // Buckets entirely at or below the new floor can no longer vote.
            let keep = self.buckets.split_off(&self.key(floor));
            self.buckets = keep;
        }
        if !(energy > floor && energy > 0.0) || flatness() > v.max_flatness {
            return false;
        }
        let key = self.key(energy);
        add(self.buckets.entry(key).or_default());
        if self.buckets.len() > MAX_BUCKETS {
            self.coarsen();
        }
        true
    }

    /// The energy a frame must exceed to vote given the frames so far (0 with
    /// [`VotePolicy::AllFrames`]); it only rises.
    pub(crate) fn floor(&self) -> f64 {
        match self.policy {
            VotePolicy::AllFrames => 0.0,
            VotePolicy::Voiced(v) => v.floor(self.loudest),
        }
    }

    fn key(&self, energy: f64) -> u64 {
        energy.to_bits() >> self.shift
    }

    /// Merges neighbouring buckets until at most half of [`MAX_BUCKETS`] remain.
    ///
    /// The buckets are merged in a vector in key order (each step halves the resolution once:
    /// a bucket's two halves merge lower key first, as merging each into an empty tally would
    /// give) and the map is built once from the sorted result.
    fn coarsen(&mut self) {
        if self.buckets.len() <= MAX_BUCKETS / 2 || self.shift >= 63 {
            return;
        }
        let mut buckets: Vec<(u64, T)> = std::mem::take(&mut self.buckets).into_iter().collect();
        while buckets.len() > MAX_BUCKETS / 2 && self.shift < 63 {
            self.shift += 1;
            let mut kept = 0;
            for i in 0..buckets.len() {
                let key = buckets[i].0 >> 1;
                if kept > 0 && buckets[kept - 1].0 == key {
                    let (merged, rest) = buckets.split_at_mut(i);
                    merged[kept - 1].1.merge(&rest[0].1);
                } else {
                    buckets.swap(kept, i);
                    buckets[kept].0 = key;
                    kept += 1;
                }
            }
            buckets.truncate(kept);
        }
        self.buckets = buckets.into_iter().collect();
    }

    /// The tally of the frames that vote, given every frame pushed.
    pub(crate) fn finish(&self) -> T {
        match self.policy {
            VotePolicy::AllFrames => self.all.clone(),
            VotePolicy::Voiced(_) => {
                let floor_key = self.key(self.floor());
                let mut t = T::default();
                for (_, b) in self.buckets.range(floor_key.saturating_add(1)..) {
                    t.merge(b);
                }
                t
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VoicingThreshold;

    /// A sum whose value depends on the order of its additions (floating point).
    #[derive(Debug, Clone, Default, PartialEq)]
    struct Sum {
        n: usize,
        total: f64,
    }

    impl Mergeable for Sum {
        fn merge(&mut self, other: &Self) {
            self.n += other.n;
            self.total += other.total;
        }
    }

    /// The map coarsening as first written: each step moves every bucket into a new map,
    /// merging it into an empty tally under its halved key.
    fn coarsen_by_map(buckets: &BTreeMap<u64, Sum>, mut shift: u32) -> (BTreeMap<u64, Sum>, u32) {
        let mut buckets = buckets.clone();
        while buckets.len() > MAX_BUCKETS / 2 && shift < 63 {
            shift += 1;
            let old = std::mem::take(&mut buckets);
            for (key, tally) in old {
                buckets.entry(key >> 1).or_default().merge(&tally);
            }
        }
        (buckets, shift)
    }

    #[test]
    fn coarsening_merges_as_the_map_did_bit_for_bit() {
        let mut next = crate::analysis::xorshift(0x2545_f491_4f6c_dd1d);
        // Dense keys (siblings merge at the first step), sparse ones, and keys spread so
        // widely that many steps pass before buckets meet; some keys drawn more than once.
        for spread in [1u64 << 14, 1 << 20, 1 << 40] {
            let mut tally: VotingTally<Sum> =
                VotingTally::new(VotePolicy::Voiced(VoicingThreshold::default()));
            tally.shift = 2;
            while tally.buckets.len() <= MAX_BUCKETS * 2 {
                let key = next() % spread + (1 << 50);
                let value = (next() >> 11) as f64 / (1u64 << 53) as f64 * 1e-3;
                let bucket = tally.buckets.entry(key).or_default();
                bucket.n += 1;
                bucket.total += value;
            }
            let (expected, expected_shift) = coarsen_by_map(&tally.buckets, tally.shift);
            tally.coarsen();
            assert!(tally.buckets.len() <= MAX_BUCKETS / 2, "spread {spread}");
            assert_eq!(tally.shift, expected_shift, "spread {spread}");
            assert_eq!(tally.buckets.len(), expected.len(), "spread {spread}");
            for ((k, a), (ke, e)) in tally.buckets.iter().zip(&expected) {
                assert_eq!(k, ke, "spread {spread}");
                assert_eq!(a.n, e.n, "spread {spread}, key {k}");
                assert_eq!(
                    a.total.to_bits(),
                    e.total.to_bits(),
                    "spread {spread}, key {k}"
                );
            }
        }
    }

    #[test]
    fn a_small_map_is_not_coarsened() {
        let mut tally: VotingTally<Sum> =
            VotingTally::new(VotePolicy::Voiced(VoicingThreshold::default()));
        for k in 0..(MAX_BUCKETS / 2) as u64 {
            tally.buckets.entry(k).or_default().n = 1;
        }
        tally.coarsen();
        assert_eq!((tally.shift, tally.buckets.len()), (0, MAX_BUCKETS / 2));
    }
}

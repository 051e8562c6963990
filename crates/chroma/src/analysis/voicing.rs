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
    fn coarsen(&mut self) {
        while self.buckets.len() > MAX_BUCKETS / 2 && self.shift < 63 {
            self.shift += 1;
            let old = std::mem::take(&mut self.buckets);
            for (key, tally) in old {
                self.buckets.entry(key >> 1).or_default().merge(&tally);
            }
        }
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

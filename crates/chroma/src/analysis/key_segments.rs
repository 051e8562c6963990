//! Key over time: the key of each section of a file that modulates, as the best path through
//! the 24 keys with a penalty for each change (Viterbi).
//!
//! The voiced frames' key chroma ([`crate::ChromaFrame::key_chroma`], each normalised to a
//! sum of 1) is summed in blocks of [`KeySegmenter::block_s`]; each block's evidence for a key is the
//! Pearson correlation of the key's template with the mean key chroma of the blocks within
//! `window_s / 2` of it (a centred window, so that a change shows where it happens, not half a
//! window later). The path maximises the summed correlations minus
//! [`KeySegmenter::change_penalty`] per change of key; its runs of one key are the segments.
//!
//! ```
//! use chroma::{Chromagram, KeySegmenter};
//!
//! // Ten seconds of a C major triad, then ten of an E major triad (frames of 0.1 s).
//! let mut gram = Chromagram::new(0.1);
//! for i in 0..200 {
//!     let mut chroma = [0.0; 12]; // index 0 = A
//!     let triad = if i < 100 { [3, 7, 10] } else { [7, 11, 2] };
//!     for pc in triad {
//!         chroma[pc] = 1.0;
//!     }
//!     gram.push(chroma, 0.1);
//! }
//! let segments = KeySegmenter::default().segments(&gram);
//! assert_eq!(segments.len(), 2);
//! assert_eq!(segments[0].key.unwrap().to_string(), "C major");
//! assert_eq!(segments[1].key.unwrap().to_string(), "E major");
//! assert!((segments[1].start_s - 10.0).abs() <= 1.0);
//! ```

use crate::analysis::chromagram::{chroma_flatness, Chromagram, VotePolicy};
use crate::analysis::key::{pearson, Key, KeyFinder};

/// How a file is cut into sections of one key. Parameters, with their defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeySegmenter {
    /// The profile and the strength below which a section gets no key
    /// ([`KeyFinder::profile`], [`KeyFinder::min_strength`]; the opening weight is not used).
    pub finder: KeyFinder,
    /// Which frames carry evidence (default: the voiced ones).
    pub votes: VotePolicy,
    /// Time resolution of the boundaries, seconds (default 0.5).
    pub block_s: f64,
    /// Length of the window whose mean key chroma is each block's evidence, seconds (default
    /// 8: a few chords, long enough that a passing chord does not look like a new key).
    pub window_s: f64,
    /// Cost of a change of key, in units of correlation summed over blocks (default 4: a new
    /// key must fit better by 0.2 for 10 s, two blocks a second, to be worth a change and a
    /// change back).
    pub change_penalty: f64,
}

impl Default for KeySegmenter {
    fn default() -> Self {
        KeySegmenter {
            finder: KeyFinder::default(),
            votes: VotePolicy::default(),
            block_s: 0.5,
            window_s: 8.0,
            change_penalty: 4.0,
        }
    }
}

/// One section of a file in one key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeySegment {
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds (the next section's start; the last section ends at the last frame's end).
    pub end_s: f64,
    /// The section's key; `None` when its mean key chroma correlates below the finder's
    /// `min_strength` with every key, or it has no voiced frame.
    pub key: Option<Key>,
    /// Pearson correlation of the section's mean key chroma with its key's template (0 without
    /// a key).
    pub strength: f64,
}

impl KeySegmenter {
    /// The sections of `gram` in order, covering it from 0 to `end_s` (e.g. the signal's
    /// duration; at least the end of the last frame's hop). Empty for an empty chromagram.
    pub fn segments_until(&self, gram: &Chromagram, end_s: f64) -> Vec<KeySegment> {
        let n = gram.n_frames();
        let hop = gram.hop_s();
        if n == 0 || !(hop > 0.0 && self.block_s > 0.0) {
            return Vec::new();
        }
        let end_s = end_s.max(n as f64 * hop);
        let blocks = self.blocks(gram);
        let templates = self.finder.templates();
        let half = (0.5 * self.window_s / self.block_s).round().max(0.0) as usize;
        // Each block's evidence: correlation of the windowed mean with each key (0 without
        // voiced frames in the window).
        let evidence: Vec<[f64; 24]> = (0..blocks.len())
            .map(|b| {
                let lo = b.saturating_sub(half);
                let hi = (b + half + 1).min(blocks.len());
                let mut sum = [0.0f64; 12];
                let mut count = 0usize;
                for (s, c) in &blocks[lo..hi] {
                    count += c;
                    for (a, x) in sum.iter_mut().zip(s) {
                        *a += x;
                    }
                }
                if count == 0 {
                    [0.0; 24]
                } else {
                    std::array::from_fn(|k| pearson(&sum, &templates[k]))
                }
            })
            .collect();
        let path = best_path(&evidence, self.change_penalty);
        let mut out = Vec::new();
        let mut first = 0;
        for b in 1..=path.len() {
            if b == path.len() || path[b] != path[first] {
                let mut sum = [0.0f64; 12];
                for (s, _) in &blocks[first..b] {
                    for (a, x) in sum.iter_mut().zip(s) {
                        *a += x;
                    }
                }
                let estimate = self.finder.estimate(&sum);
                // The path's key for the section; its strength on the section's own chroma.
                let key = Key::from_index(path[first]);
                let strength = pearson(&sum, &templates[path[first]]);
                let keyed = estimate.key.is_some() && strength >= self.finder.min_strength;
                out.push(KeySegment {
                    start_s: first as f64 * self.block_s,
                    end_s: (b as f64 * self.block_s).min(end_s),
                    key: keyed.then_some(key),
                    strength: if keyed { strength } else { 0.0 },
                });
                first = b;
            }
        }
        if let Some(last) = out.last_mut() {
            last.end_s = end_s;
        }
        out
    }

    /// [`KeySegmenter::segments_until`] the end of the last frame's hop.
    pub fn segments(&self, gram: &Chromagram) -> Vec<KeySegment> {
        self.segments_until(gram, 0.0)
    }

    /// Per block: the sum of the voiced frames' key chroma, each normalised to sum 1, and how
    /// many there were.
    fn blocks(&self, gram: &Chromagram) -> Vec<([f64; 12], usize)> {
        let n = gram.n_frames();
        let floor = match self.votes {
            VotePolicy::AllFrames => None,
            VotePolicy::Voiced(v) => {
                let loudest = gram.energies().iter().copied().fold(0.0_f64, f64::max);
                Some((v.floor(loudest), v.max_flatness))
            }
        };
        let n_blocks = (((n - 1) as f64 * gram.hop_s()) / self.block_s).floor() as usize + 1;
        let mut blocks = vec![([0.0f64; 12], 0usize); n_blocks];
        for (i, (chroma, &energy)) in gram.key_rows().iter().zip(gram.energies()).enumerate() {
            let total: f64 = chroma.iter().sum();
            if !(total > 0.0 && total.is_finite()) {
                continue;
            }
            if let Some((floor, max_flatness)) = floor {
                if !(energy > floor && energy > 0.0) || chroma_flatness(chroma) > max_flatness {
                    continue;
                }
            }
            let b = ((i as f64 * gram.hop_s()) / self.block_s).floor() as usize;
            let block = &mut blocks[b.min(n_blocks - 1)];
            block.1 += 1;
            for (a, x) in block.0.iter_mut().zip(chroma) {
                *a += x / total;
            }
        }
        blocks
    }
}

/// The key index per block maximising the summed evidence minus `penalty` per change
/// (Viterbi over the 24 keys); ties go to the lower key index and to staying.
fn best_path(evidence: &[[f64; 24]], penalty: f64) -> Vec<usize> {
    if evidence.is_empty() {
        return Vec::new();
    }
    let mut score = evidence[0];
    let mut back: Vec<[u8; 24]> = Vec::with_capacity(evidence.len());
    back.push([0; 24]);
    for e in &evidence[1..] {
        let (best_prev, best_prev_score) = argmax24(&score);
        let mut next = [0.0f64; 24];
        let mut from = [0u8; 24];
        for k in 0..24 {
            let (stay, switch) = (score[k], best_prev_score - penalty);
            if stay >= switch {
                next[k] = stay + e[k];
                from[k] = k as u8;
            } else {
                next[k] = switch + e[k];
                from[k] = best_prev as u8;
            }
        }
        score = next;
        back.push(from);
    }
    let mut k = argmax24(&score).0;
    let mut path = vec![0usize; evidence.len()];
    for b in (0..evidence.len()).rev() {
        path[b] = k;
        k = usize::from(back[b][k]);
    }
    path
}

/// The first largest of 24 scores and its value.
fn argmax24(scores: &[f64; 24]) -> (usize, f64) {
    let mut best = 0;
    for k in 1..24 {
        if scores[k] > scores[best] {
            best = k;
        }
    }
    (best, scores[best])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_throughout_is_one_segment() {
        let mut gram = Chromagram::new(0.05);
        for _ in 0..400 {
            // A major's scale (index 0 = A): A strongest, then E, C#, the rest.
            let mut c = [0.0; 12];
            for (pc, w) in [
                (0, 3.0),
                (7, 2.5),
                (4, 2.0),
                (2, 1.0),
                (5, 1.0),
                (9, 1.0),
                (11, 1.0),
            ] {
                c[pc] = w;
            }
            gram.push(c, 0.1);
        }
        let s = KeySegmenter::default().segments(&gram);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].start_s, 0.0);
        assert!((s[0].end_s - 400.0 * 0.05).abs() < 1e-9);
        assert_eq!(s[0].key.map(|k| k.tonic), Some(0));
    }

    #[test]
    fn silence_and_empty_input_give_no_key() {
        assert!(KeySegmenter::default()
            .segments(&Chromagram::new(0.1))
            .is_empty());
        let mut gram = Chromagram::new(0.1);
        for _ in 0..50 {
            gram.push([0.0; 12], 0.0);
        }
        let s = KeySegmenter::default().segments(&gram);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].key, s[0].strength), (None, 0.0));
    }

    #[test]
    fn the_path_changes_only_when_it_pays() {
        // Key 3 for 10 blocks, key 5 better by 0.3 for 4 blocks, key 3 again.
        let mut e = vec![[0.0f64; 24]; 20];
        for (b, row) in e.iter_mut().enumerate() {
            row[3] = 0.5;
            if (10..14).contains(&b) {
                row[5] = 0.8;
            }
        }
        // A detour gains 4 x 0.3 = 1.2: worth it against two changes of 0.5, not of 1.
        let p = best_path(&e, 0.5);
        assert_eq!(&p[9..15], &[3, 5, 5, 5, 5, 3]);
        assert!(best_path(&e, 1.0).iter().all(|&k| k == 3));
    }
}

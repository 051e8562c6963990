//! Initial centroids: greedy k-means++, random rows, the first k rows, or given centroids.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::lloyd::{block_dists, sq_dist, transpose_padded, CHUNK_ROWS};

/// Candidates per block of the k-means++ distance kernel (`2 + floor(ln k)` is 4 for k < 21).
const TRIAL_BLOCK: usize = 4;

/// How the initial centroids of a run are chosen.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Init {
    /// Greedy k-means++ as scikit-learn's `_kmeans_plusplus`: the first centroid is a uniformly
    /// random row; each next one is the best of `2 + floor(ln k)` candidates drawn with
    /// probability proportional to `D(x)^2` (squared distance to the nearest chosen centroid),
    /// "best" meaning the smallest potential `sum_x min(D(x)^2, ||x - candidate||^2)`.
    KMeansPlusPlus,
    /// `k` distinct rows drawn uniformly at random.
    Random,
    /// The first `k` rows, in order (reproduces the original pipeline; deterministic, so
    /// `n_init` is ignored).
    First,
    /// Explicit centroids, one inner vector of `n_cols` values per cluster (in the fitted space,
    /// i.e. standardised if standardisation is on); deterministic, so `n_init` is ignored.
    Given(Vec<Vec<f64>>),
}

/// Greedy k-means++ (see [`Init::KMeansPlusPlus`]); returns `k * d` row-major centroids.
pub(crate) fn kmeans_plusplus(data: &[f64], d: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let n = data.len() / d;
    let mut centers = Vec::with_capacity(k * d);
    let first = rng.random_range(0..n);
    centers.extend_from_slice(&data[first * d..(first + 1) * d]);
    let mut closest: Vec<f64> = vec![0.0; n];
    closest
        .par_chunks_mut(CHUNK_ROWS)
        .enumerate()
        .for_each(|(ci, out)| {
            let c0 = &data[first * d..(first + 1) * d];
            for (r, o) in out.iter_mut().enumerate() {
                let i = ci * CHUNK_ROWS + r;
                *o = sq_dist(&data[i * d..(i + 1) * d], c0);
            }
        });
    let mut pot = crate::lloyd::ordered_sum(&closest);
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let mut cumsum = vec![0.0; n];
    for _ in 1..k {
        let mut acc = 0.0;
        for (c, v) in cumsum.iter_mut().zip(&closest) {
            acc += v;
            *c = acc;
        }
        let candidates: Vec<usize> = (0..n_trials)
            .map(|_| {
                let v = rng.random::<f64>() * pot;
                cumsum.partition_point(|&c| c < v).min(n - 1)
            })
            .collect();
        // Potential of each candidate, chunk partials combined in order.
        let cand_rows: Vec<f64> = candidates
            .iter()
            .flat_map(|&c| data[c * d..(c + 1) * d].iter().copied())
            .collect();
        let ct = transpose_padded(&cand_rows, n_trials, d, TRIAL_BLOCK);
        let kp = ct.len() / d;
        let partials: Vec<Vec<f64>> = closest
            .par_chunks(CHUNK_ROWS)
            .enumerate()
            .map(|(ci, cl)| {
                let mut p = vec![0.0; kp];
                for (r, &old) in cl.iter().enumerate() {
                    let i = ci * CHUNK_ROWS + r;
                    let x = &data[i * d..(i + 1) * d];
                    for b in (0..kp).step_by(TRIAL_BLOCK) {
                        let acc = block_dists::<TRIAL_BLOCK>(x, &ct, kp, b);
                        for (pp, &v) in p[b..b + TRIAL_BLOCK].iter_mut().zip(&acc) {
                            *pp += old.min(v);
                        }
                    }
                }
                p.truncate(n_trials);
                p
            })
            .collect();
        let mut pots = vec![0.0; candidates.len()];
        for p in &partials {
            for (a, b) in pots.iter_mut().zip(p) {
                *a += b;
            }
        }
        let mut best = 0;
        for t in 1..pots.len() {
            if pots[t] < pots[best] {
                best = t;
            }
        }
        let chosen = candidates[best];
        let cx = &data[chosen * d..(chosen + 1) * d];
        closest
            .par_chunks_mut(CHUNK_ROWS)
            .enumerate()
            .for_each(|(ci, out)| {
                for (r, o) in out.iter_mut().enumerate() {
                    let i = ci * CHUNK_ROWS + r;
                    *o = o.min(sq_dist(&data[i * d..(i + 1) * d], cx));
                }
            });
        pot = pots[best];
        centers.extend_from_slice(cx);
    }
    centers
}

/// `k` distinct rows drawn uniformly (see [`Init::Random`]).
pub(crate) fn random_rows(data: &[f64], d: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let n = data.len() / d;
    let idx = rand::seq::index::sample(rng, n, k);
    let mut centers = Vec::with_capacity(k * d);
    for i in idx.iter() {
        centers.extend_from_slice(&data[i * d..(i + 1) * d]);
    }
    centers
}

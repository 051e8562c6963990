//! Initial centroids: greedy k-means++, random rows, the first k rows, or given centroids.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::lloyd::{block_dists, block_dists2, prefetch_rows, sq_dist, CHUNK_ROWS};

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
///
/// One parallel pass over the rows per chosen centroid: rows are cut into fixed chunks of
/// [`CHUNK_ROWS`]; each pass folds the previously chosen centroid into `closest` (the squared
/// distance `D(x)^2` to the nearest chosen centroid) and, in the same sweep, sums
/// `min(D(x)^2, ||x - c_t||^2)` per chunk for every candidate `c_t`. Chunk partials are combined
/// in chunk order, so the result is bit-identical on any thread count. Candidates are drawn by
/// binary search on the prefix sums of the per-chunk totals, then a short scan inside the chunk.
pub(crate) fn kmeans_plusplus(data: &[f64], d: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let n = data.len() / d.max(1);
    let mut centers = Vec::with_capacity(k * d);
    if n == 0 || k == 0 || d == 0 {
        return centers;
    }
    let first = rng.random_range(0..n);
    centers.extend_from_slice(&data[first * d..(first + 1) * d]);
    let n_chunks = n.div_ceil(CHUNK_ROWS);
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let kp = n_trials.div_ceil(TRIAL_BLOCK) * TRIAL_BLOCK;
    // closest[i]: D(x_i)^2 over the centroids chosen so far except `prev` (folded in lazily).
    let mut closest: Vec<f64> = vec![0.0; n];
    // chunk_tot[ci]: sum of the up-to-date D(x)^2 (including `prev`) over chunk ci, row order.
    let mut chunk_tot = vec![0.0; n_chunks];
    let mut prefix = vec![0.0; n_chunks];
    let mut cand_part = vec![0.0; n_chunks * kp];
    let mut candidates = vec![0usize; n_trials];
    let mut pots = vec![0.0; n_trials];
    let mut ct = vec![0.0; kp * d];
    {
        let c0 = &data[first * d..(first + 1) * d];
        closest
            .par_chunks_mut(CHUNK_ROWS)
            .zip(data.par_chunks(CHUNK_ROWS * d))
            .zip(chunk_tot.par_iter_mut())
            .for_each(|((cl, rows), tot)| {
                let mut s = 0.0;
                for (o, x) in cl.iter_mut().zip(rows.chunks_exact(d)) {
                    *o = sq_dist(x, c0);
                    s += *o;
                }
                *tot = s;
            });
    }
    let mut prev: Option<usize> = None;
    for _ in 1..k {
        let mut pot = 0.0;
        for (p, t) in prefix.iter_mut().zip(&chunk_tot) {
            pot += t;
            *p = pot;
        }
        let prev_row = prev.map(|p| &data[p * d..(p + 1) * d]);
        for cand in candidates.iter_mut() {
            let v = rng.random::<f64>() * pot;
            let ci = prefix.partition_point(|&c| c < v).min(n_chunks - 1);
            let base = if ci == 0 { 0.0 } else { prefix[ci - 1] };
            let start = ci * CHUNK_ROWS;
            let end = (start + CHUNK_ROWS).min(n);
            let mut local = 0.0;
            let mut pick = end - 1;
            for i in start..end {
                let x = &data[i * d..(i + 1) * d];
                local += current_closest(closest[i], x, prev_row);
                if base + local >= v {
                    pick = i;
                    break;
                }
            }
            *cand = pick;
        }
        for (t, &c) in candidates.iter().enumerate() {
            for j in 0..d {
                ct[((t / TRIAL_BLOCK) * d + j) * TRIAL_BLOCK + t % TRIAL_BLOCK] = data[c * d + j];
            }
        }
        closest
            .par_chunks_mut(CHUNK_ROWS)
            .zip(data.par_chunks(CHUNK_ROWS * d))
            .zip(cand_part.par_chunks_mut(kp))
            .for_each(|((cl, rows), part)| candidate_pass(rows, d, cl, prev_row, &ct, part));
        pots.iter_mut().for_each(|p| *p = 0.0);
        for part in cand_part.chunks_exact(kp) {
            for (a, b) in pots.iter_mut().zip(part) {
                *a += b;
            }
        }
        let mut best = 0;
        for t in 1..n_trials {
            if pots[t] < pots[best] {
                best = t;
            }
        }
        for (tot, part) in chunk_tot.iter_mut().zip(cand_part.chunks_exact(kp)) {
            *tot = part[best];
        }
        let chosen = candidates[best];
        centers.extend_from_slice(&data[chosen * d..(chosen + 1) * d]);
        prev = Some(chosen);
    }
    centers
}

/// `D(x)^2` with the lazily folded centroid `prev`: `min(closest, ||x - prev||^2)`.
#[inline(always)]
fn current_closest(closest: f64, x: &[f64], prev: Option<&[f64]>) -> f64 {
    match prev {
        Some(p) => closest.min(sq_dist(x, p)),
        None => closest,
    }
}

crate::lloyd::avx2_dispatch! {
    /// One chunk of a k-means++ step: folds `prev` into `closest` and writes to `part[t]` the
    /// sum over the chunk's rows of `min(D(x)^2, ||x - c_t||^2)` for the candidates of `ct`
    /// (blocks of `TRIAL_BLOCK`); [`candidate_pass_plain`], AVX2 build when the CPU has it.
    fn candidate_pass => candidate_pass_plain(
        rows: &[f64],
        d: usize,
        closest: &mut [f64],
        prev: Option<&[f64]>,
        ct: &[f64],
        part: &mut [f64],
    )
}

/// Portable body of [`candidate_pass`].
#[inline(always)]
fn candidate_pass_plain(
    rows: &[f64],
    d: usize,
    closest: &mut [f64],
    prev: Option<&[f64]>,
    ct: &[f64],
    part: &mut [f64],
) {
    part.iter_mut().for_each(|p| *p = 0.0);
    // Rows in pairs (two independent distance chains); partial sums still added in row order.
    let pairs = rows.chunks_exact(2 * d);
    let tail = pairs.remainder();
    let (cl2, cl_tail) = closest.split_at_mut(closest.len() & !1);
    for (i, (xx, cl)) in pairs.zip(cl2.chunks_exact_mut(2)).enumerate() {
        prefetch_rows(rows, i * 2 * d);
        let (x0, x1) = xx.split_at(d);
        let old0 = current_closest(cl[0], x0, prev);
        let old1 = current_closest(cl[1], x1, prev);
        cl[0] = old0;
        cl[1] = old1;
        for (blk, pp) in ct
            .chunks_exact(d * TRIAL_BLOCK)
            .zip(part.chunks_exact_mut(TRIAL_BLOCK))
        {
            let (a0, a1) = block_dists2::<TRIAL_BLOCK>(x0, x1, blk);
            for (p, &v) in pp.iter_mut().zip(&a0) {
                *p += old0.min(v);
            }
            for (p, &v) in pp.iter_mut().zip(&a1) {
                *p += old1.min(v);
            }
        }
    }
    for (x, cl) in tail.chunks_exact(d).zip(cl_tail) {
        let old = current_closest(*cl, x, prev);
        *cl = old;
        for (blk, pp) in ct
            .chunks_exact(d * TRIAL_BLOCK)
            .zip(part.chunks_exact_mut(TRIAL_BLOCK))
        {
            let acc = block_dists::<TRIAL_BLOCK>(x, blk);
            for (p, &v) in pp.iter_mut().zip(&acc) {
                *p += old.min(v);
            }
        }
    }
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

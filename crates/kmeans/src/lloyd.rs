//! Lloyd's algorithm: the parallel assignment step, the centroid update and the iteration loop.
//!
//! Determinism: rows are cut into fixed chunks of [`CHUNK_ROWS`] rows whatever the thread
//! count; every chunk produces its own partial sums, and the partials are combined in chunk
//! order. The result is therefore bit-identical on 1 thread and on N threads.

use rayon::prelude::*;

/// Rows per parallel work unit (fixed, so reductions do not depend on the thread count).
pub(crate) const CHUNK_ROWS: usize = 2048;

/// Clusters per block of the distance kernel (fixed-size arrays the compiler vectorises).
pub(crate) const BLOCK: usize = 8;

/// Centroids stored in blocks of [`BLOCK`]: within block `b`, `ct[(b * d + j) * BLOCK + c]` is
/// coordinate `j` of centroid `b * BLOCK + c`; `k` is rounded up to a multiple of [`BLOCK`]
/// (padding centroids are zero and never selected). The inner distance loop then runs over
/// [`BLOCK`] centroids with independent accumulators and no bounds checks.
pub(crate) fn transpose(centroids: &[f64], k: usize, d: usize) -> Vec<f64> {
    transpose_padded(centroids, k, d, BLOCK)
}

/// [`transpose`] with blocks of `block` centroids.
pub(crate) fn transpose_padded(centroids: &[f64], k: usize, d: usize, block: usize) -> Vec<f64> {
    let kp = k.div_ceil(block) * block;
    let mut ct = vec![0.0; kp * d];
    for c in 0..k {
        for j in 0..d {
            ct[((c / block) * d + j) * block + c % block] = centroids[c * d + j];
        }
    }
    ct
}

/// Squared distances from row `x` to the `B` centroids of one block `blk` (`d * B` values, as
/// laid out by [`transpose_padded`]), each summed in column order.
#[inline(always)]
pub(crate) fn block_dists<const B: usize>(x: &[f64], blk: &[f64]) -> [f64; B] {
    let mut acc = [0.0f64; B];
    let (cols, _) = blk.as_chunks::<B>();
    for (&xj, col) in x.iter().zip(cols) {
        for (a, &cj) in acc.iter_mut().zip(col) {
            let t = xj - cj;
            *a += t * t;
        }
    }
    acc
}

/// [`block_dists`] for two rows at once: two independent accumulation chains (more work in
/// flight per cycle), each summed in the same column order as [`block_dists`].
#[inline(always)]
pub(crate) fn block_dists2<const B: usize>(
    x0: &[f64],
    x1: &[f64],
    blk: &[f64],
) -> ([f64; B], [f64; B]) {
    let mut a0 = [0.0f64; B];
    let mut a1 = [0.0f64; B];
    let (cols, _) = blk.as_chunks::<B>();
    for ((&u, &w), col) in x0.iter().zip(x1).zip(cols) {
        for ((p, q), &cj) in a0.iter_mut().zip(a1.iter_mut()).zip(col) {
            let t = u - cj;
            *p += t * t;
            let s = w - cj;
            *q += s * s;
        }
    }
    (a0, a1)
}

/// Folds the distances `acc` of centroids `b..` into the running first minimum.
#[inline(always)]
fn select_min(acc: &[f64], b: usize, k: usize, best: &mut usize, best_d: &mut f64) {
    for (c, &v) in acc.iter().enumerate().take(k - b) {
        if v < *best_d {
            *best_d = v;
            *best = b + c;
        }
    }
}

/// Nearest centroid of row `x` and its squared Euclidean distance
/// `sum_j (x_j - c_j)^2`, summed in column order (so the values equal a plain loop's), first
/// minimum on ties. `ct` comes from [`transpose`].
#[inline(always)]
pub(crate) fn nearest(x: &[f64], ct: &[f64], k: usize) -> (usize, f64) {
    let mut best = 0;
    let mut best_d = f64::INFINITY;
    for (bi, blk) in ct.chunks_exact(x.len() * BLOCK).enumerate() {
        let acc = block_dists::<BLOCK>(x, blk);
        select_min(&acc, bi * BLOCK, k, &mut best, &mut best_d);
    }
    (best, best_d)
}

/// [`nearest`] for two rows at once (bit-identical to two calls, more instruction parallelism).
#[inline(always)]
pub(crate) fn nearest2(x0: &[f64], x1: &[f64], ct: &[f64], k: usize) -> [(usize, f64); 2] {
    let (mut b0, mut d0) = (0, f64::INFINITY);
    let (mut b1, mut d1) = (0, f64::INFINITY);
    for (bi, blk) in ct.chunks_exact(x0.len() * BLOCK).enumerate() {
        let (a0, a1) = block_dists2::<BLOCK>(x0, x1, blk);
        select_min(&a0, bi * BLOCK, k, &mut b0, &mut d0);
        select_min(&a1, bi * BLOCK, k, &mut b1, &mut d1);
    }
    [(b0, d0), (b1, d1)]
}

/// How far ahead (in `f64` values, ~1.5 KiB) the row kernels prefetch the data they stream.
const PREFETCH_AHEAD: usize = 192;

/// Hints the CPU to fetch the cache lines of `rows[at + PREFETCH_AHEAD..][..24]` (two 12-wide
/// rows ahead), if in bounds. A hint only: results never depend on it.
#[inline(always)]
pub(crate) fn prefetch_rows(rows: &[f64], at: usize) {
    #[cfg(target_arch = "x86_64")]
    for off in [0, 8, 16] {
        if let Some(p) = rows.get(at + PREFETCH_AHEAD + off) {
            // SAFETY: `p` points into `rows`; prefetching never faults or changes memory.
            #[allow(unsafe_code)]
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    (p as *const f64).cast(),
                )
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (rows, at);
}

/// Squared Euclidean distance between two rows, summed in column order.
#[inline]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let t = x - y;
        s += t * t;
    }
    s
}

/// Defines `fn $name(args) -> ret` that runs `$plain` compiled with AVX2 enabled when the CPU
/// has it, else `$plain` as built (the one home of the runtime dispatch; `$plain` should be
/// `#[inline(always)]` so each build gets its own copy). No fused multiply-add is enabled, so
/// both builds give bit-identical results.
macro_rules! avx2_dispatch {
    ($(#[$doc:meta])* fn $name:ident => $plain:ident ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        $(#[$doc])*
        fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                /// `$plain` compiled with AVX2 enabled (wider vectors, same operations).
                #[target_feature(enable = "avx2")]
                #[allow(unsafe_code)]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $plain($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2 (checked just above).
                    #[allow(unsafe_code)]
                    return unsafe { avx2($($arg),*) };
                }
            }
            $plain($($arg),*)
        }
    };
}
pub(crate) use avx2_dispatch;

avx2_dispatch! {
    /// Assigns the rows of one chunk ([`assign_chunk_plain`], AVX2 build when the CPU has it).
    fn assign_chunk => assign_chunk_plain(
        rows: &[f64],
        d: usize,
        ct: &[f64],
        k: usize,
        lab: &mut [usize],
        dd: &mut [f64],
        with_sums: bool,
    ) -> Assignment
}

/// Nearest centroid of every row of a chunk, plus the chunk's partial sums, counts, inertia.
#[inline(always)]
fn assign_chunk_plain(
    rows: &[f64],
    d: usize,
    ct: &[f64],
    k: usize,
    lab: &mut [usize],
    dd: &mut [f64],
    with_sums: bool,
) -> Assignment {
    let mut part = Assignment {
        sums: if with_sums {
            vec![0.0; k * d]
        } else {
            Vec::new()
        },
        counts: vec![0; k],
        inertia: 0.0,
        changed: 0,
    };
    // Rows in pairs (two independent distance chains), recorded in row order.
    let pairs = rows.chunks_exact(2 * d);
    let tail = pairs.remainder();
    let (lab2, lab_tail) = lab.split_at_mut(lab.len() & !1);
    let (dd2, dd_tail) = dd.split_at_mut(dd.len() & !1);
    for (i, ((xx, l), out)) in pairs
        .zip(lab2.chunks_exact_mut(2))
        .zip(dd2.chunks_exact_mut(2))
        .enumerate()
    {
        prefetch_rows(rows, i * 2 * d);
        let (x0, x1) = xx.split_at(d);
        let found = nearest2(x0, x1, ct, k);
        for (((x, (c, dist)), l), out) in [x0, x1].into_iter().zip(found).zip(l).zip(out) {
            record(&mut part, x, c, dist, l, out, with_sums);
        }
    }
    for ((x, l), out) in tail.chunks_exact(d).zip(lab_tail).zip(dd_tail) {
        let (c, dist) = nearest(x, ct, k);
        record(&mut part, x, c, dist, l, out, with_sums);
    }
    part
}

/// Stores row `x`'s label `c` and distance, and adds it to the chunk's partial results.
#[inline(always)]
fn record(
    part: &mut Assignment,
    x: &[f64],
    c: usize,
    dist: f64,
    l: &mut usize,
    out: &mut f64,
    with_sums: bool,
) {
    part.changed += usize::from(*l != c);
    *l = c;
    *out = dist;
    part.inertia += dist;
    part.counts[c] += 1;
    if with_sums {
        let d = x.len();
        for (s, v) in part.sums[c * d..(c + 1) * d].iter_mut().zip(x) {
            *s += v;
        }
    }
}

/// Result of one assignment pass.
pub(crate) struct Assignment {
    /// Per-cluster coordinate sums (`k * d`, row-major), in row order within a chunk.
    pub sums: Vec<f64>,
    /// Rows per cluster.
    pub counts: Vec<usize>,
    /// Sum of squared distances to the nearest centroid.
    pub inertia: f64,
    /// Rows whose label differs from the one `labels` held before the pass.
    pub changed: usize,
}

/// Assigns every row to its nearest centroid (first minimum on ties), writing `labels` and the
/// squared distances `dist2` and counting the rows whose label changed; with `with_sums` also
/// accumulates per-cluster sums and counts.
pub(crate) fn assign(
    data: &[f64],
    d: usize,
    centroids: &[f64],
    k: usize,
    labels: &mut [usize],
    dist2: &mut [f64],
    with_sums: bool,
) -> Assignment {
    let ct = transpose(centroids, k, d);
    let partials: Vec<Assignment> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(labels.par_chunks_mut(CHUNK_ROWS))
        .zip(dist2.par_chunks_mut(CHUNK_ROWS))
        .map(|((rows, lab), dd)| assign_chunk(rows, d, &ct, k, lab, dd, with_sums))
        .collect();
    let mut iter = partials.into_iter();
    let mut total = iter.next().unwrap_or(Assignment {
        sums: vec![0.0; if with_sums { k * d } else { 0 }],
        counts: vec![0; k],
        inertia: 0.0,
        changed: 0,
    });
    for p in iter {
        total.inertia += p.inertia;
        total.changed += p.changed;
        for (a, b) in total.counts.iter_mut().zip(&p.counts) {
            *a += b;
        }
        for (a, b) in total.sums.iter_mut().zip(&p.sums) {
            *a += b;
        }
    }
    total
}

/// Re-seeds every empty cluster with the row farthest from its current centroid (as
/// scikit-learn's `_relocate_empty_clusters`): the row leaves its cluster's sums and becomes
/// the sole member of the empty one. Rows are taken by decreasing distance (lower index first on
/// ties) and only from clusters with more than one row, so no cluster is left empty by a move.
/// Returns the number of clusters re-seeded.
pub(crate) fn relocate_empty(
    data: &[f64],
    d: usize,
    labels: &[usize],
    dist2: &[f64],
    sums: &mut [f64],
    counts: &mut [usize],
) -> usize {
    let empty: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] == 0).collect();
    if empty.is_empty() {
        return 0;
    }
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|&a, &b| dist2[b].total_cmp(&dist2[a]).then(a.cmp(&b)));
    let mut moved = 0;
    let mut candidates = order.into_iter();
    for e in empty {
        for i in candidates.by_ref() {
            let old = labels[i];
            if counts[old] > 1 {
                let x = &data[i * d..(i + 1) * d];
                for (s, v) in sums[old * d..(old + 1) * d].iter_mut().zip(x) {
                    *s -= v;
                }
                counts[old] -= 1;
                sums[e * d..(e + 1) * d].copy_from_slice(x);
                counts[e] = 1;
                moved += 1;
                break;
            }
        }
    }
    if moved > 0 {
        tracing::debug!(
            moved,
            "k-means: re-seeded empty clusters with the farthest rows"
        );
    }
    moved
}

/// Outcome of one Lloyd run.
pub(crate) struct LloydOutcome {
    pub centroids: Vec<f64>,
    pub labels: Vec<usize>,
    pub dist2: Vec<f64>,
    pub inertia: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// What one Lloyd round gives the loop: the rows whose label changed, and per cluster the sum
/// of its rows (`k * d`, row-major) and their mass (row count, or total weight).
pub(crate) struct Round {
    pub changed: usize,
    pub sums: Vec<f64>,
    pub mass: Vec<f64>,
}

/// Lloyd's loop as scikit-learn's `_kmeans_single_lloyd`: each round (`round`: assign rows to
/// the current centroids, writing `labels` and `dist2`, and total each cluster) moves each
/// centroid to `sum / mass` (a cluster of no mass keeps its centroid); it stops when the labels
/// did not change ("strict convergence"), when the centroid shift `sum_c ||c_new - c_old||^2 <=
/// tol_abs`, or after `max_iter` rounds. With `fixed_rounds` it runs exactly `max_iter` rounds.
/// Returns the centroids, labels and squared distances of the final centroids, their
/// `inertia` (computed from the squared distances), the rounds run and whether it converged.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lloyd_rounds(
    data: &[f64],
    d: usize,
    k: usize,
    mut centroids: Vec<f64>,
    max_iter: usize,
    tol_abs: f64,
    fixed_rounds: bool,
    mut round: impl FnMut(&[f64], &mut [usize], &mut [f64]) -> Round,
    inertia: impl FnOnce(&[f64]) -> f64,
) -> LloydOutcome {
    let n = data.len() / d;
    // usize::MAX: no label yet, so the first pass counts every row as changed.
    let mut labels = vec![usize::MAX; n];
    let mut dist2 = vec![0.0; n];
    let mut iterations = 0;
    let mut strict = false;
    let mut converged = false;
    for it in 0..max_iter {
        let r = round(&centroids, &mut labels, &mut dist2);
        let mut shift = 0.0;
        for c in 0..k {
            if r.mass[c] <= 0.0 {
                continue; // keep the old centroid: nothing could be moved here
            }
            for j in 0..d {
                let new = r.sums[c * d + j] / r.mass[c];
                let t = new - centroids[c * d + j];
                shift += t * t;
                centroids[c * d + j] = new;
            }
        }
        iterations = it + 1;
        if !fixed_rounds {
            if r.changed == 0 {
                strict = true;
                converged = true;
                break;
            }
            if shift <= tol_abs {
                converged = true;
                break;
            }
        }
    }
    if !strict {
        // Labels consistent with the final centroids.
        assign(data, d, &centroids, k, &mut labels, &mut dist2, false);
    }
    LloydOutcome {
        centroids,
        inertia: inertia(&dist2),
        labels,
        dist2,
        iterations,
        converged,
    }
}

/// Runs Lloyd's algorithm from `centroids` ([`lloyd_rounds`]), each centroid moved to the mean
/// of its rows (`sum / count`, sums in row order, fused into the assignment pass); an empty
/// cluster is re-seeded with the farthest row ([`relocate_empty`]). The inertia is that of the
/// final centroids.
pub(crate) fn lloyd(
    data: &[f64],
    d: usize,
    k: usize,
    centroids: Vec<f64>,
    max_iter: usize,
    tol_abs: f64,
    fixed_rounds: bool,
) -> LloydOutcome {
    lloyd_rounds(
        data,
        d,
        k,
        centroids,
        max_iter,
        tol_abs,
        fixed_rounds,
        |centroids, labels, dist2| {
            let mut a = assign(data, d, centroids, k, labels, dist2, true);
            relocate_empty(data, d, labels, dist2, &mut a.sums, &mut a.counts);
            Round {
                changed: a.changed,
                sums: a.sums,
                mass: a.counts.iter().map(|&c| c as f64).collect(),
            }
        },
        ordered_sum,
    )
}

/// Sum of `values` with the fixed chunking of [`CHUNK_ROWS`]: chunk partials in parallel,
/// combined in order.
pub(crate) fn ordered_sum(values: &[f64]) -> f64 {
    let partials: Vec<f64> = values
        .par_chunks(CHUNK_ROWS)
        .map(|c| c.iter().sum())
        .collect();
    partials.iter().sum()
}

//! Exact nearest-neighbour search by brute force: every row's squared Euclidean distance to the
//! query, computed in `f32` with the top `n` kept as the scan goes (no distance array), in a
//! build with AVX2 where the CPU has it. [`NeighbourIndex::all_nearest`] answers every row of the
//! index in parallel (rayon), in tiles of rows that stay in cache while a group of queries is
//! compared with them.
//!
//! Exact search is fast enough for the sizes a music library reaches (one query over 1,000,000
//! rows of 32 dimensions reads 128 MB: memory bound); `cargo xtask bench-similar` measures it.

use rayon::prelude::*;

use crate::lloyd::avx2_dispatch;
use crate::table::RowMatrix;
use crate::KMeansError;

/// Lanes of the distance kernel: rows are stored padded with zeros to a multiple of this.
const LANES: usize = 8;
/// Queries compared with a block of rows while it is in registers.
const QUERY_BLOCK: usize = 8;
/// Queries that share one pass over a tile of rows ([`NeighbourIndex::all_nearest`]).
const QUERY_GROUP: usize = 64;
/// Bytes of rows in one tile (about a core's L2 cache).
const TILE_BYTES: usize = 256 << 10;

/// One neighbour: a row of the index and its Euclidean distance to the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// The row of the index.
    pub row: usize,
    /// Euclidean distance (computed in `f32`).
    pub distance: f64,
}

/// Rows (vectors of one dimension) searched exactly for the nearest ones to a query.
///
/// ```
/// use kmeans::{NeighbourIndex, RowMatrix};
///
/// let points = RowMatrix::from_row_major(&[0.0, 0.0, 1.0, 0.0, 5.0, 5.0, 0.0, 2.0], 2)?;
/// let index = NeighbourIndex::new(&points);
/// let near = index.nearest(&[0.1, 0.0], 2, &[])?;
/// assert_eq!(near.iter().map(|n| n.row).collect::<Vec<_>>(), [0, 1]);
/// // Every row's nearest other row.
/// let all = index.all_nearest(1);
/// assert_eq!(all[2][0].row, 3);
/// # Ok::<(), kmeans::KMeansError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NeighbourIndex {
    dim: usize,
    /// Values per stored row: `dim` rounded up to [`LANES`].
    stride: usize,
    rows: usize,
    data: Vec<f32>,
}

/// The `n` smallest `(squared distance, row)` seen, sorted; ties keep the lower row.
#[derive(Debug, Clone)]
struct TopN {
    n: usize,
    items: Vec<(f32, usize)>,
    worst: f32,
}

impl TopN {
    fn new(n: usize) -> Self {
        TopN {
            n,
            items: Vec::with_capacity(n + 1),
            worst: if n == 0 {
                f32::NEG_INFINITY
            } else {
                f32::INFINITY
            },
        }
    }

    /// Offers a row (rows are offered in increasing order, so an equal distance never wins).
    #[inline(always)]
    fn offer(&mut self, d: f32, row: usize) {
        if d < self.worst || (self.items.len() < self.n && d <= self.worst) {
            let at = self.items.partition_point(|&(e, _)| e <= d);
            self.items.insert(at, (d, row));
            if self.items.len() > self.n {
                self.items.pop();
            }
            if self.items.len() == self.n {
                self.worst = self.items[self.n - 1].0;
            }
        }
    }

    fn merge(mut self, other: TopN) -> TopN {
        for (d, row) in other.items {
            self.offer_any(d, row);
        }
        self
    }

    /// Offers a row in any order (ties broken by row).
    fn offer_any(&mut self, d: f32, row: usize) {
        let at = self
            .items
            .partition_point(|&(e, r)| e < d || (e == d && r < row));
        if at < self.n {
            self.items.insert(at, (d, row));
            self.items.truncate(self.n);
            if self.items.len() == self.n {
                self.worst = self.items[self.n - 1].0;
            }
        }
    }

    /// The first `n` neighbours that are not in `exclude`.
    fn finish_without(self, exclude: &[usize], n: usize) -> Vec<Neighbour> {
        let mut out = self.finish();
        out.retain(|nb| !exclude.contains(&nb.row));
        out.truncate(n);
        out
    }

    fn finish(self) -> Vec<Neighbour> {
        self.items
            .into_iter()
            .map(|(d, row)| Neighbour {
                row,
                distance: f64::from(d.max(0.0)).sqrt(),
            })
            .collect()
    }
}

/// Squared distance of two padded rows, in [`LANES`] partial sums added in a fixed order.
#[inline(always)]
fn sq_dist_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    for (x, y) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        for l in 0..LANES {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    ((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7))
}

/// Offers the rows of `tile` (first row `first`, `stride` values each) to one query's top.
#[inline(always)]
fn scan_plain(tile: &[f32], stride: usize, first: usize, query: &[f32], top: &mut TopN) {
    for (i, row) in tile.chunks_exact(stride).enumerate() {
        let d = sq_dist_f32(row, query);
        if d < top.worst || top.items.len() < top.n {
            top.offer(d, first + i);
        }
    }
}

avx2_dispatch! {
    /// One query against a tile of rows ([`scan_plain`], AVX2 build when the CPU has it).
    fn scan => scan_plain(tile: &[f32], stride: usize, first: usize, query: &[f32], top: &mut TopN)
}

/// Squared distances of [`QUERY_BLOCK`] queries to the [`LANES`] rows of one transposed block
/// (`block[j * LANES + l]` is dimension `j` of the block's row `l`): one vector of lanes per
/// query, summed over the dimensions in order, with no horizontal sum.
#[inline(always)]
fn block_distances(block: &[f32], queries: &[f32], stride: usize) -> [[f32; LANES]; QUERY_BLOCK] {
    let mut acc = [[0f32; LANES]; QUERY_BLOCK];
    for (j, lanes) in block.chunks_exact(LANES).enumerate() {
        let lanes: &[f32; LANES] = lanes.try_into().expect("a block holds whole lanes");
        for (k, sums) in acc.iter_mut().enumerate() {
            let q = queries[k * stride + j];
            for l in 0..LANES {
                let t = lanes[l] - q;
                sums[l] += t * t;
            }
        }
    }
    acc
}

/// Offers the rows of transposed `blocks` (each [`LANES`] rows of `dim` values; the first row
/// `first`, rows from `rows` on are padding) to [`QUERY_BLOCK`] queries (`queries`, `stride`
/// values each; `tops` may be fewer, the rest are padding); a query's own row (`own`) is never
/// its neighbour. Rows are offered in increasing order.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn scan_blocks_plain(
    blocks: &[f32],
    dim: usize,
    first: usize,
    rows: usize,
    queries: &[f32],
    stride: usize,
    own: &[usize],
    tops: &mut [TopN],
) {
    for (b, block) in blocks.chunks_exact(dim * LANES).enumerate() {
        let acc = block_distances(block, queries, stride);
        let base = first + b * LANES;
        for (k, top) in tops.iter_mut().enumerate() {
            let d = &acc[k];
            let full = top.items.len() >= top.n;
            if full && d.iter().all(|&x| x >= top.worst) {
                continue;
            }
            for (l, &x) in d.iter().enumerate() {
                let r = base + l;
                if r < rows && (x < top.worst || top.items.len() < top.n) && own[k] != r {
                    top.offer(x, r);
                }
            }
        }
    }
}

avx2_dispatch! {
    /// Several queries against transposed blocks of rows ([`scan_blocks_plain`], AVX2 when
    /// available).
    #[allow(clippy::too_many_arguments)]
    fn scan_blocks => scan_blocks_plain(
        blocks: &[f32],
        dim: usize,
        first: usize,
        rows: usize,
        queries: &[f32],
        stride: usize,
        own: &[usize],
        tops: &mut [TopN],
    )
}

impl NeighbourIndex {
    /// An index of the rows of `data` (stored as `f32`).
    pub fn new(data: &RowMatrix) -> Self {
        let dim = data.n_cols();
        let stride = dim.div_ceil(LANES).max(1) * LANES;
        let rows = data.n_rows();
        let mut values = vec![0f32; rows * stride];
        for (i, out) in values.chunks_exact_mut(stride).enumerate() {
            for (o, &x) in out.iter_mut().zip(data.row(i)) {
                *o = x as f32;
            }
        }
        NeighbourIndex {
            dim,
            stride,
            rows,
            data: values,
        }
    }

    /// An index of `values`, `dim` per row, row-major (e.g. a benchmark's random vectors).
    ///
    /// Errors: [`KMeansError::Ragged`] if the length is not a multiple of `dim`.
    pub fn from_f32(values: &[f32], dim: usize) -> Result<Self, KMeansError> {
        if dim == 0 || !values.len().is_multiple_of(dim) {
            return Err(KMeansError::Ragged {
                values: values.len(),
                n_cols: dim,
            });
        }
        let stride = dim.div_ceil(LANES) * LANES;
        let rows = values.len() / dim;
        let data = if stride == dim {
            values.to_vec()
        } else {
            let mut data = vec![0f32; rows * stride];
            for (out, row) in data.chunks_exact_mut(stride).zip(values.chunks_exact(dim)) {
                out[..dim].copy_from_slice(row);
            }
            data
        };
        Ok(NeighbourIndex {
            dim,
            stride,
            rows,
            data,
        })
    }

    /// Rows in the index.
    pub fn n_rows(&self) -> usize {
        self.rows
    }

    /// Dimensions of a row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    fn padded(&self, query: &[f64]) -> Result<Vec<f32>, KMeansError> {
        if query.len() != self.dim {
            return Err(KMeansError::ColumnCount {
                fitted: "neighbour index",
                expected: self.dim,
                found: query.len(),
            });
        }
        let mut q = vec![0f32; self.stride];
        for (o, &x) in q.iter_mut().zip(query) {
            *o = x as f32;
        }
        Ok(q)
    }

    /// The `n` rows nearest to `query` (closest first; equal distances by row), leaving out the
    /// rows in `exclude`. One core.
    ///
    /// Errors: [`KMeansError::ColumnCount`] if the query does not have [`dim`](Self::dim) values.
    pub fn nearest(
        &self,
        query: &[f64],
        n: usize,
        exclude: &[usize],
    ) -> Result<Vec<Neighbour>, KMeansError> {
        let q = self.padded(query)?;
        // Ask for enough to drop the excluded rows afterwards.
        let mut top = TopN::new(n + exclude.len());
        scan(&self.data, self.stride, 0, &q, &mut top);
        Ok(top.finish_without(exclude, n))
    }

    /// The `n` rows nearest to the mean of `seeds` (each of [`dim`](Self::dim) values), leaving
    /// out the rows in `exclude`: under Euclidean distance, the rows with the least sum of
    /// squared distances to all the seeds.
    ///
    /// Errors: [`KMeansError::NoRows`] without seeds, [`KMeansError::ColumnCount`] for a seed of
    /// another length.
    pub fn nearest_to_all(
        &self,
        seeds: &[Vec<f64>],
        n: usize,
        exclude: &[usize],
    ) -> Result<Vec<Neighbour>, KMeansError> {
        let Some(first) = seeds.first() else {
            return Err(KMeansError::NoRows);
        };
        let mut mean = vec![0.0; first.len()];
        for seed in seeds {
            if seed.len() != mean.len() {
                return Err(KMeansError::ColumnCount {
                    fitted: "neighbour index",
                    expected: self.dim,
                    found: seed.len(),
                });
            }
            for (m, x) in mean.iter_mut().zip(seed) {
                *m += x / seeds.len() as f64;
            }
        }
        self.nearest(&mean, n, exclude)
    }

    /// The rows in blocks of [`LANES`] with the dimensions outermost (`[block][dim][lane]`), the
    /// last block padded with zero rows: the layout [`scan_blocks`] reads.
    /// A row of no dimensions is stored as one zero.
    fn transposed_blocks(&self) -> Vec<f32> {
        let dim = self.block_dim();
        let blocks = self.rows.div_ceil(LANES);
        let mut out = vec![0f32; blocks * dim * LANES];
        for (i, row) in self.data.chunks_exact(self.stride).enumerate() {
            let block = &mut out[(i / LANES) * dim * LANES..][..dim * LANES];
            for (j, &x) in row[..dim].iter().enumerate() {
                block[j * LANES + i % LANES] = x;
            }
        }
        out
    }

    /// Dimensions of a row in [`transposed_blocks`](Self::transposed_blocks) (at least one).
    fn block_dim(&self) -> usize {
        self.dim.max(1)
    }

    /// Each row's `n` nearest other rows (closest first), on every core of the current rayon
    /// pool. The result does not depend on the number of threads.
    ///
    /// Queries go in groups that share one pass over a cache-sized tile of rows; inside, a
    /// kernel compares 8 queries with 8 rows at a time, the rows stored
    /// transposed so that no horizontal sum is needed.
    pub fn all_nearest(&self, n: usize) -> Vec<Vec<Neighbour>> {
        let blocks = self.transposed_blocks();
        let dim = self.block_dim();
        let block_len = dim * LANES;
        let tile_blocks = (TILE_BYTES / (block_len * 4)).max(1);
        let groups: Vec<Vec<Vec<Neighbour>>> = self
            .data
            .par_chunks(QUERY_GROUP * self.stride)
            .enumerate()
            .map(|(g, queries)| {
                let first_query = g * QUERY_GROUP;
                let n_queries = queries.len() / self.stride;
                let mut tops: Vec<TopN> = (0..n_queries).map(|_| TopN::new(n)).collect();
                let own: Vec<usize> = (first_query..first_query + n_queries).collect();
                // The group's queries padded to whole kernel blocks (padding is never offered).
                let mut padded = queries.to_vec();
                padded.resize(
                    n_queries.div_ceil(QUERY_BLOCK) * QUERY_BLOCK * self.stride,
                    0.0,
                );
                for (t, tile) in blocks.chunks(tile_blocks * block_len).enumerate() {
                    let first = t * tile_blocks * LANES;
                    for ((qb, ob), tb) in padded
                        .chunks(QUERY_BLOCK * self.stride)
                        .zip(own.chunks(QUERY_BLOCK))
                        .zip(tops.chunks_mut(QUERY_BLOCK))
                    {
                        scan_blocks(tile, dim, first, self.rows, qb, self.stride, ob, tb);
                    }
                }
                tops.into_iter().map(TopN::finish).collect()
            })
            .collect();
        groups.into_iter().flatten().collect()
    }

    /// [`nearest`](Self::nearest) with the rows split over the current rayon pool (for one
    /// query over a very large index).
    pub fn nearest_parallel(
        &self,
        query: &[f64],
        n: usize,
        exclude: &[usize],
    ) -> Result<Vec<Neighbour>, KMeansError> {
        let q = self.padded(query)?;
        let want = n + exclude.len();
        let chunk_rows = 1 << 16;
        let top = self
            .data
            .par_chunks(chunk_rows * self.stride)
            .enumerate()
            .map(|(c, rows)| {
                let mut top = TopN::new(want);
                scan(rows, self.stride, c * chunk_rows, &q, &mut top);
                top
            })
            .reduce(|| TopN::new(want), TopN::merge);
        Ok(top.finish_without(exclude, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random(n: usize, d: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n * d)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    /// Every row's neighbours by sorting all distances (f64), the naive answer.
    fn naive(data: &[f64], d: usize, q: &[f64], n: usize, skip: Option<usize>) -> Vec<usize> {
        let mut all: Vec<(f64, usize)> = data
            .chunks_exact(d)
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(i, r)| (r.iter().zip(q).map(|(a, b)| (a - b).powi(2)).sum(), i))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        all.into_iter().take(n).map(|(_, i)| i).collect()
    }

    #[test]
    fn exact_search_matches_sorting_every_distance() {
        for (n_rows, d) in [(1, 3), (7, 1), (300, 5), (1000, 32), (517, 13)] {
            let data = random(n_rows, d, n_rows as u64);
            let m = RowMatrix::from_row_major(&data, d).unwrap();
            let index = NeighbourIndex::new(&m);
            let q = random(1, d, 99);
            let got: Vec<usize> = index
                .nearest(&q, 10, &[])
                .unwrap()
                .iter()
                .map(|x| x.row)
                .collect();
            assert_eq!(got, naive(&data, d, &q, 10, None), "{n_rows} x {d}");
            let par: Vec<usize> = index
                .nearest_parallel(&q, 10, &[])
                .unwrap()
                .iter()
                .map(|x| x.row)
                .collect();
            assert_eq!(par, got);
            let all = index.all_nearest(3);
            assert_eq!(all.len(), n_rows);
            for (i, nb) in all.iter().enumerate().step_by(37) {
                let rows: Vec<usize> = nb.iter().map(|x| x.row).collect();
                assert_eq!(rows, naive(&data, d, &data[i * d..(i + 1) * d], 3, Some(i)));
            }
        }
    }

    #[test]
    fn every_row_matches_sorting_at_the_edges_of_blocks_and_query_groups() {
        // Row counts around the blocks of 8 rows, 8 queries and 64-query groups; widths below,
        // at and above one lane of 8, and n above the other rows' count.
        for (n_rows, d, n) in [(2, 1, 5), (9, 1, 3), (17, 33, 4), (65, 8, 6), (130, 16, 10)] {
            let data = random(n_rows, d, 7 + n_rows as u64);
            let index = NeighbourIndex::new(&RowMatrix::from_row_major(&data, d).unwrap());
            let all = index.all_nearest(n);
            assert_eq!(all.len(), n_rows);
            for (i, nb) in all.iter().enumerate() {
                let rows: Vec<usize> = nb.iter().map(|x| x.row).collect();
                let q = &data[i * d..(i + 1) * d];
                assert_eq!(
                    rows,
                    naive(&data, d, q, n, Some(i)),
                    "{n_rows} x {d}, row {i}"
                );
                for x in nb {
                    let exact: f64 = data[x.row * d..(x.row + 1) * d]
                        .iter()
                        .zip(q)
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    assert!(
                        (x.distance - exact).abs() < 1e-5,
                        "{} vs {exact}",
                        x.distance
                    );
                }
            }
        }
        assert!(
            NeighbourIndex::new(&RowMatrix::from_row_major(&[1.0, 2.0], 2).unwrap())
                .all_nearest(0)
                .iter()
                .all(Vec::is_empty)
        );
    }

    #[test]
    fn distances_are_euclidean_and_exclusions_are_left_out() {
        let m = RowMatrix::from_row_major(&[0.0, 0.0, 3.0, 4.0, 6.0, 8.0], 2).unwrap();
        let index = NeighbourIndex::new(&m);
        let near = index.nearest(&[0.0, 0.0], 5, &[0]).unwrap();
        assert_eq!(near.len(), 2);
        assert_eq!(near[0].row, 1);
        assert!((near[0].distance - 5.0).abs() < 1e-6);
        assert!((near[1].distance - 10.0).abs() < 1e-6);
        assert!(index.nearest(&[0.0], 1, &[]).is_err());
        assert!(NeighbourIndex::from_f32(&[1.0, 2.0, 3.0], 2).is_err());
    }

    #[test]
    fn several_seeds_rank_by_the_sum_of_squared_distances() {
        let data = random(200, 4, 11);
        let index = NeighbourIndex::new(&RowMatrix::from_row_major(&data, 4).unwrap());
        let seeds = vec![
            data[0..4].to_vec(),
            data[4..8].to_vec(),
            data[8..12].to_vec(),
        ];
        let got: Vec<usize> = index
            .nearest_to_all(&seeds, 5, &[0, 1, 2])
            .unwrap()
            .iter()
            .map(|x| x.row)
            .collect();
        let mut sums: Vec<(f64, usize)> = data
            .chunks_exact(4)
            .enumerate()
            .skip(3)
            .map(|(i, r)| {
                let s = seeds
                    .iter()
                    .map(|q| r.iter().zip(q).map(|(a, b)| (a - b).powi(2)).sum::<f64>())
                    .sum();
                (s, i)
            })
            .collect();
        sums.sort_by(|a, b| a.0.total_cmp(&b.0));
        let expected: Vec<usize> = sums.iter().take(5).map(|x| x.1).collect();
        assert_eq!(got, expected);
        assert!(index.nearest_to_all(&[], 5, &[]).is_err());
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let data = random(700, 9, 5);
        let index = NeighbourIndex::new(&RowMatrix::from_row_major(&data, 9).unwrap());
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| index.all_nearest(4))
        };
        assert_eq!(run(1), run(4));
    }
}

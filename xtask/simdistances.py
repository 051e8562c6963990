"""Distance transforms for sound-alike search, measured on `cargo xtask bench-similar`'s tables.

  python xtask/simdistances.py target/bench-similar/manifest.csv \\
      target/bench-similar/sound.parquet CHROMACLUSTER WORKDIR

Run `cargo xtask bench-similar --only eval ...` first (it writes the manifest and the table).
Per pool, the distances are the binary's own: `similar POOL_TABLE -n ROWS-1` lists every
file's distance to every other in the space `similar` fits on that pool, and purity@5 is scored
as xtask/simbench.py scores it (its `purity_of_distances`). Compared: those Euclidean distances
(what `similar` ranks by), cosine, and the hubness reductions known to help k-nearest-neighbour search
on music, applied to them: mutual proximity (Schnitzer et al. 2012; Gaussian and empirical),
local scaling (Zelnik-Manor and Perona 2004; sigma = distance to the k-th neighbour) and CSLS
(Lample et al. 2018). Results: docs/similarity.md.
"""
import os
import subprocess
import sys

import numpy as np
import polars as pl
from scipy.stats import norm

from simbench import purity_of_distances


def binary_distances(binary, table, files, work, name):
    """The full distance matrix between `files` (the rows of `table`) from `similar`."""
    pool_table = os.path.join(work, f"distances-{name}.parquet")
    table.filter(pl.col("file").is_in(files)).write_parquet(pool_table)
    out = os.path.join(work, f"distances-{name}.csv")
    n = len(files)
    subprocess.run([binary, "similar", pool_table, "-n", str(n - 1), "-o", out, "-q"], check=True)
    index = {f: i for i, f in enumerate(files)}
    D = np.zeros((n, n))
    for f, g, d in pl.read_csv(out).select("file", "neighbour", "distance").iter_rows():
        D[index[f], index[g]] = d
    return D


def cosine(D):
    """1 - cosine of the positions' angle. The positions are centred (the space subtracts the
    table's mean before projecting), so their inner products are the double-centred squared
    distances' (classical scaling), exactly."""
    n = len(D)
    J = np.eye(n) - 1.0 / n
    G = -0.5 * J @ (D**2) @ J
    norms = np.sqrt(np.maximum(np.diag(G), 1e-300))
    return 1 - G / np.outer(norms, norms)


def mutual_proximity_gauss(D):
    M = D.copy()
    np.fill_diagonal(M, np.nan)
    mu, sd = np.nanmean(M, 1), np.nanstd(M, 1)
    return 1 - norm.sf(D, mu[:, None], sd[:, None]) * norm.sf(D, mu[None, :], sd[None, :])


def mutual_proximity_empirical(D):
    n = len(D)
    out = np.zeros_like(D)
    for i in range(n):
        for j in range(i + 1, n):
            others = np.ones(n, bool)
            others[[i, j]] = False
            shared = np.mean((D[i, others] > D[i, j]) & (D[j, others] > D[i, j]))
            out[i, j] = out[j, i] = 1 - shared
    return out


def local_scaling(D, k):
    sigma = np.sort(D, 1)[:, k]
    return D**2 / np.outer(sigma, sigma)


def csls(D, k):
    M = D.copy()
    np.fill_diagonal(M, np.inf)
    r = np.sort(M, 1)[:, :k].mean(1)
    return 2 * D - r[:, None] - r[None, :]


def main():
    manifest, table_path, binary, work = sys.argv[1:5]
    manifest, table = pl.read_csv(manifest), pl.read_parquet(table_path)
    info = {f: (l, h, s) for f, l, h, s in manifest.select("file", "label", "half", "source").iter_rows()}
    files = [f for f in table["file"].to_list() if f in info]
    pools = {
        "dev": [f for f in files if info[f][1] == "dev"],
        "report": [f for f in files if info[f][1] == "report"],
        "all": files,
        "game": [f for f in files if info[f][2] == "debian"],
    }
    rows = {}
    for name, pool in pools.items():
        D = binary_distances(binary, table, pool, work, name)
        labels = np.array([info[f][0] for f in pool])
        for method, M in (
            ("Euclidean (similar)", D),
            ("cosine", cosine(D)),
            ("mutual proximity, Gaussian", mutual_proximity_gauss(D)),
            ("mutual proximity, empirical", mutual_proximity_empirical(D)),
            ("local scaling, k = 5", local_scaling(D, 5)),
            ("local scaling, k = 7", local_scaling(D, 7)),
            ("CSLS, k = 5", csls(D, 5)),
            ("CSLS, k = 10", csls(D, 10)),
        ):
            rows.setdefault(method, []).append(purity_of_distances(M, labels).mean())
    print("| distance | " + " | ".join(pools) + " |")
    print("|---" * (len(pools) + 1) + "|")
    for method, values in rows.items():
        print(f"| {method} | " + " | ".join(f"{v:.3f}" for v in values) + " |")


if __name__ == "__main__":
    main()

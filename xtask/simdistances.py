"""Distance transforms for sound-alike search, measured on `cargo xtask bench-similar`'s tables.

  python xtask/simdistances.py target/bench-similar/manifest.csv target/bench-similar/sound.parquet

Run `cargo xtask bench-similar --only eval ...` first (it writes both files). The space is the
one `similar` fits (each column z-scored on the pool, weighted by 1/sqrt(columns in its group),
the first 32 principal axes), refitted on each pool; purity@5 is leave-one-out, as
xtask/simbench.py scores it (labels with >= 6 files are queries). Compared: Euclidean (what
`similar` uses), cosine, and the hubness reductions known to help k-nearest-neighbour search
on music: mutual proximity (Schnitzer et al. 2012; Gaussian and empirical), local scaling
(Zelnik-Manor and Perona 2004; sigma = distance to the k-th neighbour) and CSLS (Lample et al.
2018). Results: docs/similarity.md.
"""
import sys
from collections import Counter

import numpy as np
import polars as pl
from scipy.stats import norm

GROUP_PREFIXES = (
    ("texture_", "texture"), ("ltas_", "spectrum"), ("flatness_", "flatness"),
    ("loudness_", "loudness"), ("frame_level", "loudness"), ("silent_", "loudness"),
    ("onset_", "rhythm"), ("tempo_", "rhythm"), ("pulse_", "rhythm"),
    ("interval_", "harmony"), ("triad_", "harmony"),
)
TIMBRE_SUFFIXES = ("_mean", "_std")


def group(column):
    for prefix, name in GROUP_PREFIXES:
        if column.startswith(prefix):
            return name
    return "timbre" if column.endswith(TIMBRE_SUFFIXES) else None


def space(X, groups, axes=32):
    mu, sd = X.mean(0), X.std(0)
    sd = np.where(sd < 1e-12, 1.0, sd)
    count = Counter(groups)
    Z = (X - mu) / sd * np.array([1 / np.sqrt(count[g]) for g in groups])
    Z -= Z.mean(0)
    _, _, vt = np.linalg.svd(Z, full_matrices=False)
    return Z @ vt[: min(axes, len(Z) - 1)].T


def purity(D, labels, k=5):
    D = D.copy()
    np.fill_diagonal(D, np.inf)
    names, counts = np.unique(labels, return_counts=True)
    queries = np.where(np.isin(labels, names[counts >= 6]))[0]
    nearest = np.argsort(D[queries], 1, kind="stable")[:, :k]
    return (labels[nearest] == labels[queries][:, None]).mean(1)


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
    manifest, table = pl.read_csv(sys.argv[1]), pl.read_parquet(sys.argv[2])
    table = table.filter(pl.col("file").is_in(manifest["file"].to_list()))
    columns = [c for c in table.columns if table[c].dtype == pl.Float64 and group(c)]
    groups = [group(c) for c in columns]
    print(f"{len(columns)} columns: {dict(Counter(groups))}")
    info = {f: (l, h, s) for f, l, h, s in manifest.select("file", "label", "half", "source").iter_rows()}
    files = table["file"].to_list()
    labels = np.array([info[f][0] for f in files])
    half = np.array([info[f][1] for f in files])
    source = np.array([info[f][2] for f in files])
    X = table.select(columns).to_numpy().astype(float)
    pools = {"dev": half == "dev", "report": half == "report", "all": np.ones(len(files), bool),
             "game": source == "debian"}
    print("| distance | " + " | ".join(pools) + " |")
    print("|---" * (len(pools) + 1) + "|")
    rows = {}
    for pool, mask in pools.items():
        Y = space(X[mask], groups)
        D = np.sqrt(np.maximum(((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1), 0))
        unit = Y / np.linalg.norm(Y, axis=1, keepdims=True)
        l = labels[mask]
        for name, M in (
            ("Euclidean (similar)", D),
            ("cosine", 1 - unit @ unit.T),
            ("mutual proximity, Gaussian", mutual_proximity_gauss(D)),
            ("mutual proximity, empirical", mutual_proximity_empirical(D)),
            ("local scaling, k = 5", local_scaling(D, 5)),
            ("local scaling, k = 7", local_scaling(D, 7)),
            ("CSLS, k = 5", csls(D, 5)),
            ("CSLS, k = 10", csls(D, 10)),
        ):
            rows.setdefault(name, []).append(purity(M, l).mean())
    for name, values in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values) + " |")


if __name__ == "__main__":
    main()

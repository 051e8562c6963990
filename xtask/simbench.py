"""The sound-alike evaluation of `cargo xtask bench-similar` (xtask/src/similar.rs).

  python simbench.py MANIFEST.csv SOUND_TABLE.parquet CHROMACLUSTER WORKDIR

MANIFEST.csv: `file, rel, label, source, half` (written by the xtask: Debian's game music by
package, the shared corpus's real recordings by SOURCE.md's label). SOUND_TABLE: `notes --sound`
of those files. Every figure below is computed in this run, the librosa baseline included:

- purity@5: leave-one-out share of each query's 5 nearest files (in the pool, itself excluded)
  that carry its label; a label is scored (its files are queries) when it has >= 6 files in the
  pool, smaller labels stay as distractors. Mean over queries, 95% percentile bootstrap interval
  (2000 resamples over queries, seed 0), and the paired difference to librosa with its interval.
  chromacluster's neighbours come from the binary itself (`similar TABLE -n 5`, on a table of
  the pool's rows: the space is fitted on the pool, without labels).
- ARI of `cluster --by sound -k K` (the binary, 20 seeds: mean and std) on the game pool (k = 4
  soundtracks, every file scored) and on everything (k = scored labels); librosa: scikit-learn
  KMeans (k-means++, n_init 10, the same 20 seeds) on its z-scored features.
- The librosa baseline: librosa.load(sr=22050, mono), MFCC 20 mean and std, chroma_stft mean,
  spectral_contrast mean (59 columns), z-scored on the pool, Euclidean.
- Pools: all files, the report half (the research chose the recipe on the dev half), the game
  tracks.
"""
import os
import subprocess
import sys
import time

import numpy as np
import polars as pl

MIN_LABEL = 6
K = 5
SEEDS = 20


def boot_ci(v, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(v), (n, len(v)))
    m = v[idx].mean(1)
    return float(np.percentile(m, 2.5)), float(np.percentile(m, 97.5))


def scored(labels):
    u, c = np.unique(labels, return_counts=True)
    big = set(u[c >= MIN_LABEL])
    return np.array([l in big for l in labels])


def librosa_vec(path):
    import librosa

    y, sr = librosa.load(path, sr=22050, mono=True)
    S = np.abs(librosa.stft(y, n_fft=2048, hop_length=512))
    mf = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)
    ch = librosa.feature.chroma_stft(S=S**2, sr=sr)
    co = librosa.feature.spectral_contrast(S=S, sr=sr)
    return np.concatenate([mf.mean(1), mf.std(1), ch.mean(1), co.mean(1)])


def purity_of_distances(D, labels):
    """Per scored query, the share of its K nearest (itself excluded) that carry its label."""
    D = np.array(D, dtype=float)
    np.fill_diagonal(D, np.inf)
    q = np.where(scored(labels))[0]
    nn = np.argsort(D[q], axis=1, kind="stable")[:, :K]
    return (labels[nn] == labels[q][:, None]).mean(1)


def librosa_purity(X, labels):
    mu, sd = X.mean(0), X.std(0)
    Z = (X - mu) / np.where(sd > 1e-12, sd, 1.0)
    D = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1)
    return purity_of_distances(D, labels), Z


def ours_purity(binary, table, files, labels, work):
    out = os.path.join(work, "neighbours.csv")
    subprocess.run([binary, "similar", table, "-n", str(K), "-o", out, "-q"], check=True)
    n = pl.read_csv(out)
    label_of = dict(zip(files, labels))
    q = np.where(scored(labels))[0]
    p = []
    for i in q:
        rows = n.filter(pl.col("file") == files[i]).sort("rank")
        assert rows.height == K, (files[i], rows.height)
        p.append(np.mean([label_of[f] == labels[i] for f in rows["neighbour"]]))
    return np.array(p)


def ours_ari(binary, table, files, labels, work, k, mask):
    from sklearn.metrics import adjusted_rand_score

    out = os.path.join(work, "clusters.csv")
    aris = []
    for s in range(SEEDS):
        subprocess.run(
            [binary, "cluster", table, "--by", "sound", "-k", str(k), "--seed", str(s), "-o", out, "-q"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        c = pl.read_csv(out)
        cl = dict(zip(c["file"], c["cluster"]))
        pred = np.array([cl[f] for f in files])
        aris.append(adjusted_rand_score(labels[mask], pred[mask]))
    return float(np.mean(aris)), float(np.std(aris))


def librosa_ari(Z, labels, k, mask):
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    aris = [
        adjusted_rand_score(labels[mask], KMeans(n_clusters=k, n_init=10, random_state=s).fit(Z).labels_[mask])
        for s in range(SEEDS)
    ]
    return float(np.mean(aris)), float(np.std(aris))


def main():
    manifest, table_path, binary, work = sys.argv[1:5]
    man = pl.read_csv(manifest)
    table = pl.read_parquet(table_path)
    # The table's file labels are the manifest's paths.
    table = table.filter(pl.col("file").is_in(man["file"].to_list()))
    man = man.filter(pl.col("file").is_in(table["file"].to_list()))
    t0 = time.time()
    lib = {f: librosa_vec(f) for f in man["file"]}
    print(f"librosa features of {man.height} files: {time.time() - t0:.0f} s", flush=True)
    pools = {
        "all": np.ones(man.height, bool),
        "report half": (man["half"] == "report").to_numpy(),
        "game tracks": (man["source"] == "debian").to_numpy(),
    }
    print()
    print("| pool | scored queries | sound v1, 32 axes (chromacluster) | librosa baseline | difference (paired) |")
    print("|---|---|---|---|---|")
    for name, m in pools.items():
        files = man["file"].to_numpy()[m]
        labels = man["label"].to_numpy()[m]
        pool_table = os.path.join(work, f"pool-{name.replace(' ', '-')}.parquet")
        table.filter(pl.col("file").is_in(list(files))).write_parquet(pool_table)
        sub = pl.read_parquet(pool_table)
        order = {f: i for i, f in enumerate(sub["file"])}
        files = np.array(sorted(files, key=lambda f: order[f]))
        labels = np.array([dict(zip(man["file"], man["label"]))[f] for f in files])
        if not scored(labels).any():
            print(f"| {name} | 0 | (no label with {MIN_LABEL} files) | | |")
            continue
        p = ours_purity(binary, pool_table, list(files), labels, work)
        lp, _ = librosa_purity(np.array([lib[f] for f in files]), labels)
        lo, hi = boot_ci(p)
        llo, lhi = boot_ci(lp)
        d = p - lp
        dlo, dhi = boot_ci(d)
        print(
            f"| {name} | {len(p)} | {p.mean():.3f} [{lo:.2f}, {hi:.2f}] | {lp.mean():.3f} [{llo:.2f}, {lhi:.2f}] "
            f"| {d.mean():+.3f} [{dlo:+.2f}, {dhi:+.2f}] |",
            flush=True,
        )
    print()
    print("| pool | k | ARI, cluster --by sound (20 seeds) | ARI, librosa + k-means (20 seeds) |")
    print("|---|---|---|---|")
    for name, every in (("game tracks", True), ("all", False)):
        m = pools[name]
        files = man["file"].to_numpy()[m]
        pool_table = os.path.join(work, f"pool-{name.replace(' ', '-')}.parquet")
        sub = pl.read_parquet(pool_table)
        files = np.array(sub["file"].to_list())
        labels = np.array([dict(zip(man["file"], man["label"]))[f] for f in files])
        mask = np.ones(len(files), bool) if every else scored(labels)
        k = len(np.unique(labels[mask]))
        a, asd = ours_ari(binary, pool_table, list(files), labels, work, k, mask)
        _, Z = librosa_purity(np.array([lib[f] for f in files]), labels)
        la, lasd = librosa_ari(Z, labels, k, mask)
        print(f"| {name} | {k} | {a:.2f} ± {asd:.2f} | {la:.2f} ± {lasd:.2f} |", flush=True)


if __name__ == "__main__":
    main()

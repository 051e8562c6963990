"""Key benchmark: chromacluster against Essentia's KeyExtractor and librosa on the same files.

Run through `cargo xtask keybench [DIR]`, which writes the labelled set, times chromacluster
(`--jobs 1`: `notes` with and without the tuning estimate and key, `key` with every key profile)
and then calls this script with the interpreter of `target/keybench-venv` (or `--python PATH`):

    keybench.py FILES.csv OUT_DIR [speed:LABEL=WALL=CPU ...] [LABEL=KEYS.csv=WALL=CPU ...]
                [cluster:LABEL=CLUSTERS.csv ...]

FILES.csv has `file,key,tuning_cents` (tuning empty where unknown). Each `LABEL=KEYS.csv=WALL=CPU`
is a chromacluster `key -o` table with the wall and CPU (user + system) seconds it took for all
files; each `speed:LABEL=WALL=CPU` a timed `notes` run; each `cluster:LABEL=CLUSTERS.csv` a `cluster
-k 2` of the generated pieces, scored against their modes (purity, adjusted Rand index). Essentia (`pip install essentia`;
KeyExtractor with the profiles bgate, edma, temperley, krumhansl) and librosa (`pip install
librosa`: chroma_cqt averaged over time, correlated with the Krumhansl-Kessler and Temperley
templates) run here, one thread each, loading every file at its own sample rate; their CPU time
is this process's (time.process_time). A tool that cannot be imported is skipped with the reason
printed. Prints one table: exact accuracy, MIREX weighted score (in tune, detuned and corpus
files separately for exact accuracy), wall and CPU seconds per file, the mean absolute tuning
error where known; then the speed targets: `notes` with tuning and key against Essentia's
fastest KeyExtractor profile, and against `notes --tuning 0`.
"""
import csv
import os
import sys
import time

NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#"}


def parse_key(text):
    text = (text or "").strip()
    if not text:
        return None
    tonic, mode = text.split()
    tonic = FLATS.get(tonic, tonic)
    return NAMES.index(tonic), mode.lower()


def mirex(est, ref):
    if est is None:
        return 0.0
    (et, em), (rt, rm) = est, ref
    if est == ref:
        return 1.0
    if em == rm and (et - rt) % 12 == 7:
        return 0.5
    if em != rm and em == "minor" and (et - rt) % 12 == 9:
        return 0.3
    if em != rm and em == "major" and (et - rt) % 12 == 3:
        return 0.3
    if em != rm and et == rt:
        return 0.2
    return 0.0


def group(path, cents):
    if cents == "":
        return "corpus"
    return "in tune" if float(cents) == 0.0 else "detuned"


def score(rows, estimates, wall, cpu, tuning=None):
    groups = {}
    total_exact, total_mirex = 0.0, 0.0
    errors = []
    for row in rows:
        ref = parse_key(row["key"])
        est = estimates.get(row["file"])
        exact = float(est == ref)
        total_exact += exact
        total_mirex += mirex(est, ref)
        g = group(row["file"], row["tuning_cents"])
        groups.setdefault(g, []).append(exact)
        if tuning is not None and row["tuning_cents"] != "" and row["file"] in tuning:
            errors.append(abs(tuning[row["file"]] - float(row["tuning_cents"])))
    n = len(rows)
    return {
        "exact": total_exact / n,
        "mirex": total_mirex / n,
        "groups": {g: sum(v) / len(v) for g, v in groups.items()},
        "wall": wall / n,
        "cpu": cpu / n,
        "tuning": (sum(errors) / len(errors), max(errors)) if errors else None,
    }


def ours(rows, spec):
    label, path, wall, cpu = spec.split("=")
    estimates, tuning = {}, {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            estimates[r["file"]] = parse_key(r["key"])
            tuning[r["file"]] = float(r["tuning_cents"])
    return label, score(rows, estimates, float(wall), float(cpu), tuning)


def essentia_results(rows):
    try:
        import essentia
        import essentia.standard as es
    except Exception as e:  # noqa: BLE001 - any import failure skips the tool
        print(f"skipped Essentia: cannot import it ({e})")
        return []
    essentia.log.warningActive = False
    essentia.log.infoActive = False
    out = []
    for profile in ["bgate", "edma", "temperley", "krumhansl"]:
        estimates = {}
        extractors = {}
        wall, cpu = time.perf_counter(), time.process_time()
        for row in rows:
            sr = sample_rate(row["file"])
            if sr not in extractors:
                extractors[sr] = es.KeyExtractor(profileType=profile, sampleRate=sr)
            audio = es.MonoLoader(filename=row["file"], sampleRate=sr)()
            key, scale, _strength = extractors[sr](audio)
            estimates[row["file"]] = parse_key(f"{key} {scale}")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        out.append((f"Essentia KeyExtractor ({profile})", score(rows, estimates, wall, cpu)))
    return out


def librosa_results(rows):
    try:
        import librosa
        import numpy as np
    except Exception as e:  # noqa: BLE001
        print(f"skipped librosa: cannot import it ({e})")
        return []
    profiles = {
        "krumhansl": (
            [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
            [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
        ),
        "temperley": (
            [5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0],
            [5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0],
        ),
    }
    out = []
    wall, cpu = time.perf_counter(), time.process_time()
    summaries = {}
    for row in rows:
        y, sr = librosa.load(row["file"], sr=None, mono=True)
        summaries[row["file"]] = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for name, (major, minor) in profiles.items():
        estimates = {}
        for row in rows:
            s = summaries[row["file"]]
            best, best_r = None, -2.0
            for mode, w in (("major", major), ("minor", minor)):
                for t in range(12):
                    r = np.corrcoef(s, np.roll(w, t))[0, 1]
                    if r > best_r:
                        best, best_r = (t, mode), r
            estimates[row["file"]] = best
        # The time is chroma_cqt's (24 correlations per file are negligible beside it).
        out.append((f"librosa chroma_cqt + {name}", score(rows, estimates, wall, cpu)))
    return out


_rates = {}


def sample_rate(path):
    if path not in _rates:
        import wave

        with wave.open(path) as w:
            _rates[path] = w.getframerate()
    return _rates[path]


def main():
    files_csv, _out_dir, *specs = sys.argv[1:]
    with open(files_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    speed = {}
    for spec in specs:
        if spec.startswith("speed:"):
            label, wall, cpu = spec[len("speed:"):].split("=")
            speed[label] = (float(wall) / len(rows), float(cpu) / len(rows))
    clusterings = [s[len("cluster:"):].split("=") for s in specs if s.startswith("cluster:")]
    results = [ours(rows, s) for s in specs if not s.startswith(("speed:", "cluster:"))]
    results += essentia_results(rows)
    results += librosa_results(rows)
    n_groups = {}
    for row in rows:
        g = group(row["file"], row["tuning_cents"])
        n_groups[g] = n_groups.get(g, 0) + 1
    groups = ["in tune", "detuned", "corpus"]
    print(
        f"\n{len(rows)} files: "
        + ", ".join(f"{n_groups.get(g, 0)} {g}" for g in groups)
        + " (one thread each)\n"
    )
    header = ["method", "exact", "MIREX"] + [f"exact {g}" for g in groups]
    header += ["wall s/file", "CPU s/file", "tuning error (mean, max cents)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, r in results:
        tuning = "-" if r["tuning"] is None else f"{r['tuning'][0]:.2f}, {r['tuning'][1]:.2f}"
        cells = [label, f"{100 * r['exact']:.1f}%", f"{100 * r['mirex']:.1f}%"]
        cells += [f"{100 * r['groups'].get(g, 0.0):.1f}%" for g in groups]
        cells += [f"{r['wall']:.4f}", f"{r['cpu']:.4f}", tuning]
        print("| " + " | ".join(cells) + " |")
    print_speed(speed, results)
    print_clusters(rows, clusterings)


def adjusted_rand(a, b):
    """Adjusted Rand index of two labelings (lists of equal length)."""
    from collections import Counter
    from math import comb

    n = len(a)
    pairs = sum(comb(c, 2) for c in Counter(zip(a, b)).values())
    pa = sum(comb(c, 2) for c in Counter(a).values())
    pb = sum(comb(c, 2) for c in Counter(b).values())
    expected = pa * pb / comb(n, 2)
    top = (pa + pb) / 2
    return 1.0 if top == expected else (pairs - expected) / (top - expected)


def print_clusters(rows, clusterings):
    """Key-free profiles: do k = 2 clusters agree with the pieces' modes (major/minor)?"""
    if not clusterings:
        return
    mode = {row["file"]: row["key"].split()[1] for row in rows}
    print("\nk-means, k = 2, on the generated pieces (24 keys, major and minor; mixolydian vamps")
    print("count as major, dorian vamps as minor):\n")
    print("| clustering | files | purity against the mode | adjusted Rand index |")
    print("|---|---|---|---|")
    from collections import Counter

    for label, path in clusterings:
        with open(path, newline="") as f:
            got = [(r["file"], r["cluster"]) for r in csv.DictReader(f)]
        truth = [mode[file] for file, _ in got]
        found = [c for _, c in got]
        majority = sum(max(Counter(t for t, c2 in zip(truth, found) if c2 == c).values()) for c in set(found))
        print(f"| `{label}` | {len(got)} | {100 * majority / len(got):.1f}% | {adjusted_rand(truth, found):.3f} |")


def print_speed(speed, results):
    """The issue's speed targets, from the runs above (CPU time per file, one thread)."""
    if not speed:
        return
    print("\nspeed, one thread (best of the alternating rounds):\n")
    print("| run | wall s/file | CPU s/file |")
    print("|---|---|---|")
    for label, (wall, cpu) in speed.items():
        print(f"| {label} | {wall:.4f} | {cpu:.4f} |")
    base = speed.get("notes --tuning 0")
    full = speed.get("notes (tuning auto + key)")
    print()
    if base and full:
        extra = full[1] / base[1] - 1.0
        verdict = "met" if extra <= 0.10 else "NOT met"
        print(
            f"tuning estimate + key add {100 * extra:+.1f}% CPU time to `notes --tuning 0` "
            f"(target at most +10%: {verdict})"
        )
    essentia = [(r["cpu"], label) for label, r in results if label.startswith("Essentia")]
    if full and essentia:
        cpu, label = min(essentia)
        verdict = "met" if full[1] <= cpu else "NOT met"
        print(
            f"`notes` with tuning and key: {full[1]:.4f} s CPU per file, {label} (the fastest "
            f"profile): {cpu:.4f} s, ratio {full[1] / cpu:.2f} (target at most 1: {verdict})"
        )
    elif full:
        print("no Essentia timing to compare `notes` with (Essentia skipped)")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()

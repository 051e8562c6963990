"""Key benchmark on the key set of real compositions: chromacluster, Essentia, librosa.

Run through `cargo xtask keybench`, which renders the set (or takes `--renders DIR`), runs
chromacluster (`--jobs 1`: `notes`, whose table has the key column, and `key --key-profile P`
for every profile) and then calls this script:

    keyset_bench.py FILES.csv OUT_DIR [--ours-only] [--reuse-reference]
                    [ours:LABEL=TABLE.csv=CPU_SECONDS ...]

FILES.csv has `file,set,timbre,key`. Each `ours:` argument is a chromacluster table with `file`
and `key` columns and the CPU seconds (user + system) its run took for all files. Essentia's
KeyExtractor (profiles bgate, edma, temperley, krumhansl; default parameters, the file's own
sample rate) and librosa (chroma_cqt averaged over time, correlated with the Krumhansl-Kessler
profiles) run here on one thread; their CPU time is this process's (time.process_time), loading
included as chromacluster's includes decoding. Their estimates go to OUT_DIR (`ref_*.csv`) so
that `--reuse-reference` can skip them (the table then says "reused"). A tool that cannot be
imported is skipped with the reason printed. Scoring needs only the standard library.

Scores (per set, never pooled: the folk half is nearly all major; and per timbre): exact key
accuracy with its 95% Wilson interval, and the MIREX weighted score (mir_eval: 1 exact, 0.5 a
fifth above in the same mode, 0.3 relative, 0.2 parallel) with its 95% Student-t interval.
Then the choice of the default profile is cross-validated (fit on one set, test on the other;
fit on one timbre of each set, test on the other two): see `cross_validate`.
"""
import csv
import math
import os
import sys
import time

# The key names and the MIREX score are the generated-set benchmark's (same folder).
from keybench import NAMES, mirex, parse_key

SETS = ["chorales", "folk"]
TIMBRES = [("chorales", "strings"), ("chorales", "choir"), ("folk", "violin"), ("folk", "clarinet")]
KK = (
    [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
    [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
)


def error_kind(est, ref):
    """What kind of error an estimate is: exact, fifth (above), fourth (a fifth below),
    relative, parallel, none (no key) or other."""
    if est is None:
        return "none"
    if est == ref:
        return "exact"
    (et, em), (rt, rm) = est, ref
    if em == rm and (et - rt) % 12 == 7:
        return "fifth"
    if em == rm and (et - rt) % 12 == 5:
        return "fourth"
    if mirex(est, ref) == 0.3:
        return "relative"
    if et == rt:
        return "parallel"
    return "other"


def wilson(k, n, z=1.959964):
    """95% Wilson score interval of a proportion k / n."""
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def t_quantile(df, z=1.959964):
    """Student t's 97.5% quantile (Cornish-Fisher expansion; exact to 1e-4 from df = 10)."""
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df * df)


def mean_interval(xs):
    n = len(xs)
    m = sum(xs) / n
    if n < 2:
        return m, (m, m)
    var = sum((x - m) ** 2 for x in xs) / (n - 1)
    half = t_quantile(n - 1) * math.sqrt(var / n)
    return m, (max(0.0, m - half), min(1.0, m + half))


def cell_scores(rows, estimates, select):
    chosen = [r for r in rows if select(r)]
    exact = [float(estimates.get(r["file"]) == parse_key(r["key"])) for r in chosen]
    scores = [mirex(estimates.get(r["file"]), parse_key(r["key"])) for r in chosen]
    k, n = int(sum(exact)), len(chosen)
    return {
        "n": n,
        "exact": k / n if n else 0.0,
        "exact_ci": wilson(k, n),
        "mirex": mean_interval(scores) if n else (0.0, (0.0, 0.0)),
    }


def pct(x):
    return f"{100 * x:.1f}"


def exact_text(c):
    lo, hi = c["exact_ci"]
    return f"{pct(c['exact'])} [{pct(lo)}, {pct(hi)}]"


def mirex_text(c):
    m, (lo, hi) = c["mirex"]
    return f"{pct(m)} [{pct(lo)}, {pct(hi)}]"


def read_table(path):
    estimates = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            estimates[r["file"]] = parse_key(r["key"])
    return estimates


def ours(spec):
    label, path, cpu = spec[len("ours:"):].rsplit("=", 2)
    return label, read_table(path), float(cpu), ""


def slug(label):
    return "".join(c if c.isalnum() else "_" for c in label).strip("_")


def reused(out_dir, label):
    """Estimates and CPU seconds of `label` from an earlier run, or None."""
    base = os.path.join(out_dir, f"ref_{slug(label)}")
    if not (os.path.exists(base + ".csv") and os.path.exists(base + ".cpu")):
        return None
    with open(base + ".cpu") as f:
        cpu = float(f.read())
    return label, read_table(base + ".csv"), cpu, "reused"


def save(out_dir, label, estimates, cpu):
    base = os.path.join(out_dir, f"ref_{slug(label)}")
    with open(base + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "key"])
        for file, est in estimates.items():
            w.writerow([file, "" if est is None else f"{NAMES[est[0]]} {est[1]}"])
    with open(base + ".cpu", "w") as f:
        f.write(repr(cpu))


def essentia_results(rows, out_dir, reuse):
    labels = [f"Essentia KeyExtractor {p}" for p in ["bgate", "edma", "temperley", "krumhansl"]]
    if reuse:
        got = [reused(out_dir, label) for label in labels]
        if all(got):
            return got
    try:
        import essentia
        import essentia.standard as es
    except Exception as e:  # noqa: BLE001 - any import failure skips the tool
        print(f"SKIPPED Essentia: cannot import it ({e})")
        return []
    essentia.log.warningActive = False
    essentia.log.infoActive = False
    out = []
    for label in labels:
        profile = label.rsplit(" ", 1)[1]
        estimates, extractors = {}, {}
        cpu = time.process_time()
        for row in rows:
            loader = es.AudioLoader(filename=row["file"])
            audio, sr = loader()[:2]
            sr = int(sr)
            mono = audio.mean(axis=1) if audio.ndim == 2 else audio
            if sr not in extractors:
                extractors[sr] = es.KeyExtractor(profileType=profile, sampleRate=sr)
            key, scale, _strength = extractors[sr](mono.astype("float32"))
            estimates[row["file"]] = parse_key(f"{key} {scale}")
        cpu = time.process_time() - cpu
        save(out_dir, label, estimates, cpu)
        out.append((label, estimates, cpu, ""))
    return out


def librosa_results(rows, out_dir, reuse):
    label = "librosa chroma_cqt + Krumhansl"
    if reuse:
        got = reused(out_dir, label)
        if got:
            return [got]
    try:
        import librosa
        import numpy as np
    except Exception as e:  # noqa: BLE001
        print(f"SKIPPED librosa: cannot import it ({e})")
        return []
    estimates = {}
    cpu = time.process_time()
    for row in rows:
        y, sr = librosa.load(row["file"], sr=None, mono=True)
        s = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
        best, best_r = None, -2.0
        for mode, w in (("major", KK[0]), ("minor", KK[1])):
            for t in range(12):
                r = np.corrcoef(s, np.roll(w, t))[0, 1]
                if r > best_r:
                    best, best_r = (t, mode), r
        estimates[row["file"]] = best
    cpu = time.process_time() - cpu
    save(out_dir, label, estimates, cpu)
    return [(label, estimates, cpu, "")]


def accuracy(rows, est, select):
    """(exact, MIREX) over the rows `select` accepts: the rule that chooses a method."""
    c = cell_scores(rows, est, select)
    return c["exact"], c["mirex"][0]


# The folds of the cross-validation: (name, training rows, test rows). Sets: fit on one set,
# test on the other; timbres: fit on one timbre of each set, test on the other two.
FOLDS = [
    ("fit chorales, test folk", lambda r: r["set"] == "chorales", lambda r: r["set"] == "folk"),
    ("fit folk, test chorales", lambda r: r["set"] == "folk", lambda r: r["set"] == "chorales"),
    (
        "fit strings + violin, test choir + clarinet",
        lambda r: r["timbre"] in ("strings", "violin"),
        lambda r: r["timbre"] in ("choir", "clarinet"),
    ),
    (
        "fit choir + clarinet, test strings + violin",
        lambda r: r["timbre"] in ("choir", "clarinet"),
        lambda r: r["timbre"] in ("strings", "violin"),
    ),
]


def cross_validate(rows, candidates):
    """The default profile chosen by a rule that never sees its test files: on each fold's
    training rows the profile with the best exact accuracy (then MIREX) is chosen and scored on
    the test rows; the test estimates of the two set folds (and of the two timbre folds) make
    one cross-validated estimate per file, scored per set and per timbre. The profile the same
    rule picks on the whole set is the default."""
    if not candidates:
        return
    print(
        "\nCross-validated choice of the profile among the `key --key-profile` rows (best exact "
        "accuracy, then MIREX, on the training rows; scored on the test rows only):\n"
    )
    print("| fold | chosen | training exact / MIREX | test exact [95% CI] | test MIREX [95% CI] |")
    print("|---|---|---|---|---|")
    pooled = {"sets": {}, "timbres": {}}
    for name, train, test in FOLDS:
        label, est, _cpu, _note = max(candidates, key=lambda c: accuracy(rows, c[1], train))
        tr = accuracy(rows, est, train)
        c = cell_scores(rows, est, test)
        profile = label.rsplit(" ", 1)[1]
        print(
            f"| {name} | {profile} | {pct(tr[0])} / {pct(tr[1])} | {exact_text(c)} | "
            f"{mirex_text(c)} |"
        )
        kind = "sets" if name.startswith("fit chorales") or name.startswith("fit folk") else "timbres"
        for r in rows:
            if test(r):
                pooled[kind][r["file"]] = est.get(r["file"])
    print(
        "\nCross-validated estimates (each file's key from the profile chosen without it):\n"
    )
    header = ["folds"] + [f"{s} {m}" for s in SETS for m in ("exact", "MIREX")]
    header += [f"{s}/{t}" for s, t in TIMBRES]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for kind, est in pooled.items():
        cells = [f"by {kind}"]
        for s in SETS:
            c = cell_scores(rows, est, lambda r, s=s: r["set"] == s)
            cells += [exact_text(c), mirex_text(c)]
        for s, t in TIMBRES:
            c = cell_scores(rows, est, lambda r, s=s, t=t: r["set"] == s and r["timbre"] == t)
            cells.append(exact_text(c))
        print("| " + " | ".join(cells) + " |")
    label = max(candidates, key=lambda c: accuracy(rows, c[1], lambda r: True))[0]
    print(f"\nThe same rule on all {len(rows)} files chooses: {label.rsplit(' ', 1)[1]}")


def main():
    args = sys.argv[1:]
    ours_only = "--ours-only" in args
    reuse = "--reuse-reference" in args
    args = [a for a in args if a not in ("--ours-only", "--reuse-reference")]
    files_csv, out_dir, *specs = args
    with open(files_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    results = [ours(s) for s in specs if s.startswith("ours:")]
    if not ours_only:
        results += essentia_results(rows, out_dir, reuse)
        results += librosa_results(rows, out_dir, reuse)
    n = len(rows)
    counts = {s: sum(r["set"] == s for r in rows) for s in SETS}
    print(
        f"\n{n} renderings ({', '.join(f'{counts[s]} {s}' for s in SETS)}), one thread each. "
        "Exact accuracy % [95% Wilson interval]; MIREX score % [95% t interval]; CPU seconds "
        "per file (decoding included).\n"
    )
    header = ["method"] + [f"{s} {m}" for s in SETS for m in ("exact", "MIREX")] + ["CPU s/file"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, est, cpu, note in results:
        cells = [label]
        for s in SETS:
            c = cell_scores(rows, est, lambda r, s=s: r["set"] == s)
            cells += [exact_text(c), mirex_text(c)]
        cpu_text = f"{cpu / n:.4f}" + (" (reused)" if note else "")
        print("| " + " | ".join(cells + [cpu_text]) + " |")

    print("\nPer timbre: exact % [95% Wilson interval] / MIREX %.\n")
    header = ["method"] + [f"{s}/{t}" for s, t in TIMBRES]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, est, _cpu, _note in results:
        cells = [label]
        for s, t in TIMBRES:
            c = cell_scores(rows, est, lambda r, s=s, t=t: r["set"] == s and r["timbre"] == t)
            cells.append(f"{exact_text(c)} / {pct(c['mirex'][0])}")
        print("| " + " | ".join(cells) + " |")

    kinds = ["exact", "fifth", "fourth", "relative", "parallel", "other", "none"]
    print("\nErrors by kind (files; fifth = a fifth above the true tonic, fourth = a fifth below):\n")
    header = ["method", "set/timbre"] + kinds
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, est, _cpu, _note in results[:1] + [r for r in results if "bgate" in r[0]]:
        for s, t in TIMBRES:
            tally = {k: 0 for k in kinds}
            for r in rows:
                if r["set"] == s and r["timbre"] == t:
                    tally[error_kind(est.get(r["file"]), parse_key(r["key"]))] += 1
            print("| " + " | ".join([label, f"{s}/{t}"] + [str(tally[k]) for k in kinds]) + " |")

    cross_validate(rows, [r for r in results if r[0].startswith("chromacluster key --key-profile")])

    essentia = [(cpu, label) for label, _e, cpu, note in results if label.startswith("Essentia") and not note]
    notes = [cpu for label, _e, cpu, _n in results if label.startswith("chromacluster notes")]
    if essentia and notes:
        cpu, label = min(essentia)
        verdict = "met" if notes[0] <= cpu else "NOT met"
        print(
            f"\nspeed: `notes` (tuning + key) {notes[0] / n:.4f} s CPU per file, {label} (the "
            f"fastest profile) {cpu / n:.4f} s: ratio {notes[0] / cpu:.2f} (target at most 1: "
            f"{verdict})"
        )


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()

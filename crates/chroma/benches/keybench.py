"""Key benchmark: chromacluster against Essentia's KeyExtractor and librosa on the same files.

Run through `cargo xtask keybench [DIR]`, which writes the labelled set, times chromacluster
(`--jobs 1`, every key profile) and then calls this script:

    keybench.py FILES.csv OUT_DIR [LABEL=RESULT.csv=SECONDS ...]

FILES.csv has `file,key,tuning_cents` (tuning empty where unknown); each LABEL=RESULT.csv=SECONDS
is a chromacluster `key -o` table and its wall time for all files. Essentia (`pip install
essentia`; profiles bgate, edma, temperley, krumhansl) and librosa (`pip install librosa`:
chroma_cqt averaged over time, correlated with the Krumhansl-Kessler and Temperley templates) are
run here, one thread each, loading every file at its own sample rate. A tool that cannot be
imported is skipped with the reason printed. Prints one table: exact accuracy, MIREX weighted
score, seconds per file (in tune, detuned and corpus files separately for exact accuracy), and
the mean absolute tuning error where known.
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


def score(rows, estimates, seconds, tuning=None):
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
        "spf": seconds / n,
        "tuning": (sum(errors) / len(errors), max(errors)) if errors else None,
    }


def ours(rows, spec):
    label, path, seconds = spec.split("=")
    estimates, tuning = {}, {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            estimates[r["file"]] = parse_key(r["key"])
            tuning[r["file"]] = float(r["tuning_cents"])
    return label, score(rows, estimates, float(seconds), tuning)


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
        started = time.perf_counter()
        for row in rows:
            sr = sample_rate(row["file"])
            audio = es.MonoLoader(filename=row["file"], sampleRate=sr)()
            key, scale, _strength = es.KeyExtractor(profileType=profile, sampleRate=sr)(audio)
            estimates[row["file"]] = parse_key(f"{key} {scale}")
        seconds = time.perf_counter() - started
        out.append((f"Essentia KeyExtractor ({profile})", score(rows, estimates, seconds)))
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
    started = time.perf_counter()
    summaries = {}
    for row in rows:
        y, sr = librosa.load(row["file"], sr=None, mono=True)
        summaries[row["file"]] = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
    chroma_seconds = time.perf_counter() - started
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
        out.append((f"librosa chroma_cqt + {name}", score(rows, estimates, chroma_seconds)))
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
    results = [ours(rows, s) for s in specs]
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
    header = ["method", "exact", "MIREX"] + [f"exact {g}" for g in groups] + ["s/file", "tuning error (mean, max cents)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, r in results:
        tuning = "-" if r["tuning"] is None else f"{r['tuning'][0]:.2f}, {r['tuning'][1]:.2f}"
        cells = [label, f"{100 * r['exact']:.1f}%", f"{100 * r['mirex']:.1f}%"]
        cells += [f"{100 * r['groups'].get(g, 0.0):.1f}%" for g in groups]
        cells += [f"{r['spf']:.4f}", tuning]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()

"""chromacluster against the Python references, one thread, in one run, on the same arrays and
files. Prints each time, the ratio and the target; exits 1 if a result disagrees with the
reference (the speed figures are reported, not asserted).

    cargo xtask bench-python        # venv in target/, release build, then this script

1. ``ShortTermFeatures.feature_extraction`` (68 features) on a 3-minute song: pyAudioAnalysis
   0.3.14 vs ``chromacluster.pyaa`` (target: >= 30x);
2. the note table of that song: librosa's ``load`` + ``chroma_stft`` + argmax histogram vs
   ``chromacluster.notes`` (target: at least as fast);
3. ``KMeans.fit`` on 1,000,000 x 12 (k 8, n_init 1, k-means++): scikit-learn vs
   ``chromacluster.KMeans`` (target: <= 0.5x the time, no worse inertia).
"""

import os

# One thread everywhere, before any library starts its pool.
for var in ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
SONG = ROOT / "testdata" / "corpus" / "real" / "beat" / "100 BPM - Rhythm patterns - Salsa.mp3"


def best(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def report(what, ref_name, ref_s, ours_s, target, ok):
    ratio = ref_s / ours_s
    print(f"{what}\n  {ref_name}: {ref_s:.3f} s   chromacluster: {ours_s:.4f} s   "
          f"speed-up {ratio:.1f}x (target {target})   {'meets' if ok(ratio) else 'MISSES'} target")
    return ratio


def main():
    import chromacluster
    from chromacluster.pyaa import ShortTermFeatures as Ours
    from chromacluster.pyaa import audioBasicIO
    from pyAudioAnalysis import ShortTermFeatures as Ref
    from threadpoolctl import threadpool_limits

    failures = []
    fs, x = audioBasicIO.read_audio_file(str(SONG))
    x = audioBasicIO.stereo_to_mono(x)
    seconds = len(x) / fs
    print(f"song: {SONG.name}, {seconds:.0f} s at {fs} Hz")
    w, s = int(0.050 * fs), int(0.025 * fs)

    with threadpool_limits(1):
        # 1. features
        ref_s, (ref_f, _) = best(lambda: Ref.feature_extraction(x, fs, w, s), 1)
        ours_s, (our_f, _) = best(lambda: Ours.feature_extraction(x, fs, w, s), 5)
        report("1. feature_extraction, 68 features", "pyAudioAnalysis", ref_s, ours_s, ">= 30x", lambda r: r >= 30)
        scale = np.abs(ref_f).max(axis=1, keepdims=True)
        err = (np.abs(our_f - ref_f) / (1e-6 * scale + 1e-9)).max()
        print(f"  worst error / tolerance: {err:.3f}")
        if err > 1.0:
            failures.append("feature_extraction differs from pyAudioAnalysis")

        # 2. notes of one song vs librosa's chroma pipeline
        import librosa

        def librosa_notes():
            y, sr = librosa.load(str(SONG), sr=None, mono=True)
            chroma = librosa.feature.chroma_stft(y=y, sr=sr)
            top = chroma.argmax(axis=0)
            return np.bincount(top, minlength=12) / len(top)

        lib_s, _ = best(librosa_notes, 3)
        notes_s, table = best(lambda: chromacluster.notes(SONG, jobs=1), 3)
        report("2. note table of the song (decode + chroma + profile)", "librosa chroma_stft", lib_s, notes_s,
               ">= 1x", lambda r: r >= 1)
        if table.height != 1:
            failures.append("notes() did not give one row")

        # 3. k-means
        from sklearn.cluster import KMeans as SkKMeans
        from sklearn.datasets import make_blobs

        X, _ = make_blobs(n_samples=1_000_000, n_features=12, centers=8, cluster_std=2.0, random_state=0)
        sk_s, sk = best(lambda: SkKMeans(n_clusters=8, n_init=1, random_state=0).fit(X), 3)
        km_s, km = best(lambda: chromacluster.KMeans(n_clusters=8, n_init=1, random_state=0).fit(X), 3)
        ratio = report("3. KMeans.fit 1,000,000 x 12, k 8, n_init 1", "scikit-learn", sk_s, km_s,
                       "time <= 0.5x, i.e. >= 2x", lambda r: r >= 2)
        print(f"  time ratio {1 / ratio:.2f}; inertia chromacluster {km.inertia_:.6e}, scikit-learn "
              f"{sk.inertia_:.6e} (relative {km.inertia_ / sk.inertia_ - 1:+.2e})")
        if km.inertia_ > sk.inertia_ * (1 + 1e-6):
            print("  note: a different local minimum (one k-means++ start each)")

    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Times librosa's chroma_stft and chroma_cqt on the same synthetic 3-minute 44.1 kHz song as
benches/chroma.rs (same chords, partials and envelope; the noise differs), one thread.

Not part of the Rust build; run once by hand to compare:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \
        python3 crates/chroma/benches/librosa_chroma.py
"""
import time

import numpy as np
import librosa

FS = 44100
SECONDS = 180.0


def song():
    t = np.arange(int(SECONDS * FS)) / FS
    chords = np.array([[60, 64, 67], [67, 71, 74], [57, 60, 64], [65, 69, 72]], float)
    hz = lambda m: 440.0 * 2 ** ((m - 69) / 12)
    c = chords[(t.astype(int)) % 4]
    env = np.exp(-2.0 * (t % 1.0))
    s = np.zeros_like(t)
    for k in range(3):
        for h in range(1, 7):
            s += env / (h * 3.0) * np.sin(2 * np.pi * hz(c[:, k]) * h * t + k)
    s += 0.3 * env * np.sin(2 * np.pi * hz(c[:, 0] - 24) * t)
    s += 0.01 * (np.random.default_rng(1).random(t.size) - 0.5)
    return (0.2 * s).astype(np.float32)


def best_of(n, f):
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


x = song()
librosa.feature.chroma_stft(y=x[:FS], sr=FS)  # warm up caches / numba
librosa.feature.chroma_cqt(y=x[:FS], sr=FS)
for name, f in [
    ("chroma_stft (n_fft 2048, hop 512)", lambda: librosa.feature.chroma_stft(y=x, sr=FS)),
    ("chroma_cqt (hop 512)", lambda: librosa.feature.chroma_cqt(y=x, sr=FS)),
]:
    t = best_of(3 if "stft" in name else 1, f)
    print(f"librosa {librosa.__version__} {name}: {t:.3f} s  realfactor {SECONDS / t:.0f}x")

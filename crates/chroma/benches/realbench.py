"""The baselines of `cargo xtask bench-real`: librosa's chroma_stft pipeline and Essentia's
KeyExtractor over a list of real music files, on N joblib workers; prints one JSON line.

    python realbench.py librosa|essentia WORKERS LIST.txt

librosa: `librosa.load(path)` with its defaults (mono, resampled to 22050 Hz) then
`librosa.feature.chroma_stft(y=y, sr=sr)` with its defaults (tuning estimated, as
chromacluster's is) and the mean chroma, the pipeline a notebook would write. Essentia:
`MonoLoader(filename=path)()` (44.1 kHz mono) then `KeyExtractor()(audio)` with its defaults.
Essentia 2.1b6's wheel reads no Opus (MonoLoader fails, and the process then crashes on exit),
so an Opus file is read by `librosa.load(path, sr=44100)` (mono, resampled to 44.1 kHz, as
MonoLoader gives the files it reads; libsndfile 1.2.2 refuses some of these Opus files, librosa
then decodes them through ffmpeg).
Each worker loads its own files (joblib's loky processes). The workers are started and warmed
on the first file before the clock starts. A file that fails is counted, not fatal.
"""
import json
import sys
import time


def librosa_one(path):
    import librosa

    y, sr = librosa.load(path)
    return librosa.feature.chroma_stft(y=y, sr=sr).mean(axis=1).tolist()


def essentia_one(path):
    import essentia
    import essentia.standard as es

    essentia.log.warningActive = False
    essentia.log.infoActive = False
    if path.lower().endswith(".opus"):
        import librosa
        import numpy as np

        audio = np.ascontiguousarray(librosa.load(path, sr=44100)[0], dtype=np.float32)
    else:
        audio = es.MonoLoader(filename=path)()
    key, scale, strength = es.KeyExtractor()(audio)
    return [key, scale, strength]


def safe(f, path):
    try:
        return f(path)
    except Exception as e:  # a bad file is counted, as chromacluster counts its failures
        return {"error": f"{path}: {e}"}


def main():
    tool, workers, listing = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(listing, encoding="utf-8") as f:
        paths = [line.rstrip("\n") for line in f if line.strip()]
    from joblib import Parallel, delayed

    one = {"librosa": librosa_one, "essentia": essentia_one}[tool]
    if tool == "librosa":
        import librosa

        version = librosa.__version__
    else:
        import essentia

        version = essentia.__version__
    # Start the workers and warm imports and caches.
    Parallel(n_jobs=workers)(delayed(safe)(one, p) for p in paths[:workers])
    started = time.perf_counter()
    results = Parallel(n_jobs=workers)(delayed(safe)(one, p) for p in paths)
    seconds = time.perf_counter() - started
    errors = [r["error"] for r in results if isinstance(r, dict)]
    print(json.dumps({"seconds": seconds, "version": version, "files": len(paths), "errors": errors}))


if __name__ == "__main__":
    main()

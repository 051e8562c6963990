"""The original notebook pipeline, ported: only the imports changed.

pyAudioAnalysis features per file, the share of frames in which each pitch class has the
largest chroma value (12 fixed bins, the corrected histogram), a pandas table, and the
notebook's own k-means (first k rows as centroids, 1000 rounds). Run from the repository root:

    python docs/python/notebook_port.py [CORPUS_DIR]

It prints the table and the clusters and, on this repository's corpus, checks them against
pyAudioAnalysis's own result in testdata/reference/ (seed_table.csv, seed_kmeans.csv).
"""

import glob
import os
import sys

import numpy as np
import pandas as pd

# from pyAudioAnalysis import audioBasicIO, ShortTermFeatures      # before
from chromacluster.pyaa import audioBasicIO, ShortTermFeatures  # after: the whole port

NOTES = ["A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#"]
corpus = sys.argv[1] if len(sys.argv) > 1 else "testdata/corpus"

# --- the notebook, unchanged ---------------------------------------------------------------
files = sorted(
    p for p in glob.glob(os.path.join(corpus, "real", "**", "*"), recursive=True)
    if p.lower().endswith((".wav", ".mp3"))
)
rows = []
for path in files:
    fs, x = audioBasicIO.read_audio_file(path)
    x = audioBasicIO.stereo_to_mono(x)
    features, names = ShortTermFeatures.feature_extraction(x, fs, 0.050 * fs, 0.025 * fs, deltas=False)
    chroma = features[21:33]  # chroma_1 .. chroma_12
    top = np.argmax(chroma, axis=0)  # most prominent pitch class per frame
    rows.append(np.bincount(top, minlength=12) / len(top))
table = pd.DataFrame(rows, columns=NOTES, index=[os.path.relpath(p, corpus) for p in files])
print(table.round(4).to_string())

k = 4
X = table.to_numpy()
centroids = X[:k].copy()
for _ in range(1000):
    distances = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    labels = distances.argmin(axis=1)
    centroids = np.array([X[labels == c].mean(axis=0) for c in range(k)])
table["cluster"] = labels
print(table["cluster"].value_counts().sort_index().to_string())
# --- end of the notebook -------------------------------------------------------------------

reference = os.path.join(corpus, "..", "reference")
if os.path.exists(os.path.join(reference, "seed_table.csv")):
    seed = pd.read_csv(os.path.join(reference, "seed_table.csv")).set_index("path")
    lossless = [p for p in table.index if p.endswith(".wav")]  # MP3: another decoder than ffmpeg
    diff = np.abs(seed.loc[lossless, NOTES].to_numpy() - table.loc[lossless, NOTES].to_numpy()).max()
    lossy = np.abs(seed.loc[table.index, NOTES].to_numpy() - table[NOTES].to_numpy()).max()
    clusters = pd.read_csv(os.path.join(reference, "seed_kmeans.csv")).set_index("path")
    same = bool((clusters.loc[table.index, "cluster"].to_numpy() == labels).all())
    print(f"against pyAudioAnalysis's table: largest difference {diff:.1e} on the WAV files, "
          f"{lossy:.1e} with the MP3; same clusters: {same}")
    sys.exit(0 if diff <= 1e-12 and same else 1)

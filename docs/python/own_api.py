"""The same pipeline with chromacluster's own API: one call for the table, one for k-means.

    python docs/python/own_api.py [CORPUS_DIR]

``chroma="pyaa"`` reproduces the notebook's table (pyAudioAnalysis's chroma, every frame
voting); the default ``"accurate"`` chroma names the right notes.
"""

import sys

import chromacluster

corpus = sys.argv[1] if len(sys.argv) > 1 else "testdata/corpus"

table = chromacluster.notes(f"{corpus}/real", chroma="pyaa")  # polars DataFrame, sorted by path
notes = table.select(["A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#"])
km = chromacluster.KMeans(n_clusters=4, init="first", n_init=1, max_iter=1000, tol=0.0).fit(notes)
print(table.select("file", "A", "C", "E", "G").with_columns(cluster=km.labels_))
print(f"inertia {km.inertia_:.4f} after {km.n_iter_} rounds")

# The accurate chroma and the scikit-learn defaults, as pandas:
accurate = chromacluster.notes(f"{corpus}/real")
labels = chromacluster.KMeans(n_clusters=4, random_state=0).fit_predict(accurate.select(notes.columns))
print(accurate.to_pandas().assign(cluster=labels)[["file", "cluster"]].to_string(index=False))

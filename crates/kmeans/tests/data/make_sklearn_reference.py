"""Computes the scikit-learn reference values in this directory (run once; tests never need Python).

python3 make_sklearn_reference.py  (from crates/kmeans/tests/data)
"""
import csv
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score, adjusted_rand_score

NOTES = ["A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#"]
ref = "../../../../testdata/reference/"
rows = list(csv.DictReader(open(ref + "seed_table.csv")))
X = np.array([[float(r[c]) for c in NOTES] for r in rows])

with open("sklearn_inertia.csv", "w") as f:
    f.write("k,n_init,random_state,inertia\n")
    for k in range(2, 7):
        for rs in range(20):
            km = KMeans(n_clusters=k, n_init=10, random_state=rs, init="k-means++", max_iter=300, tol=1e-4).fit(X)
            f.write(f"{k},10,{rs},{km.inertia_!r}\n")

# Silhouette of the original pipeline's labels on its 32 rows.
sub = [r for r in rows if r["group"] in ("real", "3_class")]
Xs = np.array([[float(r[c]) for c in NOTES] for r in sub])
lab = [int(r["cluster"]) for r in csv.DictReader(open(ref + "seed_kmeans.csv"))]
with open("sklearn_silhouette.csv", "w") as f:
    f.write("table,labels,silhouette\n")
    f.write(f"seed_table real+3_class rows,seed_kmeans.csv,{silhouette_score(Xs, lab)!r}\n")
print("sklearn", sklearn.__version__, "numpy", np.__version__)

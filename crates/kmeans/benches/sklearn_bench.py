"""Times scikit-learn's KMeans on the benchmark's data (same rows as benches/kmeans.rs).

`cargo bench -p chromacluster-kmeans` writes the rows to a temporary .npy file and runs this script on it in
the same run; each `RESULT <threads> <n_init> <seconds> <inertia>` line is read back.
"""
import sys, time
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

X = np.load(sys.argv[1])
print(f"sklearn {sklearn.__version__}, X {X.shape}")
for threads in (None, 1):
    with threadpool_limits(limits=threads):
        for n_init in (1, 10):
            t = time.perf_counter()
            km = KMeans(n_clusters=8, n_init=n_init, random_state=0, max_iter=300, tol=1e-4).fit(X)
            dt = time.perf_counter() - t
            print(f"  sklearn threads={threads or 'all'} n_init={n_init}: {dt:.3f} s, n_iter {km.n_iter_}, inertia {km.inertia_:.6e}")
            print(f"RESULT {threads or 'all'} {n_init} {dt:.6f} {float(km.inertia_)!r}")

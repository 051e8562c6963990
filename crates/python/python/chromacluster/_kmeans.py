"""``KMeans`` with scikit-learn's estimator protocol, fitted by the ``kmeans`` crate."""

from __future__ import annotations

import inspect
import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _chromacluster as _rs


class _ParamsBase:
    """``get_params``/``set_params`` from the ``__init__`` signature, as scikit-learn's
    ``BaseEstimator`` (used when scikit-learn is not installed)."""

    @classmethod
    def _get_param_names(cls) -> List[str]:
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self")

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}; valid: {valid}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values() if p.name != "self"
        }
        shown = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, defaults[k])]
        return f"{type(self).__name__}({', '.join(shown)})"


def _same(a, b) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


try:  # Be a real scikit-learn estimator when scikit-learn is there (tags, repr, clone, HTML).
    from sklearn.base import BaseEstimator as _SkBase
    from sklearn.base import ClusterMixin as _SkCluster
    from sklearn.base import TransformerMixin as _SkTransformer

    _BASES: Tuple[type, ...] = (_SkCluster, _SkTransformer, _SkBase)
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    _BASES = (_ParamsBase,)


def _is_sparse(X) -> bool:
    try:
        from scipy import sparse
    except ImportError:  # pragma: no cover - without SciPy there are no SciPy sparse inputs
        return False
    return bool(sparse.issparse(X))


def _matrix(X) -> Tuple[np.ndarray, Optional[List[str]]]:
    """A C-contiguous float64 2-D array, and the column names of a DataFrame; a ``ValueError``
    (``TypeError`` for sparse input) in scikit-learn's words for input k-means cannot take:
    sparse, complex, not 2-D, no rows or columns, NaN or infinity."""
    if _is_sparse(X):
        raise TypeError("sparse input is not supported: convert it with X.toarray() first")
    names = None
    columns = getattr(X, "columns", None)
    if columns is not None and hasattr(X, "to_numpy"):
        names = [str(c) for c in columns]
        X = X.to_numpy()
    raw = np.asarray(X)
    if np.iscomplexobj(raw):
        raise ValueError("Complex data not supported")
    a = np.ascontiguousarray(raw.astype(np.float64, copy=False))
    if a.ndim != 2:
        raise ValueError(
            f"expected a 2-D array (n_samples, n_features), got shape {a.shape}. Reshape your data "
            "either using array.reshape(-1, 1) if your data has a single feature or "
            "array.reshape(1, -1) if it contains a single sample."
        )
    if a.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={a.shape}) while a minimum of 1 is required.")
    if a.shape[1] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={a.shape}) while a minimum of 1 is required.")
    if not np.isfinite(a).all():
        what = "NaN" if np.isnan(a).any() else "infinity"
        raise ValueError(f"Input X contains {what}: k-means needs finite values (drop or impute them first)")
    return a, names


def _weights(sample_weight, n_samples: int) -> np.ndarray:
    """``sample_weight`` as a new C-contiguous float64 vector of ``n_samples`` finite,
    non-negative values, not all zero (a ``ValueError`` in words otherwise)."""
    w = np.array(getattr(sample_weight, "to_numpy", lambda: sample_weight)(), dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(f"sample_weight has shape {w.shape}: expected ({n_samples},), one weight per sample")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must be finite and not negative")
    if not (w > 0).any():
        raise ValueError("every sample weight is zero: at least one must be above zero")
    return np.ascontiguousarray(w)


def _seed(random_state) -> Optional[int]:
    if random_state is None:
        return None
    if isinstance(random_state, (int, np.integer)):
        if random_state < 0:
            raise ValueError(f"random_state must be non-negative, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    raise ValueError(f"random_state must be None, an int, a RandomState or a Generator, got {random_state!r}")


class KMeans(*_BASES):
    """k-means clustering (Lloyd's algorithm, k-means++ seeding), scikit-learn's
    ``sklearn.cluster.KMeans`` protocol: ``fit``, ``predict``, ``fit_predict``, ``transform``,
    ``fit_transform``, ``score``, ``get_params``/``set_params``; fitted attributes
    ``cluster_centers_``, ``labels_``, ``inertia_``, ``n_iter_``, ``n_features_in_`` (and
    ``feature_names_in_`` for DataFrames). ``sklearn.base.clone``, ``Pipeline`` and
    ``GridSearchCV`` accept it.

    Parameters: ``n_clusters``; ``init`` ``"k-means++"`` (greedy, as scikit-learn),
    ``"random"``, ``"first"`` (the first k rows) or an ``(n_clusters, n_features)`` array;
    ``n_init`` restarts (``"auto"``: 1 for k-means++ and arrays, 10 for random), the lowest
    inertia kept; ``max_iter``; ``tol`` (relative to the mean column variance, scikit-learn's
    definition); ``random_state`` (None, an int, a ``RandomState`` or ``Generator``; the same
    seed gives the same result on every machine and thread count). ``fit(X,
    sample_weight=w)`` weighs rows as scikit-learn does (weighted seeding, means and inertia).

    Accepts NumPy arrays and pandas/polars DataFrames. ``save(path)`` / ``KMeans.load(path)``
    use the ``chromacluster`` CLI's JSON model format, both ways. Fitting releases the GIL and
    runs on all cores.
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init="k-means++",
        n_init=10,
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    # scikit-learn's defaults changed n_init to "auto"; an explicit int always works.
    def _n_init(self) -> int:
        if self.n_init == "auto":
            return 10 if isinstance(self.init, str) and self.init == "random" else 1
        n = int(self.n_init)
        if n < 1:
            raise ValueError(f"n_init must be at least 1, got {self.n_init}")
        return n

    def fit(self, X, y=None, sample_weight=None):
        """Fits the clusters to ``X`` (n_samples x n_features); ``y`` is ignored.

        ``sample_weight``: a weight per row (array-like, finite, not negative, some above
        zero): a row of weight 2 counts as two copies of it, one of weight 0 as absent, as in
        scikit-learn; ``None`` weighs every row 1."""
        a, names = _matrix(X)
        weights = None if sample_weight is None else _weights(sample_weight, a.shape[0])
        columns = names if names is not None else [f"x{i}" for i in range(a.shape[1])]
        init_name, centroids = "k-means++", None
        if isinstance(self.init, str):
            init_name = self.init
        elif callable(self.init):
            raise NotImplementedError("a callable init is not supported")
        else:
            centroids = np.ascontiguousarray(np.asarray(self.init, dtype=np.float64))
        model, labels, n_iter = _rs.kmeans_fit(
            a,
            columns,
            int(self.n_clusters),
            init_name,
            centroids,
            self._n_init() if centroids is None else 1,
            int(self.max_iter),
            float(self.tol),
            _seed(self.random_state),
            weights,
        )
        self._set_model(model)
        self.labels_ = labels
        self.n_iter_ = int(n_iter)
        if names is not None:
            self.feature_names_in_ = np.array(names, dtype=object)
        return self

    def _set_model(self, model: "_rs.KMeansModel") -> None:
        if model.transforms_input:
            raise _rs.KMeansError("standardised models are not supported by KMeans; fit on scaled data instead")
        self._model = model
        self.cluster_centers_ = model.centroids
        self.inertia_ = float(model.inertia)
        self.n_features_in_ = self.cluster_centers_.shape[1]
        self._columns = list(model.columns)

    def _fitted(self) -> None:
        if not hasattr(self, "_model"):
            try:
                from sklearn.exceptions import NotFittedError
            except ImportError:  # pragma: no cover
                NotFittedError = AttributeError
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def _check(self, X) -> np.ndarray:
        self._fitted()
        columns = getattr(X, "columns", None)
        if columns is not None and hasattr(X, "to_numpy"):
            have = [str(c) for c in columns]
            if have != self._columns and all(c in have for c in self._columns):
                X = X[self._columns]
        a, _ = _matrix(X)
        if a.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {a.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input"
            )
        return a

    def predict(self, X) -> np.ndarray:
        """The nearest cluster of each row (first on ties)."""
        a = self._check(X)
        labels, _ = self._model.predict(a)
        return labels

    def fit_predict(self, X, y=None, sample_weight=None) -> np.ndarray:
        """``fit(X)`` then ``labels_``."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X) -> np.ndarray:
        """Euclidean distance of each row to each cluster centre, (n_samples, n_clusters):
        float32 for a float32 array (as scikit-learn's KMeans; computed in float64), else
        float64."""
        a = self._check(X)
        distances = self._model.transform(a)
        if getattr(X, "dtype", None) == np.float32:
            return distances.astype(np.float32)
        return distances

    def __sklearn_tags__(self):
        """scikit-learn's tags, with float32 among the dtypes ``transform`` preserves."""
        tags = super().__sklearn_tags__()
        if tags.transformer_tags is not None:
            tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def fit_transform(self, X, y=None, sample_weight=None) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None) -> float:
        """Minus the sum of squared distances of the rows to their nearest centre (higher is
        better; weighted by ``sample_weight`` if given), as scikit-learn's."""
        a = self._check(X)
        _, sq = self._model.predict(a)
        if sample_weight is not None:
            sq = sq * _weights(sample_weight, a.shape[0])
        return -float(np.sum(sq))

    def save(self, path) -> None:
        """Writes the fitted model in the CLI's JSON format (``chromacluster predict --model``
        reads it), atomically."""
        self._fitted()
        self._model.save(os.fspath(path))

    @classmethod
    def load(cls, path) -> "KMeans":
        """Reads a model saved by :meth:`save` or by ``chromacluster cluster --save-model``."""
        model = _rs.KMeansModel.load(os.fspath(path))
        init, given, n_init, max_iter, tol = model.params()
        est = cls(
            n_clusters=int(model.k),
            init=np.array(given, dtype=np.float64) if init == "given" else init,
            n_init=int(n_init),
            max_iter=int(max_iter),
            tol=float(tol),
            random_state=int(model.seed),
        )
        est._set_model(model)
        return est

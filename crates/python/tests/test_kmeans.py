"""KMeans: scikit-learn's estimator protocol, inertia against scikit-learn's, the CLI's models."""

import json
import os

import numpy as np
import polars as pl
import pytest

import chromacluster
from conftest import CORPUS, run_cli

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is in tests/requirements.txt")
from sklearn.base import clone  # noqa: E402
from sklearn.cluster import KMeans as SkKMeans  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

NOTES = ["A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#"]


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=3000, centers=6, n_features=12, cluster_std=1.5, random_state=3)
    return X, y


def test_params_clone_and_repr():
    km = chromacluster.KMeans(n_clusters=3, random_state=0)
    assert km.get_params() == {
        "n_clusters": 3,
        "init": "k-means++",
        "n_init": 10,
        "max_iter": 300,
        "tol": 1e-4,
        "random_state": 0,
    }
    twin = clone(km)
    assert twin is not km and twin.get_params() == km.get_params()
    assert km.set_params(n_clusters=5) is km and km.n_clusters == 5
    with pytest.raises(ValueError):
        km.set_params(bogus=1)
    assert "n_clusters=5" in repr(km)


def test_fit_attributes_predict_transform_score(blobs):
    X, _ = blobs
    km = chromacluster.KMeans(n_clusters=6, random_state=1).fit(X)
    assert km.cluster_centers_.shape == (6, 12)
    assert km.labels_.shape == (3000,) and set(km.labels_) == set(range(6))
    assert km.n_iter_ >= 1 and km.n_features_in_ == 12
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    d = km.transform(X)
    assert d.shape == (3000, 6)
    np.testing.assert_array_equal(d.argmin(axis=1), km.labels_)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-9)
    np.testing.assert_array_equal(chromacluster.KMeans(6, random_state=1).fit_predict(X), km.labels_)
    with pytest.raises(Exception, match="not fitted"):
        chromacluster.KMeans(3).predict(X)


def test_same_seed_same_result(blobs):
    X, _ = blobs
    a = chromacluster.KMeans(4, random_state=7).fit(X)
    b = chromacluster.KMeans(4, random_state=7).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.inertia_ == b.inertia_


def test_inertia_is_no_worse_than_scikit_learn(blobs):
    X, _ = blobs
    ours = chromacluster.KMeans(n_clusters=6, n_init=10, random_state=0).fit(X)
    theirs = SkKMeans(n_clusters=6, n_init=10, random_state=0).fit(X)
    assert ours.inertia_ <= theirs.inertia_ * (1 + 1e-9), (ours.inertia_, theirs.inertia_)
    # Evaluated by scikit-learn's own score on our centres: the same number.
    sk_on_ours = SkKMeans(n_clusters=6, init=ours.cluster_centers_, n_init=1, max_iter=1).fit(X)
    assert -ours.score(X) == pytest.approx(ours.inertia_, rel=1e-9)
    assert sk_on_ours.inertia_ == pytest.approx(ours.inertia_, rel=1e-6)


def test_pipeline_and_grid_search(blobs):
    X, _ = blobs
    pipe = Pipeline([("scale", StandardScaler()), ("km", chromacluster.KMeans(n_clusters=6, random_state=0))])
    labels = pipe.fit_predict(X)
    assert labels.shape == (3000,)
    grid = GridSearchCV(chromacluster.KMeans(random_state=0, n_init=2), {"n_clusters": [2, 6]}, cv=3)
    grid.fit(X)
    assert grid.best_params_ == {"n_clusters": 6}
    assert isinstance(grid.best_estimator_, chromacluster.KMeans)


def test_dataframes_and_given_init(blobs):
    X, _ = blobs
    pdf = __import__("pandas").DataFrame(X, columns=[f"c{i}" for i in range(12)])
    km = chromacluster.KMeans(3, random_state=0).fit(pdf)
    assert list(km.feature_names_in_) == list(pdf.columns)
    np.testing.assert_array_equal(km.predict(pl.from_pandas(pdf)), km.labels_)
    # Columns are picked by name when a DataFrame has them in another order.
    np.testing.assert_array_equal(km.predict(pdf[pdf.columns[::-1]]), km.labels_)
    first = chromacluster.KMeans(3, init=X[:3]).fit(X)
    again = chromacluster.KMeans(3, init="first").fit(X)
    np.testing.assert_array_equal(first.labels_, again.labels_)
    with pytest.raises(chromacluster.KMeansError, match="k = 5000"):
        chromacluster.KMeans(5000).fit(X)


def test_models_round_trip_with_the_cli(cli, tmp_path):
    table = tmp_path / "keys.parquet"
    run_cli(cli, "notes", "keys", "notes", "-o", table)
    model = tmp_path / "cli-model.json"
    clusters = tmp_path / "clusters.csv"
    run_cli(cli, "cluster", table, "-k", "3", "--seed", "5", "--save-model", model, "-o", clusters)
    df = pl.read_parquet(table)
    km = chromacluster.KMeans.load(model)
    assert km.n_clusters == 3 and km.random_state == 5
    cli_labels = pl.read_csv(clusters).sort("file")["cluster"].to_numpy()
    np.testing.assert_array_equal(km.predict(df.sort("file")), cli_labels)
    # Python's model, read by the CLI's predict.
    ours = chromacluster.KMeans(3, random_state=5).fit(df.select(NOTES))
    saved = tmp_path / "py-model.json"
    ours.save(saved)
    assert json.loads(saved.read_text())["columns"] == NOTES
    # Relative to the corpus, as the table's `file` column is (the CLI runs there).
    files = sorted(os.path.relpath(p, CORPUS) for p in (CORPUS / "keys").rglob("*.wav"))
    out = tmp_path / "pred.csv"
    run_cli(cli, "predict", "--model", saved, *files, "-o", out)
    pred = pl.read_csv(out).sort("file")
    rows = df.filter(pl.col("file").is_in(pred["file"].to_list())).sort("file")
    assert rows.height == len(files) == pred.height
    np.testing.assert_array_equal(ours.predict(rows), pred["cluster"].to_numpy())
    again = chromacluster.KMeans.load(saved)
    np.testing.assert_array_equal(again.predict(df), ours.predict(df))


def test_input_kmeans_cannot_take_is_refused_in_scikit_learns_words(blobs):
    X, _ = blobs
    km = chromacluster.KMeans(n_clusters=3, random_state=0)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        km.fit(bad)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        km.fit(bad)
    with pytest.raises(ValueError, match="Complex data not supported"):
        km.fit(X.astype(np.complex128))
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        km.fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(12, 0\)\)"):
        km.fit(np.empty((12, 0)))
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse input is not supported"):
        km.fit(sparse.csr_array(X))
    km.fit(X)
    with pytest.raises(ValueError, match="Reshape your data"):
        km.predict(X[0])
    for method in (km.predict, km.transform, km.score):
        with pytest.raises(ValueError, match=f"X has 1 features, but KMeans is expecting {X.shape[1]} features"):
            method(X[:, [0]])


def test_sample_weights_count_as_repeated_rows(blobs):
    X, _ = blobs
    X = X[:200]
    w = np.random.RandomState(0).randint(0, 4, size=len(X)).astype(float)
    start = X[:6]
    weighted = chromacluster.KMeans(n_clusters=6, init=start, n_init=1).fit(X, sample_weight=w)
    repeated = chromacluster.KMeans(n_clusters=6, init=start, n_init=1).fit(np.repeat(X, w.astype(int), axis=0))
    np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_, rtol=1e-12, atol=1e-12)
    assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-12)
    assert weighted.score(X, sample_weight=w) == pytest.approx(-weighted.inertia_, rel=1e-9)
    # scikit-learn's weighted fit from the same start: the same centres.
    sk = SkKMeans(n_clusters=6, init=start, n_init=1).fit(X, sample_weight=w)
    np.testing.assert_allclose(weighted.cluster_centers_, sk.cluster_centers_, rtol=1e-9, atol=1e-9)
    # k-means++ with weights finds the blobs as well as without.
    km = chromacluster.KMeans(n_clusters=6, random_state=0).fit(X, sample_weight=np.ones(len(X)))
    assert km.inertia_ <= chromacluster.KMeans(n_clusters=6, random_state=0).fit(X).inertia_ * 1.05
    with pytest.raises(ValueError, match="zero"):
        chromacluster.KMeans(n_clusters=2).fit(X, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match="one weight per sample"):
        chromacluster.KMeans(n_clusters=2).fit(X, sample_weight=np.ones(len(X) + 1))
    with pytest.raises(ValueError, match="not negative"):
        chromacluster.KMeans(n_clusters=2).fit(X, sample_weight=-np.ones(len(X)))


def test_check_estimator_passes_as_many_checks_as_on_scikit_learns_kmeans():
    estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    from sklearn.cluster import KMeans as SkKMeans

    def run(estimator):
        results = estimator_checks.check_estimator(estimator, on_fail=None)
        failed = sorted(r["check_name"] for r in results if r["status"] == "failed")
        return failed, sum(r["status"] == "passed" for r in results)

    failed, passed = run(chromacluster.KMeans(n_clusters=3, random_state=0))
    _, passed_by_scikit_learn = run(SkKMeans(n_clusters=3, random_state=0))
    # docs/python.md says why: weighted and repeated fits start from different random rows,
    # in scikit-learn's KMeans too.
    assert failed in ([], ["check_sample_weight_equivalence_on_dense_data"]), failed
    assert passed >= passed_by_scikit_learn, (passed, passed_by_scikit_learn)


def test_transform_keeps_float32(blobs):
    X, _ = blobs
    km = chromacluster.KMeans(n_clusters=3, random_state=0).fit(X)
    d64 = km.transform(X)
    d32 = km.transform(X.astype(np.float32))
    assert d64.dtype == np.float64 and d32.dtype == np.float32
    np.testing.assert_allclose(d32, km.transform(X.astype(np.float32).astype(np.float64)), rtol=1e-6)
    assert km.fit_transform(X.astype(np.float32)).dtype == np.float32


def test_the_model_is_a_rust_object_that_pickles_and_round_trips_json(blobs, tmp_path):
    import pickle

    X, _ = blobs
    km = chromacluster.KMeans(n_clusters=4, random_state=2).fit(X)
    model = km._model
    assert type(model).__name__ == "KMeansModel"
    again = pickle.loads(pickle.dumps(km))
    np.testing.assert_array_equal(again.predict(X), km.predict(X))
    np.testing.assert_array_equal(again.cluster_centers_, km.cluster_centers_)
    same = chromacluster._chromacluster.KMeansModel.from_json(model.to_json())
    assert same.to_json() == model.to_json()
    assert (same.k, same.columns, same.seed) == (4, model.columns, model.seed)
    with pytest.raises(chromacluster.KMeansError):
        chromacluster._chromacluster.KMeansModel.from_json("{not json")

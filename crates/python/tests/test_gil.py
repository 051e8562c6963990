"""Long work releases the GIL: Python threads run while features are computed."""

import threading
import time

import numpy as np
import pytest

from chromacluster.pyaa import ShortTermFeatures

FS = 44100


@pytest.fixture(scope="module")
def signal():
    rng = np.random.default_rng(0)
    # Two minutes of 16-bit-scale noise: long enough (0.1 s or more even in the dev build that
    # the suite tests) that thread start-up and the switch interval do not matter.
    return np.round(rng.uniform(-20000, 20000, FS * 120))


def extract(signal):
    ShortTermFeatures.feature_extraction(signal, FS, 2205, 1102)


def test_python_code_runs_while_features_are_computed(signal):
    # With the GIL held, the main thread could not count while the worker extracts.
    worker = threading.Thread(target=extract, args=(signal,))
    start = time.perf_counter()
    worker.start()
    count = 0
    while worker.is_alive():
        count += 1
    elapsed = time.perf_counter() - start
    assert elapsed > 0.05, "the extraction is long enough to measure"
    # A Python loop iteration takes well under 1 us; holding the GIL would leave a few
    # thousand iterations (one switch interval of 5 ms at most before the call).
    assert count > 20_000, f"the main thread ran {count} iterations in {elapsed:.3f} s"


def test_two_threads_extracting_at_once_give_the_results_of_one_call(signal):
    # The GIL is released (above), so two extractions really run at once; they share nothing
    # and give what one call gives. How much faster two threads are is a benchmark's question,
    # not a test's: on a loaded machine a timing says nothing.
    short = signal[: FS * 20]
    expected = ShortTermFeatures.feature_extraction(short, FS, 2205, 1102)[0]
    results = [None, None]

    def run(i):
        results[i] = ShortTermFeatures.feature_extraction(short, FS, 2205, 1102)[0]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for got in results:
        assert got is not None
        np.testing.assert_array_equal(got, expected)

"""chromacluster: audio features, 12-note profiles and k-means, computed in Rust.

The project's own API:

- :func:`read_audio` -- decode any common audio file to mono float64 and its sample rate;
- :func:`features` -- the frames x 34 (or 68) pyAudioAnalysis feature table of a file or array,
  or its mid-term statistics;
- :func:`chromagram` -- the 12 x frames chromagram and the frame times;
- :func:`notes` -- the files x 12 note-profile table of files and folders, the CLI's table;
- :func:`analyze_batch` -- the same as a ``pyarrow.RecordBatch`` with an ``error`` column, for
  Ray Data ``map_batches`` and Spark ``mapInArrow``;
- :func:`similar` -- each file's nearest files by sound (or by notes), or the files nearest to
  a few seeds, as a ``polars.DataFrame``: the CLI's ``similar``;
- :class:`KMeans` -- k-means with scikit-learn's estimator protocol.

``chromacluster.pyaa`` mirrors pyAudioAnalysis 0.3.14 (``audioBasicIO``, ``ShortTermFeatures``,
``MidTermFeatures``): changing the import is the whole port.

Errors are exceptions derived from :class:`ChromaclusterError` (:class:`AudioError`,
:class:`FeatureError`, :class:`KMeansError`); their message and ``path`` attribute name the file.
Long work releases the GIL and runs on the library's thread pool.
"""

from ._chromacluster import AudioError, ChromaclusterError, FeatureError, KMeansError
from ._api import (
    FailedFilesWarning,
    Failure,
    analyze_batch,
    chromagram,
    features,
    notes,
    read_audio,
    similar,
)
from ._kmeans import KMeans
from . import pyaa

__all__ = [
    "AudioError",
    "ChromaclusterError",
    "FeatureError",
    "KMeans",
    "KMeansError",
    "FailedFilesWarning",
    "Failure",
    "analyze_batch",
    "chromagram",
    "features",
    "notes",
    "pyaa",
    "read_audio",
    "similar",
]

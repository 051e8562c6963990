"""pyAudioAnalysis's ``MidTermFeatures``: ``mid_feature_extraction``, ``beat_extraction`` and
``directory_feature_extraction``."""

from __future__ import annotations

import os
import warnings
from typing import List, Tuple

import numpy as np

from .. import _chromacluster as _rs
from .ShortTermFeatures import _signal


def mid_feature_extraction(signal, sampling_rate, mid_window, mid_step, short_window, short_step):
    """Mid-term statistics: ``(mid_features, short_features, mid_feature_names)``.

    ``short_features`` is ``feature_extraction(signal, sampling_rate, short_window, short_step)``
    (68 x frames, deltas included); ``mid_features`` (136 x windows) holds the mean and then the
    standard deviation of each of its rows over windows of
    ``round((mid_window - (short_window - short_step)) / short_step)`` frames every
    ``round(mid_step / short_step)`` frames (all four lengths in samples), named
    ``"<feature>_mean"`` and ``"<feature>_std"``.

    A mid-term window covering no frame or a zero step raises
    :class:`chromacluster.FeatureError` (the reference returns zeros, or never ends).
    """
    return _rs.mid_feature_extraction(
        _signal(signal),
        int(sampling_rate),
        float(mid_window),
        float(mid_step),
        float(short_window),
        float(short_step),
    )


def beat_extraction(short_features, window_size, plot=False) -> Tuple[float, float]:
    """The beat estimate of a short-term feature matrix (``n_features x frames``, at least the
    first 19 rows of ``feature_extraction``'s): ``(bpm, ratio)``, ``window_size`` the
    short-term step in seconds. ``plot`` is not supported (a warning says so).
    """
    if plot:
        warnings.warn("chromacluster's beat_extraction does not plot", stacklevel=2)
    features = np.ascontiguousarray(np.asarray(short_features, dtype=np.float64))
    return _rs.beat_extraction(features, float(window_size))


def directory_feature_extraction(
    folder_path, mid_window, mid_step, short_window, short_step, compute_beat=True
) -> Tuple[np.ndarray, List[str], List[str]]:
    """One feature vector per audio file directly in ``folder_path`` (``.wav``, ``.aif``,
    ``.aiff``, ``.mp3``, ``.au``, ``.ogg``, sorted by path): the average over the file's
    mid-term windows of each mid-term statistic, with (``compute_beat``) the beat's ``bpm`` and
    ``ratio`` appended. Windows and steps in seconds. Returns ``(features, file_names,
    feature_names)`` with the reference's shapes: ``(n_files, 138)``, a 1-D vector for exactly
    one file, an empty array for none.

    Differences from pyAudioAnalysis 0.3.14, on purpose: ``file_names`` names exactly the rows
    (the reference appends a name before its NaN check, so names and rows can misalign); a file
    that is empty, undecodable, shorter than 0.2 s or fails is skipped with a warning naming it
    and the cause (the reference stops with an exception at an undecodable file); every
    format the decoder reads is accepted under those extensions, channels are averaged.
    """
    features, files, names, skipped = _rs.directory_feature_extraction(
        os.fspath(folder_path),
        float(mid_window),
        float(mid_step),
        float(short_window),
        float(short_step),
        bool(compute_beat),
    )
    for path, message in skipped:
        warnings.warn(f"skipping {path}: {message}", stacklevel=2)
    if len(files) == 0:
        return np.array([]), [], []
    if len(files) == 1:
        return features[0], files, names
    return features, files, names

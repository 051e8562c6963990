"""pyAudioAnalysis's ``audioBasicIO``: ``read_audio_file`` and ``stereo_to_mono``."""

from __future__ import annotations

import os
from typing import Tuple

import numpy as np

from .._api import _raw

_DTYPES = {"u8": np.uint8, "f32": np.float32, "f64": np.float64}


def read_audio_file(input_file) -> Tuple[int, np.ndarray]:
    """Reads an audio file: ``(sampling_rate, signal)`` with the samples in the scale and dtype
    pyAudioAnalysis's readers give (16-bit PCM as ``int16``, 24- and 32-bit as left-justified
    ``int32``, 8-bit as ``uint8``, float WAV as ``float32``; MP3 as ``int16``, Ogg Vorbis as
    ``int32``).

    Differences from pyAudioAnalysis 0.3.14, on purpose:

    - every format the decoder reads is accepted whatever the extension (FLAC, AIFF, M4A, ...);
      the reference rejects most of them and, with NumPy 2, fails on MP3/Ogg/AIFF;
    - a file with more than one channel comes back already mixed to mono as ``float64`` (the
      channel mean), which is exactly what the reference's ``stereo_to_mono`` makes of its
      ``(n, 2)`` array -- so ``stereo_to_mono(read_audio_file(f)[1])`` is the reference's;
    - a file that cannot be read raises :class:`chromacluster.AudioError` naming it (the
      reference prints a message and returns an empty signal).
    """
    signal, fs, fmt, channels, scale = _raw(os.fspath(input_file))
    if channels > 1:
        return fs, signal
    if fmt in _DTYPES:
        return fs, signal.astype(_DTYPES[fmt])
    return fs, signal.astype(np.int16 if scale <= 32768.0 else np.int32)


def stereo_to_mono(signal: np.ndarray) -> np.ndarray:
    """pyAudioAnalysis's ``stereo_to_mono``: a ``(n, 1)`` array is flattened, a ``(n, 2)`` array
    becomes ``signal[:, 1] / 2 + signal[:, 0] / 2`` (float64); anything else is returned as is.
    """
    if signal.ndim == 2:
        if signal.shape[1] == 1:
            signal = signal.flatten()
        elif signal.shape[1] == 2:
            signal = (signal[:, 1] / 2) + (signal[:, 0] / 2)
    return signal

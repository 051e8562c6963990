"""The project's own API: files and arrays in, NumPy arrays and polars tables out."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, List, Literal, Optional, Tuple, Union, overload

import numpy as np

from . import _chromacluster as _rs

if TYPE_CHECKING:  # only for the annotations: polars and pyarrow are imported when used
    import polars
    import pyarrow

PathLike = Union[str, "os.PathLike[str]"]

#: The chroma: ``"accurate"`` (spectral peaks at their true pitch, the default) or ``"pyaa"``
#: (pyAudioAnalysis's chroma columns).
ChromaMode = Literal["accurate", "pyaa"]
#: A file's 12 numbers: how often each pitch class is the loudest (``"dominant"``) or the mean
#: normalised chroma (``"mean"``).
ProfileKind = Literal["dominant", "mean"]
#: The published key profiles the key is correlated with (the CLI's ``--key-profile``).
KeyProfileName = Literal[
    "krumhansl",
    "temperley",
    "temperley2005",
    "albrecht",
    "aarden",
    "bellman",
    "bgate",
    "edma",
    "triads",
]
#: What :func:`similar` compares: the sound description or the note columns.
SimilarBy = Literal["sound", "notes"]


class FailedFilesWarning(UserWarning):
    """Some files of a batch failed; ``failures`` lists them (:class:`Failure`)."""

    def __init__(self, failures: "List[Failure]"):
        self.failures = list(failures)
        shown = "; ".join(f.message for f in self.failures[:10])
        more = f"; and {len(self.failures) - 10} more" if len(self.failures) > 10 else ""
        super().__init__(f"{len(self.failures)} file(s) failed and were skipped: {shown}{more}")


@dataclass(frozen=True)
class Failure:
    """A file that could not be analysed: its path, the exception class and the message."""

    path: str
    kind: str
    message: str

    def exception(self) -> "_rs.ChromaclusterError":
        """The exception :func:`notes` raises for this file with ``strict=True``."""
        cls = getattr(_rs, self.kind, _rs.ChromaclusterError)
        err = cls(self.message)
        err.path = self.path
        return err


#: The oldest polars whose Series the extension can hand tables to (``Series._import``).
_MIN_POLARS = (1, 28)


def _polars():
    import polars as pl

    version = tuple(int(p) for p in pl.__version__.split(".")[:2] if p.isdigit())
    if version < _MIN_POLARS:
        raise ImportError(
            f"chromacluster needs polars >= {'.'.join(map(str, _MIN_POLARS))} "
            f"(found {pl.__version__}): pip install -U polars"
        )
    return pl


def _raw(path: PathLike) -> Tuple[np.ndarray, int, str, int, float]:
    """Mono samples in the scale pyAudioAnalysis's reader gives, the rate, format, channels
    and the factor from [-1, 1] to that scale."""
    samples, fs, scale, offset, fmt, channels = _rs.read_mono(os.fspath(path))
    return samples * scale + offset, fs, fmt, channels, scale


def read_audio(path: PathLike) -> Tuple[np.ndarray, int]:
    """Decodes an audio file (WAV, FLAC, MP3, Ogg Vorbis, AIFF, AAC/M4A, ALAC, recognised by
    content) to ``(samples, sample_rate)``: mono float64 samples in [-1, 1] (channels averaged).

    Raises :class:`AudioError` naming the file when it cannot be decoded.
    """
    samples, fs, _, _, _, _ = _rs.read_mono(os.fspath(path))
    return samples, fs


def _as_signal(signal) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(signal, dtype=np.float64))


def features(
    path_or_array,
    sample_rate: Optional[int] = None,
    *,
    window: float = 0.050,
    step: float = 0.025,
    deltas: bool = False,
    mid_window: Optional[float] = None,
    mid_step: Optional[float] = None,
) -> "polars.DataFrame":
    """The short-term feature table of a file or a 1-D signal, the CLI's ``features``: a
    ``polars.DataFrame`` with one row per frame and pyAudioAnalysis's 34 columns (68 with
    ``deltas``), windows of ``int(window * rate)`` samples every ``int(step * rate)``.

    With ``mid_window`` and ``mid_step`` (seconds, both or neither): the mid-term statistics
    instead (CLI ``features --mid-window S --mid-step S``), one row per mid-term window, the mean
    and std of the 68 features and deltas, 136 columns.

    A file is read in the scale pyAudioAnalysis's reader gives (16-bit PCM as -32768..32767), so
    the values equal the reference's; an array is used as given (then ``sample_rate`` is
    required; only ``energy`` depends on the signal's scale).
    """
    pl = _polars()
    if isinstance(path_or_array, (str, os.PathLike)):
        signal, fs, _, _, _ = _raw(path_or_array)
        if sample_rate is not None and sample_rate != fs:
            raise ValueError(f"{os.fspath(path_or_array)}: sample rate is {fs} Hz, not {sample_rate}")
    else:
        if sample_rate is None:
            raise ValueError("sample_rate is required when features() is given an array")
        signal, fs = _as_signal(path_or_array), int(sample_rate)
        if signal.ndim != 1:
            raise ValueError(f"expected a 1-D signal, got shape {signal.shape}")
    if (mid_window is None) != (mid_step is None):
        raise ValueError("mid_window and mid_step go together")
    if mid_window is not None:
        return _rs.mid_term_table(signal, fs, float(mid_window), float(mid_step))
    matrix, names = _rs.feature_extraction(signal, fs, int(window * fs), int(step * fs), deltas)
    return pl.DataFrame({name: matrix[i] for i, name in enumerate(names)})


def chromagram(path: PathLike, chroma: ChromaMode = "accurate") -> Tuple[np.ndarray, np.ndarray]:
    """The chromagram of a file: ``(values, times)``, ``values`` a 12 x frames float64 array in
    the pitch-class order A, A#, B, C, ..., G# (the table's), ``times`` each frame's start in
    seconds. ``chroma`` is ``"accurate"`` (true bin frequencies, long window) or ``"pyaa"``
    (pyAudioAnalysis's chroma over 50 ms / 25 ms frames).
    """
    values, hop = _rs.chromagram(os.fspath(path), chroma)
    return values, np.arange(values.shape[1], dtype=np.float64) * hop


def _paths(paths) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


@overload
def notes(
    paths_or_folders: Union[PathLike, Iterable[PathLike]],
    chroma: ChromaMode = ...,
    profile: ProfileKind = ...,
    summary: bool = ...,
    jobs: Optional[int] = ...,
    strict: bool = ...,
    return_failures: Literal[False] = ...,
    tuning: Union[Literal["auto"], float] = ...,
    a4: Optional[float] = ...,
    key_profile: KeyProfileName = ...,
    relative: bool = ...,
    sound: bool = ...,
) -> "polars.DataFrame": ...


@overload
def notes(
    paths_or_folders: Union[PathLike, Iterable[PathLike]],
    chroma: ChromaMode = ...,
    profile: ProfileKind = ...,
    summary: bool = ...,
    jobs: Optional[int] = ...,
    strict: bool = ...,
    *,
    return_failures: Literal[True],
    tuning: Union[Literal["auto"], float] = ...,
    a4: Optional[float] = ...,
    key_profile: KeyProfileName = ...,
    relative: bool = ...,
    sound: bool = ...,
) -> "Tuple[polars.DataFrame, List[Failure]]": ...


def notes(
    paths_or_folders: Union[PathLike, Iterable[PathLike]],
    chroma: ChromaMode = "accurate",
    profile: ProfileKind = "dominant",
    summary: bool = False,
    jobs: Optional[int] = None,
    strict: bool = False,
    return_failures: bool = False,
    tuning: Union[Literal["auto"], float] = "auto",
    a4: Optional[float] = None,
    key_profile: KeyProfileName = "temperley2005",
    relative: bool = False,
    sound: bool = False,
) -> "Union[polars.DataFrame, Tuple[polars.DataFrame, List[Failure]]]":
    """The files x 12 note-profile table of files and folders (walked recursively, audio files
    by extension and content), exactly the CLI's ``notes`` table: a ``polars.DataFrame`` with
    ``file``, ``A`` .. ``G#``, ``voiced_frames``, ``frames``, ``duration_s``, ``sample_rate``,
    ``tuning_cents``, ``key`` (``"F# minor"``, empty without a key), ``key_strength``, the
    file's own tags ``title``, ``artist``, ``album``, ``track``, ``year``, ``genre`` (null where
    the file has none; never features) and the 68 feature statistics with ``summary``, one row
    per good file in path order.
    ``.to_pandas()`` gives pandas.

    ``chroma``: ``"accurate"`` or ``"pyaa"``; ``profile``: ``"dominant"`` or ``"mean"``;
    ``jobs``: worker threads (default all cores; the table does not depend on it).

    Tuning and key (accurate chroma; the CLI's ``--tuning``, ``--a4``, ``--key-profile``,
    ``--relative``): ``tuning="auto"`` estimates each file's deviation from A4 = 440 Hz from
    its spectral peaks; a number fixes it in cents (``0``: A4 = 440 Hz exactly, within
    +-1200); ``a4`` fixes it by the frequency of A4 in Hz instead (100 to 1000; only with
    ``tuning="auto"``). ``key_profile``: ``"temperley2005"`` (default), ``"krumhansl"``,
    ``"temperley"``, ``"albrecht"``, ``"aarden"``, ``"bellman"``, ``"bgate"``, ``"edma"``
    or ``"triads"``. ``relative=True`` rotates each file's note columns so that its estimated
    tonic comes first, named by scale degree (``1, b2, 2, b3, 3, 4, #4, 5, b6, 6, b7, 7``), so
    that clustering groups files by mode whatever their key. An invalid value raises
    ``ValueError``.

    A file that fails does not raise: it is left out, a :class:`FailedFilesWarning` lists the
    failures (path and cause), and with ``return_failures=True`` the result is
    ``(table, [Failure, ...])``. With ``strict=True`` the batch stops at its first failure
    (files are analysed in parallel: no file is started after it) and raises the exception
    (:class:`AudioError`, :class:`FeatureError`) of the first failed file in path order, naming
    the file. The GIL is released while files are analysed; Ctrl-C stops the call: files not
    started are skipped and ``KeyboardInterrupt`` is raised once the files being analysed (one
    per thread at most) finish.
    """
    requested = _paths(paths_or_folders)
    files, _skipped, unreadable = _rs.audio_files(requested)
    if not files:
        raise _rs.ChromaclusterError(f"no audio files found in {', '.join(requested)}")
    if strict and unreadable:
        path, cause = unreadable[0]
        raise _rs.ChromaclusterError(f"{path}: {cause}")
    _polars()  # the table comes back as a polars DataFrame
    table, failed = _rs.notes_table(
        [os.fspath(f) for f in files],
        chroma,
        profile,
        summary,
        jobs,
        strict,
        tuning,
        a4,
        key_profile,
        relative,
        sound,
    )
    failures = [Failure(os.fspath(p), "ChromaclusterError", f"{os.fspath(p)}: {cause}") for p, cause in unreadable]
    failures += [Failure(p, kind, message) for p, kind, message in failed]
    if failures:
        warnings.warn(FailedFilesWarning(failures), stacklevel=2)
    return (table, failures) if return_failures else table


def _batch_paths(batch, path_column: str) -> List[str]:
    if isinstance(batch, (str, os.PathLike)):
        return [os.fspath(batch)]
    column = None
    if isinstance(batch, dict):
        column = batch[path_column]
    elif hasattr(batch, "column") and hasattr(batch, "schema"):  # pyarrow Table / RecordBatch
        column = batch.column(path_column)
    elif hasattr(batch, "columns") and hasattr(batch, "__getitem__") and not isinstance(batch, (list, tuple)):
        column = batch[path_column]  # pandas / polars DataFrame
    if column is None:
        return _paths(batch)
    if hasattr(column, "to_pylist"):
        return [str(p) for p in column.to_pylist()]
    return [str(p) for p in list(column)]


def _arrow_type(pa, t, signed_integers: bool):
    view = getattr(pa.types, "is_string_view", lambda _t: False)
    if pa.types.is_large_string(t) or view(t) or pa.types.is_string(t):
        return pa.string()
    if signed_integers and pa.types.is_unsigned_integer(t):
        return pa.int64()
    return t


def analyze_batch(
    paths,
    *,
    chroma: ChromaMode = "accurate",
    profile: ProfileKind = "dominant",
    summary: bool = False,
    jobs: Optional[int] = None,
    path_column: str = "path",
    signed_integers: bool = False,
    tuning: Union[Literal["auto"], float] = "auto",
    a4: Optional[float] = None,
    key_profile: KeyProfileName = "temperley2005",
    relative: bool = False,
) -> "pyarrow.RecordBatch":
    """Analyses a batch of audio files and returns a ``pyarrow.RecordBatch`` with one row per
    input path, in input order: the :func:`notes` table's columns plus ``error`` (null when the
    file was fine; otherwise the cause, the other columns null). Never raises for a bad file, so
    one bad file cannot fail a distributed job.

    ``paths``: a list of paths, or a ``pyarrow.Table``/``RecordBatch``, pandas/polars DataFrame
    or dict with a ``path_column`` column -- what Ray Data's
    ``map_batches(analyze_batch, batch_format="pyarrow")`` and Spark's ``mapInArrow`` hand over.
    The ``file`` column holds each path's table label, the path itself unless the name is not
    UTF-8 or holds a backslash (then ``\\\\`` and ``\\xHH`` escapes, as in :func:`notes`'s table).
    Strings are Arrow ``string`` (not ``large_string``). ``signed_integers=True`` turns the
    unsigned count columns into ``int64`` (Spark has no unsigned types). Given a
    ``pyarrow.Table`` (Ray Data's batch), the result is a ``pyarrow.Table`` too, as Ray's
    ``map_batches`` requires. ``tuning``, ``a4``, ``key_profile`` and ``relative`` are as in
    :func:`notes`.
    """
    import pyarrow as pa

    as_table = isinstance(paths, pa.Table)

    pl = _polars()
    requested = _batch_paths(paths, path_column)
    table, failed = _rs.notes_table(
        requested, chroma, profile, summary, jobs, False, tuning, a4, key_profile, relative
    )
    # The file column holds each path's table label: the path itself unless it is not UTF-8
    # or holds a backslash (then escaped, so that no two paths share a label, and a name
    # that is not UTF-8 still fits an Arrow string).
    labels = _rs.file_labels(requested)
    errors = {label: message for label, _kind, message in failed}
    base = pl.DataFrame({"file": pl.Series("file", labels, dtype=pl.Utf8)}).with_row_index("__row")
    joined = base.join(table, on="file", how="left").sort("__row").drop("__row")
    joined = joined.with_columns(pl.Series("error", [errors.get(label) for label in labels], dtype=pl.Utf8))
    arrow = joined.to_arrow()
    schema = pa.schema(
        [
            pa.field(f.name, _arrow_type(pa, f.type, signed_integers))
            for f in arrow.schema
        ]
    )
    arrow = arrow.cast(schema)
    batches = arrow.combine_chunks().to_batches()
    batch = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=schema)
    return pa.Table.from_batches([batch], schema=schema) if as_table else batch


def similar(
    table_or_paths,
    to: Union[PathLike, Iterable[PathLike], None] = None,
    n: int = 10,
    by: SimilarBy = "sound",
    jobs: Optional[int] = None,
    **notes_options,
) -> "polars.DataFrame":
    """Which files sound alike, the CLI's ``similar``: a ``polars.DataFrame`` of ``file``,
    ``rank`` (1 = nearest), ``neighbour`` and ``distance``.

    ``table_or_paths``: a table from :func:`notes` (with ``sound=True`` for ``by="sound"``), or
    files and folders, analysed here (``jobs`` threads; ``notes_options`` are passed to
    :func:`notes`). Without ``to``, every file's ``n`` nearest other files. ``to``: one file or
    several (inside the table or not; files outside it are analysed with the same options): the
    ``n`` files nearest to all of them (least sum of squared distances), in one query named by
    the seeds joined with ``" + "``; the seeds themselves are left out.

    ``by="sound"`` compares the sound description in its fitted similarity space (z-scores,
    group weights, 32 principal axes; docs/similarity.md); ``by="notes"`` the note columns as
    they are (harmonic neighbours). Distances are Euclidean in that space. An invalid ``by``
    raises ``ValueError``; a table without the columns ``by`` needs raises
    :class:`ChromaclusterError` naming what is missing.
    """
    if by not in ("sound", "notes"):
        raise ValueError(f'unknown by {by!r} (expected "sound" or "notes")')
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    pl = _polars()
    if isinstance(table_or_paths, pl.DataFrame):
        table = table_or_paths
    else:
        table = notes(table_or_paths, jobs=jobs, sound=(by == "sound"), **notes_options)
    seed_rows = None
    outside = None
    query = None
    if to is not None:
        seeds = _paths(to)
        if not seeds:
            raise ValueError("to names no file")
        files = table["file"].to_list() if "file" in table.columns else []
        row_of_label = {}
        for i, f in enumerate(files):
            row_of_label.setdefault(f, i)
        real = None
        seed_rows, outside_paths = [], []
        for path, label in zip(seeds, _rs.file_labels(seeds)):
            row = row_of_label.get(label)
            if row is None:
                # The same file on disk under another spelling.
                if real is None:
                    real = {}
                    for i, f in enumerate(files):
                        real.setdefault(os.path.realpath(f), i)
                row = real.get(os.path.realpath(path))
            if row is None:
                outside_paths.append(path)
            else:
                seed_rows.append(row)
        if outside_paths:
            options = dict(notes_options)
            options.setdefault("summary", any(c.endswith("_mean") for c in table.columns))
            outside = notes(outside_paths, jobs=jobs, sound=(by == "sound"), strict=True, **options)
        query = " + ".join(_rs.file_labels(seeds))
    return _rs.similar_table(table, by, n, seed_rows, outside, query)

"""Drop-in equality with pyAudioAnalysis 0.3.14, against its own output kept in testdata/."""

import csv
import os
import shutil

import numpy as np
import pytest

import chromacluster
from chromacluster.pyaa import MidTermFeatures, ShortTermFeatures, audioBasicIO

from conftest import CORPUS, REFERENCE, assert_columns_close, lossless_index, read_golden

MIDTERM = REFERENCE / "pyaa-midterm"


def midterm_index():
    with open(MIDTERM / "INDEX.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", lossless_index(), ids=lambda r: r["path"])
def test_feature_extraction_equals_reference(row):
    fs, x = audioBasicIO.read_audio_file(str(CORPUS / row["path"]))
    assert fs == int(row["fs"])
    if int(row["channels"]) == 1:
        assert x.dtype == np.dtype(row["raw_dtype"]), "mono files keep the reference reader's dtype"
        assert x.shape == (int(row["n_samples"]),)
    x = audioBasicIO.stereo_to_mono(x)
    assert x.shape == (int(row["n_samples"]),)
    features, names = ShortTermFeatures.feature_extraction(x, fs, int(0.050 * fs), int(0.025 * fs), deltas=False)
    header, golden = read_golden(row["output"])
    assert names == header
    assert features.dtype == np.float64 and features.flags["C_CONTIGUOUS"]
    assert features.shape == (34, int(row["n_frames"]))
    assert_columns_close(features.T, golden, names, row["path"])


def test_deltas_are_named_and_differences():
    fs, x = audioBasicIO.read_audio_file(str(CORPUS / "real/doremi.wav"))
    f34, names34 = ShortTermFeatures.feature_extraction(x, fs, 800, 400, deltas=False)
    f68, names68 = ShortTermFeatures.feature_extraction(x, fs, 800, 400)
    assert names68 == names34 + ["delta " + n for n in names34]
    np.testing.assert_array_equal(f68[:34], f34)
    np.testing.assert_array_equal(f68[34:, 0], 0.0)
    np.testing.assert_allclose(f68[34:, 1:], np.diff(f34, axis=1), rtol=0, atol=1e-12)


def test_stereo_to_mono_is_the_reference_formula():
    x = np.array([[1, 2], [3, -4], [-32768, 32767]], dtype=np.int16)
    y = audioBasicIO.stereo_to_mono(x)
    np.testing.assert_array_equal(y, x[:, 1] / 2 + x[:, 0] / 2)
    assert y.dtype == np.float64
    assert audioBasicIO.stereo_to_mono(x[:, :1]).shape == (3,)
    mono = np.arange(5, dtype=np.int16)
    assert audioBasicIO.stereo_to_mono(mono) is mono


@pytest.mark.parametrize(
    "row", [r for r in midterm_index() if r["function"] == "mid_feature_extraction"], ids=lambda r: r["output"]
)
def test_mid_feature_extraction_and_beat_equal_reference(row):
    fs, x = audioBasicIO.read_audio_file(str(CORPUS / row["input"]))
    x = audioBasicIO.stereo_to_mono(x)
    args = [float(row[k]) for k in ("mid_window", "mid_step", "short_window", "short_step")]
    mid, short, names = MidTermFeatures.mid_feature_extraction(x, fs, *args)
    header, golden = read_golden(MIDTERM.relative_to(REFERENCE) / row["output"])
    assert names == header
    assert mid.shape == (136, int(float(row["rows"])))
    assert short.shape[0] == 68
    assert_columns_close(mid.T, golden, names, row["output"])
    bpm, ratio = MidTermFeatures.beat_extraction(short, float(row["config"].rsplit("_h", 1)[1]))
    assert bpm == float(row["bpm"])
    assert abs(ratio - float(row["ratio"])) <= 1e-9


@pytest.mark.parametrize(
    "row", [r for r in midterm_index() if r["function"] == "directory_feature_extraction"], ids=lambda r: r["output"]
)
def test_directory_feature_extraction_equals_reference(row):
    args = [float(row[k]) for k in ("mid_window", "mid_step", "short_window", "short_step")]
    folder = os.path.join(str(CORPUS), row["input"])
    features, files, names = MidTermFeatures.directory_feature_extraction(folder, *args, compute_beat=True)
    # The golden table's first column is the file name: read it as text, not through read_golden.
    with open(MIDTERM / row["output"], newline="") as f:
        header, *rows = list(csv.reader(f))
    assert names == header[1:]
    assert [os.path.relpath(p, CORPUS) for p in files] == [r[0] for r in rows]
    assert all(p.startswith(folder + os.sep) for p in files), "names are os.path.join(folder, name)"
    golden = np.array([[float(v) for v in r[1:]] for r in rows])
    assert features.shape == (len(rows), 138)
    assert_columns_close(features, golden, names, row["output"])


def test_directory_skips_bad_files_with_a_warning_and_keeps_names_aligned(tmp_path):
    shutil.copy(CORPUS / "notes/piano/60_C4.wav", tmp_path / "a.wav")
    shutil.copy(CORPUS / "bad/nan_inf.wav", tmp_path / "b.wav")
    shutil.copy(CORPUS / "bad/notes.wav", tmp_path / "c.wav")
    (tmp_path / "d.wav").write_bytes(b"")
    with pytest.warns(UserWarning) as record:
        features, files, names = MidTermFeatures.directory_feature_extraction(str(tmp_path), 1.0, 0.5, 0.05, 0.025)
    assert [os.path.basename(f) for f in files] == ["a.wav"]
    assert features.shape == (138,), "one file: a vector, as the reference returns"
    messages = " ".join(str(w.message) for w in record)
    for name in ["b.wav", "c.wav", "d.wav"]:
        assert name in messages
    (tmp_path / "empty").mkdir()
    empty, no_files, no_names = MidTermFeatures.directory_feature_extraction(
        str(tmp_path / "empty"), 1.0, 0.5, 0.05, 0.025
    )
    assert (empty.shape, no_files, no_names) == ((0,), [], [])


def test_errors_are_typed_and_name_the_file():
    bad = str(CORPUS / "bad/notes.wav")
    with pytest.raises(chromacluster.AudioError) as info:
        audioBasicIO.read_audio_file(bad)
    assert "notes.wav" in str(info.value)
    assert info.value.path == bad
    assert isinstance(info.value, chromacluster.ChromaclusterError)
    with pytest.raises(chromacluster.FeatureError, match="shorter than one window"):
        ShortTermFeatures.feature_extraction(np.zeros(100), 16000, 800, 400)
    with pytest.raises(chromacluster.FeatureError, match="non-finite"):
        ShortTermFeatures.feature_extraction(np.full(2000, np.nan), 16000, 800, 400)
    with pytest.raises(chromacluster.FeatureError, match="mid-term step"):
        MidTermFeatures.mid_feature_extraction(np.ones(16000), 16000, 8000, 10, 800, 400)
    with pytest.raises(ValueError, match="1-D"):
        ShortTermFeatures.feature_extraction(np.zeros((10, 3)), 16000, 800, 400)

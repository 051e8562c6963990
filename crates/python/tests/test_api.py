"""The project's own API against the CLI's output for the same files."""

import os
import signal
import threading
import time
import _thread

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chromacluster
from conftest import CORPUS, TESTDATA, assert_columns_close, read_golden, run_cli


def cli_table(cli, tmp_path, *args, check=True):
    out = tmp_path / f"cli-{abs(hash(args))}.parquet"
    run_cli(cli, "notes", *args, "-o", out, check=check)
    return pl.read_parquet(out)


def test_read_audio_is_mono_float64_in_unit_range():
    x, sr = chromacluster.read_audio(CORPUS / "formats/wav_pcm_s16le_44100_2ch.wav")
    assert sr == 44100 and x.dtype == np.float64 and x.ndim == 1 and len(x) == 132300
    assert 0 < np.abs(x).max() <= 1.0


def test_a_decoder_panic_raises_audio_error_without_a_panic_message(capfd):
    # symphonia 0.6.1 panics on this fuzz input (a shift overflow, with the overflow checks of
    # the test build); audio-io catches it and the module's quiet hook keeps the
    # "thread ... panicked" message off stderr.
    name = "wav_channel_mask_shift_overflow.bin"
    with pytest.raises(chromacluster.AudioError) as info:
        chromacluster.read_audio(TESTDATA / "fuzz" / name)
    assert name in str(info.value)
    assert "panicked" not in capfd.readouterr().err


def test_features_of_a_file_equal_the_reference_and_the_cli(cli, tmp_path):
    df = chromacluster.features(CORPUS / "real/doremi.wav")
    header, golden = read_golden("pyaa/real/doremi.wav.csv")
    assert df.columns == header
    assert_columns_close(df.to_numpy(), golden, header, "doremi")
    out = tmp_path / "f.parquet"
    run_cli(cli, "features", "real/doremi.wav", "--deltas", "-o", out)
    assert_frame_equal(chromacluster.features(CORPUS / "real/doremi.wav", deltas=True), pl.read_parquet(out))


def test_features_of_an_array_need_the_rate_and_match_the_file():
    from chromacluster.pyaa import audioBasicIO

    fs, x = audioBasicIO.read_audio_file(str(CORPUS / "real/doremi.wav"))
    assert_frame_equal(chromacluster.features(x, fs), chromacluster.features(CORPUS / "real/doremi.wav"))
    with pytest.raises(ValueError, match="sample_rate"):
        chromacluster.features(x)


def test_mid_term_features_equal_the_cli(cli, tmp_path):
    out = tmp_path / "mid.parquet"
    run_cli(cli, "features", "real/doremi.wav", "--mid-window", "1", "--mid-step", "0.5", "-o", out)
    ours = chromacluster.features(CORPUS / "real/doremi.wav", mid_window=1.0, mid_step=0.5)
    assert ours.shape == (16, 136)
    assert_frame_equal(ours, pl.read_parquet(out))


def test_chromagram_shape_and_times():
    values, times = chromacluster.chromagram(CORPUS / "real/doremi.wav")
    assert values.shape[0] == 12 and values.shape[1] == len(times) > 10
    assert times[0] == 0.0 and np.all(np.diff(times) > 0)
    assert times[-1] < 8.1  # doremi.wav lasts 8 s
    pyaa, pyaa_times = chromacluster.chromagram(CORPUS / "real/doremi.wav", chroma="pyaa")
    assert pyaa.shape == (12, 319)
    np.testing.assert_allclose(np.diff(pyaa_times), 0.025)
    with pytest.raises(ValueError, match="chroma"):
        chromacluster.chromagram(CORPUS / "real/doremi.wav", chroma="nope")


# The CLI flag of each `notes()` keyword argument.
NOTES_FLAGS = {
    "chroma": "--chroma",
    "profile": "--profile",
    "tuning": "--tuning",
    "a4": "--a4",
    "key_profile": "--key-profile",
}


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"chroma": "pyaa"},
        {"profile": "mean"},
        {"summary": True},
        {"relative": True},
        {"relative": True, "profile": "mean", "key_profile": "temperley"},
        {"key_profile": "edma"},
        {"tuning": 0},
        {"tuning": "-20.5", "profile": "mean"},
        {"a4": 442.0},
    ],
    ids=["accurate", "pyaa", "mean", "summary", "relative", "relative-mean-temperley", "edma", "tuning0",
         "tuning-20.5", "a4"],
)
def test_notes_equal_the_cli_table(cli, tmp_path, options):
    args = []
    for name, value in options.items():
        if name in NOTES_FLAGS:
            args += [f"{NOTES_FLAGS[name]}={value}"]
        elif value is True:
            args += ["--" + name]
    folder = CORPUS / "keys"
    ours = chromacluster.notes(str(folder), **options)
    theirs = cli_table(cli, tmp_path, str(folder), *args)
    assert ours.height == 6
    assert_frame_equal(ours, theirs)
    assert ours.to_pandas().shape == ours.shape


def test_notes_tuning_key_and_relative_arguments_do_what_they_say():
    folder = str(CORPUS / "keys")
    default = chromacluster.notes(folder)
    # The corpus's six pieces are I-IV-V-I in the major keys their names give.
    assert default["key"].to_list() == ["A# major", "C major", "D major", "E major", "F# major", "G# major"]
    relative = chromacluster.notes(folder, relative=True)
    assert relative.columns[1:13] == ["1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7"]
    # The tonic column holds the value of each file's own tonic.
    for row, key in zip(default.iter_rows(named=True), default["key"]):
        tonic = key.split()[0]
        assert relative.filter(pl.col("file") == row["file"])["1"][0] == row[tonic]
    fixed = chromacluster.notes(folder, tuning=0)
    assert fixed["tuning_cents"].to_list() == [0.0] * 6
    cents = 1200 * np.log2(415.0 / 440.0)
    assert chromacluster.notes(folder, a4=415.0)["tuning_cents"].to_list() == pytest.approx([cents] * 6)
    assert_frame_equal(chromacluster.notes(folder, tuning="auto"), default)
    assert_frame_equal(chromacluster.notes(folder, key_profile="temperley2005"), default)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"tuning": "sharp"}, "between -1200 and 1200"),
        ({"tuning": 5000}, "between -1200 and 1200"),
        ({"a4": 50.0}, "between 100 and 1000"),
        ({"tuning": 0, "a4": 442.0}, "not both"),
        ({"key_profile": "nope"}, "unknown key profile"),
    ],
)
def test_notes_rejects_bad_tuning_and_key_arguments(options, message):
    with pytest.raises(ValueError, match=message):
        chromacluster.notes(str(CORPUS / "keys"), **options)


def test_notes_with_one_job_give_the_same_table():
    folder = str(CORPUS / "notes")
    assert_frame_equal(chromacluster.notes(folder, jobs=1), chromacluster.notes(folder, jobs=2))


def test_notes_failures_come_back_with_a_warning(cli, tmp_path, mixed_folder):
    with pytest.warns(chromacluster.FailedFilesWarning) as record:
        table, failures = chromacluster.notes(mixed_folder, return_failures=True)
    assert table.height == 2
    assert [os.path.basename(f.path) for f in failures] == ["bad_notes.wav", "bad_short_10ms.wav"]
    assert failures[0].kind == "AudioError" and "bad_notes.wav" in failures[0].message
    assert failures[1].kind == "FeatureError"
    assert "bad_notes.wav" in str(record[0].message)
    # The CLI reports the same two files (exit status 1) and writes the same rows.
    out = tmp_path / "t.parquet"
    res = run_cli(cli, "notes", mixed_folder, "-o", out, check=False)
    assert res.returncode == 1
    assert_frame_equal(table, pl.read_parquet(out))


def test_notes_strict_raises_a_typed_error_naming_the_file(mixed_folder):
    with pytest.raises(chromacluster.AudioError) as info:
        chromacluster.notes(mixed_folder, strict=True)
    assert "bad_notes.wav" in str(info.value)
    assert os.path.basename(info.value.path) == "bad_notes.wav"
    with pytest.raises(chromacluster.ChromaclusterError, match="no audio files"):
        empty = mixed_folder.parent / "empty"
        empty.mkdir()
        chromacluster.notes(empty)


def test_analyze_batch_has_a_row_per_input_and_an_error_column(cli, tmp_path, mixed_folder):
    pa = pytest.importorskip("pyarrow")
    paths = sorted(str(p) for p in mixed_folder.iterdir())
    paths = [paths[2], paths[0], paths[3], paths[1]]  # not sorted: the output keeps input order
    batch = chromacluster.analyze_batch(paths)
    assert isinstance(batch, pa.RecordBatch)
    assert batch.num_rows == 4
    assert batch.column("file").to_pylist() == paths
    errors = batch.column("error").to_pylist()
    assert [e is None for e in errors] == [not os.path.basename(p).startswith("bad") for p in paths]
    for path, error in zip(paths, errors):
        if error is not None:
            assert os.path.basename(path) in error
    assert batch.schema.field("file").type == pa.string()
    good = pl.from_arrow(batch).filter(pl.col("error").is_null()).drop("error").sort("file")
    assert_frame_equal(good, cli_table(cli, tmp_path, mixed_folder, check=False))
    # A pyarrow Table with a `path` column (Ray Data's batch) gives the same rows, as a Table.
    same = chromacluster.analyze_batch(pa.table({"path": paths}))
    assert isinstance(same, pa.Table)
    assert same.equals(pa.Table.from_batches([batch]))
    assert chromacluster.analyze_batch([]).num_rows == 0


def test_the_files_own_tags_are_columns_null_where_absent(cli, tmp_path):
    pa = pytest.importorskip("pyarrow")
    tags = TESTDATA / "tags"
    files = [str(tags / "tags_vorbis.opus"), str(tags / "tags_id3v2.3+v1.mp3"), str(tags / "plain.mp3")]
    table = chromacluster.notes(files)
    assert table.columns[-6:] == ["title", "artist", "album", "track", "year", "genre"]
    rows = {os.path.basename(r["file"]): r for r in table.iter_rows(named=True)}
    for name in ["tags_vorbis.opus", "tags_id3v2.3+v1.mp3"]:
        r = rows[name]
        assert (r["title"], r["artist"], r["album"], r["track"], r["year"], r["genre"]) == (
            "Intro", "Tux", "Antarctic", 3, 2004, "Soundtrack"
        ), name
    assert all(rows["plain.mp3"][c] is None for c in ["title", "artist", "album", "track", "year", "genre"])
    assert_frame_equal(table, cli_table(cli, tmp_path, *files))
    batch = chromacluster.analyze_batch(files)
    assert batch.column("title").to_pylist() == ["Intro", "Intro", None]
    assert batch.schema.field("year").type in (pa.int32(), pa.int64())


@pytest.mark.skipif(os.name != "posix", reason="names that are not UTF-8 are a Unix matter")
def test_a_name_that_is_not_utf8_and_its_escaped_spelling_stay_two_rows(tmp_path):
    # Issue 23 row 6: b"bad\xffbyte.wav" and the text "bad\\xFFbyte.wav" used to share one label.
    pytest.importorskip("pyarrow")
    c4 = CORPUS / "notes/piano/60_C4.wav"
    raw = os.path.join(os.fsencode(tmp_path), b"bad\xffbyte.wav")
    spelled = tmp_path / "bad\\xFFbyte.wav"
    for target in (raw, os.fsencode(spelled)):
        with open(c4, "rb") as src, open(target, "wb") as dst:
            dst.write(src.read())
    paths = [os.fsdecode(raw), str(spelled)]
    batch = chromacluster.analyze_batch(paths)
    files = batch.column("file").to_pylist()
    assert batch.column("error").to_pylist() == [None, None]
    assert files[0].endswith("bad\\xFFbyte.wav") and files[1].endswith("bad\\\\xFFbyte.wav")
    table = chromacluster.notes(tmp_path)
    assert sorted(table["file"].to_list()) == sorted(files)


def test_analyze_batch_takes_the_key_and_tuning_arguments_of_notes():
    pa = pytest.importorskip("pyarrow")
    folder = CORPUS / "keys"
    paths = sorted(str(p) for p in folder.rglob("*.wav"))
    options = {"relative": True, "key_profile": "edma", "tuning": 0}
    batch = chromacluster.analyze_batch(paths, **options)
    expected = chromacluster.notes([str(folder)], **options)
    got = pl.from_arrow(batch).drop("error").sort("file")
    assert got.columns[1:13] == ["1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7"]
    assert_frame_equal(got, expected.sort("file"))
    assert isinstance(batch, pa.RecordBatch)


def test_ctrl_c_stops_notes_between_files(tmp_path):
    # 60 copies of a 3-minute song: several seconds of work on two cores.
    song = CORPUS / "real/beat/100 BPM - Rhythm patterns - Salsa.mp3"
    for i in range(60):
        os.symlink(song, tmp_path / f"copy{i:02}.mp3")
    # Python raises KeyboardInterrupt only with its own SIGINT handler installed, which it does
    # at start-up unless SIGINT is ignored, as it is for a command a shell starts in the
    # background (`.ci/run &`): there `interrupt_main` does nothing and notes ran to the end.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    interrupted, result = False, None
    try:
        result = chromacluster.notes(tmp_path, jobs=2, return_failures=True)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        elapsed = time.perf_counter() - start
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert interrupted, (
        f"notes returned after {elapsed:.2f} s without KeyboardInterrupt: "
        f"{result[0].height} rows, failures {result[1][:3]}"
    )
    one = time.perf_counter()
    chromacluster.notes(tmp_path / "copy00.mp3")
    one = time.perf_counter() - one
    # Stopped within a chunk of files (8 files on 2 threads), long before the 60 files.
    assert elapsed < 0.5 + 12 * one + 1.0, f"took {elapsed:.2f} s; one file {one:.2f} s"

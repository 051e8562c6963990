"""chromacluster.similar: the CLI's `similar` from Python, as a polars DataFrame."""

import numpy as np
import polars as pl
import pytest

import chromacluster
from conftest import CORPUS, run_cli

# Real recordings of the corpus (music, beats, speech) and two re-encodings of one excerpt.
FOLDERS = [CORPUS / "real" / "3_class" / "music", CORPUS / "real" / "beat", CORPUS / "real" / "speechEmotion"]
FLAC = CORPUS / "formats" / "flac_s16_44100_2ch.flac"
MP3 = CORPUS / "formats" / "mp3_cbr192k_44100_2ch.mp3"
OUTSIDE = CORPUS / "formats" / "wav_pcm_s16le_22050_1ch.wav"


def paths():
    return [str(p) for p in FOLDERS] + [str(FLAC), str(MP3)]


def cli_neighbours(cli, tmp_path, *args):
    out = tmp_path / "cli.csv"
    run_cli(cli, "similar", *args, "-o", out)
    return pl.read_csv(out, schema_overrides={"rank": pl.UInt32})


def assert_same_neighbours(ours, theirs):
    assert ours.columns == ["file", "rank", "neighbour", "distance"]
    assert ours["rank"].dtype == pl.UInt32
    assert ours.select("file", "rank", "neighbour").equals(theirs.select("file", "rank", "neighbour"))
    # The CSV keeps the distance's shortest round-trip text: equal to the last bit.
    np.testing.assert_allclose(ours["distance"].to_numpy(), theirs["distance"].to_numpy(), rtol=1e-12)


@pytest.fixture(scope="module")
def sound_table():
    return chromacluster.notes(paths(), sound=True)


def test_every_files_neighbours_equal_the_cli(cli, tmp_path, sound_table):
    ours = chromacluster.similar(paths(), n=4)
    theirs = cli_neighbours(cli, tmp_path, *paths(), "-n", "4")
    assert ours.height == 4 * sound_table.height
    assert_same_neighbours(ours, theirs)
    # From a table made by notes(sound=True): the same answer.
    assert_same_neighbours(chromacluster.similar(sound_table, n=4), theirs)
    # The FLAC and the MP3 of one excerpt are each other's nearest.
    first = ours.filter(pl.col("rank") == 1)
    nearest = dict(zip(first["file"].to_list(), first["neighbour"].to_list()))
    assert nearest[str(FLAC)] == str(MP3)
    assert nearest[str(MP3)] == str(FLAC)


def test_to_seeds_inside_and_outside_the_table_equal_the_cli(cli, tmp_path, sound_table):
    for to in ([str(OUTSIDE)], [str(FLAC)], [str(FLAC), str(OUTSIDE)]):
        ours = chromacluster.similar(sound_table, to=to, n=3)
        args = [a for path in to for a in ("--to", path)]
        theirs = cli_neighbours(cli, tmp_path, *paths(), *args, "-n", "3")
        assert ours.height == 3
        assert ours["file"].to_list() == [" + ".join(to)] * 3
        assert not set(ours["neighbour"]) & set(to)
        assert_same_neighbours(ours, theirs)


def test_by_notes_compares_the_note_columns(cli, tmp_path, sound_table):
    ours = chromacluster.similar(sound_table, n=2, by="notes")
    theirs = cli_neighbours(cli, tmp_path, *paths(), "-n", "2", "--by", "notes")
    assert_same_neighbours(ours, theirs)


def test_bad_arguments_and_tables_say_what_is_wrong(sound_table):
    with pytest.raises(ValueError, match="unknown by"):
        chromacluster.similar(sound_table, by="timbre")
    with pytest.raises(ValueError, match="n must be at least 1"):
        chromacluster.similar(sound_table, n=0)
    no_sound = chromacluster.notes([str(p) for p in FOLDERS])
    with pytest.raises(chromacluster.ChromaclusterError, match="sound"):
        chromacluster.similar(no_sound)
    with pytest.raises(chromacluster.ChromaclusterError, match="missing.wav"):
        chromacluster.similar(sound_table, to=str(CORPUS / "missing.wav"))


def test_a_table_in_several_chunks_crosses_to_rust_whole(sound_table):
    """The table goes to Rust column by column through the Arrow C data interface: a table
    made of several chunks, its columns in another order, gives the same neighbours."""
    half = sound_table.height // 2
    chunked = pl.concat([sound_table[:half], sound_table[half:]], rechunk=False)
    assert chunked["file"].n_chunks() == 2
    shuffled = chunked.select(list(reversed(chunked.columns)))
    expected = chromacluster.similar(sound_table, n=3)
    got = chromacluster.similar(shuffled, n=3)
    assert got.equals(expected)


def test_a_polars_too_old_for_the_table_handover_is_named(monkeypatch):
    """Before polars 1.28 Series has no _import: an ImportError says which version is needed."""
    monkeypatch.setattr(pl, "__version__", "1.27.1")
    with pytest.raises(ImportError, match=r"polars >= 1\.28 \(found 1\.27\.1\)"):
        chromacluster.notes([str(FLAC)])

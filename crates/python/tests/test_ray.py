"""analyze_batch on a local Ray cluster gives the CLI's table."""

import shutil

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chromacluster
from conftest import CORPUS, run_cli

ray = pytest.importorskip("ray", reason="ray is in tests/requirements.txt")


@pytest.fixture(scope="module")
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    yield
    ray.shutdown()


def test_ray_data_map_batches_equals_the_cli_table(ray_cluster, cli, tmp_path):
    import ray.data

    folder = tmp_path / "songs"
    shutil.copytree(CORPUS / "keys", folder / "keys")
    shutil.copytree(CORPUS / "notes", folder / "notes")
    shutil.copy(CORPUS / "bad/notes.wav", folder / "broken.wav")
    files = sorted(str(p) for p in folder.rglob("*.wav"))
    ds = ray.data.from_items([{"path": p} for p in files])
    out = ds.map_batches(chromacluster.analyze_batch, batch_format="pyarrow", batch_size=5)
    table = pl.concat([pl.from_arrow(t) for t in ray.get(out.to_arrow_refs())]).sort("file")
    assert table.height == len(files)
    bad = table.filter(pl.col("error").is_not_null())
    assert bad["file"].to_list() == [str(folder / "broken.wav")]
    good = table.filter(pl.col("error").is_null()).drop("error")
    cli_out = tmp_path / "cli.parquet"
    res = run_cli(cli, "notes", folder, "-o", cli_out, check=False)
    assert res.returncode == 1  # the broken file
    assert_frame_equal(good, pl.read_parquet(cli_out))

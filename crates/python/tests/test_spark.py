"""analyze_batch in Spark's mapInArrow (local mode) gives the CLI's table."""

import os
import shutil
import sys

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chromacluster
from conftest import CORPUS, run_cli


def _spark_or_skip():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed (pip install pyspark to run the Spark mapInArrow test)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (java not on PATH, JAVA_HOME unset): Spark cannot start")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

    # The Python workers run this interpreter (the one that has chromacluster installed), not
    # whatever `python3` is first on PATH.
    return (
        SparkSession.builder.master("local[2]")
        .appName("chromacluster-test")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.pyspark.driver.python", sys.executable)
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def test_spark_map_in_arrow_equals_the_cli_table(cli, tmp_path):
    spark = _spark_or_skip()
    folder = tmp_path / "songs"
    shutil.copytree(CORPUS / "keys", folder / "keys")
    shutil.copy(CORPUS / "bad/notes.wav", folder / "broken.wav")
    files = sorted(str(p) for p in folder.rglob("*.wav"))
    schema = chromacluster.analyze_batch(files[:1], signed_integers=True).schema

    def analyze(batches):
        for batch in batches:
            yield chromacluster.analyze_batch(batch, signed_integers=True)

    from pyspark.sql.pandas.types import from_arrow_schema

    df = spark.createDataFrame([(p,) for p in files], "path string").repartition(2)
    result = df.mapInArrow(analyze, from_arrow_schema(schema)).toArrow() if hasattr(
        df, "toArrow"
    ) else None
    if result is None:
        rows = df.mapInArrow(analyze, from_arrow_schema(schema)).toPandas()
        table = pl.from_pandas(rows)
    else:
        table = pl.from_arrow(result)
    table = table.sort("file")
    assert table.height == len(files)
    assert table.filter(pl.col("error").is_not_null())["file"].to_list() == [str(folder / "broken.wav")]
    good = table.filter(pl.col("error").is_null()).drop("error")
    cli_out = tmp_path / "cli.parquet"
    run_cli(cli, "notes", folder, "-o", cli_out, check=False)
    expected = pl.read_parquet(cli_out)
    assert_frame_equal(good, expected.cast(dict(good.schema)), check_dtypes=False)

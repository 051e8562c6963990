"""Spark: ``mapInArrow`` over a DataFrame of paths (local mode here; the same on a cluster).

    pip install pyspark ./crates/python       # and a Java 17 runtime
    python docs/python/spark_example.py FOLDER

``signed_integers=True``: Spark has no unsigned integer types. The executors' Python must have
chromacluster installed; locally, ``PYSPARK_PYTHON`` points them at this interpreter.
"""

import os
import sys
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql.pandas.types import from_arrow_schema

import chromacluster

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "testdata/corpus")
paths = sorted(str(p) for p in folder.rglob("*.wav"))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
spark = SparkSession.builder.master("local[2]").getOrCreate()
schema = from_arrow_schema(chromacluster.analyze_batch(paths[:1], signed_integers=True).schema)


def analyze(batches):
    for batch in batches:  # pyarrow.RecordBatch with a `path` column
        yield chromacluster.analyze_batch(batch, signed_integers=True)


df = spark.createDataFrame([(p,) for p in paths], "path string").repartition(4)
notes = df.mapInArrow(analyze, schema)
notes.filter("error IS NULL").drop("error").orderBy("file").show(truncate=False)

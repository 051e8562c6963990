"""Ray Data: the note table of many files on a cluster (here a local one with two CPUs).

    pip install "ray[data]" ./crates/python
    python docs/python/ray_example.py FOLDER

Each batch of paths becomes one ``pyarrow.RecordBatch`` with the table's columns and an
``error`` column (null for good files), so a broken file never fails the job.
"""

import sys
from pathlib import Path

import polars as pl
import ray

import chromacluster

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "testdata/corpus")
ray.init(num_cpus=2)
paths = sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in (".wav", ".mp3", ".flac", ".ogg"))
ds = ray.data.from_items([{"path": p} for p in paths])
out = ds.map_batches(chromacluster.analyze_batch, batch_format="pyarrow", batch_size=16)
table = pl.concat([pl.from_arrow(t) for t in ray.get(out.to_arrow_refs())]).sort("file")
print(table.filter(pl.col("error").is_null()).drop("error"))
print(table.filter(pl.col("error").is_not_null()).select("file", "error"))

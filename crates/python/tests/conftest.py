"""Shared fixtures: the repository's test data and the `chromacluster` binary."""

import csv
import gzip
import io
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
TESTDATA = ROOT / "testdata"
CORPUS = TESTDATA / "corpus"
REFERENCE = TESTDATA / "reference"

# Lossless files of the golden feature data (the lossy ones are decoded by another decoder
# than the reference's ffmpeg; the Rust golden test covers them with a looser criterion).
LOSSY = (".mp3", ".ogg", ".m4a", ".aac")


def reference_index():
    with open(REFERENCE / "INDEX.csv", newline="") as f:
        return [r for r in csv.DictReader(f) if r["status"] == "ok"]


def lossless_index():
    return [r for r in reference_index() if not r["path"].lower().endswith(LOSSY)]


def read_golden(rel_output):
    """A golden CSV (header, float rows), gunzipped if needed."""
    path = REFERENCE / rel_output
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    rows = list(csv.reader(io.StringIO(raw.decode())))
    return rows[0], np.array([[float(v) for v in r] for r in rows[1:]], dtype=np.float64)


def assert_columns_close(ours, golden, names, what):
    """``|ours - ref| <= 1e-6 * max|ref column| + 1e-9`` for every column (rows = frames)."""
    assert ours.shape == golden.shape, f"{what}: shape {ours.shape} vs {golden.shape}"
    for j, name in enumerate(names):
        scale = np.max(np.abs(golden[:, j])) if len(golden) else 0.0
        tol = 1e-6 * scale + 1e-9
        err = np.max(np.abs(ours[:, j] - golden[:, j])) if len(golden) else 0.0
        assert err <= tol, f"{what}: column {name}: error {err:.3e} > tolerance {tol:.3e}"


@pytest.fixture(scope="session")
def cli():
    """Path of the `chromacluster` binary (built by `cargo test --workspace`; built here if not)."""
    exe = os.environ.get("CHROMACLUSTER_BIN")
    if exe:
        return Path(exe)
    path = ROOT / "target" / "debug" / "chromacluster"
    if not path.exists():
        subprocess.run(["cargo", "build", "-p", "chromacluster"], cwd=ROOT, check=True)
    return path


def run_cli(cli, *args, cwd=None, check=True):
    out = subprocess.run([str(cli), *map(str, args)], cwd=cwd or CORPUS, capture_output=True, text=True)
    if check and out.returncode != 0:
        raise AssertionError(f"chromacluster {' '.join(map(str, args))}: exit {out.returncode}\n{out.stderr}")
    return out


@pytest.fixture()
def mixed_folder(tmp_path):
    """Two good files and two bad ones."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    for rel in ["notes/piano/60_C4.wav", "notes/violin/69_A4.wav", "bad/notes.wav", "bad/short_10ms.wav"]:
        shutil.copy(CORPUS / rel, folder / rel.replace("/", "_"))
    return folder

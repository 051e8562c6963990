"""The documented scripts run and the notebook port reproduces pyAudioAnalysis's table."""

import subprocess
import sys

from conftest import ROOT


def run(script):
    return subprocess.run(
        [sys.executable, str(ROOT / "docs" / "python" / script)], cwd=ROOT, capture_output=True, text=True
    )


def test_notebook_port_gives_the_reference_table_and_clusters():
    out = run("notebook_port.py")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "same clusters: True" in out.stdout


def test_own_api_example_runs():
    out = run("own_api.py")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "inertia" in out.stdout

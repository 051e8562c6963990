"""The public API's types: the `Literal` choices are exactly what the library accepts, and a
type checker resolves `notes`' two return types and refuses a choice that does not exist."""

import re
import subprocess
import sys
import typing

import pytest

import chromacluster
from chromacluster import _api

from conftest import CORPUS


def listed(message):
    """The names an error message lists as expected: after "one of", separated by commas, or
    in double quotes after "expected"."""
    expected = message.split("expected", 1)[1]
    if "one of" in expected:
        return {n.strip(" )") for n in expected.split("one of", 1)[1].split(",")}
    return set(re.findall(r'"([^"]+)"', expected))


def error_of(call):
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize(
    "alias, call",
    [
        (_api.ChromaMode, lambda: chromacluster.notes(str(CORPUS / "keys"), chroma="nope")),
        (_api.ProfileKind, lambda: chromacluster.notes(str(CORPUS / "keys"), profile="nope")),
        (_api.KeyProfileName, lambda: chromacluster.notes(str(CORPUS / "keys"), key_profile="nope")),
        (_api.SimilarBy, lambda: chromacluster.similar(str(CORPUS / "keys"), by="nope")),
    ],
)
def test_literal_choices_are_what_the_library_accepts(alias, call):
    message = error_of(call)
    assert listed(message) == set(typing.get_args(alias)), message


MYPY_SNIPPET = """
import chromacluster

table = chromacluster.notes("a.wav")
print(table.height)
both = chromacluster.notes("a.wav", return_failures=True)
print(both[0].height, both[1][0].message)
chromacluster.notes("a.wav", chroma="accurate", key_profile="edma")
chromacluster.notes("a.wav", chroma="nope")  # line 9: the one error expected
"""


def test_a_type_checker_resolves_the_overloads_and_refuses_unknown_choices(tmp_path):
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.skip("mypy is not installed (crates/python/tests/requirements.txt lists it)")
    snippet = tmp_path / "use_chromacluster.py"
    snippet.write_text(MYPY_SNIPPET)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--ignore-missing-imports",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            str(snippet),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, out.stdout + out.stderr
    assert "use_chromacluster.py:9:" in errors[0], errors[0]
    assert 'No overload variant of "notes"' in errors[0], errors[0]

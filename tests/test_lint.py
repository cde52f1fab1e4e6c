"""ruff lints and format-checks the whole repository, notebooks included, as pyproject.toml configures."""

import shutil
import subprocess

import pytest

from nnutils.authoring.generate import ROOT


def ruff_binary():
    """The ruff executable of the installed ruff package, else one on PATH, else None."""
    try:
        from ruff.__main__ import find_ruff_bin

        return find_ruff_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


@pytest.mark.parametrize(
    ("command", "fix"),
    [(["check"], "ruff check --fix ."), (["format", "--check"], "ruff format .")],
    ids=["check", "format"],
)
def test_ruff(command, fix):
    ruff = ruff_binary()
    if ruff is None:
        pytest.skip('ruff is not installed: `pip install -e ".[test]"` installs it')
    result = subprocess.run([ruff, *command, "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"`ruff {' '.join(command)} .` found problems (`{fix}` fixes most):\n"
        f"{result.stdout}{result.stderr}"
    )

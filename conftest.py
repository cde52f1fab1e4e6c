"""Test-wide settings, inherited by the kernels that nbval and nbclient start.

At the repository root so that running one notebook (`pytest solutions/08_cifar10.ipynb`)
gets them too.
"""

import atexit
import os
import shutil
import tempfile

from tests.cifar_fixture import fake_cifar, write_folder

pytest_plugins = ["tests.users"]  # fixtures: throwaway Unix users, a folder they may enter

os.environ["MPLBACKEND"] = "Agg"
os.environ["COURSE_QUICK"] = "1"
# The lessons' small matrices run faster on one BLAS thread, above all on a busy machine.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

# Lesson 08 loads CIFAR-10 from $NNUTILS_DATA: point it at a small fake copy, never the network.
_FAKE_DATA = tempfile.mkdtemp(prefix="nnutils-test-data-")
atexit.register(shutil.rmtree, _FAKE_DATA, ignore_errors=True)
write_folder(os.path.join(_FAKE_DATA, "cifar10"), fake_cifar(per_batch=100, n_test=100))
os.environ["NNUTILS_DATA"] = _FAKE_DATA

# Every check records its verdict: into a scratch file, never the user's own progress.
_PROGRESS = tempfile.mkdtemp(prefix="nnutils-test-progress-")
atexit.register(shutil.rmtree, _PROGRESS, ignore_errors=True)
os.environ["NNUTILS_PROGRESS"] = os.path.join(_PROGRESS, "progress.json")

# The tests' wrong answers are built on the reference: check them without the own-code rule.
from nnutils.grading import own_code  # noqa: E402  (loads NumPy: after the settings above)

own_code.EXEMPT.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests"))

# The longest files first: on several workers (pytest-xdist hands out whole files, in the
# order collected), a long file started last would run alone at the end.
LONGEST_FIRST = (
    "tests/test_class_hub.py",
    "tests/test_nbgrader.py",
    "tests/test_browser.py",
    "solutions/08_cifar10.ipynb",
    "tests/test_notebooks.py",
    "solutions/07_full_model.ipynb",
)


def pytest_collection_modifyitems(config, items):
    """Move the files of LONGEST_FIRST to the front, in that order (the sort is stable)."""
    rank = {path: index for index, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def pytest_terminal_summary(terminalreporter):
    """One line that tells the unit tests apart from the notebooks' cells that nbval ran."""
    ran = {
        report.nodeid
        for outcome in ("passed", "failed", "skipped", "error")
        for report in terminalreporter.stats.get(outcome, [])
        if hasattr(report, "nodeid")
    }
    cells = [nodeid for nodeid in ran if nodeid.split("::")[0].endswith(".ipynb")]
    notebooks = {nodeid.split("::")[0] for nodeid in cells}
    terminalreporter.write_line(
        f"{len(ran) - len(cells):,} tests + {len(notebooks)} notebook{'s' * (len(notebooks) != 1)} "
        f"({len(cells):,} cells)"
    )

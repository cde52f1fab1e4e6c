"""Execute a learner's lesson notebooks without Jupyter, recording their checks' verdicts.

``run_folder(folder, progress_path)`` finds every lesson notebook under ``folder`` (named
``<lesson>.ipynb``, as in ``notebooks/`` or an nbgrader submission), runs each one from top
to bottom in a fresh kernel with nbclient, going on past failing cells, in the reduced
configuration (``COURSE_QUICK=1`` unless set), and leaves its verdicts in ``progress_path``.
A lesson that cannot run to its end (not a notebook, its kernel died, a cell ran past the
timeout) is reported in one line, and the run goes on with the next. The notebooks on disk
are not modified.
"""

import os
import subprocess
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from nnutils.progress import outline

CELL_TIMEOUT = 300  # seconds one cell may run (as under the autograder); `--timeout` changes it


def find_lessons(folder):
    """{stem: path} of the lesson notebooks under ``folder``; an error if one is there twice."""
    known = outline()
    found = {}
    for path in sorted(Path(folder).rglob("*.ipynb")):
        if path.stem not in known or any(p.startswith(".") for p in path.parts[:-1]):
            continue
        if path.stem in found:
            raise SystemExit(
                f"{path.stem} is in {folder} twice ({found[path.stem]} and {path}): "
                "name a folder that holds one copy of each lesson"
            )
        found[path.stem] = path
    return dict(sorted(found.items(), key=lambda item: list(known).index(item[0])))


def run_notebook(path, timeout=CELL_TIMEOUT):
    """Execute the notebook at ``path`` in a fresh kernel, its folder as working directory.

    Returns None when every cell ran (failing cells included), else one line saying why the
    run stopped: not a notebook, the kernel died, or a cell ran past ``timeout`` seconds.
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError, AttributeError) as error:
        return (
            f"not a notebook ({str(error).splitlines()[0] if str(error) else type(error).__name__})"
        )
    client = NotebookClient(
        nb, timeout=timeout, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    )
    index = 0
    try:
        with client.setup_kernel(stderr=subprocess.DEVNULL):  # a kernel's own logs are noise here
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    except DeadKernelError:
        return f"the kernel died in {_cell(nb, index)} (out of memory?)"
    except CellTimeoutError:
        return f"{_cell(nb, index)} ran longer than {timeout:g} s (set --timeout SECONDS)"
    return None


def _cell(nb, index):
    """'cell N (its first line)', N counted from 1."""
    line = next((s for s in nb.cells[index].source.splitlines() if s.strip()), "")
    return f"cell {index + 1} ({line.strip()[:40]})"


def run_folder(folder, progress_path, timeout=CELL_TIMEOUT):
    """Run every lesson notebook under ``folder``; their verdicts go to ``progress_path``.

    Returns {stem: None, or why that lesson stopped} for the lessons run, in course order.
    """
    found = find_lessons(folder)
    if not found:
        raise SystemExit(f"no lesson notebooks (01_data_visualisation.ipynb, ...) in {folder}")
    os.environ["NNUTILS_PROGRESS"] = str(progress_path)  # inherited by the kernels
    os.environ.setdefault("COURSE_QUICK", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    problems = {}
    for stem, path in found.items():
        start = time.perf_counter()
        print(f"running {path} ...", end=" ", flush=True)
        problems[stem] = run_notebook(path, timeout)
        print(problems[stem] or f"{time.perf_counter() - start:.0f} s", flush=True)
    print()
    return problems

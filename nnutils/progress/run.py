"""Execute a learner's lesson notebooks without Jupyter, recording their checks' verdicts.

``run_folder(folder, progress_path)`` finds every lesson notebook under ``folder`` (named
``<lesson>.ipynb``, as in ``notebooks/`` or an nbgrader submission), runs each one from top
to bottom in a fresh kernel with nbclient, going on past failing cells, in the reduced
configuration (``COURSE_QUICK=1`` unless set), and leaves its verdicts in ``progress_path``.
The notebooks on disk are not modified.
"""

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from nnutils.progress import outline

CELL_TIMEOUT = 600  # seconds; lesson 08's reduced training takes a few


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


def run_notebook(path):
    """Execute the notebook at ``path`` in a fresh kernel, its folder as working directory."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()


def run_folder(folder, progress_path):
    """Run every lesson notebook under ``folder``; their verdicts go to ``progress_path``.

    Returns the stems of the lessons run, in course order.
    """
    found = find_lessons(folder)
    if not found:
        raise SystemExit(f"no lesson notebooks (01_data_visualisation.ipynb, ...) in {folder}")
    os.environ["NNUTILS_PROGRESS"] = str(progress_path)  # inherited by the kernels
    os.environ.setdefault("COURSE_QUICK", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    for path in found.values():
        start = time.perf_counter()
        print(f"running {path} ...", end=" ", flush=True)
        run_notebook(path)
        print(f"{time.perf_counter() - start:.0f} s", flush=True)
    print()
    return list(found)

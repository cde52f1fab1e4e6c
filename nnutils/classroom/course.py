"""An nbgrader course source from the lessons in ``solutions/``.

``write_course(dest)`` (``python -m nnutils.classroom source DEST``) writes
``DEST/source/<lesson>/<lesson>.ipynb`` for every lesson, and ``DEST/nbgrader_config.py``
if it is not there yet. ``DEST/.nnutils-source.json`` records what it wrote (each file's
SHA-256): a source notebook edited since then is kept unless ``force`` is given. Every
file is written atomically, so a failure (a full disk) leaves the earlier version whole. In each notebook, exercise cells become solution cells (nbgrader
blanks their ``### BEGIN SOLUTION`` regions on release), check cells become autograded
test cells worth ``POINTS`` each, and every other cell is read-only. The learner notebooks
in ``notebooks/`` are not involved.
"""

import hashlib
import json
import os
from pathlib import Path

import nbformat

from nnutils.authoring.generate import ROOT, checked_exercise, lessons, render, stripped
from nnutils.files import atomic_write

POINTS = 1  # per check cell
SCHEMA_VERSION = 3  # of nbgrader's cell metadata
RECORD = ".nnutils-source.json"  # {path in DEST: SHA-256 of what the generator wrote there}

CONFIG = '''\
"""nbgrader configuration of the course (written by `python -m nnutils.classroom source`).

Run nbgrader in this folder. The generator writes this file once and never overwrites it.
"""

import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "nn-from-scratch"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Under the autograder the lessons run their reduced configuration (nnutils.settings) and
# lesson 08 reads CIFAR-10 from $NNUTILS_DATA/cifar10 only, never downloading it: fill that
# folder once (python -c "from nnutils.data import load_cifar10; load_cifar10()").
os.environ.setdefault("NNUTILS_DATA", {data!r})

# Seconds one cell may run under the autograder.
c.Execute.timeout = 300
'''


def nbgrader_cell(cell, index):
    """``cell`` with nbgrader metadata: solution, autograded test (check) or read-only."""
    exercise = checked_exercise(cell)
    is_solution = "exercise" in cell.metadata.get("tags", [])
    if exercise:
        grade_id = f"check_{exercise}"
    else:
        kind = "solution" if is_solution else cell.cell_type
        grade_id = f"{kind}_{cell.get('id') or index}"
    meta = {
        "grade": bool(exercise),
        "grade_id": grade_id,
        "locked": not is_solution,
        "schema_version": SCHEMA_VERSION,
        "solution": is_solution,
        "task": False,
    }
    if exercise:
        meta["points"] = POINTS
    cell.metadata["nbgrader"] = meta
    return cell


def nbgrader_notebook(solution):
    """The nbgrader source notebook (a NotebookNode) of a solution notebook."""
    nb = stripped(solution)
    nb.cells = [nbgrader_cell(cell, index) for index, cell in enumerate(nb.cells)]
    grade_ids = [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells]
    repeated = sorted({g for g in grade_ids if grade_ids.count(g) > 1})
    if repeated:
        raise ValueError(f"cells share the nbgrader ids {repeated}: one check per exercise")
    return nb


def write_course(dest, root=ROOT, data=None, force=False):
    """Write the nbgrader course source of every lesson into ``dest``.

    ``data``: the folder the autograder's lesson 08 reads CIFAR-10 from (written into a new
    ``nbgrader_config.py``); by default ``$NNUTILS_DATA``, else ``dest/data``. ``force``:
    overwrite source notebooks edited since they were written. Returns the edited notebooks
    kept (a list of paths); an OSError if ``dest`` cannot be written.
    """
    dest = Path(dest).resolve()
    record = dest / RECORD
    try:
        written = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: a notebook that differs is kept
        written = {}
    kept = []
    for solution_path, _ in lessons(root):
        target = dest / "source" / solution_path.stem / solution_path.name
        text = render(nbgrader_notebook(nbformat.read(solution_path, as_version=4)))
        name = target.relative_to(dest).as_posix()
        if not force and _edited(target, written.get(name), text):
            print(f"kept {target}: edited since it was written (--force overwrites it)")
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text)
        written[name] = _sha256(text.encode("utf-8"))
        atomic_write(record, json.dumps(written, indent=1, sort_keys=True))
        print(f"wrote {target}")
    config = dest / "nbgrader_config.py"
    if config.exists():
        print(f"kept {config}")
        return kept
    data = Path(data or os.environ.get("NNUTILS_DATA") or dest / "data").resolve()
    atomic_write(config, CONFIG.format(data=str(data)))
    print(f"wrote {config}")
    return kept


def _edited(target, recorded, text):
    """True if ``target`` holds neither what was written there last (``recorded``) nor ``text``."""
    if not target.exists():
        return False
    current = _sha256(target.read_bytes())
    return current not in (recorded, _sha256(text.encode("utf-8")))


def _sha256(content):
    return hashlib.sha256(content).hexdigest()

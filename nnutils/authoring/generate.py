"""Write the learner notebooks ``notebooks/NN_*.ipynb`` from the lessons in ``solutions/``.

Run from the repository root: ``python -m nnutils.authoring``. It also writes the course
outline ``nnutils/exercises.json`` (each lesson's title and checked exercises, in order,
for the progress table). The nbgrader course source is ``nnutils.classroom``'s job.

In a code cell tagged ``exercise``, every region between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` becomes ``# YOUR CODE HERE`` and a NotImplementedError
naming the exercise, at the markers' indentation. The exercise is the function
that encloses the region, or the cell's ``exercise_id`` metadata for top-level
code. Nested, unterminated or stray markers, and markers outside exercise
cells, are errors. Outputs and execution counts are stripped.
"""

import json
import re
import sys
from pathlib import Path

import nbformat

from ..files import atomic_write

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
ROOT = Path(__file__).resolve().parents[2]  # the repository
DEF = re.compile(r"^(\s*)def\s+(\w+)\s*\(")
CHECK = re.compile(r'^check\(\s*"(\w+)"', re.M)
LESSON = re.compile(r"\d\d[a-z]?_\w+")  # a lesson's file stem: 05_backward, 05b_gradient_checking
OUTLINE = ROOT / "nnutils" / "exercises.json"


class MarkerError(ValueError):
    """A lesson's solution markers are malformed."""


def blank_region(indent, exercise_id):
    """The lines a learner sees in place of a solution."""
    return [
        f"{indent}# YOUR CODE HERE",
        f'{indent}raise NotImplementedError("Exercise {exercise_id}: replace this line with your code.")',
    ]


def _exercise_id(lines, index, indent, cell, where):
    """Name of the function enclosing line ``index``, else the cell's ``exercise_id``."""
    for line in reversed(lines[:index]):
        match = DEF.match(line)
        if match and len(match.group(1)) < len(indent):
            return match.group(2)
    if "exercise_id" in cell.metadata:
        return cell.metadata["exercise_id"]
    raise MarkerError(f"{where}: a top-level solution needs an 'exercise_id' in the cell metadata")


def strip_cell(cell, where):
    """Return the learner version of a code cell's source (unchanged if it has no markers)."""
    lines = cell.source.split("\n")
    if not any(BEGIN in line or END in line for line in lines):
        return cell.source
    if cell.cell_type != "code" or "exercise" not in cell.metadata.get("tags", []):
        raise MarkerError(f"{where}: solution markers in a cell not tagged 'exercise'")
    out, begin = [], None
    for index, line in enumerate(lines):
        text = line.strip()
        if text == BEGIN:
            if begin is not None:
                raise MarkerError(f"{where}, line {index + 1}: nested {BEGIN}")
            begin = index
            indent = line[: len(line) - len(line.lstrip())]
            out += blank_region(indent, _exercise_id(lines, index, indent, cell, where))
        elif text == END:
            if begin is None:
                raise MarkerError(f"{where}, line {index + 1}: {END} without {BEGIN}")
            begin = None
        elif BEGIN in line or END in line:
            raise MarkerError(f"{where}, line {index + 1}: a marker must stand alone on its line")
        elif begin is None:
            out.append(line)
    if begin is not None:
        raise MarkerError(f"{where}, line {begin + 1}: {BEGIN} is never closed")
    return "\n".join(out)


def learner_notebook(solution):
    """The learner notebook (a NotebookNode) for a solution notebook, stripped of outputs."""
    nb = stripped(solution)
    for number, cell in enumerate(nb.cells, start=1):
        cell.source = strip_cell(cell, f"cell {number}")
    return nb


def render(nb):
    """Notebook text exactly as it is committed."""
    return nbformat.writes(nb) + "\n"


def lessons(root=ROOT):
    """Pairs (solution path, learner path), in lesson order.

    A lesson is ``NN_topic.ipynb``, or ``NNb_topic.ipynb`` for the second part of lesson NN,
    which comes right after it (``_`` sorts before the letters).
    """
    solutions = sorted(
        path for path in (root / "solutions").glob("*.ipynb") if LESSON.fullmatch(path.stem)
    )
    return [(path, root / "notebooks" / path.name) for path in solutions]


def stripped(nb):
    """A copy of ``nb`` without outputs and execution counts."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def checked_exercise(cell):
    """The exercise id a check cell checks (``check("id", ...)``), else None."""
    if cell.cell_type != "code" or "exercise" in cell.metadata.get("tags", []):
        return None
    match = CHECK.search(cell.source)
    return match.group(1) if match else None


def title(nb):
    """The lesson's title: the first markdown heading of level 1."""
    for cell in nb.cells:
        for line in cell.source.split("\n") if cell.cell_type == "markdown" else ():
            if line.startswith("# "):
                return line[2:].strip()
    return ""


def build_outline(root=ROOT):
    """The course outline from the solution notebooks: {lesson stem: {"title": ..., "exercises": [checked ids in order]}}, in lesson order."""
    out = {}
    for solution_path, _ in lessons(root):
        nb = nbformat.read(solution_path, as_version=4)
        checked = [checked_exercise(cell) for cell in nb.cells]
        out[solution_path.stem] = {"title": title(nb), "exercises": [e for e in checked if e]}
    return out


def render_outline(lessons_info):
    """Outline text exactly as it is committed."""
    return json.dumps(lessons_info, indent=1, ensure_ascii=False) + "\n"


def _write(path, text, root):
    """Replace ``path``'s text when it changed, atomically: a failed write (a full disk, an
    interruption) leaves the teacher's notebook as it was."""
    if not path.exists() or path.read_text() != text:
        try:
            atomic_write(path, text)
        except OSError as error:
            sys.exit(f"{path.relative_to(root)} could not be written, and is as it was: {error}")
        print(f"wrote {path.relative_to(root)}")


def regenerate(root=ROOT):
    """Strip every solution notebook in place, regenerate its learner notebook and the outline."""
    for solution_path, learner_path in lessons(root):
        solution = nbformat.read(solution_path, as_version=4)
        try:
            learner = render(learner_notebook(solution))
        except MarkerError as error:
            sys.exit(f"{solution_path.relative_to(root)}: {error}")
        _write(solution_path, render(stripped(solution)), root)
        _write(learner_path, learner, root)
    _write(root / OUTLINE.relative_to(ROOT), render_outline(build_outline(root)), root)

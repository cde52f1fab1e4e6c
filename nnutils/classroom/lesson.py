"""What the class grader takes from a lesson's instructor source, and from a submission.

From the instructor's source notebook (``source/LESSON/LESSON.ipynb``, see ``course``):
the cells tagged ``grading-setup`` (imports and the data that answers need: the only
instructor cells the grader runs, so never a training or plotting cell), the solution cells'
nbgrader ids, and each check cell's call: ``check("id", name)`` checks the function
``name``; ``check("id", key=expression, ...)`` the values of the expressions.

From a submission: only the cells whose nbgrader id is one of the source's solution cells,
as text. Nothing else of it is used.

The setup cells' imports of libraries other than NumPy and the course, and of the course's
drawing module, become lazy (``lazy_imports``): most are for figures the grader never draws.
"""

import ast
import functools
import os
import sys
from dataclasses import dataclass, field

import nbformat

SETUP_TAG = "grading-setup"
EAGER = ("numpy", "nnutils")  # imported as they are, except DRAWING
DRAWING = ("nnutils.plot",)
MAX_BYTES = 16 * 2**20  # a submitted notebook larger than this is not read


@dataclass
class Check:
    """A check cell: ``exercise``; the ``function`` name it checks, or the ``values``
    {key: expression}; ``grade_id`` and ``points`` of its nbgrader cell."""

    exercise: str
    grade_id: str
    points: float
    function: str | None = None
    values: dict = field(default_factory=dict)


@dataclass
class Plan:
    """A lesson as the grader runs it: ``cells`` in notebook order, each ("setup", source)
    or ("answer", grade_id); ``checks`` in order; ``notebook``: the source NotebookNode."""

    cells: list
    checks: list
    notebook: object


def nbgrader_meta(cell):
    meta = cell.metadata.get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def parse_check(source):
    """(exercise, function name or None, {key: expression}) of a ``check(...)`` call."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check":
            exercise = node.args[0].value
            function = node.args[1].id if len(node.args) > 1 else None
            return exercise, function, {k.arg: ast.unparse(k.value) for k in node.keywords}
    raise ValueError(f"no check(...) call in {source!r}")


@functools.cache
def plan(source_path):
    """The Plan of the instructor's source notebook at ``source_path`` (read once a process:
    the grader reads it before it starts its workers, which share it)."""
    nb = nbformat.read(source_path, as_version=4)
    cells, checks = [], []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            cells.append(("answer", meta["grade_id"]))
        elif meta.get("grade"):
            exercise, function, values = parse_check(cell.source)
            checks.append(Check(exercise, meta["grade_id"], meta["points"], function, values))
        elif SETUP_TAG in cell.metadata.get("tags", []):
            cells.append(("setup", cell.source))
    return Plan(cells, checks, nb)


def answers(submission_path, grade_ids):
    """{grade_id: source} of the submission's cells with one of ``grade_ids`` (first wins).

    The file is untrusted data: too large, unreadable or malformed gives {}.
    """
    try:
        fd = os.open(submission_path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as file:
            text = file.read(MAX_BYTES + 1)
        if len(text) > MAX_BYTES:
            return {}
        nb = nbformat.reads(text.decode("utf-8"), as_version=4)
        found = {}
        for cell in nb.cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            source = cell.get("source")
            if grade_id in grade_ids and isinstance(source, str) and grade_id not in found:
                found[grade_id] = source
        return found
    except Exception:  # whatever the file holds, it is a submission without answers
        return {}


def cells_to_run(lesson_plan, answer_sources):
    """[(label, source)] for the child: setup cells and the submission's answers, in order."""
    out = []
    for index, (kind, value) in enumerate(lesson_plan.cells):
        if kind == "setup":
            out.append((f"<setup {index}>", lazy_imports(value)))
        elif value in answer_sources:
            out.append((f"<answer {value}>", answer_sources[value]))
    return out


def lazy(module):
    """True for a module that a setup cell's import may leave for later (see ``lazy_imports``)."""
    root = module.partition(".")[0]
    return module in DRAWING or root not in (*EAGER, *sys.stdlib_module_names)


def lazy_imports(source):
    """``source`` with each top-level ``import M as N`` and ``from M import N`` of a ``lazy``
    module M made ``N = __lazy__(M)`` or ``N = __lazy__(M, "N")`` (the sandbox's ``Lazy``)."""
    tree = ast.parse(source)
    body = []
    for node in tree.body:
        if isinstance(node, ast.Import) and all(a.asname and lazy(a.name) for a in node.names):
            body += [_bound(a.asname, a.name) for a in node.names]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and lazy(node.module)
            and all(a.name != "*" for a in node.names)
        ):
            body += [_bound(a.asname or a.name, node.module, a.name) for a in node.names]
        else:
            body.append(node)
    tree.body = body
    return ast.unparse(tree)


def _bound(target, module, name=None):
    arguments = ", ".join(repr(a) for a in (module, name) if a is not None)
    return ast.parse(f"{target} = __lazy__({arguments})").body[0]

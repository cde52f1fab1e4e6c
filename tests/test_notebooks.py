"""The learner notebooks: generated from solutions/, stripped, blank, and stopping at exercise 1."""

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from nnutils.authoring.generate import BEGIN, END, ROOT, learner_notebook, lessons, render

LESSONS = lessons()
IDS = [solution.stem for solution, _ in LESSONS]
FIRST_EXERCISE = re.compile(r'raise NotImplementedError\("Exercise (\w+):')


def test_there_are_lessons():
    assert len(LESSONS) >= 2, "no lessons found in solutions/"


@pytest.mark.parametrize(("solution", "learner"), LESSONS, ids=IDS)
def test_learner_notebook_is_fresh(solution, learner):
    expected = render(learner_notebook(nbformat.read(solution, as_version=4)))
    assert learner.exists(), f"{learner.name} is missing: run `python -m nnutils.authoring`"
    assert learner.read_text() == expected, (
        f"notebooks/{learner.name} is out of date with solutions/{solution.name}: "
        "run `python -m nnutils.authoring`"
    )


@pytest.mark.parametrize(
    "path", [p for pair in LESSONS for p in pair], ids=lambda p: str(p.relative_to(ROOT))
)
def test_notebook_is_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, c in enumerate(nb.cells, 1)
        if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have outputs or execution counts (run `python -m nnutils.authoring`)"
    )


@pytest.mark.parametrize(("solution", "learner"), LESSONS, ids=IDS)
def test_learner_notebook_has_no_solution(solution, learner):
    learner_lines = {
        line.strip()
        for cell in nbformat.read(learner, as_version=4).cells
        for line in cell.source.split("\n")
    }
    assert not {BEGIN, END} & learner_lines, f"{learner.name} contains solution markers"
    for cell in nbformat.read(solution, as_version=4).cells:
        for region in re.findall(rf"{BEGIN}\n(.*?)\n[ \t]*{END}", cell.source, flags=re.S):
            code = {line.strip() for line in region.split("\n")}
            leaked = [
                line for line in code & learner_lines if len(line) > 20 and not line.startswith("#")
            ]
            assert not leaked, f"{learner.name} contains solution lines: {leaked[:3]}"


@pytest.mark.parametrize(("solution", "learner"), LESSONS, ids=IDS)
def test_blank_notebook_stops_at_first_exercise(solution, learner):
    nb = nbformat.read(learner, as_version=4)
    exercise_cells = [i for i, c in enumerate(nb.cells) if "exercise" in c.metadata.get("tags", [])]
    assert exercise_cells, f"{learner.name} has no exercise"
    first = exercise_cells[0]
    exercise_id = FIRST_EXERCISE.search(nb.cells[first].source).group(1)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(learner.parent)}},
    )
    with pytest.raises(CellExecutionError) as stopped:
        client.execute()
    failed = [
        i
        for i, c in enumerate(nb.cells)
        if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    assert failed, "no cell reported the error"
    assert failed[0] in (first, first + 1), (
        f"{learner.name} stopped at cell {failed[0] + 1}, expected the first exercise "
        f"({exercise_id}, cell {first + 1}) or its check; error: {stopped.value}"
    )
    error = next(o for o in nb.cells[failed[0]].outputs if o.output_type == "error")
    assert "NotImplementedError" in error.ename or error.ename == "ExerciseNotWritten", error.ename
    assert exercise_id in error.evalue, f"the error does not name {exercise_id}: {error.evalue}"

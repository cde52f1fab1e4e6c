"""One style across the lessons, and feedback where a learner waits: static checks of solutions/."""

import ast
import re

import nbformat
import numpy as np
import pytest

import nnutils.reference as ref
from nnutils.authoring.generate import ROOT, lessons

LESSONS = lessons()
IDS = [solution.stem for solution, _ in LESSONS]
RUN_ALL = (
    "After **Run All**, the first red ✗ message is where the run stopped and why: JupyterLab "
    "scrolls to it (the cells below it show no number)."
)
TITLE = re.compile(r"# (\d\d[a-z]?) · \S")  # 05, or 05b for lesson 05's second part
NUMBERED = re.compile(r"## (\d+)\. \S")


def markdown(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


def one_line(text):
    return " ".join(text.split())


@pytest.mark.parametrize(("solution", "learner"), LESSONS, ids=IDS)
def test_title_and_run_all_note(solution, learner):
    intro = markdown(solution)[0]
    title = TITLE.match(intro)
    assert title, (
        f"{solution.name}: the title should read '# NN · Topic' (NNb for a second part), "
        f"got {intro.splitlines()[0]!r}"
    )
    assert title.group(1) == solution.name.split("_")[0]
    assert RUN_ALL in one_line(intro), f"{solution.name}: the intro lacks the Run All note"


def test_readme_says_where_run_all_stops():
    assert RUN_ALL in one_line((ROOT / "README.md").read_text())


@pytest.mark.parametrize(("solution", "learner"), LESSONS, ids=IDS)
def test_sections_are_numbered_one_way(solution, learner):
    """Sections read '## 1. Topic', numbered from 1; only unnumbered ones are free of numbers."""
    headings = [
        line
        for source in markdown(solution)
        for line in source.splitlines()
        if line.startswith("## ")
    ]
    numbers = [int(m.group(1)) for m in map(NUMBERED.match, headings) if m]
    assert numbers == list(range(1, len(numbers) + 1)), (solution.name, headings)
    stray = [h for h in headings if not NUMBERED.match(h) and re.match(r"## \d", h)]
    assert not stray, f"{solution.name}: section numbers in another style: {stray}"


# --- lesson 07: the long training cells show progress --------------------------------------

LESSON_07 = ROOT / "solutions" / "07_full_model.ipynb"
MODELS = ("two_layer_model", "L_layer_model")


def exercise_source(name, path=LESSON_07):
    cells = nbformat.read(path, as_version=4).cells
    (source,) = [c.source for c in cells if c.source.startswith(f"def {name}(")]
    return source


@pytest.mark.parametrize("name", MODELS)
def test_model_has_the_references_progress_option(name):
    """Same signature as nnutils.reference, progress=True included; the loop goes over the bar."""
    import inspect

    tree = ast.parse(exercise_source(name))
    arguments = tree.body[0].args
    names = [a.arg for a in arguments.args]
    defaults = dict(
        zip(names[len(names) - len(arguments.defaults) :], arguments.defaults, strict=True)
    )
    reference = inspect.signature(getattr(ref, name)).parameters
    assert "progress" in names and ast.literal_eval(defaults["progress"]) is True
    assert set(names) <= set(reference), f"{name} has arguments the reference lacks"
    learner = ROOT / "notebooks" / "07_full_model.ipynb"
    given = "steps = progress_range(num_iterations, progress)"
    assert given in exercise_source(name, learner), (
        "the learner's cell must keep the given loop range"
    )


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("progress", [True, False])
def test_model_loops_over_progress_range(name, progress, monkeypatch):
    calls = []

    def spy(num_iterations, progress=True):
        calls.append((num_iterations, progress))
        return range(num_iterations)

    namespace = {"np": np, **{k: v for k, v in vars(ref).items() if not k.startswith("_")}}
    namespace["progress_range"] = spy
    exec(exercise_source(name), namespace)  # noqa: S102
    X = np.random.default_rng(0).standard_normal((2, 6))
    Y = np.array([[0, 1, 0, 1, 1, 0]])
    _, costs = namespace[name](X, Y, [2, 3, 1], 0.1, 7, False, 0, progress=progress)
    assert calls == [(7, progress)] and len(costs) == 7


def test_long_cells_of_lesson_07_show_progress():
    """A cell that trains shows a bar: the model's own (progress left on) or a tqdm of its loop."""
    cells = nbformat.read(LESSON_07, as_version=4).cells
    training = re.compile(r"\b(two_layer_model|L_layer_model|gradient_descent)\(")
    trainers = [
        c.source
        for c in cells
        if c.cell_type == "code"
        and "exercise" not in c.metadata.get("tags", [])
        and not c.source.startswith("check(")
        and training.search(c.source)
    ]
    assert len(trainers) >= 5
    for source in trainers:
        assert "progress=False" not in source or "tqdm(" in source, f"no progress bar:\n{source}"


# --- hints in two levels: a nudge first, the answer only inside a nested <details> -----------

TWO_LEVEL = re.compile(
    r"<details><summary>Hint</summary>(?:(?!</details>).)*?"
    r"<details><summary>Show the answer</summary>.*?</details>\s*</details>",
    re.S,
)


@pytest.mark.parametrize("stem", IDS)
def test_every_exercise_has_a_two_level_hint(stem):
    """Between an exercise and the check above it, a hint whose answer sits in a nested level."""
    cells = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4).cells
    start = 0
    for index, cell in enumerate(cells):
        if "exercise" in cell.metadata.get("tags", []):
            before = "\n".join(c.source for c in cells[start:index] if c.cell_type == "markdown")
            assert TWO_LEVEL.search(before), f"{stem}: no two-level hint before cell {index}"
            start = index + 1


LESSON_08 = ROOT / "solutions" / "08_cifar10.ipynb"


@pytest.mark.parametrize("slow", ["prepare(", "whitened_per_epsilon(", "zca_matrix(X_sample"])
def test_long_cells_of_lesson_08_start_with_a_bar(slow):
    """The cells that take tens of seconds draw a bar before their slow call: the call itself
    with progress=True, or a Stages bar opened before it."""
    cells = [c.source for c in nbformat.read(LESSON_08, as_version=4).cells]
    source = next(s for s in cells if slow in s and not s.lstrip().startswith(("def ", "check(")))
    call = source.index(slow)
    statement = source[call : source.find(")\n", call) + 1]
    opened = source.find("with Stages(")
    assert "progress=True" in statement or -1 < opened < call, f"no bar before {slow}:\n{source}"

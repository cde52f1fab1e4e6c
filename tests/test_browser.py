"""The learner's path in JupyterLab, in headless Chromium: what only a browser shows.

Needs Playwright (``pip install -e .[browser]``) and the system's Chromium; skips without
them, except in CI (``CI=true``), where it is mandatory. On failure, screenshots and the
JupyterLab log go to ``browser-artifacts/<test>/`` (or ``$BROWSER_ARTIFACTS/<test>/``).
What the page shows of a check is selected in one place: ``tests.browser.Look``.
"""

import os
from pathlib import Path

import nbformat
import pytest

from tests.browser import (
    CHROMIUM_ARGS,
    LOOK,
    ROOT,
    TRACEBACK_SIGNS,
    VIEWPORT,
    Lab,
    Notebook,
    broken_words,
    chromium_path,
    exercise_index,
    missing,
    save_evidence,
    solution_cell,
)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "browser-artifacts"))
LESSON_01 = "01_data_visualisation.ipynb"
LESSON_05 = "05_backward.ipynb"
LESSON_07 = "07_full_model.ipynb"


# The colour of the first text in an element, as [r, g, b(, a)].
COLOUR_JS = """(el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node = walker.nextNode();
    while (node && !node.textContent.trim()) node = walker.nextNode();
    return getComputedStyle(node ? node.parentElement : el).color.match(/[\\d.]+/g).map(Number);
}"""


def require_browser():
    """Skip (fail in CI) when Playwright or Chromium is missing."""
    if reason := missing():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser test is mandatory in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def lab():
    """A JupyterLab server over a temporary copy of notebooks/."""
    require_browser()
    server = Lab().spawn()  # starts while Chromium does; the page fixture waits for it
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium, the system's executable."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(lab, chromium):
    """One 1024 px wide JupyterLab page (a small laptop: long messages wrap) for the lessons (loading it costs seconds)."""
    try:
        lab.wait_ready()
    except RuntimeError:
        save_evidence(None, lab, ARTIFACTS / "lab-start")
        raise
    page = chromium.new_page(viewport=VIEWPORT)
    page.set_default_timeout(30_000)
    page.goto(lab.url)
    yield page
    page.close()


@pytest.fixture
def notebook(request, lab, page):
    """The page's notebook actions; after a failure, evidence in ARTIFACTS/<test name>."""
    failed = request.session.testsfailed
    yield Notebook(page)
    if request.session.testsfailed > failed:  # the call's report is logged before teardown
        folder = save_evidence(page, lab, ARTIFACTS / request.node.name)
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"{request.node.name}: screenshots and JupyterLab log in {folder}")
    Notebook(page).close()


@pytest.fixture
def findings(request, notebook):
    """The test's display problems; asserted at the end of the test."""
    return Findings(notebook.page, ARTIFACTS / request.node.name)


class Findings:
    """What the page got wrong, collected so that one run reports every display problem;
    each with a screenshot of the moment, in ``folder``."""

    def __init__(self, page, folder):
        self.page, self.folder = page, folder
        self.problems = []

    def expect(self, ok, problem):
        if not ok:
            self.problems.append(problem)
            self.folder.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=self.folder / f"problem-{len(self.problems)}.png")

    def words_whole(self, notebook, index):
        """No check message or stop line of cell ``index`` breaks a word across lines."""
        broken = broken_words(notebook.outputs(index, LOOK.words))
        words = [b["word"] for b in broken]
        css = sorted({b["css"] for b in broken})
        self.expect(
            not broken, f"cell {index + 1}: the check message breaks words {words[:6]} ({css})"
        )

    def assert_none(self):
        assert not self.problems, "\n".join(["the page shows:", *self.problems])


def stopped_at(notebook, findings, exercise):
    """After Run All: index of the first cell with an error, which must name ``exercise``
    and be in view, with ``exercise``'s cell, the active one."""
    stopped = notebook.error_cells()
    assert stopped, "Run All stopped nowhere: no cell shows an error"
    first = stopped[0]
    stop = notebook.error_output(first, scroll=False)
    findings.expect(
        notebook.in_view(stop),
        f"after Run All the stop message (cell {first + 1}) is out of view",
    )
    text = stop.text_content()
    findings.expect(exercise in text, f"the stop message does not name {exercise}: {text!r}")
    findings.expect(
        not any(sign in text for sign in TRACEBACK_SIGNS),
        f"the stop message is a traceback: {text[:120]!r}",
    )
    findings.words_whole(notebook, first)
    cell = exercise_index(notebook.lesson, exercise)
    findings.expect(
        notebook.in_view(
            notebook.cell(cell, scroll=False).locator(".jp-InputArea").first, top=True
        ),
        f"after Run All {exercise}'s cell (cell {cell + 1}) starts above the view",
    )
    active = notebook.active_cell(expected=cell)
    findings.expect(
        active == cell,
        f"after Run All the active cell is cell {active + 1}, not {exercise}'s (cell {cell + 1})",
    )
    return first


def shift_enter_runs_the_exercise(notebook, exercise):
    """After Run All, Shift+Enter runs ``exercise``'s cell (the active one), not the last cell:
    no cell is added at the bottom, and the active cell is the exercise's (it stopped again)
    or its check."""
    cell = exercise_index(notebook.lesson, exercise)
    cells = notebook.cell_count()
    before = notebook.execution_count(cell)
    notebook.page.keyboard.press("Shift+Enter")
    notebook.wait_idle()
    assert notebook.execution_count(cell) not in (None, before), (
        f"Shift+Enter after Run All did not run {exercise}'s cell {cell + 1}"
    )
    active = notebook.active_cell()
    assert active in (cell, cell + 1), f"after Shift+Enter cell {active + 1} is the active one"
    assert notebook.cell_count() == cells, "Shift+Enter added a cell"


def run_passing(notebook, cell, exercise):
    """Run exercise cell ``cell`` and its check (the next cell); the page shows a green pass."""
    notebook.run_cell(cell)
    notebook.run_cell(cell + 1)
    assert cell + 1 not in notebook.error_cells(), notebook.texts(cell + 1)
    shown = " ".join(notebook.texts(cell + 1, LOOK.passed))
    assert f"{exercise}: passed" in shown, f"no pass for {exercise}: {shown!r}"
    colour = notebook.outputs(cell + 1, LOOK.passed).first.evaluate(COLOUR_JS)
    red, green, blue = colour[:3]
    assert green > max(red, blue) + 40, f"the pass is not green: rgb{tuple(colour[:3])}"


def run_failing(notebook, findings, cell, exercise, *words):
    """Run cell ``cell`` and its check: a message naming ``words``, one error line, no traceback."""
    notebook.run_cell(cell)
    assert cell not in notebook.error_cells(), f"the exercise cell failed: {notebook.texts(cell)}"
    notebook.run_cell(cell + 1)
    message = "\n".join(notebook.texts(cell + 1, LOOK.message))
    assert exercise in message, f"no message for {exercise}: {notebook.texts(cell + 1)}"
    for word in words:
        findings.expect(word in message, f"the message does not name {word}: {message!r}")
    everything = "\n".join(notebook.texts(cell + 1))
    signs = [sign for sign in TRACEBACK_SIGNS if sign in everything]
    findings.expect(not signs, f"a traceback is shown ({signs}): {everything[:200]!r}")
    stop = notebook.error_output(cell + 1)
    assert stop is not None, f"the failed check did not stop the cell: {everything!r}"
    lines = stop.text_content().strip().splitlines()
    findings.expect(len(lines) == 1, f"the error output is {len(lines)} lines, not 1: {lines}")
    findings.words_whole(notebook, cell + 1)


def test_lesson_01_run_all_then_an_exercise(notebook, findings):
    """Run All stops visibly at dataset_shapes; a right answer passes, a wrong one explains."""
    notebook.open(LESSON_01)
    notebook.run_all()
    first = stopped_at(notebook, findings, "dataset_shapes")
    cell = exercise_index(LESSON_01, "dataset_shapes")
    assert first in (cell, cell + 1), (
        f"Run All stopped at cell {first + 1}, not dataset_shapes: {notebook.texts(first)}"
    )
    findings.assert_none()
    shift_enter_runs_the_exercise(notebook, "dataset_shapes")

    right = solution_cell(LESSON_01, "dataset_shapes")
    notebook.type_into(cell, right)
    run_passing(notebook, cell, "dataset_shapes")

    notebook.type_into(cell, right.replace("m = X.shape[1]", "m = X.shape[0]"))
    run_failing(notebook, findings, cell, "dataset_shapes", "X.shape[1]")
    findings.assert_none()


def test_lesson_05_linear_backward(notebook, findings):
    """Run All stops visibly at the first exercise; linear_backward passes; db without keepdims
    gets a message naming keepdims."""
    notebook.open(LESSON_05)
    notebook.run_all()
    first_exercise = "neuron_example_backward"
    first = stopped_at(notebook, findings, first_exercise)
    assert first == exercise_index(LESSON_05, first_exercise) + 1, "not at the check cell"
    findings.assert_none()
    shift_enter_runs_the_exercise(notebook, first_exercise)

    cell = exercise_index(LESSON_05, "linear_backward")
    right = solution_cell(LESSON_05, "linear_backward")
    notebook.type_into(cell, right)
    run_passing(notebook, cell, "linear_backward")

    keepdims = "db = np.sum(dZ, axis=1, keepdims=True) / m"
    assert keepdims in right, "the solution's db line changed: update this test"
    notebook.type_into(cell, right.replace(keepdims, "db = np.sum(dZ, axis=1) / m"))
    run_failing(notebook, findings, cell, "linear_backward", "keepdims")
    findings.assert_none()


def test_lesson_07_progress_bar_is_a_widget(notebook):
    """With every exercise above it written, the training cell over three data sets draws a
    tqdm widget."""
    notebook.open(LESSON_07)
    sources = notebook.sources()
    training = next(i for i, source in enumerate(sources) if 'desc="data sets"' in source)
    solution = nbformat.read(ROOT / "solutions" / LESSON_07, as_version=4).cells
    for index, cell in enumerate(solution[:training]):
        if "exercise" in cell.metadata.get("tags", []):
            notebook.type_into(index, cell.source)
    notebook.cell(training).locator(".jp-InputPrompt").click()
    notebook.menu("Run", "Run All Above Selected Cell")
    notebook.wait_idle()
    assert not notebook.error_cells(), "a cell failed before the training cell"
    notebook.run_cell(training)
    assert notebook.outputs(training, LOOK.progress_widget).count() >= 1, (
        f"no tqdm widget; the outputs: {notebook.texts(training)}"
    )
    # The widget's own labels hold "3/3 [00:02<00:00, ...]"; text outputs must not.
    text = "\n".join(notebook.texts(training, LOOK.text))
    assert "3/3 [" not in text and "HBox" not in text, f"tqdm drawn as text: {text!r}"


def test_word_break_detector(chromium):
    """The detector flags text broken mid-word (break-all), and passes plain wrapped text."""
    page = chromium.new_page(viewport=VIEWPORT)
    message = (
        "not written yet: replace `raise NotImplementedError` in linear_backward with your "
        "code, run that cell, then run this check again."
    )
    box = "style='width:240px;white-space:pre-wrap"
    page.set_content(
        f"<pre id=broken {box};word-break:break-all'>{message}</pre>"
        f"<pre id=wrapped {box}'>{message}</pre>"
        f"<div id=plain style='width:240px'>{message}</div>"
    )
    try:
        assert broken_words(page.locator("#broken")), "break-all text was not flagged"
        assert not broken_words(page.locator("#wrapped")), "pre-wrap text was flagged"
        assert not broken_words(page.locator("#plain")), "plain wrapped text was flagged"
    finally:
        page.close()

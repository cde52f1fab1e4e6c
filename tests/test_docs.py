"""The pages by reader: the README's first screen, CI's command, links, and figures' one home."""

import re

import nbformat
import pytest

from nnutils.authoring.generate import ROOT
from nnutils.progress import outline

README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCED = re.compile(r"```bash\n(.*?)\n```", re.S)
FIGURE = re.compile(r"\d[\d,.]*\s?(%|x\b|min\b|GB\b|MB\b|GiB\b|ms\b|samples/s|GFLOP/s)")


def commands(text):
    return [line for block in FENCED.findall(text) for line in block.splitlines()]


def test_the_first_screen_has_the_two_commands_and_the_lessons():
    first_screen = "\n".join(README.splitlines()[:45])
    open_course, run_tests = commands(first_screen)[:2]
    assert open_course.endswith("jupyter lab notebooks/")
    assert run_tests.endswith(".venv/bin/python -m pytest")
    assert "## Lessons" in first_screen


def test_ci_runs_the_readmes_test_command_verbatim():
    run_tests = commands(README)[1]
    assert run_tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_relative_link_resolves():
    pages = [ROOT / "README.md", ROOT / "TEACHING.md", ROOT / "CONTRIBUTING.md"]
    for page in pages:
        for target in re.findall(r"\]\(([^)#:]+)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_the_benchmarks_page_has_no_figure_typed_by_hand():
    page = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    written = re.compile(r"<!-- (.+?): written by the script -->.*?<!-- end \1 -->", re.S)
    typed = FIGURE.findall(written.sub("", page))
    assert not typed, f"figures outside the scripts' sections: {typed}"


def test_the_learners_page_quotes_no_measured_figure():
    assert not [m.group(0) for m in FIGURE.finditer(README) if "170 MB" not in m.group(0)]


@pytest.mark.parametrize(
    ("lesson", "section"),
    [("08_cifar10", "cifar10_accuracy lesson"), ("09_convolutions", "convnet_accuracy")],
)
def test_a_lessons_rounded_accuracy_is_the_benchmarks(lesson, section):
    """The one figure a lesson states, 'about N% test accuracy', rounds the benchmark's."""
    prose = " ".join(
        c.source for c in nbformat.read(ROOT / "solutions" / f"{lesson}.ipynb", 4).cells
    )
    (stated,) = re.findall(r"about (\d+)% test\s+accuracy", prose)
    page = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    block = page[page.index(f"<!-- {section}: written") : page.index(f"<!-- end {section} -->")]
    measured = re.search(r"\| test accuracy \| ([\d.]+)% \|", block)
    if measured is None:
        pytest.skip(f"benchmarks/README.md has no figure for {section} yet")
    assert abs(float(stated) - float(measured.group(1))) <= 1, (
        f"lesson {lesson} says about {stated}%, the benchmark measured {measured.group(1)}%"
    )


def test_the_lesson_table_names_every_exercise_and_question():
    table = README[README.index("## Lessons") : README.index("## How to work")]
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line[2:4].isdigit()}
    for stem, lesson in outline().items():
        number = stem.split("_")[0]  # 05, or 05b for lesson 05's second part
        assert number in rows, f"README's lesson table has no row {number}"
        missing = [e for e in lesson["exercises"] if f"`{e}`" not in rows[number]]
        assert not missing, f"README's row {number} lacks {missing}"

"""A real nbgrader round trip: course source, release, three submissions per lesson, autograde.

Needs the classroom extra (``pip install -e ".[classroom]"``); skips without it, except in
CI (``CI=true``), where a skip would hide a broken install and fails instead.
"""

import csv
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnutils.authoring.generate import BEGIN, END, render
from nnutils.classroom.course import write_course

# One lesson with function exercises and one with value exercises.
LESSONS = ("01_data_visualisation", "03_forward")
# A wrong answer in an exercise no other exercise calls (a value exercise, here), and one in
# an exercise that later exercises call: each must cost that exercise alone. One wrong
# submission per lesson: each autograde runs the whole notebook (about 10 s).
WRONG = {"01_data_visualisation": ("column_example", "x_i = X[:, i]\ny_i = Y[0, i]")}
EARLY = {"03_forward": ("linear_forward", "Z = W @ A  # the bias is missing\nreturn Z, (A, W, b)")}


def require_nbgrader():
    if importlib.util.find_spec("nbgrader") is None:
        reason = 'nbgrader is not installed (pip install -e ".[classroom]")'
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, and CI must run the nbgrader round trip")
        pytest.skip(reason)


def answer(nb, exercise, code):
    """A copy of ``nb`` whose solution region in ``exercise`` is ``code``, at its indentation."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        owns = cell.metadata.get("exercise_id") == exercise or f"def {exercise}(" in cell.source
        if "exercise" in cell.metadata.get("tags", []) and owns:
            start = cell.source.index(f"def {exercise}(") if "def " in cell.source else 0
            region = re.compile(rf"^([ \t]*){BEGIN}\n.*?^[ \t]*{END}$", re.M | re.S)
            match = region.search(cell.source, start)
            indent = match.group(1)
            body = "\n".join(indent + line for line in code.split("\n"))
            cell.source = cell.source[: match.start()] + body + cell.source[match.end() :]
            return nb
    raise LookupError(f"no exercise cell for {exercise}")


def nbgrader(course, *args):
    """Run the real ``nbgrader`` command line in ``course``; its output, or a failure."""
    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from PATH
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "JUPYTER_CONFIG_DIR": str(course / ".jupyter"),  # no user-wide nbgrader config
        "COURSE_QUICK": "1",
    }
    command = [str(Path(bin_dir) / "nbgrader"), *args, f"--Exchange.root={course / 'exchange'}"]
    done = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def grades(tmp_path_factory):
    """{(lesson, student): (score, max_score)} from nbgrader's CSV export."""
    require_nbgrader()
    course = tmp_path_factory.mktemp("course")
    write_course(course)
    for other in (course / "source").iterdir():
        if other.name not in LESSONS:
            shutil.rmtree(other)
    nbgrader(course, "generate_assignment", "*")
    for lesson in LESSONS:
        source = nbformat.read(course / "source" / lesson / f"{lesson}.ipynb", as_version=4)
        release = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
        for student, nb in {
            "solution": source,
            "blank": release,
            **({"wrong": answer(source, *WRONG[lesson])} if lesson in WRONG else {}),
            **({"early": answer(source, *EARLY[lesson])} if lesson in EARLY else {}),
        }.items():
            folder = course / "submitted" / student / lesson
            folder.mkdir(parents=True)
            (folder / f"{lesson}.ipynb").write_text(render(nb))
    nbgrader(course, "autograde", "*")
    nbgrader(course, "export", f"--to={course / 'grades.csv'}")
    with open(course / "grades.csv", newline="") as table:
        rows = list(csv.DictReader(table))
    print("\nnbgrader autograde scores:")
    for row in rows:
        print(
            f"  {row['assignment']:<22} {row['student_id']:<9} {row['score']} / {row['max_score']}"
        )
    return {
        (row["assignment"], row["student_id"]): (float(row["score"]), float(row["max_score"]))
        for row in rows
    }


@pytest.mark.parametrize("lesson", LESSONS)
def test_full_solution_gets_full_marks(grades, lesson):
    score, max_score = grades[lesson, "solution"]
    assert max_score > 0 and score == max_score


@pytest.mark.parametrize("lesson", LESSONS)
def test_blank_release_gets_zero(grades, lesson):
    assert grades[lesson, "blank"][0] == 0


@pytest.mark.parametrize("lesson", WRONG)
def test_one_wrong_answer_loses_that_exercise_only(grades, lesson):
    score, max_score = grades[lesson, "wrong"]
    assert score == max_score - 1


@pytest.mark.parametrize("lesson", EARLY)
def test_a_wrong_early_exercise_costs_its_own_point_only(grades, lesson):
    score, max_score = grades[lesson, "early"]
    assert score == max_score - 1

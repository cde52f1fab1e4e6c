"""Learner progress: every check's verdict is kept, safely, and shown per lesson."""

import contextlib
import os
import stat
import subprocess
import sys
import tempfile

import nbformat
import pytest

from nnutils import progress
from nnutils import reference as ref
from nnutils.authoring.generate import (
    OUTLINE,
    ROOT,
    build_outline,
    learner_notebook,
    render,
    render_outline,
)
from nnutils.checks import CheckFailed, CheckResult, check
from nnutils.progress import __main__ as progress_cli
from nnutils.settings import quick_mode


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh progress file for one test."""
    path = tmp_path / "data" / "progress.json"
    monkeypatch.setenv("NNUTILS_PROGRESS", str(path))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    return path


def not_written(Z):
    raise NotImplementedError("Exercise sigmoid: replace this line with your code.")


def test_outline_is_fresh():
    assert OUTLINE.read_text(encoding="utf-8") == render_outline(build_outline()), (
        "nnutils/exercises.json is out of date: run `python -m nnutils.authoring`"
    )


def test_the_tests_never_write_the_users_own_progress_file():
    assert progress.progress_file().is_relative_to(tempfile.gettempdir())


def test_check_records_pass_failure_and_not_written(store):
    check("relu", ref.relu)
    with pytest.raises(CheckFailed):
        check("linear_forward", lambda A, W, b: (W @ A, (A, W, b)))
    with pytest.raises(CheckFailed):
        check("sigmoid", not_written)
    verdicts = progress.load()
    assert verdicts["relu"]["status"] == "passed" and verdicts["relu"]["lesson"] == "03_forward"
    assert verdicts["linear_forward"]["status"] == "failed"
    assert (
        verdicts["linear_forward"]["message"] and "\n" not in verdicts["linear_forward"]["message"]
    )
    assert verdicts["sigmoid"]["status"] == "not written"
    assert verdicts["relu"]["time"].startswith("20")


def test_table_shows_done_failing_and_not_yet_with_a_total(store):
    check("relu", ref.relu)
    with pytest.raises(CheckFailed):
        check("linear_forward", lambda A, W, b: (W @ A, (A, W, b)))
    table = progress.rows(progress.load(), only=["03_forward"])
    text = progress.text(table)
    states = {exercise: (state, reason) for exercise, state, reason in table[0][2]}
    assert states["relu"] == ("done", "")
    assert states["linear_forward"][0] == "failing" and "bias" in states["linear_forward"][1]
    assert states["sigmoid"] == ("not yet", "")
    n = len(progress.outline()["03_forward"]["exercises"])
    assert text.startswith(f"03 · Forward propagation: 1 of {n} done")
    assert text.endswith(f"Total: 1 of {n} done, 1 failing, {n - 2} not yet.")
    assert "<table>" in progress.html_table(table)


def test_a_later_verdict_replaces_the_earlier_one(store):
    with pytest.raises(CheckFailed):
        check("relu", lambda Z: Z)
    check("relu", ref.relu)
    assert progress.load()["relu"]["status"] == "passed"


def test_show_prints_one_lesson_outside_jupyter(store, capsys):
    check("relu", ref.relu)
    capsys.readouterr()
    progress.show("03_forward")
    out = capsys.readouterr().out
    n = len(progress.outline()["03_forward"]["exercises"])
    assert f"03 · Forward propagation: 1 of {n} done" in out and "01 ·" not in out
    with pytest.raises(KeyError, match="lessons"):
        progress.show("03")


@pytest.mark.parametrize("content", ["{not json", '{"exercises": [1, 2]}', "[]", ""])
def test_a_corrupt_file_never_breaks_a_check_and_is_kept_aside(store, content):
    store.parent.mkdir(parents=True)
    store.write_text(content)
    assert progress.load() == {}
    check("relu", ref.relu)
    assert progress.load()["relu"]["status"] == "passed"
    (aside,) = store.parent.glob("progress.json.corrupt-*")
    assert aside.read_text() == content


def test_case1_a_typo_keeps_every_verdict_aside_and_says_so_once(store, capsys):
    check("relu", ref.relu)
    typo = store.read_text().rstrip()[:-1].rstrip()[:-1] + "},\n}"  # a trailing comma
    store.write_text(typo)
    capsys.readouterr()
    check("relu", ref.relu)
    out = capsys.readouterr().out
    (aside,) = store.parent.glob("progress.json.corrupt-*")
    assert f"note: {store} could not be read (line " in out
    assert f"it is kept as {aside}, and a new one begun." in out
    assert aside.read_text() == typo and "relu" in typo
    check("relu", ref.relu)
    assert "note:" not in capsys.readouterr().out


def cli(*args, timeout=60):
    """``python -m nnutils.progress`` in a child process: (exit status, stdout + stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "nnutils.progress", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done.returncode, done.stdout + done.stderr


CHECK_RELU = "from nnutils.checks import check; from nnutils import reference as ref; check('relu', ref.relu)"


def test_an_unwritable_location_never_breaks_a_check(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NNUTILS_PROGRESS", str(blocker / "progress.json"))
    check("relu", ref.relu)
    assert "passed" in capsys.readouterr().out
    with pytest.raises(CheckFailed):
        check("relu", lambda Z: Z)
    assert "progress not saved" in progress.record(CheckResult("relu", True))


HOLD_THE_LOCK = """
import sys, filelock
with filelock.FileLock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.read()
"""


@contextlib.contextmanager
def lock_held_by_another_process(path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, f"{path}.lock"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def a_folder(path):
    path.mkdir(parents=True)
    return contextlib.nullcontext(), f"progress not saved: {path} is a folder: move it away"


def a_file_as_parent(path):
    path.parent.write_text("")
    return contextlib.nullcontext(), f"progress not saved: {path.parent} is a file, not a folder"


def a_held_lock(path):
    path.parent.mkdir(parents=True)
    return lock_held_by_another_process(
        path
    ), f"progress not saved: another process held {path}.lock for"


@pytest.mark.parametrize("situation", [a_folder, a_file_as_parent, a_held_lock])
def test_case2_a_verdict_that_cannot_be_saved_says_so(store, capsys, situation):
    context, said = situation(store)
    with context:
        capsys.readouterr()
        check("relu", ref.relu)
        out = capsys.readouterr().out
        assert "relu: passed" in out and f"note: {said}" in out
        status, out = cli()
        assert status == 1 and said in out and "Progress recorded in" not in out
        assert "Total: 0 of" in out


def check_relu():
    check("relu", ref.relu)


def test_case2_a_read_only_folder_says_so_for_a_real_user(users, shared_tmp, monkeypatch):
    """The folder belongs to root (mode 755): another user's checks cannot save there."""
    folder = shared_tmp / "class"
    folder.mkdir(mode=0o755)
    monkeypatch.setenv("NNUTILS_PROGRESS", str(folder / "progress.json"))
    user = users.user()
    said = f"progress not saved: {folder} is not writable (Permission denied): make it writable"
    _, out = users.call(user, check_relu)
    assert "relu: passed" in out and f"note: {said}" in out
    status, out = users.call(user, progress_cli.main, [])
    assert status == 1 and said in out


def test_case3_a_symlinked_file_stays_a_symlink(store, tmp_path):
    synced = tmp_path / "synced" / "progress.json"
    synced.parent.mkdir()
    store.parent.mkdir()
    store.symlink_to(synced)
    check("relu", ref.relu)
    check("sigmoid", ref.sigmoid)
    assert store.is_symlink() and os.readlink(store) == str(synced)
    assert {"relu", "sigmoid"} <= progress.load(synced).keys()
    assert [p.name for p in synced.parent.iterdir()] == ["progress.json"]


def test_case4_a_fifo_is_refused_not_waited_on(store):
    store.parent.mkdir()
    os.mkfifo(store)
    said = f"progress not saved: {store} is not a regular file: move it away"
    done = subprocess.run(
        [sys.executable, "-c", CHECK_RELU], capture_output=True, text=True, timeout=60
    )
    assert f"note: {said}" in done.stdout
    status, out = cli()
    assert status == 1 and said in out
    assert stat.S_ISFIFO(os.lstat(store).st_mode)


def test_case4_deeply_nested_json_is_refused(store, capsys):
    store.parent.mkdir()
    store.write_text('{"exercises": ' + "[" * 200_000 + "]" * 200_000 + "}")
    progress.show()
    assert "Total: 0 of" in capsys.readouterr().out
    status, out = cli()
    assert status == 1 and f"{store} could not be read (nested too deeply)" in out
    assert "Traceback" not in out and "Total: 0 of" in out
    assert len(list(store.parent.glob("progress.json.corrupt-*"))) == 1


def test_nothing_is_recorded_under_the_autograder(store, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    check("relu", ref.relu)
    assert not store.exists()


WRITER = """
import sys
from nnutils.checks import CheckResult
from nnutils.progress import record
writer = sys.argv[1]
for k in range(int(sys.argv[2])):
    assert record(CheckResult(f"w{writer}_{k}", k % 2 == 0, ["wrong values."])) is None
"""


def test_concurrent_writers_lose_nothing(store):
    writers, each = 6, 25
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(w), str(each)], env=os.environ)
        for w in range(writers)
    ]
    assert all(p.wait(timeout=120) == 0 for p in processes)
    verdicts = progress.load()
    assert {f"w{w}_{k}" for w in range(writers) for k in range(each)} <= verdicts.keys()
    leftovers = [p.name for p in store.parent.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, leftovers


@pytest.mark.parametrize(
    ("environment", "quick"),
    [
        ({"COURSE_QUICK": "1"}, True),
        ({"COURSE_QUICK": "0", "NBGRADER_EXECUTION": "autograde"}, False),
        ({"NBGRADER_EXECUTION": "autograde"}, True),
        ({"NBGRADER_EXECUTION": "validate"}, True),
        ({}, False),
    ],
)
def test_quick_mode_is_on_under_nbgrader_unless_switched_off(monkeypatch, environment, quick):
    for name in ("COURSE_QUICK", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert quick_mode() is quick


def test_run_rebuilds_the_table_from_partly_solved_notebooks(tmp_path):
    """Lesson 01 with its first exercise solved and its second left blank, run headless."""
    solution = nbformat.read(ROOT / "solutions" / "01_data_visualisation.ipynb", as_version=4)
    learner = learner_notebook(solution)
    first = next(
        i for i, c in enumerate(solution.cells) if "exercise" in c.metadata.get("tags", [])
    )
    learner.cells[first].source = solution.cells[first].source
    (tmp_path / "01_data_visualisation.ipynb").write_text(render(learner))
    (tmp_path / "01_data_visualisation-Copy1.ipynb").write_text(render(learner))  # not a lesson
    done = subprocess.run(
        [sys.executable, "-m", "nnutils.progress", "--run", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    n = len(progress.outline()["01_data_visualisation"]["exercises"])
    assert f"01 · Looking at the data: 1 of {n} done" in done.stdout
    assert "done     dataset_shapes" in done.stdout
    assert "not yet  column_example" in done.stdout
    assert f"Total: 1 of {n} done, 0 failing, {n - 1} not yet." in done.stdout
    assert "02 ·" not in done.stdout


def notebook(*sources):
    """A notebook of code cells, as text."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return render(nb)


def test_case5_a_lesson_that_cannot_run_is_one_line_and_the_run_goes_on(tmp_path):
    (tmp_path / "01_data_visualisation.ipynb").write_text("{not a notebook")
    dies = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"  # as an out-of-memory kill
    (tmp_path / "02_initialization.ipynb").write_text(notebook("x = 1", dies, "y = 2"))
    relu = "import numpy as np\nfrom nnutils.checks import check\ndef relu(Z):\n    return np.maximum(Z, 0)"
    (tmp_path / "03_forward.ipynb").write_text(notebook(relu, 'check("relu", relu)'))
    (tmp_path / "04_cost.ipynb").write_text(notebook("while True:\n    pass", "z = 3"))
    status, out = cli("--run", str(tmp_path), "--timeout", "3", timeout=300)
    assert status == 1 and "Traceback" not in out, out
    n = len(progress.outline()["01_data_visualisation"]["exercises"])
    assert f"01 · Looking at the data: 0 of {n} done\n  stopped: not a notebook (" in out
    assert "  stopped: the kernel died in cell 2 (import os, signal) (out of memory?)" in out
    assert "  stopped: cell 1 (while True:) ran longer than 3 s (set --timeout SECONDS)" in out
    assert "done     relu" in out and "Total: 1 of" in out

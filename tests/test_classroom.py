"""The nbgrader course source: cell roles, points, config; lesson 08's data under the autograder."""

import os
import runpy
import shutil
import subprocess
import sys

import nbformat
import pytest

from nnutils.authoring.generate import checked_exercise, lessons
from nnutils.classroom import __main__ as classroom_cli
from nnutils.classroom.course import nbgrader_notebook, write_course
from nnutils.data.cifar10 import Cifar10Unavailable, load_cifar10
from tests.cifar_fixture import fake_cifar, write_folder

LESSONS = lessons()


@pytest.mark.parametrize("solution", [s for s, _ in LESSONS], ids=[s.stem for s, _ in LESSONS])
def test_exercises_are_solutions_checks_are_graded_the_rest_is_read_only(solution):
    nb = nbgrader_notebook(nbformat.read(solution, as_version=4))
    checks = 0
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        if "exercise" in cell.metadata.get("tags", []):
            assert meta["solution"] and not meta["grade"] and not meta["locked"]
            assert "### BEGIN SOLUTION" in cell.source
        elif checked_exercise(cell):
            checks += 1
            assert meta["grade"] and meta["locked"] and meta["points"] == 1
            assert meta["grade_id"] == f"check_{checked_exercise(cell)}"
        else:
            assert meta["locked"] and not meta["grade"] and not meta["solution"]
    assert checks >= 2
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_two_checks_of_one_exercise_are_refused():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('check("relu", relu)') for _ in range(2)]
    with pytest.raises(ValueError, match="check_relu"):
        nbgrader_notebook(nb)


def test_course_source_layout_and_a_config_written_once(tmp_path, capsys):
    write_course(tmp_path, data=tmp_path / "shared-data")
    for solution, _ in LESSONS:
        assert (tmp_path / "source" / solution.stem / solution.name).is_file()
    config = tmp_path / "nbgrader_config.py"
    text = config.read_text()
    assert str(tmp_path / "shared-data") in text
    config.write_text(text + "# edited by the teacher\n")
    write_course(tmp_path)
    assert config.read_text().endswith("# edited by the teacher\n")
    assert f"kept {config}" in capsys.readouterr().out


def test_config_sets_the_data_folder_and_a_cell_timeout(tmp_path, monkeypatch):
    monkeypatch.delenv("NNUTILS_DATA", raising=False)  # restored after the test
    write_course(tmp_path)

    class Section(dict):
        def __getattr__(self, name):
            return self.setdefault(name, Section())

        def __setattr__(self, name, value):
            self[name] = value

    config = Section()
    runpy.run_path(str(tmp_path / "nbgrader_config.py"), {"get_config": lambda: config})
    assert os.environ["NNUTILS_DATA"] == str(tmp_path / "data")
    assert config["Execute"]["timeout"] >= 60
    assert config["CourseDirectory"]["root"] == str(tmp_path)


def test_the_autograder_never_downloads_cifar10(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(Cifar10Unavailable, match=str(tmp_path / "empty" / "cifar10")):
        load_cifar10(tmp_path / "empty", url="http://127.0.0.1:9/never-fetched.tar.gz")
    write_folder(tmp_path / "filled" / "cifar10", fake_cifar(per_batch=10, n_test=10))
    assert load_cifar10(tmp_path / "filled", url="http://127.0.0.1:9/never").X_train.shape[1] == 50


def source_cli(*args):
    """``python -m nnutils.classroom source ...`` in a child process: (status, output)."""
    done = subprocess.run(
        [sys.executable, "-m", "nnutils.classroom", "source", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def test_case6_an_edited_source_notebook_is_kept_without_force(tmp_path):
    write_course(tmp_path)
    edited = tmp_path / "source" / "03_forward" / "03_forward.ipynb"
    nb = nbformat.read(edited, as_version=4)
    nb.cells[0].source += "\n\nA remark of the instructor."
    nbformat.write(nb, edited)
    mine = edited.read_text()
    status, out = source_cli(tmp_path)
    assert status == 0 and edited.read_text() == mine
    assert f"kept {edited}: edited since it was written (--force overwrites it)" in out
    assert "1 edited notebook(s) kept as they are; add --force" in out
    assert f"wrote {tmp_path / 'source' / '04_cost' / '04_cost.ipynb'}" in out
    status, out = source_cli(tmp_path, "--force")
    assert status == 0 and f"wrote {edited}" in out and "A remark" not in edited.read_text()


def cannot_write(dest):
    """The first words of the one line a teacher sees when ``dest`` cannot be written."""
    return f"Cannot write the course source in {dest}: "


def a_file_as_dest(tmp_path):
    (tmp_path / "course").write_text("")
    return tmp_path / "course", f"{tmp_path / 'course'} is a file, not a folder: move it away"


def a_file_where_a_folder_goes(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "source").write_text("")
    blocker = tmp_path / "course" / "source"
    return tmp_path / "course", f"{blocker} is a file, not a folder: move it away"


@pytest.mark.parametrize("situation", [a_file_as_dest, a_file_where_a_folder_goes])
def test_case7_a_file_in_the_way_is_one_line(tmp_path, situation):
    dest, said = situation(tmp_path)
    status, out = source_cli(dest)
    assert status == 1 and out == cannot_write(dest) + said + ", or choose another DEST.\n"


def test_case7_a_folder_another_user_cannot_write_is_one_line(users, shared_tmp):
    dest = shared_tmp / "course"
    dest.mkdir(mode=0o755)
    value, _ = users.call(users.user(), classroom_cli.main, ["source", str(dest)])
    said = f"{dest} is not writable (Permission denied): make it writable, or choose another DEST."
    assert value == f"SystemExit: {cannot_write(dest)}{said}"


@pytest.fixture
def small_disk(tmp_path):
    """mount(options): a tmpfs mounted at tmp_path/disk with ``options``; unmounted after."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root and mount, for a small or read-only disk")
    disk = tmp_path / "disk"
    disk.mkdir()

    def mount(options):
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", disk], check=False)
        if done.returncode:
            pytest.skip("this machine does not let tests mount a tmpfs")
        return disk

    yield mount
    subprocess.run(["umount", disk], check=False)


def test_case7_a_full_disk_is_one_line_and_leaves_no_truncated_notebook(tmp_path, small_disk):
    write_course(tmp_path / "full")
    size = sum(p.stat().st_size for p in (tmp_path / "full").rglob("*") if p.is_file())
    dest = small_disk(f"size={size // 2}")
    status, out = source_cli(dest)
    said = f"{cannot_write(dest)}the disk that holds {dest}"
    assert status == 1 and out.splitlines()[-1].startswith(said)
    assert out.splitlines()[-1].endswith("is full: free some space, or choose another DEST.")
    notebooks = list(dest.rglob("*.ipynb"))
    assert notebooks and all(nbformat.read(p, as_version=4).cells for p in notebooks)
    assert not [p for p in dest.rglob(".*") if p.name != ".nnutils-source.json"]


def test_case7_a_read_only_disk_is_one_line(small_disk):
    dest = small_disk("ro")
    status, out = source_cli(dest)
    said = f"{dest} is not writable (Read-only file system): make it writable"
    assert status == 1 and out == f"{cannot_write(dest)}{said}, or choose another DEST.\n"

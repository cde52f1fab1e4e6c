"""The nbgrader course source: cell roles, points, config; lesson 08's data under the autograder."""

import os
import runpy

import nbformat
import pytest

from nnutils.authoring.generate import checked_exercise, lessons
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

"""The sandbox's requests, served in this process (the class tests run them in the sandbox)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from nnutils.classroom import jail, sandbox
from nnutils.classroom.wire import decode, encode


def cells(*sources):
    namespace = {"__name__": "__main__"}
    for index, source in enumerate(sources):
        sandbox.run(namespace, source, f"<answer {index}>")
    return namespace


def test_a_call_returns_the_result_the_arguments_as_left_and_what_was_printed():
    namespace = cells(
        "import numpy as np\n"
        "def relu(Z):\n    print('hello')\n    Z[0, 0] = 5.0\n    return np.maximum(Z, 0)\n"
    )
    answer = sandbox.call(namespace, "relu", "relu", encode((np.zeros((1, 2)),)))
    assert answer["printed"] == "hello\n" and answer["raised"] is None
    assert decode(answer["args"])[0][0, 0] == 5.0
    assert np.array_equal(decode(answer["result"]), [[5.0, 0.0]])


def test_an_exception_comes_back_as_its_type_text_and_line():
    namespace = cells("def sigmoid(Z):\n    return 1 / 0\n")
    raised = sandbox.call(namespace, "sigmoid", "sigmoid", encode((1.0,)))["raised"]
    assert raised["type"] == "ZeroDivisionError" and "division by zero" in raised["message"]
    assert raised["line"] == "at line 2 of your code: return 1 / 0"


def test_a_name_bound_to_the_course_solution_is_stopped():
    namespace = cells("import nnutils.reference as r\nsigmoid = r.sigmoid\n")
    answer = sandbox.call(namespace, "sigmoid", "sigmoid", encode((np.zeros((1, 1)),)))
    assert "sigmoid calls nnutils.reference.sigmoid" in answer["stopped"]


def test_values_and_cells_that_did_not_set_them():
    namespace = cells("x = (2, 3)\n", "raise NotImplementedError('Exercise m')\n")
    answer = sandbox.values(namespace, {"shape": "x", "m": "m"})
    assert decode(answer["values"]["shape"]) == (2, 3)
    assert answer["missing"]["m"].startswith("NameError")


def test_a_course_folder_under_tmp_is_readable_in_the_jail(tmp_path, monkeypatch):
    """A clone under /tmp (as CI's may be): the private /tmp must not hide the course."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    course = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        (course / "marker").write_text("here")
        course.chmod(0o755)
        monkeypatch.setattr(jail, "_read_only", lambda: [Path("/usr"), course])
        monkeypatch.setattr(jail, "CHILD", ["/usr/bin/cat", str(course / "marker")])
        done = subprocess.run(jail.bwrap_command(os.geteuid() == 0), capture_output=True, text=True)
        assert done.stdout == "here", done.stderr
    finally:
        shutil.rmtree(course)

"""The sandbox's requests, served in this process (the class tests run them in the sandbox)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

from nnutils.classroom import jail, lesson, sandbox
from nnutils.classroom.remote import Child
from nnutils.classroom.wire import decode, encode
from nnutils.grading import run_check


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


def jailed(*sources):
    """A sandboxed child (bubblewrap) that has run ``sources`` as answer cells."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    return Child([(f"<answer {i}>", source) for i, source in enumerate(sources)], 20)


SOLUTION_CALLS = {
    "bound": "import nnutils.reference as r\nsigmoid = r.sigmoid\n",
    "untraced": "import sys\nimport nnutils.reference as r\n"
    "def sigmoid(Z):\n    sys.settrace(None)\n    return r.sigmoid(Z)\n",
    "swallowed": "from nnutils.reference import sigmoid as s\nimport numpy as np\n"
    "def sigmoid(Z):\n    try:\n        s(Z)\n    except BaseException:\n        pass\n"
    "    return 1 / (1 + np.exp(-Z))\n",
    "server patched": "import contextlib, sys\nserver = sys.modules['__main__']\n"
    "server.isolated = lambda *a: contextlib.nullcontext(({}, []))\n"
    "from nnutils.reference import sigmoid\n",
}


@pytest.mark.parametrize("answer", list(SOLUTION_CALLS))
def test_a_call_to_the_exercises_own_solution_is_refused_by_the_grader(answer):
    child = jailed(SOLUTION_CALLS[answer])
    try:
        result = run_check("sigmoid", child.function("sigmoid"), seed=0)
    finally:
        child.close()
    assert not result.passed
    assert "sigmoid calls nnutils.reference.sigmoid: the exercise is to write it" in str(result)


def test_earlier_exercises_and_helpers_of_the_course_are_served():
    child = jailed(
        "import numpy as np\nfrom nnutils.reference import linear_forward, sigmoid, relu\n"
        "def linear_activation_forward(A_prev, W, b, activation):\n"
        "    Z, cache = linear_forward(A_prev, W, b)\n"
        "    A = sigmoid(Z) if activation == 'sigmoid' else relu(Z)\n"
        "    return A, (cache, Z)\n"
    )
    try:
        result = run_check("linear_activation_forward", child.function("linear_activation_forward"))
    finally:
        child.close()
    assert result.passed, str(result)


def test_the_solution_code_is_not_in_the_sandbox():
    """Neither its source nor a compiled copy: an answer cannot read and run it."""
    child = jailed(
        "import pathlib, nnutils\nfolder = pathlib.Path(nnutils.__file__).parent\n"
        "def readable(path):\n    try:\n        return len(path.read_bytes()) > 0\n"
        "    except OSError:\n        return False\n"
        "found = sorted(str(p.relative_to(folder)) for p in folder.rglob('*')\n"
        "               if p.suffix in ('.py', '.pyc') and readable(p))\n"
    )
    try:
        found, missing = child.values({"found": "found"})
    finally:
        child.close()
    assert not missing and "classroom/sandbox.py" in found["found"]
    solution = ("reference", "checks", "grading/", "engine/", ".pyc")
    assert not [path for path in found["found"] if any(word in path for word in solution)]


def test_the_grader_never_runs_a_check_and_a_served_call_has_a_memory_cap():
    child = jailed(
        "import numpy as np\nfrom nnutils.checks import check\nfrom nnutils.reference import one_hot\n"
    )
    try:
        checked, missing = child.values(
            {"check": "check('relu', print)", "big": "one_hot(np.zeros(4, int), 10**10)"}
        )
    finally:
        child.close()
    assert checked == {"check": None}  # a check left in an answer cell does nothing
    assert missing["big"].startswith("MemoryError")


def test_setup_imports_of_drawing_libraries_wait_until_used():
    source = (
        "import os\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
        "from sklearn.neural_network import MLPClassifier as M\n"
        "from nnutils.plot import scatter_classes\nfrom nnutils.reference import relu\n"
    )
    namespace = {"__lazy__": sandbox.Lazy}
    exec(lesson.lazy_imports(source), namespace)
    assert isinstance(namespace["plt"], sandbox.Lazy) and isinstance(namespace["M"], sandbox.Lazy)
    assert isinstance(namespace["scatter_classes"], sandbox.Lazy)
    assert namespace["relu"].__module__ == "nnutils.reference" and namespace["np"] is np
    assert namespace["plt"].figure.__name__ == "figure"


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

"""The notebooks' entry point (nnutils.checks): one-line stops, and a check after a failed cell."""

import nbformat
import pytest
from nbclient import NotebookClient

from nnutils.cells import defines
from nnutils.errors import describe


def run_cells(*sources):
    """Outputs of each cell of a notebook run in a real kernel, going on after errors."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    NotebookClient(nb, allow_errors=True, timeout=60).execute()
    return [cell.outputs for cell in nb.cells]


def shown(outputs):
    """The plain text of a cell's displayed results (a check's explanation)."""
    return " ".join(o.data["text/plain"] for o in outputs if o.output_type == "display_data")


def test_a_check_after_a_failed_exercise_cell_says_that_cell_failed():
    outputs = run_cells(
        "from nnutils.checks import check",
        "import numpy as np\n\ndef relu(Z):\n    return np.maximum(Z, 0\n",  # SyntaxError
        'check("relu", relu)',
        "shape_X = (3072, 50000)\nshape_Y = (1, 50000)[2]\nm = 50000",  # IndexError
        'check("dataset_shapes", shape_X=shape_X, shape_Y=shape_Y, m=m)',
        "print(sigmoid(0))",  # fails, but only uses sigmoid: it does not define it
        'check("sigmoid", sigmoid)',
    )
    relu, shapes, sigmoid = shown(outputs[2]), shown(outputs[4]), shown(outputs[6])
    assert "relu is not defined: the cell that defines it, [2], stopped with SyntaxError" in relu
    assert "run the exercise cell above first" not in relu
    assert "shape_Y is not defined: the cell that defines it, [4], stopped with IndexError" in (
        shapes
    )
    assert "sigmoid is not defined yet: run the exercise cell above first" in sigmoid
    stops = [o.traceback for o in outputs[2] if o.output_type == "error"]
    assert stops == [["\x1b[31m\N{BALLOT X} stopped here: the cell of relu failed.\x1b[0m"]]


STUB = 'def relu(Z):\n    raise NotImplementedError("Exercise relu: replace this line with your code.")\n'


def test_a_check_of_the_stub_left_by_a_failed_cell_says_that_cell_failed():
    """Run All defined the stub; the learner's answer then failed to run: the check still
    finds the stub, and says that the cell failed rather than that nothing is written."""
    outputs = run_cells(
        "from nnutils.checks import check",
        STUB,
        'check("relu", relu)',
        "import numpy as np\n\ndef relu(Z):\n    return np.maximum(Z, 0\n",  # SyntaxError
        'check("relu", relu)',
    )
    assert "relu: not written yet" in shown(outputs[2])
    relu = shown(outputs[4])
    assert "relu is still the unwritten stub: the cell that defines it, [4], stopped with " in (
        relu
    )
    assert "SyntaxError" in relu and "not written yet" not in relu
    stops = [o.traceback for o in outputs[4] if o.output_type == "error"]
    assert stops == [["\x1b[31m\N{BALLOT X} stopped here: the cell of relu failed.\x1b[0m"]]


def test_a_stub_that_stopped_its_own_cell_is_still_not_written():
    outputs = run_cells(
        "from nnutils.checks import check",
        STUB + "print(relu(0))",  # the exercise cell calls its stub: NotImplementedError
        'check("relu", relu)',
    )
    assert "relu: not written yet" in shown(outputs[2])
    assert "stopped with" not in shown(outputs[2])


def test_a_failed_cell_fixed_and_run_again_lets_the_check_pass():
    outputs = run_cells(
        "from nnutils.checks import check",
        "def relu(Z):\n    return Z +\n",
        "import numpy as np\n\ndef relu(Z):\n    return np.maximum(Z, 0)\n",
        'check("relu", relu)',
    )
    assert not [o for o in outputs[3] if o.output_type == "error"]
    assert "relu: passed" in shown(outputs[3])


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("def relu(Z):\n    return Z +", "relu", True),
        ("async def relu(Z): ...", "relu", True),
        ("shape_X = X.shape", "shape_X", True),
        ("shape_X, shape_Y = X.shape, Y.shape", "shape_Y", True),
        ("(x_i, y_i) = X[:, [i]], Y[0, i]", "y_i", True),
        ("if shape_X == (2, 3):\n    pass", "shape_X", False),
        ("print(relu(0))", "relu", False),
        ("def relu_backward(dA, Z): ...", "relu", False),
        ("def standardize(X):\n    m = X.shape[1]", "m", False),  # inside a function
        ("m += 1", "m", False),
    ],
)
def test_defines_reads_definitions_in_text(source, name, expected):
    assert defines(source, name) is expected


def test_describe_names_the_error_in_one_line():
    try:
        compile("def f(:\n    pass", "<cell>", "exec")
    except SyntaxError as error:
        assert describe(error).startswith("SyntaxError: ") and "(line 1)" in describe(error)
    assert describe(ZeroDivisionError("division by zero")) == "ZeroDivisionError: division by zero"
    assert describe(KeyError()) == "KeyError"
    assert len(describe(ValueError("x" * 500))) < 110

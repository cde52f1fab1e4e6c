"""The learner-notebook generator: regions blanked at their indentation, malformed markers refused."""

import nbformat
import pytest

from nnutils.authoring.generate import MarkerError, learner_notebook, render


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def exercise(source, **metadata):
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["exercise"], **metadata})


def blank(source, **metadata):
    return learner_notebook(notebook(exercise(source, **metadata))).cells[0].source


def test_region_becomes_a_named_not_implemented_error_at_its_indentation():
    source = (
        "def relu(Z):\n"
        '    """max(0, Z)."""\n'
        "    ### BEGIN SOLUTION\n"
        "    A = np.maximum(Z, 0)\n"
        "    ### END SOLUTION\n"
        "    return A"
    )
    assert blank(source) == (
        "def relu(Z):\n"
        '    """max(0, Z)."""\n'
        "    # YOUR CODE HERE\n"
        '    raise NotImplementedError("Exercise relu: replace this line with your code.")\n'
        "    return A"
    )


def test_nested_function_regions_name_the_enclosing_function():
    source = "def outer():\n    def inner():\n        ### BEGIN SOLUTION\n        x = 1\n        ### END SOLUTION\n"
    assert 'raise NotImplementedError("Exercise inner:' in blank(source)


def test_two_regions_in_one_cell():
    source = "def f():\n    ### BEGIN SOLUTION\n    a = 1\n    ### END SOLUTION\n    b = 2\n    ### BEGIN SOLUTION\n    c = 3\n    ### END SOLUTION\n"
    out = blank(source)
    assert out.count("raise NotImplementedError") == 2 and "b = 2" in out and "a = 1" not in out


def test_top_level_region_takes_its_id_from_metadata():
    source = "### BEGIN SOLUTION\nm = X.shape[1]\n### END SOLUTION\nprint(m)"
    assert 'raise NotImplementedError("Exercise dataset_shapes:' in blank(
        source, exercise_id="dataset_shapes"
    )
    with pytest.raises(MarkerError, match="exercise_id"):
        blank(source)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",
            "nested",
        ),
        ("def f():\n    ### BEGIN SOLUTION\n    x = 1\n", "never closed"),
        ("def f():\n    x = 1\n    ### END SOLUTION\n", "without"),
        ("def f():\n    x = 1  ### BEGIN SOLUTION\n", "alone"),
    ],
)
def test_malformed_markers_fail_loudly(source, problem):
    with pytest.raises(MarkerError, match=problem):
        blank(source)


def test_markers_outside_exercise_cells_are_refused():
    nb = notebook(
        nbformat.v4.new_code_cell(
            "def f():\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n"
        )
    )
    with pytest.raises(MarkerError, match="not tagged 'exercise'"):
        learner_notebook(nb)
    nb = notebook(nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nanswer\n### END SOLUTION"))
    with pytest.raises(MarkerError, match="not tagged"):
        learner_notebook(nb)


def test_outputs_are_stripped_and_rendering_is_stable():
    cell = nbformat.v4.new_code_cell("print(1)", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb = learner_notebook(notebook(cell))
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None
    assert cell.outputs, "the solution notebook given must not be modified"
    assert render(nb) == render(learner_notebook(notebook(cell)))

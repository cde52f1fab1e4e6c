"""The learner-notebook generator: regions blanked at their indentation, malformed markers refused."""

import subprocess
import sys
import textwrap

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


def test_a_failed_write_leaves_the_teachers_notebooks_whole(tmp_path):
    """A write that fails halfway (here a file-size limit, as a full disk or a quota would)
    leaves the solution notebook being stripped and the learner notebook as they were."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "nnutils").mkdir()
    cell = exercise("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")
    cell.execution_count, cell.outputs = 7, [nbformat.v4.new_output("stream", text="x" * 20000)]
    solution = tmp_path / "solutions" / "01_topic.ipynb"
    solution.write_text(render(notebook(cell)))  # with an output: regenerate rewrites it
    learner = tmp_path / "notebooks" / "01_topic.ipynb"
    learner.write_text("the learner's old notebook\n" * 40)
    before = {path: path.read_bytes() for path in (solution, learner)}
    script = textwrap.dedent(f"""
        import resource, signal
        from pathlib import Path
        from nnutils.authoring.generate import regenerate
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit raises instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))
        regenerate(Path({str(tmp_path)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr[-500:]
    assert done.stderr.strip() == (
        "solutions/01_topic.ipynb could not be written, and is as it was: [Errno 27] File too large"
    ), done.stderr[-500:]
    assert {path: path.read_bytes() for path in before} == before
    assert not list(tmp_path.rglob("*.tmp")), "a temporary file was left behind"

"""An answer that calls the course's own solution fails its check, naming what it called."""

import numpy as np

import nnutils.reference as ref
from nnutils.grading import run_check


def learner(source, **names):
    """The functions that ``source`` defines, compiled as a notebook cell is (not a test file)."""
    namespace = {"np": np, "r": ref, **names}
    exec(compile(source, "<ipython-input-1>", "exec"), namespace)
    return namespace


def test_calling_the_reference_of_the_exercise_fails_naming_it():
    cell = learner("def linear_forward(A, W, b):\n    return r.linear_forward(A, W, b)\n")
    result = run_check("linear_forward", cell["linear_forward"], seed=0)
    assert not result.passed
    assert result.messages == [
        "linear_forward calls nnutils.reference.linear_forward: the exercise is to write it "
        "yourself."
    ]


def test_indirect_calls_are_caught_too():
    for source in (
        "def sigmoid(Z):\n    return np.vectorize(r.sigmoid)(Z)\n",
        "import functools\ndef sigmoid(Z):\n    return functools.partial(r.sigmoid)(Z)\n",
        "def sigmoid(Z):\n    return r.L_model_forward and r.sigmoid(Z)\n",
    ):
        result = run_check("sigmoid", learner(source)["sigmoid"], seed=0)
        assert "calls nnutils.reference.sigmoid" in result.messages[0], source


def test_calling_a_later_exercise_or_the_grading_package_fails():
    later = learner("def sigmoid(Z):\n    return r.L_model_forward(Z, {})[0]\n")
    assert (
        "calls nnutils.reference.L_model_forward"
        in run_check("sigmoid", later["sigmoid"]).messages[0]
    )
    grading = learner(
        "from nnutils.grading.expect import close\n"
        "def sigmoid(Z):\n    close(Z, Z)\n    return 1 / (1 + np.exp(-Z))\n"
    )
    assert (
        "calls nnutils.grading.expect.close" in run_check("sigmoid", grading["sigmoid"]).messages[0]
    )


def test_earlier_exercises_of_the_course_numpy_and_own_helpers_stay_allowed():
    cell = learner(
        "def activate(Z, activation):\n"
        "    return r.sigmoid(Z) if activation == 'sigmoid' else np.maximum(Z, 0)\n"
        "def linear_activation_forward(A_prev, W, b, activation):\n"
        "    Z, linear_cache = r.linear_forward(A_prev, W, b)\n"
        "    return activate(Z, activation), (linear_cache, Z)\n"
    )
    assert run_check("linear_activation_forward", cell["linear_activation_forward"], seed=0)


def test_the_course_versions_that_isolation_puts_in_place_keep_working():
    cell = learner(
        "def linear_forward(A, W, b):\n    return None\n"
        "def linear_activation_forward(A_prev, W, b, activation):\n"
        "    Z, linear_cache = linear_forward(A_prev, W, b)\n"
        "    A = 1 / (1 + np.exp(-Z)) if activation == 'sigmoid' else np.maximum(Z, 0)\n"
        "    return A, (linear_cache, Z)\n"
    )
    result = run_check("linear_activation_forward", cell["linear_activation_forward"], seed=0)
    assert result.passed and "this check used the course's linear_forward" in result.notes[0]

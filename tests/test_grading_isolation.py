"""Each check judges its own exercise: the learner's earlier functions it calls are set aside."""

import nbformat
import numpy as np
import pytest

from nnutils.authoring.generate import ROOT
from nnutils.checks import run_check
from nnutils.grading import EXERCISES


def lesson_namespace(stem):
    """The globals of a notebook in which the lesson's imports and exercise cells have run."""
    nb = nbformat.read(ROOT / "solutions" / f"{stem}.ipynb", as_version=4)
    namespace = {}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        imports = cell.source.lstrip().startswith(("import", "from")) and "plt." not in cell.source
        if cell.cell_type == "code" and ("exercise" in tags or imports):
            exec(compile(cell.source, f"<{stem}>", "exec"), namespace)
    return namespace


def perturbed(value):
    """``value`` with every float array changed: what a wrong function would return."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value * 1.5 + 0.25
    if isinstance(value, dict):
        return {key: perturbed(item) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*map(perturbed, value))
    if isinstance(value, tuple | list):
        return type(value)(map(perturbed, value))
    return value


def wrong(function):
    def wrong_version(*args, **kwargs):
        return perturbed(function(*args, **kwargs))

    return wrong_version


def calls_to_earlier_exercises(stem):
    """(namespace, exercise, earlier exercise it calls), both defined by the learner."""
    namespace = lesson_namespace(stem)
    pairs = []
    for name in EXERCISES:
        function = namespace.get(name)
        if not callable(function) or getattr(function, "__globals__", None) is not namespace:
            continue
        for other in sorted(set(function.__code__.co_names) & set(EXERCISES) - {name}):
            if getattr(namespace.get(other), "__globals__", None) is namespace:
                pairs.append((namespace, name, other))
    return pairs


PAIRS = [
    (stem, name, other)
    for stem in ("03_forward", "05_backward", "06_update", "07_full_model")
    for _, name, other in calls_to_earlier_exercises(stem)
]


def test_the_lessons_have_exercises_that_call_earlier_ones():
    called = {(name, other) for _, name, other in PAIRS}
    assert {
        ("linear_activation_forward", "linear_forward"),
        ("L_model_backward", "linear_backward"),
    } <= called


@pytest.mark.parametrize(("stem", "name", "other"), PAIRS, ids=[f"{n}-{o}" for _, n, o in PAIRS])
def test_a_right_answer_passes_whatever_its_earlier_pieces_do(stem, name, other):
    namespace = lesson_namespace(stem)
    own = namespace[other]
    namespace[other] = wrong(own)
    broken = namespace[other]
    result = run_check(name, namespace[name], seed=0)
    assert result.passed, str(result)
    assert f"your {other} still fails its own check; this check used the course's {other}." in (
        result.notes
    )
    assert namespace[other] is broken, "the learner's own version is put back after the check"


@pytest.mark.parametrize(("stem", "name", "other"), PAIRS, ids=[f"{n}-{o}" for _, n, o in PAIRS])
def test_a_wrong_answer_fails_although_its_earlier_pieces_are_right(stem, name, other):
    namespace = lesson_namespace(stem)
    result = run_check(name, wrong(namespace[name]), seed=0)
    assert not result.passed and not result.notes, str(result)


def test_the_bias_example_of_lesson_03():
    namespace = lesson_namespace("03_forward")
    namespace["linear_forward"] = lambda A, W, b: (W @ A, (A, W, b))  # forgot the bias
    result = run_check("linear_activation_forward", namespace["linear_activation_forward"], seed=0)
    assert result.passed
    assert result.notes == [
        "your linear_forward still fails its own check; this check used the course's "
        "linear_forward."
    ]
    assert (
        "missing the bias" in run_check("linear_forward", namespace["linear_forward"]).messages[0]
    )


def test_the_earlier_functions_come_back_after_an_interrupt():
    namespace = lesson_namespace("03_forward")
    own = namespace["linear_forward"]
    source = (
        "def stop(A_prev, W, b, activation):\n    linear_forward\n    raise KeyboardInterrupt\n"
    )
    exec(source, namespace)
    with pytest.raises(KeyboardInterrupt, match="interrupted while running your"):
        run_check("linear_activation_forward", namespace["stop"])
    assert namespace["linear_forward"] is own


def test_a_helper_named_after_a_later_exercise_stays_the_learners():
    """Lesson 01's neuron calling the learner's own ``sigmoid`` (an exercise of lesson 03): the
    check neither swaps in the course's sigmoid nor calls that a use of the course's code."""
    namespace = {"np": np}
    exec(
        "def sigmoid(z):\n"
        "    return 1 / (1 + np.exp(-z))\n"
        "\n"
        "def neuron_propagate(X, Y, w, b):\n"
        "    m = X.shape[1]\n"
        "    A = sigmoid(w @ X + b)\n"
        "    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))\n"
        "    dZ = A - Y\n"
        "    return cost, dZ @ X.T / m, np.sum(dZ, axis=1, keepdims=True) / m\n",
        namespace,
    )
    result = run_check("neuron_propagate", namespace["neuron_propagate"])
    assert result.passed, result
    assert not result.notes, result.notes

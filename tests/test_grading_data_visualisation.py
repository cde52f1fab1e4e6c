"""The checks of lesson 01 accept every correct answer and name the typical mistakes."""

import numpy as np
import pytest

from nnutils import reference
from nnutils.checks import run_check
from nnutils.data import load_planar
from tests.checking import fails_with, passes

X, Y = load_planar()
n_x, m = X.shape

# --- dataset_shapes ------------------------------------------------------------------

RIGHT_SHAPES = {"shape_X": X.shape, "shape_Y": Y.shape, "m": X.shape[1]}


@pytest.mark.parametrize(
    "values",
    [
        RIGHT_SHAPES,
        {"shape_X": (2, 400), "shape_Y": (1, 400), "m": 400},
        {"shape_X": list(X.shape), "shape_Y": list(Y.shape), "m": Y.shape[1]},
        {"shape_X": X.shape, "shape_Y": Y.shape, "m": np.int64(X.shape[1])},
        {"m": len(X.T), "shape_Y": np.shape(Y), "shape_X": np.shape(X)},
    ],
)
def test_right_shapes_pass(values):
    result = run_check("dataset_shapes", **values)
    assert result.passed, result
    assert result.cases == 3


SHAPE_MISTAKES = {
    "swapped shape_X": ({"shape_X": (m, n_x)}, ["shape_X is (400, 2)", "examples are columns"]),
    "swapped shape_Y": ({"shape_Y": (m, 1)}, ["shape_Y is (400, 1)", "one row of 400 labels"]),
    "flat shape_Y": ({"shape_Y": (m,)}, ["shape_Y is (400,)", "keeps its row dimension"]),
    "other shape_X": ({"shape_X": (3, 400)}, ["shape_X is (3, 400), expected (2, 400)"]),
    "the array itself": ({"shape_X": X}, ["not a shape", "X.shape"]),
    "a number for a shape": ({"shape_Y": 400}, ["shape_Y should be a shape", "Y.shape"]),
    "m from the rows": ({"m": X.shape[0]}, ["m = 2 is the number of rows", "X.shape[1]"]),
    "m as X.size": ({"m": X.size}, ["X.size", "X.shape[1]"]),
    "m from Y's rows": ({"m": Y.shape[0]}, ["m is 1, expected 400"]),
    "m as a float": ({"m": 400.0}, ["m should be an integer"]),
    "m as a tuple": ({"m": X.shape}, ["m should be an integer"]),
    "m as a bool": ({"m": True}, ["m should be an integer"]),
}


@pytest.mark.parametrize("mistake", SHAPE_MISTAKES)
def test_shape_mistakes_are_named(mistake):
    change, words = SHAPE_MISTAKES[mistake]
    result = run_check("dataset_shapes", **{**RIGHT_SHAPES, **change})
    assert not result.passed
    text = " ".join(result.messages)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


def test_missing_and_extra_keywords_are_reported():
    result = run_check("dataset_shapes", shape_X=X.shape, m=m, n=2)
    assert not result.passed
    text = result.messages[0]
    assert "missing shape_Y" in text
    assert "unexpected n" in text
    assert 'check("dataset_shapes", shape_X=shape_X, shape_Y=shape_Y, m=m)' in text


def test_nothing_passed_is_reported():
    result = run_check("dataset_shapes")
    assert not result.passed
    assert "nothing to check" in result.messages[0]


# --- column_example --------------------------------------------------------------------


@pytest.mark.parametrize("i", [0, 1, 7, 399, -1])
@pytest.mark.parametrize(
    ("column", "label"),
    [
        (lambda i: X[:, [i]], lambda i: Y[0, i]),
        (lambda i: X[:, i].reshape(2, 1), lambda i: int(Y[0, i])),
        (lambda i: X[:, i].reshape(-1, 1).copy(), lambda i: Y[0][i]),
        (lambda i: X.T[i][:, np.newaxis], lambda i: np.squeeze(Y[:, i])),
        (lambda i: np.take(X, [i], axis=1), lambda i: float(Y[0, i])),
        (lambda i: X[:, i : i + 1 or None], lambda i: Y.item(i)),
    ],
)
def test_right_columns_pass(i, column, label):
    result = run_check("column_example", i=i, x_i=column(i), y_i=label(i))
    assert result.passed, result


RIGHT = object()  # stands for the right label of example i

COLUMN_MISTAKES = {
    "a 1-D slice": (5, X[:, 5], RIGHT, ["x_i has shape (2,)", "X[:, [i]]"]),
    "a row of shape (1, 2)": (5, X[:, 5].reshape(1, 2), RIGHT, ["a row of shape (1, 2)"]),
    "the transpose of the slice": (5, X[:, 5].T, RIGHT, ["x_i has shape (2,)"]),
    "row i of X": (1, X[1], RIGHT, ["row 1 of X", "one feature of every example"]),
    "row i of X, 2-D": (0, X[[0]], RIGHT, ["row 0 of X"]),
    "the next example": (5, X[:, [6]], RIGHT, ["example 6, the next one"]),
    "the previous example": (5, X[:, [4]], RIGHT, ["example 4", "counts from 0"]),
    "another example": (5, X[:, [100]], RIGHT, ["x_i has wrong values"]),
    "a list": (5, [[X[0, 5]], [X[1, 5]]], RIGHT, ["x_i should be a NumPy array"]),
    "no x_i": (5, None, RIGHT, ["x_i is None"]),
    "all labels": (5, X[:, [5]], Y[0], ["y_i holds 400 labels", "Y[0, i]"]),
    "the label row, 2-D": (5, X[:, [5]], Y, ["y_i holds 400 labels"]),
    "the wrong label": (5, X[:, [5]], 1 - Y[0, 5], ["but example i has label"]),
    "no y_i": (5, X[:, [5]], None, ["y_i is None"]),
    "a string label": (5, X[:, [5]], "one", ["y_i should be a number"]),
    "a digit string": (5, X[:, [5]], str(Y[0, 5]), ["y_i should be a number", "got str"]),
    "a bool": (5, X[:, [5]], Y[0, 5] == 1, ["y_i should be a number"]),
    "a label array": (5, X[:, [5]], Y[:, 5], ["array of shape (1,)", "single number"]),
    "a label column": (5, X[:, [5]], Y[:, [5]], ["array of shape (1, 1)", "single number"]),
    "the last example for i = 0": (0, X[:, [-1]], RIGHT, ["the last example", "counts from 0"]),
}


def neighbours_differ(i):
    """True when examples i - 1, i and i + 1 alternate in label."""
    return Y[0, i - 1] != Y[0, i] != Y[0, i + 1]


GIVEN_I = 9  # the i given in the notebook


def test_given_i_has_neighbours_of_the_other_class():
    assert neighbours_differ(GIVEN_I)


@pytest.mark.parametrize("shift", [-1, 1])
def test_neighbouring_example_is_caught(shift):
    i = GIVEN_I
    for x_i, y_i in [(X[:, [i + shift]], Y[0, i + shift]), (X[:, [i]], Y[0, i + shift])]:
        result = run_check("column_example", i=i, x_i=x_i, y_i=y_i)
        assert not result.passed, (shift, result)


@pytest.mark.parametrize("mistake", COLUMN_MISTAKES)
def test_column_mistakes_are_named(mistake):
    i, x_i, y_i, words = COLUMN_MISTAKES[mistake]
    y_i = Y[0, i] if y_i is RIGHT else y_i
    result = run_check("column_example", i=i, x_i=x_i, y_i=y_i)
    assert not result.passed
    text = " ".join(result.messages)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


@pytest.mark.parametrize("i", [400, -401, 2.0, "1", None])
def test_bad_index_is_reported(i):
    result = run_check("column_example", i=i, x_i=X[:, [0]], y_i=Y[0, 0])
    assert not result.passed
    assert "i should be an index between 0 and 399" in result.messages[0]


def test_column_keywords_are_checked():
    result = run_check("column_example", x_i=X[:, [1]], y=Y[0, 1])
    assert not result.passed
    assert "missing i, y_i and unexpected y" in result.messages[0]


# --- neuron_propagate ------------------------------------------------------------------


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def propagate_loops(X, Y, w, b):
    """One example at a time, as the formulas of the lesson are written."""
    n, m = X.shape
    cost, dw, db = 0.0, np.zeros_like(w), np.zeros_like(b)
    for i in range(m):
        a = sigmoid(w @ X[:, [i]] + b)[0, 0]
        y = Y[0, i]
        cost -= y * np.log(a) + (1 - y) * np.log(1 - a)
        dw = dw + (a - y) * X[:, [i]].T
        db = db + (a - y)
    return cost / m, (dw / m).astype(X.dtype), (db / m).astype(X.dtype)


def propagate_mean(X, Y, w, b):
    A = sigmoid(np.dot(w, X) + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dZ = A - Y
    return cost, np.mean(dZ * X, axis=1, keepdims=True).T, np.mean(dZ, keepdims=True)


def propagate_einsum(X, Y, w, b):
    A = sigmoid(w @ X + b)
    m = X.shape[1]
    cost = float(-(Y @ np.log(A).T + (1 - Y) @ np.log(1 - A).T)[0, 0] / m)
    dZ = A - Y
    return cost, np.einsum("im,jm->ij", dZ, X) / m, dZ.sum(axis=1).reshape(1, 1) / m


@pytest.mark.parametrize(
    "candidate", [reference.neuron_propagate, propagate_loops, propagate_mean, propagate_einsum]
)
def test_right_propagations_pass(candidate):
    passes("neuron_propagate", candidate)


def propagate_with(cost=None, dw=None, db=None):
    """neuron_propagate with one of its three outputs replaced by a slip."""

    def candidate(X, Y, w, b):
        A = sigmoid(w @ X + b)
        m = X.shape[1]
        dZ = A - Y
        parts = {
            "cost": -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)),
            "dw": dZ @ X.T / m,
            "db": np.sum(dZ, axis=1, keepdims=True) / m,
        }
        slips = {"cost": cost, "dw": dw, "db": db}
        for name, slip in slips.items():
            if slip is not None:
                parts[name] = slip(X, Y, A, dZ, m)
        return parts["cost"], parts["dw"], parts["db"]

    return candidate


def loss(Y, A):
    return -(Y * np.log(A) + (1 - Y) * np.log(1 - A))


PROPAGATE_MISTAKES = {
    "the cost summed": (
        propagate_with(cost=lambda X, Y, A, dZ, m: np.sum(loss(Y, A))),
        ["sum of the losses", "divide by m"],
    ),
    "the cost's sign": (
        propagate_with(cost=lambda X, Y, A, dZ, m: -np.mean(loss(Y, A))),
        ["cost has the wrong sign"],
    ),
    "one term of the cost": (
        propagate_with(cost=lambda X, Y, A, dZ, m: -np.mean(Y * np.log(A))),
        ["only the y log a term"],
    ),
    "the cost as an array": (
        propagate_with(cost=lambda X, Y, A, dZ, m: np.mean(loss(Y, A), keepdims=True)),
        ["cost should be a number", "shape (1, 1)"],
    ),
    "dw without 1/m": (
        propagate_with(dw=lambda X, Y, A, dZ, m: dZ @ X.T),
        ["dw is not divided by m"],
    ),
    "dw as a column": (
        propagate_with(dw=lambda X, Y, A, dZ, m: X @ dZ.T / m),
        ["dw is a column", "a row (1, n_x)"],
    ),
    "dw from the scores": (
        propagate_with(
            dw=lambda X, Y, A, dZ, m: (np.log(A / (1 - A)) - Y) @ X.T / m,
        ),
        ["dw uses w X + b"],
    ),
    "db without 1/m": (
        propagate_with(db=lambda X, Y, A, dZ, m: np.sum(dZ, axis=1, keepdims=True)),
        ["db is not divided by m"],
    ),
    "db as a number": (
        propagate_with(db=lambda X, Y, A, dZ, m: np.mean(dZ)),
        ["db has shape ()", "(1, 1)"],
    ),
    "db flat": (
        propagate_with(db=lambda X, Y, A, dZ, m: np.mean(dZ, axis=1)),
        ["db has shape (1,)"],
    ),
    "y - a": (
        propagate_with(
            dw=lambda X, Y, A, dZ, m: -dZ @ X.T / m,
            db=lambda X, Y, A, dZ, m: -np.mean(dZ, keepdims=True),
        ),
        ["a sign error: dz = a - y"],
    ),
    "two outputs": (lambda X, Y, w, b: (0.5, w), ["a tuple of 3"]),
    "None": (lambda X, Y, w, b: None, ["is None"]),
    "a raise": (lambda X, Y, w, b: 1 / 0, ["raised ZeroDivisionError"]),
    "float32 turned float64": (
        propagate_with(dw=lambda X, Y, A, dZ, m: (dZ @ X.T / m).astype(np.float64)),
        ["float64, expected float32"],
    ),
}


@pytest.mark.parametrize("mistake", PROPAGATE_MISTAKES)
def test_propagate_mistakes_are_named(mistake):
    candidate, words = PROPAGATE_MISTAKES[mistake]
    fails_with("neuron_propagate", candidate, *words)


# --- train_neuron ----------------------------------------------------------------------


def train_as_taught(X, Y, learning_rate, num_iterations):
    w = np.zeros((1, X.shape[0]), dtype=X.dtype)
    b = np.zeros((1, 1), dtype=X.dtype)
    costs = []
    for _ in range(num_iterations):
        cost, dw, db = neuron_propagate(X, Y, w, b)
        costs.append(cost)
        w = w - learning_rate * dw
        b = b - learning_rate * db
    return w, b, costs


def neuron_propagate(X, Y, w, b):  # the learner's own, a global as in the notebook
    return propagate_mean(X, Y, w, b)


def train_array_costs(X, Y, learning_rate, num_iterations):
    w, b = np.zeros((1, len(X)), X.dtype), np.zeros((1, 1), X.dtype)
    costs = np.empty(num_iterations)
    for t in range(num_iterations):
        costs[t], dw, db = reference.neuron_propagate(X, Y, w, b)
        w -= learning_rate * dw  # on its own arrays: allowed
        b -= learning_rate * db
    return w, b, costs


@pytest.mark.parametrize("candidate", [reference.train_neuron, train_as_taught, train_array_costs])
def test_right_training_passes(candidate):
    passes("train_neuron", candidate)


def train_with(sign=1, rate=True, move_b=True, after=False, start=0.0, extra=0, dtype=None):
    """train_neuron with one slip."""

    def candidate(X, Y, learning_rate, num_iterations):
        w = np.full((1, X.shape[0]), start, dtype=dtype or X.dtype)
        b = np.zeros((1, 1), dtype=dtype or X.dtype)
        step = learning_rate if rate else 1
        costs = []
        for _ in range(num_iterations + extra):
            cost, dw, db = reference.neuron_propagate(X, Y, w, b)
            w = w - sign * step * dw
            if move_b:
                b = b - sign * step * db
            costs.append(reference.neuron_propagate(X, Y, w, b)[0] if after else cost)
        return w, b, costs

    return candidate


TRAIN_MISTAKES = {
    "ascent": (train_with(sign=-1), ["uphill", "w = w - learning_rate * dw"]),
    "no learning rate": (train_with(rate=False), ["learning rate is left out"]),
    "b stays": (train_with(move_b=False), ["b never moves"]),
    "cost after the step": (train_with(after=True), ["each cost is taken after its step"]),
    "one step short": (train_with(extra=-1), ["costs has 0 entries", "num_iterations times"]),
    "one step more": (train_with(extra=1), ["expected one per iteration"]),
    "nonzero start": (train_with(start=0.1), ["not log 2", "start from w = 0"]),
    "float64 zeros": (train_with(dtype=np.float64), ["float64, expected float32", "dtype="]),
    "no costs": (
        lambda X, Y, r, n: (np.zeros((1, len(X))), np.zeros((1, 1)), []),
        ["costs has 0 entries"],
    ),
    "costs None": (
        lambda X, Y, r, n: (np.zeros((1, len(X))), np.zeros((1, 1)), None),
        ["costs is None"],
    ),
    "two outputs": (lambda X, Y, r, n: (np.zeros((1, len(X))), []), ["a tuple of 3"]),
}


@pytest.mark.parametrize("mistake", TRAIN_MISTAKES)
def test_train_mistakes_are_named(mistake):
    candidate, words = TRAIN_MISTAKES[mistake]
    fails_with("train_neuron", candidate, *words)


def test_training_uses_the_course_propagation_when_the_learners_is_wrong():
    global neuron_propagate
    own = neuron_propagate
    neuron_propagate = propagate_with(cost=lambda X, Y, A, dZ, m: 0.0)
    try:
        result = passes("train_neuron", train_as_taught)
    finally:
        neuron_propagate = own
    assert any("neuron_propagate still fails its own check" in note for note in result.notes)

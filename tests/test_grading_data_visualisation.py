"""The checks of lesson 01 accept every correct answer and name the typical mistakes."""

import numpy as np
import pytest

from nnutils.checks import run_check
from nnutils.data import load_planar

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

"""Checks of lesson 01: the shapes of a data set, and an example as a column.

Both are value exercises on the flower data of the lesson, ``load_planar()``,
which the checkers load themselves (it is deterministic).
"""

import numpy as np

from ..data import load_planar
from .api import exercise
from .expect import Mistake, expect_array, is_number, key_difference


def expect_keywords(values, names, exercise_id):
    """Raise a ``Mistake`` unless the keyword ``values`` are exactly ``names``."""
    difference = key_difference(values, names, ", ".join)
    if difference:
        call = ", ".join(f"{name}={name}" for name in names)
        raise Mistake(f'{difference}: write check("{exercise_id}", {call}).')


def _as_shape(value, name, source):
    """``value`` as a tuple of ints, or a ``Mistake`` saying a shape is expected."""
    if isinstance(value, np.ndarray):
        raise Mistake(
            f"{name} is an array of shape {value.shape}, not a shape: use {source}.shape."
        )
    if not isinstance(value, tuple | list) or not all(is_number(n, integer=True) for n in value):
        raise Mistake(
            f"{name} should be a shape, a tuple of integers like (rows, columns); "
            f"got {value!r}: use {source}.shape."
        )
    return tuple(int(n) for n in value)


def _expect_shape(value, expected, name, source, mistakes):
    """``value`` must equal the shape ``expected``; ``mistakes`` maps wrong shapes to sentences."""
    got = _as_shape(value, name, source)
    if got in mistakes:
        raise Mistake(f"{name} is {got}: {mistakes[got]}")
    if got != expected:
        raise Mistake(f"{name} is {got}, expected {expected}: use {source}.shape.")


@exercise("dataset_shapes")
def _dataset_shapes(values, rng):
    """shape_X, shape_Y and m of the lesson's flower data."""
    expect_keywords(values, ["shape_X", "shape_Y", "m"], "dataset_shapes")
    X, Y = load_planar()
    (n_x, m), n_y = X.shape, Y.shape[0]
    columns = "examples are columns"
    _expect_shape(
        values["shape_X"],
        X.shape,
        "shape_X",
        "X",
        {(m, n_x): f"{columns}, so X has n_x = {n_x} rows (features) and m = {m} columns."},
    )
    _expect_shape(
        values["shape_Y"],
        Y.shape,
        "shape_Y",
        "Y",
        {
            (m, n_y): f"{columns}, so Y is one row of {m} labels, shape ({n_y}, {m}).",
            (m,): f"Y keeps its row dimension: it is a matrix of shape ({n_y}, {m}).",
        },
    )
    got = values["m"]
    if not is_number(got, integer=True):
        raise Mistake(f"m should be an integer, got {got!r}: use X.shape[1].")
    wrong = {
        n_x: f"m = {n_x} is the number of rows of X, the features; "
        "the examples are the columns: X.shape[1].",
        X.size: f"m = {X.size} is X.size, the number of entries (n_x * m): use X.shape[1].",
    }
    if got != m:
        raise Mistake(wrong.get(int(got), f"m is {got}, expected {m}: use X.shape[1]."))
    return 3


@exercise("column_example")
def _column_example(values, rng):
    """x_i (a column of X) and y_i (a number) of example i."""
    expect_keywords(values, ["i", "x_i", "y_i"], "column_example")
    X, Y = load_planar()
    m = X.shape[1]
    i = values["i"]
    if not is_number(i, integer=True) or not -m <= i < m:
        raise Mistake(f"i should be an index between 0 and {m - 1}, got {i!r}.")
    case = f"with i = {i}."
    column = "example i is column i of X, a (2, 1) column: X[:, [i]] or X[:, i:i+1]"
    previous = "the last example" if i in (0, -m) else f"example {i - 1}"
    mistakes = [
        (f"x_i has shape (2,): X[:, i] drops the column dimension; {column}.", X[:, i]),
        (f"x_i is a row of shape (1, 2); {column}.", X[:, i].reshape(1, -1)),
        (f"x_i is example {(i + 1) % m}, the next one: {column}.", X[:, [(i + 1) % m]]),
        (f"x_i is {previous}: Python counts from 0, and {column}.", X[:, [i - 1]]),
    ]
    if 0 <= i < X.shape[0]:
        row = f"x_i is row {i} of X: one feature of every example; {column}."
        mistakes += [(row, X[i]), (row, X[[i]])]
    if values["x_i"] is None:
        raise Mistake("x_i is None: give it the column of example i.", case)
    expect_array(values["x_i"], X[:, [i]], "x_i", mistakes, case)
    _expect_label(values["y_i"], int(Y[0, i]), case)
    return 2  # the two values checked, x_i and y_i


def _expect_label(y_i, label, case):
    """``y_i`` must be the single number ``label`` (a 0-d array such as np.squeeze gives counts)."""
    if y_i is None:
        raise Mistake("y_i is None: give it the label of example i.", case)
    if isinstance(y_i, np.ndarray) and y_i.size > 1:
        raise Mistake(
            f"y_i holds {y_i.size} labels; it should be the label of example i only: Y[0, i].",
            case,
        )
    if isinstance(y_i, np.ndarray) and y_i.ndim > 0:
        raise Mistake(
            f"y_i is an array of shape {y_i.shape}; it should be a single number, the label "
            "of example i: Y[0, i] (row 0, column i) gives the number itself.",
            case,
        )
    if isinstance(y_i, np.ndarray):
        y_i = y_i[()]
    if not is_number(y_i):
        raise Mistake(
            f"y_i should be a number, got {type(y_i).__name__} {y_i!r}: use Y[0, i].", case
        )
    if y_i != label:
        raise Mistake(
            f"y_i is {y_i:g}, but example i has label {label}: Y[0, i], row 0 and column i "
            "(the same i as for x_i).",
            case,
        )

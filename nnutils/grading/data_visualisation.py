"""Checks of lesson 01: the shapes of a data set, an example as a column, one neuron.

``dataset_shapes`` and ``column_example`` are value exercises on the flower data of the
lesson, ``load_planar()``, which the checkers load themselves (it is deterministic).
``neuron_propagate`` and ``train_neuron`` are functions, checked on random small data.
"""

import numpy as np

from .. import reference as ref
from ..data import load_planar
from .api import exercise
from .expect import (
    Mistake,
    call,
    close,
    expect_array,
    expect_float,
    expect_tuple,
    is_number,
    key_difference,
    show,
)


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


# --- one neuron: logistic regression ---------------------------------------------------


def _neuron_cases(rng):
    """(X, Y, w, b): a fixed two-example case, then random ones, the last in float32.

    Both labels occur in every case, so that a slip in either term of the cost shows;
    the weights are moderate, so that every a stays well inside (0, 1).
    """
    yield (
        np.array([[1.0, -2.0], [0.5, 3.0]]),
        np.array([[1, 0]]),
        np.array([[0.4, -0.3]]),
        np.array([[0.2]]),
    )
    for index in range(3):
        n_x, m = int(rng.integers(1, 5)), int(rng.integers(3, 9))
        dtype = np.float32 if index == 2 else np.float64
        X, Y = _labeled_examples(rng, n_x, m, dtype)
        w = rng.normal(0, 0.5, size=(1, n_x)).astype(dtype)
        b = rng.normal(0, 0.5, size=(1, 1)).astype(dtype)
        yield X, Y, w, b


def _neuron_by_hand(X, Y, w, b):
    """(A, dZ, m) of the neuron in float64, for building the wrong answers."""
    A = ref.sigmoid(w.astype(float) @ X.astype(float) + b.astype(float))
    return A, A - Y.astype(float), X.shape[1]


@exercise("neuron_propagate")
def _neuron_propagate(candidate, rng):
    """(cost, dw, db) of one sigmoid neuron on m examples, against the reference."""
    count = 0
    for X, Y, w, b in _neuron_cases(rng):
        n_x, m = X.shape
        case = f"with X of shape {X.shape}, Y = {show(Y)}, {X.dtype.name}."
        out = call(candidate, "neuron_propagate", X, Y, w, b)
        cost, dw, db = expect_tuple(out, 3, "neuron_propagate's result", "cost, dw, db", case)
        expected_cost, expected_dw, expected_db = ref.neuron_propagate(X, Y, w, b)
        A, dZ, m = _neuron_by_hand(X, Y, w, b)
        Yf = Y.astype(float)
        loss = -(Yf * np.log(A) + (1 - Yf) * np.log(1 - A))
        expect_float(
            cost,
            expected_cost,
            "cost",
            [
                (
                    "cost is the sum of the losses: J is their mean, so divide by m "
                    "(or use np.mean).",
                    float(loss.sum()),
                ),
                (
                    "cost has the wrong sign: log a is negative for a in (0, 1), and the "
                    "minus sign in front makes J positive.",
                    -float(loss.mean()),
                ),
                (
                    "cost keeps only the y log a term: the examples labeled 0 pay "
                    "-(1 - y) log(1 - a), which is missing.",
                    float(-(Yf * np.log(A)).mean()),
                ),
            ],
            case,
        )
        dw_slips = [
            ("dw is not divided by m: J is a mean, so its gradient is too.", dZ @ X.T),
            ("a sign error: dz = a - y, not y - a (it gives -dw and -db).", -dZ @ X.T / m),
            (
                "dw is a column (n_x, 1); it has the shape of w, a row (1, n_x): the sum "
                "over the examples of dz x^T.",
                (dZ @ X.T / m).T,
            ),
            (
                "dw uses w X + b where it needs a = σ(w X + b): dz = a - y.",
                ((w @ X + b) - Yf) @ X.T / m,
            ),
        ]
        expect_array(dw, expected_dw, "dw", dw_slips, case)
        db_slips = [
            (
                "db is not divided by m: it is the mean of dz over the examples.",
                dZ.sum(keepdims=True),
            ),
            (
                "a sign error: dz = a - y, not y - a (it gives -dw and -db).",
                -dZ.mean(keepdims=True),
            ),
        ]
        if isinstance(db, np.ndarray | np.generic | float | int) and np.shape(db) in ((), (1,)):
            raise Mistake(
                f"db has shape {np.shape(db)}, expected (1, 1), the shape of b: keep both "
                "dimensions (keepdims=True, or reshape(1, 1)).",
                case,
            )
        expect_array(db, expected_db, "db", db_slips, case)
        count += 1
    return count


def _descend(X, Y, learning_rate, num_iterations, sign=1, rate=True, move_b=True, after=False):
    """(w, b, costs) of gradient descent on one neuron, or of a slip in it.

    ``sign=-1``: ascent; ``rate=False``: the learning rate left out; ``move_b=False``: b
    never moves; ``after``: each cost taken after its step instead of before.
    """
    w = np.zeros((1, X.shape[0]), dtype=X.dtype)
    b = np.zeros((1, 1), dtype=X.dtype)
    step = learning_rate if rate else 1.0
    costs = []
    for _ in range(num_iterations):
        cost, dw, db = ref.neuron_propagate(X, Y, w, b)
        w = w - sign * step * dw
        b = b - sign * step * db * move_b
        costs.append(ref.neuron_propagate(X, Y, w, b)[0] if after else cost)
    return w, b, np.array(costs)


def _labeled_examples(rng, n_x, m, dtype):
    """X (n_x, m) of ``dtype`` and labels Y (1, m) holding both classes; float32 cases get
    float labels, so that A - Y stays float32."""
    X = rng.standard_normal((n_x, m)).astype(dtype)
    Y = rng.integers(0, 2, size=(1, m))
    Y[0, :2] = (0, 1)
    return X, Y.astype(dtype) if dtype == np.float32 else Y


def _train_cases(rng):
    """(X, Y, learning_rate, num_iterations): one step first, then longer runs, the last float32."""
    for index, num_iterations in enumerate((1, 5, 12)):
        n_x, m = int(rng.integers(2, 4)), int(rng.integers(4, 9))
        dtype = np.float32 if index == 2 else np.float64
        X, Y = _labeled_examples(rng, n_x, m, dtype)
        yield X, Y, float(rng.choice([0.3, 0.5, 0.8])), num_iterations


@exercise("train_neuron")
def _train_neuron(candidate, rng):
    """(w, b, costs) of gradient descent on one neuron from zeros, against the reference."""
    count = 0
    for X, Y, learning_rate, num_iterations in _train_cases(rng):
        case = (
            f"with X of shape {X.shape}, learning_rate={learning_rate}, "
            f"num_iterations={num_iterations}, {X.dtype.name}."
        )
        out = call(candidate, "train_neuron", X, Y, learning_rate, num_iterations)
        w, b, costs = expect_tuple(out, 3, "train_neuron's result", "w, b, costs", case)
        expected_w, expected_b, expected_costs = ref.train_neuron(
            X, Y, learning_rate, num_iterations
        )
        slips = {
            "ascent": (
                "the steps go uphill: gradient descent subtracts, w = w - learning_rate * dw "
                "(and the same for b).",
                _descend(X, Y, learning_rate, num_iterations, sign=-1),
            ),
            "rate": (
                "the learning rate is left out: each step is learning_rate * dw.",
                _descend(X, Y, learning_rate, num_iterations, rate=False),
            ),
            "b": (
                "b never moves: update it with db at every step, as w with dw.",
                _descend(X, Y, learning_rate, num_iterations, move_b=False),
            ),
            "after": (
                "each cost is taken after its step: record the cost that neuron_propagate "
                "returns, before updating w and b.",
                _descend(X, Y, learning_rate, num_iterations, after=True),
            ),
        }
        _expect_costs(costs, expected_costs, num_iterations, slips, case)
        moved = [slips[name] for name in ("ascent", "rate", "b")]  # "after" moves w, b right
        expect_array(w, expected_w, "w", [(s, got[0]) for s, got in moved], case)
        expect_array(b, expected_b, "b", [(s, got[1]) for s, got in moved], case)
        count += 1
    return count


def _expect_costs(costs, expected, num_iterations, slips, case):
    """``costs`` must hold the ``num_iterations`` costs of the reference run, in order."""
    if costs is None:
        raise Mistake("costs is None: return the list of the costs, one per iteration.", case)
    if isinstance(costs, dict | str) or not np.iterable(costs):
        raise Mistake(f"costs should be a list of numbers, got {type(costs).__name__}.", case)
    try:
        got = np.asarray([np.asarray(c, dtype=float).item() for c in costs])
    except (TypeError, ValueError):
        raise Mistake(
            "costs should hold one number per iteration (the cost as a float).", case
        ) from None
    if got.size != num_iterations:
        raise Mistake(
            f"costs has {got.size} entries, expected one per iteration, {num_iterations}: "
            "does the loop run num_iterations times, and append once per iteration?",
            case,
        )
    for sentence, (_, _, wrong) in slips.values():
        if not close(expected, wrong) and close(got, wrong):
            raise Mistake(sentence, case)
    first = float(np.log(2))
    if not np.isclose(got[0], first, rtol=1e-4):
        raise Mistake(
            f"the first cost is {got[0]:.4g}, not log 2 = {first:.4g}: start from w = 0 and "
            "b = 0, where the neuron says 0.5 for every example.",
            case,
        )
    if not close(got, np.asarray(expected, dtype=float)):
        raise Mistake(
            "costs has wrong values.",
            case,
            f"expected:\n{show(np.asarray(expected, dtype=float))}",
            f"got:\n{show(got)}",
        )

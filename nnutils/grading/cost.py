"""Checks of lesson 04: compute_cost, softmax, one_hot, compute_cost_categorical."""

import numpy as np

from .. import reference as ref
from .api import exercise
from .cases import case_dtype, random_layer
from .expect import (
    Mistake,
    call,
    close,
    expect_array,
    expect_float,
    is_number,
    named_mistake,
    show,
)

# A clipping epsilon up to 1e-7 changes the cost of an exactly-right example by about epsilon.
CLIP_ATOL = 1e-6

WIDE_CLIP = (
    "close, but the predictions nearest 0 or 1 are off. If you clip AL, use an epsilon of "
    "1e-7 or smaller."
)

ZERO_LOG_ZERO = (
    "0·log 0 should count as 0 (an example predicted exactly right costs nothing): take logs "
    "only where they are needed (np.where or a mask), or np.clip AL with a tiny epsilon."
)


def expect_cost(
    got, expected, case, mistakes=(), array_hint="", nan_hint="", near_miss="", atol=0.0
):
    """The cost must be one number equal to ``expected`` (a NumPy scalar of the case's dtype).

    A 0-d array (what np.squeeze gives) counts as the number it holds. ``nan_hint``
    explains a NaN or infinite cost, ``near_miss`` a cost within a few percent that
    matches no listed mistake; ``atol`` widens the tolerance (for clipping).
    """
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    if isinstance(got, np.ndarray) and got.size > 1:
        raise Mistake(
            f"the cost should be one number, got an array of shape {got.shape}: {array_hint}",
            case,
        )
    if isinstance(got, np.ndarray) and got.size == 1:
        raise Mistake(
            f"the cost should be a number, got an array of shape {got.shape}: "
            "return float(np.squeeze(cost)) or cost.item().",
            case,
        )
    if nan_hint and is_number(got) and not np.isfinite(got):
        raise Mistake(f"the cost is {float(got)}: {nan_hint}", case)
    gap = abs(float(got) - float(expected)) if is_number(got) else np.inf
    if gap <= atol:
        return
    if (
        near_miss
        and gap < 0.05 * abs(expected) + 1e-2
        and not close(got, expected)
        and not any(close(got, wrong) for _, wrong in mistakes)
    ):
        raise Mistake(
            f"the cost is {float(got):.8f}, expected {float(expected):.8f}: {near_miss}", case
        )
    expect_float(got, expected, "the cost", mistakes, case)


# Met once the float64 case with exact 0s and 1s has passed: the log of 0 comes from float32.
FLOAT32_CLIP = (
    "right in float64, but in float32 1 - 1e-8 is exactly 1 (float32 keeps about 7 digits): "
    "clipping AL to [epsilon, 1 - epsilon] with an epsilon below 6e-8 leaves its 1s at 1, "
    "and log(1 - AL) = log 0. If you clip, use epsilon = 1e-7; or take logs only where they "
    "are needed (np.where or a mask)."
)

# --- compute_cost ----------------------------------------------------------------------


def binary_predictions(rng, m, dtype=np.float64):
    """AL (1, m) = sigmoid of a random output layer, and labels Y (1, m) of 0s and 1s."""
    A_prev, W, b = random_layer(rng, int(rng.integers(1, 6)), 1, m, dtype)
    AL, _ = ref.linear_activation_forward(A_prev, W, b, "sigmoid")
    Y = rng.integers(0, 2, size=(1, m))
    return AL, (Y.astype(dtype) if dtype == np.float32 else Y)


def confident_predictions(rng, m, dtype=np.float64):
    """AL (1, m) with exact 0s and 1s (|Z| > 40), each matching its label, and moderate others.

    Y holds integers, or float32 numbers along float32 predictions.
    """
    Z = rng.standard_normal((1, m))
    saturated = np.arange(m) % 2 == 0
    Z[0, saturated] = rng.uniform(40, 80, saturated.sum()) * (-1) ** np.arange(saturated.sum())
    AL = ref.sigmoid(Z.astype(dtype))
    Y = np.where(saturated, AL, rng.integers(0, 2, size=(1, m)))
    return AL, Y.astype(np.float32 if dtype == np.float32 else np.int64)


def near_edge(AL):
    """True when some prediction is within 1e-3 of 0 or 1, where a wide clip shows."""
    return bool(np.minimum(AL, 1 - AL).min() < 1e-3)


def costs_in_float64(AL, Y, cost, mistakes):
    """The right cost and the catalogued wrong ones, computed in float64, as scalars of AL's dtype.

    ``cost(AL, Y)`` is the reference; ``mistakes(AL, Y)`` lists (sentence, wrong cost).
    Returns (expected, [(sentence, wrong), ...]).
    """
    AL64, Y64 = AL.astype(np.float64), Y.astype(np.float64)
    to_dtype = AL.dtype.type
    wrong = [(sentence, to_dtype(value)) for sentence, value in mistakes(AL64, Y64)]
    return to_dtype(cost(AL64, Y64)), wrong


def binary_mistakes(AL, Y):
    """(sentence, wrong cost) pairs for predictions strictly between 0 and 1."""
    m = Y.shape[1]
    log_a, log_1_a = np.log(AL), np.log(1 - AL)
    pos, neg = Y * log_a, (1 - Y) * log_1_a
    J = -(pos + neg).sum() / m
    added = "add the two terms: y·log(a) + (1 - y)·log(1 - a); one of them is subtracted."
    return [
        (
            "the cost is negative: the formula starts with a minus sign (logs of probabilities "
            "are ≤ 0, so the cost is ≥ 0).",
            -J,
        ),
        (
            "the cost is m times too large: divide the sum by m, the number of examples "
            "(Y.shape[1], the number of columns; Y.shape[0] is 1).",
            J * m,
        ),
        ("the cost is negative and m times too large: J = -(1/m) Σ [...].", -J * m),
        (
            "only the y·log(a) term is there: add (1 - y)·log(1 - a), which the examples "
            "labeled 0 pay.",
            -pos.sum() / m,
        ),
        (
            "only the (1 - y)·log(1 - a) term is there: add y·log(a), which the examples "
            "labeled 1 pay.",
            -neg.sum() / m,
        ),
        (
            "the logs are swapped: y goes with log(a) and (1 - y) with log(1 - a).",
            -(Y * log_1_a + (1 - Y) * log_a).sum() / m,
        ),
        (added, -(pos - neg).sum() / m),
        (added, (pos - neg).sum() / m),
        ("use the natural logarithm np.log, not np.log10.", J / np.log(10)),
        ("use the natural logarithm np.log, not np.log2.", J / np.log(2)),
    ]


@exercise("compute_cost")
def _compute_cost(candidate, rng):
    """Binary cross-entropy as one number, with confident and exact 0/1 predictions."""
    # Three examples with both labels first: a single example cannot tell most mistakes apart.
    sizes = [3, 1, int(rng.integers(4, 30)), int(rng.integers(50, 300))]
    for index, m in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        AL, Y = binary_predictions(rng, m, dtype)
        if index == 0:
            Y[0, :2] = (1, 0)
        case = f"with AL{AL.shape} {AL.dtype.name}, Y = {show(Y)}."
        got = call(candidate, "compute_cost", AL, Y)
        expected, mistakes = costs_in_float64(AL, Y, ref.compute_cost, binary_mistakes)
        expect_cost(
            got,
            expected,
            case,
            mistakes,
            array_hint="add up the m losses of the examples and divide by m.",
            nan_hint="every prediction in AL is strictly between 0 and 1, so is a log taken of "
            "the labels (log(Y), log(1 - Y)) or of a negative number (log(AL - 1))?",
            near_miss=WIDE_CLIP if near_edge(AL) else "",
        )
    for dtype, nan_hint in ((np.float64, ZERO_LOG_ZERO), (np.float32, FLOAT32_CLIP)):
        AL, Y = confident_predictions(rng, int(rng.integers(5, 10)), dtype)
        case = (
            f"with AL = {show(AL)} ({AL.dtype.name}) and Y = {show(Y)}: exact 0s and 1s that "
            "match their labels."
        )
        got = call(candidate, "compute_cost", AL, Y)
        expected = AL.dtype.type(ref.compute_cost(AL.astype(np.float64), Y))
        expect_cost(got, expected, case, nan_hint=nan_hint, near_miss=WIDE_CLIP, atol=CLIP_ATOL)
    return len(sizes) + 2


# --- softmax ---------------------------------------------------------------------------


def large_scores(rng, C, m):
    """Scores (C, m) of a layer fed raw pixel values 0..255: up to 1000, columns far apart.

    Column 0 holds both +1000 and -1000 (subtracting its minimum overflows); the last
    column lies 2000 below the others (subtracting the maximum of the whole array underflows).
    """
    A_prev = rng.uniform(0, 255, size=(int(rng.integers(3, 10)), m))
    _, W, b = random_layer(rng, A_prev.shape[0], C, m)
    Z, _ = ref.linear_forward(A_prev, W, b)
    Z = Z - Z.max() + 1000
    Z[:2, 0] = 1000, -1000
    Z[:, -1] -= 2000
    return Z


def describe_scores(Z):
    """Z's shape and dtype, with its values when it is small enough to read."""
    text = f"Z{Z.shape} {Z.dtype.name}"
    return f"{text} = {show(Z)}" if Z.size <= 12 else f"{text}, from {Z.min():.4g} to {Z.max():.4g}"


ROWS = (
    "softmax(Z) normalizes the rows: the probabilities of each COLUMN (one example; one row "
    "per class) must sum to 1, so take the maximum and the sum over axis=0, with keepdims=True."
)
ROW_MAX = (
    "softmax(Z) subtracts each row's maximum (axis=1): the number subtracted must be the same "
    "for every score of a column, so that it cancels out of the column's fraction. Subtract "
    "each column's maximum, Z.max(axis=0, keepdims=True)."
)
GLOBAL_MAX = (
    "softmax(Z) subtracts one maximum, that of the whole array: in a column whose scores all "
    "lie far below it, np.exp gives 0 for every score and 0 / 0 = NaN (a little less far "
    "below, digits are lost). Subtract each column's own maximum, "
    "Z.max(axis=0, keepdims=True)."
)
OVERFLOW = (
    "softmax(Z) contains NaN or inf for large scores: np.exp(1000) overflows to inf. "
    "Subtract each column's own maximum, Z.max(axis=0, keepdims=True), before np.exp "
    "(not its minimum, nor the maximum of the whole array): every exponent is then ≤ 0 "
    "and the largest term is 1."
)


def softmax_mistakes(Z):
    """(sentence, wrong output) pairs, computed without overflow; NaN where a column is 0 / 0."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    E_all = np.exp(Z - Z.max())
    E_rows = np.exp(Z - Z.max(axis=1, keepdims=True))
    unnormalized = "the columns do not sum to 1: divide np.exp(...) by its column sums."
    with np.errstate(invalid="ignore"):
        return [
            (ROWS, ref.softmax(Z.T).T),
            (ROWS, E / E.sum(axis=1, keepdims=True)),
            (ROW_MAX, E_rows / E_rows.sum(axis=0, keepdims=True)),
            (GLOBAL_MAX, E_all / E_all.sum(axis=0, keepdims=True)),
            (
                "softmax divided by the sum over the whole array: normalize each column on its "
                "own, with .sum(axis=0, keepdims=True).",
                E_all / E_all.sum(),
            ),
            (unnormalized, E),
            (unnormalized, E_all),
        ]


@exercise("softmax")
def _softmax(candidate, rng):
    """Column-wise softmax, stable for large scores."""
    shapes = [(2, 1), (3, 4), tuple(int(k) for k in rng.integers(2, 12, size=2))]
    shapes.append((10, int(rng.integers(20, 60))))
    for index, (C, m) in enumerate(shapes):
        dtype = case_dtype(index, len(shapes))
        Z, _ = ref.linear_forward(*random_layer(rng, int(rng.integers(1, 8)), C, m, dtype))
        case = f"with {describe_scores(Z)}."
        got = call(candidate, "softmax", Z)
        Z64 = Z.astype(np.float64)
        # Compared in Z's dtype, so that float32 answers get float32 tolerances.
        mistakes = [(sentence, wrong.astype(dtype)) for sentence, wrong in softmax_mistakes(Z64)]
        expect_array(got, ref.softmax(Z64).astype(dtype), "softmax(Z)", mistakes, case)
    Z = large_scores(rng, int(rng.integers(3, 8)), int(rng.integers(3, 8)))
    case = (
        f"with large scores, Z{Z.shape} from {Z.min():.4g} to {Z.max():.4g}, "
        "column 0 holding 1000 and -1000."
    )
    got = call(candidate, "softmax", Z)
    expected, mistakes = ref.softmax(Z), softmax_mistakes(Z)
    if isinstance(got, np.ndarray) and got.dtype.kind == "f" and not np.isfinite(got).all():
        raise Mistake(named_mistake(got, expected, mistakes) or OVERFLOW, case)
    expect_array(got, expected, "softmax(Z)", mistakes, case)
    return len(shapes) + 1


# --- one_hot ---------------------------------------------------------------------------


@exercise("one_hot")
def _one_hot(candidate, rng):
    """The (C, m) one-hot matrix of integer labels (1, m)."""
    sizes = [(2, 1), (3, 5), (int(rng.integers(3, 11)), int(rng.integers(2, 30)))]
    sizes.append((10, int(rng.integers(30, 80))))
    for index, (C, m) in enumerate(sizes):
        top = C - 1 if index == 2 else C  # case 2: the last class does not occur
        labels = rng.integers(0, top, size=(1, m) if index % 2 else m)
        case = f"with labels of shape {labels.shape}, {show(labels)}, and C={C}."
        got = call(candidate, "one_hot", labels, C)
        shape = getattr(got, "shape", None)
        if shape in ((m, C), (1, m, C)) and (m, C) != (C, m):
            raise Mistake(
                f"the result has shape {shape}, expected (C, m) = {(C, m)}: one row per class, "
                "one column per example. np.eye(C)[labels] puts the examples in rows: flatten "
                "labels first and transpose.",
                case,
            )
        if shape is not None and len(shape) == 2 and shape[1] == m and shape[0] < C:
            rows = "1 row" if shape[0] == 1 else f"{shape[0]} rows"
            raise Mistake(
                f"the result has {rows}, expected C = {C}: use the argument C, not "
                "labels.max() + 1 (a class may be missing from the labels).",
                case,
            )
        expected = ref.one_hot(labels, C)
        rows = (expected.sum(axis=1, keepdims=True) > 0) * np.ones((C, m))
        mistakes = [
            (
                "each column must hold a single 1, in the row of its label: set "
                "Y[labels, np.arange(m)] = 1 (Y[labels] alone fills whole rows).",
                rows,
            )
        ]
        expect_array(got, expected, "one_hot(labels, C)", mistakes, case)
    return len(sizes)


# --- compute_cost_categorical ------------------------------------------------------------


def categorical_predictions(rng, C, m, dtype=np.float64):
    """AL (C, m) = softmax of a random output layer, and one-hot labels Y (C, m)."""
    A_prev, W, b = random_layer(rng, int(rng.integers(1, 8)), C, m, dtype)
    AL, _ = ref.linear_activation_forward(A_prev, W, b, "softmax")
    return AL, ref.one_hot(rng.integers(0, C, size=m), C, dtype)


def confident_categorical(rng, C, m):
    """Softmax outputs with exact 0s (and 1s) in the first columns, labeled correctly."""
    Z, _ = ref.linear_forward(*random_layer(rng, 3, C, m))
    labels = rng.integers(0, C, size=m)
    confident = np.arange(m) < (m + 1) // 2
    Z[labels[confident], np.flatnonzero(confident)] += 1000
    return ref.softmax(Z), ref.one_hot(labels, C)


def categorical_mistakes(AL, Y):
    """(sentence, wrong cost) pairs for softmax outputs strictly between 0 and 1."""
    C, m = Y.shape
    J = -(Y * np.log(AL)).sum() / m
    return [
        ("the cost is negative: the formula starts with a minus sign.", -J),
        (
            "the cost is m times too large: after summing over classes and examples, divide by "
            "m, the number of examples (Y.shape[1]).",
            J * m,
        ),
        ("the cost is negative and m times too large: J = -(1/m) Σ Y * log(AL).", -J * m),
        (
            "the sum is divided by C = Y.shape[0], the number of classes: divide by m = "
            "Y.shape[1], the number of columns (examples).",
            J * m / C,
        ),
        (
            "the cost is C times too small: np.mean over the whole (C, m) array divides by C·m; "
            "sum over the classes and divide by m only.",
            J / C,
        ),
        (
            "this is the binary cross-entropy of every class: the categorical cost keeps only "
            "the y·log(a) terms, -(1/m) Σ Y * log(AL).",
            -(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)).sum() / m,
        ),
        ("use the natural logarithm np.log, not np.log10.", J / np.log(10)),
    ]


@exercise("compute_cost_categorical")
def _compute_cost_categorical(candidate, rng):
    """Categorical cross-entropy as one number."""
    sizes = [(3, 4), (2, 1), tuple(int(k) for k in rng.integers(2, 12, size=2))]
    sizes.append((10, int(rng.integers(40, 100))))
    array_hint = "sum Y * log(AL) over both axes (classes and examples), then divide by m."
    for index, (C, m) in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        AL, Y = categorical_predictions(rng, C, m, dtype)
        case = f"with AL{AL.shape} {AL.dtype.name} and one-hot Y{Y.shape}."
        got = call(candidate, "compute_cost_categorical", AL, Y)
        expected, mistakes = costs_in_float64(
            AL, Y, ref.compute_cost_categorical, categorical_mistakes
        )
        nan_hint = "every entry of AL is strictly between 0 and 1, so is a log taken of Y?"
        expect_cost(got, expected, case, mistakes, array_hint, nan_hint)
    AL, Y = confident_categorical(rng, int(rng.integers(3, 6)), int(rng.integers(4, 8)))
    case = (
        f"with AL = {show(AL)} and Y = {show(Y)}: a confident network whose softmax gives "
        "exact 0s to classes that are not the label."
    )
    got = call(candidate, "compute_cost_categorical", AL, Y)
    expected = ref.compute_cost_categorical(AL, Y)
    expect_cost(got, expected, case, (), array_hint, ZERO_LOG_ZERO, CLIP_ATOL)
    return len(sizes) + 1

"""The lesson-04 checkers: correct answers pass, typical mistakes fail with their diagnosis."""

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.checks import run_check
from tests.checking import fails_with, passes

# --- compute_cost -----------------------------------------------------------------------


def cost_clipped(AL, Y, eps=1e-7):
    m = Y.shape[1]
    AL = np.clip(AL, eps, 1 - eps)
    return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m


def cost_where_mean(AL, Y):
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.where(Y == 1, np.log(AL), np.log(1 - AL))))


def cost_dot_squeezed(AL, Y):
    m = AL.shape[1]
    eps = np.finfo(AL.dtype).eps
    AL = np.clip(AL, eps, 1 - eps)
    cost = -(np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T)) / m
    return np.squeeze(cost)


def cost_log1p(AL, Y):
    AL = np.clip(AL, 1e-7, 1 - 1e-7)
    return float(-np.mean(Y * np.log(AL) + (1 - Y) * np.log1p(-AL)))


def cost_nansum(AL, Y):
    return -np.nansum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / Y.shape[1]


def cost_masked(AL, Y):
    ones = Y == 1
    return -(np.log(AL[ones]).sum() + np.log(1 - AL[~ones]).sum()) / Y.size


@pytest.mark.parametrize(
    "candidate",
    [
        ref.compute_cost,
        cost_clipped,
        cost_where_mean,
        cost_dot_squeezed,
        cost_log1p,
        cost_nansum,
        cost_masked,
    ],
)
def test_compute_cost_accepts_correct_answers(candidate):
    passes("compute_cost", candidate)


def naive(AL, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)


def clipped(eps):
    return lambda AL, Y: cost_clipped(AL, Y, eps)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda AL, Y: -naive(AL, Y), ("negative", "minus sign")),
        (lambda AL, Y: naive(AL, Y) * Y.shape[1], ("m times too large",)),
        (lambda AL, Y: naive(AL, Y) * Y.shape[1] / AL.shape[0], ("m times too large",)),
        (lambda AL, Y: -np.sum(Y * np.log(AL)) / Y.shape[1], ("only the y·log(a) term",)),
        (lambda AL, Y: -np.mean((1 - Y) * np.log(1 - AL)), ("only the (1 - y)·log(1 - a)",)),
        (lambda AL, Y: -np.mean(Y * np.log(1 - AL) + (1 - Y) * np.log(AL)), ("swapped",)),
        (lambda AL, Y: -np.mean(Y * np.log(AL) - (1 - Y) * np.log(1 - AL)), ("add the two",)),
        (lambda AL, Y: -np.mean(Y * np.log10(AL) + (1 - Y) * np.log10(1 - AL)), ("np.log10",)),
        (lambda AL, Y: -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - Y)), ("log(1 - Y)",)),
        (lambda AL, Y: -(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)), ("one number", "divide by m")),
        (
            lambda AL, Y: -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=1),
            ("np.squeeze",),
        ),
        (naive, ("0·log 0 should count as 0", "exact 0s and 1s")),
        (clipped(1e-4), ("epsilon of 1e-7 or smaller",)),
        (clipped(1e-8), ("the cost is nan", "in float32 1 - 1e-8 is exactly 1", "1e-7")),
        (clipped(1e-12), ("the cost is nan", "in float32 1 - 1e-8 is exactly 1", "1e-7")),
    ],
)
def test_compute_cost_names_mistakes(candidate, words):
    fails_with("compute_cost", candidate, *words)


def test_compute_cost_dot_without_squeeze_asks_for_a_float():
    def dot_cost(AL, Y):
        m = Y.shape[1]
        return -(Y @ np.log(AL).T + (1 - Y) @ np.log(1 - AL).T) / m

    fails_with("compute_cost", dot_cost, "(1, 1)", "float(np.squeeze(cost))")


def test_a_keepdims_sum_gets_the_same_neutral_advice():
    def keepdims_cost(AL, Y):
        losses = Y * np.log(AL) + (1 - Y) * np.log(1 - AL)
        return -np.sum(losses, axis=1, keepdims=True) / Y.shape[1]

    fails_with("compute_cost", keepdims_cost, "(1, 1): return float(np.squeeze(cost))")
    assert "np.dot" not in " ".join(run_check("compute_cost", keepdims_cost, seed=0).messages)


# --- softmax ---------------------------------------------------------------------------


def softmax_einsum(Z):
    E = np.exp(Z - np.max(Z, axis=0))
    return E / np.einsum("cm->m", E)


def softmax_copy(Z):
    Z = Z.copy()
    Z -= Z.max(axis=0, keepdims=True)
    np.exp(Z, out=Z)
    return Z / Z.sum(axis=0, keepdims=True)


def softmax_log_sum_exp(Z):
    M = Z.max(axis=0, keepdims=True)
    return np.exp(Z - M - np.log(np.exp(Z - M).sum(axis=0, keepdims=True)))


def softmax_column_loop(Z):
    A = np.empty_like(Z)
    for j in range(Z.shape[1]):
        e = np.exp(Z[:, j] - np.max(Z[:, j]))
        A[:, j] = e / e.sum()
    return A


@pytest.mark.parametrize(
    "candidate",
    [ref.softmax, softmax_einsum, softmax_copy, softmax_log_sum_exp, softmax_column_loop],
)
def test_softmax_accepts_correct_answers(candidate):
    passes("softmax", candidate)


def softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def softmax_minus_min(Z):
    E = np.exp(Z - Z.min(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def softmax_global_max(Z):
    E = np.exp(Z - np.max(Z))
    return E / E.sum(axis=0, keepdims=True)


def softmax_sums_rows(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def softmax_row_max(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def softmax_in_place(Z):
    Z -= Z.max(axis=0, keepdims=True)
    return np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (softmax_rows, ("normalizes the rows", "axis=0")),
        (lambda Z: np.exp(Z) / np.exp(Z).sum(), ("whole array",)),
        (lambda Z: np.exp(Z - Z.max(axis=0)), ("do not sum to 1",)),
        (
            lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0),
            ("NaN or inf for large scores", "np.exp(1000) overflows"),
        ),
        (softmax_minus_min, ("NaN or inf", "not its minimum")),
        (
            lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=0),
            ("maximum, that of the whole array", "0 / 0 = NaN", "Z.max(axis=0, keepdims=True)"),
        ),
        (softmax_global_max, ("maximum, that of the whole array", "0 / 0 = NaN")),
        (softmax_sums_rows, ("normalizes the rows", "each COLUMN", "axis=0")),
        (softmax_row_max, ("each row's maximum (axis=1)", "Z.max(axis=0, keepdims=True)")),
        (softmax_in_place, ("changed its argument `Z` in place",)),
    ],
)
def test_softmax_names_mistakes(candidate, words):
    fails_with("softmax", candidate, *words)


def test_subtracting_the_minimum_fails_on_every_seed_with_a_short_message():
    for seed in range(100):
        result = run_check("softmax", softmax_minus_min, seed=seed)
        assert not result.passed, f"seed {seed}: passed"
        assert "not its minimum" in result.messages[0], f"seed {seed}: {result.messages}"
        assert len(str(result).splitlines()) == 2, str(result)


# --- one_hot ---------------------------------------------------------------------------


def one_hot_eye(labels, C):
    return np.eye(C)[np.ravel(labels)].T


def one_hot_loop(labels, C):
    labels = np.asarray(labels).reshape(-1)
    Y = np.zeros((C, len(labels)), dtype=int)
    for i, label in enumerate(labels):
        Y[label, i] = 1
    return Y


def one_hot_compare(labels, C):
    return (np.arange(C).reshape(C, 1) == np.reshape(labels, (1, -1))).astype(float)


@pytest.mark.parametrize("candidate", [ref.one_hot, one_hot_eye, one_hot_loop, one_hot_compare])
def test_one_hot_accepts_correct_answers(candidate):
    passes("one_hot", candidate)


def one_hot_max(labels, C):
    return ref.one_hot(labels, int(np.max(labels)) + 1)


def one_hot_rows(labels, C):
    Y = np.zeros((C, np.size(labels)))
    Y[np.ravel(labels)] = 1
    return Y


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda labels, C: np.eye(C)[np.ravel(labels)], ("expected (C, m)", "transpose")),
        (lambda labels, C: np.eye(C)[labels], ("expected (C, m)", "flatten")),
        (one_hot_max, ("use the argument C",)),
        (lambda labels, C: ref.one_hot(labels, C)[:1], ("1 row, expected C",)),
        (one_hot_rows, ("single 1",)),
    ],
)
def test_one_hot_names_mistakes(candidate, words):
    fails_with("one_hot", candidate, *words)


# --- compute_cost_categorical ------------------------------------------------------------


def categorical_picked(AL, Y):
    m = Y.shape[1]
    return float(-np.log(np.sum(Y * AL, axis=0)).sum() / m)


def categorical_clipped(AL, Y):
    return -np.sum(Y * np.log(np.clip(AL, 1e-12, 1.0))) / Y.shape[1]


def categorical_mean_of_sums(AL, Y):
    with np.errstate(divide="ignore"):
        return -np.mean(np.sum(np.where(Y == 1, np.log(AL), 0.0), axis=0))


@pytest.mark.parametrize(
    "candidate",
    [
        ref.compute_cost_categorical,
        categorical_picked,
        categorical_clipped,
        categorical_mean_of_sums,
    ],
)
def test_compute_cost_categorical_accepts_correct_answers(candidate):
    passes("compute_cost_categorical", candidate)


def categorical_naive(AL, Y):
    return -np.sum(Y * np.log(AL)) / Y.shape[1]


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda AL, Y: -categorical_naive(AL, Y), ("negative",)),
        (lambda AL, Y: categorical_naive(AL, Y) * Y.shape[1], ("m times too large",)),
        (lambda AL, Y: -np.mean(Y * np.log(AL)), ("C times too small",)),
        (lambda AL, Y: -np.sum(Y * np.log(AL), axis=1) / Y.shape[1], ("one number",)),
        (lambda AL, Y: -np.sum(Y * np.log(AL), axis=0), ("one number",)),
        (
            lambda AL, Y: -np.mean(np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=0)),
            ("binary cross-entropy",),
        ),
        (lambda AL, Y: np.array([[categorical_naive(AL, Y)]]), ("np.squeeze",)),
        (
            lambda AL, Y: -np.sum(Y * np.log(AL)) / Y.shape[0],
            ("divided by C = Y.shape[0]", "m = Y.shape[1]"),
        ),
        (categorical_naive, ("0·log 0 should count as 0",)),
    ],
)
def test_compute_cost_categorical_names_mistakes(candidate, words):
    fails_with("compute_cost_categorical", candidate, *words)


# --- misbehaving answers ---------------------------------------------------------------------


def raises(*args):
    raise ValueError("boom")


def not_written(*args):
    raise NotImplementedError("Exercise: replace this line with your code.")


def clips_in_place(AL, Y):
    np.clip(AL, 1e-12, 1 - 1e-12, out=AL)
    return ref.compute_cost(AL, Y)


@pytest.mark.parametrize(
    "exercise_id", ["compute_cost", "softmax", "one_hot", "compute_cost_categorical"]
)
@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (raises, ("raised ValueError: boom",)),
        (lambda *args: None, ("None",)),
        (lambda *args: "0.5", ("str",)),
        (lambda *args: float("nan"), ("",)),
        (0.69, ("expected a function",)),
    ],
)
def test_misbehaving_answers_fail_cleanly(exercise_id, candidate, words):
    result = run_check(exercise_id, candidate, seed=0)
    assert not result.passed and result.messages
    assert all(word in " ".join(result.messages) for word in words), result.messages


def test_not_written_is_reported():
    result = run_check("compute_cost", not_written, seed=0)
    assert not result.passed and result.not_written


def test_changing_AL_in_place_fails():
    fails_with("compute_cost", clips_in_place, "changed its argument `AL` in place")


# --- the reference pieces this lesson teaches ---------------------------------------------


def test_reference_costs_by_hand():
    AL = np.array([[0.8, 0.1, 1.0, 0.0]])
    Y = np.array([[1, 0, 1, 0]])
    assert ref.compute_cost(AL, Y) == pytest.approx(-(np.log(0.8) + np.log(0.9)) / 4)
    assert ref.compute_cost(np.array([[1.0]]), np.array([[0]])) == np.inf
    assert ref.compute_cost(np.full((1, 5), 0.5), np.ones((1, 5))) == pytest.approx(np.log(2))
    probs = np.array([[0.7, 0.0], [0.2, 1.0], [0.1, 0.0]])
    assert ref.compute_cost_categorical(probs, ref.one_hot([0, 1], 3)) == pytest.approx(
        -np.log(0.7) / 2
    )


def test_reference_softmax_and_one_hot():
    Z = np.array([[1000.0, 0.0], [999.0, np.log(3.0)]])
    expected = np.array([[1 / (1 + np.exp(-1)), 0.25], [1 / (1 + np.e), 0.75]])
    np.testing.assert_allclose(ref.softmax(Z), expected)
    np.testing.assert_allclose(ref.softmax(Z)[1], ref.sigmoid(Z[1] - Z[0]))
    np.testing.assert_array_equal(ref.one_hot(np.array([[2, 0, 1]]), 4)[:, 0], [0, 0, 1, 0])
    assert ref.one_hot([1, 1], 3).shape == (3, 2)


def test_loss_and_probability_plots():
    import matplotlib.pyplot as plt

    from nnutils.plot import plot_class_probabilities, plot_example_loss

    ax = plot_example_loss(lambda a, y: ref.compute_cost(np.array([[a]]), np.array([[y]])))
    y0, y1 = (line.get_ydata() for line in ax.get_lines())
    a = ax.get_lines()[0].get_xdata()
    np.testing.assert_allclose(y0, -np.log(1 - a))
    np.testing.assert_allclose(y1, -np.log(a))
    ax = plot_class_probabilities(np.array([[0.2], [0.5], [0.3]]), ["a", "b", "c"], label=1)
    assert [bar.get_height() for bar in ax.patches] == [0.2, 0.5, 0.3]
    assert ax.patches[1].get_facecolor() != ax.patches[0].get_facecolor()
    plt.close("all")

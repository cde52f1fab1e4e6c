"""The lesson-03 checkers accept correct answers and name the typical mistakes."""

import math
from collections import namedtuple

import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.checks import run_check
from nnutils.data import load_planar
from nnutils.plot import plot_activation_functions, plot_probability_map
from tests.checking import fails_with, passes

# --- sigmoid ---------------------------------------------------------------------------


def stable_sigmoid(Z):
    A = np.empty_like(Z)
    positive = Z >= 0
    A[positive] = 1 / (1 + np.exp(-Z[positive]))
    E = np.exp(Z[~positive])
    A[~positive] = E / (1 + E)
    return A


@pytest.mark.parametrize(
    "sigmoid",
    [
        ref.sigmoid,
        lambda Z: 1 / (1 + np.exp(-Z)),
        lambda Z: np.reciprocal(1.0 + np.exp(-Z)),
        lambda Z: np.exp(-np.logaddexp(0, -Z)),
        stable_sigmoid,
    ],
)
def test_sigmoid_accepts_correct_answers(sigmoid):
    passes("sigmoid", sigmoid)


@pytest.mark.parametrize(
    ("sigmoid", "words"),
    [
        (lambda Z: 1 / (1 + np.exp(Z)), ["returns 1 - σ(Z), which is σ(-Z)", "numerator is 1"]),
        (lambda Z: np.exp(-Z) / (1 + np.exp(-Z)), ["returns 1 - σ(Z)", "the exponent is -Z"]),
        (lambda Z: 1 / np.exp(-Z), ["1 +"]),
        (lambda Z: (1 / (1 + np.exp(-Z)), Z), ["tuple", "A only"]),
        (lambda Z: np.exp(Z) / (1 + np.exp(Z)), ["NaN", "large"]),
        (lambda Z: 1 / (1 - np.exp(-Z)), ["1 - e^(-Z)", "a minus where sigmoid has a plus"]),
    ],
)
def test_sigmoid_names_mistakes(sigmoid, words):
    fails_with("sigmoid", sigmoid, *words)


def sigmoid_math_loop(Z):
    A = np.zeros_like(Z)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            A[i, j] = 1 / (1 + math.exp(-Z[i, j]))
    return A


@pytest.mark.parametrize(
    ("exercise_id", "candidate", "words"),
    [
        ("sigmoid", lambda Z: 1 / (1 + np.exp(-Z.astype(float))), ["is float64, expected float32"]),
        ("sigmoid", lambda Z: (1 / (1 + np.exp(-Z))).astype(np.float16), ["is float16", "dtype"]),
        ("leaky_relu", lambda Z, alpha=0.01: Z * np.where(Z > 0, 1, alpha), ["expected float32"]),
        ("relu", lambda Z: np.maximum(Z, np.zeros(Z.shape)), ["is float64, expected float32"]),
    ],
)
def test_activations_keep_the_inputs_dtype(exercise_id, candidate, words):
    fails_with(exercise_id, candidate, *words, "keep the inputs' dtype")


def test_sigmoid_with_math_exp():
    fails_with("sigmoid", sigmoid_math_loop, "OverflowError", "Use np.exp", "math.exp takes one")
    fails_with("sigmoid", lambda Z: 1 / (1 + math.exp(-Z)), "Use np.exp", "math.exp takes one")


# --- relu ------------------------------------------------------------------------------


def relu_masked_copy(Z):
    A = Z.copy()
    A[A < 0] = 0
    return A


def relu_in_place(Z):
    Z[Z < 0] = 0
    return Z


@pytest.mark.parametrize(
    "relu",
    [
        ref.relu,
        lambda Z: np.maximum(0, Z),
        lambda Z: np.where(Z > 0, Z, 0),
        lambda Z: Z * (Z > 0),
        lambda Z: np.clip(Z, 0, None),
        relu_masked_copy,
    ],
)
def test_relu_accepts_correct_answers(relu):
    passes("relu", relu)


@pytest.mark.parametrize(
    ("relu", "words"),
    [
        (lambda Z: np.minimum(Z, 0), ["np.minimum"]),
        (relu_in_place, ["in place"]),
        (lambda Z: Z > 0, ["slope"]),
        (lambda Z: (Z > 0).astype(float), ["slope"]),
        (lambda Z: np.where(Z > 0, Z, 0.01 * Z), ["leaky"]),
        (lambda Z: np.max(Z, 0), ["np.max(Z, 0)"]),
        (lambda Z: max(Z, 0), ["np.maximum"]),
        (lambda Z: (np.maximum(Z, 0), Z), ["tuple"]),
        (np.abs, ["|Z|", "np.maximum(Z, 0)"]),
    ],
)
def test_relu_names_mistakes(relu, words):
    fails_with("relu", relu, *words)


# --- leaky_relu ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "leaky_relu",
    [
        ref.leaky_relu,
        lambda Z, alpha=0.01: Z * np.where(Z > 0, 1, alpha).astype(Z.dtype),
        lambda Z, alpha=0.01: np.maximum(Z, 0) + alpha * np.minimum(Z, 0),
        lambda Z, alpha=0.01: np.where(Z <= 0, alpha * Z, Z),
    ],
)
def test_leaky_relu_accepts_correct_answers(leaky_relu):
    passes("leaky_relu", leaky_relu)


@pytest.mark.parametrize(
    ("leaky_relu", "words"),
    [
        (lambda Z, alpha=0.01: np.maximum(Z, 0), ["plain ReLU"]),
        (lambda Z, alpha=0.01: np.where(Z > 0, alpha * Z, Z), ["positive"]),
        (
            lambda Z, alpha=0.01: np.maximum(Z, alpha * Z),
            ["alpha > 1", "np.maximum(Z, alpha * Z)", "np.where(Z > 0, Z, alpha * Z)"],
        ),
        (lambda Z, alpha=0.01: np.where(Z > 0, Z, 0.01 * Z), ["alpha argument"]),
        (lambda Z, alpha=0.01: np.where(Z > 0, Z, alpha), ["alpha * Z"]),
        (lambda Z, alpha=0.1: np.where(Z > 0, Z, alpha * Z), ["wrong values"]),
    ],
)
def test_leaky_relu_names_mistakes(leaky_relu, words):
    fails_with("leaky_relu", leaky_relu, *words)


# --- linear_forward --------------------------------------------------------------------


@pytest.mark.parametrize(
    "linear_forward",
    [
        ref.linear_forward,
        lambda A, W, b: (np.dot(W, A) + b, (A, W, b)),
        lambda A, W, b: (np.einsum("ij,jk->ik", W, A) + b, [A, W, b]),
    ],
)
def test_linear_forward_accepts_correct_answers(linear_forward):
    passes("linear_forward", linear_forward)


@pytest.mark.parametrize(
    ("linear_forward", "words"),
    [
        (lambda A, W, b: (W @ A, (A, W, b)), ["missing the bias"]),
        (lambda A, W, b: (W @ A - b, (A, W, b)), ["subtracts b"]),
        (lambda A, W, b: (W @ A + b, (W, A, b)), ["(W, A_prev, b)", "order"]),
        (lambda A, W, b: W @ A + b, ["tuple of 2"]),
        (lambda A, W, b: (W * A + b, (A, W, b)), ["ValueError", "Z = W @ A + b", "(n_prev, m)"]),
        (lambda A, W, b: (W.T @ A + b, (A, W, b)), ["ValueError", "a matrix product of W"]),
        (lambda A, W, b: (A.T @ W.T + b, (A, W, b)), ["ValueError", "Z = W @ A + b"]),
        (lambda A, W, b: (W @ A + b.ravel(), (A, W, b)), ["b has lost its column shape", "(n, 1)"]),
        (lambda A, W, b: (W @ A + b[:, 0], (A, W, b)), ["b has lost its column shape", ".ravel()"]),
    ],
)
def test_linear_forward_names_mistakes(linear_forward, words):
    fails_with("linear_forward", linear_forward, *words)


def test_linear_forward_order_is_explained():
    result = run_check("linear_forward", lambda A, W, b: (W @ A + b, (W, A, b)))
    assert "(A_prev, W, b)" in " ".join(result.messages)


# --- linear_activation_forward ---------------------------------------------------------

Layer = namedtuple("Layer", "linear activation")


def layer_with(activations, cache=lambda A_prev, W, b, Z, A: ((A_prev, W, b), Z)):
    """A linear_activation_forward built from {name: g} and a cache layout."""

    def linear_activation_forward(A_prev, W, b, activation):
        Z = W @ A_prev + b
        A = activations[activation](Z)
        return A, cache(A_prev, W, b, Z, A)

    return linear_activation_forward


RIGHT = {"sigmoid": ref.sigmoid, "relu": ref.relu}


def branchy_layer(A_prev, W, b, activation):
    if activation == "sigmoid":
        Z, linear_cache = ref.linear_forward(A_prev, W, b)
        A = 1 / (1 + np.exp(-Z))
    elif activation == "relu":
        Z, linear_cache = ref.linear_forward(A_prev, W, b)
        A = np.maximum(0, Z)
    return A, [list(linear_cache), Z]


@pytest.mark.parametrize(
    "linear_activation_forward",
    [
        ref.linear_activation_forward,
        layer_with(RIGHT),
        layer_with(RIGHT, lambda A_prev, W, b, Z, A: Layer((A_prev, W, b), Z)),
        branchy_layer,
    ],
)
def test_linear_activation_forward_accepts_correct_answers(linear_activation_forward):
    passes("linear_activation_forward", linear_activation_forward)


@pytest.mark.parametrize(
    ("linear_activation_forward", "words"),
    [
        (layer_with({"sigmoid": ref.relu, "relu": ref.sigmoid}), ["which function"]),
        (layer_with({"sigmoid": ref.relu, "relu": ref.relu}), ["relu(Z)", "sigmoid"]),
        (layer_with({"sigmoid": lambda Z: Z, "relu": lambda Z: Z}), ["not applied"]),
        (layer_with(RIGHT, lambda A_prev, W, b, Z, A: (Z, (A_prev, W, b))), ["order"]),
        (layer_with(RIGHT, lambda A_prev, W, b, Z, A: (A_prev, W, b)), ["Z missing"]),
        (layer_with(RIGHT, lambda A_prev, W, b, Z, A: (A_prev, W, b, Z)), ["flat"]),
        (layer_with(RIGHT, lambda A_prev, W, b, Z, A: ((A_prev, W, b), A)), ["stores A"]),
        (layer_with(RIGHT, lambda A_prev, W, b, Z, A: ((W, A_prev, b), Z)), ["A_prev"]),
        (layer_with({k: lambda Z, g=g: (g(Z), Z) for k, g in RIGHT.items()}), ["tuple", "A only"]),
    ],
)
def test_linear_activation_forward_names_mistakes(linear_activation_forward, words):
    fails_with("linear_activation_forward", linear_activation_forward, *words)


# --- L_model_forward -------------------------------------------------------------------


def forward(
    X,
    parameters,
    output_activation="sigmoid",
    hidden="relu",
    output=None,
    first=1,
    last_hidden=None,
    output_layer=True,
    feed=None,
    L=None,
    cache=lambda c: c,
):
    """An L_model_forward with the knobs learners turn by mistake (defaults: correct)."""
    L = len(parameters) // 2 if L is None else L
    output = output_activation if output is None else output
    last_hidden = L - 1 if last_hidden is None else last_hidden
    A, caches = X, []
    for l in range(first, last_hidden + 1):
        A_in = X if feed == "X" else A
        A, layer = ref.linear_activation_forward(
            A_in, parameters[f"W{l}"], parameters[f"b{l}"], hidden
        )
        caches.append(cache(layer))
    if not output_layer:
        return A, caches
    AL, layer = ref.linear_activation_forward(
        X if feed == "X" else A, parameters[f"W{L}"], parameters[f"b{L}"], output
    )
    caches.append(cache(layer))
    return AL, caches


def forward_einsum(X, parameters, output_activation="sigmoid"):
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = np.einsum("ij,jk->ik", W, A) + b
        if l < L:
            A_next = np.where(Z > 0, Z, 0)
        elif output_activation == "softmax":
            E = np.exp(Z - Z.max(axis=0))
            A_next = E / E.sum(axis=0)
        else:
            A_next = 1 / (1 + np.exp(-Z))
        A_prev, A = A, A_next
        caches.append(((A_prev, W, b), Z))
    return A, tuple(caches)


def forward_with_stale_input(X, parameters):
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L):
        A_prev = A
        A, cache = ref.linear_activation_forward(
            A_prev, parameters[f"W{l}"], parameters[f"b{l}"], "relu"
        )
        caches.append(cache)
    source = A_prev if L > 2 else A
    AL, cache = ref.linear_activation_forward(
        source, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid"
    )
    return AL, caches + [cache]


@pytest.mark.parametrize(
    "L_model_forward",
    [
        ref.L_model_forward,
        forward,
        forward_einsum,
        lambda X, p, output_activation="sigmoid": forward(
            X, p, output_activation, cache=lambda c: [list(c[0]), c[1]]
        ),
    ],
)
def test_L_model_forward_accepts_correct_answers(L_model_forward):
    passes("L_model_forward", L_model_forward)


@pytest.mark.parametrize(
    ("L_model_forward", "words"),
    [
        (lambda X, p: forward(X, p), ["third argument", 'output_activation="sigmoid"']),
        (lambda X, p, a="sigmoid": forward(X, p), ["output_activation is ignored"]),
        (
            lambda X, p, a="sigmoid": forward(X, p, a, hidden="relu" if a == "sigmoid" else a),
            ["hidden layer but uses softmax"],
        ),
        (lambda X, p, a="sigmoid": forward(X, p, a, output="relu"), ["output layer uses relu"]),
    ],
)
def test_L_model_forward_names_softmax_mistakes(L_model_forward, words):
    """The default cases pass; the softmax cases name the slip."""
    fails_with("L_model_forward", L_model_forward, *words)


@pytest.mark.parametrize(
    ("L_model_forward", "words"),
    [
        (lambda X, p: forward(X, p, hidden="sigmoid"), ["hidden layer", "sigmoid"]),
        (lambda X, p: forward(X, p, output="relu"), ["output layer uses relu"]),
        (lambda X, p: forward(X, p, hidden="sigmoid", output="relu"), ["sigmoid"]),
        (lambda X, p: forward(X, p, hidden="tanh"), ["tanh"]),
        (lambda X, p: forward(X, p, output="tanh"), ["tanh"]),
        (lambda X, p: forward(X, p, last_hidden=len(p) // 2 - 2), ["hidden layer was skipped"]),
        (lambda X, p: forward(X, p, first=2), ["hidden layer was skipped"]),
        (lambda X, p: forward(X, p, output_layer=False), ["output layer"]),
        (lambda X, p: forward(X, p, feed="X"), ["fed X"]),
        (lambda X, p: forward(X, p, L=len(p)), ["len(parameters) // 2"]),
        (lambda X, p: forward(X, p, first=0), ["numbered from 1"]),
        (lambda X, p: forward(X, p, last_hidden=len(p) // 2), ["applied once"]),
        (lambda X, p: (forward(X, p)[0], forward(X, p)[1][:-1]), ["no cache of the output"]),
        (lambda X, p: (forward(X, p)[0], forward(X, p)[1] * 2), ["each appended once"]),
        (lambda X, p: forward(X, p)[::-1], ["order"]),
        (
            lambda X, p: (forward(X, p)[0], forward(X, p)[1][::-1]),
            ["caches are in reverse order", "layer 1 first"],
        ),
        (forward_with_stale_input, ["fed the output of layer"]),
        (lambda X, p: forward(X, p, cache=lambda c: (c[1], c[0])), ["order"]),
    ],
)
def test_L_model_forward_names_mistakes(L_model_forward, words):
    fails_with("L_model_forward", L_model_forward, *words)


# --- answers that misbehave ------------------------------------------------------------

EXERCISES = (
    "sigmoid",
    "relu",
    "leaky_relu",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
)


def raises(*args):
    raise ValueError("boom")


def nan_like_first(first, *args):
    return np.full_like(first, np.nan, dtype=float)


@pytest.mark.parametrize("exercise_id", EXERCISES)
@pytest.mark.parametrize(
    "candidate",
    [raises, lambda *args: None, nan_like_first, lambda *args: "A", lambda *args: (None, None), 3],
)
def test_misbehaving_answers_fail_with_a_message(exercise_id, candidate):
    result = run_check(exercise_id, candidate)
    assert not result.passed
    assert result.messages and result.messages[0]


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_unwritten_exercise_is_reported(exercise_id):
    def unwritten(*args):
        raise NotImplementedError

    result = run_check(exercise_id, unwritten)
    assert result.not_written and "not written yet" in result.messages[0]


def test_changing_the_parameters_fails():
    def scaling_forward(X, parameters):
        parameters["W1"] *= 2
        return ref.L_model_forward(X, parameters)

    fails_with("L_model_forward", scaling_forward, "in place", "parameters")


def test_hard_coded_answer_fails():
    Z = np.array([[0.5]])
    fixed = ref.sigmoid(Z)
    fails_with("sigmoid", lambda Z: fixed)


# --- the lesson's plots ------------------------------------------------------------------


def test_plot_activation_functions_draws_each_function_and_its_slope():
    axes = plot_activation_functions({"sigmoid": ref.sigmoid, "relu": ref.relu})
    assert [ax.get_title() for ax in axes] == ["sigmoid", "relu"]
    z, a = axes[0].lines[-2].get_data()
    _, slope = axes[0].lines[-1].get_data()
    np.testing.assert_allclose(a, ref.sigmoid(z))
    np.testing.assert_allclose(slope, a * (1 - a), atol=1e-3)
    z, slope = axes[1].lines[-1].get_data()
    away = np.abs(z) > 0.1
    np.testing.assert_allclose(slope[away], (z[away] > 0).astype(float), atol=1e-9)
    plt.close("all")


def test_plot_probability_map_colors_the_plane_by_the_output():
    X, Y = load_planar(m=40)
    ax = plot_probability_map(lambda P: ref.sigmoid(P[:1]), X, Y, resolution=30)
    values = np.asarray(ax.collections[0].get_array())
    assert values.size == 30 * 30
    assert 0 < values.min() < 0.5 < values.max() < 1
    assert ax.get_legend() is not None
    plt.close("all")

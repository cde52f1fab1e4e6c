"""Lesson 07: the reference models and L2 helpers, and the checks of predict, the two models
and L2 regularization."""

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.checks import run_check
from nnutils.data import load_planar, train_test_split
from tests.checking import fails_with, passes

# --- the reference ----------------------------------------------------------------------


def assert_centered_differences(grads, cost, parameters, epsilon):
    """grads["dW1"], ... agree with centered differences of ``cost(parameters)``, entry by entry."""
    for key, P in parameters.items():
        numerical = np.zeros_like(P)
        for index in np.ndindex(P.shape):
            plus, minus = P.copy(), P.copy()
            plus[index] += epsilon
            minus[index] -= epsilon
            numerical[index] = (
                cost({**parameters, key: plus}) - cost({**parameters, key: minus})
            ) / (2 * epsilon)
        np.testing.assert_allclose(grads[f"d{key}"], numerical, rtol=1e-5, atol=1e-8)


def small_network(seed=0, dims=(3, 4, 2, 1), m=7):
    rng = np.random.default_rng(seed)
    parameters = ref.initialize_parameters_deep(list(dims), rng)
    parameters = {k: P + 0.1 * rng.standard_normal(P.shape) for k, P in parameters.items()}
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) < 0.5).astype(float)
    return X, Y, parameters


def test_regularized_cost_by_hand():
    parameters = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[5.0]])}
    AL, Y = np.array([[0.8, 0.4]]), np.array([[1, 0]])
    cross_entropy = -(np.log(0.8) + np.log(0.6)) / 2
    lambd = 0.3
    expected = cross_entropy + lambd / (2 * 2) * 5.0
    assert ref.compute_cost_with_regularization(AL, Y, parameters, lambd) == pytest.approx(expected)
    assert ref.compute_cost_with_regularization(AL, Y, parameters, 0) == pytest.approx(
        cross_entropy
    )


def test_regularized_backward_matches_numerical_gradient():
    X, Y, parameters = small_network()
    lambd, epsilon = 0.7, 1e-6

    def cost(params):
        AL, _ = ref.L_model_forward(X, params)
        return ref.compute_cost_with_regularization(AL, Y, params, lambd)

    AL, caches = ref.L_model_forward(X, parameters)
    grads = ref.L_model_backward_with_regularization(AL, Y, caches, lambd)
    assert_centered_differences(grads, cost, parameters, epsilon)


def test_regularized_backward_keeps_caches_and_float32():
    X, Y, parameters = small_network()
    parameters = {k: P.astype(np.float32) for k, P in parameters.items()}
    AL, caches = ref.L_model_forward(X.astype(np.float32), parameters)
    W1 = caches[0].linear_cache.W.copy()
    grads = ref.L_model_backward_with_regularization(AL, Y, caches, 0.5)
    assert np.array_equal(caches[0].linear_cache.W, W1)
    assert grads["dW1"].dtype == np.float32


def test_two_layer_model_is_gradient_descent_from_initialize_parameters():
    X, Y, _ = small_network(m=9)
    parameters, costs = ref.two_layer_model(X, Y, [3, 4, 1], 0.1, 20, rng=5, progress=False)
    start = ref.initialize_parameters(3, 4, 1, 5)
    expected, expected_costs = ref.gradient_descent(X, Y, start, 0.1, 20, progress=False)
    assert costs == expected_costs and len(costs) == 20
    for key in expected:
        np.testing.assert_array_equal(parameters[key], expected[key])


def test_L_layer_model_learns_the_flower():
    X, Y = load_planar()
    parameters, costs = ref.L_layer_model(X, Y, [2, 10, 5, 1], 0.3, 1500, rng=1, progress=False)
    assert costs[-1] < 0.5 * costs[0]
    assert (ref.predict(X, parameters) == Y).mean() > 0.88


def test_L2_shrinks_the_weights():
    X, Y = load_planar(m=100)
    runs = [
        ref.L_layer_model(X, Y, [2, 8, 1], 0.1, 300, rng=0, lambd=lambd, progress=False)[0]
        for lambd in (0.0, 5.0)
    ]
    norms = [sum(np.sum(P**2) for k, P in p.items() if k[0] == "W") for p in runs]
    assert norms[1] < norms[0]


def test_print_cost_and_progress(capsys):
    X, Y, _ = small_network()
    ref.L_layer_model(X, Y, [3, 2, 1], 0.1, 201, print_cost=True, rng=0, progress=False)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"Cost after iteration {i}" for i in (0, 100, 200)
    ]
    assert isinstance(ref.progress_range(5, False), range)
    bar = ref.progress_range(5, True)
    assert list(bar) == list(range(5)) and bar.delay == 1.0


# --- predict ----------------------------------------------------------------------------


def predict_with_round(X, parameters):
    AL, _ = ref.L_model_forward(X, parameters)
    return np.round(AL)


def predict_bool_ge(X, parameters):
    AL, _ = ref.L_model_forward(X, parameters)
    return AL >= 0.5


def predict_loop(X, parameters):
    AL, _ = ref.L_model_forward(X, parameters)
    p = np.zeros((1, X.shape[1]))
    for i in range(AL.shape[1]):
        p[0, i] = 1 if AL[0, i] > 0.5 else 0
    return p


def predict_from_Z(X, parameters):
    _, caches = ref.L_model_forward(X, parameters)
    return np.where(caches[-1][1] > 0, 1, 0)


@pytest.mark.parametrize(
    "candidate", [ref.predict, predict_with_round, predict_bool_ge, predict_loop, predict_from_Z]
)
def test_predict_accepts_correct_answers(candidate):
    passes("predict", candidate)


GLOBAL_PARAMETERS = ref.initialize_parameters_deep([2, 3, 1], 0)


def predict_probabilities(X, parameters):
    return ref.L_model_forward(X, parameters)[0]


def predict_flipped(X, parameters):
    return (ref.L_model_forward(X, parameters)[0] < 0.5).astype(int)


def predict_flat(X, parameters):
    return ref.predict(X, parameters).ravel()


def predict_global(X, parameters):
    return ref.predict(X, GLOBAL_PARAMETERS)


def predict_in_place(X, parameters):
    X *= 1
    X[0, 0] = 1.0
    return ref.predict(X, parameters)


def predict_argmax(X, parameters):
    return np.argmax(ref.L_model_forward(X, parameters)[0], axis=0)


def predict_positive(X, parameters):
    return ref.L_model_forward(X, parameters)[0] > 0


def predict_threshold(threshold):
    def predict(X, parameters):
        return (ref.L_model_forward(X, parameters)[0] > threshold).astype(int)

    return predict


def predict_partly_thresholded(X, parameters):
    AL = ref.L_model_forward(X, parameters)[0]
    return np.where(AL > 0.5, 1, AL)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (predict_probabilities, ["probabilities", "0.5"]),
        (predict_flipped, ["wrong way round"]),
        (predict_flat, ["shape", "row"]),
        (predict_global, ["two different sets of parameters", "arguments X and `parameters`"]),
        (predict_argmax, ["0 for every example", "argmax always gives 0", "compare AL with 0.5"]),
        (predict_positive, ["1 for every example", "threshold at 0.5", "AL > 0 always"]),
        (predict_threshold(0.6), ["threshold at 0.5"]),
        (predict_threshold(0.4), ["threshold at 0.5"]),
        (predict_in_place, ["changed its argument `X`"]),
        (predict_partly_thresholded, ["labels 0 or 1"]),
        (lambda X, parameters: None, ["None"]),
        (lambda X, parameters: [[1, 0]], ["NumPy array"]),
        (lambda X, parameters: 1 / 0, ["ZeroDivisionError"]),
        (lambda X, parameters: np.full((1, X.shape[1]), np.nan), ["NaN"]),
    ],
)
def test_predict_names_mistakes(candidate, words):
    fails_with("predict", candidate, *words)


def test_predict_not_a_function():
    assert not run_check("predict", ref.predict(np.zeros((2, 1)), GLOBAL_PARAMETERS))


# --- the models -------------------------------------------------------------------------


def learner_two_layer(
    *,
    rate=None,
    assign=True,
    reinit=False,
    sign=1,
    deep=False,
    seed=True,
    every=1,
    array=False,
    swap=False,
    late=False,
    dA_over_m=False,
    dZ2_as_dA2=False,
):
    """A two-layer model written the way a learner would, with optional mistakes."""

    def two_layer_model(
        X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, rng=None
    ):
        n_x, n_h, n_y = layers_dims
        rng = rng if seed else None
        start = ref.initialize_parameters_deep if deep else ref.initialize_parameters
        parameters = start(layers_dims, rng) if deep else start(n_x, n_h, n_y, rng)
        costs = []
        for i in range(num_iterations):
            if reinit:
                parameters = start(n_x, n_h, n_y, rng)
            A1, cache1 = ref.linear_activation_forward(
                X, parameters["W1"], parameters["b1"], "relu"
            )
            A2, cache2 = ref.linear_activation_forward(
                A1, parameters["W2"], parameters["b2"], "sigmoid"
            )
            cost = ref.compute_cost(A2, Y)
            dA2 = -sign * (np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
            dA2 = dA2 / Y.shape[1] if dA_over_m else dA2
            dA2 = A2 - Y if dZ2_as_dA2 else dA2
            dA1, dW2, db2 = ref.linear_activation_backward(dA2, cache2, "sigmoid")
            _, dW1, db1 = ref.linear_activation_backward(dA1, cache1, "relu")
            grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
            updated = ref.update_parameters(parameters, grads, rate or learning_rate)
            parameters = updated if assign else parameters
            if late:
                cost = ref.compute_cost(ref.L_model_forward(X, parameters)[0], Y)
            if i % every == 0:
                costs.append(cost)
        costs = np.array(costs) if array else costs
        return (costs, parameters) if swap else (parameters, costs)

    return two_layer_model


def learner_L_layer(
    *, rate=None, assign=True, deep=True, seed=True, every=1, swap=False, late=False
):
    """An L-layer model written the way a learner would, with optional mistakes."""

    def L_layer_model(
        X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, rng=None
    ):
        rng = np.random.default_rng(rng) if seed else None
        if deep:
            parameters = ref.initialize_parameters_deep(layers_dims, rng)
        else:
            parameters = ref.initialize_parameters(*layers_dims, rng)
        costs = []
        for i in range(num_iterations):
            AL, caches = ref.L_model_forward(X, parameters)
            cost = ref.compute_cost(AL, Y)
            grads = ref.L_model_backward(AL, Y, caches)
            updated = ref.update_parameters(parameters, grads, rate or learning_rate)
            parameters = updated if assign else parameters
            if late:
                cost = ref.compute_cost(ref.L_model_forward(X, parameters)[0], Y)
            if print_cost and i % 100 == 0:
                print(i, cost)
            if i % every == 0:
                costs.append(np.float64(cost))
        return [tuple(costs), parameters] if swap else [parameters, tuple(costs)]

    return L_layer_model


@pytest.mark.parametrize(
    "candidate",
    [ref.two_layer_model, learner_two_layer(), learner_two_layer(array=True)],
    ids=["reference", "learner", "costs-array"],
)
def test_two_layer_model_accepts_correct_answers(candidate):
    passes("two_layer_model", candidate)


@pytest.mark.parametrize("candidate", [ref.L_layer_model, learner_L_layer()])
def test_L_layer_model_accepts_correct_answers(candidate):
    passes("L_layer_model", candidate)


MODEL_MISTAKES = [
    (dict(assign=False), ["never change", "parameters = update_parameters"]),
    (dict(rate=0.0075), ["learning_rate is ignored"]),
    (dict(seed=False), ["same rng", "rng"]),
    (dict(every=100), ["every iteration", "not only every 100th"]),
    (dict(swap=True), ["return (parameters, costs), in that order"]),
    (dict(late=True), ["one iteration late", "before updating"]),
]


@pytest.mark.parametrize(("flags", "words"), MODEL_MISTAKES, ids=lambda x: str(x))
def test_model_mistakes(flags, words):
    fails_with("two_layer_model", learner_two_layer(**flags), *words)
    fails_with("L_layer_model", learner_L_layer(**flags), *words)


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (dict(reinit=True), ["initialize once"]),
        (dict(sign=-1), ["cost goes up", "sign"]),
        (dict(dA_over_m=True), ["m times too small", "do not divide dA2 by m"]),
        (dict(deep=True), ["starts from initialize_parameters(n_x, n_h, n_y, rng)"]),
    ],
    ids=str,
)
def test_two_layer_model_mistakes(flags, words):
    fails_with("two_layer_model", learner_two_layer(**flags), *words)


def test_two_layer_model_tells_dZ2_from_a_step_divided_by_m():
    result = fails_with(
        "two_layer_model",
        learner_two_layer(dZ2_as_dA2=True),
        "A2 - Y, which is dZ2",
        "derivative a second time",
    )
    assert "m times" not in result.messages[0]
    result = fails_with("two_layer_model", learner_two_layer(dA_over_m=True), "m times too small")
    assert "dZ2" not in result.messages[0]


def test_L_layer_model_with_the_shallow_start():
    fails_with(
        "L_layer_model",
        learner_L_layer(deep=False),
        "starts from initialize_parameters_deep(layers_dims, rng)",
    )


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda X, Y, dims, lr, n, p, rng: None, ["None"]),
        (lambda X, Y, dims, lr, n, p, rng: ref.initialize_parameters_deep(dims, rng), ["tuple"]),
        (
            lambda X, Y, dims, lr, n, p, rng: (ref.initialize_parameters_deep(dims, rng), None),
            ["costs is None"],
        ),
        (lambda X, Y, dims, lr, n, p, rng: ({}, []), ["missing keys"]),
        (lambda *args: [][1], ["IndexError"]),
    ],
)
def test_models_misbehaving(candidate, words):
    fails_with("L_layer_model", candidate, *words)


def test_model_nan_costs():
    def nan_costs(X, Y, dims, lr, n, p, rng):
        parameters, costs = ref.L_layer_model(X, Y, dims, lr, n, p, rng, progress=False)
        return parameters, [np.nan] * n

    fails_with("L_layer_model", nan_costs, "NaN")


# --- L2 regularization ------------------------------------------------------------------


def l2_cost_loop(AL, Y, parameters, lambd):
    m = Y.shape[1]
    L = len(parameters) // 2
    total = 0.0
    for l in range(1, L + 1):
        total += np.linalg.norm(parameters["W" + str(l)]) ** 2
    return ref.compute_cost(AL, Y) + lambd / (2 * m) * total


def l2_cost_einsum(AL, Y, parameters, lambd):
    m = Y.shape[1]
    squares = sum(np.einsum("ij,ij->", W, W) for k, W in parameters.items() if k.startswith("W"))
    return float(ref.compute_cost(AL, Y) + (lambd / m) * squares / 2)


def l2_cost_variant(cross_entropy=1.0, factor=0.5, power=2, prefixes="W", layers=None):
    def compute_cost_with_regularization(AL, Y, parameters, lambd):
        m = Y.shape[1]
        keys = [k for k in parameters if k[0] in prefixes]
        if layers == "last":
            keys = keys[-1:]
        elif layers == "first":
            keys = keys[:1]
        squares = sum(np.sum(np.abs(parameters[k]) ** power) for k in keys)
        return cross_entropy * ref.compute_cost(AL, Y) + factor * lambd / m * squares

    return compute_cost_with_regularization


def l2_cost_not_squared(AL, Y, parameters, lambd):
    norms = sum(np.linalg.norm(W) for k, W in parameters.items() if k[0] == "W")
    return ref.compute_cost(AL, Y) + lambd / (2 * Y.shape[1]) * norms


@pytest.mark.parametrize(
    "candidate",
    [ref.compute_cost_with_regularization, l2_cost_loop, l2_cost_einsum, l2_cost_variant()],
)
def test_regularized_cost_accepts_correct_answers(candidate):
    passes("compute_cost_with_regularization", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (l2_cost_variant(cross_entropy=0), ["cross-entropy is missing"]),
        (l2_cost_variant(factor=1), ["twice too big"]),
        (l2_cost_variant(factor=-0.5), ["subtracted"]),
        (l2_cost_variant(prefixes="Wb"), ["biases"]),
        (l2_cost_variant(power=1), ["L1 penalty"]),
        (l2_cost_not_squared, ["not squared"]),
        (l2_cost_variant(layers="last"), ["only the last layer"]),
        (l2_cost_variant(layers="first"), ["only the first layer"]),
        (
            lambda AL, Y, p, lambd: ref.compute_cost(AL, Y) + lambd / 2 * np.sum(p["W1"] ** 2),
            ["the cost is"],
        ),
        (lambda AL, Y, p, lambd: np.array([[ref.compute_cost(AL, Y)]]), ["should be a number"]),
        (lambda AL, Y, p, lambd: None, ["None"]),
    ],
)
def test_regularized_cost_names_mistakes(candidate, words):
    fails_with("compute_cost_with_regularization", candidate, *words)


def l2_backward_variant(factor=1.0, biases=False, drop_dA=False, in_place=False):
    def L_model_backward_with_regularization(AL, Y, caches, lambd):
        m = Y.shape[1]
        grads = ref.L_model_backward(AL, Y, caches)
        for l in range(1, len(caches) + 1):
            (_, W, b), _ = caches[l - 1]
            if in_place:
                W += 0
                W *= 1.0 + 1e-3
            grads["dW" + str(l)] = grads["dW" + str(l)] + factor * lambd / m * W
            if biases:
                grads["db" + str(l)] = grads["db" + str(l)] + lambd / m * b
        if drop_dA:
            grads = {k: v for k, v in grads.items() if not k.startswith("dA")}
        return grads

    return L_model_backward_with_regularization


@pytest.mark.parametrize(
    "candidate",
    [
        ref.L_model_backward_with_regularization,
        l2_backward_variant(),
        l2_backward_variant(drop_dA=True),
    ],
)
def test_regularized_backward_accepts_correct_answers(candidate):
    passes("L_model_backward_with_regularization", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (l2_backward_variant(factor=0), ["lacks the L2 term"]),
        (l2_backward_variant(factor=0.5), ["half what it should be"]),
        (l2_backward_variant(factor=2), ["twice too big"]),
        (l2_backward_variant(factor=-1), ["wrong sign"]),
        (l2_backward_variant(biases=True), ["biases are not regularized"]),
        (l2_backward_variant(in_place=True), ["changed its argument `caches`"]),
        (lambda AL, Y, caches, lambd: [], ["dict"]),
        (lambda AL, Y, caches, lambd: {"dW1": 0}, ["missing keys"]),
    ],
)
def test_regularized_backward_names_mistakes(candidate, words):
    fails_with("L_model_backward_with_regularization", candidate, *words)


def test_regularized_backward_without_m():
    def no_m(AL, Y, caches, lambd):
        grads = ref.L_model_backward(AL, Y, caches)
        for l, ((_, W, _), _) in enumerate(caches, start=1):
            grads[f"dW{l}"] = grads[f"dW{l}"] + lambd * W
        return grads

    fails_with("L_model_backward_with_regularization", no_m, "not divided by m")


# --- the regularization's arithmetic -------------------------------------------------


def l2_cost_with(term):
    """compute_cost_with_regularization whose L2 term is ``term(lambd, m, weights)``."""

    def compute_cost_with_regularization(AL, Y, parameters, lambd):
        weights = [W for k, W in parameters.items() if k[0] == "W"]
        return ref.compute_cost(AL, Y) + term(lambd, Y.shape[1], weights)

    return compute_cost_with_regularization


def l2_backward_with(term):
    """L_model_backward_with_regularization whose dW{l} gains ``term(lambd, m, W)``."""

    def L_model_backward_with_regularization(AL, Y, caches, lambd):
        grads = ref.L_model_backward(AL, Y, caches)
        for l, ((_, W, _), _) in enumerate(caches, start=1):
            grads[f"dW{l}"] = grads[f"dW{l}"] + term(lambd, Y.shape[1], W)
        return grads

    return L_model_backward_with_regularization


@pytest.mark.parametrize(
    ("term", "words"),
    [
        (
            lambda lambd, m, Ws: lambd // (2 * m) * sum(np.sum(np.square(W)) for W in Ws),
            ["integer division", "lambd // (2 * m)", "dividing with /"],
        ),
        (
            lambda lambd, m, Ws: 1 // m * lambd / 2 * sum(np.sum(np.square(W)) for W in Ws),
            ["integer division", "1 // m"],
        ),
        (
            lambda lambd, m, Ws: lambd * sum(np.sum(np.square(W)) for W in Ws) // (2 * m),
            ["rounded down", "floor division"],
        ),
        (
            lambda lambd, m, Ws: lambd / (2 * m) * sum(np.sum(W) ** 2 for W in Ws),
            ["square of the sum", "np.sum(np.square(W))"],
        ),
        (
            lambda lambd, m, Ws: lambd / (2 * m) * sum(np.sum(W) for W in Ws) ** 2,
            ["square of the sum of all weights"],
        ),
    ],
    ids=["lambd // (2m)", "1 // m", "product // (2m)", "square of each sum", "square of the total"],
)
def test_regularized_cost_arithmetic_is_named(term, words):
    fails_with("compute_cost_with_regularization", l2_cost_with(term), *words)


@pytest.mark.parametrize(
    ("term", "words"),
    [
        (lambda lambd, m, W: lambd // m * W, ["integer division", "lambd // m", "dividing with /"]),
        (lambda lambd, m, W: (lambd * W) // m, ["rounded down", "floor division"]),
    ],
    ids=["lambd // m", "product // m"],
)
def test_regularized_backward_arithmetic_is_named(term, words):
    fails_with("L_model_backward_with_regularization", l2_backward_with(term), *words)


# --- dropout ----------------------------------------------------------------------------


def test_dropout_reference_keeps_the_expected_activation_and_float32():
    rng = np.random.default_rng(0)
    A = rng.uniform(1, 2, size=(200, 500)).astype(np.float32)
    A_dropped, mask = ref.dropout_forward(A, 0.8, rng)
    assert A_dropped.dtype == np.float32 and mask.shape == A.shape
    assert abs(mask.mean() - 0.8) < 0.01
    assert abs(A_dropped.mean() / A.mean() - 1) < 0.01
    np.testing.assert_array_equal(A_dropped == 0, ~mask)
    dA = ref.dropout_backward(A, mask, 0.8)
    np.testing.assert_allclose(dA, A_dropped)


def test_dropout_backward_matches_numerical_gradient():
    X, Y, parameters = small_network(dims=(3, 5, 4, 1), m=6)
    keep_prob, epsilon = 0.7, 1e-6
    _, _, masks = ref.L_model_forward_with_dropout(X, parameters, keep_prob, 3)

    def cost(params):
        A = X
        for l in (1, 2):
            A, _ = ref.linear_activation_forward(A, params[f"W{l}"], params[f"b{l}"], "relu")
            A = A * masks[l - 1] / keep_prob
        AL, _ = ref.linear_activation_forward(A, params["W3"], params["b3"], "sigmoid")
        return ref.compute_cost(AL, Y)

    AL, caches, again = ref.L_model_forward_with_dropout(X, parameters, keep_prob, 3)
    assert all(np.array_equal(a, b) for a, b in zip(masks, again, strict=True))
    grads = ref.L_model_backward_with_dropout(AL, Y, caches, masks, keep_prob)
    assert_centered_differences(grads, cost, parameters, epsilon)


def test_dropout_test_mode_is_the_plain_forward_pass():
    X, _, parameters = small_network()
    AL, caches, masks = ref.L_model_forward_with_dropout(X, parameters, 0.8, 0, training=False)
    assert masks == [] and len(caches) == 3
    np.testing.assert_array_equal(AL, ref.L_model_forward(X, parameters)[0])


def test_dropout_training_reduces_overfitting_on_the_lesson_setup():
    X, Y = load_planar(m=200)
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_fraction=0.5)
    start = ref.initialize_parameters_deep([2, 40, 40, 1], 0)
    plain, _ = ref.gradient_descent(X_train, Y_train, start, 0.3, 600, progress=False)
    dropped, costs = ref.gradient_descent_with_dropout(
        X_train, Y_train, start, 0.3, 600, keep_prob=0.7, rng=0, progress=False
    )
    assert len(costs) == 600 and costs[-1] < costs[0]
    gap = [
        ref.accuracy(X_train, Y_train, p) - ref.accuracy(X_test, Y_test, p)
        for p in (plain, dropped)
    ]
    assert gap[1] < gap[0]


# dropout_forward


def dropout_with(mask_of, scale_of=lambda keep_prob: 1 / keep_prob):
    """A dropout_forward whose mask is mask_of(A, keep_prob, rng) and scale scale_of(keep_prob)."""

    def dropout_forward(A, keep_prob, rng):
        mask = mask_of(A, keep_prob, rng)
        return A * mask * np.asarray(scale_of(keep_prob), dtype=A.dtype), mask

    return dropout_forward


def right_mask(A, keep_prob, rng):
    return rng.random(A.shape) < keep_prob


def binomial_forward(A, keep_prob, rng):
    mask = rng.binomial(1, keep_prob, size=A.shape)
    return np.where(mask == 1, A / A.dtype.type(keep_prob), 0).astype(A.dtype), mask


def uniform_forward(A, keep_prob, rng):
    D = (rng.uniform(0, 1, A.shape) < keep_prob).astype(A.dtype)
    A = np.multiply(A, D)
    A = A / keep_prob
    return A.astype(D.dtype), D


@pytest.mark.parametrize(
    "candidate", [ref.dropout_forward, dropout_with(right_mask), binomial_forward, uniform_forward]
)
def test_dropout_forward_accepts_correct_answers(candidate):
    passes("dropout_forward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (dropout_with(right_mask, lambda p: 1), ["not divided by keep_prob", "expected value"]),
        (dropout_with(right_mask, lambda p: p), ["multiplied by keep_prob", "divide"]),
        (dropout_with(right_mask, lambda p: 1 / (1 - p)), ["1 - keep_prob", "divide by keep_prob"]),
        (
            dropout_with(lambda A, p, rng: rng.random(A.shape) > p),
            ["probability 1 - keep_prob", "rng.random(A.shape) < keep_prob"],
        ),
        (
            dropout_with(lambda A, p, rng: rng.random(A.shape) < p / 2),
            ["expected about", "rng.random(A.shape) < keep_prob"],
        ),
        (
            dropout_with(lambda A, p, rng: np.random.default_rng().random(A.shape) < p),
            ["same seed gave different masks", "`rng` argument"],
        ),
        (
            dropout_with(lambda A, p, rng: np.random.default_rng(0).random(A.shape) < p),
            ["different seeds gave the same mask", "fixed seed"],
        ),
        (
            dropout_with(lambda A, p, rng: rng.random((A.shape[0], 1)) < p),
            ["draw one number per entry"],
        ),
        (
            dropout_with(lambda A, p, rng: (rng.random(A.shape) < p) / p),
            ["only 0s and 1s", "not the mask"],
        ),
        (lambda A, p, rng: (A / p, right_mask(A, p, rng)), ["mask is not applied"]),
        (
            lambda A, p, rng: (lambda m: (A * ~m / p, m))(right_mask(A, p, rng)),
            ["keeps the entries the mask drops"],
        ),
        (lambda A, p, rng: A * right_mask(A, p, rng) / p, ["tuple of 2", "A_dropped, mask"]),
        (lambda A, p, rng: (A * 0, None), ["None", "return the mask"]),
        (
            lambda A, p, rng: (lambda m: ((A * m / p).astype(np.float64), m))(
                right_mask(A, p, rng)
            ),
            ["float32"],
        ),
    ],
)
def test_dropout_forward_names_mistakes(candidate, words):
    fails_with("dropout_forward", candidate, *words)


def test_dropout_forward_in_place_is_named():
    def in_place(A, keep_prob, rng):
        mask = rng.random(A.shape) < keep_prob
        A *= mask
        A /= keep_prob
        return A, mask

    fails_with("dropout_forward", in_place, "changed its argument `A`")


# dropout_backward


def backward_with(scale_of=lambda p: 1 / p, flip=False):
    def dropout_backward(dA, mask, keep_prob):
        kept = ~np.asarray(mask, dtype=bool) if flip else mask
        return dA * kept * np.asarray(scale_of(keep_prob), dtype=dA.dtype)

    return dropout_backward


def backward_where(dA, mask, keep_prob):
    return np.where(mask.astype(bool), dA / np.float32(keep_prob), 0).astype(dA.dtype)


def backward_redrawn(dA, mask, keep_prob):
    fresh = np.random.default_rng().random(dA.shape) < keep_prob
    return dA * fresh / np.asarray(keep_prob, dtype=dA.dtype)


def backward_seeded(dA, mask, keep_prob):
    fresh = np.random.default_rng(1).random(dA.shape) < keep_prob
    return dA * fresh / np.asarray(keep_prob, dtype=dA.dtype)


@pytest.mark.parametrize("candidate", [ref.dropout_backward, backward_with(), backward_where])
def test_dropout_backward_accepts_correct_answers(candidate):
    passes("dropout_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (backward_with(lambda p: 1), ["not divided by keep_prob"]),
        (backward_with(lambda p: p), ["multiplied by keep_prob"]),
        (backward_with(flip=True), ["dropped entries instead of the kept"]),
        (lambda dA, mask, p: dA / p, ["mask is not applied", "gradient is 0"]),
        (lambda dA, mask, p: dA, ["unchanged"]),
        (backward_redrawn, ["different results", "not draw a new one"]),
        (backward_seeded, ["different mask than the one given", "not draw a new one"]),
        (lambda dA, mask, p: None, ["None"]),
    ],
)
def test_dropout_backward_names_mistakes(candidate, words):
    fails_with("dropout_backward", candidate, *words)


# L_model_forward_with_dropout


def plain_caches(X, parameters, keep_prob, rng, training=True):
    AL, _, masks = ref.L_model_forward_with_dropout(X, parameters, keep_prob, rng, training)
    return AL, ref.L_model_forward(X, parameters)[1], masks


def forward_dropout(keep_layers="hidden", scale="inverted", test_scale=None, test_drops=False):
    """An L_model_forward_with_dropout with one slip, named by its arguments."""

    def forward(X, parameters, keep_prob, rng, training=True):
        L = len(parameters) // 2
        A, caches, masks = X, [], []
        dropping = training or test_drops
        if keep_layers == "input" and dropping:
            mask = rng.random(A.shape) < keep_prob
            A = A * mask / keep_prob
            masks.append(mask)
        for l in range(1, L + 1):
            activation = "relu" if l < L else "sigmoid"
            A, cache = ref.linear_activation_forward(
                A, parameters[f"W{l}"], parameters[f"b{l}"], activation
            )
            hidden = l < L or keep_layers == "output"
            if dropping and hidden:
                mask = rng.random(A.shape) < keep_prob
                factor = {"inverted": 1 / keep_prob, "none": 1, "times": keep_prob}[scale]
                A = A * mask * A.dtype.type(factor)
                masks.append(mask)
            elif not training and test_scale and l < L:
                A = A * A.dtype.type(test_scale(keep_prob))
            caches.append(cache)
        return A, caches, masks

    return forward


def forward_own_dropout(X, parameters, keep_prob, rng, training=True):
    """Written with the learner's dropout_forward and a loop over l, masks as a tuple."""
    L = len(parameters) // 2
    A, caches, masks = X, [], ()
    for l in range(1, L):
        A, cache = ref.linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], "relu"
        )
        caches.append(cache)
        if training:
            A, D = ref.dropout_forward(A, keep_prob, rng)
            masks += (D.astype(A.dtype),)
    AL, cache = ref.linear_activation_forward(
        A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid"
    )
    return AL, [*caches, cache], masks


@pytest.mark.parametrize(
    "candidate", [ref.L_model_forward_with_dropout, forward_dropout(), forward_own_dropout]
)
def test_forward_with_dropout_accepts_correct_answers(candidate):
    passes("L_model_forward_with_dropout", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (forward_dropout(scale="none"), ["not divided by keep_prob", "expected value"]),
        (forward_dropout(scale="times"), ["multiplied by keep_prob"]),
        (forward_dropout(keep_layers="output"), ["mask for the output layer", "hidden"]),
        (forward_dropout(keep_layers="input"), ["input X is dropped"]),
        (forward_dropout(test_scale=lambda p: p), ["test mode", "non-inverted", "plain forward"]),
        (forward_dropout(test_scale=lambda p: 1 / p), ["test mode", "divided by keep_prob"]),
        (forward_dropout(test_drops=True), ["test mode gives the training output"]),
        (plain_caches, ["cache does not hold the dropped A1"]),
        (
            lambda X, parameters, p, rng, training=True: (*ref.L_model_forward(X, parameters), []),
            ["masks has 0 entries", "one mask per hidden layer"],
        ),
        (
            lambda X, parameters, p, rng, training=True: ref.L_model_forward(X, parameters),
            ["tuple of 3", "AL, caches, masks"],
        ),
    ],
)
def test_forward_with_dropout_names_mistakes(candidate, words):
    fails_with("L_model_forward_with_dropout", candidate, *words)


def test_forward_with_dropout_from_np_random_is_named():
    def global_random(X, parameters, keep_prob, rng, training=True):
        return ref.L_model_forward_with_dropout(
            X, parameters, keep_prob, np.random.default_rng(), training
        )

    fails_with("L_model_forward_with_dropout", global_random, "same seed gave different masks")


def test_forward_with_dropped_output_and_no_mask_is_named():
    def hidden_output_drop(X, parameters, keep_prob, rng, training=True):
        AL, caches, masks = ref.L_model_forward_with_dropout(
            X, parameters, keep_prob, rng, training
        )
        if training:
            AL = AL * (rng.random(AL.shape) < keep_prob) / keep_prob
        return AL, caches, masks

    fails_with("L_model_forward_with_dropout", hidden_output_drop, "output layer was dropped")

"""The lesson-06 checkers: right answers pass, typical mistakes fail with their diagnosis."""

import copy

import matplotlib
import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.checks import run_check
from nnutils.plot import plot_optimization_paths
from tests.checking import fails_with, passes


def layers(parameters):
    return range(1, len(parameters) // 2 + 1)


def raises(*args):
    raise ValueError("boom")


MISBEHAVING = {
    "raises": raises,
    "returns None": lambda *args: None,
    "returns a string": lambda *args: "done",
    "returns NaN": lambda *args: float("nan"),
    "not a function": 3,
}

EXERCISES = [
    "update_parameters",
    "random_mini_batches",
    "initialize_velocity",
    "update_parameters_with_momentum",
    "initialize_adam",
    "update_parameters_with_adam",
]


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_passes(exercise_id):
    passes(exercise_id, getattr(ref, exercise_id))


@pytest.mark.parametrize("exercise_id", EXERCISES)
@pytest.mark.parametrize("answer", MISBEHAVING.values(), ids=MISBEHAVING.keys())
def test_misbehaving_answers_fail_cleanly(exercise_id, answer):
    result = run_check(exercise_id, answer, seed=0)
    assert not result.passed
    assert result.messages and all(isinstance(m, str) for m in result.messages)


def test_returning_nan_arrays_fails():
    def nan_update(parameters, grads, learning_rate):
        return {key: P * np.nan for key, P in parameters.items()}

    fails_with("update_parameters", nan_update, "NaN")


# --- update_parameters ----------------------------------------------------------------------


def update_in_place(parameters, grads, learning_rate):
    for l in layers(parameters):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] -= learning_rate * grads["db" + str(l)]
    return parameters


def update_copy(parameters, grads, learning_rate):
    parameters = copy.deepcopy(parameters)
    for key in parameters:
        parameters[key] = parameters[key] - np.multiply(learning_rate, grads["d" + key])
    return parameters


def update_over_grads(parameters, grads, learning_rate):
    new = dict(parameters)
    for key, dP in grads.items():
        if not key.startswith("dA"):
            new[key[1:]] = new[key[1:]] - learning_rate * dP
    return new


@pytest.mark.parametrize("answer", [update_in_place, update_copy, update_over_grads])
def test_update_parameters_alternatives_pass(answer):
    passes("update_parameters", answer)


def wrong_update(step):
    """update_parameters whose new value is step(parameters, grads, learning_rate, key, l)."""

    def answer(parameters, grads, learning_rate):
        new = {}
        for l in layers(parameters):
            for p in "Wb":
                new[f"{p}{l}"] = step(parameters, grads, learning_rate, p, l)
        return new

    return answer


def _right(parameters, grads, lr, p, l):
    return parameters[f"{p}{l}"] - lr * grads[f"d{p}{l}"]


UPDATE_MISTAKES = {
    "plus": (
        wrong_update(lambda P, g, lr, p, l: P[f"{p}{l}"] + lr * g[f"d{p}{l}"]),
        "uphill",
    ),
    "no learning rate": (
        wrong_update(lambda P, g, lr, p, l: P[f"{p}{l}"] - g[f"d{p}{l}"]),
        "learning rate is missing",
    ),
    "bias not updated": (
        wrong_update(lambda P, g, lr, p, l: _right(P, g, lr, p, l) if p == "W" else P[f"b{l}"]),
        "biases b were not updated",
    ),
    "W with db": (
        wrong_update(
            lambda P, g, lr, p, l: P[f"{p}{l}"] - lr * g[f"d{'b' if p == 'W' else 'W'}{l}"]
        ),
        "mixed up",
    ),
}


@pytest.mark.parametrize(("answer", "words"), UPDATE_MISTAKES.values(), ids=UPDATE_MISTAKES.keys())
def test_update_parameters_mistakes(answer, words):
    fails_with("update_parameters", answer, words)


def only_last_layer(parameters, grads, learning_rate):
    parameters = dict(parameters)
    L = len(parameters) // 2
    parameters[f"W{L}"] = parameters[f"W{L}"] - learning_rate * grads[f"dW{L}"]
    parameters[f"b{L}"] = parameters[f"b{L}"] - learning_rate * grads[f"db{L}"]
    return parameters


def last_layer_skipped(parameters, grads, learning_rate):
    parameters = dict(parameters)
    L = len(parameters) // 2
    for l in range(1, L):
        parameters[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return parameters


def loop_from_zero(parameters, grads, learning_rate):
    parameters = dict(parameters)
    for l in range(len(parameters) // 2):
        parameters[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
    return parameters


def mutates_grads(parameters, grads, learning_rate):
    for key in parameters:
        grads["d" + key] *= learning_rate
    return {key: P - grads["d" + key] for key, P in parameters.items()}


def test_update_parameters_layer_mistakes():
    fails_with("update_parameters", only_last_layer, "only the last layer")
    fails_with("update_parameters", last_layer_skipped, "last layer", "range(1, L + 1)")
    fails_with("update_parameters", loop_from_zero, "KeyError", "range(1, L + 1)")
    fails_with("update_parameters", mutates_grads, "changed its argument `grads`")


# --- random_mini_batches --------------------------------------------------------------------


def batches_with_loop(X, Y, mini_batch_size=64, rng=None):
    rng = np.random.default_rng(rng)
    m = X.shape[1]
    permutation = list(rng.permutation(m))
    X_shuffled, Y_shuffled = X[:, permutation], Y[:, permutation]
    batches = []
    for k in range(m // mini_batch_size):
        part = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        batches.append((X_shuffled[:, part], Y_shuffled[:, part]))
    if m % mini_batch_size != 0:
        start = m // mini_batch_size * mini_batch_size
        batches.append((X_shuffled[:, start:], Y_shuffled[:, start:]))
    return batches


def batches_with_shuffle(X, Y, mini_batch_size=64, rng=None):
    rng = np.random.default_rng(rng)
    order = np.arange(X.shape[1])
    rng.shuffle(order)
    cuts = range(mini_batch_size, X.shape[1], mini_batch_size)
    return list(
        zip(np.split(X[:, order], cuts, axis=1), np.split(Y[:, order], cuts, axis=1), strict=True)
    )


def batches_with_choice(X, Y, mini_batch_size=64, rng=None):
    rng = np.random.default_rng(rng)
    m = X.shape[1]
    order = rng.choice(m, size=m, replace=False)
    return tuple(
        [
            X.take(order[k : k + mini_batch_size], axis=1),
            Y.take(order[k : k + mini_batch_size], axis=1),
        ]
        for k in range(0, m, mini_batch_size)
    )


@pytest.mark.parametrize("answer", [batches_with_loop, batches_with_shuffle, batches_with_choice])
def test_random_mini_batches_alternatives_pass(answer):
    passes("random_mini_batches", answer)


def cut(X, Y, order, size, count=None):
    """Consecutive slices of the columns in ``order``; ``count`` batches (all by default)."""
    m = X.shape[1]
    count = -(-m // size) if count is None else count
    return [
        (X[:, order[k * size : (k + 1) * size]], Y[:, order[k * size : (k + 1) * size]])
        for k in range(count)
    ]


def two_permutations(X, Y, mini_batch_size=64, rng=None):
    rng = np.random.default_rng(rng)
    m = X.shape[1]
    X, Y = X[:, rng.permutation(m)], Y[:, rng.permutation(m)]
    return cut(X, Y, np.arange(m), mini_batch_size)


def last_dropped(X, Y, mini_batch_size=64, rng=None):
    order = np.random.default_rng(rng).permutation(X.shape[1])
    return cut(X, Y, order, mini_batch_size, X.shape[1] // mini_batch_size)


def extra_empty(X, Y, mini_batch_size=64, rng=None):
    order = np.random.default_rng(rng).permutation(X.shape[1])
    return cut(X, Y, order, mini_batch_size, X.shape[1] // mini_batch_size + 1)


def rows_shuffled(X, Y, mini_batch_size=64, rng=None):
    rng = np.random.default_rng(rng)
    X = X[rng.permutation(X.shape[0])]
    return cut(X, Y, rng.permutation(X.shape[1]), mini_batch_size)


def rows_indexed(X, Y, mini_batch_size=64, rng=None):
    order = np.random.default_rng(rng).permutation(X.shape[1])
    return cut(X[order], Y[:, order], np.arange(X.shape[1]), mini_batch_size)


def global_random(X, Y, mini_batch_size=64, rng=None):
    return cut(X, Y, np.random.permutation(X.shape[1]), mini_batch_size)  # noqa: NPY002


def own_seed(X, Y, mini_batch_size=64, rng=None):
    return cut(X, Y, np.random.default_rng(0).permutation(X.shape[1]), mini_batch_size)


def not_shuffled(X, Y, mini_batch_size=64, rng=None):
    return cut(X, Y, np.arange(X.shape[1]), mini_batch_size)


def generator_only(X, Y, mini_batch_size=64, rng=None):
    return cut(X, Y, rng.permutation(X.shape[1]), mini_batch_size)


def flat_labels(X, Y, mini_batch_size=64, rng=None):
    order = np.random.default_rng(rng).permutation(X.shape[1])
    return [(Xb, Yb.ravel()) for Xb, Yb in cut(X, Y, order, mini_batch_size)]


def some_twice(X, Y, mini_batch_size=64, rng=None):
    order = np.random.default_rng(rng).integers(0, X.shape[1], X.shape[1])
    return cut(X, Y, order, mini_batch_size)


def as_generator(X, Y, mini_batch_size=64, rng=None):
    return iter(ref.random_mini_batches(X, Y, mini_batch_size, rng))


BATCH_MISTAKES = {
    "two permutations": (two_permutations, "shuffled differently"),
    "last dropped": (last_dropped, "smaller mini-batch", "missing"),
    "extra empty": (extra_empty, "empty mini-batch"),
    "features shuffled": (rows_shuffled, "rows shuffled"),
    "rows indexed": (rows_indexed, "IndexError", "X[:, permutation]"),
    "np.random": (global_random, "same rng gave two different shuffles"),
    "own seed": (own_seed, "different rngs gave the same shuffle"),
    "not shuffled": (not_shuffled, "original order"),
    "generator only": (generator_only, "AttributeError"),
    "flat labels": (flat_labels, "Y has shape"),
    "some twice": (some_twice, "appear twice"),
    "an iterator": (as_generator, "should return a list"),
}


@pytest.mark.parametrize(
    ("answer", "words"), [(a, w) for a, *w in BATCH_MISTAKES.values()], ids=BATCH_MISTAKES.keys()
)
def test_random_mini_batches_mistakes(answer, words):
    fails_with("random_mini_batches", answer, *words)


def shuffles_in_place(X, Y, mini_batch_size=64, rng=None):
    rng = np.random.default_rng(rng)
    order = rng.permutation(X.shape[1])
    X[:] = X[:, order]
    Y[:] = Y[:, order]
    return cut(X, Y, np.arange(X.shape[1]), mini_batch_size)


def textbook_reshape(X, Y, mini_batch_size=64, rng=None, rows=1):
    """The seed tutorial's shuffle, Y[:, permutation].reshape((rows, m))."""
    m = X.shape[1]
    permutation = np.random.default_rng(rng).permutation(m)
    Y_shuffled = Y[:, permutation].reshape((rows or Y.shape[0], m))
    return cut(X[:, permutation], Y_shuffled, np.arange(m), mini_batch_size)


def test_random_mini_batches_with_labels_of_several_rows():
    result = fails_with(
        "random_mini_batches",
        textbook_reshape,
        "raised ValueError",
        "several rows",
        "Y[:, permutation]",
    )
    assert "(here 2)" in result.messages[0]
    passes("random_mini_batches", lambda *args: textbook_reshape(*args, rows=None))


def test_shuffling_the_input_in_place_fails():
    fails_with("random_mini_batches", shuffles_in_place, "changed its argument `X`")


# --- momentum -------------------------------------------------------------------------------


def velocity_loop(parameters):
    v = {}
    for l in layers(parameters):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape, parameters["W" + str(l)].dtype)
        v["db" + str(l)] = np.zeros_like(parameters["b" + str(l)])
    return v


def test_initialize_velocity_alternatives_pass():
    passes("initialize_velocity", velocity_loop)


def keyed_like_parameters(parameters):
    return {k: np.zeros_like(P) for k, P in parameters.items()}


def only_weights(parameters):
    return {f"d{k}": np.zeros_like(P) for k, P in parameters.items() if k[0] == "W"}


def empty_slices(parameters):
    return {f"d{k}": P[:0] for k, P in parameters.items()}


def ones(parameters):
    return {f"d{k}": np.ones_like(P) for k, P in parameters.items()}


def test_initialize_velocity_mistakes():
    fails_with("initialize_velocity", keyed_like_parameters, "like the gradients", "dW1")
    fails_with("initialize_velocity", only_weights, "missing keys", "db1")
    fails_with("initialize_velocity", empty_slices, "has shape")
    fails_with("initialize_velocity", ones, "wrong values")


def test_initialize_velocity_with_one_column():
    result = fails_with(
        "initialize_velocity",
        lambda parameters: {f"d{k}": np.zeros((len(P), 1)) for k, P in parameters.items()},
        "expected (3, 2)",
        "shape of its parameter",
        "np.zeros_like(parameters['W1'])",
    )
    assert "example" not in result.messages[0]


def momentum_in_place(parameters, grads, v, beta, learning_rate):
    for l in layers(parameters):
        for p in ("W", "b"):
            v[f"d{p}{l}"] = beta * v[f"d{p}{l}"] + (1 - beta) * grads[f"d{p}{l}"]
            parameters[f"{p}{l}"] -= learning_rate * v[f"d{p}{l}"]
    return parameters, v


def momentum_arrays_in_place(parameters, grads, v, beta, learning_rate):
    new = {}
    for key in parameters:
        v["d" + key] *= beta
        v["d" + key] += (1 - beta) * grads["d" + key]
        new[key] = parameters[key] - learning_rate * v["d" + key]
    return [new, v]


@pytest.mark.parametrize("answer", [momentum_in_place, momentum_arrays_in_place])
def test_momentum_alternatives_pass(answer):
    passes("update_parameters_with_momentum", answer)


def momentum(velocity, step, returned_v=None):
    """A momentum update with the given velocity and step rules."""

    def answer(parameters, grads, v, beta, learning_rate):
        new_v = {k: velocity(v[k], grads[k], beta) for k in v}
        new = {
            k: step(P, grads["d" + k], new_v["d" + k], learning_rate) for k, P in parameters.items()
        }
        return new, (v if returned_v == "old" else new_v)

    return answer


def _average(v, g, beta):
    return beta * v + (1 - beta) * g


def _step(P, g, v, lr):
    return P - lr * v


MOMENTUM_MISTAKES = {
    "betas swapped": (momentum(lambda v, g, b: (1 - b) * v + b * g, _step), "swapped"),
    "no 1 - beta": (momentum(lambda v, g, b: b * v + g, _step), "(1 - beta) factor is missing"),
    "v not returned": (momentum(_average, _step, "old"), "returned v is the old one"),
    "step with gradient": (momentum(_average, lambda P, g, v, lr: P - lr * g), "uses the gradient"),
    "sign": (momentum(_average, lambda P, g, v, lr: P + lr * v), "uphill"),
    "no learning rate": (momentum(_average, lambda P, g, v, lr: P - v), "learning rate is missing"),
}


@pytest.mark.parametrize(
    ("answer", "words"), MOMENTUM_MISTAKES.values(), ids=MOMENTUM_MISTAKES.keys()
)
def test_momentum_mistakes(answer, words):
    fails_with("update_parameters_with_momentum", answer, words)


def momentum_old_velocity(parameters, grads, v, beta, learning_rate):
    new, new_v = {}, {}
    for key, P in parameters.items():
        new[key] = P - learning_rate * v["d" + key]
        new_v["d" + key] = beta * v["d" + key] + (1 - beta) * grads["d" + key]
    return new, new_v


def test_momentum_step_with_the_old_velocity():
    result = fails_with(
        "update_parameters_with_momentum", momentum_old_velocity, "update v first", "new v"
    )
    assert "unchanged" not in result.messages[0]


# --- Adam -------------------------------------------------------------------------------------


def one_dict_twice(parameters):
    v = velocity_loop(parameters)
    return v, v


def test_initialize_adam_alternatives_and_mistakes():
    passes(
        "initialize_adam", lambda parameters: [velocity_loop(parameters), velocity_loop(parameters)]
    )
    fails_with("initialize_adam", one_dict_twice, "share their arrays")
    fails_with("initialize_adam", velocity_loop, "tuple of 2")


def adam_in_place(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key = f"d{p}{l}"
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            s[key] = beta2 * s[key] + (1 - beta2) * np.square(grads[key])
            v_corrected = v[key] / (1 - beta1**t)
            s_corrected = s[key] / (1 - beta2**t)
            parameters[f"{p}{l}"] = parameters[f"{p}{l}"] - learning_rate * v_corrected / (
                np.sqrt(s_corrected) + epsilon
            )
    return parameters, v, s


def adam(
    v_rule=_average,
    s_rule=lambda s, g, b: b * s + (1 - b) * g**2,
    step=lambda P, v_hat, s_hat, lr, eps: P - lr * v_hat / (np.sqrt(s_hat) + eps),
    correct=lambda t: t,
    store_hat=False,
    defaults=False,
):
    """An Adam update built from the given rules (the right ones by default)."""

    def answer(
        parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8
    ):
        if defaults:
            learning_rate, beta1, beta2, epsilon = 0.001, 0.9, 0.999, 1e-8
        new_v = {k: v_rule(v[k], grads[k], beta1) for k in v}
        new_s = {k: s_rule(s[k], grads[k], beta2) for k in s}
        v_hat = {k: x / (1 - beta1 ** correct(t)) for k, x in new_v.items()}
        s_hat = {k: x / (1 - beta2 ** correct(t)) for k, x in new_s.items()}
        new = {
            k: step(P, v_hat["d" + k], s_hat["d" + k], learning_rate, epsilon)
            for k, P in parameters.items()
        }
        if store_hat:
            return new, v_hat, s_hat
        return new, new_v, new_s

    return answer


def test_float64_moments_and_bias_corrections_break_the_dtype_rule():
    def velocity_float64(parameters):
        return {f"d{key}": np.zeros(P.shape) for key, P in parameters.items()}

    def adam_numpy_power(parameters, grads, v, s, t, *settings):
        beta1 = settings[1] if len(settings) > 1 else 0.9
        new, v, s = adam()(parameters, grads, v, s, t, *settings)
        v = {key: value * np.power(beta1, 0) for key, value in v.items()}  # a NumPy float64
        return new, v, s

    fails_with("initialize_velocity", velocity_float64, "is float64, expected float32", "dtype=")
    fails_with(
        "update_parameters_with_adam", adam_numpy_power, "is float64, expected float32", "np.power"
    )


def test_adam_alternatives_pass():
    passes("update_parameters_with_adam", adam_in_place)
    passes("update_parameters_with_adam", adam())


ADAM_MISTAKES = {
    "no bias correction": (adam(correct=lambda t: np.inf), "bias correction is missing"),
    "t from 0": (adam(correct=lambda t: t - 1), "uses t - 1"),
    "t plus 1": (adam(correct=lambda t: t + 1), "uses t + 1"),
    "epsilon inside": (
        adam(step=lambda P, v, s, lr, eps: P - lr * v / np.sqrt(s + eps)),
        "epsilon is inside the square root",
    ),
    "no sqrt": (
        adam(step=lambda P, v, s, lr, eps: P - lr * v / (s + eps)),
        "square root is missing",
    ),
    "sign": (adam(step=lambda P, v, s, lr, eps: P + lr * v / (np.sqrt(s) + eps)), "uphill"),
    "s with grad": (adam(s_rule=_average), "not its square"),
    "beta1 swapped": (adam(v_rule=lambda v, g, b: (1 - b) * v + b * g), "beta1 and 1 - beta1"),
    "corrected moments returned": (adam(store_hat=True), "bias-corrected"),
    "defaults": (adam(defaults=True), "default hyper-parameters"),
}


@pytest.mark.parametrize(("answer", "words"), ADAM_MISTAKES.values(), ids=ADAM_MISTAKES.keys())
def test_adam_mistakes(answer, words):
    fails_with("update_parameters_with_adam", answer, words)


def adam_efficient_form(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    new_v = {k: beta1 * v[k] + (1 - beta1) * g for k, g in grads.items() if k in v}
    new_s = {k: beta2 * s[k] + (1 - beta2) * g**2 for k, g in grads.items() if k in s}
    rate = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    new = {
        k: P - rate * new_v["d" + k] / (np.sqrt(new_s["d" + k]) + epsilon)
        for k, P in parameters.items()
    }
    return new, new_v, new_s


def test_adam_efficient_form_is_named():
    fails_with(
        "update_parameters_with_adam",
        adam_efficient_form,
        "efficient form",
        "sqrt(s_hat) + epsilon",
    )


def test_adam_epsilon_slips_are_told_apart_by_a_later_case():
    """Seed 35's first case gives the same numbers for both slips (it named the efficient
    form 'epsilon inside the square root'); a later case tells them apart."""
    inside = ADAM_MISTAKES["epsilon inside"][0]
    fails_with("update_parameters_with_adam", adam_efficient_form, "efficient form", seeds=[35])
    fails_with("update_parameters_with_adam", inside, "is inside the square root", seeds=[35])
    passes("update_parameters_with_adam", adam(), seeds=[35])


def test_adam_epsilon_slips_no_case_tells_apart_are_both_named(monkeypatch):
    """When every case gives the same numbers for both slips, the message names both."""
    import nnutils.grading.update as update

    def inside_step(old, v, s, settings):
        epsilon = settings[4]
        return update.adam_step(old, v, s, *settings[:4], lambda s_hat: np.sqrt(s_hat + epsilon))

    monkeypatch.setattr(update, "efficient_adam_step", inside_step)
    result = fails_with("update_parameters_with_adam", ADAM_MISTAKES["epsilon inside"][0])
    assert "two slips give the same numbers" in result.messages[0]
    assert "efficient form" in result.messages[0] and "sqrt(s_hat) + epsilon" in result.messages[0]


def test_adam_v_not_returned():
    def old_moments(parameters, grads, v, s, t, *rest):
        return ref.update_parameters_with_adam(parameters, grads, v, s, t, *rest)[0], v, s

    fails_with("update_parameters_with_adam", old_moments, "returned v is the old one")


def adam_old_moments(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    """Steps with the moments it was given, then updates them."""
    new, new_v, new_s = {}, {}, {}
    for key, P in parameters.items():
        v_hat = v["d" + key] / (1 - beta1**t)
        s_hat = s["d" + key] / (1 - beta2**t)
        new[key] = P - learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
        new_v["d" + key] = beta1 * v["d" + key] + (1 - beta1) * grads["d" + key]
        new_s["d" + key] = beta2 * s["d" + key] + (1 - beta2) * grads["d" + key] ** 2
    return new, new_v, new_s


def test_adam_step_with_the_old_moments():
    result = fails_with(
        "update_parameters_with_adam",
        adam_old_moments,
        "from before this update",
        "update them first",
    )
    assert "loop" not in result.messages[0]


# --- plot -------------------------------------------------------------------------------------


def test_plot_optimization_paths_draws_every_path():
    matplotlib.use("Agg")
    paths = {"a": np.array([[1.0, 1.0], [0.5, 0.2], [0.0, 0.0]]), "b": np.zeros((4, 2))}
    ax = plot_optimization_paths(lambda w, b: w**2 + 10 * b**2, paths)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["a", "b"]
    assert np.allclose(ax.get_lines()[0].get_xdata(), [1.0, 0.5, 0.0])

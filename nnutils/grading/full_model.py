"""Checks of lesson 07: the full model, predictions, L2 regularization and dropout."""

from functools import partial

import numpy as np

from .. import reference as ref
from .api import exercise
from .cases import parameter_keys, random_parameters, sigmoid_twice_backward
from .expect import (
    Mistake,
    call,
    close,
    expect_array,
    expect_float,
    expect_keys,
    expect_tuple,
    named_mistake,
    same,
)

DEFAULT_RATE = 0.0075  # the models' default learning_rate
SIGN_HINT = {"two_layer_model": "; check the sign of dA2 = -(Y / A2 - (1 - Y) / (1 - A2))"}


def labeled_network(rng, n_x, hidden, m, dtype=np.float64):
    """X (n_x, m), parameters with random biases and layer sizes [n_x, *hidden, 1].

    Drawn again while Z_L is constant (a dead ReLU layer); the output bias then puts 0 between
    the middle two distinct values of Z_L, so that both labels occur.
    """
    dims = [n_x, *hidden, 1]
    L = len(dims) - 1
    for _ in range(100):
        parameters = random_parameters(rng, dims, bias_scale=0.5)
        X = rng.standard_normal((n_x, m))
        values = np.unique(ref.L_model_forward(X, parameters)[1][-1][1])
        if len(values) > 1:
            break
    k = len(values) // 2
    parameters[f"b{L}"] = parameters[f"b{L}"] - (values[k - 1] + values[k]) / 2
    parameters = {key: P.astype(dtype) for key, P in parameters.items()}
    return X.astype(dtype), parameters


def network_cases(rng, count=4):
    """(n_x, hidden sizes, m, dtype) from small to large; the first has 2 inputs, the last is float32."""
    cases = [(2, [3], 5, np.float64), (3, [4, 2], 8, np.float64)]
    for _ in range(count - 2):
        hidden = [int(n) for n in rng.integers(1, 8, size=rng.integers(1, 4))]
        cases.append((int(rng.integers(2, 8)), hidden, int(rng.integers(10, 40)), np.float64))
    cases[-1] = (*cases[-1][:3], np.float32)
    return cases


def _flip_output(parameters):
    """Parameters whose output layer is negated: every prediction flips."""
    L = len(parameters) // 2
    return {**parameters, f"W{L}": -parameters[f"W{L}"], f"b{L}": -parameters[f"b{L}"]}


@exercise("predict")
def _predict(candidate, rng):
    """0/1 predictions thresholded at 0.5, shape (1, m)."""
    cases = network_cases(rng)
    for n_x, hidden, m, dtype in cases:
        X, parameters = labeled_network(rng, n_x, hidden, m, dtype)
        case = f"with X{X.shape} {np.dtype(dtype).name} and layers {[n_x, *hidden, 1]}."
        AL, _ = ref.L_model_forward(X, parameters)
        expected = ref.predict(X, parameters)
        got = call(candidate, "predict", X, parameters)
        flipped = call(candidate, "predict", X, _flip_output(parameters))
        if same_labels(got, flipped) and np.unique(got).size > 1:
            raise Mistake(
                "predict gave the same answer for two different sets of parameters (the second "
                "with its output layer negated, which flips every label): compute AL from the "
                "arguments X and `parameters`, not from variables of the notebook.",
                case,
            )
        mistakes = [
            (
                "predict returned the probabilities AL: turn them into labels, "
                "1 where AL > 0.5 and 0 elsewhere.",
                AL,
            ),
            ("the labels are the wrong way round: predict 1 where AL > 0.5.", 1 - expected),
            (
                f"the predictions have shape ({m},), expected (1, {m}): keep the row "
                "dimension, one column per example.",
                expected.ravel(),
            ),
        ]
        _expect_threshold_at_half(got, AL, case)
        if not close(got, AL):
            _expect_zeros_and_ones(got, case)
        expect_array(got, expected, "predict's result", mistakes, case)
    return len(cases)


def _expect_threshold_at_half(got, AL, case):
    """Labels 0/1 that threshold AL somewhere else than at 0.5 (or are constant) get a sentence."""
    try:
        labels = np.asarray(got, dtype=float).reshape(AL.shape)
    except (TypeError, ValueError):
        return
    if not np.isin(labels, (0, 1)).all() or np.array_equal(labels, AL > 0.5):
        return
    if np.unique(AL > 0.5).size < 2:
        return  # every AL on one side of 0.5: a constant answer could have many causes
    ones, zeros = AL[labels == 1], AL[labels == 0]
    if ones.size and zeros.size and ones.min() <= zeros.max():
        return  # not a threshold on AL
    if not ones.size:
        raise Mistake(
            "predict gave 0 for every example, although some AL > 0.5: threshold at 0.5, "
            "1 where AL > 0.5. (With one output row, argmax always gives 0: compare AL with 0.5.)",
            case,
        )
    if not zeros.size:
        raise Mistake(
            "predict gave 1 for every example, although some AL < 0.5: threshold at 0.5, "
            "1 where AL > 0.5. (AL is a probability, so AL > 0 always holds.)",
            case,
        )
    raise Mistake(
        f"predict's threshold is not 0.5: it gave 1 for AL = {ones.min():.3g} and 0 for "
        f"AL = {zeros.max():.3g}; threshold at 0.5, 1 where AL > 0.5.",
        case,
    )


def _expect_zeros_and_ones(got, case):
    """Predictions are labels: every value is 0 or 1 (NaN is left to expect_array)."""
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "fiub":
        return
    odd = got[(got != 0) & (got != 1) & ~np.isnan(got)]
    if odd.size:
        raise Mistake(
            f"the predictions should be labels 0 or 1, got values such as {odd.flat[0]:.4g}: "
            "compare every probability with 0.5.",
            case,
        )


def same_labels(a, b):
    """True when ``a`` and ``b`` are arrays of the same shape and values."""
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)


# --- the models -------------------------------------------------------------------------


def shallow_start(dims, seed):
    """The two-layer model's start: initialize_parameters(n_x, n_h, n_y, seed)."""
    return ref.initialize_parameters(*dims, seed)


def deep_start(dims, seed):
    """The L-layer model's start: initialize_parameters_deep(dims, seed)."""
    return ref.initialize_parameters_deep(dims, seed)


STARTS = {
    "two_layer_model": (shallow_start, "initialize_parameters(n_x, n_h, n_y, rng)"),
    "L_layer_model": (deep_start, "initialize_parameters_deep(layers_dims, rng)"),
}


def model_cases(rng, name):
    """(layers_dims, m, learning_rate, num_iterations, dtype), smallest first; one is float32."""
    cases = [([2, 3, 1], 5, 0.5, 1), ([3, 2, 1], 6, 0.3, 4)]  # m = 4 would be 1 / sigmoid'(0)
    for num_iterations in (12, 150):
        hidden = [int(rng.integers(2, 7))]
        if name == "L_layer_model":
            hidden += [int(n) for n in rng.integers(2, 6, size=num_iterations // 70 + 1)]
        learning_rate = float(np.round(rng.uniform(0.05, 0.3), 3))
        m = int(rng.integers(8, 30))
        cases.append(([int(rng.integers(2, 6)), *hidden, 1], m, learning_rate, num_iterations))
    dtypes = [np.float64, np.float64, np.float32, np.float64]
    return [(*case, dtype) for case, dtype in zip(cases, dtypes, strict=True)]


def random_data(rng, n_x, m, dtype):
    """X (n_x, m) standard normal and labels Y (1, m) holding both classes."""
    X = rng.standard_normal((n_x, m)).astype(dtype)
    Y = (rng.random((1, m)) < 0.5).astype(np.int64)
    Y[0, :2] = (0, 1)
    return X, Y


DIVIDED = (
    "the steps are m times too small: do not divide dA2 by m, "
    "linear_activation_backward already divides dW and db by m."
)
SIGMOID_TWICE = (
    "dA2 is A2 - Y, which is dZ2, the gradient after the sigmoid: passed as dA2 to "
    "linear_activation_backward(..., 'sigmoid'), it gets the sigmoid's derivative a second time. "
    "Use dA2 = -(Y / A2 - (1 - Y) / (1 - A2)), or give dZ2 = A2 - Y to linear_backward."
)


def sigmoid_twice_descent(X, Y, parameters, learning_rate, num_iterations):
    """Gradient descent with the grads of ``sigmoid_twice_backward``; returns (parameters, costs)."""
    costs = []
    for _ in range(num_iterations):
        AL, caches = ref.L_model_forward(X, parameters)
        costs.append(ref.compute_cost(AL, Y))
        grads = sigmoid_twice_backward(AL, Y, caches)
        parameters = ref.update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def wrong_runs(X, Y, dims, seed, learning_rate, num_iterations, name):
    """(sentence, (parameters, costs)) for the usual ways of getting the training loop wrong."""
    start, start_name = STARTS[name]

    def run(parameters, rate, iterations=num_iterations):
        return ref.gradient_descent(X, Y, parameters, rate, iterations, progress=False)

    initial = start(dims, seed)
    stepped, (first_cost,) = run(initial, learning_rate, 1)
    trained, _ = run(initial, learning_rate)
    _, later_costs = run(initial, learning_rate, num_iterations + 1)
    runs = [
        (
            "the costs are one iteration late, as if each were recorded after the update: "
            "append the cost of the forward pass the gradients come from, before updating.",
            (trained, later_costs[1:]),
        ),
        (
            "the parameters never change: keep what update_parameters returns, "
            "parameters = update_parameters(parameters, grads, learning_rate).",
            (initial, [first_cost] * num_iterations),
        ),
        (
            "every iteration starts again from fresh parameters: initialize once, before the loop.",
            (stepped, [first_cost] * num_iterations),
        ),
        (
            f"learning_rate is ignored: pass the function's `learning_rate` to update_parameters "
            f"(the run looks like one with the default {DEFAULT_RATE}).",
            run(initial, DEFAULT_RATE),
        ),
        (
            "the cost goes up, as if the gradients were added: the update subtracts "
            f"learning_rate * gradient{SIGN_HINT.get(name, '')}.",
            run(initial, -learning_rate),
        ),
    ]
    if name == "two_layer_model":
        divided = run(initial, learning_rate / X.shape[1])
        sigmoid_twice = sigmoid_twice_descent(X, Y, initial, learning_rate, num_iterations)
        if close(divided[0], sigmoid_twice[0]) and close(divided[1], sigmoid_twice[1]):
            # sigmoid'(Z2) = A2 (1 - A2) is close to 1/4 while A2 is close to 0.5: with m = 4
            # the two mistakes give the same run
            runs.append((f"{DIVIDED} Or: {SIGMOID_TWICE}", divided))
        else:
            runs += [(DIVIDED, divided), (SIGMOID_TWICE, sigmoid_twice)]
    if len(dims) == 3:
        other, other_name = STARTS[
            "L_layer_model" if name == "two_layer_model" else "two_layer_model"
        ]
        runs.append(
            (
                f"the starting parameters are not the expected ones: {name} starts from "
                f"{start_name}, not {other_name}.",
                run(other(dims, seed), learning_rate),
            )
        )
    return runs


def _check_model(candidate, rng, name):
    """Train ``candidate`` and the reference from the same seed; compare parameters and costs."""
    cases = model_cases(rng, name)
    for index, (dims, m, learning_rate, num_iterations, dtype) in enumerate(cases):
        X, Y = random_data(rng, dims[0], m, dtype)
        seed = int(rng.integers(1e6))
        case = (
            f"with X{X.shape} {np.dtype(dtype).name}, layers_dims={dims}, "
            f"learning_rate={learning_rate}, num_iterations={num_iterations}, rng={seed}."
        )
        args = (X, Y, list(dims), learning_rate, num_iterations, False, seed)
        out = call(candidate, name, *args)
        parameters, costs = expect_tuple(out, 2, f"what {name} returns", "parameters, costs", case)
        if isinstance(costs, dict) and not isinstance(parameters, dict):
            raise Mistake(
                f"{name} returned (costs, parameters): return (parameters, costs), in that order.",
                case,
            )
        keys = parameter_keys(len(dims) - 1)
        expect_keys(parameters, keys, "the returned parameters dict", case)
        if index == 0:
            _expect_reproducible(candidate, name, args, parameters, case)
        expected, expected_costs = ref.gradient_descent(
            X, Y, STARTS[name][0](dims, seed), learning_rate, num_iterations, progress=False
        )
        costs = _expect_cost_list(costs, num_iterations, case)
        runs = wrong_runs(X, Y, dims, seed, learning_rate, num_iterations, name)
        for key in keys:
            mistakes = [(sentence, wrong[key]) for sentence, (wrong, _) in runs]
            expect_array(parameters[key], expected[key], f"the trained {key}", mistakes, case)
        mistakes = [(sentence, np.asarray(wrong)) for sentence, (_, wrong) in runs]
        expect_array(costs, np.asarray(expected_costs), "costs", mistakes, case)
    return len(cases)


def _expect_reproducible(candidate, name, args, parameters, case):
    """The same seed must give the same parameters."""
    again = call(candidate, name, *args)[0]
    if not all(np.array_equal(parameters[k], again[k]) for k in parameters):
        start_name = STARTS[name][1]
        raise Mistake(
            f"two runs with the same rng gave different parameters: initialize with "
            f"{start_name}, passing it the `rng` you were given.",
            case,
        )


def _expect_cost_list(costs, num_iterations, case):
    """``costs`` must hold one number per iteration; returns it as an array."""
    if costs is None:
        raise Mistake("costs is None: return (parameters, costs).", case)
    if not isinstance(costs, list | tuple | np.ndarray):
        raise Mistake(f"costs should be a list of numbers, got {type(costs).__name__}.", case)
    if len(costs) != num_iterations:
        every_100 = len(range(0, num_iterations, 100))
        hint = (
            " Append the cost at every iteration, not only every 100th."
            if len(costs) == every_100
            else ""
        )
        raise Mistake(
            f"costs has {len(costs)} entr{'y' if len(costs) == 1 else 'ies'} for "
            f"num_iterations={num_iterations}: "
            f"record one cost per iteration.{hint}",
            case,
        )
    return np.asarray(costs, dtype=float).ravel()


@exercise("two_layer_model")
def _two_layer_model(candidate, rng):
    """The trained parameters and costs of the 2-layer model, against the reference's run."""
    return _check_model(candidate, rng, "two_layer_model")


@exercise("L_layer_model")
def _L_layer_model(candidate, rng):
    """The trained parameters and costs of the L-layer model, against the reference's run."""
    return _check_model(candidate, rng, "L_layer_model")


# --- L2 regularization ------------------------------------------------------------------


def regularized_cases(rng):
    """(Y, parameters, AL, caches, lambd) from small to large; the last one float32."""
    cases = []
    for n_x, hidden, m, dtype in network_cases(rng):
        X, parameters = labeled_network(rng, n_x, hidden, m, dtype)
        AL, caches = ref.L_model_forward(X, parameters)
        Y = (rng.random((1, m)) < AL).astype(dtype)
        lambd = float(np.round(rng.uniform(0.1, 3), 2))
        cases.append((Y, parameters, AL, caches, lambd))
    return cases


def _frobenius(W):
    return np.sqrt(np.sum(np.square(W)))


def _sum_of(parameters, prefix, transform=np.square):
    """Sum over the parameters named ``prefix``... of the entries of ``transform(P)``."""
    return sum(float(np.sum(transform(P))) for key, P in parameters.items() if key[0] == prefix)


@exercise("compute_cost_with_regularization")
def _compute_cost_with_regularization(candidate, rng):
    """Cross-entropy plus (lambda / 2m) times the squared weights."""
    cases = regularized_cases(rng)
    for Y, parameters, AL, _, lambd in cases:
        m = Y.shape[1]
        case = f"with AL{AL.shape} {AL.dtype}, {len(parameters) // 2} layers, lambd={lambd}."
        got = call(candidate, "compute_cost_with_regularization", AL, Y, parameters, lambd)
        cross_entropy = ref.compute_cost(AL, Y)
        squares = _sum_of(parameters, "W")
        L = len(parameters) // 2
        last = float(np.sum(np.square(parameters[f"W{L}"])))
        layer_sums = [float(np.sum(P)) for key, P in parameters.items() if key[0] == "W"]
        mistakes = [
            (
                "the cross-entropy is missing: add the L2 term to compute_cost(AL, Y).",
                lambd / (2 * m) * squares,
            ),
            (
                "the L2 term is missing, or it is 0 because of integer division: "
                f"lambd // (2 * m) and 1 // m (floor division, //) are 0 here, with lambd = "
                f"{lambd} and m = {m}. Add lambd / (2 * m) * sum ||W||^2, dividing with /."
                if lambd // (2 * m) == 0
                else "the L2 term is missing: add lambd / (2 * m) * sum ||W||^2.",
                cross_entropy,
            ),
            (
                "the L2 term was rounded down to a whole number: // is floor division. Use /, "
                "lambd / (2 * m) * sum ||W||^2.",
                cross_entropy + (lambd * squares) // (2 * m),
            ),
            (
                "that is the square of the sum, (sum of W's entries)^2: the L2 term sums the "
                "squares, np.sum(np.square(W)), so that positive and negative weights cannot "
                "cancel.",
                cross_entropy + lambd / (2 * m) * sum(total**2 for total in layer_sums),
            ),
            (
                "that is the square of the sum of all weights: the L2 term sums their squares, "
                "np.sum(np.square(W)) for each layer, so that positive and negative weights "
                "cannot cancel.",
                cross_entropy + lambd / (2 * m) * sum(layer_sums) ** 2,
            ),
            (
                "the L2 term is twice too big: it is lambd / (2 m) times the sum of squares.",
                cross_entropy + lambd / m * squares,
            ),
            (
                "the L2 term is not divided by m: it is lambd / (2 m) times the sum of squares.",
                cross_entropy + lambd / 2 * squares,
            ),
            (
                "the L2 term was subtracted: regularization adds lambd / (2 m) * sum ||W||^2.",
                cross_entropy - lambd / (2 * m) * squares,
            ),
            (
                "the biases were penalised too: the L2 term sums the squares of the weights W{l} only.",
                cross_entropy + lambd / (2 * m) * (squares + _sum_of(parameters, "b")),
            ),
            (
                "the norms are not squared: ||W||^2 is the sum of the squared entries, "
                "np.sum(np.square(W)).",
                cross_entropy + lambd / (2 * m) * _sum_of(parameters, "W", _frobenius),
            ),
            (
                "that is the L1 penalty (absolute values): L2 sums the squared entries, "
                "np.sum(np.square(W)).",
                cross_entropy + lambd / (2 * m) * _sum_of(parameters, "W", np.abs),
            ),
            (
                f"only the last layer's weights are penalised: sum ||W{{l}}||^2 over all {L} layers.",
                cross_entropy + lambd / (2 * m) * last,
            ),
            (
                "only the first layer's weights are penalised: sum over every layer l = 1..L.",
                cross_entropy + lambd / (2 * m) * float(np.sum(np.square(parameters["W1"]))),
            ),
        ]
        expect_float(got, cross_entropy + lambd / (2 * m) * squares, "the cost", mistakes, case)
    return len(cases)


@exercise("L_model_backward_with_regularization")
def _L_model_backward_with_regularization(candidate, rng):
    """grads with the L2 term (lambda / m) W added to every dW."""
    cases = regularized_cases(rng)
    for Y, parameters, AL, caches, lambd in cases:
        m, L = Y.shape[1], len(caches)
        case = f"with AL{AL.shape} {AL.dtype}, {L} layers, lambd={lambd}."
        got = call(candidate, "L_model_backward_with_regularization", AL, Y, caches, lambd)
        expected = ref.L_model_backward_with_regularization(AL, Y, caches, lambd)
        plain = ref.L_model_backward(AL, Y, caches)
        keys = parameter_keys(L, prefix="d")
        if not isinstance(got, dict):
            raise Mistake(
                f"the result should be a dict of gradients, got {type(got).__name__}.", case
            )
        expect_keys(
            {k: v for k, v in got.items() if k[:2] != "dA"}, keys, "the gradients dict", case
        )
        for l in range(1, L + 1):
            W, b = parameters[f"W{l}"], parameters[f"b{l}"]
            dW = plain[f"dW{l}"]
            mistakes = [
                (
                    f"dW{l} lacks the L2 term, or it is 0 because of integer division: "
                    f"lambd // m (floor division, //) is 0 here, with lambd = {lambd} and "
                    f"m = {m}. Add (lambd / m) * W{l}, dividing with /."
                    if lambd // m == 0
                    else f"dW{l} lacks the L2 term: add (lambd / m) * W{l}.",
                    dW,
                ),
                (
                    f"dW{l}'s L2 term was rounded down: // is floor division. Use /, "
                    f"(lambd / m) * W{l}.",
                    dW + (lambd * W) // m,
                ),
                (f"dW{l}'s L2 term is not divided by m: it is (lambd / m) * W{l}.", dW + lambd * W),
                (
                    f"dW{l}'s L2 term is half what it should be: the derivative of "
                    "lambd / (2 m) ||W||^2 is (lambd / m) W.",
                    dW + lambd / (2 * m) * W,
                ),
                (
                    f"dW{l}'s L2 term is twice too big: it is (lambd / m) * W{l}.",
                    dW + 2 * lambd / m * W,
                ),
                (
                    f"dW{l}'s L2 term has the wrong sign: add (lambd / m) * W{l}.",
                    dW - lambd / m * W,
                ),
            ]
            expect_array(got[f"dW{l}"], expected[f"dW{l}"], f"dW{l}", mistakes, case)
            mistakes = [
                (
                    f"db{l} should not change: biases are not regularized.",
                    plain[f"db{l}"] + lambd / m * b,
                )
            ]
            expect_array(got[f"db{l}"], expected[f"db{l}"], f"db{l}", mistakes, case)
    return len(cases)


# --- dropout ----------------------------------------------------------------------------

KEEP_PROBS = (0.8, 0.7, 0.9, 0.75)  # never 0.5, where keeping and dropping look alike
KEPT = "mask = rng.random(A.shape) < keep_prob keeps an entry with probability keep_prob"
SAME_MEAN = (
    "inverted dropout divides the kept entries by keep_prob, so that each activation keeps "
    "its expected value and nothing needs rescaling at test time"
)


REDRAWN = (
    "backward must use the mask the forward pass drew (the `mask` argument), not draw a new "
    "one. A unit dropped in the forward pass had no effect on the cost, so its gradient is 0."
)


def activations_cases(rng):
    """(A, keep_prob) from small to large: the large ones tell keep_prob from 1 - keep_prob.

    A has no zero entries, so that the kept entries of an answer show its mask; the last is float32.
    """
    shapes = [(1, 3), (3, 4), (int(rng.integers(30, 50)), int(rng.integers(80, 120))), (40, 60)]
    cases = []
    for (n, m), keep_prob, dtype in zip(
        shapes, KEEP_PROBS, [np.float64] * 3 + [np.float32], strict=True
    ):
        A = rng.uniform(0.1, 2.0, size=(n, m)) * rng.choice((-1, 1), size=(n, m))
        cases.append((A.astype(dtype), keep_prob))
    return cases


def _expect_mask(mask, shape, what, case):
    """``mask`` must be an array of 0s and 1s (booleans welcome) of ``shape``; returns it as bool."""
    if mask is None:
        raise Mistake(f"{what} is None: return the mask you drew with the dropped array.", case)
    if not isinstance(mask, np.ndarray) or mask.dtype.kind not in "biuf":
        raise Mistake(f"{what} should be a NumPy array of 0s and 1s, got {type(mask).__name__}.")
    if mask.shape != shape:
        if (
            mask.ndim == 2
            and mask.size < np.prod(shape)
            and mask.shape in ((shape[0], 1), (1, shape[1]))
        ):
            raise Mistake(
                f"{what} has shape {mask.shape}, expected {shape}: draw one number per entry "
                "of A (rng.random(A.shape)), so that each example drops its own units.",
                case,
            )
        raise Mistake(f"{what} has shape {mask.shape}, expected {shape}, the shape of A.", case)
    values = np.unique(mask)
    if not np.isin(values, (0, 1)).all():
        scaled = np.unique(values[values != 0]).size == 1
        raise Mistake(
            f"{what} should hold only 0s and 1s (or False and True), got values such as "
            f"{values[values != 0][0]:.4g}"
            + (
                ": keep the 1 / keep_prob scaling for the activations, not the mask."
                if scaled
                else "."
            ),
            case,
        )
    return mask.astype(bool)


def _expect_keep_rate(masks, keep_prob, what, case):
    """The kept fraction of ``masks`` (many entries) must be keep_prob, within 6 standard deviations."""
    kept = np.concatenate([np.ravel(mask) for mask in masks])
    spread = 6 * np.sqrt(keep_prob * (1 - keep_prob) / kept.size)
    rate = kept.mean()
    if abs(rate - keep_prob) <= spread:
        return
    if abs(rate - (1 - keep_prob)) <= spread:
        raise Mistake(
            f"{what} keeps {rate:.0%} of the entries with keep_prob={keep_prob}: it keeps with "
            f"probability 1 - keep_prob, the rate of dropping; {KEPT}.",
            case,
        )
    raise Mistake(
        f"{what} keeps {rate:.0%} of the entries, expected about {keep_prob:.0%} "
        f"(keep_prob={keep_prob}); {KEPT}.",
        case,
    )


def _expect_rng_used(draw, what, case):
    """``draw(seed)`` -> list of masks must repeat with the same seed and change with another."""
    first, again, other = draw(7), draw(7), draw(8)
    if not all(np.array_equal(a, b) for a, b in zip(first, again, strict=True)):
        raise Mistake(
            f"two calls with generators of the same seed gave different {what}s: draw the "
            "random numbers from the `rng` argument (rng.random(...)), not from np.random.",
            case,
        )
    if all(np.array_equal(a, b) for a, b in zip(first, other, strict=True)):
        raise Mistake(
            f"generators of different seeds gave the same {what}: draw from the `rng` you are "
            "given, not from a generator made inside the function with a fixed seed.",
            case,
        )


def _run_dropout_forward(candidate, A, keep_prob, case, seed):
    """The candidate's (A_dropped, mask) with a generator of ``seed``."""
    generator = np.random.default_rng(seed)
    out = call(candidate, "dropout_forward", A, keep_prob, generator, may_change=(2,))
    return expect_tuple(out, 2, "what dropout_forward returns", "A_dropped, mask", case)


def _run_forward_with_dropout(candidate, X, parameters, keep_prob, case, seed, training):
    """The candidate's (AL, caches, masks) with a generator of ``seed``, in either mode."""
    name = "L_model_forward_with_dropout"
    generator = np.random.default_rng(seed)
    out = call(candidate, name, X, parameters, keep_prob, generator, training, may_change=(3,))
    mode = "training" if training else "test"
    what = f"what {name} returns in {mode} mode"
    return expect_tuple(out, 3, what, "AL, caches, masks", f"{case}, {mode}.")


def _masks_drawn(run, position, seed):
    """The masks (item ``position`` of what ``run(seed)`` returns) as a list of arrays."""
    masks = run(seed)[position]
    return [np.asarray(mask) for mask in (masks if position == 2 else [masks])]


@exercise("dropout_forward")
def _dropout_forward(candidate, rng):
    """A mask of A's shape drawn from rng with keep rate keep_prob; kept entries scaled by 1/keep_prob."""
    cases = activations_cases(rng)
    for index, (A, keep_prob) in enumerate(cases):
        case = f"with A{A.shape} {A.dtype}, keep_prob={keep_prob}."

        run = partial(_run_dropout_forward, candidate, A, keep_prob, case)
        A_dropped, mask = run(int(rng.integers(1e6)))
        mask = _expect_mask(mask, A.shape, "the mask", case)
        scale = np.asarray(keep_prob, dtype=A.dtype)
        mistakes = [
            (
                f"the kept entries are not divided by keep_prob: {SAME_MEAN}.",
                A * mask,
            ),
            (
                f"the kept entries are multiplied by keep_prob; divide them by it: {SAME_MEAN}.",
                A * mask * scale,
            ),
            (
                "the kept entries are divided by 1 - keep_prob, the rate of dropping; "
                "divide by keep_prob.",
                A * mask / (1 - keep_prob),
            ),
            ("A_dropped is A / keep_prob: the mask is not applied; multiply by it.", A / scale),
            (
                "A_dropped keeps the entries the mask drops: multiply by the mask itself, "
                "where it is 1.",
                A * ~mask / scale,
            ),
        ]
        expect_array(A_dropped, A * mask / scale, "A_dropped", mistakes, case)
        if index >= 2:
            _expect_keep_rate([mask], keep_prob, "the mask", case)
            _expect_rng_used(partial(_masks_drawn, run, 1), "mask", case)
    return len(cases)


@exercise("dropout_backward")
def _dropout_backward(candidate, rng):
    """dA through the forward pass's own mask, scaled by 1/keep_prob."""
    cases = activations_cases(rng)
    for index, (dA, keep_prob) in enumerate(cases):
        mask = rng.random(dA.shape) < keep_prob
        mask[0, 0], mask[-1, -1] = True, False  # both kinds of entry, even in the smallest case
        given = mask.astype(np.float64) if index == 1 else mask  # 0/1 floats work as well
        case = f"with dA{dA.shape} {dA.dtype}, a mask of {mask.mean():.0%} ones, keep_prob={keep_prob}."
        if index == 0:
            _expect_deterministic(candidate, *cases[-2], rng)
        got = call(candidate, "dropout_backward", dA, given, keep_prob)
        scale = np.asarray(keep_prob, dtype=dA.dtype)
        expected = dA * mask / scale
        mistakes = [
            (
                f"the gradient is not divided by keep_prob, as the forward pass divided A: {SAME_MEAN}.",
                dA * mask,
            ),
            (
                "the gradient is multiplied by keep_prob: divide it, as the forward pass did.",
                dA * mask * scale,
            ),
            (
                "the mask is not applied: a dropped unit had no effect on the cost, so its gradient is 0.",
                dA / scale,
            ),
            ("dA came back unchanged: apply the mask, then divide by keep_prob.", dA),
            (
                "the gradient flows through the dropped entries instead of the kept ones.",
                dA * ~mask / scale,
            ),
        ]
        sentence = named_mistake(got, expected, mistakes)
        if sentence:
            raise Mistake(sentence, case)
        _expect_same_mask(got, dA, mask, keep_prob, case)
        expect_array(got, expected, "dA through dropout", mistakes, case)
    return len(cases)


def _expect_deterministic(candidate, dA, keep_prob, rng):
    """Two calls on a large case with the same mask must agree: a backward draws nothing."""
    mask = rng.random(dA.shape) < keep_prob
    case = f"with dA{dA.shape} {dA.dtype}, keep_prob={keep_prob}."
    got = call(candidate, "dropout_backward", dA, mask, keep_prob)
    again = call(candidate, "dropout_backward", dA, mask, keep_prob)
    if not same(got, again):
        raise Mistake(
            f"two calls with the same dA and mask gave different results: {REDRAWN}", case
        )


def _expect_same_mask(got, dA, mask, keep_prob, case):
    """An answer that masks dA with another mask of 0s and 1s drew a new one: say so."""
    if not isinstance(got, np.ndarray) or got.shape != dA.shape or got.dtype.kind != "f":
        return
    with np.errstate(all="ignore"):
        ratio = got * keep_prob / dA
    for factor in (1.0, keep_prob, keep_prob**2):  # with or without the right scaling
        own = np.isclose(ratio, 0) | np.isclose(ratio, factor, rtol=1e-3)
        drawn = ~np.isclose(ratio, 0)
        if own.all() and not np.array_equal(drawn, mask) and not np.array_equal(drawn, ~mask):
            raise Mistake(
                f"the gradient goes through a different mask than the one given: {REDRAWN}", case
            )


def dropout_network_cases(rng):
    """(X, parameters, keep_prob) small to large; the last ones have many hidden units, one float32."""
    cases = []
    sizes = [(2, [3], 5), (3, [4, 2], 8), (4, [60, 40], 40), (3, [50], 30)]
    for (n_x, hidden, m), keep_prob, dtype in zip(
        sizes, KEEP_PROBS, [np.float64] * 3 + [np.float32], strict=True
    ):
        X, parameters = labeled_network(rng, n_x, hidden, m, dtype)
        for l in range(1, len(hidden) + 1):  # hidden units that stay off their kink at 0
            parameters[f"b{l}"] = parameters[f"b{l}"] + np.asarray(0.1, dtype)
        cases.append((X, parameters, keep_prob))
    return cases


def forward_with_masks(X, parameters, masks, scale):
    """The forward pass with hidden activations A{l} * masks[l-1] * scale; returns (AL, inputs).

    ``inputs[l-1]`` is what layer l multiplies by W{l}.
    """
    L = len(parameters) // 2
    A, inputs = X, []
    for l in range(1, L + 1):
        inputs.append(A)
        A, _ = ref.linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], "relu" if l < L else "sigmoid"
        )
        if l < L and masks is not None:
            A = A * masks[l - 1] * np.asarray(scale, dtype=A.dtype)
    return A, inputs


@exercise("L_model_forward_with_dropout")
def _L_model_forward_with_dropout(candidate, rng):
    """Training: dropout on every hidden layer (not the input or output), masks from rng; test: the plain pass."""
    cases = dropout_network_cases(rng)
    for index, (X, parameters, keep_prob) in enumerate(cases):
        L = len(parameters) // 2
        dims = [X.shape[0]] + [parameters[f"W{l}"].shape[0] for l in range(1, L + 1)]
        case = f"with X{X.shape} {X.dtype}, layers {dims}, keep_prob={keep_prob}"
        run = partial(_run_forward_with_dropout, candidate, X, parameters, keep_prob, case)

        seed = int(rng.integers(1e6))
        train_case = f"{case}, training=True."
        AL, caches, masks = run(seed, True)
        masks = _expect_hidden_masks(masks, X, parameters, train_case)
        expected, inputs = forward_with_masks(X, parameters, masks, 1 / keep_prob)
        unscaled, _ = forward_with_masks(X, parameters, masks, 1)
        times, _ = forward_with_masks(X, parameters, masks, keep_prob)
        mistakes = [
            (
                f"the hidden activations are not divided by keep_prob after the mask: {SAME_MEAN}.",
                unscaled,
            ),
            ("the hidden activations are multiplied by keep_prob: divide them by it.", times),
            (
                "AL is divided by keep_prob: the output layer was dropped (this time every "
                "output was kept). Drop and rescale the hidden activations A1 ... A(L-1) only; "
                "AL is the network's probability.",
                expected / np.asarray(keep_prob, dtype=expected.dtype),
            ),
        ]
        _expect_output_kept(AL, expected, train_case)
        expect_array(AL, expected, "AL in training mode", mistakes, train_case)
        _expect_dropped_inputs(caches, inputs, L, train_case)
        if index == 2:
            _expect_keep_rate(masks, keep_prob, "the masks", train_case)
            _expect_rng_used(
                partial(_masks_drawn, partial(run, training=True), 2), "masks", train_case
            )
        test_case = f"{case}, training=False."
        AL_test = run(seed, False)[0]
        plain, _ = ref.L_model_forward(X, parameters)
        kept = [np.ones_like(A, dtype=bool) for A in inputs[1:]]
        divided = forward_with_masks(X, parameters, kept, 1 / keep_prob)[0]
        mistakes = [
            (
                "in test mode the hidden activations are multiplied by keep_prob: that is the "
                "rule of the older, non-inverted dropout. Inverted dropout already divided by "
                "keep_prob during training, so test mode is the plain forward pass.",
                forward_with_masks(X, parameters, kept, keep_prob)[0],
            ),
        ]
        rescaled = (
            "in test mode the hidden activations are divided by keep_prob: nothing is dropped "
            "at test time, so nothing is rescaled either; use the plain forward pass."
        )
        dropped = (
            "test mode gives the training output: with training=False nothing is dropped "
            "(every unit takes part in a prediction)."
        )
        if close(AL, divided):  # this training pass happened to keep every unit
            mistakes.append((f"{dropped} Or: {rescaled}", divided))
        else:
            mistakes += [(rescaled, divided), (dropped, AL)]
        expect_array(AL_test, plain, "AL in test mode", mistakes, test_case)
    return len(cases)


def _expect_hidden_masks(masks, X, parameters, case):
    """One mask per hidden layer, each of 0s and 1s shaped like that layer's activations."""
    L = len(parameters) // 2
    m = X.shape[1]
    shapes = [(parameters[f"W{l}"].shape[0], m) for l in range(1, L)]
    if not isinstance(masks, list | tuple):
        raise Mistake(
            f"masks should be a list of {L - 1} arrays, got {type(masks).__name__}.", case
        )
    if len(masks) == L and np.shape(masks[-1]) == (1, m):
        raise Mistake(
            "there is a mask for the output layer: drop the hidden activations A1 ... A(L-1) "
            "only; AL is the network's probability, and dropping it would predict 0 at random.",
            case,
        )
    if len(masks) == L and np.shape(masks[0]) == X.shape:
        raise Mistake(
            "the input X is dropped too: in this lesson dropout applies to the hidden "
            "activations A1 ... A(L-1) only.",
            case,
        )
    if len(masks) != L - 1:
        raise Mistake(
            f"masks has {len(masks)} entries for a network of {L} layers: one mask per hidden "
            f"layer, {L - 1} in all.",
            case,
        )
    return [
        _expect_mask(mask, shape, f"masks[{l}]", case)
        for l, (mask, shape) in enumerate(zip(masks, shapes, strict=True))
    ]


def _expect_output_kept(AL, expected, case):
    """AL with exact zeros or values above 1 where the answer has none: the output was dropped."""
    if not isinstance(AL, np.ndarray) or AL.shape != expected.shape or AL.dtype.kind != "f":
        return
    if ((AL == 0) & (expected != 0)).any() or (AL > 1).any():
        raise Mistake(
            "AL has exact zeros or values above 1: the output layer was dropped. Drop the "
            "hidden activations A1 ... A(L-1) only; AL is the network's probability.",
            case,
        )


def _expect_dropped_inputs(caches, inputs, L, case):
    """Layer l's cache must hold the input it really multiplied: the dropped A{l-1}."""
    if not isinstance(caches, list | tuple) or len(caches) != L:
        raise Mistake(
            f"caches should be a list of {L} layer caches, as L_model_forward returns, got "
            + (
                f"{len(caches)}."
                if isinstance(caches, list | tuple)
                else f"{type(caches).__name__}."
            ),
            case,
        )
    for l in range(2, L + 1):
        try:
            A_prev = caches[l - 1][0][0]
        except (TypeError, IndexError, KeyError):
            raise Mistake(
                f"caches[{l - 1}] is not a layer cache ((A_prev, W, b), Z) as "
                "linear_activation_forward returns.",
                case,
            ) from None
        if not close(A_prev, inputs[l - 1]):
            raise Mistake(
                f"layer {l}'s cache does not hold the dropped A{l - 1} it multiplied by W{l}: "
                "pass the dropped activations on to the next layer, so that its cache holds them.",
                case,
            )

"""Checks of lesson 05: the backward pass and gradient checking."""

import copy

import numpy as np

from .. import reference as ref
from ..gradcheck import (
    GREAT,
    SUSPICIOUS,
    gradient_check,
    gradients_to_vector,
    model_cost,
    numerical_gradient,
    parameters_to_vector,
    relative_difference,
    vector_to_parameters,
)
from .api import exercise
from .cases import case_dtype, layer_sizes, random_layer, random_network, sigmoid_twice_backward
from .expect import (
    Mistake,
    call,
    close,
    expect_array,
    expect_keys,
    expect_tuple,
    is_number,
    reject_none,
    same,
    show,
)

GRADIENT_NAMES = ("dA_prev", "dW", "db")


def _activation_cases(rng):
    """(dA, Z, case) triples of growing shape; Z spreads over both signs and is never 0.

    The first case, (1, 4), meets every pair of signs of dA and Z once.
    """
    first = (np.array([[0.5, -1.2, 0.8, -0.3]]), np.array([[1.5, 0.7, -2.0, -0.4]]))
    sizes = layer_sizes(rng)[1:]
    for index in range(len(sizes) + 1):
        dtype = case_dtype(index, len(sizes) + 1)
        if index == 0:
            dA, Z = first
        else:
            _, n, m = sizes[index - 1]
            dA = rng.standard_normal((n, m))
            Z = 2 * rng.standard_normal((n, m))
        dA, Z = dA.astype(dtype), Z.astype(dtype)
        yield dA, Z, f"with dA{dA.shape}, Z{Z.shape}, {np.dtype(dtype).name}."


@exercise("sigmoid_backward")
def _sigmoid_backward(candidate, rng):
    """dZ = dA * s * (1 - s) on growing shapes, every sign pair of dA and Z."""
    count = 0
    for dA, Z, case in _activation_cases(rng):
        s = ref.sigmoid(Z)
        mistakes = [
            (
                "dZ is dA * sigmoid(Z): multiply dA by the sigmoid's derivative s * (1 - s), "
                "with s = sigmoid(Z), not by s itself.",
                dA * s,
            ),
            ("dZ is missing the factor dA: by the chain rule dZ = dA * s * (1 - s).", s * (1 - s)),
            ("dZ has the wrong sign: dZ = dA * s * (1 - s), no minus.", -dA * s * (1 - s)),
            (
                "dZ uses Z * (1 - Z): the derivative is s * (1 - s) with s = sigmoid(Z), "
                "the activation, not Z.",
                dA * Z * (1 - Z),
            ),
            (
                "dZ is the ReLU's backward (dA where Z > 0); here it is the sigmoid's.",
                ref.relu_backward(dA, Z),
            ),
        ]
        dZ = call(candidate, "sigmoid_backward", dA, Z)
        expect_array(dZ, ref.sigmoid_backward(dA, Z), "dZ", mistakes, case)
        count += 1
    return count


def _kink_case(rng):
    """(dA, Z, case) with Z exactly 0 in places (a unit whose inputs are all 0), dA nonzero."""
    Z = np.array([[0.0, 1.5, -0.5, 0.0], [-1.0, 0.0, 2.0, 0.3]])
    dA = rng.uniform(0.5, 2.0, Z.shape) * rng.choice([-1, 1], Z.shape)
    return dA, Z, f"with dA = {show(dA)}, Z = {show(Z)}: Z is exactly 0 in places."


@exercise("relu_backward")
def _relu_backward(candidate, rng):
    """dZ = dA where Z > 0, else 0 (also where Z is exactly 0); dA must not change in place."""
    count = 0
    for dA, Z, case in [*_activation_cases(rng), _kink_case(rng)]:
        mistakes = [
            (
                "dZ keeps dA where Z is exactly 0: the ReLU's derivative there counts as 0, "
                "so dZ = dA where Z > 0 (not Z >= 0), else 0.",
                np.where(Z >= 0, dA, 0),
            ),
            (
                "dZ is the mask (Z > 0) alone: multiply it by dA, i.e. dZ = dA where Z > 0, "
                "else 0.",
                (Z > 0).astype(Z.dtype),
            ),
            (
                "dZ keeps dA where dA > 0: the mask comes from Z (dZ = dA where Z > 0), "
                "not from dA.",
                ref.relu(dA),
            ),
            (
                "dZ is dA * relu(Z): the ReLU's derivative is 1 where Z > 0 (not Z), "
                "so dZ = dA where Z > 0, else 0.",
                dA * ref.relu(Z),
            ),
            (
                "dZ keeps dA where Z < 0: keep it where Z > 0 and put 0 elsewhere.",
                np.where(Z < 0, dA, 0),
            ),
            (
                "dZ uses the sigmoid's derivative; the ReLU's is 1 where Z > 0, else 0.",
                ref.sigmoid_backward(dA, Z),
            ),
        ]
        dA_before = dA.copy()
        dZ = call(candidate, "relu_backward", dA, Z, may_change=(0,))
        if not same(dA, dA_before):
            raise Mistake(
                "relu_backward changed dA in place: `dZ = dA` makes no copy, so `dZ[Z <= 0] = 0` "
                "also zeroes dA. Start from a copy (dZ = np.array(dA, copy=True)) or use np.where.",
                case,
            )
        expect_array(dZ, ref.relu_backward(dA, Z), "dZ", mistakes, case)
        count += 1
    return count


def expect_gradients(got, expected, mistakes, case):
    """``got`` must be the triple (dA_prev, dW, db) equal to ``expected``.

    ``mistakes`` maps a gradient's name to its (sentence, wrong value) pairs.
    """
    got = expect_tuple(got, 3, "the result", ", ".join(GRADIENT_NAMES), case)
    in_order = all(close(g, e) for g, e in zip(got, expected, strict=True))
    if not in_order and all(any(close(g, e) for g in got) for e in expected):
        raise Mistake("the gradients come back in the wrong order: return dA_prev, dW, db.", case)
    for g, e, name in zip(got, expected, GRADIENT_NAMES, strict=True):
        expect_array(g, e, name, mistakes.get(name, ()), case)


def _linear_mistakes(dZ, A_prev, W):
    """The typical wrong versions of dA_prev, dW and db (missing transposes when shapes allow)."""
    m = A_prev.shape[1]
    mistakes = {
        "dA_prev": [
            (
                "dA_prev is divided by m: dA_prev = Wᵀ dZ has no 1/m (only dW and db average "
                "over the examples).",
                W.T @ dZ / m,
            ),
        ],
        "dW": [
            ("dW is m times too large: dW = dZ A_prevᵀ / m (divide by m).", dZ @ A_prev.T),
            ("dW is divided by m twice: dW = dZ A_prevᵀ / m.", dZ @ A_prev.T / m**2),
            (
                "dW is transposed: dW = dZ A_prevᵀ / m has the shape of W, (n, n_prev).",
                A_prev @ dZ.T / m,
            ),
        ],
        "db": [
            (
                "db is m times too large: db is the row sums of dZ divided by m.",
                dZ.sum(axis=1, keepdims=True),
            ),
            (
                "db is divided by m twice: db = (row sums of dZ) / m.",
                dZ.sum(axis=1, keepdims=True) / m**2,
            ),
            *[
                (
                    "db sums dZ over the wrong axis: sum each row, over the examples "
                    "(axis=1, keepdims=True).",
                    wrong,
                )
                for wrong in (dZ.sum(axis=0, keepdims=True) / m, dZ.sum(axis=0) / m)
                if dZ.size > 1  # with one entry, both axes give the same sum
            ],
            (
                "db adds up all of dZ into one number: sum each row (axis=1, keepdims=True).",
                dZ.sum() / m,
            ),
        ],
    }
    if W.shape[0] == W.shape[1]:
        mistakes["dA_prev"].append(
            ("dA_prev uses W without its transpose: dA_prev = Wᵀ dZ (W.T @ dZ).", W @ dZ)
        )
    if A_prev.shape[0] == m:
        mistakes["dW"].append(
            (
                "dW uses A_prev without its transpose: dW = dZ A_prevᵀ / m (dZ @ A_prev.T).",
                dZ @ A_prev / m,
            )
        )
    return mistakes


@exercise("linear_backward")
def _linear_backward(candidate, rng):
    """(dA_prev, dW, db) of a linear layer, square layers included, so a missing transpose shows."""
    sizes = layer_sizes(rng)
    sizes.insert(1, (3, 3, 3))  # square: a missing transpose gives wrong values, not an error
    for index, (n_prev, n, m) in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        A_prev, W, b = random_layer(rng, n_prev, n, m, dtype)
        dZ = rng.standard_normal((n, m)).astype(dtype)
        case = (
            f"with dZ{dZ.shape} and the cache (A_prev{A_prev.shape}, W{W.shape}, "
            f"b{b.shape}), {np.dtype(dtype).name}."
        )
        cache = ref.LinearCache(A_prev, W, b)
        out = call(candidate, "linear_backward", dZ, cache)
        expected = ref.linear_backward(dZ, cache)
        expect_gradients(out, expected, _linear_mistakes(dZ, A_prev, W), case)
    return len(sizes)


@exercise("linear_activation_backward")
def _linear_activation_backward(candidate, rng):
    """The layer's gradients for both activations, on Z of both signs."""
    sizes = [(1, 1, 2), *layer_sizes(rng)[1:]]
    count = 0
    for index, (n_prev, n, m) in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        for activation, other in (("relu", "sigmoid"), ("sigmoid", "relu")):
            A_prev, W, _ = random_layer(rng, n_prev, n, m, dtype)
            b = -(W @ A_prev).mean(axis=1, keepdims=True)  # every row of Z has both signs
            _, cache = ref.linear_activation_forward(A_prev, W, b, activation)
            dA = rng.standard_normal((n, m)).astype(dtype)
            case = (
                f"with activation={activation!r}, dA{dA.shape}, Z{cache.activation_cache.shape}, "
                f"A_prev{A_prev.shape}, W{W.shape}, {np.dtype(dtype).name}."
            )
            wrong_activation = ref.linear_activation_backward(dA, cache, other)
            no_derivative = ref.linear_backward(dA, cache.linear_cache)
            mistakes = {
                name: [
                    (
                        f"{name} comes from the {other} derivative although activation="
                        f"{activation!r}: call {activation}_backward when activation is "
                        f"{activation!r}.",
                        wrong_activation[i],
                    ),
                    (
                        f"{name} skips the activation's derivative: first dZ = "
                        f"{activation}_backward(dA, activation_cache), then linear_backward(dZ, "
                        "linear_cache).",
                        no_derivative[i],
                    ),
                ]
                for i, name in enumerate(GRADIENT_NAMES)
            }
            out = call(candidate, "linear_activation_backward", dA, cache, activation)
            expected = ref.linear_activation_backward(dA, cache, activation)
            expect_gradients(out, expected, mistakes, case)
            count += 1
    return count


# --- L_model_backward -------------------------------------------------------------------


def _network_cases(rng):
    """(dims, m, dtype) from a single layer to four layers, the last one float32."""

    def dims(L):
        return [int(k) for k in rng.integers(1, 7, size=L)] + [1]

    return [
        ([2, 1], 3, np.float64),
        ([3, 4, 1], 5, np.float64),
        (dims(3), int(rng.integers(2, 9)), np.float64),
        (dims(4), int(rng.integers(2, 9)), np.float64),
        (dims(3), int(rng.integers(2, 9)), np.float32),
    ]


def _backward_variant(AL, Y, caches, output, hidden):
    """Gradients from dAL = -(Y/AL - (1-Y)/(1-AL)), with ``output`` and ``hidden`` derivatives."""
    Y = np.asarray(Y, dtype=AL.dtype)
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    L = len(caches)
    grads = {}
    for l in range(L, 0, -1):
        activation = output if l == L else hidden
        dA, grads[f"dW{l}"], grads[f"db{l}"] = ref.linear_activation_backward(
            dA, caches[l - 1], activation
        )
        grads[f"dA{l - 1}"] = dA
    return grads


def _grads_mistakes(AL, Y, caches, expected):
    """(sentence, wrong grads dict) pairs for the typical mistakes of L_model_backward."""
    m = AL.shape[1]
    return [
        (
            "every gradient has the wrong sign: dAL = -(Y/AL - (1-Y)/(1-AL)), so that "
            "dZL = AL - Y (not Y - AL).",
            {key: -value for key, value in expected.items()},
        ),
        (
            "the gradients are m times too small: divide by m only once, in linear_backward; "
            "dAL itself has no 1/m.",
            {key: value / m for key, value in expected.items()},
        ),
        (
            "dAL is AL - Y, which is dZL, the gradient after the sigmoid: passed as dAL to "
            "linear_activation_backward(..., 'sigmoid'), it gets the sigmoid's derivative a "
            "second time. Use dAL = -(Y/AL - (1-Y)/(1-AL)), or give dZL = AL - Y to "
            "linear_backward.",
            sigmoid_twice_backward(AL, Y, caches),
        ),
        (
            "the output layer uses the ReLU's derivative: it is a sigmoid layer "
            "(sigmoid_backward, or directly dZL = AL - Y).",
            _backward_variant(AL, Y, caches, "relu", "relu"),
        ),
        (
            "the hidden layers use the sigmoid's derivative: layers 1 to L-1 are ReLU layers "
            "(relu_backward); only the output layer is sigmoid.",
            _backward_variant(AL, Y, caches, "sigmoid", "sigmoid"),
        ),
    ]


def _expect_grad_keys(got, L, case):
    """Recognize shifted, 0-based and missing-layer keys, then require exactly the right ones."""
    expected = [key for l in range(L, 0, -1) for key in (f"dW{l}", f"db{l}", f"dA{l - 1}")]
    if isinstance(got, dict):
        layers = {key[2:] for key in got if key[:2] in ("dW", "db")}
        dA_keys = {key for key in got if key.startswith("dA")}
        if dA_keys == {f"dA{l}" for l in range(1, L + 1)}:
            right = ", ".join(f"dA{l}" for l in range(L))
            raise Mistake(
                "the dA keys are shifted by one: layer l stores the gradient of its input "
                f"A{{l-1}} as 'dA{{l-1}}' (here {right}), not as 'dA{{l}}'.",
                case,
            )
        if "0" in layers:
            raise Mistake(
                f"the keys start at dW0/db0: layers are numbered from 1, like W1 ... W{L}, "
                f"so the gradients are dW1 ... dW{L}.",
                case,
            )
        skipped = [l for l in range(1, L) if not {f"dW{l}", f"db{l}"} & set(got)]
        if len(skipped) == 1 and set(got) >= set(expected) - {
            f"dW{skipped[0]}",
            f"db{skipped[0]}",
            f"dA{skipped[0] - 1}",
        }:
            raise Mistake(
                f"layer {skipped[0]} is skipped (no dW{skipped[0]}, db{skipped[0]}): after the "
                "output layer, the loop must visit every hidden layer, L-1 down to 1.",
                case,
            )
    expect_keys(got, expected, "grads", case)
    return expected


def _expect_layer_order(value, key, expected, case):
    """A gradient with the shape of another layer's: the caches were used in the wrong order."""
    shape = np.shape(value)
    if shape == np.shape(expected[key]):
        return
    others = [k for k in expected if k[:2] == key[:2] and k != key and expected[k].shape == shape]
    if others:
        raise Mistake(
            f"grads['{key}'] has the shape of {others[0]}: layer l's cache is caches[l - 1]; "
            "check the indices of caches and of the keys.",
            case,
        )


CACHE_HINT = (
    "Shapes that do not fit usually mean that a layer got another layer's cache: "
    "layer l's cache is caches[l - 1], the output layer's is caches[L - 1]."
)


def _moderate_output(parameters, X, limit=6.0):
    """Scale the output layer in place so that |ZL| <= limit.

    Then AL stays well inside (0, 1), and the classic dAL = -(Y/AL - (1-Y)/(1-AL))
    route is as accurate as the dZL = AL - Y shortcut (a saturated AL of exactly
    1.0 would make it 0/0).
    """
    L = len(parameters) // 2
    _, caches = ref.L_model_forward(X, parameters)
    largest = np.abs(caches[-1].activation_cache).max()
    if largest > limit:
        for key in (f"W{L}", f"b{L}"):
            parameters[key] = (parameters[key] * (limit / largest)).astype(parameters[key].dtype)


@exercise("L_model_backward")
def _L_model_backward(candidate, rng):
    """grads of an L-layer network: keys, shapes, layer order and values, from 1 to 4 layers."""
    cases = _network_cases(rng)
    for dims, m, dtype in cases:
        parameters, X, Y = random_network(rng, dims, m, dtype=dtype)
        _moderate_output(parameters, X)
        AL, caches = ref.L_model_forward(X, parameters)
        L = len(caches)
        case = f"with layer_dims={dims}, m={m}, {np.dtype(dtype).name} (Y holds int labels)."
        expected = ref.L_model_backward(AL, Y, caches)
        got = call(
            candidate, "L_model_backward", AL, Y, caches, hints=[("^ValueError", CACHE_HINT)]
        )
        order = _expect_grad_keys(got, L, case)
        variants = _grads_mistakes(AL, Y, caches, expected)
        for key in order:
            _expect_layer_order(got[key], key, expected, case)
            mistakes = [(sentence, wrong[key]) for sentence, wrong in variants]
            mistakes += [
                (
                    f"grads['{key}'] holds {other}'s value: layer l's cache is caches[l - 1]; "
                    "check the indices of caches and of the keys.",
                    expected[other],
                )
                for other in expected
                if other[:2] == key[:2]
                and other != key
                and expected[other].shape == expected[key].shape
            ]
            expect_array(
                got[key], expected[key], f"grads['{key}']", mistakes, case, dtype_hint=LABELS_DTYPE
            )
    return len(cases)


# Integer labels Y promote a float32 AL - Y to float64.
LABELS_DTYPE = (
    "AL is float32, and the gradients keep its dtype. Cast the integer labels first, Y = Y.astype(AL.dtype) "
    "(NumPy computes AL - Y in float64 otherwise), and convert nothing to float64."
)


# --- gradient checking ----------------------------------------------------------------


def _agree(a, b, tight=1.1, noise=SUSPICIOUS):
    """Two relative differences tell the same story.

    Both tiny; or, where rounding errors may dominate (below ``noise``), within a
    factor of 10; above, where the value is determined by the gradients and ε,
    within a factor ``tight``.
    """
    if a <= GREAT and b <= GREAT:
        return True
    factor = tight if max(a, b) > noise else 10
    return a > 0 and b > 0 and abs(np.log10(a / b)) < np.log10(factor)


def _noise(epsilon):
    """Below this, rounding may shape a difference (float64 costs differ by ~1e-16 / ε)."""
    return min(SUSPICIOUS, 1e-12 / epsilon)


def _wrong_approximations(parameters, X, Y, epsilon):
    """(sentence, approx) pairs: what the typical wrong loops of gradient_check compute."""
    theta = parameters_to_vector(parameters)

    def J(vector):
        return model_cost(vector_to_parameters(vector, parameters), X, Y)

    drifting, drift = theta.copy(), np.empty_like(theta)
    for i in range(theta.size):  # theta_plus = np.copy(theta), but theta_minus = theta
        theta_plus = drifting.copy()
        theta_plus[i] += epsilon
        drifting[i] -= epsilon
        drift[i] = (J(theta_plus) - J(drifting)) / (2 * epsilon)
    rising, half_drift = theta.copy(), np.empty_like(theta)
    for i in range(theta.size):  # theta_plus = theta, theta_minus = np.copy(theta) after the +ε
        rising[i] += epsilon
        theta_minus = rising.copy()
        theta_minus[i] -= epsilon
        half_drift[i] = (J(rising) - J(theta_minus)) / (2 * epsilon)
    step_0 = np.zeros_like(theta)
    step_0[0] = epsilon
    approx = numerical_gradient(parameters, X, Y, epsilon)
    one_sided = numerical_gradient(parameters, X, Y, epsilon, centered=False)
    slope_0 = (J(theta + step_0) - J(theta - step_0)) / (2 * epsilon)
    slope_all = (J(theta + epsilon) - J(theta - epsilon)) / (2 * epsilon)
    copy_theta = "copy θ for each nudge: theta_plus = np.copy(theta), theta_minus = np.copy(theta)."
    half = (
        "your approximation is half the gradient, (J(θ+ε) - J(θ)) / (2ε): theta_plus and "
        "theta_minus are the same array (theta_plus = theta makes no copy), so the -ε "
        f"undoes the +ε and J_minus is J(θ); {copy_theta}"
    )
    return [
        (
            "your difference matches one-sided differences (J(θ+ε) - J(θ)) / ε: use centered "
            "ones, (J(θ+ε) - J(θ-ε)) / (2ε), whose error shrinks like ε² instead of ε.",
            one_sided,
        ),
        ("your approximation is twice the gradient: divide J(θ+ε) - J(θ-ε) by 2ε.", 2 * approx),
        (half, one_sided / 2),
        (half, half_drift),  # and each +ε stays in θ, which shows at a large ε
        (
            "your nudges accumulate: theta_minus = theta makes no copy, so each -ε stays in θ "
            f"and the later entries are nudged from a shifted θ; {copy_theta}",
            drift,
        ),
        (
            "your approximation is 0 everywhere, as when theta_plus and theta_minus are the "
            "same array (no copy) and both nudges happen before the costs, so J_plus = J_minus, "
            f"or when approx is never filled; {copy_theta}",
            np.zeros_like(theta),
        ),
        (
            "your approximation has the wrong sign: (J(θ+ε) - J(θ-ε)) / (2ε), with J_plus first.",
            -approx,
        ),
        (
            "every entry of your approximation is the slope along θ[0]: nudge entry i "
            "(theta_plus[i] += epsilon), not entry 0.",
            np.full_like(theta, slope_0),
        ),
        (
            "every entry of your approximation is the slope along all of θ at once "
            "(theta + epsilon): nudge one entry at a time, theta_plus[i] += epsilon.",
            np.full_like(theta, slope_all),
        ),
    ]


def _difference_mistakes(parameters, grads, X, Y, epsilon):
    """(sentence, wrong difference) pairs for the typical mistakes of gradient_check."""
    grad = gradients_to_vector(grads, parameters)
    approx = numerical_gradient(parameters, X, Y, epsilon)
    return [
        (
            "your difference is the one for ε = 1e-7 whatever epsilon is passed: nudge θ by "
            "the argument epsilon, not by a fixed number.",
            relative_difference(grad, numerical_gradient(parameters, X, Y, 1e-7)),
        ),
        *(
            (sentence, relative_difference(grad, wrong))
            for sentence, wrong in _wrong_approximations(parameters, X, Y, epsilon)
        ),
        (
            "you return ||grad - approx|| alone: divide it by ||grad|| + ||approx|| to get a "
            "relative difference.",
            float(np.linalg.norm(grad - approx)),
        ),
    ]


def _as_difference(got, expected, case):
    """``got`` as a finite Python number, or a ``Mistake``."""
    reject_none(got, "the difference", case)
    if isinstance(got, np.ndarray) and got.size == 1:
        got = got.item()
    if not is_number(got):
        raise Mistake(f"gradient_check should return a number, got {type(got).__name__}.", case)
    if not np.isfinite(got):
        raise Mistake(f"the difference is {got}; expected about {expected:.3g}.", case)
    return float(got)


def _explain_differences(runs):
    """Raise a ``Mistake`` unless every run's difference agrees with the reference's.

    ``runs`` holds (got, expected, mistakes, corrupted, case, noise) for every case. A mistake
    is named when it fits the differences of all the cases, and is told apart from the
    right answer by one of them; when several fit, all are named.
    """
    failed = [run for run in runs if not _agree(run[0], run[1], noise=run[5])]
    if not failed:
        return
    first_case = failed[0][4]
    sentences = [sentence for sentence, _ in runs[0][2]]
    fitting = {  # a dict keeps the order; a sentence may come with two wrong values
        sentence: None
        for index, sentence in enumerate(sentences)
        if all(_agree(run[0], run[2][index][1], 1.01, run[5]) for run in runs)
        and any(not _agree(run[1], run[2][index][1], noise=run[5]) for run in runs)
    }
    fitting = list(fitting)
    if len(fitting) == 1:
        raise Mistake(fitting[0], first_case)
    if fitting:
        raise Mistake("your difference fits more than one mistake:", *fitting, first_case)
    for got, expected, _, corrupted, case, _ in failed:
        if got > 1 + 1e-9:
            raise Mistake(
                f"your difference is {got:.3g}, more than 1, which ||grad - approx|| / "
                "(||grad|| + ||approx||) never is (that is at most 1): check the denominator, "
                "the sum of the two norms np.linalg.norm(grad) + np.linalg.norm(approx), not the "
                "norm of the sum np.linalg.norm(grad + approx).",
                case,
            )
        if corrupted and expected > SUSPICIOUS and got < expected / 100:
            raise Mistake(
                f"your check missed the error planted in grads['d{corrupted}']: θ must hold "
                "every parameter, W1, b1, ..., WL, bL, and the loop must visit all of its "
                "entries.",
                case,
            )
    got, expected, *_ = failed[0]
    raise Mistake(f"the difference is {got:.3g}, expected about {expected:.3g}.", first_case)


def _expect_restored(parameters, before, case):
    """The parameters must come back as they were (rounding-level changes are fine)."""
    if same(parameters, before):
        return
    restored = parameters.keys() == before.keys() and all(
        np.shape(parameters[k]) == np.shape(before[k])
        and np.allclose(parameters[k], before[k], rtol=1e-12, atol=1e-15)
        for k in before
    )
    if not restored:
        raise Mistake(
            "gradient_check left `parameters` changed: after nudging an entry by ±ε, put its "
            "original value back (or work on a copy, e.g. theta = "
            "parameters_to_vector(parameters)).",
            case,
        )


def _corrupt(grads, parameters, key, rng):
    """grads[f"d{key}"] moved by half the norm of the whole gradient, in a random direction."""
    size = parameters[key].size
    step = 0.5 * np.linalg.norm(gradients_to_vector(grads, parameters)) / np.sqrt(size)
    return grads[f"d{key}"] + step * rng.choice([-1.0, 1.0], size=parameters[key].shape)


def _live_network(rng, dims, m):
    """``random_network`` and its grads, drawn again until every dW{l} has a nonzero entry.

    A layer of dead ReLUs would give a check that visits only its weights 0 / 0.
    """
    while True:
        parameters, X, Y = random_network(rng, dims, m)
        AL, caches = ref.L_model_forward(X, parameters)
        grads = ref.L_model_backward(AL, Y, caches)
        if all(np.any(grads[f"dW{l}"]) for l in range(1, len(dims))):
            return parameters, X, Y, grads


@exercise("gradient_check")
def _gradient_check(candidate, rng):
    """The relative difference for correct, corrupted and sign-flipped grads; parameters unchanged.

    Every case runs before the verdict, so that a mistake is named only when all fit it.
    """
    cases = [  # (dims, m, corrupted parameter or "sign" or None, epsilon or None for the default)
        ([2, 1], 3, None, 1e-4),
        ([3, 4, 1], 5, None, 0.3),  # a large ε: the approximation is visibly off the gradient
        ([3, 4, 1], 4, "b1", None),
        ([4, 5, 3, 1], 6, None, 1e-3),
        ([int(rng.integers(2, 5)), int(rng.integers(2, 5)), 3, 1], 5, "b3", 1e-5),
        ([int(rng.integers(2, 5)), 4, int(rng.integers(2, 5)), 1], 6, "W1", 1e-6),
        ([3, 3, 1], 4, "sign", None),
    ]
    runs = []
    for dims, m, corrupted, epsilon in cases:
        parameters, X, Y, grads = _live_network(rng, dims, m)
        if corrupted == "sign":
            grads = {key: -value for key, value in grads.items()}
            planted = ", and grads of the wrong sign."
        elif corrupted:
            grads[f"d{corrupted}"] = _corrupt(grads, parameters, corrupted, rng)
            planted = f", and a wrong grads['d{corrupted}']."
        else:
            planted = ", and correct grads."
        extra = () if epsilon is None else (epsilon,)
        epsilon = 1e-7 if epsilon is None else epsilon
        case = f"with layer_dims={dims}, m={m}, epsilon={epsilon:g}{planted}"
        before = copy.deepcopy(parameters)
        got = call(candidate, "gradient_check", parameters, grads, X, Y, *extra, may_change=(0,))
        _expect_restored(parameters, before, case)
        parameters = before
        expected = gradient_check(parameters, grads, X, Y, epsilon)
        got = _as_difference(got, expected, case)
        mistakes = _difference_mistakes(parameters, grads, X, Y, epsilon)
        wrong_key = corrupted if corrupted != "sign" else None
        runs.append((got, expected, mistakes, wrong_key, case, _noise(epsilon)))
    _explain_differences(runs)
    return len(cases)

"""Checks of lesson 05: the backward pass, derived on one neuron and then layer by layer."""

import numpy as np

from .. import reference as ref
from ..gradcheck import relative_difference
from .api import exercise
from .cases import case_dtype, layer_sizes, random_layer, random_network, sigmoid_twice_backward
from .expect import (
    KEEP_DTYPE,
    Mistake,
    array_of_shape,
    call,
    close,
    expect_array,
    expect_keys,
    expect_tuple,
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
            (
                "σ' is evaluated at s = sigmoid(Z) instead of Z: σ'(Z) = s * (1 - s) uses "
                "s once; sigmoid(s) * (1 - sigmoid(s)) applies the sigmoid twice.",
                dA * ref.sigmoid(s) * (1 - ref.sigmoid(s)),
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
    return len(cases) + _softmax_backward_cases(candidate, rng)


def _softmax_backward_cases(candidate, rng):
    """With output_activation="softmax": one-hot Y (C, m) and dZL = AL - Y; 1 to 3 layers."""
    cases = [[int(rng.integers(2, 5)), 3], [3, 4, int(rng.integers(3, 6))]]
    cases.append([int(k) for k in rng.integers(2, 6, size=3)] + [int(rng.integers(3, 6))])
    for index, dims in enumerate(cases):
        dtype = case_dtype(index, len(cases))
        m, C = int(rng.integers(2, 8)), dims[-1]
        parameters, X, _ = random_network(rng, dims, m, dtype=dtype)
        _moderate_output(parameters, X)
        AL, caches = ref.L_model_forward(X, parameters, "softmax")
        Y = ref.one_hot(rng.integers(0, C, size=(1, m)), C, dtype=np.int64)
        L = len(caches)
        case = (
            f'with output_activation="softmax", layer_dims={dims} ({C} classes), m={m}, '
            f"{np.dtype(dtype).name} (Y one-hot, (C, m), of ints)."
        )
        expected = ref.L_model_backward(AL, Y, caches, "softmax")
        hints = [
            (
                r"takes 3 positional arguments but 4 were given",
                'L_model_backward needs a fourth argument, output_activation="sigmoid" by '
                'default: def L_model_backward(AL, Y, caches, output_activation="sigmoid").',
            ),
            ("^ValueError", CACHE_HINT),
        ]
        got = call(candidate, "L_model_backward", AL, Y, caches, "softmax", hints=hints)
        order = _expect_grad_keys(got, L, case)
        m = AL.shape[1]
        variants = [
            (
                "output_activation is ignored: a softmax output layer with the categorical "
                "cross-entropy has dZL = AL - Y (softmax_cross_entropy_backward), not the "
                "sigmoid's dAL and sigmoid_backward.",
                _backward_variant(AL, Y, caches, "sigmoid", "relu"),
            ),
            (
                "every gradient has the wrong sign: dZL = AL - Y, not Y - AL.",
                {key: -value for key, value in expected.items()},
            ),
            (
                "the gradients are m times too small: dZL = AL - Y has no 1/m; it comes once, "
                "in linear_backward.",
                {key: value / m for key, value in expected.items()},
            ),
        ]
        for key in order:
            _expect_layer_order(got[key], key, expected, case)
            mistakes = [(sentence, wrong[key]) for sentence, wrong in variants]
            expect_array(
                got[key], expected[key], f"grads['{key}']", mistakes, case, dtype_hint=LABELS_DTYPE
            )
    return len(cases)


# Integer labels Y promote a float32 AL - Y to float64.
LABELS_DTYPE = (
    "AL is float32, and the gradients keep its dtype. Cast the integer labels first, Y = Y.astype(AL.dtype) "
    "(NumPy computes AL - Y in float64 otherwise), and convert nothing to float64."
)


# --- deriving it: one neuron, dAL, softmax with cross-entropy ------------------------------
#
# These exercises are graded by a gradient check: the answer must agree with the slopes of
# the loss measured by nudging each input entry (centered differences in float64), so any
# correct derivation passes. The reference only names the slips and sets the dtype.

DERIVE_EPSILON = 1e-6
DERIVE_LIMIT = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-4}


def _slopes(f, array, *args):
    """Centered differences of the number ``f(array, *args)``, one per entry of ``array``."""
    base = np.array(array, dtype=np.float64)
    approx = np.empty_like(base)
    for index in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[index] += DERIVE_EPSILON
        minus[index] -= DERIVE_EPSILON
        approx[index] = (f(plus, *args) - f(minus, *args)) / (2 * DERIVE_EPSILON)
    return approx


def _loss_sum(A, Y):
    """Sum over the examples of the binary cross-entropy loss, for A in (0, 1)."""
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))


def _neuron_cost(w, X, Y, b):
    """The cost J of one sigmoid neuron: the mean loss over the m columns of X."""
    return _loss_sum(ref.sigmoid(w @ X + b), Y) / X.shape[1]


def _expect_slopes(got, expected, approx, what, nudged, mistakes, case, shape_hint="", labels=""):
    """``got`` must agree with ``approx``, the slopes measured by nudging ``nudged``.

    ``expected`` (the reference, same dtype as the inputs) names the slips of ``mistakes``,
    ``(sentence, wrong value)`` pairs, and gives the shape and dtype the answer must have;
    ``labels`` names the float array integer labels must be cast to (float32 cases).
    """
    got, expected = array_of_shape(got, expected, what, mistakes, case, shape_hint)
    if not np.all(np.isfinite(got)):
        raise Mistake(f"{what} contains NaN or inf where the answer is finite.", case)
    if got.dtype.kind == "f" and got.dtype.itemsize < expected.dtype.itemsize:
        raise Mistake(f"{what} is {got.dtype}, expected {expected.dtype}: {KEEP_DTYPE}", case)
    difference = relative_difference(got.astype(np.float64).ravel(), approx.ravel())
    limit = DERIVE_LIMIT.get(expected.dtype, 1e-7)
    if not difference < limit:
        raise Mistake(
            f"{what} disagrees with the slopes measured by nudging each entry of {nudged} "
            f"(relative difference {difference:.1e}; a right derivation gives less than "
            f"{limit:.0e}).",
            case,
            f"measured slopes:\n{show(approx)}",
            f"got:\n{show(got)}",
        )
    if expected.dtype == np.float32 and got.dtype != np.float32:
        advice = KEEP_DTYPE
        if labels:
            advice = (
                "keep the inputs' dtype. Integer labels turn float32 arithmetic into float64: "
                f"cast them first (Y = Y.astype({labels}.dtype)), and convert nothing to float64."
            )
        raise Mistake(f"{what} is {got.dtype}, expected float32: {advice}", case)


def _neuron_cases(rng, m_first):
    """(X, Y, w, b, dtype) of one neuron: two fixed cases with m = ``m_first``, then random ones.

    |z| stays below 3, so that a is between 0.05 and 0.95 and a - y is never tiny.
    """
    fixed_X = np.array([[0.5, -1.0], [-1.2, 0.3], [2.0, 0.8]])[:, :m_first]
    fixed_w = np.array([[0.4, -0.3, 0.2]])
    yield fixed_X, np.array([[1, 0]])[:, :m_first], fixed_w, np.array([[0.1]]), np.float64
    yield fixed_X, np.array([[0, 1]])[:, :m_first], -fixed_w, np.array([[-0.2]]), np.float64
    for index in range(3):
        n = int(rng.integers(1, 7))
        m = m_first if m_first == 1 else int(rng.integers(2, 9))
        X = rng.standard_normal((n, m))
        w = rng.standard_normal((1, n))
        b = rng.standard_normal((1, 1))
        largest = np.abs(w @ X + b).max()
        if largest > 3:
            w, b = w * 3 / largest, b * 3 / largest
        Y = rng.integers(0, 2, size=(1, m))
        yield X, Y, w, b, np.float32 if index == 2 else np.float64


def _neuron_slips(X, Y, w, b):
    """{gradient name: [(sentence, wrong value)]} for the slips of one neuron's backward pass.

    Each wrong dz is carried through the same sum and 1/m as the right one.
    """
    m = X.shape[1]
    Yf = Y.astype(X.dtype)
    Z = w @ X + b
    A = ref.sigmoid(Z)
    dA = -(Yf / A - (1 - Yf) / (1 - A))
    sA = ref.sigmoid(A)
    wrong_dZ = [
        ("a sign error: dz = a - y, not y - a (∂L/∂a = -(y/a - (1-y)/(1-a))).", Yf - A),
        (
            "σ' is evaluated at a instead of z: ∂a/∂z = σ'(z) = σ(z)(1 - σ(z)), which is "
            "a(1 - a) since a = σ(z); σ(a)(1 - σ(a)) is another number.",
            dA * sA * (1 - sA),
        ),
        (
            "the factor ∂a/∂z = σ'(z) is missing: by the chain rule dz = ∂L/∂a · ∂a/∂z.",
            dA,
        ),
        (
            "σ' is applied twice: a - y already is ∂L/∂a · σ'(z); do not multiply it by "
            "a(1 - a) again.",
            (A - Yf) * A * (1 - A),
        ),
    ]
    slips = {"dw": [], "db": []}
    for sentence, dZ in wrong_dZ:
        slips["dw"].append((sentence, dZ @ X.T / m))
        slips["db"].append((sentence, dZ.sum(axis=1, keepdims=True) / m))
    dZ = A - Yf
    slips["dw"].append(("∂z/∂w is the input x, not w: dw_j = dz · x_j.", dZ.mean() * w))
    return slips, dZ


def _neuron_shape_hint(what, m):
    """The advice on a wrong shape of dw or db."""
    if what == "dw":
        if m == 1:
            return (
                "dw is a row like w; its entry j is dz · x_j, so the column x is laid out as a row."
            )
        return "dw is a row like w; its entry j is (1/m) Σ dz⁽ⁱ⁾ x_j⁽ⁱ⁾, summed over examples."
    if m == 1:
        return "db is like b, one number in a (1, 1) array."
    return "add up the examples' dz⁽ⁱ⁾ (a sum over axis 1 with keepdims=True), then divide by m."


def _check_neuron(candidate, name, rng, m_first):
    """The shared checker of the two one-neuron exercises; ``m_first`` is 1 or 2."""
    count = 0
    for X, Y, w, b, dtype in _neuron_cases(rng, m_first):
        X, w, b = X.astype(dtype), w.astype(dtype), b.astype(dtype)
        m = X.shape[1]
        if m_first == 1:
            args, shown = (X, Y, w, b), f"x{X.shape}, y = {show(Y)}"
        else:
            args, shown = (X, Y, w, b), f"X{X.shape}, Y = {show(Y)}"
        case = f"with {shown}, w = {show(w)}, b = {show(b)}, {np.dtype(dtype).name}."
        out = call(candidate, name, *args, hints=[(r"matmul|not aligned", TRANSPOSE_HINT)])
        got = expect_tuple(out, 2, "the result", "dw, db", case)
        expected = getattr(ref, name)(*args)
        Yf = Y.astype(np.float64)
        approx_w = _slopes(_neuron_cost, w, X, Yf, b)
        approx_b = _slopes(lambda v, *rest: _neuron_cost(*rest, v), b, w, X, Yf)
        slips, dZ = _neuron_slips(X.astype(np.float64), Y, w.astype(np.float64), b)
        if m > 1:
            slips["dw"] += [
                (
                    "dw is m times too large: J is the mean of the m losses, so "
                    "dw = (1/m) Σ dz⁽ⁱ⁾ x⁽ⁱ⁾ᵀ.",
                    dZ @ X.T,
                ),
                ("dw is divided by m twice: the 1/m of the mean appears once.", dZ @ X.T / m**2),
                *[
                    (
                        f"dw holds the {which} example's term alone: add up (+=) every "
                        "example's dz⁽ⁱ⁾ x⁽ⁱ⁾ᵀ, then divide by m.",
                        wrong,
                    )
                    for which, i in (("first", 0), ("last", m - 1))
                    for wrong in (dZ[:, i : i + 1] @ X[:, i : i + 1].T / k for k in (1, m))
                ],
            ]
            slips["db"] += [
                (
                    "db is m times too large: J is the mean of the m losses, so db is the sum "
                    "of the dz⁽ⁱ⁾ divided by m.",
                    dZ.sum(axis=1, keepdims=True),
                ),
                ("db is divided by m twice.", dZ.sum(axis=1, keepdims=True) / m**2),
                *[
                    (
                        f"db holds the {which} example's dz alone: add up every example's "
                        "dz⁽ⁱ⁾, then divide by m.",
                        wrong,
                    )
                    for which, i in (("first", 0), ("last", m - 1))
                    for wrong in (dZ[:, i : i + 1] / k for k in (1, m))
                ],
            ]
        for value, right, approx, what, nudged in zip(
            got, expected, (approx_w, approx_b), ("dw", "db"), ("w", "b"), strict=True
        ):
            _expect_slopes(
                value,
                right,
                approx,
                what,
                nudged,
                slips[what],
                case,
                _neuron_shape_hint(what, m),
                labels="x" if m_first == 1 else "X",
            )
        count += 1
    return count


TRANSPOSE_HINT = (
    "If that line multiplies dz (1, m) by x or X (n, m): the product needs the transpose, "
    "as Σ dz⁽ⁱ⁾ x⁽ⁱ⁾ᵀ over the examples is dZ Xᵀ."
)


@exercise("neuron_example_backward")
def _neuron_example_backward(candidate, rng):
    """(dw, db) of one sigmoid neuron on one example, graded by nudging w and b."""
    return _check_neuron(candidate, "neuron_example_backward", rng, 1)


@exercise("neuron_batch_backward")
def _neuron_batch_backward(candidate, rng):
    """(dw, db) of one sigmoid neuron's mean cost over m examples (m = 2 first), by nudging."""
    return _check_neuron(candidate, "neuron_batch_backward", rng, 2)


def _output_cases(rng, fixed):
    """(AL, Y, dtype): the ``fixed`` pair, then random ones with AL in (0.05, 0.95); the last float32."""
    yield (*fixed, np.float64)
    for index in range(3):
        m = int(rng.integers(2, 9))
        AL = rng.uniform(0.05, 0.95, size=(1, m))
        Y = rng.integers(0, 2, size=(1, m))
        Y[0, :2] = (0, 1)  # both labels, so that each term's slip shows
        yield AL, Y, np.float32 if index == 2 else np.float64


@exercise("cross_entropy_backward")
def _cross_entropy_backward(candidate, rng):
    """dAL of the binary cross-entropy, per example (no 1/m), graded by nudging AL."""
    fixed = (np.array([[0.9, 0.2, 0.6, 0.3]]), np.array([[1, 0, 0, 1]]))
    count = 0
    for AL, Y, dtype in _output_cases(rng, fixed):
        AL = AL.astype(dtype)
        m = AL.shape[1]
        case = f"with AL = {show(AL)}, Y = {show(Y)}, {np.dtype(dtype).name}."
        Yf = Y.astype(np.float64)
        A = AL.astype(np.float64)
        right = -(Yf / A - (1 - Yf) / (1 - A))
        mistakes = [
            (
                "dAL is divided by m: column i is the derivative of example i's own loss "
                "L⁽ⁱ⁾, not of the cost J; the 1/m comes once, later, in dW and db.",
                right / m,
            ),
            ("a sign error: the derivative of -log a is -1/a.", -right),
            (
                "the second term has the wrong sign: by the chain rule the derivative of "
                "log(1 - a) is -1/(1 - a) (the inner 1 - a has slope -1).",
                -(Yf / A + (1 - Yf) / (1 - A)),
            ),
            (
                "dAL is AL - Y, which is dZL, the gradient after the sigmoid; dAL is the "
                "derivative of the loss with respect to a itself.",
                A - Yf,
            ),
            (
                "only the y log a term is differentiated: the examples labeled 0 pay "
                "-(1 - y) log(1 - a), whose derivative is missing.",
                -Yf / A,
            ),
        ]
        dAL = call(candidate, "cross_entropy_backward", AL, Y)
        # The losses are separate, so the slope of their sum along a(i) is example i's own.
        approx = _slopes(_loss_sum, A, Yf)
        expected = ref.cross_entropy_backward(AL, Y)
        _expect_slopes(dAL, expected, approx, "dAL", "AL", mistakes, case, labels="AL")
        count += 1
    return count


def _softmax_loss_sum(Z, Y):
    """Sum over the examples of -Σ_k y_k log softmax(z)_k, computed stably from the scores Z."""
    shifted = Z - Z.max(axis=0, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    return float(-np.sum(Y * log_softmax))


@exercise("softmax_cross_entropy_backward")
def _softmax_cross_entropy_backward(candidate, rng):
    """dZL of softmax with categorical cross-entropy, per example (no 1/m), by nudging ZL."""
    sizes = [(2, 1), (3, 4), (int(rng.integers(2, 11)), int(rng.integers(2, 9)))]
    sizes.append((int(rng.integers(2, 11)), int(rng.integers(2, 9))))
    count = 0
    for index, (C, m) in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        Z = 1.5 * rng.standard_normal((C, m))
        labels = rng.integers(0, C, size=m)
        Y = ref.one_hot(labels, C, dtype)  # a float32 pipeline has float32 one-hot labels
        AL = ref.softmax(Z).astype(dtype)
        case = f"with AL{AL.shape} = softmax(ZL) and one-hot Y{Y.shape}, {np.dtype(dtype).name}."
        A, Y = ref.softmax(Z), Y.astype(np.float64)
        dA = -Y / A
        mistakes = [
            ("a sign error: dZ = A - Y, not Y - A.", Y - A),
            (
                "dZL is divided by m: column i is the derivative of example i's own loss, not "
                "of the cost J; the 1/m comes once, later, in dW and db.",
                (A - Y) / m,
            ),
            (
                "this is dAL = -Y / AL, the derivative with respect to the probabilities; dZL "
                "also goes through the softmax's derivative.",
                dA,
            ),
            (
                "only the diagonal of the softmax's derivative is used (dA * A * (1 - A), as "
                "for a sigmoid): every score z_j moves every probability a_k, with "
                "∂a_k/∂z_j = a_k(δ_kj - a_j), so add up the contributions of all the k.",
                dA * A * (1 - A),
            ),
            (
                "the softmax's derivative is applied twice: A - Y already includes it.",
                (A - Y) * A * (1 - A),
            ),
        ]
        dZ = call(candidate, "softmax_cross_entropy_backward", AL, Y.astype(dtype))
        approx = _slopes(_softmax_loss_sum, Z, Y)
        expected = ref.softmax_cross_entropy_backward(AL, Y.astype(dtype))
        _expect_slopes(dZ, expected, approx, "dZL", "ZL", mistakes, case)
        count += 1
    return count

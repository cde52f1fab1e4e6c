"""Checks of lesson 03: activations and the forward pass."""

import numpy as np

from .. import reference as ref
from .api import exercise
from .cases import case_dtype, layer_sizes, random_layer, random_parameters
from .expect import Mistake, call, close, expect_array, expect_tuple


def expect_linear_cache(got, A_prev, W, b, what, case):
    """The linear cache must be (A_prev, W, b), in that order."""
    got = expect_tuple(got, 3, what, "A_prev, W, b", case)
    expected = (A_prev, W, b)
    order = [next((j for j, e in enumerate(expected) if close(g, e)), None) for g in got]
    if set(order) == {0, 1, 2} and order != [0, 1, 2]:
        names = ", ".join(("A_prev", "W", "b")[j] for j in order)
        raise Mistake(f"{what} is ({names}); the order is (A_prev, W, b).", case)
    for item, expected, name in zip(got, (A_prev, W, b), ("A_prev", "W", "b"), strict=True):
        expect_array(
            item, expected, f"{what}'s {name}", case=case + " The order is (A_prev, W, b)."
        )


MATRIX_PRODUCT = "Z = W @ A + b: a matrix product of W (n, n_prev) with A (n_prev, m)."
BIAS_COLUMN = (
    "Z = W @ A + b adds the column b (n, 1) to every column of W @ A (n, m): NumPy repeats "
    "it over the m columns. Keep b a column (no .ravel(), .flatten() or b[:, 0])."
)


@exercise("linear_forward")
def _linear_forward(candidate, rng):
    """Z = W A + b and the cache (A_prev, W, b), square layers included."""
    sizes = layer_sizes(rng)
    for index, (n_prev, n, m) in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        A_prev, W, b = random_layer(rng, n_prev, n, m, dtype)
        case = f"with A{A_prev.shape}, W{W.shape}, b{b.shape}, {np.dtype(dtype).name}."
        flat_b = rf"could not be broadcast together with shapes \({n},{m}\) \({n},\)"
        hints = [(flat_b, f"b has lost its column shape: {BIAS_COLUMN}")]
        hints.append(("^ValueError", MATRIX_PRODUCT))
        out = call(candidate, "linear_forward", A_prev, W, b, hints=hints)
        Z, cache = expect_tuple(out, 2, "the result", "Z, cache", case)
        expected = W @ A_prev + b
        mistakes = [
            ("Z is missing the bias b: Z = W A + b.", W @ A_prev),
            ("Z subtracts b: it is Z = W A + b.", W @ A_prev - b),
        ]
        if n == n_prev:  # W.T @ A runs without an error only for a square W
            mistakes.append((f"Z uses W transposed: {MATRIX_PRODUCT}", W.T @ A_prev + b))
        if n == m:  # a flattened b broadcasts as a row only when W @ A is square
            mistakes.append(
                (f"Z adds b along the rows, as a flattened b does: {BIAS_COLUMN}", W @ A_prev + b.T)
            )
        expect_array(Z, expected, "Z", mistakes, case)
        expect_linear_cache(cache, A_prev, W, b, "the cache", case)
    return len(sizes)


# --- elementwise activations ----------------------------------------------------------


def activation_inputs(rng, scale=3.0):
    """Z arrays from (1, 1) up: random shapes, exact zeros, one float32, and huge |Z| last."""
    shapes = [(1, 1), (2, 3)] + [tuple(int(k) for k in rng.integers(2, 12, size=2)) for _ in "ab"]
    Zs = [rng.standard_normal(shape) * scale for shape in shapes]
    Zs[2].flat[0] = 0.0
    Zs.append((rng.standard_normal((4, 9)) * scale).astype(np.float32))
    huge = rng.standard_normal((3, 8)) * scale
    huge[0] = [-1000.0, -100.0, -40.0, 0.0, 40.0, 100.0, 1000.0, -745.0]
    Zs.append(huge)
    return Zs


def describe_Z(Z):
    """The case sentence for an activation's input Z."""
    return f"with Z of shape {Z.shape}, {Z.dtype.name}" + (
        ", with entries as large as |Z| = 1000." if np.abs(Z).max() > 100 else "."
    )


def expect_activation(got, expected, what, mistakes, case):
    """An activation's output is one array; a tuple (A, cache) gets its own sentence."""
    if isinstance(got, tuple | list) and len(got) == 2:
        raise Mistake(
            f"{what} is a tuple of 2, like (A, cache): in this course an activation function "
            "returns the array A only (the layer keeps Z in its own cache).",
            case,
        )
    if isinstance(got, float | int | np.generic):
        raise Mistake(
            f"{what} is a single number where an array of shape {np.shape(expected)} is expected: "
            "work elementwise with NumPy (np.maximum, np.where, np.exp) rather than Python's "
            "max, min, `if` or math.exp.",
            case,
        )
    expect_array(got, expected, what, mistakes, case)


def unambiguous(mistakes):
    """The (sentence, value) pairs whose value no other pair shares, so a match names one cause."""
    return [
        (sentence, value)
        for i, (sentence, value) in enumerate(mistakes)
        if not any(close(value, other) for j, (_, other) in enumerate(mistakes) if j != i)
    ]


@exercise("sigmoid")
def _sigmoid(candidate, rng):
    """1 / (1 + e^-Z) elementwise, with exact zeros and |Z| up to 1000."""
    Zs = activation_inputs(rng)
    for Z in Zs:
        case = describe_Z(Z)
        A = call(candidate, "sigmoid", Z)
        if isinstance(A, np.ndarray) and np.isnan(A).any() and np.abs(Z).max() > 100:
            raise Mistake(
                "sigmoid(Z) gives NaN for large |Z|: e^Z overflows to inf and inf / inf is NaN; "
                "write it as 1 / (1 + np.exp(-Z)), which gives 0 or 1 there.",
                case,
            )
        mistakes = [
            (
                "sigmoid(Z) returns 1 - σ(Z), which is σ(-Z): near 0 for large Z, where σ(Z) is "
                "near 1. σ(Z) = 1 / (1 + e^(-Z)): the numerator is 1 and the exponent is -Z.",
                ref.sigmoid(-Z),
            ),
            (
                "the denominator is missing its 1 +: sigmoid(Z) = 1 / (1 + e^(-Z)).",
                np.exp(Z.astype(float)),
            ),
            (
                "the denominator is 1 - e^(-Z), a minus where sigmoid has a plus: "
                "sigmoid(Z) = 1 / (1 + e^(-Z)).",
                1 / (1 - np.exp(-Z.astype(float))),
            ),
        ]
        expect_activation(A, ref.sigmoid(Z), "sigmoid(Z)", mistakes, case)
    return len(Zs)


@exercise("relu")
def _relu(candidate, rng):
    """max(0, Z) elementwise, with exact zeros and |Z| up to 1000."""
    Zs = activation_inputs(rng)
    for Z in Zs:
        case = describe_Z(Z)
        A = call(candidate, "relu", Z)
        mistakes = [
            (
                "relu keeps the negative part and drops the positive one: it is np.maximum(Z, 0), "
                "not np.minimum.",
                np.minimum(Z, 0),
            ),
            (
                "relu returned Z > 0, the slope (0 or 1) used in the backward pass, instead of the "
                "value max(0, Z).",
                (Z > 0).astype(float),
            ),
            (
                "np.max(Z, 0) takes the largest entry of each column; the elementwise maximum is "
                "np.maximum(Z, 0).",
                np.max(Z, axis=0),
            ),
            (
                "relu returned |Z|: negative entries became positive. relu sets them to 0 "
                "and keeps the positive ones: np.maximum(Z, 0).",
                np.abs(Z),
            ),
            *leaky_mistakes(Z, "relu"),
        ]
        expect_activation(A, ref.relu(Z), "relu(Z)", mistakes, case)
    return len(Zs)


def leaky_mistakes(Z, name):
    """(sentence, value) pairs for a leaky slope where relu wants exact zeros."""
    return [
        (
            f"{name} must set negative values to exactly 0; multiplying them by {alpha} is leaky ReLU.",
            ref.leaky_relu(Z, alpha),
        )
        for alpha in (0.01, 0.1, 0.2)
    ]


SWAPPED = "alpha scales the negative inputs; the positive ones pass through unchanged."
# For alpha > 1, np.maximum(Z, alpha * Z) gives the same numbers as the swap.
SWAPPED_ABOVE_1 = (
    "leaky_relu(Z) multiplies the positive inputs by alpha and leaves the negative ones "
    "unchanged, which is what np.maximum(Z, alpha * Z) does when alpha > 1 (it is leaky ReLU "
    "only for alpha <= 1): use np.where(Z > 0, Z, alpha * Z)."
)


@exercise("leaky_relu")
def _leaky_relu(candidate, rng):
    """Z where Z > 0, else alpha * Z, for the default and given alphas."""
    Zs = activation_inputs(rng)
    # One alpha above 1, where np.maximum(Z, alpha * Z) is no longer leaky ReLU.
    alphas = [None, 0.1, None, 0.2, float(rng.uniform(1.5, 4)), float(rng.uniform(0.02, 0.3))]
    for Z, alpha in zip(Zs, alphas, strict=True):
        args = () if alpha is None else (alpha,)
        slope = 0.01 if alpha is None else alpha
        case = describe_Z(Z)[:-1] + (
            ", alpha left at its default." if alpha is None else f", alpha={alpha:.3g}."
        )
        A = call(candidate, "leaky_relu", Z, *args)
        mistakes = [
            ("negative inputs should give alpha * Z, not 0: that is plain ReLU.", ref.relu(Z)),
            (
                SWAPPED_ABOVE_1 if slope > 1 else SWAPPED,
                np.where(Z > 0, slope * Z, Z),
            ),
            ("use the alpha argument instead of a fixed 0.01.", ref.leaky_relu(Z, 0.01)),
            ("negative inputs should give alpha * Z, not alpha.", np.where(Z > 0, Z, slope)),
        ]
        expect_activation(A, ref.leaky_relu(Z, slope), "leaky_relu(Z)", mistakes, case)
    return len(Zs)


# --- layers and the L-layer forward pass ----------------------------------------------

OTHER_ACTIVATION = {"relu": "sigmoid", "sigmoid": "relu"}


def _cached(cache, *path):
    """cache[path[0]][path[1]]..., or None when the candidate's cache has another layout."""
    try:
        for index in path:
            cache = cache[index]
    except (TypeError, IndexError, KeyError):
        return None
    return cache


def expect_layer_cache(got, A_prev, W, b, Z, A, what, case, input_mistakes=()):
    """A layer cache must be ((A_prev, W, b), Z); ``input_mistakes`` diagnose a wrong A_prev."""
    layout = {
        3: "holds 3 items, like the linear cache alone; is Z missing?",
        4: "is flat (4 items); group the linear cache in a tuple of its own.",
    }
    if isinstance(got, tuple | list) and len(got) in layout:
        raise Mistake(
            f"{what} {layout[len(got)]} It should be (linear_cache, Z) = ((A_prev, W, b), Z).",
            case,
        )
    if isinstance(got, tuple | list) and len(got) == 2 and isinstance(got[0], np.ndarray):
        raise Mistake(
            f"{what} starts with an array: it should be (linear_cache, Z) = ((A_prev, W, b), Z), "
            "in that order.",
            case,
        )
    linear_cache, activation_cache = expect_tuple(got, 2, what, "linear_cache, Z", case)
    linear_cache = expect_tuple(linear_cache, 3, f"{what}'s linear cache", "A_prev, W, b", case)
    expect_array(linear_cache[0], A_prev, f"{what}'s A_prev", input_mistakes, case)
    expect_linear_cache(linear_cache, A_prev, W, b, f"{what}'s linear cache", case)
    stored_A = (
        f"{what} stores A where it should store Z, the activation's input: the backward pass "
        "needs Z.",
        A,
    )
    expect_array(activation_cache, Z, f"{what}'s Z", [stored_A], case)


def mixed_layer(rng, n_prev, n, m, dtype):
    """A random layer (n * m >= 2) whose Z has both signs, so relu(Z), Z and sigmoid(Z) differ."""
    while True:
        A_prev, W, b = random_layer(rng, n_prev, n, m, dtype)
        Z = W @ A_prev + b
        if Z.min() < 0 < Z.max():
            return A_prev, W, b


@exercise("linear_activation_forward")
def _linear_activation_forward(candidate, rng):
    """A = g(W A_prev + b) and the cache ((A_prev, W, b), Z), for both activations."""
    sizes = [(1, 1, 3), *layer_sizes(rng, count=3)[1:]]
    sizes.append(tuple(int(k) for k in rng.integers(4, 16, size=3)))
    count = 0
    for index, (n_prev, n, m) in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        for activation in ("sigmoid", "relu"):
            A_prev, W, b = mixed_layer(rng, n_prev, n, m, dtype)
            case = (
                f'with activation="{activation}", A_prev{A_prev.shape}, W{W.shape}, b{b.shape}, '
                f"{np.dtype(dtype).name}."
            )
            out = call(candidate, "linear_activation_forward", A_prev, W, b, activation)
            A, cache = expect_tuple(out, 2, "the result", "A, cache", case)
            Z = W @ A_prev + b
            expected = ref.ACTIVATIONS[activation](Z)
            other = OTHER_ACTIVATION[activation]
            mistakes = [
                (
                    f'A is {other}(Z) but activation="{activation}" asks for {activation}(Z): '
                    "check which function each branch calls.",
                    ref.ACTIVATIONS[other](Z),
                ),
                ("A equals Z: the activation was not applied (A = g(Z)).", Z),
            ]
            expect_activation(A, expected, "A", unambiguous(mistakes), case)
            expect_layer_cache(cache, A_prev, W, b, Z, expected, "the cache", case)
            count += 1
    return count


def mixed_network(rng, layer_dims, m, dtype):
    """X (n_x, m >= 2) and parameters whose output Z{L} has both signs (relu(ZL) differs from ZL)."""
    while True:
        X = rng.standard_normal((layer_dims[0], m)).astype(dtype)
        parameters = random_parameters(rng, layer_dims, dtype=dtype)
        _, caches = ref.L_model_forward(X, parameters)
        ZL = caches[-1].activation_cache
        if ZL.min() < 0 < ZL.max():
            return X, parameters


def network_dims(rng):
    """layer_dims from one layer up; the second network is square so a skipped layer still runs."""
    n = int(rng.integers(3, 6))
    dims = [[int(rng.integers(2, 5)), 1], [n, n, n, 1]]
    dims += [[int(k) for k in rng.integers(1, 9, size=depth)] + [1] for depth in (2, 4, 3)]
    dims.append([int(rng.integers(10, 30)), int(rng.integers(5, 20)), int(rng.integers(5, 20)), 1])
    return dims


def forward_hints(L):
    """(pattern, sentence) hints for the errors of an L-layer forward pass gone wrong."""
    return [
        (
            f"KeyError: '[Wb]{L + 1}'",
            f"L_model_forward asked for layer {L + 1}, but this network has L = {L}: "
            "L = len(parameters) // 2 (a W and a b per layer); the hidden layers are "
            "1 .. L-1 and the output layer is L.",
        ),
        (
            "KeyError: '[Wb]0'",
            "Layers are numbered from 1: there is no W0 or b0 (loop over range(1, L)).",
        ),
        (
            "matmul|not aligned",
            "Layer l's W{l} has n_{l-1} columns and must multiply the output of layer l-1: "
            "check that every layer gets the previous layer's A and that each layer is "
            "applied once.",
        ),
    ]


def expect_cache_count(caches, parameters, L, case):
    """caches is a list of L layer caches; a missing one is named (hidden or output layer)."""
    if not isinstance(caches, list | tuple):
        raise Mistake(
            f"caches should be a list with one cache per layer, got {type(caches).__name__}.", case
        )
    if len(caches) == L:
        return
    if len(caches) == L - 1:
        last_W = _cached(caches[-1], 0, 1) if caches else None
        W_L = parameters[f"W{L}"]
        if isinstance(last_W, np.ndarray) and last_W.shape == W_L.shape and np.all(last_W == W_L):
            raise Mistake(
                f"caches has {L - 1} items for L = {L}, and the output layer is there: a hidden layer "
                "was skipped; the hidden layers are l = 1 .. L-1, i.e. range(1, L).",
                case,
            )
        raise Mistake(
            f"caches has {L - 1} items for L = {L}, with no cache of the output layer: after the "
            f"hidden layers, apply LINEAR->SIGMOID with W{L}, b{L} and append its cache too.",
            case,
        )
    raise Mistake(
        f"caches has {len(caches)} items, expected L = {L}: one cache per layer, each appended "
        "once.",
        case,
    )


def expect_cache_order(caches, parameters, L, case):
    """caches[l-1] must be layer l's: a reversed list gets its own sentence."""
    weights = [_cached(cache, 0, 1) for cache in reversed(caches)]
    if L > 1 and all(close(W, parameters[f"W{l}"]) for l, W in enumerate(weights, start=1)):
        raise Mistake(
            "caches are in reverse order: append each layer's cache as you go (layer 1 first), "
            "so that caches[l-1] belongs to layer l.",
            case,
        )


def input_mistakes(l, X, caches, output="sigmoid"):
    """(sentence, value) pairs for a wrong input A_prev of layer l >= 2 (caches: the reference's).

    ``output`` is the output layer's activation; with "softmax", a hidden softmax is named too.
    """
    if l == 1:
        return []
    Z_before = caches[l - 2].activation_cache
    mistakes = (
        []
        if output == "sigmoid"
        else [
            (
                f"layer {l - 1} is a hidden layer but uses {output}: output_activation is for the "
                "output layer L only; hidden layers use relu.",
                ref.ACTIVATIONS[output](Z_before),
            )
        ]
    )
    mistakes += [
        (
            f"layer {l} was fed X: each layer's input is the output A of the layer before it "
            "(update A inside the loop).",
            X,
        ),
        (
            f"layer {l - 1} is a hidden layer but uses sigmoid: hidden layers use relu, only the "
            "output layer uses sigmoid.",
            ref.sigmoid(Z_before),
        ),
        (
            f"layer {l - 1} uses tanh: in this network every hidden layer uses relu.",
            ref.tanh(Z_before),
        ),
        (
            f"layer {l - 1} uses leaky ReLU: in this network every hidden layer uses relu.",
            ref.leaky_relu(Z_before),
        ),
        (f"layer {l - 1}'s activation was not applied: its output is relu(Z), not Z.", Z_before),
    ]
    if l >= 3:
        mistakes.append(
            (
                f"layer {l} was fed the output of layer {l - 2}: each layer's input is the output "
                "of the layer just before it.",
                caches[l - 2].linear_cache.A_prev,
            )
        )
    return mistakes


@exercise("L_model_forward")
def _L_model_forward(candidate, rng):
    """AL and one cache per layer (ReLU hidden layers, sigmoid output), from 1 to 4 layers."""
    networks = network_dims(rng)
    for index, dims in enumerate(networks):
        dtype = case_dtype(index, len(networks))
        m = 64 if index == len(networks) - 1 else int(rng.integers(2, 10))
        L = len(dims) - 1
        X, parameters = mixed_network(rng, dims, m, dtype)
        case = (
            f"with layer_dims={dims} (L = {L}), m={m}, {np.dtype(dtype).name}; "
            "caches[l-1] belongs to layer l."
        )
        out = call(candidate, "L_model_forward", X, parameters, hints=forward_hints(L))
        AL, caches = expect_tuple(out, 2, "the result", "AL, caches", case)
        if isinstance(AL, list) and isinstance(caches, np.ndarray):
            raise Mistake("return (AL, caches), in that order.", case)
        expected_AL, expected = ref.L_model_forward(X, parameters)
        expect_cache_count(caches, parameters, L, case)
        expect_cache_order(caches, parameters, L, case)
        outputs = [cache.linear_cache.A_prev for cache in expected[1:]] + [expected_AL]
        for l, (cache, A) in enumerate(zip(expected, outputs, strict=True), start=1):
            (A_prev, W, b), Z = cache
            what = f"caches[{l - 1}]"
            mistakes = unambiguous(input_mistakes(l, X, expected))
            expect_layer_cache(caches[l - 1], A_prev, W, b, Z, A, what, case, mistakes)
        ZL = expected[-1].activation_cache
        output_mistakes = [
            (
                "the output layer uses relu; it should use sigmoid, so that AL holds probabilities.",
                ref.relu(ZL),
            ),
            (
                "the output layer uses tanh; it should use sigmoid, so that AL holds probabilities.",
                ref.tanh(ZL),
            ),
            (f"AL equals Z{L}: the output layer's sigmoid was not applied.", ZL),
        ]
        expect_array(AL, expected_AL, "AL", unambiguous(output_mistakes), case)
    return len(networks) + _softmax_networks(candidate, rng)


MISSING_ARGUMENT = (
    r"takes 2 positional arguments but 3 were given",
    'L_model_forward needs a third argument, output_activation="sigmoid" by default: '
    'def L_model_forward(X, parameters, output_activation="sigmoid").',
)


def _softmax_networks(candidate, rng):
    """With output_activation="softmax": a softmax output layer of C classes, ReLU below it."""
    networks = [[int(rng.integers(2, 5)), int(rng.integers(3, 5))]]
    networks.append([int(rng.integers(2, 6)), int(rng.integers(2, 6)), int(rng.integers(3, 6))])
    for index, dims in enumerate(networks):
        dtype = case_dtype(index, len(networks))
        m, L = int(rng.integers(2, 8)), len(dims) - 1
        X, parameters = mixed_network(rng, dims, m, dtype)
        case = (
            f'with output_activation="softmax", layer_dims={dims} (L = {L}, {dims[-1]} classes), '
            f"m={m}, {np.dtype(dtype).name}."
        )
        hints = [MISSING_ARGUMENT, *forward_hints(L)]
        out = call(candidate, "L_model_forward", X, parameters, "softmax", hints=hints)
        AL, caches = expect_tuple(out, 2, "the result", "AL, caches", case)
        expected_AL, expected = ref.L_model_forward(X, parameters, "softmax")
        expect_cache_count(caches, parameters, L, case)
        outputs = [cache.linear_cache.A_prev for cache in expected[1:]] + [expected_AL]
        for l, (cache, A) in enumerate(zip(expected, outputs, strict=True), start=1):
            (A_prev, W, b), Z = cache
            mistakes = unambiguous(input_mistakes(l, X, expected, "softmax"))
            expect_layer_cache(
                caches[l - 1], A_prev, W, b, Z, A, f"caches[{l - 1}]", case, mistakes
            )
        ZL = expected[-1].activation_cache
        ignored = (
            "output_activation is ignored: the output layer still uses sigmoid; pass "
            "output_activation on to the output layer (softmax here).",
            ref.sigmoid(ZL),
        )
        expect_array(AL, expected_AL, "AL", unambiguous([ignored]), case)
    return len(networks)

"""Checks of lesson 09 (convolutions): padding, convolution forward and backward, max pooling,
and the small convolutional network's cost and gradients."""

import itertools

import numpy as np

from .. import reference as ref
from ..engine.conv import output_size
from ..engine.convnet import initialize_convnet
from .api import exercise
from .cases import case_dtype
from .expect import (
    Mistake,
    call,
    close,
    expect_array,
    expect_float,
    expect_keys,
    expect_tuple,
    named_mistake,
)

# --- cases ---------------------------------------------------------------------------------


def conv_cases(rng):
    """(m, C, H, W, F, k, stride, pad) from tiny up; each stride and padding occurs."""
    cases = [(1, 1, 3, 3, 1, 2, 1, 0), (2, 2, 4, 5, 3, 3, 1, 1), (2, 3, 7, 6, 2, 3, 2, 1)]
    cases.append((2, 2, 6, 6, 2, 2, 2, 0))
    m, C, F = (int(v) for v in rng.integers(2, 5, size=3))
    H, W = (int(v) for v in rng.integers(6, 10, size=2))
    cases.append((m, C, H, W, F, 3, int(rng.integers(1, 3)), int(rng.integers(1, 3))))
    return cases


def conv_inputs(rng, m, C, H, W, F, k, dtype=np.float64):
    """A_prev (m, C, H, W), W (F, C, k, k), b (F, 1, 1) with standard normal entries."""
    A_prev = rng.standard_normal((m, C, H, W)).astype(dtype)
    weights = rng.standard_normal((F, C, k, k)).astype(dtype)
    b = rng.standard_normal((F, 1, 1)).astype(dtype)
    return A_prev, weights, b


def describe_conv(A_prev, W, stride, pad):
    """The case's words: shapes, stride, pad."""
    return (
        f"with A_prev{A_prev.shape}, W{W.shape}, stride={stride}, pad={pad}, {A_prev.dtype.name}."
    )


def _z(A_prev, W, b, stride, pad):
    return ref.conv_forward(A_prev, W, b, stride, pad)[0]


# --- zero_pad ------------------------------------------------------------------------------


@exercise("zero_pad")
def _zero_pad(candidate, rng):
    """Zeros around every image, on rows and columns only."""
    cases = [((1, 1, 2, 2), 1), ((2, 3, 3, 4), 2), ((int(rng.integers(2, 5)), 3, 5, 5), 1)]
    cases.append(((2, 2, 4, 3), 0))
    for index, (shape, pad) in enumerate(cases):
        X = rng.standard_normal(shape).astype(case_dtype(index, len(cases)))
        case = f"with X{X.shape} {X.dtype.name} and pad={pad}."
        got = call(candidate, "zero_pad", X, pad)
        expected = ref.zero_pad(X, pad)
        every_axis = np.pad(X, pad)
        mistakes = [
            (
                "every axis was padded, the examples and the channels too: pad only the rows "
                "and columns, e.g. np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad))).",
                every_axis,
            ),
            (
                "the zeros went on one side only: pad adds `pad` zeros before AND after the "
                "rows and the columns.",
                np.pad(X, ((0, 0), (0, 0), (0, pad), (0, pad))),
            ),
        ]
        expect_array(got, expected, "the padded array", mistakes, case)
        if np.asarray(got).dtype != X.dtype:
            raise Mistake(f"the result is {np.asarray(got).dtype}: keep X's dtype.", case)
    return len(cases)


# --- conv_forward_naive and conv_forward -----------------------------------------------------


def conv_mistakes(A_prev, W, b, stride, pad):
    """(sentence, wrong Z) pairs of the usual slips in a convolution's forward pass."""
    flipped = W[:, :, ::-1, ::-1]
    k = W.shape[2]
    stride_one = _z(A_prev, W, b, 1, pad)
    H_out, W_out = (
        output_size(A_prev.shape[2], k, stride, pad),
        output_size(A_prev.shape[3], k, stride, pad),
    )
    return [
        (
            "the kernel is flipped: that is the convolution of mathematics, but a convolutional "
            "layer computes a cross-correlation, the window times W as it is, "
            "Z[i, f, y, x] = sum(window * W[f]) + b[f].",
            _z(A_prev, flipped, b, stride, pad),
        ),
        (
            "the padding is missing: pad A_prev with zero_pad(A_prev, pad) first, then slide "
            "the windows over the padded images.",
            _z(A_prev, W, b, stride, 0),
        ),
        (
            "the stride is ignored: windows start every `stride` pixels, at rows y * stride and "
            "columns x * stride, and there are (H + 2 pad - k) // stride + 1 of them per column.",
            stride_one,
        ),
        (
            "the number of windows is right but they move one pixel at a time: window (y, x) "
            "starts at row y * stride and column x * stride.",
            stride_one[:, :, :H_out, :W_out],
        ),
        (
            "the bias b is missing: add b[f] to every value of output channel f.",
            _z(A_prev, W, 0 * b, stride, pad),
        ),
        (
            "W's channels are paired with the wrong input channels: channel c of the window "
            "multiplies W[f, c], and the sum runs over channels, rows and columns together.",
            _z(A_prev, W[:, ::-1], b, stride, pad) if W.shape[1] > 1 else None,
        ),
    ]


def _shape_mistake(got, expected_shape, H, W, k, stride, pad, case):
    """Raise a Mistake naming the output-size slip when ``got``'s shape shows one."""
    shape = getattr(got, "shape", None)
    if shape is None or len(shape) != 4 or tuple(shape) == tuple(expected_shape):
        return
    sizes = shape[2:]
    formula = (
        f"the output has {output_size(H, k, stride, pad)} rows = (H + 2 pad - k) // stride + 1 "
        f"= ({H} + 2*{pad} - {k}) // {stride} + 1"
    )
    if tuple(sizes) in (
        (expected_shape[2] + 1, expected_shape[3] + 1),
        (expected_shape[2] - 1, expected_shape[3] - 1),
    ):
        raise Mistake(
            f"Z has shape {shape}, expected {expected_shape}: the output size is off by one; "
            f"{formula}.",
            case,
        )
    if tuple(shape[:2]) != tuple(expected_shape[:2]):
        raise Mistake(
            f"Z has shape {shape}, expected {expected_shape}: Z is (m, F, H_out, W_out), "
            "one output channel per filter for every example.",
            case,
        )


def _check_conv(candidate, name, rng, with_cache):
    cases = conv_cases(rng)
    for index, (m, C, H, Wd, F, k, stride, pad) in enumerate(cases):
        A_prev, W, b = conv_inputs(rng, m, C, H, Wd, F, k, case_dtype(index, len(cases)))
        case = describe_conv(A_prev, W, stride, pad)
        got = call(candidate, name, A_prev, W, b, stride, pad)
        expected, cache = ref.conv_forward(A_prev, W, b, stride, pad)
        if with_cache:
            Z, got_cache = expect_tuple(got, 2, "the result", "Z, cache", case)
        else:
            Z = got
        mistakes = [
            (s, wrong) for s, wrong in conv_mistakes(A_prev, W, b, stride, pad) if wrong is not None
        ]
        sentence = named_mistake(Z, expected, mistakes)
        if sentence:
            raise Mistake(sentence, case)
        _shape_mistake(Z, expected.shape, H, Wd, k, stride, pad, case)
        expect_array(Z, expected, "Z", (), case)
        if with_cache:
            _check_cache(got_cache, cache, case)
    return len(cases)


def _check_cache(got, expected, case):
    """The cache is (A_prev, W, b, stride, pad): the backward pass needs all five."""
    names = "A_prev, W, b, stride, pad"
    items = expect_tuple(got, 5, "the cache", names, case)
    for label, got_item, item in zip(names.split(", "), items, expected, strict=True):
        if isinstance(item, np.ndarray):
            if not (
                isinstance(got_item, np.ndarray)
                and got_item.shape == item.shape
                and close(got_item, item)
            ):
                raise Mistake(
                    f"the cache's `{label}` is not the `{label}` conv_forward received: the "
                    f"cache is ({names}), the inputs as they came in.",
                    case,
                )
        elif got_item != item:
            raise Mistake(
                f"the cache's `{label}` is {got_item!r}, expected {item!r}: the cache is ({names}).",
                case,
            )


@exercise("conv_forward_naive")
def _conv_forward_naive(candidate, rng):
    """Z by windows times filters plus bias, with stride and padding."""
    return _check_conv(candidate, "conv_forward_naive", rng, with_cache=False)


@exercise("conv_forward")
def _conv_forward(candidate, rng):
    """The vectorized convolution: Z and the cache (A_prev, W, b, stride, pad)."""
    count = _check_conv(candidate, "conv_forward", rng, with_cache=True)
    # A CIFAR-sized layer too (its speed is the lesson's to show, not the verdict's).
    A_prev, W, b = conv_inputs(rng, 16, 3, 32, 32, 8, 3, np.float32)
    got = call(candidate, "conv_forward", A_prev, W, b, 1, 1)
    Z = got[0] if isinstance(got, tuple | list) and len(got) == 2 else got
    expect_array(
        Z, ref.conv_forward(A_prev, W, b, 1, 1)[0], "Z", (), describe_conv(A_prev, W, 1, 1)
    )
    return count + 1


# --- conv_backward -----------------------------------------------------------------------------


def conv_backward_mistakes(dZ, cache):
    """{part: [(sentence, wrong value)]} for the usual slips of the backward pass."""
    A_prev, W, b, stride, pad = cache
    m = A_prev.shape[0]
    dA, dW, db = ref.conv_backward(dZ, cache)
    flipped = ref.conv_backward(dZ, (A_prev, W[:, :, ::-1, ::-1], b, stride, pad))[0]
    return {
        "dA_prev": [
            ("dA_prev is divided by m: only dW and db are means over the examples.", dA / m),
            (
                "dA_prev uses the flipped kernel: each window's gradient is W[f] * dZ[i, f, y, x], "
                "added back at the window's place (the same W as in the forward pass).",
                flipped if stride == 1 else None,
            ),
        ],
        "dW": [
            (
                "dW is not divided by m: like linear_backward, dW is the mean over the m examples.",
                dW * m,
            ),
            (
                "dW is flipped: dW[f] sums window * dZ[i, f, y, x] over the positions, unflipped.",
                dW[:, :, ::-1, ::-1],
            ),
        ],
        "db": [
            ("db is not divided by m: db[f] is the sum of dZ[:, f] divided by m.", db * m),
        ],
    }


def db_axes_mistake(db, dZ):
    """The sentence for a db summed over other axes than (0, 2, 3), or of another shape; else None."""
    if not isinstance(db, np.ndarray) or db.dtype.kind != "f":
        return None
    m, F = dZ.shape[:2]
    right = dZ.sum(axis=(0, 2, 3))
    for axes in itertools.chain.from_iterable(
        itertools.combinations(range(4), r) for r in (1, 2, 3, 4)
    ):
        for keepdims in (False, True):
            total = dZ.sum(axis=axes, keepdims=keepdims)
            for scale in (1 / m, 1):
                wrong = total * scale
                if axes == (0, 2, 3):
                    if (
                        scale == 1 / m
                        and db.shape != (F, 1, 1)
                        and db.size == F
                        and close(db.reshape(-1), wrong.reshape(-1))
                    ):
                        return (
                            f"db has shape {db.shape}, expected {(F, 1, 1)}: the sums are right, "
                            "reshape them to (F, 1, 1) so that b + db and Z + b broadcast."
                        )
                    continue
                if (
                    db.shape == wrong.shape
                    and not (wrong.size == F and close(wrong, right))
                    and close(db, wrong)
                ):
                    return (
                        f"db was summed over the wrong axes, axis={axes}: db[f] sums dZ[:, f] over "
                        "the examples, rows and columns, dZ.sum(axis=(0, 2, 3)) / m, shaped (F, 1, 1)."
                    )
    return None


@exercise("conv_backward")
def _conv_backward(candidate, rng):
    """dA_prev, dW and db of a convolutional layer."""
    cases = conv_cases(rng)
    for index, (m, C, H, Wd, F, k, stride, pad) in enumerate(cases):
        A_prev, W, b = conv_inputs(rng, m, C, H, Wd, F, k, case_dtype(index, len(cases)))
        Z, cache = ref.conv_forward(A_prev, W, b, stride, pad)
        dZ = rng.standard_normal(Z.shape).astype(A_prev.dtype)
        case = describe_conv(A_prev, W, stride, pad) + f" dZ{dZ.shape}."
        got = call(candidate, "conv_backward", dZ, cache)
        got = expect_tuple(got, 3, "the result", "dA_prev, dW, db", case)
        expected = ref.conv_backward(dZ, cache)
        catalogue = conv_backward_mistakes(dZ, cache)
        hints = {
            "dA_prev": "dA_prev has A_prev's shape; crop the padding off the padded gradient.",
            "dW": "dW has W's shape (F, C, k, k).",
            "db": "db has b's shape (F, 1, 1): sum dZ over axes (0, 2, 3), reshape to (F, 1, 1).",
        }
        for part, value, right in zip(("dA_prev", "dW", "db"), got, expected, strict=True):
            if (
                part == "dA_prev"
                and getattr(value, "shape", None) == (m, C, H + 2 * pad, Wd + 2 * pad)
                and pad
            ):
                raise Mistake(
                    f"dA_prev has shape {value.shape}, expected {right.shape}: it is still padded; "
                    "keep dA_pad[:, :, pad:-pad, pad:-pad].",
                    case,
                )
            sentence = db_axes_mistake(value, dZ) if part == "db" else None
            if sentence:
                raise Mistake(sentence, case)
            pairs = [(s, wrong) for s, wrong in catalogue[part] if wrong is not None]
            expect_array(value, right, part, pairs, case, shape_hint=hints[part])
    return len(cases)


# --- max pooling -----------------------------------------------------------------------------


def pool_cases(rng):
    """(m, C, H, W, size, stride): tiles, overlapping windows and uneven edges."""
    cases = [(1, 1, 2, 2, 2, 2), (2, 2, 4, 4, 2, 2), (2, 3, 6, 4, 3, 3), (2, 2, 5, 5, 3, 2)]
    cases.append((int(rng.integers(2, 5)), 3, 8, 6, 2, 2))
    return cases


def _windows(A_prev, size, stride):
    """The sliding-window view (m, C, H_out, W_out, size, size) of A_prev's windows."""
    windows = np.lib.stride_tricks.sliding_window_view(A_prev, (size, size), axis=(2, 3))
    return windows[:, :, ::stride, ::stride]


WINDOW_AXES = (
    "A is the maximum over the window positions (axes 2 and 3 of the sliding-window view) for "
    "each place inside a window: reduce the window's own axes instead, the last two "
    "(axis=(4, 5)), to get one maximum per window."
)


@exercise("max_pool_forward")
def _max_pool_forward(candidate, rng):
    """The maximum of every window, and the cache (A_prev, size, stride)."""
    cases = pool_cases(rng)
    for index, (m, C, H, W, size, stride) in enumerate(cases):
        A_prev = rng.standard_normal((m, C, H, W)).astype(case_dtype(index, len(cases)))
        case = f"with A_prev{A_prev.shape} {A_prev.dtype.name}, size={size}, stride={stride}."
        got = call(candidate, "max_pool_forward", A_prev, size, stride)
        A, cache = expect_tuple(got, 2, "the result", "A, cache", case)
        expected = ref.max_pool_forward(A_prev, size, stride)[0]
        H_out = output_size(H, size, stride)
        mistakes = [
            (
                "this is average pooling: take the maximum of each window, not its mean.",
                _windows(A_prev, size, stride).mean(axis=(4, 5)),
            ),
            (
                "the stride is ignored: windows start every `stride` pixels.",
                ref.max_pool_forward(A_prev, size, 1)[0],
            ),
            (WINDOW_AXES, _windows(A_prev, size, stride).max(axis=(2, 3))),
            (WINDOW_AXES, _windows(A_prev, size, 1).max(axis=(2, 3))),
        ]
        sentence = named_mistake(A, expected, mistakes)
        if sentence:
            raise Mistake(sentence, case)
        shape = getattr(A, "shape", None)
        if (
            shape is not None
            and len(shape) == 4
            and shape[2] in (H_out - 1, H_out + 1)
            and shape[:2] == (m, C)
        ):
            raise Mistake(
                f"A has shape {shape}, expected {expected.shape}: the output size is off by one; "
                f"(H - size) // stride + 1 = ({H} - {size}) // {stride} + 1 = {H_out} rows.",
                case,
            )
        expect_array(A, expected, "A", mistakes, case)
        items = expect_tuple(cache, 3, "the cache", "A_prev, size, stride", case)
        if not (isinstance(items[0], np.ndarray) and close(items[0], A_prev)) or tuple(
            items[1:]
        ) != (size, stride):
            raise Mistake(
                "the cache should be (A_prev, size, stride), the inputs as they came in.", case
            )
    return len(cases)


def _spread(dA, cache, divide):
    """dA handed to every position of each window (divided by its size with ``divide``)."""
    A_prev, size, stride = cache
    out = np.zeros(A_prev.shape, dtype=dA.dtype)
    H_out, W_out = dA.shape[2:]
    for y in range(H_out):
        for x in range(W_out):
            share = dA[:, :, y, x, None, None] / (size * size if divide else 1)
            out[:, :, y * stride : y * stride + size, x * stride : x * stride + size] += share
    return out


def _all_maxima(dA, cache, assign=False):
    """dA handed to every position equal to the window's maximum (ties counted each time);
    with ``assign``, windows overwrite instead of adding (last window wins)."""
    A_prev, size, stride = cache
    A = ref.max_pool_forward(A_prev, size, stride)[0]
    out = np.zeros(A_prev.shape, dtype=dA.dtype)
    H_out, W_out = dA.shape[2:]
    for y in range(H_out):
        for x in range(W_out):
            rows, cols = slice(y * stride, y * stride + size), slice(x * stride, x * stride + size)
            mask = A_prev[:, :, rows, cols] == A[:, :, y, x, None, None]
            if assign:
                out[:, :, rows, cols] = np.where(
                    mask, dA[:, :, y, x, None, None], out[:, :, rows, cols]
                )
            else:
                out[:, :, rows, cols] += mask * dA[:, :, y, x, None, None]
    return out


def _one_max_each(got, dA, cache):
    """True when ``got`` hands each (non-overlapping) window's dA to one of its maxima."""
    A_prev, size, _ = cache
    m, C, H_out, W_out = dA.shape
    A = ref.max_pool_forward(A_prev, size, size)[0]

    def tiles(X):
        return X[:, :, : H_out * size, : W_out * size].reshape(m, C, H_out, size, W_out, size)

    g, a = tiles(np.asarray(got, dtype=float)), tiles(A_prev)
    on_max = a == A[:, :, :, None, :, None]
    nonzero = (g != 0).sum(axis=(3, 5))
    sums_right = np.allclose(g.sum(axis=(3, 5)), dA, rtol=1e-6, atol=1e-9)
    rest = (
        np.asarray(got)[:, :, H_out * size :].any()
        or np.asarray(got)[:, :, :, W_out * size :].any()
    )
    return sums_right and not (g[~on_max] != 0).any() and (nonzero <= 1).all() and not rest


@exercise("max_pool_backward")
def _max_pool_backward(candidate, rng):
    """Each window's gradient goes to its maximum alone (one position, even in a tie)."""
    cases = pool_cases(rng) + [(1, 1, 4, 4, 2, 2), (2, 2, 4, 6, 2, 1)]
    for index, (m, C, H, W, size, stride) in enumerate(cases):
        dtype = case_dtype(index, len(cases))
        A_prev = rng.standard_normal((m, C, H, W)).astype(dtype)
        ties = index == len(cases) - 2  # small integers: many windows with a tied maximum
        if ties:
            A_prev = rng.integers(0, 2, size=(m, C, H, W)).astype(dtype)
            A_prev[0, 0, :2, :2] = 1  # at least one tie for certain
        A, cache = ref.max_pool_forward(A_prev, size, stride)
        dA = rng.uniform(0.5, 1.5, size=A.shape).astype(dtype)
        case = (
            f"with dA{dA.shape} and the cache of A_prev{A_prev.shape} {dtype.__name__}, "
            f"size={size}, stride={stride}" + (" (windows with tied maxima)." if ties else ".")
        )
        got = call(candidate, "max_pool_backward", dA, cache)
        expected = ref.max_pool_backward(dA, cache)
        mistakes = [
            (
                "the gradient was spread over the whole window (as for average pooling): only the "
                "position of the window's maximum received anything in the forward pass, so only "
                "it gets dA.",
                _spread(dA, cache, divide=True),
            ),
            (
                "every position of the window got dA: only the position of the maximum gets it "
                "(mask = window == window.max()).",
                _spread(dA, cache, divide=False),
            ),
            (
                "a tied maximum was counted twice: when two positions of a window hold the same "
                "maximum, give dA to ONE of them (np.argmax picks the first), or the gradient "
                "doubles.",
                _all_maxima(dA, cache) if ties else None,
            ),
            (
                "overlapping windows overwrite each other's gradient: add it (+=), as a position "
                "that is the maximum of two windows gets both gradients.",
                _all_maxima(dA, cache, assign=True) if stride < size else None,
            ),
        ]
        pairs = [(s, wrong) for s, wrong in mistakes if wrong is not None]
        if ties and isinstance(got, np.ndarray) and got.shape == expected.shape:
            sentence = named_mistake(got, expected, pairs)
            if sentence:
                raise Mistake(sentence, case)
            if _one_max_each(got, dA, cache):
                continue
        expect_array(
            got, expected, "dA_prev", pairs, case, shape_hint="dA_prev has A_prev's shape."
        )
    return len(cases)


# --- the network -----------------------------------------------------------------------------


def convnet_case(rng, m, C, size, filters, classes, dtype=np.float64):
    """Parameters of the lesson's network, images X (m, C, size, size), one-hot Y (classes, m)."""
    parameters = ref_init(rng, filters, (C, size, size), classes, dtype)
    X = rng.standard_normal((m, C, size, size)).astype(dtype)
    Y = ref.one_hot(rng.integers(0, classes, size=m), classes, dtype)
    return parameters, X, Y


def ref_init(rng, filters, shape, classes, dtype):
    """He weights and small nonzero biases (keeping ReLU units off their kink)."""
    parameters = initialize_convnet(filters, shape, classes, rng=rng, dtype=dtype)
    for key in parameters:
        if key.startswith("b"):
            parameters[key] = (0.3 * rng.standard_normal(parameters[key].shape)).astype(dtype)
    return parameters


def _without_relu(X, Y, parameters):
    """Cost and grads of the network with the ReLUs left out (a slip)."""
    saved = ref.relu, ref.relu_backward
    try:
        ref.relu, ref.relu_backward = (lambda Z: Z), (lambda dA, Z: dA)
        return ref.convnet_cost_and_grads(X, Y, parameters)
    finally:
        ref.relu, ref.relu_backward = saved


@exercise("convnet_cost_and_grads")
def _convnet_cost_and_grads(candidate, rng):
    """Cost and dW1..db3 of CONV-RELU-POOL x 2, FLATTEN, LINEAR, SOFTMAX."""
    cases = [
        (1, 1, 4, (1, 1), 2),
        (2, 2, 4, (2, 3), 3),
        (3, 3, 8, (2, 3), 4),
        (4, 3, 8, (3, 4), 10),
    ]
    for index, (m, C, size, filters, classes) in enumerate(cases):
        parameters, X, Y = convnet_case(
            rng, m, C, size, filters, classes, case_dtype(index, len(cases))
        )
        shapes = {key: value.shape for key, value in parameters.items()}
        case = f"with X{X.shape}, Y{Y.shape}, parameters {shapes}, {X.dtype.name}."
        got = call(candidate, "convnet_cost_and_grads", X, Y, parameters)
        cost, grads = expect_tuple(got, 2, "the result", "cost, grads", case)
        right_cost, right = ref.convnet_cost_and_grads(X, Y, parameters)
        wrong_cost, wrong_grads = _without_relu(X, Y, parameters)
        relu_sentence = "the ReLUs are missing: each block is CONV -> RELU -> MAXPOOL."
        expect_float(
            cost,
            right_cost,
            "the cost",
            [
                (relu_sentence, wrong_cost),
                ("the cost should be the mean over the m examples, not the sum.", right_cost * m),
            ],
            case,
        )
        if isinstance(grads, dict):
            grads = {key: value for key, value in grads.items() if not key.startswith("dA")}
        expect_keys(grads, list(right), "grads", case)
        for key, value in right.items():
            expect_array(grads[key], value, key, [(relu_sentence, wrong_grads[key])], case)
    return len(cases)

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


def empty_slice(what):
    """The sentence on pad:-pad, which is the empty slice 0:0 when pad = 0."""
    return (
        f"with pad = 0, {what}: pad:-pad is then 0:-0, that is 0:0, an empty slice. "
        "Write the end from the size, pad : pad + H and pad : pad + W (or return early when "
        "pad is 0)."
    )


# NumPy's words when X goes into out[:, :, pad:-pad, pad:-pad], empty at pad = 0 (a test
# provokes the real error).
EMPTY_SLICE_PATTERN = (
    r"could not broadcast input array from shape .* into shape \(\d+, ?\d+, ?0, ?0\)",
    empty_slice("X went into out[:, :, pad:-pad, pad:-pad], which has no rows or columns"),
)


@exercise("zero_pad")
def _zero_pad(candidate, rng):
    """Zeros around every image, on rows and columns only."""
    cases = [((1, 1, 2, 2), 1), ((2, 3, 3, 4), 2), ((int(rng.integers(2, 5)), 3, 5, 5), 1)]
    cases.append(((2, 2, 4, 3), 0))
    for index, (shape, pad) in enumerate(cases):
        X = rng.standard_normal(shape).astype(case_dtype(index, len(cases)))
        case = f"with X{X.shape} {X.dtype.name} and pad={pad}."
        got = call(candidate, "zero_pad", X, pad, hints=[EMPTY_SLICE_PATTERN] * (pad == 0))
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


def _windows_of(A_prev, k, stride, pad):
    """The (m, C, H_out, W_out, k, k) view of every window of the padded images."""
    windows = np.lib.stride_tricks.sliding_window_view(ref.zero_pad(A_prev, pad), (k, k), (2, 3))
    return windows[:, :, ::stride, ::stride]


def im2col_z(A_prev, W, b, stride, pad, by_rows=False, windows_moved=True, z_moved=True):
    """Z by im2col, one column per window (or ``by_rows``, one row per window).

    ``windows_moved=False``: the windows reshaped into columns (rows) without moving their
    axes first; ``z_moved=False``: the product reshaped straight to (m, F, H_out, W_out).
    """
    F, C, k, _ = W.shape
    windows = _windows_of(A_prev, k, stride, pad)
    m, _, H_out, W_out = windows.shape[:4]
    if by_rows:
        if windows_moved:
            windows = windows.transpose(0, 2, 3, 1, 4, 5)
        product = windows.reshape(-1, C * k * k) @ W.reshape(F, -1).T
        Z = product.reshape(m, H_out, W_out, F).transpose(0, 3, 1, 2)
    else:
        if windows_moved:
            windows = windows.transpose(1, 4, 5, 0, 2, 3)
        product = W.reshape(F, -1) @ windows.reshape(C * k * k, -1)
        Z = product.reshape(F, m, H_out, W_out).transpose(1, 0, 2, 3)
    if not z_moved:
        Z = product.reshape(m, F, H_out, W_out)
    return Z + b


IM2COL_WINDOWS = (
    "the windows were reshaped into im2col columns without moving their axes first: "
    "sliding_window_view gives (m, C, H_out, W_out, k, k), and reshape only regroups the "
    "entries in that order. Move the axes, then reshape: windows.transpose(1, 4, 5, 0, 2, 3)"
    ".reshape(C * k * k, -1) (one column per window, its rows in W.reshape(F, -1)'s order "
    "c, p, q), or .transpose(0, 2, 3, 1, 4, 5).reshape(-1, C * k * k) for one row per window."
)
IM2COL_Z = (
    "Z was reshaped straight to (m, F, H_out, W_out), which mixes examples and filters: the "
    "product W.reshape(F, -1) @ cols has axes (F, m, H_out, W_out) (with one row per window, "
    "(m, H_out, W_out, F)). Reshape to those axes, then move them with .transpose(1, 0, 2, 3) "
    "(or .transpose(0, 3, 1, 2))."
)
KERNEL_SWAPPED = (
    "the kernel's two indices are swapped: window row p and column q multiply W[f, c, p, q], "
    "row with row; W[f, c, q, p] (or a .T of W[f, c]) transposes every kernel."
)


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
        (KERNEL_SWAPPED, _z(A_prev, W.transpose(0, 1, 3, 2), b, stride, pad)),
        *[
            (sentence, im2col_z(A_prev, W, b, stride, pad, by_rows, **slip))
            for sentence, slip in (
                (IM2COL_WINDOWS, {"windows_moved": False}),
                (IM2COL_Z, {"z_moved": False}),
            )
            for by_rows in (False, True)
        ],
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


# NumPy's words when a window sliced near the border is narrower than the filter: the slice
# ran past the edge of an unpadded A_prev (the channels agree, the rows or columns do not).
NARROW_WINDOW_PATTERN = (
    r"operands could not be broadcast together with shapes \((\d+), ?\d+, ?\d+\) \(\1, ?\d+, ?\d+\)",
    "Most likely a window near the border came out smaller than the filter: its slice ran "
    "past the edge of A_prev. Pad first, A_prev_pad = zero_pad(A_prev, pad), and take every "
    "window from A_prev_pad.",
)


def _check_conv(candidate, name, rng, with_cache):
    cases = conv_cases(rng)
    for index, (m, C, H, Wd, F, k, stride, pad) in enumerate(cases):
        A_prev, W, b = conv_inputs(rng, m, C, H, Wd, F, k, case_dtype(index, len(cases)))
        case = describe_conv(A_prev, W, stride, pad)
        hints = [NARROW_WINDOW_PATTERN] * (pad > 0)
        got = call(candidate, name, A_prev, W, b, stride, pad, hints=hints)
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


def im2col_backward(dZ, cache, windows_moved=True, dZ_moved=True, dcols_moved=True, add=True):
    """(dA_prev, dW) by im2col, as lesson 09's solution computes them, or with one slip.

    ``windows_moved=False``: the columns reshaped without moving the windows' axes;
    ``dZ_moved=False``: dZ.reshape(F, -1) without moving F first; ``dcols_moved=False``: each
    kernel offset's gradient reshaped to (m, C, H_out, W_out) without moving its axes;
    ``add=False``: ``=`` instead of ``+=`` where the windows overlap.
    """
    A_prev, W, _, stride, pad = cache
    m, C, H, W_in = A_prev.shape
    F, _, k, _ = W.shape
    _, _, H_out, W_out = dZ.shape
    windows = _windows_of(A_prev, k, stride, pad)
    if windows_moved:
        windows = windows.transpose(1, 4, 5, 0, 2, 3)
    cols = windows.reshape(C * k * k, -1)
    dZ_rows = (dZ.transpose(1, 0, 2, 3) if dZ_moved else dZ).reshape(F, -1)
    dW = (dZ_rows @ cols.T).reshape(W.shape) / m
    dcols = (W.reshape(F, -1).T @ dZ_rows).reshape(C, k, k, m, H_out, W_out)
    dA_pad = np.zeros((m, C, H + 2 * pad, W_in + 2 * pad), dtype=dcols.dtype)
    for p, q in itertools.product(range(k), range(k)):
        rows = slice(p, p + stride * H_out, stride)
        columns = slice(q, q + stride * W_out, stride)
        share = dcols[:, p, q]
        share = share.transpose(1, 0, 2, 3) if dcols_moved else share.reshape(m, C, H_out, W_out)
        if add:
            dA_pad[:, :, rows, columns] += share
        else:
            dA_pad[:, :, rows, columns] = share
    return dA_pad[:, :, pad : pad + H, pad : pad + W_in], dW


def windows_assigned(dZ, cache):
    """dA_prev of a loop over the windows that writes each window's gradient with ``=``."""
    A_prev, W, _, stride, pad = cache
    m, C, H, W_in = A_prev.shape
    k = W.shape[2]
    dA_pad = np.zeros((m, C, H + 2 * pad, W_in + 2 * pad), dtype=dZ.dtype)
    for y, x in itertools.product(range(dZ.shape[2]), range(dZ.shape[3])):
        rows, columns = slice(y * stride, y * stride + k), slice(x * stride, x * stride + k)
        dA_pad[:, :, rows, columns] = np.tensordot(dZ[:, :, y, x], W, 1)
    return dA_pad[:, :, pad : pad + H, pad : pad + W_in]


OVERWRITTEN = (
    "dA_prev: where windows overlap (stride < k), a pixel's gradient should be the sum over "
    "every window that contains it, but each window overwrote the last one's: add with "
    "dA_pad[...] += ..., not =."
)
DZ_NOT_MOVED = (
    "dZ was reshaped to (F, m H_out W_out) without moving its axes: dZ.reshape(F, -1) mixes "
    "examples and filters. Put the filters first, dZ.transpose(1, 0, 2, 3).reshape(F, -1), so "
    "that its columns follow the windows' order (m, H_out, W_out)."
)
DCOLS_NOT_MOVED = (
    "dA_prev: each kernel offset's gradient, of axes (C, m, H_out, W_out), was reshaped to "
    "(m, C, H_out, W_out) instead of having its axes moved: use .transpose(1, 0, 2, 3)."
)


def conv_backward_mistakes(dZ, cache):
    """{part: [(sentence, wrong value)]} for the usual slips of the backward pass."""
    A_prev, W, b, stride, pad = cache
    m, k = A_prev.shape[0], W.shape[2]
    dA, dW, db = ref.conv_backward(dZ, cache)
    flipped = ref.conv_backward(dZ, (A_prev, W[:, :, ::-1, ::-1], b, stride, pad))[0]
    swapped = ref.conv_backward(dZ, (A_prev, W.transpose(0, 1, 3, 2), b, stride, pad))[0]
    overlap = stride < k

    def slip(**change):
        return im2col_backward(dZ, cache, **change)

    return {
        "dA_prev": [
            ("dA_prev is divided by m: only dW and db are means over the examples.", dA / m),
            (
                "dA_prev uses the flipped kernel: each window's gradient is W[f] * dZ[i, f, y, x], "
                "added back at the window's place (the same W as in the forward pass).",
                flipped if stride == 1 else None,
            ),
            (f"dA_prev: {KERNEL_SWAPPED}", swapped),
            (OVERWRITTEN, slip(add=False)[0] if overlap else None),
            (OVERWRITTEN, windows_assigned(dZ, cache) if overlap else None),
            (DZ_NOT_MOVED, slip(dZ_moved=False)[0]),
            (DCOLS_NOT_MOVED, slip(dcols_moved=False)[0]),
        ],
        "dW": [
            (
                "dW is not divided by m: like linear_backward, dW is the mean over the m examples.",
                dW * m,
            ),
            ("dW is divided by m twice: divide the sum over the examples once.", dW / m),
            (
                "dW is flipped: dW[f] sums window * dZ[i, f, y, x] over the positions, unflipped.",
                dW[:, :, ::-1, ::-1],
            ),
            (f"dW: {KERNEL_SWAPPED}", dW.transpose(0, 1, 3, 2)),
            (f"dW: {IM2COL_WINDOWS}", slip(windows_moved=False)[1]),
            (DZ_NOT_MOVED, slip(dZ_moved=False)[1]),
        ],
        "db": [
            ("db is not divided by m: db[f] is the sum of dZ[:, f] divided by m.", db * m),
            ("db is divided by m twice: divide the sum over the examples once.", db / m),
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
            if part == "dA_prev" and getattr(value, "shape", None) == (m, C, 0, 0) and not pad:
                raise Mistake(
                    f"dA_prev has shape {value.shape}, expected {right.shape}: "
                    + empty_slice("dA_pad[:, :, pad:-pad, pad:-pad] keeps nothing"),
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
        if shape is not None and len(shape) == 3 and shape[0] == m and shape[1:] != (C, H_out):
            raise Mistake(
                f"A has shape {shape}, expected {expected.shape}: the maximum went over an axis "
                "of A_prev itself (axis 1 is the channels). Pooling keeps every example and "
                "channel and takes one maximum per window, over its rows and columns.",
                case,
            )
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


def _to_one_max(dA, cache, swap=False, assign=False):
    """dA handed to each window's first maximum, as np.argmax finds it.

    ``swap``: its row and column within the window swapped (unravel_index's (p, q) read as
    (q, p)); ``assign``: each window writes its whole size x size block with ``=``, zeros
    included, over the windows before it.
    """
    A_prev, size, stride = cache
    m, C = dA.shape[:2]
    out = np.zeros(A_prev.shape, dtype=dA.dtype)
    images, channels = np.meshgrid(np.arange(m), np.arange(C), indexing="ij")
    for y, x in itertools.product(range(dA.shape[2]), range(dA.shape[3])):
        rows, cols = slice(y * stride, y * stride + size), slice(x * stride, x * stride + size)
        window = A_prev[:, :, rows, cols]
        p, q = np.unravel_index(window.reshape(m, C, -1).argmax(axis=2), (size, size))
        if swap:
            p, q = q, p
        if assign:
            block = np.zeros(window.shape, dtype=dA.dtype)
            block[images, channels, p, q] = dA[:, :, y, x]
            out[:, :, rows, cols] = block
        else:
            out[images, channels, y * stride + p, x * stride + q] += dA[:, :, y, x]
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
            (
                "overlapping windows overwrite each other's gradient: writing a whole window "
                "(window_mask * dA with =) puts zeros over what the windows before it gave its "
                "positions. Add each window's share instead (+=).",
                _to_one_max(dA, cache, assign=True) if stride < size else None,
            ),
            (
                "each window's gradient went to the mirror image of its maximum: the row and "
                "column within the window are swapped. np.unravel_index(index, (size, size)) "
                "returns (row, column) in that order, row first: y * stride + row, "
                "x * stride + column.",
                _to_one_max(dA, cache, swap=True) if not ties else None,  # a tie: a valid pick
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


def convnet_slip(
    X, Y, parameters, masks=(1, 2), dZ3_scale=1, moved=True, flat_moved=True, cost_of_Z3=False
):
    """Cost and grads of lesson 09's network as its solution computes them, or with a slip.

    ``masks``: the blocks whose backward pass applies the ReLU's mask; ``dZ3_scale``: a
    factor on dZ3 = AL - Y; ``moved=False``: the linear layer's dA reshaped back to the
    maps' shape without moving its axes (dA.reshape(shape), not dA.T.reshape(shape));
    ``flat_moved=False``: the maps flattened by A.reshape(-1, m), and back by dA.reshape(shape);
    ``cost_of_Z3``: the cost of Z3, before the softmax.
    """
    A, blocks = X, []
    for l in (1, 2):
        Z, conv_cache = ref.conv_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], 1, 1)
        A, pool_cache = ref.max_pool_forward(ref.relu(Z), 2, 2)
        blocks.append((conv_cache, Z, pool_cache))
    shape = A.shape
    flat = ref.flatten(A) if flat_moved else A.reshape(-1, A.shape[0])
    Z3, linear_cache = ref.linear_forward(flat, parameters["W3"], parameters["b3"])
    AL = ref.softmax(Z3)
    cost = ref.compute_cost_categorical(Z3 if cost_of_Z3 else AL, Y)
    grads = {}
    dA, grads["dW3"], grads["db3"] = ref.linear_backward((AL - Y) * dZ3_scale, linear_cache)
    dA = ref.unflatten(dA, shape) if moved and flat_moved else dA.reshape(shape)
    for l in (2, 1):
        conv_cache, Z, pool_cache = blocks[l - 1]
        dZ = ref.max_pool_backward(dA, pool_cache)
        if l in masks:
            dZ = ref.relu_backward(dZ, Z)
        dA, grads[f"dW{l}"], grads[f"db{l}"] = ref.conv_backward(dZ, conv_cache)
    return cost, grads


def convnet_mistakes(X, Y, parameters):
    """(sentence, (wrong cost, wrong grads)) pairs of the usual slips of the whole network."""
    mask = "dZ = relu_backward(max_pool_backward(dA, pool_cache), Z), between the two"
    return [
        ("the ReLUs are missing: each block is CONV -> RELU -> MAXPOOL.", _without_relu),
        (
            "the backward pass skips the ReLUs' masks (the forward pass has them): in each "
            f"block, {mask}.",
            {"masks": ()},
        ),
        (f"block 1's backward pass misses its ReLU's mask: {mask}.", {"masks": (2,)}),
        (
            "block 2's backward pass misses its ReLU's mask (skipped, or applied to the "
            f"gradient its conv_backward returns, where it comes too late): {mask}.",
            {"masks": (1,)},
        ),
        (
            "the gradients are m times too small: 1/m is applied twice. dZ3 = AL - Y, without "
            "/ m: linear_backward and conv_backward already take the mean over the examples.",
            {"dZ3_scale": 1 / X.shape[0]},
        ),
        (
            "the gradient of the flattened maps was reshaped back without moving its axes: "
            "dA from linear_backward is (F h w, m), one column per example, so go back with "
            "unflatten(dA, shape), that is dA.T.reshape(shape), not dA.reshape(shape).",
            {"moved": False},
        ),
        (
            "the maps were flattened with A.reshape(-1, m), which mixes the examples: one "
            "column per example is flatten(A) = A.reshape(m, -1).T (and its gradient goes back "
            "with unflatten(dA, shape) = dA.T.reshape(shape)).",
            {"flat_moved": False},
        ),
        (
            "the cost was computed from Z3, before the last activation: the cross-entropy "
            "takes the softmax's probabilities, compute_cost_categorical(softmax(Z3), Y).",
            {"cost_of_Z3": True},
        ),
    ]


def _convnet_wrong(X, Y, parameters, slip):
    if callable(slip):
        return slip(X, Y, parameters)
    return convnet_slip(X, Y, parameters, **slip)


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
        wrong = [
            (sentence, _convnet_wrong(X, Y, parameters, slip))
            for sentence, slip in convnet_mistakes(X, Y, parameters)
        ]
        cost_mistakes = [(sentence, wrong_cost) for sentence, (wrong_cost, _) in wrong]
        cost_mistakes.append(
            ("the cost should be the mean over the m examples, not the sum.", right_cost * m)
        )
        expect_float(cost, right_cost, "the cost", cost_mistakes, case)
        if isinstance(grads, dict):
            grads = {key: value for key, value in grads.items() if not key.startswith("dA")}
        expect_keys(grads, list(right), "grads", case)
        # Judged on all the gradients at once: slips that agree on some of them (a mask
        # missing in block 2, or in both) are told apart by the others.
        grads_mistakes = [(sentence, wrong_grads) for sentence, (_, wrong_grads) in wrong]
        sentence = named_mistake(grads, right, grads_mistakes)
        if sentence:
            raise Mistake(sentence, case)
        for key, value in right.items():
            expect_array(grads[key], value, key, (), case)
    return len(cases)

"""The lesson-09 checkers and references: correct answers pass, typical mistakes get their diagnosis."""

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from nnutils import reference as ref
from nnutils.checks import run_check
from nnutils.engine import conv
from tests.checking import fails_with, passes


def misbehaves(exercise_id, candidate):
    result = run_check(exercise_id, candidate, seed=0)
    assert not result.passed and result.messages and result.messages[0]


BAD_ANSWERS = [
    lambda *args: None,
    lambda *args: 1 / 0,
    lambda *args: "Z",
    lambda *args: (np.full((2, 2), np.nan), None, None),
]
EXERCISES = [
    "zero_pad",
    "conv_forward_naive",
    "conv_forward",
    "conv_backward",
    "max_pool_forward",
    "max_pool_backward",
    "convnet_cost_and_grads",
]


@pytest.mark.parametrize("exercise_id", EXERCISES)
@pytest.mark.parametrize("candidate", BAD_ANSWERS, ids=["none", "raises", "str", "nan"])
def test_misbehaving_answers_fail_cleanly(exercise_id, candidate):
    misbehaves(exercise_id, candidate)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_references_pass(exercise_id):
    passes(exercise_id, getattr(ref, exercise_id))


# --- zero_pad -------------------------------------------------------------------------------


def pad_by_copy(X, pad):
    m, C, H, W = X.shape
    out = np.zeros((m, C, H + 2 * pad, W + 2 * pad), dtype=X.dtype)
    out[:, :, pad : pad + H, pad : pad + W] = X
    return out


def test_zero_pad_accepts_a_copy():
    passes("zero_pad", pad_by_copy)


def test_zero_pad_every_axis():
    fails_with("zero_pad", lambda X, pad: np.pad(X, pad), "every axis")


def test_zero_pad_one_side():
    fails_with(
        "zero_pad", lambda X, pad: np.pad(X, ((0, 0), (0, 0), (0, pad), (0, pad))), "one side"
    )


def test_zero_pad_in_place_change():
    def changes(X, pad):
        X *= 1
        X[...] = 0
        return ref.zero_pad(X, pad)

    fails_with("zero_pad", changes, "in place")


# --- convolution forward -----------------------------------------------------------------


def conv_einsum(A_prev, W, b, stride=1, pad=0):
    k = W.shape[2]
    windows = sliding_window_view(ref.zero_pad(A_prev, pad), (k, k), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    return np.einsum("mchwpq,fcpq->mfhw", windows, W) + b, (A_prev, W, b, stride, pad)


def conv_as_strided(A_prev, W, b, stride=1, pad=0):
    A = ref.zero_pad(A_prev, pad)
    m, C, H, Wd = A.shape
    F, _, k, _ = W.shape
    H_out, W_out = (H - k) // stride + 1, (Wd - k) // stride + 1
    s = A.strides
    windows = as_strided(
        A,
        (m, H_out, W_out, C, k, k),
        (s[0], s[2] * stride, s[3] * stride, s[1], s[2], s[3]),
        writeable=False,
    )
    Z = np.tensordot(windows, W, axes=([3, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    return Z + b, (A_prev, W, b, stride, pad)


def naive_fn(forward):
    return lambda A_prev, W, b, stride, pad: forward(A_prev, W, b, stride, pad)[0]


def test_conv_forward_accepts_correct_answers():
    for candidate in (ref.conv_forward, conv_einsum, conv_as_strided):
        passes("conv_forward", candidate)


def test_conv_forward_naive_accepts_vectorized_answers():
    for forward in (conv_einsum, conv_as_strided):
        passes("conv_forward_naive", naive_fn(forward))


def flipped(A_prev, W, b, stride=1, pad=0):
    return ref.conv_forward(A_prev, W[:, :, ::-1, ::-1], b, stride, pad)[0], (
        A_prev,
        W,
        b,
        stride,
        pad,
    )


def no_padding(A_prev, W, b, stride=1, pad=0):
    return ref.conv_forward(A_prev, W, b, stride, 0)[0], (A_prev, W, b, stride, pad)


def stride_ignored(A_prev, W, b, stride=1, pad=0):
    return ref.conv_forward(A_prev, W, b, 1, pad)[0], (A_prev, W, b, stride, pad)


def one_row_short(A_prev, W, b, stride=1, pad=0):
    return ref.conv_forward(A_prev, W, b, stride, pad)[0][:, :, :-1, :-1], (
        A_prev,
        W,
        b,
        stride,
        pad,
    )


def no_bias(A_prev, W, b, stride=1, pad=0):
    return ref.conv_forward(A_prev, W, 0 * b, stride, pad)[0], (A_prev, W, b, stride, pad)


def short_cache(A_prev, W, b, stride=1, pad=0):
    return ref.conv_forward(A_prev, W, b, stride, pad)[0], (A_prev, W, b)


@pytest.mark.parametrize("exercise_id", ["conv_forward", "conv_forward_naive"])
@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (flipped, ["flipped", "cross-correlation"]),
        (no_padding, ["padding is missing"]),
        (stride_ignored, ["stride is ignored"]),
        (one_row_short, ["off by one"]),
        (no_bias, ["bias"]),
    ],
)
def test_conv_forward_mistakes(exercise_id, candidate, words):
    if exercise_id == "conv_forward_naive":
        candidate = naive_fn(candidate)
    fails_with(exercise_id, candidate, *words)


def test_conv_forward_naive_without_padding_names_the_narrow_window():
    """The output size counts the padding, but the windows come from the unpadded A_prev."""

    def unpadded(A_prev, W, b, stride, pad):
        m, _, H, Wd = A_prev.shape
        F, _, k, _ = W.shape
        H_out, W_out = (H + 2 * pad - k) // stride + 1, (Wd + 2 * pad - k) // stride + 1
        Z = np.zeros((m, F, H_out, W_out), dtype=A_prev.dtype)
        for i in range(m):
            for f in range(F):
                for y in range(H_out):
                    for x in range(W_out):
                        window = A_prev[
                            i, :, y * stride : y * stride + k, x * stride : x * stride + k
                        ]
                        Z[i, f, y, x] = np.sum(window * W[f]) + b[f, 0, 0]
        return Z

    fails_with("conv_forward_naive", unpadded, "smaller than the filter", "zero_pad(A_prev, pad)")


def test_conv_forward_naive_keeps_the_inputs_dtype():
    def float64_output(A_prev, W, b, stride, pad):
        Z = ref.conv_forward(A_prev, W, b, stride, pad)[0]
        out = np.zeros(Z.shape)  # the loop's output array, float64 without dtype=
        out[...] = Z
        return out

    fails_with("conv_forward_naive", float64_output, "is float64, expected float32", "dtype=")


def test_conv_forward_cache():
    fails_with("conv_forward", short_cache, "tuple of 5", "A_prev, W, b, stride, pad")


def test_conv_forward_verdict_does_not_depend_on_time():
    def loops(A_prev, W, b, stride=1, pad=0):  # slow but right: the check says right
        return conv.conv_forward_naive(A_prev, W, b, stride, pad), (A_prev, W, b, stride, pad)

    passes("conv_forward", loops, seeds=[0])


# --- convolution backward ----------------------------------------------------------------


def backward_by_positions(dZ, cache):
    A_prev, W, b, stride, pad = cache
    m = A_prev.shape[0]
    k = W.shape[2]
    A_pad = ref.zero_pad(A_prev, pad)
    dA_pad = np.zeros_like(A_pad)
    dW = np.zeros_like(W)
    for y in range(dZ.shape[2]):
        for x in range(dZ.shape[3]):
            rows = slice(y * stride, y * stride + k)
            cols = slice(x * stride, x * stride + k)
            dA_pad[:, :, rows, cols] += np.tensordot(dZ[:, :, y, x], W, 1)
            dW += np.tensordot(dZ[:, :, y, x], A_pad[:, :, rows, cols], axes=([0], [0]))
    H, Wd = A_prev.shape[2:]
    db = dZ.sum(axis=(0, 2, 3))[:, None, None]
    return dA_pad[:, :, pad : pad + H, pad : pad + Wd], dW / m, db / m


def test_conv_backward_accepts_correct_answers():
    passes("conv_backward", ref.conv_backward)
    passes("conv_backward", backward_by_positions)


def variant(change):
    def candidate(dZ, cache):
        return change(dZ, cache, *ref.conv_backward(dZ, cache))

    return candidate


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda dZ, c, dA, dW, db: (dA, dW, db.ravel()), ["reshape them to (F, 1, 1)"]),
        (lambda dZ, c, dA, dW, db: (dA, dW, dZ.sum(axis=(0, 2)) / dZ.shape[0]), ["wrong axes"]),
        (lambda dZ, c, dA, dW, db: (dA, dW, dZ.sum(axis=(2, 3), keepdims=True)), ["wrong axes"]),
        (lambda dZ, c, dA, dW, db: (dA, dW, db * dZ.shape[0]), ["db is not divided by m"]),
        (lambda dZ, c, dA, dW, db: (dA, dW * dZ.shape[0], db), ["dW is not divided by m"]),
        (lambda dZ, c, dA, dW, db: (dA, dW[:, :, ::-1, ::-1], db), ["dW is flipped"]),
        (lambda dZ, c, dA, dW, db: (dA / dZ.shape[0], dW, db), ["dA_prev is divided by m"]),
        (lambda dZ, c, dA, dW, db: (ref.zero_pad(dA, c[4]), dW, db), ["still padded"]),
    ],
    ids=["db-shape", "db-axes", "db-axes-keepdims", "db-m", "dW-m", "dW-flip", "dA-m", "dA-padded"],
)
def test_conv_backward_mistakes(change, words):
    fails_with("conv_backward", variant(change), *words)


def test_conv_backward_db_wrong_axes_names_them():
    def wrong_axes(dZ, cache):
        dA, dW, _ = ref.conv_backward(dZ, cache)
        return dA, dW, dZ.sum(axis=(0, 1)).mean() * np.ones((dW.shape[0], 1, 1))

    result = run_check("conv_backward", wrong_axes, seed=0)
    assert not result.passed and "db" in result.messages[0]


def test_conv_backward_flipped_kernel_in_dA():
    def flipped_dA(dZ, cache):
        A_prev, W, b, stride, pad = cache
        dA, _, _ = ref.conv_backward(dZ, (A_prev, W[:, :, ::-1, ::-1], b, stride, pad))
        return dA, *ref.conv_backward(dZ, cache)[1:]

    fails_with("conv_backward", flipped_dA, "dA_prev")


# --- max pooling ---------------------------------------------------------------------------


def pool_windows(A_prev, size=2, stride=2):
    windows = sliding_window_view(A_prev, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows.max(axis=(4, 5)), (A_prev, size, stride)


def pool_loops(A_prev, size=2, stride=2):
    m, C, H, W = A_prev.shape
    H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1
    A = np.zeros((m, C, H_out, W_out), dtype=A_prev.dtype)
    for y in range(H_out):
        for x in range(W_out):
            window = A_prev[:, :, y * stride : y * stride + size, x * stride : x * stride + size]
            A[:, :, y, x] = window.max(axis=(2, 3))
    return A, (A_prev, size, stride)


def test_max_pool_forward_accepts_correct_answers():
    for candidate in (ref.max_pool_forward, pool_windows, pool_loops):
        passes("max_pool_forward", candidate)


def test_max_pool_forward_average():
    def average(A_prev, size=2, stride=2):
        windows = sliding_window_view(A_prev, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
        return windows.mean(axis=(4, 5)), (A_prev, size, stride)

    fails_with("max_pool_forward", average, "average pooling")


def test_max_pool_forward_stride_ignored():
    fails_with(
        "max_pool_forward",
        lambda A_prev, size=2, stride=2: (pool_windows(A_prev, size, 1)[0], (A_prev, size, stride)),
        "stride",
    )


def test_max_pool_forward_over_the_window_positions():
    def position_axes(A_prev, size=2, stride=2):
        windows = sliding_window_view(A_prev, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
        return windows.max(axis=(2, 3)), (A_prev, size, stride)

    result = fails_with("max_pool_forward", position_axes, "window positions", "axis=(4, 5)")
    assert "off by one" not in str(result)


def test_max_pool_forward_over_the_channels():
    def channels(A_prev, size=2, stride=2):
        return A_prev.max(axis=1), (A_prev, size, stride)

    fails_with("max_pool_forward", channels, "axis 1 is the channels", "one maximum per window")


def test_max_pool_forward_off_by_one():
    fails_with(
        "max_pool_forward",
        lambda A_prev, size=2, stride=2: (
            pool_windows(A_prev, size, stride)[0][:, :, :-1],
            (A_prev, size, stride),
        ),
        "off by one",
    )


def pool_back(first=True, assign=False, spread=None, ties_twice=False):
    def candidate(dA, cache):
        A_prev, size, stride = cache
        m, C, H_out, W_out = dA.shape
        out = np.zeros(A_prev.shape, dtype=dA.dtype)
        for y in range(H_out):
            for x in range(W_out):
                rows = slice(y * stride, y * stride + size)
                cols = slice(x * stride, x * stride + size)
                window = A_prev[:, :, rows, cols]
                g = dA[:, :, y, x, None, None]
                if spread is not None:
                    out[:, :, rows, cols] += g / (size * size if spread else 1)
                    continue
                if ties_twice:
                    mask = window == window.max(axis=(2, 3), keepdims=True)
                else:
                    flat = window.reshape(m, C, -1)
                    index = (
                        flat.argmax(axis=2)
                        if first
                        else flat.shape[2] - 1 - flat[:, :, ::-1].argmax(axis=2)
                    )
                    mask = np.arange(size * size) == index[:, :, None]
                    mask = mask.reshape(window.shape)
                if assign:
                    out[:, :, rows, cols] = np.where(mask, g, out[:, :, rows, cols])
                else:
                    out[:, :, rows, cols] += mask * g
        return out

    return candidate


def test_max_pool_backward_accepts_correct_answers():
    passes("max_pool_backward", ref.max_pool_backward)
    passes("max_pool_backward", pool_back())
    passes("max_pool_backward", pool_back(first=False))  # the last tied maximum is fine too


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (pool_back(spread=True), ["spread over the whole window"]),
        (pool_back(spread=False), ["every position"]),
        (pool_back(ties_twice=True), ["tied maximum was counted twice"]),
        (pool_back(assign=True), ["overwrite", "+="]),
    ],
    ids=["spread", "every", "ties", "assign"],
)
def test_max_pool_backward_mistakes(candidate, words):
    fails_with("max_pool_backward", candidate, *words)


# --- the network -----------------------------------------------------------------------------


def test_convnet_cost_and_grads_extra_dA_keys_are_fine():
    def with_dA(X, Y, parameters):
        AL, caches = ref.convnet_forward(X, parameters)
        grads = ref.convnet_backward(AL, Y, caches, input_gradient=True)
        return ref.compute_cost_categorical(AL, Y), grads

    passes("convnet_cost_and_grads", with_dA)


def test_convnet_cost_and_grads_without_relu(monkeypatch):
    def no_relu(X, Y, parameters):
        with monkeypatch.context() as patch:
            patch.setattr(ref, "relu", lambda Z: Z)
            patch.setattr(ref, "relu_backward", lambda dA, Z: dA)
            return ref.convnet_cost_and_grads(X, Y, parameters)

    fails_with("convnet_cost_and_grads", no_relu, "ReLUs are missing")


def test_convnet_cost_summed():
    def summed(X, Y, parameters):
        cost, grads = ref.convnet_cost_and_grads(X, Y, parameters)
        return cost * X.shape[0], grads

    fails_with("convnet_cost_and_grads", summed, "mean over the m examples")


def test_convnet_uses_the_learners_layers_through_isolation():
    """A candidate calling exercise names gets the course's versions during the check."""
    namespace = {"np": np, "ref": ref}
    source = (
        "def convnet_cost_and_grads(X, Y, parameters):\n"
        "    return conv_forward and ref.convnet_cost_and_grads(X, Y, parameters)\n"
    )
    exec(compile(source, __file__, "exec"), namespace)  # a test's file: may use the reference
    namespace["conv_forward"] = lambda *args: 1 / 0  # a broken earlier exercise
    result = run_check("convnet_cost_and_grads", namespace["convnet_cost_and_grads"], seed=0)
    assert result.passed, result


# --- the lesson, as a learner with a wrong answer ------------------------------------------------


def test_lesson_stops_at_a_wrong_answer_with_its_diagnosis():
    """The solution notebook with a flipped kernel in conv_forward: Run All stops at its check."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from nnutils.authoring.generate import ROOT

    path = ROOT / "solutions" / "09_convolutions.ipynb"
    nb = nbformat.read(path, as_version=4)
    checks = [i for i, c in enumerate(nb.cells) if c.source.startswith('check("conv_forward",')]
    exercise = nb.cells[checks[0] - 1]
    assert "def conv_forward(" in exercise.source
    exercise.source = exercise.source.replace(
        "W.reshape(F, -1) @ cols", "W[:, :, ::-1, ::-1].reshape(F, -1) @ cols"
    )
    nb.cells = nb.cells[: checks[0] + 2]
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    with pytest.raises(CellExecutionError):
        client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert len(errors) == 1 and errors[0].ename == "CheckFailed", errors
    shown = (
        " ".join(
            str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", ""))
            for o in nb.cells[checks[0]].outputs
        )
        + errors[0].evalue
    )
    assert "flipped" in shown, shown


# --- the im2col slips, each named ------------------------------------------------


def im2col_forward(by_rows=False, windows_moved=True, z_moved=True, kernel_swapped=False):
    """The lesson's vectorized conv_forward, as a learner writes it, with one slip."""

    def conv_forward(A_prev, W, b, stride=1, pad=0):
        m, C, _, _ = A_prev.shape
        F, _, k, _ = W.shape
        if kernel_swapped:
            W = W.transpose(0, 1, 3, 2)
        windows = sliding_window_view(ref.zero_pad(A_prev, pad), (k, k), axis=(2, 3))
        windows = windows[:, :, ::stride, ::stride]
        H_out, W_out = windows.shape[2:4]
        if by_rows:
            rows = windows.transpose(0, 2, 3, 1, 4, 5) if windows_moved else windows
            product = rows.reshape(-1, C * k * k) @ W.reshape(F, -1).T
            Z = product.reshape(m, H_out, W_out, F).transpose(0, 3, 1, 2)
        else:
            cols = windows.transpose(1, 4, 5, 0, 2, 3) if windows_moved else windows
            product = W.reshape(F, -1) @ cols.reshape(C * k * k, -1)
            Z = product.reshape(F, m, H_out, W_out).transpose(1, 0, 2, 3)
        if not z_moved:
            Z = product.reshape(m, F, H_out, W_out)
        return Z + b, (A_prev, W, b, stride, pad)

    return conv_forward


def naive_kernel_swapped(A_prev, W, b, stride, pad):
    m, C, H, W_in = A_prev.shape
    F, _, k, _ = W.shape
    A_pad = ref.zero_pad(A_prev, pad)
    H_out, W_out = (H + 2 * pad - k) // stride + 1, (W_in + 2 * pad - k) // stride + 1
    Z = np.zeros((m, F, H_out, W_out), dtype=A_prev.dtype)
    for i, f, y, x in np.ndindex(m, F, H_out, W_out):
        window = A_pad[i, :, y * stride : y * stride + k, x * stride : x * stride + k]
        total = 0.0
        for c, p, q in np.ndindex(C, k, k):
            total += window[c, p, q] * W[f, c, q, p]  # the slip: q, p
        Z[i, f, y, x] = total + b[f, 0, 0]
    return Z


IM2COL_FORWARD_MISTAKES = {
    "columns without the transpose": (
        im2col_forward(windows_moved=False),
        ["without moving their axes", "transpose(1, 4, 5, 0, 2, 3)"],
    ),
    "rows without the transpose": (
        im2col_forward(by_rows=True, windows_moved=False),
        ["without moving their axes", "transpose(0, 2, 3, 1, 4, 5)"],
    ),
    "Z reshaped, not transposed": (
        im2col_forward(z_moved=False),
        ["reshaped straight to (m, F, H_out, W_out)", ".transpose(1, 0, 2, 3)"],
    ),
    "Z reshaped, rows": (
        im2col_forward(by_rows=True, z_moved=False),
        ["reshaped straight to (m, F, H_out, W_out)", ".transpose(0, 3, 1, 2)"],
    ),
    "kernel indices swapped": (
        im2col_forward(kernel_swapped=True),
        ["indices are swapped", "W[f, c, q, p]"],
    ),
}


def test_conv_forward_by_rows_passes():
    passes("conv_forward", im2col_forward(by_rows=True))


@pytest.mark.parametrize("mistake", IM2COL_FORWARD_MISTAKES)
def test_conv_forward_im2col_mistakes_are_named(mistake):
    candidate, words = IM2COL_FORWARD_MISTAKES[mistake]
    fails_with("conv_forward", candidate, *words)


def test_conv_forward_naive_kernel_indices_swapped():
    fails_with("conv_forward_naive", naive_kernel_swapped, "indices are swapped")


def im2col_backward(
    windows_moved=True, dZ_moved=True, dcols_moved=True, add=True, m_twice=False, swap=False
):
    """The lesson's conv_backward, as a learner writes it, with one slip."""

    def conv_backward(dZ, cache):
        A_prev, W, b, stride, pad = cache
        m, C, H, W_in = A_prev.shape
        F, _, k, _ = W.shape
        _, _, H_out, W_out = dZ.shape
        if swap:
            W = W.transpose(0, 1, 3, 2)
        A_pad = ref.zero_pad(A_prev, pad)
        windows = sliding_window_view(A_pad, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
        cols = (windows.transpose(1, 4, 5, 0, 2, 3) if windows_moved else windows).reshape(
            C * k * k, -1
        )
        dZ_rows = (dZ.transpose(1, 0, 2, 3) if dZ_moved else dZ).reshape(F, -1)
        dW = (dZ_rows @ cols.T).reshape(W.shape) / m
        db = dZ.sum(axis=(0, 2, 3)).reshape(F, 1, 1) / m
        if m_twice:
            dW, db = dW / m, db / m
        if swap:
            dW = dW.transpose(0, 1, 3, 2)
        dcols = (W.reshape(F, -1).T @ dZ_rows).reshape(C, k, k, m, H_out, W_out)
        dA_pad = np.zeros(A_pad.shape, dtype=dcols.dtype)
        for p in range(k):
            for q in range(k):
                rows = slice(p, p + stride * H_out, stride)
                columns = slice(q, q + stride * W_out, stride)
                share = dcols[:, p, q]
                share = (
                    share.transpose(1, 0, 2, 3)
                    if dcols_moved
                    else share.reshape(m, C, H_out, W_out)
                )
                if add:
                    dA_pad[:, :, rows, columns] += share
                else:
                    dA_pad[:, :, rows, columns] = share
        return dA_pad[:, :, pad : pad + H, pad : pad + W_in], dW, db

    return conv_backward


def positions_assigned(dZ, cache):
    A_prev, W, b, stride, pad = cache
    dA, dW, db = ref.conv_backward(dZ, cache)
    k = W.shape[2]
    A_pad = ref.zero_pad(A_prev, pad)
    dA_pad = np.zeros_like(A_pad)
    for y in range(dZ.shape[2]):
        for x in range(dZ.shape[3]):
            rows, cols = slice(y * stride, y * stride + k), slice(x * stride, x * stride + k)
            dA_pad[:, :, rows, cols] = np.tensordot(dZ[:, :, y, x], W, 1)  # the slip: =
    H, Wd = A_prev.shape[2:]
    return dA_pad[:, :, pad : pad + H, pad : pad + Wd], dW, db


def crops_with_minus_pad(dZ, cache):
    dA, dW, db = ref.conv_backward(dZ, cache)
    pad = cache[4]
    dA_pad = ref.zero_pad(dA, pad)
    return dA_pad[:, :, pad:-pad, pad:-pad], dW, db


IM2COL_BACKWARD_MISTAKES = {
    "columns without the transpose": (
        im2col_backward(windows_moved=False),
        ["dW:", "without moving their axes"],
    ),
    "dZ reshaped, not transposed": (
        im2col_backward(dZ_moved=False),
        ["dZ was reshaped", "dZ.transpose(1, 0, 2, 3).reshape(F, -1)"],
    ),
    "dcols reshaped, not transposed": (
        im2col_backward(dcols_moved=False),
        ["kernel offset's gradient", ".transpose(1, 0, 2, 3)"],
    ),
    "= instead of += (kernel offsets)": (im2col_backward(add=False), ["overlap", "+="]),
    "= instead of += (windows)": (positions_assigned, ["overlap", "+="]),
    "1/m twice": (im2col_backward(m_twice=True), ["divided by m twice"]),
    "kernel indices swapped": (im2col_backward(swap=True), ["dA_prev:", "indices are swapped"]),
    "pad:-pad with pad = 0": (crops_with_minus_pad, ["pad = 0", "0:0", "pad : pad + H"]),
}


def test_conv_backward_im2col_passes():
    passes("conv_backward", im2col_backward())


@pytest.mark.parametrize("mistake", IM2COL_BACKWARD_MISTAKES)
def test_conv_backward_im2col_mistakes_are_named(mistake):
    candidate, words = IM2COL_BACKWARD_MISTAKES[mistake]
    fails_with("conv_backward", candidate, *words)


def test_conv_backward_dW_alone_swapped_or_divided_twice():
    fails_with(
        "conv_backward",
        variant(lambda dZ, c, dA, dW, db: (dA, dW.transpose(0, 1, 3, 2), db)),
        "dW:",
        "indices are swapped",
    )
    fails_with(
        "conv_backward",
        variant(lambda dZ, c, dA, dW, db: (dA, dW, db / dZ.shape[0])),
        "db is divided by m twice",
    )


def pad_by_minus_pad(X, pad):
    m, C, H, W = X.shape
    out = np.zeros((m, C, H + 2 * pad, W + 2 * pad), dtype=X.dtype)
    out[:, :, pad:-pad, pad:-pad] = X
    return out


def test_zero_pad_with_minus_pad():
    """NumPy's real broadcast error at pad = 0 gets the sentence on the empty slice."""
    fails_with("zero_pad", pad_by_minus_pad, "pad = 0", "0:0", "pad : pad + H", "ValueError")


def pool_back_unravel(swap=False, assign_window=False):
    def max_pool_backward(dA, cache):
        A_prev, size, stride = cache
        m, C, H_out, W_out = dA.shape
        dA_prev = np.zeros(A_prev.shape, dtype=dA.dtype)
        images, channels = np.meshgrid(np.arange(m), np.arange(C), indexing="ij")
        for y in range(H_out):
            for x in range(W_out):
                rows = slice(y * stride, y * stride + size)
                cols = slice(x * stride, x * stride + size)
                window = A_prev[:, :, rows, cols]
                p, q = np.unravel_index(window.reshape(m, C, -1).argmax(axis=2), (size, size))
                if swap:
                    p, q = q, p
                if assign_window:
                    block = np.zeros(window.shape, dtype=dA.dtype)
                    block[images, channels, p, q] = dA[:, :, y, x]
                    dA_prev[:, :, rows, cols] = block
                else:
                    dA_prev[images, channels, y * stride + p, x * stride + q] += dA[:, :, y, x]
        return dA_prev

    return max_pool_backward


def test_max_pool_backward_unravel_passes():
    passes("max_pool_backward", pool_back_unravel())


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (pool_back_unravel(swap=True), ["mirror image", "row first"]),
        (pool_back_unravel(assign_window=True), ["overwrite", "puts zeros", "+="]),
    ],
    ids=["row and column swapped", "whole window with ="],
)
def test_max_pool_backward_more_mistakes(candidate, words):
    fails_with("max_pool_backward", candidate, *words)


def convnet_as_learner(mask_blocks=(1, 2), dZ3_over_m=False, unflatten="T", cost_of_Z3=False):
    """The lesson's convnet_cost_and_grads, as a learner writes it, with one slip."""

    late = mask_blocks == "late"

    def convnet_cost_and_grads(X, Y, parameters):
        A, blocks = X, []
        for l in (1, 2):
            Z, conv_cache = ref.conv_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], 1, 1)
            A, pool_cache = ref.max_pool_forward(ref.relu(Z), 2, 2)
            blocks.append((conv_cache, Z, pool_cache))
        shape, m = A.shape, A.shape[0]
        flat = A.reshape(-1, m) if unflatten == "both reshaped" else A.reshape(m, -1).T
        Z3, linear_cache = ref.linear_forward(flat, parameters["W3"], parameters["b3"])
        AL = ref.softmax(Z3)
        cost = ref.compute_cost_categorical(Z3 if cost_of_Z3 else AL, Y)
        dZ3 = (AL - Y) / m if dZ3_over_m else AL - Y
        grads = {}
        dA, grads["dW3"], grads["db3"] = ref.linear_backward(dZ3, linear_cache)
        dA = dA.T.reshape(shape) if unflatten == "T" else dA.reshape(shape)
        for l in (2, 1):
            conv_cache, Z, pool_cache = blocks[l - 1]
            dZ = ref.max_pool_backward(dA, pool_cache)
            if l in (1,) if late else l in mask_blocks:
                dZ = ref.relu_backward(dZ, Z)
            dA, grads[f"dW{l}"], grads[f"db{l}"] = ref.conv_backward(dZ, conv_cache)
            if l == 2 and late:
                dA = ref.relu_backward(dA, conv_cache[0])  # the mask after conv_backward
        return cost, grads

    return convnet_cost_and_grads


def test_convnet_as_learner_passes():
    passes("convnet_cost_and_grads", convnet_as_learner())


CONVNET_MISTAKES = {
    "no ReLU mask in backward": (convnet_as_learner(mask_blocks=()), ["skips the ReLUs' masks"]),
    "no mask in block 1": (convnet_as_learner(mask_blocks=(2,)), ["block 1's backward"]),
    "no mask in block 2": (convnet_as_learner(mask_blocks=(1,)), ["block 2's backward"]),
    "mask after conv_backward": (
        convnet_as_learner(mask_blocks="late"),
        ["block 2's backward", "too late"],
    ),
    "1/m twice": (convnet_as_learner(dZ3_over_m=True), ["1/m is applied twice"]),
    "unflatten by reshape": (
        convnet_as_learner(unflatten="reshaped"),
        ["without moving its axes", "dA.T.reshape(shape)"],
    ),
    "flatten by reshape": (
        convnet_as_learner(unflatten="both reshaped"),
        ["A.reshape(-1, m)", "A.reshape(m, -1).T"],
    ),
    "cost before softmax": (convnet_as_learner(cost_of_Z3=True), ["before the last activation"]),
}


@pytest.mark.parametrize("mistake", CONVNET_MISTAKES)
def test_convnet_mistakes_are_named(mistake):
    candidate, words = CONVNET_MISTAKES[mistake]
    fails_with("convnet_cost_and_grads", candidate, *words)

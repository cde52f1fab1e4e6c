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


def test_layers_keep_float32_and_inputs():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    W = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = np.zeros((4, 1, 1), np.float32)
    before = A.copy()
    Z, cache = conv.conv_forward(A, W, b, 1, 1)
    dA, dW, db = conv.conv_backward(np.ones_like(Z), cache)
    P, pool_cache = conv.max_pool_forward(Z)
    assert {x.dtype for x in (Z, dA, dW, db, P, conv.max_pool_backward(P, pool_cache))} == {
        np.dtype(np.float32)
    }
    assert np.array_equal(A, before)


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

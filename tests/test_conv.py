"""nnutils.engine.conv: the fast layers lesson 09 trains with agree with the plain definitions."""

import numpy as np
import pytest

from nnutils.engine import conv


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 0), (2, 2)])
def test_conv_forward_is_the_windowed_sum(stride, pad):
    """im2col and one product give the naive definition's numbers, for strides and pads."""
    rng = np.random.default_rng(stride * 10 + pad)
    A = rng.standard_normal((3, 2, 7, 6))
    W, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((4, 1, 1))
    Z, _ = conv.conv_forward(A, W, b, stride, pad)
    np.testing.assert_allclose(Z, conv.conv_forward_naive(A, W, b, stride, pad), atol=1e-12)


@pytest.mark.parametrize(("stride", "pad"), [(1, 1), (2, 0)])
def test_col2im_is_the_adjoint_of_im2col(stride, pad):
    """<im2col(A), D> = <A, col2im(D)>: the backward pass adds back what forward copied."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((2, 3, 6, 5))
    cols, _ = conv.im2col(A, 3, stride, pad)
    D = rng.standard_normal(cols.shape)
    back = conv.col2im(D, A.shape, 3, stride, pad)
    assert np.vdot(cols, D) == pytest.approx(np.vdot(A, back), rel=1e-12)


def test_conv_backward_matches_centered_differences():
    """dA_prev is the gradient of S = sum(G * Z); dW and db are those of S / m, the mean."""
    rng = np.random.default_rng(2)
    A = rng.standard_normal((2, 2, 5, 5))
    W, b = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((3, 1, 1))
    G = rng.standard_normal(conv.conv_forward(A, W, b, 1, 1)[0].shape)  # J = sum(G * Z)
    dA, dW, db = conv.conv_backward(G, conv.conv_forward(A, W, b, 1, 1)[1])
    m = A.shape[0]
    for array, gradient, scale in ((A, dA, 1), (W, dW, m), (b, db, m)):
        for index in [tuple(rng.integers(0, n) for n in array.shape) for _ in range(5)]:
            saved = array[index]
            array[index] = saved + 1e-6
            plus = np.sum(G * conv.conv_forward(A, W, b, 1, 1)[0])
            array[index] = saved - 1e-6
            minus = np.sum(G * conv.conv_forward(A, W, b, 1, 1)[0])
            array[index] = saved
            slope = (plus - minus) / 2e-6 / scale
            assert gradient[index] == pytest.approx(slope, rel=1e-5, abs=1e-7)


def test_max_pool_backward_sends_each_gradient_to_its_windows_first_maximum():
    A = np.array([[[[1.0, 3, 2, 2], [3, 0, 2, 2], [0, 1, 5, 4], [2, 0, 4, 5]]]])
    P, cache = conv.max_pool_forward(A)
    np.testing.assert_array_equal(P, [[[[3, 2], [2, 5]]]])
    dA = conv.max_pool_backward(np.array([[[[10.0, 20], [30, 40]]]]), cache)
    expected = np.zeros_like(A)
    expected[0, 0, 0, 1], expected[0, 0, 0, 2], expected[0, 0, 3, 0], expected[0, 0, 2, 2] = (
        10,
        20,
        30,
        40,
    )
    np.testing.assert_array_equal(dA, expected)


def test_outputs_keep_the_examples_last_in_memory():
    """The (m, C, H, W) arrays the layers return are views of (C, H, W, m) memory."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 2, 6, 6)).astype(np.float32)
    Z, _ = conv.conv_forward(
        A,
        rng.standard_normal((3, 2, 3, 3)).astype(np.float32),
        np.zeros((3, 1, 1), np.float32),
        1,
        1,
    )
    P, _ = conv.max_pool_forward(Z)
    for X in (Z, P):
        assert X.strides[0] == X.itemsize, "the examples are not the fastest axis"


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

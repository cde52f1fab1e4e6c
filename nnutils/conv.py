"""Convolution and max-pooling layers (lesson 09), vectorized: the reference of its exercises.

Images are batches ``(m, C, H, W)``, channels first as CIFAR-10 stores them. A convolutional
layer has ``W`` of shape ``(F, C, k, k)`` (F filters of C channels, k x k pixels) and ``b`` of
shape ``(F, 1, 1)``, which broadcasts over the rows and columns of each output channel. Like
every deep-learning library, the layer computes a cross-correlation (the kernel is not
flipped):

    Z[i, f, y, x] = b[f] + sum_{c, p, q} A_pad[i, c, stride y + p, stride x + q] W[f, c, p, q].

The fast path is im2col: ``sliding_window_view`` lays every k x k window out as one column
of a matrix, and one matrix product with the filters does the whole layer. The backward pass
is the transposed product, and col2im adds the columns back with one slice per kernel offset
(k * k additions, no ``np.add.at``). Functions keep their inputs' dtype and never change them.
"""

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class ConvCache(NamedTuple):
    """What ``conv_forward`` keeps for the backward pass."""

    A_prev: np.ndarray
    W: np.ndarray
    b: np.ndarray
    stride: int
    pad: int


class PoolCache(NamedTuple):
    """What ``max_pool_forward`` keeps for the backward pass."""

    A_prev: np.ndarray
    size: int
    stride: int


def output_size(n, k, stride=1, pad=0):
    """Number of positions of a k-wide window on n pixels padded by ``pad``: (n + 2 pad - k) // stride + 1."""
    return (n + 2 * pad - k) // stride + 1


def zero_pad(X, pad):
    """X (m, C, H, W) with ``pad`` zeros added on every side of each image: (m, C, H + 2 pad, W + 2 pad)."""
    m, C, H, W = X.shape
    out = np.zeros((m, C, H + 2 * pad, W + 2 * pad), dtype=X.dtype)
    out[:, :, pad : pad + H, pad : pad + W] = X
    return out


def conv_forward_naive(A_prev, W, b, stride, pad):
    """The convolution by loops (slow; for tiny inputs): Z (m, F, H_out, W_out)."""
    m, _, H, Wd = A_prev.shape
    F, _, k, _ = W.shape
    A_pad = zero_pad(A_prev, pad)
    H_out, W_out = output_size(H, k, stride, pad), output_size(Wd, k, stride, pad)
    Z = np.zeros((m, F, H_out, W_out), dtype=np.result_type(A_prev, W))
    for i in range(m):
        for f in range(F):
            for y in range(H_out):
                for x in range(W_out):
                    window = A_pad[i, :, y * stride : y * stride + k, x * stride : x * stride + k]
                    Z[i, f, y, x] = np.sum(window * W[f]) + b.ravel()[f]
    return Z


def im2col(A_prev, k, stride, pad):
    """The k x k windows of A_prev (m, C, H, W) as columns: (C k k, m H_out W_out), and (H_out, W_out).

    Rows run over (channel, window row, window column), columns over (image, y, x), matching
    ``W.reshape(F, -1)``; the result is one contiguous copy.
    """
    A_pad = zero_pad(A_prev, pad) if pad else A_prev
    windows = sliding_window_view(A_pad, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    m, C, H_out, W_out = windows.shape[:4]
    cols = np.ascontiguousarray(windows.transpose(1, 4, 5, 0, 2, 3))
    return cols.reshape(C * k * k, m * H_out * W_out), (H_out, W_out)


def col2im(dcols, shape, k, stride, pad):
    """The adjoint of ``im2col``: add the columns dcols (C k k, m H_out W_out) back into images ``shape``."""
    m, C, H, W = shape
    H_out, W_out = output_size(H, k, stride, pad), output_size(W, k, stride, pad)
    dcols = dcols.reshape(C, k, k, m, H_out, W_out)
    dA_pad = np.zeros((m, C, H + 2 * pad, W + 2 * pad), dtype=dcols.dtype)
    for p, q in np.ndindex(k, k):
        rows, columns = _offsets(p, stride, H_out), _offsets(q, stride, W_out)
        dA_pad[:, :, rows, columns] += dcols[:, p, q].transpose(1, 0, 2, 3)
    return dA_pad[:, :, pad : pad + H, pad : pad + W]


def conv_forward(A_prev, W, b, stride=1, pad=0):
    """Convolutional layer: A_prev (m, C, H, W), W (F, C, k, k), b (F, 1, 1) -> Z (m, F, H_out, W_out).

    Returns (Z, ConvCache(A_prev, W, b, stride, pad)). Z is a transposed view of the
    product's (F, m, H_out, W_out) result, which costs no copy.
    """
    F, _, k, _ = W.shape
    cols, (H_out, W_out) = im2col(A_prev, k, stride, pad)
    Z = W.reshape(F, -1) @ cols
    Z = Z.reshape(F, -1, H_out, W_out).transpose(1, 0, 2, 3)
    Z += b.reshape(1, F, 1, 1)
    return Z, ConvCache(A_prev, W, b, stride, pad)


def _rows_of_filters(dZ):
    """dZ (m, F, H_out, W_out) as the (F, m H_out W_out) matrix of the product (a view when it can)."""
    return dZ.transpose(1, 0, 2, 3).reshape(dZ.shape[1], -1)


def conv_backward(dZ, cache, input_gradient=True):
    """Gradients of ``conv_forward`` from dZ (m, F, H_out, W_out): (dA_prev, dW, db).

    dA_prev (m, C, H, W); dW (F, C, k, k) and db (F, 1, 1) are means over the m examples, as
    in ``linear_backward`` (dZ is the gradient of the summed cost). With
    ``input_gradient=False`` dA_prev is None (the first layer needs none).
    """
    A_prev, W, _, stride, pad = cache
    F, _, k, _ = W.shape
    m = A_prev.shape[0]
    cols, _ = im2col(A_prev, k, stride, pad)
    dZ_rows = _rows_of_filters(dZ)
    dW = (cols @ dZ_rows.T).T.reshape(W.shape)  # this way round suits OpenBLAS best
    dW /= m
    db = dZ.sum(axis=(0, 2, 3)).reshape(F, 1, 1) / m
    dA_prev = None
    if input_gradient:
        dA_prev = col2im(W.reshape(F, -1).T @ dZ_rows, A_prev.shape, k, stride, pad)
    return dA_prev, dW, db


def max_pool_forward(A_prev, size=2, stride=2):
    """Max pooling: the largest value of every size x size window, A (m, C, H_out, W_out).

    Returns (A, PoolCache(A_prev, size, stride)).
    """
    m, C, H, W = A_prev.shape
    H_out, W_out = output_size(H, size, stride), output_size(W, size, stride)
    A = None
    for p, q in np.ndindex(size, size):  # the maximum of size * size strided slices: fast
        part = A_prev[:, :, _offsets(p, stride, H_out), _offsets(q, stride, W_out)]
        A = part.copy() if A is None else np.maximum(A, part, out=A)
    return A, PoolCache(A_prev, size, stride)


def _offsets(p, stride, n_out):
    """The rows (or columns) p, p + stride, ... that offset p of n_out windows reads."""
    return slice(p, p + stride * (n_out - 1) + 1, stride)


def max_pool_backward(dA, cache):
    """Gradient of ``max_pool_forward``: dA (m, C, H_out, W_out) -> dA_prev (m, C, H, W).

    Each window's gradient goes to the position of its maximum alone; in a tie, to the
    first of the tied positions (in reading order), as ``argmax`` picks it.
    """
    A_prev, size, stride = cache
    H_out, W_out = dA.shape[2:]
    A, _ = max_pool_forward(A_prev, size, stride)
    dA_prev = np.zeros(A_prev.shape, dtype=np.result_type(dA, A_prev))
    found = np.zeros(A.shape, dtype=bool)  # windows whose maximum has been met already
    for p, q in np.ndindex(size, size):  # offsets in reading order
        rows, columns = _offsets(p, stride, H_out), _offsets(q, stride, W_out)
        first = A_prev[:, :, rows, columns] == A
        first &= ~found
        found |= first
        dA_prev[:, :, rows, columns] += dA * first
    return dA_prev

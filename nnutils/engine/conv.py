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

Speed: the arrays these functions return are ``(m, C, H, W)`` views of memory laid out
``(C, H, W, m)``, the examples last (``batch_last``), as the course's columns are. Copies then
move long runs (a whole row of pixels for all m images at once), pooling reads whole runs of m
values, the matrix product's result needs no transpose, and ``flatten`` costs nothing.
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


def batch_last(X):
    """The (C, H, W, m) view of images X (m, C, H, W): the examples on the last axis."""
    return np.moveaxis(X, 0, -1)


def batch_first(T):
    """The (m, C, H, W) view of T (C, H, W, m): the inverse of ``batch_last``."""
    return np.moveaxis(T, -1, 0)


def zero_pad(X, pad):
    """X (m, C, H, W) with ``pad`` zeros added on every side of each image: (m, C, H + 2 pad, W + 2 pad)."""
    m, C, H, W = X.shape
    out = np.zeros((C, H + 2 * pad, W + 2 * pad, m), dtype=X.dtype)
    out[:, pad : pad + H, pad : pad + W] = batch_last(X)
    return batch_first(out)


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
    """The k x k windows of A_prev (m, C, H, W) as columns: (C k k, H_out W_out m), and (H_out, W_out).

    Rows run over (channel, window row, window column), matching ``W.reshape(F, -1)``;
    columns over (y, x, image), the examples last. The result is one contiguous copy.
    """
    A_pad = batch_last(zero_pad(A_prev, pad) if pad else A_prev)
    windows = sliding_window_view(A_pad, (k, k), axis=(1, 2))[:, ::stride, ::stride]
    C, H_out, W_out = windows.shape[:3]
    cols = np.ascontiguousarray(windows.transpose(0, 4, 5, 1, 2, 3))
    return cols.reshape(C * k * k, -1), (H_out, W_out)


def col2im(dcols, shape, k, stride, pad):
    """The adjoint of ``im2col``: add the columns dcols (C k k, H_out W_out m) back into images ``shape``."""
    m, C, H, W = shape
    H_out, W_out = output_size(H, k, stride, pad), output_size(W, k, stride, pad)
    dcols = dcols.reshape(C, k, k, H_out, W_out, m)
    dA_pad = np.zeros((C, H + 2 * pad, W + 2 * pad, m), dtype=dcols.dtype)
    for p, q in np.ndindex(k, k):
        rows, columns = _offsets(p, stride, H_out), _offsets(q, stride, W_out)
        dA_pad[:, rows, columns] += dcols[:, p, q]
    return batch_first(dA_pad[:, pad : pad + H, pad : pad + W])


def conv_forward(A_prev, W, b, stride=1, pad=0):
    """Convolutional layer: A_prev (m, C, H, W), W (F, C, k, k), b (F, 1, 1) -> Z (m, F, H_out, W_out).

    Returns (Z, ConvCache(A_prev, W, b, stride, pad)). Z is the (m, F, H_out, W_out) view of
    the product's (F, H_out, W_out, m) result, which costs no copy.
    """
    F, _, k, _ = W.shape
    cols, (H_out, W_out) = im2col(A_prev, k, stride, pad)
    Z = (W.reshape(F, -1) @ cols).reshape(F, H_out, W_out, -1)
    Z += b.reshape(F, 1, 1, 1)
    return batch_first(Z), ConvCache(A_prev, W, b, stride, pad)


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
    dZ_rows = batch_last(dZ).reshape(F, -1)  # (F, H_out W_out m), the columns' order
    dW = (cols @ dZ_rows.T).T.reshape(W.shape)  # this way round suits OpenBLAS best
    dW /= m
    db = dZ_rows.sum(axis=1).reshape(F, 1, 1) / m
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
    for part in _window_offsets(batch_last(A_prev), size, stride, H_out, W_out):
        A = part.copy() if A is None else np.maximum(A, part, out=A)  # size * size slices: fast
    return batch_first(A), PoolCache(A_prev, size, stride)


def _offsets(p, stride, n_out):
    """The rows (or columns) p, p + stride, ... that offset p of n_out windows reads."""
    return slice(p, p + stride * (n_out - 1) + 1, stride)


def _window_offsets(T, size, stride, H_out, W_out):
    """For each offset (p, q) in reading order, the (C, H_out, W_out, m) slice of T it reads."""
    for p, q in np.ndindex(size, size):
        yield T[:, _offsets(p, stride, H_out), _offsets(q, stride, W_out)]


def max_pool_backward(dA, cache):
    """Gradient of ``max_pool_forward``: dA (m, C, H_out, W_out) -> dA_prev (m, C, H, W).

    Each window's gradient goes to the position of its maximum alone; in a tie, to the
    first of the tied positions (in reading order), as ``argmax`` picks it.
    """
    A_prev, size, stride = cache
    H_out, W_out = dA.shape[2:]
    A = batch_last(max_pool_forward(A_prev, size, stride)[0])
    dA, T = batch_last(dA), batch_last(A_prev)
    dA_prev = np.zeros(T.shape, dtype=np.result_type(dA, A_prev))
    tiles = size == stride  # windows that do not overlap: each position gets one value at most
    found = None  # windows whose maximum has been met already
    slices = zip(
        _window_offsets(T, size, stride, H_out, W_out),
        _window_offsets(dA_prev, size, stride, H_out, W_out),
        strict=True,
    )
    for part, gradient in slices:
        first = part == A
        if found is None:
            found = first.copy()
        else:
            np.greater(first, found, out=first)  # a maximum, and the window's first
            found |= first
        if tiles:
            np.multiply(dA, first, out=gradient)
        else:
            gradient += dA * first
    return batch_first(dA_prev)

"""Lesson 09's network as its trainer runs it: the reference's arithmetic, with the copies taken out.

``nnutils.reference.convnet_forward`` and ``convnet_backward`` are the network's clear
version (the lesson's exercises: ``(m, C, H, W)`` arrays, the caches of the lesson).
``ConvNetStep`` computes the same numbers (``tests/test_convstep.py`` compares them) for
CONV(3x3, stride 1, pad 1) -> RELU -> MAXPOOL(2) blocks and a linear softmax output, laid out
for speed:

- **Channels last.** Activations are ``(m, H, W, C)``. im2col's matrix has one row per output
  position and one column per (kernel row, kernel column, channel), so each product writes its
  ``(positions, F)`` result in the layout the next step reads; OpenBLAS runs these products
  fastest (the first layer's narrow ones about 1.5 times faster than filters-first).
- **Rows in pooling order.** im2col's rows run over (window row, window column, image, y, x)
  of the 2 x 2 pooling windows, so the convolution's output is four contiguous blocks, one per
  position in the window: pooling is three ``np.maximum`` of whole blocks, its gradient four
  whole-block products.
- **Bias and ReLU after pooling.** max(relu(Z + b)) = relu(max(Z) + b): b is the same over a
  window and ReLU never reorders, so both run on a quarter of the values.
- **Nothing computed twice.** im2col's matrix and the convolution's output are kept from
  forward to backward; the backward pass finds each window's first maximum in them, as
  ``max_pool_backward`` does (ties included).
- **The input gradient as a convolution.** Adding im2col's columns back (col2im) makes short
  additions into scattered places; the same gradient is the convolution of the zero-padded dZ
  with the flipped filters: im2col again, one image at a time in a buffer that stays in the
  processor's cache, and a product.
- **Buffers reused.** A ``ConvNetStep`` owns its arrays (one object per thread), allocated
  once; products and elementwise steps write into them (``out=``).

Gradients are sums over the examples, so that the parts of a batch computed on several threads
add up; the trainer divides by the batch size.
"""

import time

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .. import reference as ref

CHUNK = 2**18  # values of the input gradient's im2col buffer (1 MB in float32: it stays in cache)


def pairs(T):
    """The (m, H/2, 2, W/2, 2, ...) view of T (m, H, W, ...): the members of its 2 x 2 windows."""
    m, H, W, *rest = T.shape
    s0, s1, s2, *others = T.strides
    shape, strides = (m, H // 2, 2, W // 2, 2, *rest), (s0, 2 * s1, s1, 2 * s2, s2, *others)
    return as_strided(T, shape, strides, writeable=T.flags.writeable)


def im2col_rows(A_pad, out):
    """Write the 3 x 3 windows of A_pad (m, H + 2, W + 2, C) into ``out`` (m H W, 9 C), pooling order.

    Row (py, qx, i, y, x) is the window of output pixel (2 y + py, 2 x + qx) of image i;
    its columns run over (kernel row, kernel column, channel).
    """
    m, C = A_pad.shape[0], A_pad.shape[3]
    windows = pairs(sliding_window_view(A_pad, (3, 3), axis=(1, 2)))  # (m, h, 2, w, 2, C, 3, 3)
    h, w = windows.shape[1], windows.shape[3]
    rows = out.reshape(2, 2, m, h, w, 3, 3, C)
    np.copyto(rows, windows.transpose(2, 4, 0, 1, 3, 6, 7, 5))


def kernel_columns(W):
    """Filters W (F, C, k, k) as im2col's columns: (k k C, F), contiguous."""
    return np.ascontiguousarray(W.transpose(2, 3, 1, 0)).reshape(-1, W.shape[0])


def kernel_from_columns(D, shape):
    """The inverse of ``kernel_columns``: D (k k C, F) as an array of ``shape`` (F, C, k, k)."""
    F, C, k, _ = shape
    return np.ascontiguousarray(D.reshape(k, k, C, F).transpose(3, 2, 0, 1))


def linear_columns(W, maps):
    """W (n, F h w) for channel-first maps (F, h, w), reordered for channels-last maps (h w F)."""
    F, h, w = maps
    return np.ascontiguousarray(W.reshape(-1, F, h, w).transpose(0, 2, 3, 1)).reshape(len(W), -1)


def linear_from_columns(D, maps):
    """The inverse of ``linear_columns``."""
    F, h, w = maps
    return np.ascontiguousarray(D.reshape(-1, h, w, F).transpose(0, 3, 1, 2)).reshape(len(D), -1)


class _Block:
    """The buffers of one CONV -> RELU -> MAXPOOL block for up to ``m`` images of H x W x C."""

    def __init__(self, m, H, W, C, F, dtype, first, training):
        self.H, self.W, self.C, self.F = H, W, C, F
        n = m * H * W  # output positions (pad 1, stride 1)
        self.input = np.zeros((m, H + 2, W + 2, C), dtype)  # its border stays zero
        self.cols = np.empty(n * 9 * C, dtype)
        self.Z = np.empty(n * F, dtype)
        self.M = np.empty(n // 4 * F, dtype)
        if training:
            self.g = np.empty(n // 4 * F, dtype)
            self.found = np.empty(n // 4 * F, bool)
            self.first = np.empty(n // 4 * F, bool)
        # For the input gradient (the first block has none): dZ in image order, zero-padded.
        self.dZ_pad = np.zeros((m, H + 2, W + 2, F), dtype) if training and not first else None

    def arrays(self, m):
        """im2col's rows (m H W, 9 C), Z (4, m H W / 4, F) and its pooled maxima (m H W / 4, F)."""
        n = m * self.H * self.W
        return (
            self.cols[: n * 9 * self.C].reshape(n, 9 * self.C),
            self.Z[: n * self.F].reshape(4, n // 4, self.F),
            self.M[: n // 4 * self.F].reshape(n // 4, self.F),
        )

    def quarter(self, name, m):
        """Buffer ``name`` (g, found, first) as (m H W / 4, F)."""
        n = m * self.H * self.W // 4
        return getattr(self, name)[: n * self.F].reshape(n, self.F)


class ConvNetStep:
    """Forward and backward passes of lesson 09's network on up to ``m`` images, in its own buffers.

    ``filters`` are the blocks' filter counts, ``image_shape`` (C, H, W) with H and W divisible
    by 2 ** len(filters). Write the images into ``input_images(n)``, then call ``forward`` and
    ``backward``. One object per thread. ``training=False`` leaves out the backward pass's
    buffers (for prediction).
    """

    def __init__(self, m, filters, image_shape=(3, 32, 32), dtype=np.float32, training=True):
        C, H, W = self.image_shape = tuple(image_shape)
        if not filters or H % 2 ** len(filters) or W % 2 ** len(filters):
            raise ValueError(f"{image_shape} images do not halve {len(filters)} times")
        self.m, self.dtype, self.blocks = m, np.dtype(dtype), []
        for F in filters:
            self.blocks.append(_Block(m, H, W, C, F, self.dtype, not self.blocks, training))
            C, H, W = F, H // 2, W // 2
        self.maps = (C, H, W)  # the last block's output, channel first as W{L} reads it
        self.output = np.empty((m, H, W, C), self.dtype)
        if training:
            self._ones = np.ones(m * image_shape[1] * image_shape[2] // 4, self.dtype)
            later = self.blocks[1:]
            self._dA = np.empty(m * max([b.H * b.W * b.C for b in later], default=0), self.dtype)
            self._chunk = np.empty(max([CHUNK] + [b.H * b.W * 9 * b.F for b in later]), self.dtype)
        self.timings = None  # a dict to fill with seconds per stage (profiling), or None
        self._clock = 0.0

    def _tick(self, stage=None):
        """With ``timings`` a dict: add the time since the last tick to ``stage``."""
        if self.timings is not None:
            now = time.perf_counter()
            if stage is not None:
                self.timings[stage] = self.timings.get(stage, 0.0) + now - self._clock
            self._clock = now

    def input_images(self, n):
        """The (n, H, W, C) interior of the first block's zero-padded input: write images here."""
        return self.blocks[0].input[:n, 1:-1, 1:-1]

    def _block_output(self, l, n):
        """Block l's output A (n, h, w, F): the next block's input interior, or ``output``."""
        if l < len(self.blocks):
            return self.blocks[l].input[:n, 1:-1, 1:-1]
        return self.output[:n]

    def forward(self, parameters, n):
        """Softmax outputs AL (classes, n) of the n images in ``input_images(n)``."""
        L = len(self.blocks) + 1
        self._tick()
        for l, block in enumerate(self.blocks, start=1):
            cols, Z, M = block.arrays(n)
            im2col_rows(block.input[:n], cols)
            self._tick(f"conv{l} im2col")
            np.matmul(cols, kernel_columns(parameters[f"W{l}"]), out=Z.reshape(-1, block.F))
            self._tick(f"conv{l} product")
            np.maximum(Z[0], Z[1], out=M)
            np.maximum(M, Z[2], out=M)
            np.maximum(M, Z[3], out=M)
            self._tick(f"pool{l}")
            A = self._block_output(l, n)
            np.add(M.reshape(A.shape), parameters[f"b{l}"].reshape(-1), out=A)
            np.maximum(A, 0, out=A)
            self._tick(f"bias, relu{l}")
        ZL = linear_columns(parameters[f"W{L}"], self.maps) @ self.output[:n].reshape(n, -1).T
        ZL += parameters[f"b{L}"]
        AL = ref.softmax(ZL)
        self._tick("linear, softmax")
        return AL

    def backward(self, AL, Y, parameters, n):
        """Gradients {dW1, db1, ...} of the categorical cross-entropy, SUMMED over the n examples.

        Call it after ``forward`` on the same images; Y is one-hot (classes, n).
        """
        L = len(self.blocks) + 1
        self._tick()
        grads = {}
        dZ = AL - Y
        flat = self.output[:n].reshape(n, -1)
        grads[f"dW{L}"] = linear_from_columns(dZ @ flat, self.maps)
        grads[f"db{L}"] = dZ.sum(axis=1, keepdims=True)
        dA = (dZ.T @ linear_columns(parameters[f"W{L}"], self.maps)).reshape(self.output[:n].shape)
        self._tick("linear backward")
        for l in range(len(self.blocks), 0, -1):
            block = self.blocks[l - 1]
            cols, Z, M = block.arrays(n)
            g = self._pool_backward(block, l, n, dA)
            grads[f"db{l}"] = (self._ones[: len(g)] @ g).reshape(-1, 1, 1)
            self._tick(f"pool{l}, relu{l} backward")
            dZ_rows = Z.reshape(-1, block.F)  # Z now holds dZ
            dW = kernel_from_columns(cols.T @ dZ_rows, parameters[f"W{l}"].shape)
            grads[f"dW{l}"] = dW
            self._tick(f"conv{l} dW product")
            if l > 1:
                dA = self._input_gradient(block, parameters[f"W{l}"], n, l)
        return grads

    def _pool_backward(self, block, l, n, dA):
        """dZ of block l from dA (n, h, w, F), written over Z: each window's first maximum gets
        dA where the block's output is positive (ReLU), the other three positions 0. Returns g,
        the gradient at the windows' maxima (for db)."""
        _, Z, M = block.arrays(n)
        A = self._block_output(l, n)
        g, found, first = (block.quarter(name, n) for name in ("g", "found", "first"))
        np.greater(A, 0, out=found.reshape(A.shape))
        np.multiply(dA, found.reshape(A.shape), out=g.reshape(A.shape))
        np.equal(Z[0], M, out=found)
        np.multiply(g, found, out=Z[0])
        for k in (1, 2):
            np.equal(Z[k], M, out=first)
            np.greater(first, found, out=first)  # a maximum, and the window's first
            np.logical_or(found, first, out=found)
            np.multiply(g, first, out=Z[k])
        np.logical_not(found, out=found)  # no maximum yet: the last position is the first
        np.multiply(g, found, out=Z[3])
        return g

    def _input_gradient(self, block, W, n, l):
        """dA (n, H, W, C) of block l's input from its dZ (held in Z): the full convolution.

        dA[i, y, x] = sum over p, q of dZ_pad[i, y + p, x + q] . W[:, :, 2 - p, 2 - q]: im2col of
        the zero-padded dZ (in image order) and one product with the flipped filters, a few
        images at a time in a buffer small enough to stay in cache.
        """
        H, W_, C, F = block.H, block.W, block.C, block.F
        dZ_pad = block.dZ_pad[:n]
        _, Z, _ = block.arrays(n)
        np.copyto(
            pairs(dZ_pad[:, 1:-1, 1:-1]),
            Z.reshape(2, 2, n, H // 2, W_ // 2, F).transpose(2, 3, 0, 4, 1, 5),
        )
        self._tick(f"conv{l} dZ to image order")
        flipped = kernel_columns(W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (9 F, C)
        dA = self._dA[: n * H * W_ * C].reshape(n, H, W_, C)
        windows = sliding_window_view(dZ_pad, (3, 3), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3)
        c = self._chunk.size // (H * W_ * 9 * F)  # images per chunk
        for i in range(0, n, c):
            cols = self._chunk[: min(c, n - i) * H * W_ * 9 * F].reshape(-1, H, W_, 3, 3, F)
            np.copyto(cols, windows[i : i + c])
            np.matmul(cols.reshape(-1, 9 * F), flipped, out=dA[i : i + c].reshape(-1, C))
        self._tick(f"conv{l} dA (im2col and product)")
        return dA

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
- **A few images at a time.** Each block runs over ``chunk`` images at once, so that im2col's
  matrix, the convolution's output and their gradients stay in the processor's cache between
  one step and the next (the whole batch's would not: two threads would then wait on memory).
  The forward pass keeps, per pooling window and channel, which of its four positions gets
  the gradient (its first maximum, as ``max_pool_backward`` picks it, and only where the
  ReLU's output is positive): the backward pass is then four products with these masks, and
  im2col again (cheaper than keeping its matrix for the whole batch).
- **The input gradient as a convolution.** Adding im2col's columns back (col2im) makes short
  additions into scattered places; the same gradient is the convolution of the zero-padded dZ
  with the flipped filters: im2col of dZ, an image at a time, and a product.
- **Buffers reused.** A ``ConvNetStep`` owns its arrays (one object per thread), allocated
  once; products and elementwise steps write into them (``out=``).

Gradients are sums over the examples, so that the parts of a batch computed on several threads
add up; the trainer divides by the batch size.
"""

import time

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from .. import reference as ref

CHUNK = 4  # images a block computes at once


def pairs(T):
    """The (m, H/2, 2, W/2, 2, ...) view of T (m, H, W, ...): the members of its 2 x 2 windows."""
    m, H, W, *rest = T.shape
    s0, s1, s2, *others = T.strides
    shape, strides = (m, H // 2, 2, W // 2, 2, *rest), (s0, 2 * s1, s1, 2 * s2, s2, *others)
    return as_strided(T, shape, strides, writeable=T.flags.writeable)


def windows_in_pooling_order(A_pad):
    """The 3 x 3 windows of A_pad (m, H + 2, W + 2, C), a view (2, 2, m, H/2, W/2, 3, 3, C).

    Window [py, qx, i, y, x] is the one of output pixel (2 y + py, 2 x + qx) of image i, its
    values in the order (kernel row, kernel column, channel): copied into rows (m H W, 9 C), the
    im2col matrix whose rows come in pooling order.
    """
    windows = pairs(sliding_window_view(A_pad, (3, 3), axis=(1, 2)))  # (m, h, 2, w, 2, C, 3, 3)
    return windows.transpose(2, 4, 0, 1, 3, 6, 7, 5)


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
    """One CONV -> RELU -> MAXPOOL block: its input for m images, and buffers for c of them."""

    def __init__(self, m, c, H, W, C, F, dtype, first, training):
        self.H, self.W, self.C, self.F = H, W, C, F
        self.h, self.w = H // 2, W // 2
        self.input = np.zeros((m, H + 2, W + 2, C), dtype)  # its border stays zero
        self.windows = windows_in_pooling_order(self.input)
        self.cols = np.empty(c * H * W * 9 * C, dtype)
        self.Z = np.empty(c * H * W * F, dtype)  # the convolution's output, then dZ
        self.M = np.empty(c * H * W // 4 * F, dtype)
        self.positive = np.empty(c * H * W // 4 * F, bool)
        self.masks = np.empty((4, m, self.h, self.w, F), bool) if training else None
        self.dZ_pad = None
        if training and not first:  # the input gradient: dZ in image order, zero-padded
            self.dZ_pad = np.zeros((c, H + 2, W + 2, F), dtype)
            self.dZ_windows = sliding_window_view(self.dZ_pad, (3, 3), axis=(1, 2)).transpose(
                0, 1, 2, 4, 5, 3
            )  # (c, H, W, 3, 3, F): im2col of dZ, kernel rows and columns first
            self.dcols = np.empty((H * W, 9 * F), dtype)
            self.dA = np.empty((c, H, W, C), dtype)

    def views(self, i, k, A, dA):
        """The arrays one chunk (images i to i + k) reads and writes, as views made once.

        ``A`` is the block's output for these images, ``dA`` its gradient (k, h, w, F).
        """
        n = k * self.H * self.W
        v = _Views()
        v.cols = self.cols[: n * 9 * self.C].reshape(n, 9 * self.C)
        v.cols8 = v.cols.reshape(2, 2, k, self.h, self.w, 3, 3, self.C)
        v.windows = self.windows[:, :, i : i + k]
        v.Z = self.Z[: n * self.F].reshape(4, n // 4, self.F)
        v.Z_rows = v.Z.reshape(-1, self.F)
        v.M = self.M[: n // 4 * self.F].reshape(n // 4, self.F)
        v.A, v.M_maps = A, v.M.reshape(A.shape)
        v.masks = None
        if self.masks is not None:
            v.masks = self.masks[:, i : i + k].reshape(4, -1, self.F)
            v.positive = self.positive[: n // 4 * self.F].reshape(n // 4, self.F)
            v.positive_maps = v.positive.reshape(A.shape)
            v.dA_rows = dA.reshape(-1, self.F)
        if self.dZ_pad is not None:
            v.dZ_image_order = pairs(self.dZ_pad[:k, 1:-1, 1:-1])
            v.dZ_blocks = v.Z.reshape(2, 2, k, self.h, self.w, self.F).transpose(2, 3, 0, 4, 1, 5)
            v.dZ_windows = [self.dZ_windows[j] for j in range(k)]
            v.dA_images = [self.dA[j].reshape(-1, self.C) for j in range(k)]
            v.dcols = self.dcols.reshape(self.H, self.W, 3, 3, self.F)
        return v


class _Views:
    """A chunk's views of a block's buffers (``_Block.views``)."""


class ConvNetStep:
    """Forward and backward passes of lesson 09's network on up to ``m`` images, in its own buffers.

    ``filters`` are the blocks' filter counts, ``image_shape`` (C, H, W) with H and W divisible
    by 2 ** len(filters). Write the images into ``input_images(n)``, then call ``forward`` and
    ``backward``. One object per thread. ``training=False`` leaves out the backward pass's
    buffers (for prediction); ``chunk`` is the number of images a block computes at once.
    """

    def __init__(
        self, m, filters, image_shape=(3, 32, 32), dtype=np.float32, training=True, chunk=None
    ):
        C, H, W = self.image_shape = tuple(image_shape)
        if not filters or H % 2 ** len(filters) or W % 2 ** len(filters):
            raise ValueError(f"{image_shape} images do not halve {len(filters)} times")
        self.m, self.dtype, self.blocks = m, np.dtype(dtype), []
        self.chunk = min(m, chunk or CHUNK)
        for F in filters:
            first = not self.blocks
            self.blocks.append(_Block(m, self.chunk, H, W, C, F, self.dtype, first, training))
            C, H, W = F, H // 2, W // 2
        self.maps = (C, H, W)  # the last block's output, channel first as W{L} reads it
        self.output = np.empty((m, H, W, C), self.dtype)
        self.dA_output = np.empty((m, H, W, C), self.dtype)  # the output's gradient
        self._plans = {}
        self._ones = np.ones(self.chunk * image_shape[1] * image_shape[2], self.dtype)
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

    def _block_output(self, l):
        """Block l's output A (m, h, w, F): the next block's input interior, or ``output``."""
        return self.blocks[l].input[:, 1:-1, 1:-1] if l < len(self.blocks) else self.output

    def _plan(self, n):
        """For each chunk of n images, each block's views (``_Block.views``), made once per n."""
        if n not in self._plans:
            plan = []
            for i in range(0, n, self.chunk):
                k = min(self.chunk, n - i)
                chunk, dA = [], self.dA_output[i : i + k]
                for l in range(len(self.blocks), 0, -1):  # the last block first: dA flows down
                    block = self.blocks[l - 1]
                    A = self._block_output(l)[i : i + k]
                    chunk.insert(0, block.views(i, k, A, dA))
                    dA = None if block.dZ_pad is None else block.dA[:k]
                plan.append(chunk)
            self._plans[n] = plan
        return self._plans[n]

    def forward(self, parameters, n):
        """Softmax outputs AL (classes, n) of the n images in ``input_images(n)``."""
        L = len(self.blocks) + 1
        kernels = [kernel_columns(parameters[f"W{l}"]) for l in range(1, L)]
        biases = [parameters[f"b{l}"].reshape(-1) for l in range(1, L)]
        self._tick()
        for chunk in self._plan(n):
            for l, v in enumerate(chunk, start=1):
                np.copyto(v.cols8, v.windows)
                self._tick(f"conv{l} im2col")
                np.matmul(v.cols, kernels[l - 1], out=v.Z_rows)
                self._tick(f"conv{l} product")
                np.maximum(v.Z[0], v.Z[1], out=v.M)
                np.maximum(v.M, v.Z[2], out=v.M)
                np.maximum(v.M, v.Z[3], out=v.M)
                np.add(v.M_maps, biases[l - 1], out=v.A)
                np.maximum(v.A, 0, out=v.A)
                self._tick(f"pool{l}, bias, relu{l}")
                if v.masks is not None:
                    self._masks(v)
                    self._tick(f"pool{l} masks")
        ZL = linear_columns(parameters[f"W{L}"], self.maps) @ self.output[:n].reshape(n, -1).T
        ZL += parameters[f"b{L}"]
        AL = ref.softmax(ZL)
        self._tick("linear, softmax")
        return AL

    @staticmethod
    def _masks(v):
        """v.masks[j]: where position j of a window (reading order) gets the window's gradient.

        The window's first maximum, as ``max_pool_backward`` picks it (ties go to the first),
        and nowhere where the ReLU's output is 0 (its gradient is 0 there).
        """
        Z, M, masks = v.Z, v.M, v.masks
        np.greater(v.A, 0, out=v.positive_maps)
        found = masks[3]  # the windows whose maximum is met already, until the end
        np.equal(Z[0], M, out=masks[0])
        np.equal(Z[1], M, out=masks[1])
        np.greater(masks[1], masks[0], out=masks[1])  # a maximum, and the window's first
        np.logical_or(masks[0], masks[1], out=found)
        np.equal(Z[2], M, out=masks[2])
        np.greater(masks[2], found, out=masks[2])
        np.logical_or(found, masks[2], out=found)
        np.greater(v.positive, found, out=masks[3])  # no maximum yet: the last position
        for j in range(3):
            np.logical_and(masks[j], v.positive, out=masks[j])

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
        dA_output = self.dA_output[:n].reshape(n, -1)
        np.matmul(dZ.T, linear_columns(parameters[f"W{L}"], self.maps), out=dA_output)
        dW = [np.zeros((9 * b.C, b.F), self.dtype) for b in self.blocks]
        db = [np.zeros(b.F, self.dtype) for b in self.blocks]
        flipped = [None] + [
            kernel_columns(parameters[f"W{l}"][:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
            for l in range(2, L)
        ]  # (9 F, C): the filters of the input gradient's convolution
        self._tick("linear backward")
        for chunk in self._plan(n):
            for l in range(len(self.blocks), 0, -1):
                v = chunk[l - 1]
                for j in range(4):  # dZ: the gradient to each window's chosen position
                    np.multiply(v.dA_rows, v.masks[j], out=v.Z[j])
                db[l - 1] += self._ones[: len(v.Z_rows)] @ v.Z_rows
                self._tick(f"pool{l}, relu{l} backward")
                np.copyto(v.cols8, v.windows)
                self._tick(f"conv{l} im2col")
                dW[l - 1] += v.cols.T @ v.Z_rows
                self._tick(f"conv{l} dW product")
                if l > 1:
                    self._input_gradient(v, flipped[l - 1], l)
        for l in range(1, L):
            grads[f"dW{l}"] = kernel_from_columns(dW[l - 1], parameters[f"W{l}"].shape)
            grads[f"db{l}"] = db[l - 1].reshape(-1, 1, 1)
        return grads

    def _input_gradient(self, v, flipped, l):
        """The gradient of a block's input (into the block below's ``dA_rows``), from its dZ.

        The full convolution: dA[i, y, x] = sum over p, q of dZ_pad[i, y + p, x + q] .
        W[:, :, 2 - p, 2 - q], that is im2col of the zero-padded dZ (in image order) and a
        product with the flipped filters, an image at a time.
        """
        np.copyto(v.dZ_image_order, v.dZ_blocks)
        self._tick(f"conv{l} dZ to image order")
        for windows, dA in zip(v.dZ_windows, v.dA_images, strict=True):
            np.copyto(v.dcols, windows)
            np.matmul(v.dcols.reshape(len(dA), -1), flipped, out=dA)
        self._tick(f"conv{l} dA (im2col and product)")

"""Data augmentation for image batches stored as rows: random horizontal flips and crops."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def flip_and_crop(batch, rng, shape=(3, 32, 32), pad=2):
    """Randomly flip and shift images; returns a new (B, C*H*W) array, ``batch`` unchanged.

    ``batch`` holds one image per row, channel-major (C, H, W) as in CIFAR-10.
    Each image is mirrored left-right with probability 1/2 and cropped at a
    random offset from a copy zero-padded by ``pad`` pixels (zero is the mean
    of standardized and of whitened data). The crops are windows of the padded batch
    (``sliding_window_view``), taken whole rows at a time: no Python loop over images.

    Small shifts suit a fully connected network, which learns every position
    separately: on CIFAR-10 with lesson 08's configuration, larger pads lowered accuracy.
    """
    B = batch.shape[0]
    C, H, W = shape
    padded = np.zeros((B, C, H + 2 * pad, W + 2 * pad), dtype=batch.dtype)
    padded[:, :, pad : pad + H, pad : pad + W] = batch.reshape(B, C, H, W)
    dy, dx = rng.integers(0, 2 * pad + 1, size=(2, B))
    flip = rng.random(B) < 0.5
    crops = sliding_window_view(padded, (H, W), axis=(2, 3))  # (B, C, 2 pad + 1, 2 pad + 1, H, W)
    out = crops[np.arange(B), :, dy, dx]  # (B, C, H, W), a new array: each image's own crop
    out[flip] = out[flip, :, :, ::-1]
    return out.reshape(B, C * H * W)

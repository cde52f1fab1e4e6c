"""Data augmentation for image batches stored as rows: random horizontal flips and crops."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def random_flips_and_crops(rng, B, pad):
    """The random draws of ``flip_and_crop`` for B images: offsets dy, dx in [0, 2 pad] and flips (bool)."""
    dy, dx = rng.integers(0, 2 * pad + 1, size=(2, B))
    flip = rng.random(B) < 0.5
    return dy, dx, flip


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
    dy, dx, flip = random_flips_and_crops(rng, B, pad)
    crops = sliding_window_view(padded, (H, W), axis=(2, 3))  # (B, C, 2 pad + 1, 2 pad + 1, H, W)
    out = crops[np.arange(B), :, dy, dx]  # (B, C, H, W), a new array: each image's own crop
    out[flip] = out[flip, :, :, ::-1]
    return out.reshape(B, C * H * W)


def flip_and_crop_into(out, rows, idx, draws, shape, pad):
    """Write images ``rows[idx]`` flipped and cropped as ``draws`` (dy, dx, flip) say into ``out``.

    ``out`` (B, H, W, C) is channels last (``nnutils.engine.convstep``'s input); ``rows`` holds
    (C, H, W) images one per row, read in place (no gathered copy). The same images as
    ``flip_and_crop`` with these draws: pixels shifted by (dy - pad, dx - pad), then mirrored;
    zeros where the shift leaves the frame. ``draws=None``: the images as they are.
    """
    C, H, W = shape
    if draws is None:
        np.copyto(out, rows[idx].reshape(-1, C, H, W).transpose(0, 2, 3, 1))
        return out
    out.fill(0)
    for j, (i, dy, dx, flip) in enumerate(zip(idx, *draws, strict=True)):
        sy, sx = dy - pad, dx - pad  # out[y, x] = image[y + sy, x + sx] before the flip
        y0, y1 = max(0, -sy), min(H, H - sy)
        x0, x1 = max(0, -sx), min(W, W - sx)
        image = rows[i].reshape(C, H, W)[:, y0 + sy : y1 + sy, x0 + sx : x1 + sx]
        if flip:  # out[y, x] = crop[y, W - 1 - x]
            x0, x1, image = W - x1, W - x0, image[:, :, ::-1]
        out[j, y0:y1, x0:x1] = image.transpose(1, 2, 0)
    return out

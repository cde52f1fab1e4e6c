"""nnutils.engine.augment: flips and crops move pixels, never invent them."""

import numpy as np

from nnutils.engine.augment import flip_and_crop


def test_flip_and_crop_moves_pixels_within_the_padding():
    rng = np.random.default_rng(0)
    batch = np.zeros((64, 3 * 8 * 8), dtype=np.float32)
    images = batch.reshape(64, 3, 8, 8)
    images[:, :, 4, 3] = 1.0  # one bright pixel in every channel
    before = batch.copy()
    out = flip_and_crop(batch, rng, shape=(3, 8, 8), pad=2)
    np.testing.assert_array_equal(batch, before)
    assert out.shape == batch.shape and out.dtype == np.float32
    moved = out.reshape(64, 3, 8, 8)
    for image in moved:
        assert np.array_equal(image[0], image[1]) and np.array_equal(image[0], image[2])
        ys, xs = np.nonzero(image[0])
        assert len(ys) <= 1  # shifted, possibly out of the frame, never duplicated
        if len(ys):
            assert abs(ys[0] - 4) <= 2 and min(abs(xs[0] - 3), abs(xs[0] - (7 - 3))) <= 2
    assert len({m.tobytes() for m in moved}) > 5  # the offsets vary


def test_flip_and_crop_without_padding_only_mirrors():
    rng = np.random.default_rng(1)
    batch = rng.standard_normal((32, 3 * 4 * 4))
    out = flip_and_crop(batch, rng, shape=(3, 4, 4), pad=0).reshape(32, 3, 4, 4)
    images = batch.reshape(32, 3, 4, 4)
    flipped = [np.array_equal(o, i[:, :, ::-1]) for o, i in zip(out, images, strict=True)]
    kept = [np.array_equal(o, i) for o, i in zip(out, images, strict=True)]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert 0 < sum(flipped) < 32

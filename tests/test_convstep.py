"""nnutils.engine.convstep: the trainer's network computes the reference's numbers, faster."""

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.engine.augment import flip_and_crop, flip_and_crop_into, random_flips_and_crops
from nnutils.engine.convnet import (
    convnet_epochs,
    initialize_convnet,
    parallel_step,
    predict_images,
    stage_batch,
    train_convnet,
)
from nnutils.engine.convstep import ConvNetStep


def _network(filters, shape, dtype, seed, integers=False):
    """Parameters with nonzero biases, and images; small integers make many tied maxima."""
    rng = np.random.default_rng(seed)
    parameters = initialize_convnet(filters, shape, rng=rng, dtype=dtype)
    for key, P in parameters.items():
        if integers:
            parameters[key] = rng.integers(-1, 2, P.shape).astype(dtype)
        elif key.startswith("b"):
            P += 0.1 * rng.standard_normal(P.shape).astype(dtype)
    return parameters, rng


def _images(rng, m, shape, dtype, integers=False):
    if integers:
        return rng.integers(0, 2, (m, *shape)).astype(dtype)
    X = rng.standard_normal((m, *shape)).astype(dtype)
    X[0, :, :3, :3] = 0  # a corner of zeros, as a crop leaves: tied windows
    return X


def _engine(X, Y, parameters, filters):
    step = ConvNetStep(len(X) + 3, filters, X.shape[1:], X.dtype)  # buffers larger than needed
    step.input_images(len(X))[...] = X.transpose(0, 2, 3, 1)
    AL = step.forward(parameters, len(X))
    return AL, step.backward(AL, Y, parameters, len(X))


@pytest.mark.parametrize(
    ("filters", "shape"), [((4, 8), (3, 8, 8)), ((5,), (2, 6, 4)), ((3, 4, 6), (1, 16, 8))]
)
@pytest.mark.parametrize("integers", [False, True])
def test_forward_and_backward_are_the_references(filters, shape, integers):
    """AL and the gradients (sums here, means there) of reference.convnet_forward/backward, in
    float64 to rounding, ties included (small integers: many windows with equal maxima)."""
    parameters, rng = _network(filters, shape, np.float64, 0, integers)
    m = 6
    X = _images(rng, m, shape, np.float64, integers)
    Y = ref.one_hot(rng.integers(0, 10, m), 10)
    AL_ref, caches = ref.convnet_forward(X, parameters)
    expected = ref.convnet_backward(AL_ref, Y, caches)
    AL, grads = _engine(X, Y, parameters, filters)
    np.testing.assert_allclose(AL, AL_ref, rtol=1e-12, atol=1e-15)
    assert grads.keys() == expected.keys()
    for key, value in expected.items():
        assert grads[key].shape == value.shape, key
        np.testing.assert_allclose(grads[key] / m, value, rtol=1e-10, atol=1e-13, err_msg=key)


def test_float32_stays_float32_and_agrees():
    """Against the float64 reference on the same numbers (the float32 reference may route a
    window's gradient elsewhere: adding b can round two maxima into a tie)."""
    filters, shape = (32, 64), (3, 32, 32)
    parameters, rng = _network(filters, shape, np.float32, 1)
    X = _images(rng, 5, shape, np.float32)
    Y = ref.one_hot(rng.integers(0, 10, 5), 10, np.float32)
    exact = {key: P.astype(np.float64) for key, P in parameters.items()}
    AL_ref, caches = ref.convnet_forward(X.astype(np.float64), exact)
    expected = ref.convnet_backward(AL_ref, Y.astype(np.float64), caches)
    AL, grads = _engine(X, Y, parameters, filters)
    assert AL.dtype == np.float32 and all(g.dtype == np.float32 for g in grads.values())
    np.testing.assert_allclose(AL, AL_ref, atol=1e-6)
    for key, value in expected.items():
        scale = np.abs(value).max()
        np.testing.assert_allclose(grads[key] / 5, value, atol=1e-5 * scale, err_msg=key)


def test_the_step_refuses_images_that_do_not_halve():
    with pytest.raises(ValueError, match="do not halve 2 times"):
        ConvNetStep(4, (4, 8), (3, 6, 6))


def test_flip_and_crop_into_makes_flip_and_crops_images():
    """The same draws give the same images, channels last, written into a buffer."""
    rng = np.random.default_rng(2)
    rows = rng.standard_normal((40, 3 * 8 * 6)).astype(np.float32)
    idx = rng.permutation(40)[:16]
    for pad in (0, 1, 3):
        expected = flip_and_crop(rows[idx], np.random.default_rng(pad), (3, 8, 6), pad)
        draws = random_flips_and_crops(np.random.default_rng(pad), 16, pad)
        out = np.full((16, 8, 6, 3), np.nan, np.float32)
        flip_and_crop_into(out, rows, idx, draws, (3, 8, 6), pad)
        np.testing.assert_array_equal(out, expected.reshape(16, 3, 8, 6).transpose(0, 2, 3, 1))
    flip_and_crop_into(out, rows, idx, None, (3, 8, 6), 2)
    np.testing.assert_array_equal(out, rows[idx].reshape(16, 3, 8, 6).transpose(0, 2, 3, 1))


def test_parallel_step_gives_the_batchs_mean_gradients():
    """Parts on several threads add up to reference.convnet_backward on the whole batch."""
    from concurrent.futures import ThreadPoolExecutor

    filters, shape = (4, 8), (3, 8, 8)
    parameters, rng = _network(filters, shape, np.float64, 3)
    X = _images(rng, 30, shape, np.float64)
    rows, idx = X.reshape(30, -1), rng.permutation(30)[:11]
    Y = ref.one_hot(rng.integers(0, 10, 11), 10)
    AL_ref, caches = ref.convnet_forward(X[idx], parameters)
    expected = ref.convnet_backward(AL_ref, Y, caches)
    steps = [ConvNetStep(4, filters, shape, np.float64) for _ in range(3)]
    buffers = [np.empty((4, 8, 8, 3)) for _ in steps]
    images = stage_batch(buffers, rows, idx, None, shape, 0)
    assert [len(x) for x in images] == [3, 4, 4]
    with ThreadPoolExecutor(3) as pool:
        AL, grads = parallel_step(pool, steps, images, Y, parameters)
    np.testing.assert_allclose(AL, AL_ref, rtol=1e-12)
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-10, atol=1e-14, err_msg=key)


def test_predict_images_is_the_references_argmax():
    filters, shape = (4, 8), (3, 8, 8)
    parameters, rng = _network(filters, shape, np.float32, 4)
    X = _images(rng, 23, shape, np.float32)
    expected = ref.convnet_forward(X, parameters)[0].argmax(axis=0)
    np.testing.assert_array_equal(predict_images(X, parameters, chunk=5, threads=2), expected)


def test_train_convnet_learns_and_keeps_float32():
    """Bright top halves against bright bottom halves (flips keep them): learned, float32 kept."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 256)
    X = 0.3 * rng.standard_normal((256, 3, 8, 8)).astype(np.float32)
    X[y == 0, :, :4] += 1
    X[y == 1, :, 4:] += 1
    parameters, history = train_convnet(
        X, y, filters=(4, 8), epochs=4, batch_size=32, learning_rate=0.1, crop_pad=1,
        rng=0, progress=False, X_val=X[:64], y_val=y[:64],
    )  # fmt: skip
    assert history["cost"][-1] < history["cost"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert all(P.dtype == np.float32 for P in parameters.values())


def test_convnet_epochs_counts_its_own_time_only():
    """The time a caller spends between two epochs (the benchmark trains PyTorch there) is not
    the network's: history["seconds"] leaves it out."""
    import time

    rng = np.random.default_rng(6)
    X = rng.standard_normal((64, 3, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    epochs = convnet_epochs(X, y, filters=(2, 4), epochs=2, batch_size=32, rng=0, progress=False)
    _, history = next(epochs)
    first = history["seconds"][0]
    time.sleep(0.5)
    _, history = next(epochs)
    assert len(history["seconds"]) == 2
    assert history["seconds"][1] - first < 0.5
    with pytest.raises(StopIteration):
        next(epochs)

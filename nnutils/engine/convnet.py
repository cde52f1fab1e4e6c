"""The small convolutional network of lesson 09, and its mini-batch trainer.

The network, CONV(3x3, pad 1) -> RELU -> MAXPOOL(2) twice, then FLATTEN -> LINEAR -> SOFTMAX,
is ``convnet_forward`` / ``convnet_backward`` of ``nnutils.reference``: the layers of
``nnutils.engine.conv`` and the linear pieces of lessons 03-05. Here: its initialization, the
training loop, and prediction in chunks.

``LESSON_CONFIG`` is lesson 09's default: the keyword arguments of ``train_convnet``; its time
and accuracy are on ``benchmarks/README.md`` (``benchmarks/convnet_accuracy.py``).
"""

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from .. import reference as ref
from ..reference import convnet_backward, convnet_forward
from .augment import flip_and_crop
from .train import Optimizer, learning_rate_at, progress_bar, show_epoch, soft_targets

LESSON_CONFIG = {
    "filters": (32, 64),
    "epochs": 10,  # about 9 minutes on two idle cores (about 54 s per epoch of 50,000 images)
    "batch_size": 128,
    "learning_rate": 0.2,
    "warmup_epochs": 2,
    "weight_decay": 5e-4,
    "label_smoothing": 0.0,
    "crop_pad": 4,
}


def initialize_convnet(
    filters=(32, 64), image_shape=(3, 32, 32), classes=10, rng=None, dtype=np.float32
):
    """He-initialized parameters: W1 (F1, C, 3, 3), b1 (F1, 1, 1), W2, b2, W3 (classes, n), b3 (classes, 1)."""
    rng = np.random.default_rng(rng)
    C, H, W = image_shape
    parameters, channels = {}, C
    for l, F in enumerate(filters, start=1):
        fan_in = channels * 9
        parameters[f"W{l}"] = (
            rng.standard_normal((F, channels, 3, 3)) * np.sqrt(2 / fan_in)
        ).astype(dtype)
        parameters[f"b{l}"] = np.zeros((F, 1, 1), dtype=dtype)
        channels, H, W = F, H // 2, W // 2
    n = channels * H * W
    L = len(filters) + 1
    parameters[f"W{L}"] = (rng.standard_normal((classes, n)) * np.sqrt(1 / n)).astype(dtype)
    parameters[f"b{L}"] = np.zeros((classes, 1), dtype=dtype)
    return parameters


def predict_images(X, parameters, chunk=100):
    """Predicted classes (m,) of images X (m, C, H, W), in chunks computed side by side (one per core).

    Small chunks are as fast and keep memory low: im2col's columns grow with the chunk.
    """

    def predict(k):
        return convnet_forward(X[k : k + chunk], parameters)[0].argmax(axis=0)

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool, threadpool_limits(1, user_api="blas"):
        return np.concatenate(list(pool.map(predict, range(0, len(X), chunk))))


def as_images(X, shape=(3, 32, 32)):
    """Columns X (C H W, m) as images (m, C, H, W): a view when X is a transposed row array."""
    return X.T.reshape(-1, *shape)


def _part_step(X, Y, parameters):
    """Softmax outputs and gradients (the mean over its examples) of one part of a batch."""
    AL, caches = convnet_forward(X, parameters)
    return AL, convnet_backward(AL, Y, caches)


def parallel_step(pool, X, Y, parameters):
    """(AL, grads) of the batch X (B, C, H, W), its parts computed side by side on ``pool``'s threads.

    Each thread runs the whole forward and backward pass of its slice of the batch with a
    one-thread BLAS (NumPy releases the GIL in matrix products and elementwise work); the
    gradients are then averaged, weighted by the parts' sizes. On a shared machine this is
    steadier than one multi-threaded BLAS, whose threads wait for each other at every product.
    """
    parts = pool._max_workers
    bounds = np.linspace(0, len(X), parts + 1).astype(int)
    slices = [slice(a, z) for a, z in zip(bounds[:-1], bounds[1:], strict=True) if z > a]
    results = list(pool.map(lambda s: _part_step(X[s], Y[:, s], parameters), slices))
    AL = np.concatenate([AL for AL, _ in results], axis=1)
    grads = {}
    for s, (_, part) in zip(slices, results, strict=True):
        weight = (s.stop - s.start) / len(X)
        for key, value in part.items():
            if key in grads:
                grads[key] += weight * value
            else:
                grads[key] = weight * value
    return AL, grads


def train_convnet(
    X_train,
    y_train,
    *,
    X_val=None,
    y_val=None,
    filters=(32, 64),
    epochs=10,
    batch_size=128,
    learning_rate=0.05,
    warmup_epochs=2,
    weight_decay=5e-4,
    label_smoothing=0.0,
    crop_pad=4,
    augment=True,
    threads=None,
    rng=None,
    progress=True,
):
    """Train the network on images X_train (m, C, H, W) with labels y_train (m,) or (1, m).

    Momentum (beta 0.9) with a one-cycle schedule (linear warm-up over ``warmup_epochs``, at
    most a fifth of the run, then cosine decay to 0),
    random flips and crops of ``crop_pad`` pixels, each batch cut in ``threads`` parts (one
    per core by default) computed side by side. Returns (parameters, history) with per-epoch
    "cost", "train_accuracy", "val_accuracy" (when X_val is given) and "seconds".
    """
    rng = np.random.default_rng(rng)
    labels = np.asarray(y_train).ravel()
    m, shape = labels.size, X_train.shape[1:]
    rows = X_train.reshape(m, -1)
    parameters = initialize_convnet(filters, shape, rng=rng, dtype=X_train.dtype)
    C = parameters[f"W{len(filters) + 1}"].shape[0]
    opt = Optimizer("momentum", parameters)
    steps_per_epoch = math.ceil(m / batch_size)
    total = epochs * steps_per_epoch
    warmup = round(min(warmup_epochs, epochs / 5) * steps_per_epoch)  # short runs warm up less
    history = {"cost": [], "train_accuracy": [], "val_accuracy": [], "seconds": []}
    start = time.perf_counter()
    bar = progress_bar(total, disable=not progress)
    pool = ThreadPoolExecutor(threads or os.cpu_count() or 1)
    with pool, threadpool_limits(1, user_api="blas"):
        for _ in range(epochs):
            order = rng.permutation(m)
            cost_sum, correct = 0.0, 0
            for k in range(0, m, batch_size):
                idx = order[k : k + batch_size]
                batch = flip_and_crop(rows[idx], rng, shape, crop_pad) if augment else rows[idx]
                Y = soft_targets(labels[idx], C, label_smoothing, X_train.dtype)
                AL, grads = parallel_step(pool, batch.reshape(-1, *shape), Y, parameters)
                rate = learning_rate_at(opt.t, total, warmup, learning_rate)
                opt.step(parameters, grads, rate, weight_decay)
                cost_sum += ref.compute_cost_categorical(AL, Y) * idx.size
                correct += int((AL.argmax(axis=0) == labels[idx]).sum())
                bar.update()
            history["cost"].append(cost_sum / m)
            history["train_accuracy"].append(correct / m)
            if X_val is not None:
                val = np.mean(predict_images(X_val, parameters) == np.ravel(y_val))
                history["val_accuracy"].append(float(val))
            history["seconds"].append(time.perf_counter() - start)
            show_epoch(bar, history)
    bar.close()
    return parameters, history

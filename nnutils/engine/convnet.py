"""The small convolutional network of lesson 09, and its mini-batch trainer.

The network, CONV(3x3, pad 1) -> RELU -> MAXPOOL(2) twice, then FLATTEN -> LINEAR -> SOFTMAX,
is ``convnet_forward`` / ``convnet_backward`` of ``nnutils.reference`` (the lesson's
exercises). Training and prediction run the same arithmetic in ``nnutils.engine.convstep``,
laid out for speed (channels last, buffers kept from forward to backward; a test compares the
two). Here: the initialization, the training loop, and prediction in chunks.

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
from .augment import flip_and_crop_into, random_flips_and_crops
from .convstep import ConvNetStep
from .train import Optimizer, learning_rate_at, progress_bar, show_epoch, soft_targets

LESSON_CONFIG = {
    "filters": (32, 64),
    "epochs": 10,
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


def filters_of(parameters):
    """The blocks' filter counts (F1, F2, ...) of a network's ``parameters``."""
    return tuple(parameters[f"W{l}"].shape[0] for l in range(1, len(parameters) // 2))


def predict_images(X, parameters, chunk=100, threads=None):
    """Predicted classes (m,) of images X (m, C, H, W), in chunks computed side by side (one per core).

    Each thread runs the engine's forward pass (``ConvNetStep``) over its share of the
    chunks, in buffers sized for one chunk: small chunks are as fast and keep memory low.
    """
    threads = threads or os.cpu_count() or 1
    starts = range(0, len(X), chunk)
    shares = [starts[k::threads] for k in range(threads)]

    def predict(share):
        step = ConvNetStep(chunk, filters_of(parameters), X.shape[1:], X.dtype, training=False)
        labels = []
        for k in share:
            images = X[k : k + chunk]
            np.copyto(step.input_images(len(images)), images.transpose(0, 2, 3, 1))
            labels.append((k, step.forward(parameters, len(images)).argmax(axis=0)))
        return labels

    with ThreadPoolExecutor(threads) as pool, threadpool_limits(1, user_api="blas"):
        labels = sorted(pair for share in pool.map(predict, shares) for pair in share)
    return np.concatenate([y for _, y in labels]) if labels else np.zeros(0, int)


def as_images(X, shape=(3, 32, 32)):
    """Columns X (C H W, m) as images (m, C, H, W): a view when X is a transposed row array."""
    return X.T.reshape(-1, *shape)


def cut(B, parts):
    """``parts`` slices of nearly equal sizes covering range(B), empty ones left out."""
    bounds = np.linspace(0, B, parts + 1).astype(int)
    return [slice(a, z) for a, z in zip(bounds[:-1], bounds[1:], strict=True) if z > a]


def stage_batch(buffers, rows, idx, draws, shape, crop_pad):
    """The images ``rows[idx]`` flipped and cropped (``draws``, or as they are) into ``buffers``.

    One buffer (capacity, H, W, C) per part of the batch (``cut``); returns the parts' images,
    channels last, as views of the buffers.
    """
    images = []
    for buffer, s in zip(buffers, cut(len(idx), len(buffers)), strict=False):
        part_draws = None if draws is None else tuple(d[s] for d in draws)
        out = buffer[: s.stop - s.start]
        images.append(flip_and_crop_into(out, rows, idx[s], part_draws, shape, crop_pad))
    return images


def start_step(pool, steps, images, Y, parameters):
    """Start a batch's forward and backward passes on ``pool``'s threads; returns ``finish``.

    ``images`` holds the batch's parts (n_j, H, W, C), channels last (``stage_batch``), one per
    ``ConvNetStep`` of ``steps``: each thread copies its part into its step's input and runs
    the whole forward and backward pass with a one-thread BLAS (NumPy releases the GIL in
    matrix products and elementwise work). ``finish()`` waits for them and returns (AL, grads):
    the parts' gradient sums add up to the batch's mean gradients, as
    ``nnutils.reference.convnet_backward`` computes them. In between, the caller's thread is
    free (the trainer flips and crops the next batch). On a shared machine this is steadier
    than one multi-threaded BLAS, whose threads wait for each other at every product.
    """
    B = sum(len(x) for x in images)
    starts = np.cumsum([0] + [len(x) for x in images])

    def run(j):
        step, x = steps[j], images[j]
        np.copyto(step.input_images(len(x)), x)
        AL = step.forward(parameters, len(x))
        return AL, step.backward(AL, Y[:, starts[j] : starts[j + 1]], parameters, len(x))

    futures = [pool.submit(run, j) for j in range(len(images))]

    def finish():
        results = [future.result() for future in futures]
        AL = np.concatenate([AL for AL, _ in results], axis=1)
        grads = results[0][1]
        for _, part in results[1:]:
            for key, value in part.items():
                grads[key] += value
        for value in grads.values():
            value /= B
        return AL, grads

    return finish


def parallel_step(pool, steps, images, Y, parameters):
    """(AL, grads) of the batch whose parts are ``images``: ``start_step``, then its ``finish``."""
    return start_step(pool, steps, images, Y, parameters)()


def train_convnet(X_train, y_train, **options):
    """Train the network on images X_train (m, C, H, W) with labels y_train (m,) or (1, m).

    Momentum (beta 0.9) with a one-cycle schedule (linear warm-up over ``warmup_epochs``, at
    most a fifth of the run, then cosine decay to 0),
    random flips and crops of ``crop_pad`` pixels, each batch cut in ``threads`` parts (one
    per core by default) computed side by side. Returns (parameters, history) with per-epoch
    "cost", "train_accuracy", "val_accuracy" (when X_val is given) and "seconds"
    (cumulative). ``options`` are those of ``convnet_epochs``.
    """
    *_, (parameters, history) = convnet_epochs(X_train, y_train, **options)  # the last epoch's
    return parameters, history


def convnet_epochs(
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
    """``train_convnet`` one epoch at a time: yields (parameters, history) after each epoch.

    history["seconds"] counts this generator's own time only, not the time its caller spends
    between two epochs (``benchmarks/convnet_accuracy.py`` trains PyTorch's network there).
    """
    rng = np.random.default_rng(rng)
    labels = np.asarray(y_train).ravel()
    m, shape = labels.size, X_train.shape[1:]
    rows = X_train.reshape(m, -1)
    parameters = initialize_convnet(filters, shape, rng=rng, dtype=X_train.dtype)
    C = parameters[f"W{len(filters) + 1}"].shape[0]
    opt = Optimizer("momentum", parameters, threads=1)  # small arrays: threads cost more
    threads = threads or os.cpu_count() or 1
    part = -(-min(batch_size, m) // threads)
    steps = [ConvNetStep(part, filters, shape, X_train.dtype) for _ in range(threads)]
    steps_per_epoch = math.ceil(m / batch_size)
    total = epochs * steps_per_epoch
    warmup = round(min(warmup_epochs, epochs / 5) * steps_per_epoch)  # short runs warm up less
    history = {"cost": [], "train_accuracy": [], "val_accuracy": [], "seconds": []}
    seconds = 0.0
    bar = progress_bar(total, disable=not progress)
    # Two sets of staging buffers: the next batch is flipped and cropped into one while the
    # threads train on the other.
    staging = [[np.empty((part, *shape[1:], shape[0]), X_train.dtype) for _ in steps] for _ in "ab"]

    def batches(order):
        """(idx, images) of each mini-batch of ``order``, staged in alternate buffers."""
        for j, k in enumerate(range(0, m, batch_size)):
            idx = order[k : k + batch_size]
            draws = random_flips_and_crops(rng, idx.size, crop_pad) if augment else None
            yield idx, stage_batch(staging[j % 2], rows, idx, draws, shape, crop_pad)

    with ThreadPoolExecutor(threads) as pool:
        for _ in range(epochs):
            start = time.perf_counter()
            with threadpool_limits(1, user_api="blas"):
                epoch = batches(rng.permutation(m))
                cost_sum, correct = 0.0, 0
                batch = next(epoch)
                while batch is not None:
                    idx, images = batch
                    Y = soft_targets(labels[idx], C, label_smoothing, X_train.dtype)
                    finish = start_step(pool, steps, images, Y, parameters)
                    batch = next(epoch, None)  # staged while the threads compute
                    AL, grads = finish()
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
            seconds += time.perf_counter() - start
            history["seconds"].append(seconds)
            show_epoch(bar, history)
            if len(history["cost"]) == epochs:
                bar.close()
            yield parameters, history

"""Mini-batch training of the ten-class softmax network of lesson 08.

Every step is made of the functions the learner wrote (their reference
versions): ``L_model_forward`` with a softmax output, ``L_model_backward``
and the momentum or Adam update. What makes it fast is layout, not a second
engine: float32 throughout, the data kept as rows so that a mini-batch is a
contiguous block whose transpose is the (n_x, B) matrix the model expects
(no copy), and no gradient computed for the input images.

``LESSON_CONFIG`` is lesson 08's default and ``BEST_CONFIG`` the longer run of the
benchmark: the keyword arguments of ``train_classifier`` for a 3072-1024-1024-10
network, trained on the images that ``nnutils.engine.preprocess.prepare`` whitened.
"""

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
from tqdm.auto import tqdm

from .. import reference as ref
from ..reference import accuracy
from .augment import flip_and_crop
from .fused import backward_and_update

OPTIMIZERS = ("gd", "momentum", "adam")

LESSON_CONFIG = {
    "layer_dims": [3072, 1024, 1024, 10],
    "epochs": 30,
    "batch_size": 512,  # faster than 256: the update is shared by twice the images
    "optimizer": "momentum",
    "learning_rate": 0.8,  # twice 256's 0.4, for the same validation accuracy
    "warmup_epochs": 1,
    "weight_decay": 5e-4,
    "label_smoothing": 0.1,
    "augment": True,
}
BEST_CONFIG = {**LESSON_CONFIG, "epochs": 75}


def learning_rate_at(step, total_steps, warmup_steps, peak):
    """Linear warm-up from 0 to ``peak`` over ``warmup_steps``, then cosine decay to 0."""
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def progress_bar(total, desc="training", unit="step", disable=False, **options):
    """A tqdm bar (a widget in Jupyter) whose rate and time left are means since its start.

    tqdm's default rate follows the last few steps: its estimate then forgets the pauses
    (each epoch's validation), and the rate it shows at the end is the last steps', not the
    run's. ``options`` go to tqdm (``file``, for instance).
    """
    return tqdm(total=total, desc=desc, unit=unit, smoothing=0, disable=disable, **options)


def show_epoch(bar, history):
    """Write the last epoch's cost and validation accuracy (numbers, "-" without one) on ``bar``."""
    val = history["val_accuracy"]
    bar.set_postfix(cost=f"{history['cost'][-1]:.3f}", val=f"{val[-1]:.4f}" if val else "-")


def soft_targets(labels, C, smoothing, dtype):
    """One-hot targets (C, B) with label smoothing: 1 - smoothing + smoothing / C on the true class."""
    Y = ref.one_hot(labels, C, dtype) * (1 - smoothing)
    Y += smoothing / C
    return Y


class Optimizer:
    """The update rule named ``name`` ("gd", "momentum" or "adam") with its state.

    ``step`` updates the parameters in place, the arrays cut in ``threads`` row
    slices updated side by side: NumPy runs each elementwise operation on one
    core, but releases the GIL while it does, so threads use every core.
    """

    def __init__(self, name, parameters, beta=0.9, threads=None):
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")
        self.name, self.beta, self.t = name, beta, 0
        self.state = ()
        if name == "momentum":
            self.state = (ref.initialize_velocity(parameters),)
        elif name == "adam":
            self.state = ref.initialize_adam(parameters)
        self.threads = threads or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None

    def step(self, parameters, grads, learning_rate, weight_decay=0.0):
        """Update ``parameters`` (which the training loop owns) in place and return them.

        ``weight_decay`` adds weight_decay * W to each dW first (L2 regularization).
        """
        self.t += 1
        dicts = (parameters, grads, *self.state)
        slices = [[_rows(d, k, self.threads) for d in dicts] for k in range(self.threads)]
        run = partial(self._update, learning_rate=learning_rate, weight_decay=weight_decay)
        if self._pool is None:
            run(slices[0])
        else:
            list(self._pool.map(run, slices))
        return parameters

    def backward_step(self, AL, Y, caches, parameters, learning_rate, weight_decay=0.0):
        """Backpropagate a softmax network's cost (``L_model_forward``'s AL and caches) and update.

        The same update as ``step`` on ``ref.L_model_backward``'s gradients; for "gd" and
        "momentum" the update rides on the weight-gradient products
        (``nnutils.engine.fused``), for "adam" it is exactly that.
        """
        if self.name == "adam":
            grads = ref.L_model_backward(AL, Y, caches, "softmax", input_gradient=False)
            return self.step(parameters, grads, learning_rate, weight_decay)
        self.t += 1
        velocity = self.state[0] if self.state else None
        return backward_and_update(
            AL, Y, caches, parameters, self.name, velocity, learning_rate, weight_decay, self.beta
        )

    def _update(self, dicts, learning_rate, weight_decay):
        parameters, grads, *state = dicts
        if weight_decay:
            for key, P in parameters.items():
                if key.startswith("W"):
                    grads[f"d{key}"] += weight_decay * P
        if self.name == "gd":
            ref.update_parameters(parameters, grads, learning_rate, inplace=True)
        elif self.name == "momentum":
            ref.update_parameters_with_momentum(
                parameters, grads, *state, self.beta, learning_rate, inplace=True
            )
        else:
            ref.update_parameters_with_adam(
                parameters, grads, *state, self.t, learning_rate, inplace=True
            )


def _rows(arrays, k, n):
    """Slice ``k`` of ``n`` of every array in a dict, cut along the rows (views, not copies)."""
    out = {}
    for key, array in arrays.items():
        size = -(-array.shape[0] // n)
        out[key] = array[k * size : (k + 1) * size]
    return out


def train_step(
    parameters, batch, labels, optimizer, learning_rate, weight_decay=0.0, smoothing=0.0
):
    """One step on ``batch`` (B, n_x) rows with integer ``labels`` (B,); returns (parameters, cost, correct)."""
    C = parameters[f"W{len(parameters) // 2}"].shape[0]
    Y = soft_targets(labels, C, smoothing, batch.dtype)
    AL, caches = ref.L_model_forward(batch.T, parameters, output_activation="softmax")
    cost = ref.compute_cost_categorical(AL, Y)
    correct = int((AL.argmax(axis=0) == labels).sum())
    optimizer.backward_step(AL, Y, caches, parameters, learning_rate, weight_decay)
    return parameters, cost, correct


def train_classifier(
    X_train,
    y_train,
    layer_dims,
    *,
    X_val=None,
    y_val=None,
    epochs=20,
    batch_size=256,
    optimizer="momentum",
    learning_rate=0.05,
    warmup_epochs=1,
    weight_decay=5e-4,
    label_smoothing=0.1,
    augment=True,
    rng=None,
    progress=True,
    desc="training",
):
    """Train a [LINEAR->RELU]*(L-1) -> LINEAR->SOFTMAX network on X_train (n_x, m), y_train (1, m).

    Returns (parameters, history); history holds per-epoch lists "cost",
    "train_accuracy" (on the augmented batches), "val_accuracy" (when X_val is
    given) and "seconds" (cumulative). ``augment`` applies random flips and
    crops, which assumes 3x32x32 images. ``progress`` draws a bar named ``desc``.
    """
    rng = np.random.default_rng(rng)
    rows = np.ascontiguousarray(
        X_train.T
    )  # a view, no copy, when X_train is a transposed row array
    labels = np.asarray(y_train).ravel()
    m = labels.size
    parameters = ref.initialize_parameters_deep(layer_dims, rng, dtype=rows.dtype)
    opt = Optimizer(optimizer, parameters)
    steps_per_epoch = math.ceil(m / batch_size)
    total_steps = epochs * steps_per_epoch
    history = {"cost": [], "train_accuracy": [], "val_accuracy": [], "seconds": []}
    start = time.perf_counter()
    bar = progress_bar(total_steps, desc=desc, disable=not progress)
    for _ in range(epochs):
        order = rng.permutation(m)
        cost_sum, correct = 0.0, 0
        for k in range(0, m, batch_size):
            idx = order[k : k + batch_size]
            batch = flip_and_crop(rows[idx], rng) if augment else rows[idx]
            rate = learning_rate_at(
                opt.t, total_steps, warmup_epochs * steps_per_epoch, learning_rate
            )
            parameters, cost, hits = train_step(
                parameters, batch, labels[idx], opt, rate, weight_decay, label_smoothing
            )
            cost_sum += cost * idx.size
            correct += hits
            bar.update()
        history["cost"].append(cost_sum / m)
        history["train_accuracy"].append(correct / m)
        if X_val is not None:
            history["val_accuracy"].append(accuracy(X_val, y_val, parameters))
        history["seconds"].append(time.perf_counter() - start)
        show_epoch(bar, history)
    bar.close()
    return parameters, history

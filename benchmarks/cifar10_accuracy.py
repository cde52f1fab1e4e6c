"""CIFAR-10 test accuracy, wall time and peak memory of lesson 08's pipeline, against PyTorch.

    python benchmarks/cifar10_accuracy.py DATA [--config lesson|best] [--epochs N] [--torch]

DATA is the folder that ``NNUTILS_DATA`` would name: it holds
``cifar10/cifar-10-batches-py/`` (or the archive ``cifar10/cifar-10-python.tar.gz``).
Nothing is downloaded. Runs lesson 08's pipeline, the very functions the lesson calls
(``PIPELINE``: ``nnutils.engine.preprocess.prepare``, standardize then ZCA-whiten with the
training statistics, and ``nnutils.engine.train.train_classifier``), on all 50,000 training
images, and prints the test accuracy, the wall time (loading and preprocessing
included) and the peak resident memory.

With ``--torch`` (and PyTorch installed) it then trains the same recipe in PyTorch on
the same preprocessed data, in the same run (He init, momentum v = beta v + (1 - beta) dP,
weight decay on the W only, label smoothing, warm-up + cosine per step, the same flips
and crops), and prints both results side by side: accuracy and minutes of training.
"""

import argparse
import math
import os
import time

# Let BLAS threads sleep right after each matrix product (read when NumPy loads OpenBLAS).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")

import numpy as np  # noqa: E402
from report import peak_memory_mb, record  # noqa: E402

from nnutils.data import load_cifar10  # noqa: E402
from nnutils.engine.augment import flip_and_crop  # noqa: E402
from nnutils.engine.preprocess import EPSILON, prepare  # noqa: E402
from nnutils.engine.train import (  # noqa: E402
    BEST_CONFIG,
    LESSON_CONFIG,
    accuracy,
    learning_rate_at,
    train_classifier,
)

PIPELINE = (prepare, train_classifier)  # what lesson 08 calls; tests/test_train.py holds them equal
CONFIGS = {"lesson": LESSON_CONFIG, "best": BEST_CONFIG}


def train_torch(torch, X_train, y_train, config, seed=0):
    """The recipe of ``train_classifier`` in PyTorch; returns (predict function, seconds)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    rows = np.ascontiguousarray(X_train.T)
    labels = torch.from_numpy(np.asarray(y_train).ravel())
    dims = config["layer_dims"]
    weights, biases = [], []
    for n_prev, n in zip(dims[:-1], dims[1:], strict=True):
        weights.append((torch.randn(n, n_prev) * math.sqrt(2 / n_prev)).requires_grad_())
        biases.append(torch.zeros(n).requires_grad_())
    params = weights + biases
    velocity = [torch.zeros_like(p) for p in params]

    def forward(batch):
        A = batch
        for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
            A = torch.nn.functional.linear(A, W, b)
            A = torch.relu(A) if l < len(weights) - 1 else A
        return A

    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=config["label_smoothing"])
    m, B = rows.shape[0], config["batch_size"]
    steps_per_epoch = math.ceil(m / B)
    total, warmup = config["epochs"] * steps_per_epoch, config["warmup_epochs"] * steps_per_epoch
    step, start = 0, time.perf_counter()
    for _ in range(config["epochs"]):
        order = rng.permutation(m)
        for k in range(0, m, B):
            idx = order[k : k + B]
            batch = flip_and_crop(rows[idx], rng) if config["augment"] else rows[idx]
            loss = loss_fn(forward(torch.from_numpy(batch)), labels[idx])
            grads = torch.autograd.grad(loss, params)
            rate = learning_rate_at(step, total, warmup, config["learning_rate"])
            with torch.no_grad():
                for p, g, v in zip(params, grads, velocity, strict=True):
                    if p.dim() == 2:
                        g = g + config["weight_decay"] * p
                    v.mul_(0.9).add_(g, alpha=0.1)
                    p.sub_(v, alpha=rate)
            step += 1
    seconds = time.perf_counter() - start

    def predict(X):
        with torch.no_grad():
            return forward(torch.from_numpy(np.ascontiguousarray(X.T))).argmax(dim=1).numpy()

    return predict, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="folder holding cifar10/ (what NNUTILS_DATA would name)")
    parser.add_argument("--config", choices=CONFIGS, default="lesson")
    parser.add_argument("--epochs", type=int, help="override the configuration's epochs")
    parser.add_argument("--epsilon", type=float, default=EPSILON, help="ZCA epsilon")
    parser.add_argument("--no-zca", action="store_true", help="standardize only")
    parser.add_argument("--train-size", type=int, help="train on the first N images only")
    parser.add_argument(
        "--validation",
        type=int,
        help="tune, never on the test set: hold out the last N training images, report on them",
    )
    parser.add_argument("--torch", action="store_true", help="also train the recipe in PyTorch")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = dict(CONFIGS[args.config])
    if args.epochs:
        config["epochs"] = args.epochs
    start = time.perf_counter()
    data = load_cifar10(args.data, download=False, progress=False)
    X_train, y_train = data.X_train[:, : args.train_size], data.y_train[:, : args.train_size]
    X_test, y_test = data.X_test, data.y_test
    if args.validation:  # the test set stays out of every tuning run
        X_test, y_test = data.X_train[:, -args.validation :], data.y_train[:, -args.validation :]
        X_train, y_train = X_train[:, : -args.validation], y_train[:, : -args.validation]
    loaded = time.perf_counter() - start
    X_train, X_test, whitening = prepare(
        X_train, X_test, epsilon=args.epsilon, in_place=True, zca=not args.no_zca
    )
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in whitening.seconds.items())
    print(f"loaded in {loaded:.1f} s; {stages}; epsilon {args.epsilon}")
    print(f"config {args.config}: {config}")
    parameters, history = train_classifier(
        X_train, y_train, **config, rng=args.seed, progress=False
    )
    for epoch, (cost, acc, seconds) in enumerate(
        zip(history["cost"], history["train_accuracy"], history["seconds"], strict=True), 1
    ):
        print(f"epoch {epoch:3d}  cost {cost:.3f}  train accuracy {acc:.3f}  {seconds:6.0f} s")
    wall = time.perf_counter() - start
    test = accuracy(X_test, y_test, parameters)
    print(f"{'validation' if args.validation else 'test'} accuracy {test:.4f}")
    print(f"wall time {wall:.0f} s ({wall / 60:.1f} min); peak memory {peak_memory_mb():.0f} MB")
    rows = [
        (f"{'validation' if args.validation else 'test'} accuracy", f"{test:.2%}"),
        ("wall time (loading, whitening, training)", f"{wall / 60:.1f} min"),
        ("training", f"{history['seconds'][-1] / 60:.2f} min"),
        ("loading and whitening", f"{loaded:.1f} s; {stages}"),
        ("peak memory", f"{peak_memory_mb():.0f} MB"),
    ]
    torch = None
    if args.torch:
        try:
            import torch
        except ImportError:
            print("--torch: PyTorch is not installed; skipped (pip install torch)")
    if torch is None:
        record(section_name(args), rows)
        return
    torch.set_num_threads(os.cpu_count())
    predict, torch_seconds = train_torch(torch, X_train, y_train, config, seed=args.seed)
    torch_test = float(np.mean(predict(X_test) == np.asarray(y_test).ravel()))
    numpy_minutes = history["seconds"][-1] / 60
    print(f"\n{'':>22}{'test accuracy':>15}{'training min':>14}{'accuracy / min':>16}")
    for name, acc, minutes in (
        ("nnutils (NumPy)", test, numpy_minutes),
        (f"PyTorch {torch.__version__}", torch_test, torch_seconds / 60),
    ):
        print(f"{name:>22}{acc:>15.2%}{minutes:>14.2f}{acc * 100 / minutes:>16.1f}")
    print(f"NumPy / PyTorch training time: {numpy_minutes * 60 / torch_seconds:.2f}x")
    rows += [
        (
            f"PyTorch {torch.__version__}, same recipe and data",
            f"{torch_test:.2%} in {torch_seconds / 60:.2f} min of training",
        ),
        ("NumPy / PyTorch training time", f"**{numpy_minutes * 60 / torch_seconds:.2f}x**"),
    ]
    record(section_name(args), rows)


def section_name(args):
    """The page's section for this run: one per configuration, tuning runs apart."""
    return "cifar10_accuracy " + ("validation" if args.validation else args.config)


if __name__ == "__main__":
    main()

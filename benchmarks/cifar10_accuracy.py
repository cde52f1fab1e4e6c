"""CIFAR-10 test accuracy, wall time and peak memory of lesson 08's ten-class model.

    python benchmarks/cifar10_accuracy.py DATA [--config lesson|best] [--epochs N]

DATA is the folder that ``NNUTILS_DATA`` would name: it holds
``cifar10/cifar-10-batches-py/`` (or the archive ``cifar10/cifar-10-python.tar.gz``).
Nothing is downloaded. Trains with ``nnutils.train.train_classifier`` (the
course's reference functions) on all 50,000 training images and prints the
test accuracy, the wall time (loading included) and the peak resident memory.
"""

import argparse
import os
import resource
import time

# Let BLAS threads sleep right after each matrix product (read when NumPy loads OpenBLAS).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "1")

import numpy as np  # noqa: E402

from nnutils.data import load_cifar10  # noqa: E402
from nnutils.train import LESSON_CONFIG, accuracy, train_classifier  # noqa: E402

CONFIGS = {
    "lesson": LESSON_CONFIG,
    "best": {**LESSON_CONFIG, "epochs": 75},
}


def standardize_in_place(X_train, X_test):
    """Subtract each pixel's training mean and divide by its training standard deviation.

    In place, with no temporary as large as the data: a copy of the 614 MB
    training set would double the memory this benchmark needs.
    """
    mean = X_train.mean(axis=1, keepdims=True)
    X_train -= mean
    X_test -= mean
    std = np.sqrt(np.einsum("ij,ij->i", X_train, X_train) / X_train.shape[1])[:, None]
    X_train /= std
    X_test /= std


def peak_memory_mb():
    """Peak resident set size of this process, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="folder holding cifar10/ (what NNUTILS_DATA would name)")
    parser.add_argument("--config", choices=CONFIGS, default="lesson")
    parser.add_argument("--epochs", type=int, help="override the configuration's epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = dict(CONFIGS[args.config])
    if args.epochs:
        config["epochs"] = args.epochs
    start = time.perf_counter()
    data = load_cifar10(args.data, download=False, progress=False)
    X_train, y_train, X_test, y_test = data.X_train, data.y_train, data.X_test, data.y_test
    standardize_in_place(X_train, X_test)
    print(
        f"loaded and standardised in {time.perf_counter() - start:.1f} s; config {args.config}: {config}"
    )
    parameters, history = train_classifier(
        X_train, y_train, **config, rng=args.seed, progress=False
    )
    for epoch, (cost, acc, seconds) in enumerate(
        zip(history["cost"], history["train_accuracy"], history["seconds"], strict=True), 1
    ):
        print(f"epoch {epoch:3d}  cost {cost:.3f}  train accuracy {acc:.3f}  {seconds:6.0f} s")
    wall = time.perf_counter() - start
    print(f"test accuracy {accuracy(X_test, y_test, parameters):.4f}")
    print(f"wall time {wall:.0f} s ({wall / 60:.1f} min); peak memory {peak_memory_mb():.0f} MB")


if __name__ == "__main__":
    main()

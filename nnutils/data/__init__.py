"""Data sets in the course's layout: ``X`` is (n_x, m), one column per example; ``Y`` is (1, m)."""

import numpy as np

# CIFAR-10 lives in its own module; nnutils.data.load_cifar10 is the name lessons use.
from .cifar10 import cache_folder, load_cifar10  # noqa: F401


def load_planar(m=400, noise=0.2, petals=4, seed=0):
    """The planar "flower": ``m`` points on a rose curve, petals alternately of class 0 and 1.

    Returns X (2, m) float64 and Y (1, m) int64, the examples in random order (so that
    neighboring columns are unrelated); deterministic for a given ``seed``.
    """
    rng = np.random.default_rng(seed)
    half = m // 2
    X = np.empty((2, m))
    Y = np.empty((1, m), dtype=np.int64)
    for label, start, count in ((0, 0, half), (1, half, m - half)):
        angle = np.linspace(label * np.pi, (label + 1) * np.pi, count)
        angle += rng.standard_normal(count) * noise
        radius = 4 * np.sin(petals * angle) + rng.standard_normal(count) * noise
        X[:, start : start + count] = radius * np.stack([np.sin(angle), np.cos(angle)])
        Y[0, start : start + count] = label
    order = rng.permutation(m)
    return X[:, order], Y[:, order]


def load_moons(m=400, noise=0.2, seed=0):
    """scikit-learn's two interleaved half-moons: X (2, m), Y (1, m)."""
    # Imported here, not at the top: scikit-learn takes a second or two to import.
    from sklearn import datasets

    X, y = datasets.make_moons(n_samples=m, noise=noise, random_state=seed)
    return X.T.copy(), y.reshape(1, -1).astype(np.int64)


def load_circles(m=400, noise=0.1, factor=0.5, seed=0):
    """scikit-learn's two concentric circles: X (2, m), Y (1, m)."""
    from sklearn import datasets

    X, y = datasets.make_circles(n_samples=m, noise=noise, factor=factor, random_state=seed)
    return X.T.copy(), y.reshape(1, -1).astype(np.int64)


def train_test_split(X, Y, test_fraction=0.25, seed=0):
    """Shuffle the columns and split them; returns X_train, X_test, Y_train, Y_test.

    The order of scikit-learn's ``train_test_split(X, Y)``: both inputs split, train part first.
    """
    m = X.shape[1]
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    order = np.random.default_rng(seed).permutation(m)
    n_test = max(1, round(m * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return X[:, train], X[:, test], Y[:, train], Y[:, test]

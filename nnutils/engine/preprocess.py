"""Lesson 08's preprocessing of CIFAR-10, in one place: standardize, then ZCA-whiten.

``prepare(X_train, *others, epsilon=EPSILON)`` is the whole pipeline that lesson 08 and
``benchmarks/cifar10_accuracy.py`` run, built from the reference versions of the
lesson's exercises (``standardize``'s per-channel statistics and ``zca_matrix``).
Every statistic comes from ``X_train`` only. The arrays are transformed in blocks of
columns, the training images in place when asked (they are not needed raw afterwards),
so that no second copy of the 600 MB training set ever exists.
"""

import time
from typing import NamedTuple

import numpy as np

from .. import reference as ref
from .stages import Stages

# In units of a standardized pixel's variance (1): directions of variance far below EPSILON
# are damped rather than amplified. Chosen on a validation set, never on the test set, by
# full runs of LESSON_CONFIG (benchmarks/cifar10_accuracy.py --validation; short runs rank
# other values first: lesson 08 shows both).
EPSILON = 10.0
CHUNK = 4096
# Each stage's expected share of the time (3072 pixels, 45,000 training images, measured on
# two cores): the eigendecomposition reports no progress of its own, so the bar's estimate
# of the time left rests on these shares until the whitening starts.
PREPARE_STAGES = {"standardize": 2, "covariance": 8, "eigendecomposition": 55, "whiten": 35}


class Whitening(NamedTuple):
    """What ``prepare`` learnt from the training images: channel statistics, ZCA W and mean.

    ``transform`` applies it to other images (for instance new photos, or the test set in
    lesson 09, for the network that lesson 08 trained); ``save`` and ``load`` keep it in an
    ``.npz`` file next to the network's parameters.
    """

    channel_mean: np.ndarray  # (3 P, 1)
    channel_std: np.ndarray  # (3 P, 1)
    W: np.ndarray | None  # (3 P, 3 P), the data's dtype: gain * zca_matrix; None: no ZCA
    mean: np.ndarray | None  # (3 P, 1), of the standardized training images
    seconds: dict  # time of each stage

    def transform(self, X, out=None):
        """Standardize and whiten images X (3 P, k) as the training images were: a new array, or ``out``."""
        out = standardize_blocks(X, self.channel_mean, self.channel_std, out=out)
        return out if self.W is None else whiten(out, self.W, self.mean, out=out)

    def save(self, path):
        """Write the statistics and the matrix to the ``.npz`` file ``path``."""
        arrays = {"channel_mean": self.channel_mean, "channel_std": self.channel_std}
        if self.W is not None:
            arrays.update(W=self.W, mean=self.mean)
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path):
        """The ``Whitening`` that ``save`` wrote to ``path``."""
        with np.load(path) as saved:
            arrays = {key: saved[key] for key in saved.files}
        return cls(
            arrays["channel_mean"], arrays["channel_std"], arrays.get("W"), arrays.get("mean"), {}
        )


def channel_statistics(X_train):
    """Per-channel mean and std of X_train (3 P, m) as (3 P, 1) float64 columns.

    The same numbers as ``reference.standardize`` uses, from per-pixel sums (no copy of X_train).
    """
    n, m = X_train.shape
    P = n // 3
    pixel_mean = X_train.mean(axis=1, dtype=np.float64).reshape(3, P)
    pixel_square = np.einsum("ij,ij->i", X_train, X_train, dtype=np.float64).reshape(3, P) / m
    mean = pixel_mean.mean(axis=1)
    std = np.sqrt(pixel_square.mean(axis=1) - mean**2)
    return np.repeat(mean, P)[:, None], np.repeat(std, P)[:, None]


def standardize_blocks(X, mean, std, out=None, chunk=CHUNK):
    """(X - mean) / std for X (n, k), block by block; into ``out`` (may be X itself) or a new array."""
    out = np.empty_like(X) if out is None else out
    mean, scale = mean.astype(X.dtype), (1 / std).astype(X.dtype)
    for k in range(0, X.shape[1], chunk):
        np.multiply(X[:, k : k + chunk] - mean, scale, out=out[:, k : k + chunk])
    return out


def covariance_eigen(X):
    """Eigenvalues lam (n,), eigenvectors U (n, n) and mean (n, 1) of the covariance of X (n, m).

    ``zca_matrix``'s first steps: the covariance summed in float64 (``reference.covariance``),
    then decomposed in float32, twice as fast as in float64. With EPSILON = 10, eigenvalues
    then far below epsilon (where float32 loses digits) are damped to 1 / sqrt(epsilon)
    anyway: on 6,000 CIFAR-10 images the whitened pixels differ from float64's by 8e-6 of
    their spread (root mean square; 9e-5 at most).
    """
    C, mean = ref.covariance(X)
    lam, U = ref.eigh_in_place(C.astype(np.float32))
    return lam, U, mean


def unit_variance_gain(lam, epsilon):
    """The factor that gives ZCA-whitened pixels an average variance of 1, as standardized ones.

    W (X - mean) has variance lam / (lam + epsilon) along eigenvector k, so its pixels have
    the average variance mean(lam / (lam + epsilon)) < 1, far below 1 on CIFAR-10. Inputs
    that small slow the first layer down; the gain gives them back a variance of 1.
    """
    return float(np.sqrt(lam.size / np.sum(lam / (lam + epsilon))))


def whiten(X, W, mean, out=None, chunk=CHUNK):
    """W (X - mean) for X (n, k), W (n, n), mean (n, 1), in X's dtype, block by block.

    The result goes into ``out`` (which may be X itself: each block is read before it is
    overwritten) or a new array of X's layout.
    """
    out = np.empty_like(X) if out is None else out
    W, mean = W.astype(X.dtype, copy=False), mean.astype(X.dtype)
    for k in range(0, X.shape[1], chunk):
        out[:, k : k + chunk] = W @ (X[:, k : k + chunk] - mean)
    return out


def whitened_per_epsilon(X_train, X_val, epsilons, subset=6000, progress=False):
    """For each epsilon: (epsilon, X_sub, X_val_white), to compare epsilons by training.

    X_train (3 P, m), X_val (3 P, k): raw images. X_sub (3 P, subset) holds the first
    ``subset`` training images, X_val_white (3 P, k) the validation images, both standardized
    and whitened with that epsilon (times the gain). One eigendecomposition, of the subset's
    covariance, serves every epsilon. ``progress`` draws a bar over these steps.
    """
    weights = {"standardize": 1, "eigendecomposition": 20}
    weights.update({f"whiten for epsilon {epsilon:g}": 2 for epsilon in epsilons})
    with Stages(weights, "whitening", disable=not progress) as stages:
        stages.start("standardize")
        channel_mean, channel_std = channel_statistics(X_train)
        X_sub = standardize_blocks(X_train[:, :subset], channel_mean, channel_std)
        X_val_std = standardize_blocks(X_val, channel_mean, channel_std)
        stages.start("eigendecomposition")
        lam, U, mean = covariance_eigen(X_sub)
        for epsilon in epsilons:
            stages.start(f"whiten for epsilon {epsilon:g}")
            gain = unit_variance_gain(lam, epsilon)
            W = ref.zca_from_eigen(lam, U, epsilon, X_sub.dtype) * gain
            whitened = whiten(X_sub, W, mean), whiten(X_val_std, W, mean)
            stages.finish()
            yield epsilon, *whitened


def prepare(X_train, *others, epsilon=EPSILON, in_place=False, zca=True, progress=False):
    """Standardize and ZCA-whiten X_train (3 P, m) and ``others`` (3 P, k) with X_train's statistics.

    The whitening matrix is ``zca_matrix`` of the standardized training images times
    ``unit_variance_gain``, so that whitened pixels keep an average variance of 1.

    Returns (X_train, *others, whitening): the transformed arrays and a ``Whitening``. With
    ``in_place`` the transformed X_train is X_train itself, overwritten (``others`` are always
    new arrays). With ``zca=False`` only standardizes (the ``Whitening`` has W = None).
    ``progress`` draws a bar over its stages (standardize, covariance, eigendecomposition, whiten).
    """
    weights = PREPARE_STAGES if zca else {"standardize": 1}
    with Stages(weights, "prepare", disable=not progress) as stages:
        return _prepare(X_train, others, epsilon, in_place, zca, stages)


def _prepare(X_train, others, epsilon, in_place, zca, stages):
    seconds = {}
    start = time.perf_counter()
    stages.start("standardize")
    channel_mean, channel_std = channel_statistics(X_train)
    train = standardize_blocks(
        X_train, channel_mean, channel_std, out=X_train if in_place else None
    )
    seconds["standardize"] = time.perf_counter() - start
    W = mean = None
    if zca:  # W before the other arrays exist: the eigendecomposition is the memory peak
        start = time.perf_counter()
        stages.start("covariance")
        C, mean = ref.covariance(train)  # zca_matrix's steps, keeping the eigenvalues
        stages.start("eigendecomposition")
        lam, U = ref.eigh_in_place(C.astype(np.float32))
        del C
        W = ref.zca_from_eigen(lam, U, epsilon, X_train.dtype)
        W *= unit_variance_gain(lam, epsilon)
        del U
        seconds["zca_matrix"] = time.perf_counter() - start
    whitening = Whitening(channel_mean, channel_std, W, mean, seconds)
    start = time.perf_counter()
    if zca:
        stages.start("whiten")
    columns = sum(X.shape[1] for X in others) + train.shape[1] * zca
    arrays, done = [train], 0
    for X in others:
        arrays.append(whitening.transform(X))
        done += X.shape[1]
        if zca:
            stages.advance(done / columns)
    if zca:
        whiten(train, W, mean, out=train)
        seconds["whiten"] = time.perf_counter() - start
    return (*arrays, whitening)

"""Checks of lesson 08 (CIFAR-10): standardize, zca_matrix, predict_classes, confusion_matrix."""

import re

import numpy as np

from .. import reference as ref
from .api import exercise
from .cases import case_dtype, random_parameters
from .expect import Mistake, NotWritten, _difference, call, expect_array, named_mistake, show

# --- standardize -------------------------------------------------------------------------


def random_images(rng, m, P, dtype=np.float64):
    """Images (3 P, m) in [0, 1] whose channels, and pixels within a channel, differ in mean."""
    channel_mean = np.repeat(rng.uniform(0.3, 0.7, size=3), P)[:, None]
    pixel_shift = rng.uniform(-0.15, 0.15, size=(3 * P, 1))
    noise = rng.uniform(-0.2, 0.2, size=(3 * P, m)) * rng.uniform(0.5, 1.5, size=(3 * P, 1))
    return np.clip(channel_mean + pixel_shift + noise, 0, 1).astype(dtype)


def _channel_stats(X, blocks):
    """Per-row mean and std (3 P, 1) from the statistics of each group of rows in ``blocks``."""
    mean, std = np.empty((X.shape[0], 1)), np.empty((X.shape[0], 1))
    for rows in blocks:
        mean[rows], std[rows] = X[rows].mean(), X[rows].std()
    return mean, std


def _with_sample_std(X_train, X):
    """Standardization with the sample standard deviation (ddof=1) of each channel."""
    P = X_train.shape[0] // 3
    mean, std = _channel_stats(X_train, [np.arange(c * P, (c + 1) * P) for c in range(3)])
    n = P * X_train.shape[1]
    return (X - mean) / (std * np.sqrt(n / (n - 1)))


def _acceptable(got, *answers):
    """True when ``got`` is one of the correct ``answers`` up to a small epsilon added to std.

    np.std(ddof=1) is as good as ddof=0 (on real images the two agree), and so is
    (X - mean) / (std + eps) with eps up to about 1e-5.
    """
    if not isinstance(got, np.ndarray) or got.dtype.kind != "f":
        return False
    return any(
        got.shape == answer.shape and np.allclose(got, answer, rtol=1e-4, atol=1e-5)
        for answer in answers
    )


def standardize_mistakes(X_train, X):
    """(sentence, wrong answer) pairs for the usual slips."""
    n_x = X_train.shape[0]
    P = n_x // 3
    channels = [np.arange(c * P, (c + 1) * P) for c in range(3)]
    mean, std = _channel_stats(X_train, channels)
    own_mean, own_std = _channel_stats(X, channels)
    interleaved_mean, interleaved_std = _channel_stats(
        X_train, [np.arange(c, n_x, 3) for c in range(3)]
    )
    tiled_mean, tiled_std = (np.tile(stat[::P], (P, 1)) for stat in (mean, std))
    blocks_mean, blocks_std = (
        np.repeat(stat[:3], P, axis=0) for stat in (interleaved_mean, interleaved_std)
    )
    pixel_mean = X_train.mean(axis=1, keepdims=True)
    pixel_std = X_train.std(axis=1, keepdims=True)
    return [
        (
            "the result uses the statistics of X itself: compute the mean and standard deviation "
            "from X_train only and apply them to X (validation and test images must be "
            "transformed exactly like the training images).",
            (X - own_mean) / own_std,
        ),
        (
            "you returned X_train standardized: return X, standardized with X_train's statistics.",
            (X_train - mean) / std,
        ),
        (
            "the channels are the three blocks of P rows (all red values, then all green, then all "
            "blue), not every third row: X_train.reshape(3, P, m) groups them.",
            (X - interleaved_mean) / interleaved_std,
        ),
        (
            "the three channels' statistics are right but were laid out interleaved, red, green, "
            "blue, red, ... (np.tile): the rows hold three blocks of P (all red values first), "
            "so each statistic repeats P times in a row, np.repeat(mean, P).",
            (X - tiled_mean) / tiled_std,
        ),
        (
            "the statistics were taken over every third row (interleaved channels, as "
            "X_train.reshape(P, 3, m) groups them), then laid out in blocks: the channels are "
            "the three blocks of P rows, X_train.reshape(3, P, m) groups them.",
            (X - blocks_mean) / blocks_std,
        ),
        (
            "you used one mean and standard deviation per pixel (over axis=1); this exercise asks "
            "for one per color channel, shared by the channel's P pixels.",
            (X - pixel_mean) / pixel_std,
        ),
        (
            "you used one mean and standard deviation for all three channels together; compute "
            "them for each channel (red, green, blue) separately.",
            (X - X_train.mean()) / X_train.std(),
        ),
        ("divide by the standard deviation as well: (X - mean) / std.", X - mean),
        ("subtract the mean as well: (X - mean) / std.", X / std),
        (
            "divide by the standard deviation (np.std), not by the variance.",
            (X - mean) / std**2,
        ),
        ("it is (X - mean) / std: subtract the mean, do not add it.", (X + mean) / std),
    ]


HARD_CODED = re.compile(r"\b(1024|3072|32)\b")  # CIFAR-10 sizes in a hard-coded answer's error


@exercise("standardize")
def _standardize(candidate, rng):
    """Per-channel statistics from the training images only, applied to any images."""
    sizes = [(2, 1, 2), (4, 3, 5), (int(rng.integers(5, 20)), int(rng.integers(2, 9)), 16)]
    sizes.append((int(rng.integers(20, 60)), int(rng.integers(5, 20)), 1024))
    for index, (m, k, P) in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        X_train, X = random_images(rng, m, P, dtype), random_images(rng, k, P, dtype)
        X = X + rng.uniform(-0.1, 0.1, size=(3 * P, 1)).astype(dtype)  # differs from X_train
        case = (
            f"with X_train{X_train.shape} and X{X.shape}, {np.dtype(dtype).name} "
            f"(3 channels of P = {P} pixels)."
        )
        try:
            got = call(candidate, "standardize", X_train, X)
        except NotWritten:
            raise
        except Mistake as mistake:
            if P == 1024 or not HARD_CODED.search(" ".join([mistake.sentence, *mistake.details])):
                raise
            raise Mistake(
                f"{mistake.sentence.rstrip('.')}. These tests also use small images, P = {P} pixels per "
                "channel: write the code in terms of P (or X_train.shape), not 1024 or 32.",
                *mistake.details,
            ) from None
        expected = ref.standardize(X_train, X)
        if getattr(got, "shape", None) == (3 * P, 3 * P) and k != 3 * P:
            raise Mistake(
                f"the result has shape {got.shape}, expected {expected.shape}: mean and std "
                "must be columns of shape (3P, 1) to broadcast over the examples (for example "
                "np.repeat(mean, P).reshape(-1, 1)).",
                case,
            )
        if not _acceptable(got, expected, _with_sample_std(X_train, X)):
            expect_array(got, expected, "the result", standardize_mistakes(X_train, X), case)
        if dtype == np.float32 and got.dtype != np.float32:
            raise Mistake(
                f"the result is {got.dtype} for float32 images: keep float32, which halves the "
                "memory CIFAR-10 needs (e.g. compute mean and std from the float32 data, or "
                "convert them with .astype(X.dtype)).",
                case,
            )
    return len(sizes)


# --- zca_matrix --------------------------------------------------------------------------


def correlated_images(rng, n, m, dtype=np.float64):
    """X (n, m) with neighboring rows correlated, a nonzero mean per row and eigenvalues
    spread over two orders of magnitude (as for pixels); n - m + 1 of them are 0 when n >= m."""
    mixing = np.exp(-np.abs(np.subtract.outer(np.arange(n), np.arange(n))) / 2.0)
    mixing *= rng.uniform(0.5, 1.5, size=(n, 1))
    X = mixing @ rng.standard_normal((n, m)) + rng.uniform(0.2, 0.8, size=(n, 1))
    return X.astype(dtype)


def _eigen(X, ddof=0):
    """Eigenvalues and eigenvectors (columns) of the covariance of X's columns, in float64."""
    X = X.astype(np.float64)
    Xc = X - X.mean(axis=1, keepdims=True)
    lam, U = np.linalg.eigh(Xc @ Xc.T / (X.shape[1] - ddof))
    return np.maximum(lam, 0), U


def _zca(lam, U, scale):
    """U diag(scale) U^T."""
    return (U * scale) @ U.T


def _matches(got, expected):
    """Same shape and values up to the dtype's rounding, relative to W's largest entry."""
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape or not np.isfinite(got).all():
        return False
    rtol = 2e-3 if expected.dtype == np.float32 else 1e-6
    return bool(np.allclose(got, expected, rtol=rtol, atol=rtol * np.abs(expected).max()))


def zca_mistakes(X, epsilon):
    """(sentence, wrong W) pairs for the usual slips, each W in float64."""
    lam, U = _eigen(X)
    m = X.shape[1]
    raw_lam, raw_U = np.linalg.eigh(X.astype(np.float64) @ X.T.astype(np.float64) / m)
    Xc = X.astype(np.float64) - X.mean(axis=1, keepdims=True)
    reduced_U, S, _ = np.linalg.svd(Xc / np.sqrt(m), full_matrices=False)
    per_image = X.astype(np.float64) - X.mean(axis=0, keepdims=True)
    image_lam, image_U = np.linalg.eigh(per_image @ per_image.T / m)
    image_lam = np.maximum(image_lam, 0)
    return [
        (
            "the covariance is not divided by m: C = Xc Xc^T / m, the mean of the products over "
            "the m images (without it every eigenvalue is m times too large).",
            _zca(lam, U, 1 / np.sqrt(m * lam + epsilon)),
        ),
        (
            "each image was centered on its own mean (axis=0): center each pixel, a row of X, "
            "on its mean over the images, Xc = X - X.mean(axis=1, keepdims=True).",
            _zca(image_lam, image_U, 1 / np.sqrt(image_lam + epsilon)),
        ),
        (
            "W leaves out the directions in which the images do not vary: with more pixels "
            "than images (n > m), a reduced SVD of the data (full_matrices=False) gives only "
            "m directions, but W needs all n, and the others get 1 / sqrt(0 + epsilon). Take "
            "the eigenvectors of the (n, n) covariance (np.linalg.eigh), or a full SVD.",
            _zca(S**2, reduced_U, 1 / np.sqrt(S**2 + epsilon)),
        ),
        (
            "the covariance was computed without centering: subtract each row's mean first, "
            "Xc = X - X.mean(axis=1, keepdims=True), then C = Xc Xc^T / m.",
            _zca(raw_lam, raw_U, 1 / np.sqrt(np.maximum(raw_lam, 0) + epsilon)),
        ),
        (
            "epsilon is missing: it is 1 / sqrt(lambda + epsilon), which keeps the tiny "
            "eigenvalues (noise) from being blown up.",
            _zca(lam, U, 1 / np.sqrt(np.maximum(lam, 1e-300))),
        ),
        (
            "epsilon belongs inside the square root: 1 / sqrt(lambda + epsilon), "
            "not 1 / (sqrt(lambda) + epsilon).",
            _zca(lam, U, 1 / (np.sqrt(lam) + epsilon)),
        ),
        (
            "epsilon belongs inside the square root: 1 / sqrt(lambda + epsilon), "
            "not 1 / sqrt(lambda) + epsilon.",
            _zca(lam, U, 1 / np.sqrt(np.maximum(lam, 1e-300)) + epsilon),
        ),
        (
            "the eigenvalues need a square root: whitening divides each direction by its "
            "standard deviation, 1 / sqrt(lambda + epsilon), not by its variance 1 / (lambda + "
            "epsilon).",
            _zca(lam, U, 1 / (lam + epsilon)),
        ),
    ]


def _not_ordered(got, expected):
    """A sentence when ``got`` is a whitening, or has W's eigenvalues, but not W itself."""
    got = np.asarray(got, dtype=np.float64)
    if _matches(got.T @ got, expected @ expected) and not _matches(got, got.T):
        return (
            "this is PCA whitening, diag(1 / sqrt(lambda + epsilon)) U^T: it whitens too, but "
            "rotates the images away from pixel space. ZCA rotates back: W = U diag(...) U^T, "
            "so that whitened images still look like images."
        )
    if _matches(got, got.T) and _matches(
        np.linalg.eigvalsh(got), np.linalg.eigvalsh(expected.astype(np.float64))
    ):
        return (
            "the eigenvalues are right but the eigenvectors are not: np.linalg.eigh returns "
            "them as the COLUMNS of U (U[:, k] goes with lambda[k]), so W = U diag(...) U^T, "
            "not U^T diag(...) U."
        )
    return None


@exercise("zca_matrix")
def _zca_matrix(candidate, rng):
    """U diag(1 / sqrt(lambda + epsilon)) U^T from the covariance of the centered columns."""
    sizes = [(2, 6, 0.1), (3, 10, 0.5), (int(rng.integers(5, 12)), int(rng.integers(30, 60)), 0.1)]
    sizes.append((int(rng.integers(12, 20)), int(rng.integers(4, 10)), 0.2))  # n > m, as lesson 08
    sizes.append((int(rng.integers(16, 40)), int(rng.integers(100, 200)), 0.3))
    for index, (n, m, epsilon) in enumerate(sizes):
        dtype = case_dtype(index, len(sizes))
        X = correlated_images(rng, n, m, dtype)
        case = f"with X{X.shape}, {np.dtype(dtype).name}, and epsilon={epsilon}."
        got = call(candidate, "zca_matrix", X, epsilon)
        lam, U = _eigen(X)
        expected = _zca(lam, U, 1 / np.sqrt(lam + epsilon)).astype(dtype)
        sample_lam, sample_U = _eigen(X, ddof=1)  # np.cov's default m - 1 is as good
        divided = _zca(sample_lam, sample_U, 1 / np.sqrt(sample_lam + epsilon)).astype(dtype)
        shape = getattr(got, "shape", None)
        if shape == (m, m):
            raise Mistake(
                f"W has shape {shape}, expected {(n, n)}: the covariance went over the wrong "
                "axis (X^T X compares images with images). Rows of X are pixels, so the "
                "covariance is Xc Xc^T / m, of shape (n, n).",
                case,
            )
        if isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.shape == (n, n):
            if _matches(got, expected) or _matches(got, divided):
                if dtype == np.float32 and got.dtype != np.float32:
                    raise Mistake(
                        f"W is {got.dtype} for float32 images: return it in X's dtype "
                        "(.astype(X.dtype)), so that W @ X stays float32.",
                        case,
                    )
                continue
            sentence = named_mistake(got, expected, zca_mistakes(X, epsilon), match=_matches)
            sentence = sentence or _not_ordered(got, expected)
            if sentence:
                raise Mistake(sentence, case)
        expect_array(got, expected, "W", (), case)
        raise Mistake("W has wrong values.", case, *_difference(got, expected))
    return len(sizes)


# --- predict_classes ---------------------------------------------------------------------


@exercise("predict_classes")
def _predict_classes(candidate, rng):
    """The arg max of the network's output per example, as a (1, m) array."""
    dims_list = [[2, 3], [3, 4, 2], [5, 6, 4, int(rng.integers(3, 8))]]
    dims_list.append([int(rng.integers(20, 60)), int(rng.integers(10, 30)), 10])
    for index, dims in enumerate(dims_list):
        dtype = case_dtype(index, len(dims_list))
        m = 2 if index == 0 else int(rng.integers(5, 40))
        parameters = random_parameters(rng, dims, bias_scale=1.0, dtype=dtype)
        X = rng.standard_normal((dims[0], m)).astype(dtype)
        case = f"with X{X.shape}, {np.dtype(dtype).name}, and layer_dims={dims}."
        got = call(candidate, "predict_classes", X, parameters)
        AL, _ = ref.L_model_forward(X, parameters, output_activation="softmax")
        expected = AL.argmax(axis=0, keepdims=True)
        mistakes = [
            (
                f"the labels have shape {(m,)}, expected {(1, m)}: keep the row dimension "
                "(argmax(axis=0, keepdims=True) or .reshape(1, -1)).",
                expected.ravel(),
            ),
            (
                "these are the highest probabilities, not the classes: np.argmax gives the "
                "index of the largest value, which is the class label.",
                AL.max(axis=0, keepdims=True),
            ),
            *[
                (
                    "argmax went over axis 1 (the examples): take it over axis 0, the classes, "
                    "so that each column (example) gets its most probable class.",
                    wrong,
                )
                for wrong in (
                    AL.argmax(axis=1),
                    AL.argmax(axis=1, keepdims=True),
                    AL.argmax(axis=1).reshape(1, -1),
                )
            ],
            (
                "the labels are 1 too large: classes are numbered from 0, as argmax numbers them.",
                expected + 1,
            ),
            *[
                (
                    "this is the binary rule (probability > 0.5) applied to each class: with "
                    "several classes, pick the most probable one with argmax over axis 0.",
                    wrong,
                )
                for wrong in ((AL > 0.5).astype(int), ref.predict(X, parameters))
            ],
        ]
        expect_array(got, expected, "the array of predicted labels", mistakes, case)
        if np.asarray(got).dtype.kind == "f":
            raise Mistake("the labels should be integers (argmax returns them), not floats.", case)
    return len(dims_list)


# --- confusion_matrix --------------------------------------------------------------------


def _labels(rng, C, m, attempts=100):
    """y_true, y_pred (1, m) in 0..C-1, mostly equal; every class is true at least once, some
    class is predicted in two ways and some pair repeated, so that each catalogued mistake
    gives a different matrix (and row fractions have no empty row to divide by)."""
    for _ in range(attempts):
        y_true = rng.integers(0, C, size=(1, m))
        y_pred = np.where(rng.random((1, m)) < 0.6, y_true, rng.integers(0, C, size=(1, m)))
        M = ref.confusion_matrix(y_true, y_pred, C)
        if M.sum(axis=1).min() > 0 and (M > 0).sum(axis=1).max() > 1 and M.max() > 1:
            break
    return y_true, y_pred


ROWS_HINT = "y_true has shape (1, m): zip over y_true[0], y_pred[0], or ravel them."


ROWS_LOOP = (
    "arrays can be converted|truth value",
    f"A loop over zip(y_true, y_pred) runs once, over whole rows: {ROWS_HINT}",
)


@exercise("confusion_matrix")
def _confusion_matrix(candidate, rng):
    """Counts C[true, predicted] for every pair of classes."""
    sizes = [(2, 4), (2, 6), (3, 20), (int(rng.integers(4, 8)), int(rng.integers(30, 60)))]
    sizes.append((10, int(rng.integers(200, 400))))
    for index, (C, m) in enumerate(sizes):
        top = C - 1 if index == 3 else C  # case 3: the last class occurs nowhere
        y_true, y_pred = _labels(rng, top, m)
        case = (
            f"with C={C}, y_true={show(y_true, 12)} and y_pred={show(y_pred, 12)}, shapes (1, {m})."
        )
        got = call(candidate, "confusion_matrix", y_true, y_pred, C, hints=[ROWS_LOOP])
        expected = ref.confusion_matrix(y_true, y_pred, C)
        once = np.zeros((C, C))
        once[y_true[0], y_pred[0]] = 1
        shape = getattr(got, "shape", None)
        if shape is not None and shape != (C, C) and len(shape) == 2 and shape[0] == shape[1] < C:
            raise Mistake(
                f"the matrix is {shape}, expected (C, C) = {(C, C)}: use the argument C, not "
                "the largest label + 1 (a class may never occur).",
                case,
            )
        mistakes = [
            (
                "rows and columns are swapped: row i is the true class, column j the predicted "
                "one, M[i, j] = how many examples of class i were predicted as j.",
                expected.T,
            ),
            (
                "each (true, predicted) pair is counted at most once: with fancy indexing, "
                "M[y_true, y_pred] += 1 does not add up repeated pairs, and neither does "
                "a loop over zip(y_true, y_pred), which runs once, over whole rows. Use "
                f"np.add.at(M, (y_true, y_pred), 1), or loop over the examples: {ROWS_HINT}",
                once,
            ),
            (f"the matrix is all zeros: count each example once. {ROWS_HINT}", 0 * expected),
            (
                "the entries should be counts, not fractions of each row.",
                expected / np.maximum(expected.sum(axis=1, keepdims=True), 1),
            ),
            ("the entries should be counts, not fractions of m.", expected / m),
        ]
        expect_array(got, expected, "the confusion matrix", mistakes, case)
    return len(sizes)

"""The lesson-08 checkers and references: correct answers pass, typical mistakes get their diagnosis."""

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.checks import run_check
from tests.checking import fails_with, passes


def misbehaves(exercise_id, candidate):
    result = run_check(exercise_id, candidate, seed=0)
    assert not result.passed and result.messages and result.messages[0]


# --- standardize -------------------------------------------------------------------------


def standardize_reshape(X_train, X):
    channels = X_train.reshape(3, -1)
    mean = channels.mean(axis=1).astype(X.dtype)
    std = channels.std(axis=1).astype(X.dtype)
    P = X_train.shape[0] // 3
    return (X - np.repeat(mean, P)[:, None]) / np.repeat(std, P)[:, None]


def standardize_3d(X_train, X):
    n_x, k = X.shape
    train = X_train.reshape(3, n_x // 3, -1)
    mean = train.mean(axis=(1, 2), keepdims=True)
    std = train.std(axis=(1, 2), keepdims=True)
    return ((X.reshape(3, n_x // 3, k) - mean) / (std + 1e-6)).reshape(n_x, k)


def standardize_loop(X_train, X):
    P = X_train.shape[0] // 3
    out = X.copy()
    for c in range(3):
        rows = slice(c * P, (c + 1) * P)
        out[rows] = (X[rows] - X_train[rows].mean()) / X_train[rows].std(ddof=1)
    return out


@pytest.mark.parametrize(
    "candidate", [ref.standardize, standardize_reshape, standardize_3d, standardize_loop]
)
def test_standardize_accepts_correct_answers(candidate):
    passes("standardize", candidate)


def channel_stats(X, P):
    mean = np.repeat(X.reshape(3, -1).mean(axis=1), P)[:, None]
    std = np.repeat(X.reshape(3, -1).std(axis=1), P)[:, None]
    return mean, std


def own_statistics(X_train, X):
    mean, std = channel_stats(X, X.shape[0] // 3)
    return (X - mean) / std


def returns_train(X_train, X):
    return ref.standardize(X_train, X_train)


def interleaved(X_train, X):
    channels = X_train.reshape(-1, 3, X_train.shape[1])
    mean = channels.mean(axis=(0, 2))
    std = channels.std(axis=(0, 2))
    n = X.shape[0] // 3
    return (X - np.tile(mean, n)[:, None]) / np.tile(std, n)[:, None]


def per_pixel(X_train, X):
    return (X - X_train.mean(axis=1, keepdims=True)) / X_train.std(axis=1, keepdims=True)


def global_stats(X_train, X):
    return (X - X_train.mean()) / X_train.std()


def no_std(X_train, X):
    mean, _ = channel_stats(X_train, X.shape[0] // 3)
    return X - mean


def no_mean(X_train, X):
    _, std = channel_stats(X_train, X.shape[0] // 3)
    return X / std


def variance(X_train, X):
    mean, std = channel_stats(X_train, X.shape[0] // 3)
    return (X - mean) / std**2


def float64_result(X_train, X):
    return ref.standardize(X_train, X).astype(np.float64)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (own_statistics, ["statistics of X itself"]),
        (returns_train, ["returned X_train standardized"]),
        (interleaved, ["not every third row"]),
        (per_pixel, ["per pixel"]),
        (global_stats, ["for all three channels together"]),
        (no_std, ["divide by the standard deviation as well"]),
        (no_mean, ["subtract the mean as well"]),
        (variance, ["not by the variance"]),
        (float64_result, ["float64", "float32"]),
    ],
)
def test_standardize_diagnoses_mistakes(candidate, words):
    fails_with("standardize", candidate, *words)


def standardize_hard_coded(X_train, X):
    channels = X_train.reshape(3, 1024, -1)
    mean, std = channels.mean(axis=(1, 2), keepdims=True), channels.std(axis=(1, 2), keepdims=True)
    return ((X.reshape(3, 1024, -1) - mean) / std).reshape(3072, -1)


def test_standardize_hard_coded_sizes_get_a_hint():
    fails_with("standardize", standardize_hard_coded, "in terms of P", "raised ValueError")


def standardize_unrelated_error(X_train, X):
    return (X - X_train.mean(axis=1)[:, None]) @ X_train.std(axis=1)[:, None]


def test_standardize_hint_on_P_only_for_hard_coded_sizes():
    result = fails_with("standardize", standardize_unrelated_error, "raised ValueError")
    assert "in terms of P" not in "\n".join(result.messages)


def standardize_repeat_without_reshape(X_train, X):
    channels = X_train.reshape(3, -1)
    P = X_train.shape[0] // 3
    return (X - np.repeat(channels.mean(axis=1), P)) / np.repeat(channels.std(axis=1), P)


def test_standardize_flat_statistics():
    fails_with(
        "standardize",
        standardize_repeat_without_reshape,
        "mean and std must be columns of shape (3P, 1) to broadcast over the examples",
    )


def test_standardize_not_written():
    def blank(X_train, X):
        raise NotImplementedError("Exercise standardize")

    result = run_check("standardize", blank)
    assert result.not_written and "not written yet" in result.messages[0]


def standardize_in_place(X_train, X):
    X -= X_train.mean()
    return X


@pytest.mark.parametrize(
    "candidate",
    [
        lambda X_train, X: None,
        lambda X_train, X: 1 / 0,
        lambda X_train, X: "X",
        lambda X_train, X: X * np.nan,
        standardize_in_place,
        np.ones((3, 2)),
    ],
    ids=["none", "raises", "string", "nan", "in-place", "not-callable"],
)
def test_standardize_misbehaving_answers_fail_without_raising(candidate):
    misbehaves("standardize", candidate)


def test_reference_standardize_by_hand():
    # P = 2 pixels: red values 0 2 2 4 (mean 2, std sqrt 2), green 1 3 1 3 (mean 2, std 1),
    # blue 0 0 4 0 (mean 1, std sqrt 3)
    X_train = np.array([[0.0, 2.0], [2.0, 4.0], [1.0, 3.0], [1.0, 3.0], [0.0, 0.0], [4.0, 0.0]])
    X = np.array([[3.0], [1.0], [2.0], [4.0], [1.0], [0.0]])
    expected = [1 / np.sqrt(2), -1 / np.sqrt(2), 0, 2, 0, -1 / np.sqrt(3)]
    np.testing.assert_allclose(ref.standardize(X_train, X).ravel(), expected)
    got32 = ref.standardize(X_train.astype(np.float32), X.astype(np.float32))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32.ravel(), expected, rtol=1e-6)
    assert not np.shares_memory(ref.standardize(X_train, X), X)


# --- zca_matrix --------------------------------------------------------------------------


def centered(X):
    X = X.astype(np.float64)
    return X - X.mean(axis=1, keepdims=True)


def zca_svd(X, epsilon):
    U, s, _ = np.linalg.svd(centered(X) / np.sqrt(X.shape[1]))
    lam = np.zeros(X.shape[0])
    lam[: s.size] = s**2  # with more rows than images, the other directions have variance 0
    return ((U / np.sqrt(lam + epsilon)) @ U.T).astype(X.dtype)


def zca_reduced_svd(X, epsilon):
    U, s, _ = np.linalg.svd(centered(X) / np.sqrt(X.shape[1]), full_matrices=False)
    return ((U / np.sqrt(s**2 + epsilon)) @ U.T).astype(X.dtype)


def zca_cov_bias(X, epsilon):
    lam, U = np.linalg.eigh(np.cov(X, bias=True))
    return (U @ np.diag(1 / np.sqrt(lam + epsilon)) @ U.T).astype(X.dtype)


def zca_cov_sample(X, epsilon):
    lam, U = np.linalg.eigh(np.cov(X))  # divides by m - 1: accepted
    return (U @ np.diag(1 / np.sqrt(lam + epsilon)) @ U.T).astype(X.dtype)


def zca_einsum(X, epsilon):
    Xc = centered(X)
    lam, U = np.linalg.eigh(np.einsum("im,jm->ij", Xc, Xc) / X.shape[1])
    return np.einsum("ik,k,jk->ij", U, 1 / np.sqrt(lam + epsilon), U).astype(X.dtype)


def zca_float32(X, epsilon):
    Xc = X - X.mean(axis=1, keepdims=True)
    lam, U = np.linalg.eigh(Xc @ Xc.T / X.shape[1])
    return (U * (1 / np.sqrt(lam + epsilon))) @ U.T


@pytest.mark.parametrize(
    "candidate", [ref.zca_matrix, zca_svd, zca_cov_bias, zca_cov_sample, zca_einsum, zca_float32]
)
def test_zca_matrix_accepts_correct_answers(candidate):
    passes("zca_matrix", candidate)


def zca_from(C, epsilon, scale=None, order="U D U^T"):
    lam, U = np.linalg.eigh(C)
    d = (1 / np.sqrt(lam + epsilon)) if scale is None else scale(lam, epsilon)
    if order == "PCA":
        return np.diag(d) @ U.T
    if order == "U^T D U":
        return U.T @ np.diag(d) @ U
    return U @ np.diag(d) @ U.T


def covariance(X):
    Xc = centered(X)
    return Xc @ Xc.T / X.shape[1]


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda X, e: zca_from(X @ X.T / X.shape[1], e), ["without centering"]),
        (
            lambda X, e: zca_from(covariance(X), e, lambda l, e: 1 / np.sqrt(l)),
            ["epsilon is missing"],
        ),
        (
            lambda X, e: zca_from(covariance(X), e, lambda l, e: 1 / (np.sqrt(l) + e)),
            ["inside the square root"],
        ),
        (
            lambda X, e: zca_from(covariance(X), e, lambda l, e: 1 / np.sqrt(l) + e),
            ["inside the square root"],
        ),
        (lambda X, e: zca_from(covariance(X), e, lambda l, e: 1 / (l + e)), ["need a square root"]),
        (lambda X, e: zca_from(covariance(X), e, order="PCA"), ["PCA whitening"]),
        (lambda X, e: zca_from(covariance(X), e, order="U^T D U"), ["COLUMNS of U"]),
        (lambda X, e: zca_from(centered(X).T @ centered(X) / X.shape[1], e), ["wrong axis"]),
        (lambda X, e: zca_from(covariance(X), e), ["float64", "float32"]),
        (zca_reduced_svd, ["more pixels than images", "reduced SVD", "1 / sqrt(0 + epsilon)"]),
    ],
    ids=[
        "not-centered",
        "no-epsilon",
        "epsilon-outside",
        "epsilon-added",
        "inverse-variance",
        "pca",
        "rows-columns",
        "wrong-axis",
        "float64",
        "reduced-svd",
    ],
)
def test_zca_matrix_diagnoses_mistakes(candidate, words):
    fails_with("zca_matrix", candidate, *words)


def zca_in_place(X, epsilon):
    X -= X.mean(axis=1, keepdims=True)
    return ref.zca_matrix(X, epsilon)


@pytest.mark.parametrize(
    "candidate",
    [
        lambda X, e: None,
        lambda X, e: 1 / 0,
        lambda X, e: "W",
        lambda X, e: ref.zca_matrix(X, e) * np.nan,
        lambda X, e: np.eye(X.shape[0]),
        zca_in_place,
    ],
    ids=["none", "raises", "string", "nan", "identity", "in-place"],
)
def test_zca_matrix_misbehaving_answers_fail_without_raising(candidate):
    misbehaves("zca_matrix", candidate)


def test_reference_zca_matrix_whitens():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 6)) @ rng.standard_normal((6, 500)) + 3
    W = ref.zca_matrix(X, 0.0)
    Z = W @ (X - X.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(Z @ Z.T / X.shape[1], np.eye(6), atol=1e-8)
    np.testing.assert_allclose(W, W.T)
    W32 = ref.zca_matrix(X.astype(np.float32), 0.1)
    assert W32.dtype == np.float32
    np.testing.assert_allclose(W32, ref.zca_matrix(X, 0.1), rtol=1e-4, atol=1e-5)


def test_reference_covariance_in_chunks_matches_np_cov():
    rng = np.random.default_rng(1)
    X = rng.random((5, 103)).astype(np.float32)
    C, mean = ref.covariance(X, chunk=10)
    np.testing.assert_allclose(C, np.cov(X.astype(np.float64), bias=True), rtol=1e-5)
    np.testing.assert_allclose(mean.ravel(), X.mean(axis=1), rtol=1e-6)


# --- predict_classes ---------------------------------------------------------------------


def predict_sigmoid_argmax(X, parameters):
    AL, _ = ref.L_model_forward(X, parameters)  # sigmoid is monotonic: same argmax
    return np.argmax(AL, axis=0).reshape(1, -1)


def predict_loop(X, parameters):
    L = len(parameters) // 2
    A = X
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], A) + parameters[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else Z
    return np.array([[int(np.argmax(A[:, j])) for j in range(X.shape[1])]])


@pytest.mark.parametrize("candidate", [ref.predict_classes, predict_sigmoid_argmax, predict_loop])
def test_predict_classes_accepts_correct_answers(candidate):
    passes("predict_classes", candidate)


def softmax_output(X, parameters):
    AL, _ = ref.L_model_forward(X, parameters, output_activation="softmax")
    return AL


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda X, p: softmax_output(X, p).argmax(axis=0), ["keep the row dimension"]),
        (lambda X, p: softmax_output(X, p).max(axis=0, keepdims=True), ["not the classes"]),
        (lambda X, p: softmax_output(X, p).argmax(axis=1), ["over axis 1"]),
        (lambda X, p: softmax_output(X, p).argmax(axis=0, keepdims=True) + 1, ["from 0"]),
        (lambda X, p: (softmax_output(X, p) > 0.5).astype(int), ["binary rule"]),
        (lambda X, p: ref.predict(X, p), ["binary rule"]),
        (lambda X, p: ref.predict_classes(X, p).astype(float), ["integers"]),
    ],
    ids=["no-keepdims", "max", "axis1", "plus-one", "threshold", "binary-predict", "floats"],
)
def test_predict_classes_diagnoses_mistakes(candidate, words):
    fails_with("predict_classes", candidate, *words)


@pytest.mark.parametrize(
    "candidate",
    [lambda X, p: None, lambda X, p: p["W9"], lambda X, p: [[0]], lambda X, p: p.clear()],
    ids=["none", "raises", "list", "mutates"],
)
def test_predict_classes_misbehaving_answers_fail_without_raising(candidate):
    misbehaves("predict_classes", candidate)


# --- confusion_matrix --------------------------------------------------------------------


def confusion_add_at(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=int)
    np.add.at(M, (y_true.ravel(), y_pred.ravel()), 1)
    return M


def confusion_loop(y_true, y_pred, C):
    M = np.zeros((C, C))
    for t, p in zip(y_true[0], y_pred[0], strict=True):
        M[t, p] += 1
    return M


def confusion_onehot(y_true, y_pred, C):
    return ref.one_hot(y_true, C) @ ref.one_hot(y_pred, C).T


def confusion_histogram(y_true, y_pred, C):
    M, _, _ = np.histogram2d(y_true.ravel(), y_pred.ravel(), bins=C, range=[[0, C], [0, C]])
    return M.astype(int)


@pytest.mark.parametrize(
    "candidate",
    [ref.confusion_matrix, confusion_add_at, confusion_loop, confusion_onehot, confusion_histogram],
)
def test_confusion_matrix_accepts_correct_answers(candidate):
    passes("confusion_matrix", candidate)


def zip_rows(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        M[t, p] += 1
    return M


def zip_rows_int(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        M[int(t), int(p)] += 1
    return M


def zip_rows_chained(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        M[t][p] += 1
    return M


def row_fractions(y_true, y_pred, C):
    M = ref.confusion_matrix(y_true, y_pred, C)
    return M / M.sum(axis=1, keepdims=True)


def fancy_index_once(y_true, y_pred, C):
    M = np.zeros((C, C), dtype=int)
    M[y_true, y_pred] += 1
    return M


def labels_max(y_true, y_pred, C):
    n = int(max(y_true.max(), y_pred.max())) + 1
    return ref.confusion_matrix(y_true, y_pred, n)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda t, p, C: ref.confusion_matrix(t, p, C).T, ["swapped"]),
        (fancy_index_once, ["np.add.at"]),
        (
            lambda t, p, C: (
                ref.confusion_matrix(t, p, C)
                / np.maximum(ref.confusion_matrix(t, p, C).sum(axis=1, keepdims=True), 1)
            ),
            ["counts, not fractions"],
        ),
        (lambda t, p, C: ref.confusion_matrix(t, p, C) / t.size, ["counts, not fractions"]),
        (labels_max, ["use the argument C"]),
        (zip_rows, ["zip over y_true[0], y_pred[0]"]),
        (zip_rows_int, ["raised TypeError", "zip over y_true[0], y_pred[0]"]),
        (zip_rows_chained, ["all zeros", "zip over y_true[0], y_pred[0]"]),
        (row_fractions, ["counts, not fractions of each row"]),
    ],
    ids=[
        "transposed",
        "fancy-index",
        "row-fractions",
        "fractions",
        "labels-max",
        "zip-rows",
        "zip-rows-int",
        "zip-rows-chained",
        "row-fractions-nan",
    ],
)
def test_confusion_matrix_diagnoses_mistakes(candidate, words):
    fails_with("confusion_matrix", candidate, *words)


@pytest.mark.parametrize(
    "candidate",
    [lambda t, p, C: None, lambda t, p, C: t[5, 5], lambda t, p, C: "M", lambda t, p, C: t.sort()],
    ids=["none", "raises", "string", "mutates"],
)
def test_confusion_matrix_misbehaving_answers_fail_without_raising(candidate):
    misbehaves("confusion_matrix", candidate)


def test_reference_confusion_matrix_by_hand():
    y_true = np.array([[0, 0, 1, 2, 2, 2]])
    y_pred = np.array([[0, 1, 1, 2, 0, 2]])
    expected = [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]
    np.testing.assert_array_equal(ref.confusion_matrix(y_true, y_pred, 4), expected)


# --- channel layouts and the covariance ---------------------------------------------


def standardize_laid_out(stats_by, layout):
    """standardize whose channel statistics come from ``stats_by`` rows, spread by ``layout``."""

    def standardize(X_train, X):
        P = X_train.shape[0] // 3
        groups = X_train.reshape(3, -1) if stats_by == "blocks" else X_train.reshape(P, 3, -1)
        axes = 1 if stats_by == "blocks" else (0, 2)
        mean, std = groups.mean(axis=axes), groups.std(axis=axes)
        spread = np.tile if layout == "tile" else np.repeat
        return ((X - spread(mean, P)[:, None]) / spread(std, P)[:, None]).astype(X.dtype)

    return standardize


def zca_centered(axis, divide=True):
    def zca_matrix(X, epsilon):
        Xc = X - X.mean(axis=axis, keepdims=True)
        C = Xc @ Xc.T / (X.shape[1] if divide else 1)
        lam, U = np.linalg.eigh(C)
        return ((U / np.sqrt(np.maximum(lam, 0) + epsilon)) @ U.T).astype(X.dtype)

    return zca_matrix


def test_standardize_by_blocks_and_repeat_passes():
    passes("standardize", standardize_laid_out("blocks", "repeat"))


def test_zca_by_eigh_passes():
    passes("zca_matrix", zca_centered(axis=1))


@pytest.mark.parametrize(
    ("exercise_id", "candidate", "words"),
    [
        (
            "standardize",
            standardize_laid_out("blocks", "tile"),
            ["laid out interleaved", "np.tile", "np.repeat(mean, P)"],
        ),
        (
            "standardize",
            standardize_laid_out("every third row", "repeat"),
            ["every third row", "X_train.reshape(3, P, m)"],
        ),
        ("zca_matrix", zca_centered(axis=1, divide=False), ["not divided by m", "Xc Xc^T / m"]),
        ("zca_matrix", zca_centered(axis=0), ["own mean (axis=0)", "X.mean(axis=1"]),
    ],
    ids=["stats tiled", "interleaved stats in blocks", "covariance without 1/m", "per image"],
)
def test_lesson_08_layouts_and_covariance_are_named(exercise_id, candidate, words):
    fails_with(exercise_id, candidate, *words)

"""nnutils.engine.preprocess: lesson 08's pipeline standardizes, whitens, and keeps float32."""

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.engine.preprocess import EPSILON, Whitening, prepare, whitened_per_epsilon


def test_prepare_standardizes_whitens_and_keeps_float32():
    rng = np.random.default_rng(0)
    mixing = rng.standard_normal((12, 12))
    X = (mixing @ rng.random((12, 300)) + 2).astype(np.float32)
    X_other = (mixing @ rng.random((12, 40)) + 2).astype(np.float32)
    expected_std = ref.standardize(X, X)
    W = ref.zca_matrix(expected_std, 0.5)
    lam = np.linalg.eigvalsh(np.cov(expected_std.astype(np.float64), bias=True))
    gain = np.sqrt(lam.size / np.sum(lam / (lam + 0.5)))
    expected = gain * W @ (expected_std - expected_std.mean(axis=1, keepdims=True))
    train, other, whitening = prepare(X.copy(), X_other, epsilon=0.5)
    assert train.dtype == other.dtype == whitening.W.dtype == np.float32
    assert np.mean(train**2) == pytest.approx(1, rel=1e-3)  # the gain: average variance 1
    np.testing.assert_allclose(train, expected, rtol=1e-3, atol=1e-4)
    copy_in = X.copy()
    train_in_place, _ = prepare(copy_in, epsilon=0.5, in_place=True)[:2]
    assert train_in_place is copy_in
    np.testing.assert_allclose(train_in_place, expected, rtol=1e-3, atol=1e-4)
    only_std, _ = prepare(X, zca=False)[:2]
    np.testing.assert_allclose(only_std, expected_std, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("zca", [True, False])
def test_saved_whitening_transforms_new_images_as_prepare_did(tmp_path, zca):
    """Lesson 09 rebuilds lesson 08's inputs from the saved file: the very same numbers."""
    rng = np.random.default_rng(1)
    X = (rng.random((12, 200)) * 3 + 1).astype(np.float32)
    X_new = (rng.random((12, 30)) * 3 + 1).astype(np.float32)
    _, new, whitening = prepare(X, X_new, epsilon=0.5, zca=zca)
    assert (whitening.W is not None) == zca
    whitening.save(tmp_path / "whitening.npz")
    loaded = Whitening.load(tmp_path / "whitening.npz")
    before = X_new.copy()
    np.testing.assert_array_equal(loaded.transform(X_new), new)
    np.testing.assert_array_equal(X_new, before)  # the images given are left as they were


def test_whitened_per_epsilon_whitens_with_the_subsets_statistics():
    """Channel statistics of all training images; ZCA, its mean and gain of the subset's."""
    rng = np.random.default_rng(2)
    X = (rng.standard_normal((12, 12)) @ rng.random((12, 80)) + 2).astype(np.float32)
    X_val = (rng.random((12, 20)) * 3).astype(np.float32)
    std_sub, std_val = ref.standardize(X, X[:, :50]), ref.standardize(X, X_val)
    mean = std_sub.mean(axis=1, keepdims=True)
    lam = np.linalg.eigvalsh(np.cov(std_sub.astype(np.float64), bias=True))
    seen = []
    for epsilon, X_sub, X_val_white in whitened_per_epsilon(X, X_val, [0.5, EPSILON], subset=50):
        seen.append(epsilon)
        assert X_sub.shape == (12, 50) and X_sub.dtype == X_val_white.dtype == np.float32
        W = np.sqrt(lam.size / np.sum(lam / (lam + epsilon))) * ref.zca_matrix(std_sub, epsilon)
        np.testing.assert_allclose(X_sub, W @ (std_sub - mean), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(X_val_white, W @ (std_val - mean), rtol=1e-3, atol=1e-4)
    assert seen == [0.5, EPSILON]


def bar_lines(text):
    """The states a text tqdm bar went through, in order."""
    return [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]


def test_prepare_shows_a_bar_first_that_names_each_stage(capsys):
    rng = np.random.default_rng(0)
    X_train = rng.random((3 * 16, 300), dtype=np.float32)
    prepare(X_train, rng.random((3 * 16, 50), dtype=np.float32), progress=True)
    states = bar_lines(capsys.readouterr().err)
    assert states[0].startswith("prepare:") and "0%|" in states[0], states[0]
    for stage in ("standardize", "covariance", "eigendecomposition", "whiten"):
        assert any(f"prepare: {stage}:" in state for state in states), (stage, states)
    assert "100%|" in states[-1], states[-1]


def test_whitened_per_epsilon_shows_a_bar_before_its_first_result(capsys):
    rng = np.random.default_rng(0)
    X = rng.random((3 * 16, 300), dtype=np.float32)
    runs = whitened_per_epsilon(X[:, :250], X[:, 250:], [1.0, 10.0], subset=100, progress=True)
    next(runs)
    states = bar_lines(capsys.readouterr().err)
    assert states[0].startswith("whitening:") and "0%|" in states[0], states[0]
    assert "eigendecomposition" in " ".join(states)
    list(runs)
    assert "100%|" in bar_lines(capsys.readouterr().err)[-1]


def test_prepare_is_silent_by_default(capsys):
    X = np.random.default_rng(0).random((3 * 16, 100), dtype=np.float32)
    prepare(X)
    assert capsys.readouterr().err == ""

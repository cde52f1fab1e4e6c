"""The fast training path: schedule, targets, augmentation, in-place updates, a real training run."""

import copy

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.engine.augment import flip_and_crop
from nnutils.engine.train import (
    Optimizer,
    accuracy,
    learning_rate_at,
    soft_targets,
    train_classifier,
    train_step,
)


def test_learning_rate_warms_up_then_decays_to_zero():
    rates = [learning_rate_at(step, 100, 10, 0.5) for step in range(100)]
    assert rates[0] == pytest.approx(0.05)
    assert rates[9] == pytest.approx(0.5)
    assert all(a >= b for a, b in zip(rates[9:], rates[10:], strict=False))
    assert rates[-1] < 0.01


def test_soft_targets_are_distributions_with_smoothing():
    Y = soft_targets(np.array([0, 2, 1]), 4, 0.2, np.float32)
    assert Y.shape == (4, 3) and Y.dtype == np.float32
    np.testing.assert_allclose(Y.sum(axis=0), 1, rtol=1e-6)
    assert Y[2, 1] == pytest.approx(0.8 + 0.05) and Y[0, 1] == pytest.approx(0.05)


def test_flip_and_crop_moves_pixels_within_the_padding():
    rng = np.random.default_rng(0)
    batch = np.zeros((64, 3 * 8 * 8), dtype=np.float32)
    images = batch.reshape(64, 3, 8, 8)
    images[:, :, 4, 3] = 1.0  # one bright pixel in every channel
    before = batch.copy()
    out = flip_and_crop(batch, rng, shape=(3, 8, 8), pad=2)
    np.testing.assert_array_equal(batch, before)
    assert out.shape == batch.shape and out.dtype == np.float32
    moved = out.reshape(64, 3, 8, 8)
    for image in moved:
        assert np.array_equal(image[0], image[1]) and np.array_equal(image[0], image[2])
        ys, xs = np.nonzero(image[0])
        assert len(ys) <= 1  # shifted, possibly out of the frame, never duplicated
        if len(ys):
            assert abs(ys[0] - 4) <= 2 and min(abs(xs[0] - 3), abs(xs[0] - (7 - 3))) <= 2
    assert len({m.tobytes() for m in moved}) > 5  # the offsets vary


def test_flip_and_crop_without_padding_only_mirrors():
    rng = np.random.default_rng(1)
    batch = rng.standard_normal((32, 3 * 4 * 4))
    out = flip_and_crop(batch, rng, shape=(3, 4, 4), pad=0).reshape(32, 3, 4, 4)
    images = batch.reshape(32, 3, 4, 4)
    flipped = [np.array_equal(o, i[:, :, ::-1]) for o, i in zip(out, images, strict=True)]
    kept = [np.array_equal(o, i) for o, i in zip(out, images, strict=True)]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert 0 < sum(flipped) < 32


def _pure_step(name, parameters, grads, state, t):
    """One step of the pure (copying) reference update; returns (parameters, state)."""
    if name == "gd":
        return ref.update_parameters(parameters, grads, 0.1), state
    if name == "momentum":
        parameters, v = ref.update_parameters_with_momentum(parameters, grads, state[0], 0.9, 0.1)
        return parameters, (v,)
    parameters, v, s = ref.update_parameters_with_adam(parameters, grads, *state, t, 0.1)
    return parameters, (v, s)


@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
def test_in_place_updates_match_the_pure_ones(name):
    rng = np.random.default_rng(2)
    parameters = ref.initialize_parameters_deep([5, 4, 3], rng)
    grads = {f"d{k}": rng.standard_normal(v.shape) for k, v in parameters.items()}
    state = {"gd": (), "momentum": (ref.initialize_velocity(parameters),)}.get(
        name, ref.initialize_adam(parameters)
    )
    owned = copy.deepcopy(parameters)
    optimizer = Optimizer(name, owned)
    pure = parameters
    for t in range(1, 4):
        pure, state = _pure_step(name, pure, grads, state, t)
        assert optimizer.step(owned, grads, 0.1) is owned
    for key in pure:
        np.testing.assert_allclose(owned[key], pure[key], rtol=1e-12)
    assert not np.array_equal(parameters["W1"], pure["W1"]), "the pure update changed its input"


def test_backward_without_input_gradient_drops_only_dA0():
    rng = np.random.default_rng(3)
    parameters = ref.initialize_parameters_deep([6, 5, 4, 3], rng)
    X = rng.standard_normal((6, 8))
    Y = ref.one_hot(rng.integers(0, 3, 8), 3)
    AL, caches = ref.L_model_forward(X, parameters, output_activation="softmax")
    full = ref.L_model_backward(AL, Y, caches)
    lean = ref.L_model_backward(AL, Y, caches, input_gradient=False)
    assert set(full) - set(lean) == {"dA0"}
    for key in lean:
        np.testing.assert_allclose(lean[key], full[key])


def test_train_step_lowers_the_cost_and_keeps_float32():
    rng = np.random.default_rng(4)
    batch = rng.standard_normal((64, 20)).astype(np.float32)
    labels = rng.integers(0, 3, 64)
    parameters = ref.initialize_parameters_deep([20, 16, 3], rng, dtype=np.float32)
    optimizer = Optimizer("momentum", parameters)
    costs = []
    for _ in range(30):
        parameters, cost, _ = train_step(parameters, batch, labels, optimizer, 0.5)
        costs.append(cost)
    assert costs[-1] < 0.5 * costs[0]
    assert all(P.dtype == np.float32 for P in parameters.values())


def test_train_classifier_learns_separable_images():
    rng = np.random.default_rng(5)
    m, C = 600, 3
    labels = rng.integers(0, C, m)
    colors = rng.standard_normal((C, 3, 1)).astype(np.float32)
    means = np.repeat(colors, 32 * 32, axis=2).reshape(C, 3072)  # flips and crops keep a color
    rows = means[labels] + rng.standard_normal((m, 3072)).astype(np.float32)
    X, y = rows.T, labels.reshape(1, -1)
    parameters, history = train_classifier(
        X[:, :500],
        y[:, :500],
        [3072, 32, C],
        X_val=X[:, 500:],
        y_val=y[:, 500:],
        epochs=3,
        batch_size=64,
        learning_rate=0.05,
        rng=0,
        progress=False,
    )
    assert len(history["cost"]) == len(history["val_accuracy"]) == len(history["seconds"]) == 3
    assert history["cost"][-1] < history["cost"][0]
    assert history["val_accuracy"][-1] > 0.8
    assert accuracy(X[:, 500:], y[:, 500:], parameters) == history["val_accuracy"][-1]
    assert all(P.dtype == np.float32 for P in parameters.values())


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        Optimizer("rmsprop", {})


# --- one pipeline for lesson 08 and the benchmark ------------------------------------------


def _benchmark_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "cifar10_accuracy.py"
    spec = importlib.util.spec_from_file_location("cifar10_accuracy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_and_lesson_08_run_the_same_pipeline():
    import ast
    from pathlib import Path

    import nbformat

    from nnutils.engine import preprocess, train

    benchmark = _benchmark_module()
    prepare, trainer = benchmark.PIPELINE
    assert prepare is preprocess.prepare and trainer is train.train_classifier
    assert benchmark.CONFIGS["lesson"] is train.LESSON_CONFIG
    assert not hasattr(benchmark, "standardize_in_place")
    lesson = nbformat.read(Path(__file__).parents[1] / "solutions" / "08_cifar10.ipynb", 4)
    tree = ast.parse("\n".join(c.source for c in lesson.cells if c.cell_type == "code"))
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert {
        ("nnutils.engine.preprocess", "prepare"),
        ("nnutils.engine.train", "train_classifier"),
    } <= imported
    (prepare_call,) = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "prepare"
    ]
    # the lesson's whole training set goes through the pipeline, and the model trains on it
    assert [ast.unparse(arg) for arg in prepare_call.args][:1] == ["X_train_raw"]
    # with the benchmark's epsilon (full validation runs chose it), not a short sweep's favourite
    keywords = {k.arg: ast.unparse(k.value) for k in prepare_call.keywords}
    assert keywords["epsilon"] == "EPSILON"
    assert ("nnutils.engine.preprocess", "EPSILON") in imported
    assert any(
        isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "train_classifier"
        and [ast.unparse(arg) for arg in node.args] == ["X_train", "y_train"]
        for node in ast.walk(tree)
    )


def test_prepare_standardizes_whitens_and_keeps_float32():
    from nnutils.engine.preprocess import prepare

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
    from nnutils.engine.preprocess import Whitening, prepare

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

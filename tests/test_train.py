"""The fast training path: schedule, targets, in-place updates, a real run; one pipeline for lesson 08 and its benchmark."""

import copy
import io
import json
import re

import numpy as np
import pytest
import tqdm.notebook
import tqdm.std

from nnutils import reference as ref
from nnutils.engine.train import (
    Optimizer,
    accuracy,
    learning_rate_at,
    progress_bar,
    show_epoch,
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


@pytest.mark.parametrize("name", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_backward_step_is_backward_then_step(name, weight_decay):
    """The update riding on the weight-gradient products (gd, momentum) is the plain one."""
    rng = np.random.default_rng(6)
    parameters = ref.initialize_parameters_deep([7, 6, 5, 3], rng)
    plain, fused = copy.deepcopy(parameters), copy.deepcopy(parameters)
    plain_opt, fused_opt = Optimizer(name, plain), Optimizer(name, fused)
    for _ in range(3):
        X = rng.standard_normal((11, 7)).T  # a transposed row array, as the trainer's batches
        Y = ref.one_hot(rng.integers(0, 3, 11), 3)
        AL, caches = ref.L_model_forward(X, plain, output_activation="softmax")
        grads = ref.L_model_backward(AL, Y, caches, "softmax", input_gradient=False)
        plain_opt.step(plain, grads, 0.3, weight_decay)
        AL, caches = ref.L_model_forward(X, fused, output_activation="softmax")
        assert fused_opt.backward_step(AL, Y, caches, fused, 0.3, weight_decay) is fused
    for key in parameters:
        np.testing.assert_allclose(fused[key], plain[key], rtol=1e-12, atol=1e-15, err_msg=key)
    for plain_state, fused_state in zip(plain_opt.state, fused_opt.state, strict=True):
        for key in plain_state:
            np.testing.assert_allclose(fused_state[key], plain_state[key], rtol=1e-12, atol=1e-15)


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


class FakeClock:
    """A clock that moves only when told: tqdm's bars read it instead of the real one."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_bar_ends_on_the_mean_rate_and_prints_numbers(monkeypatch):
    """Ten slow steps, then ninety fast ones, in JupyterLab's bar (tqdm.notebook): the closing
    rate is 100 steps over the run's 19 s (a smoothed rate shows the fast steps' 10 per
    second), and the postfix holds numbers, not lists."""
    from nnutils.engine import train

    clock = FakeClock()
    monkeypatch.setattr(tqdm.std, "time", clock)
    monkeypatch.setattr(train, "tqdm", tqdm.notebook.tqdm)
    bar = progress_bar(100, mininterval=0)
    for step in range(100):
        clock.now += 1.0 if step < 10 else 0.1  # 10 s, then 9 s
        bar.update()
    show_epoch(bar, {"cost": [1.23456], "val_accuracy": [0.4644]})
    bar.close()
    shown = bar.container.children[-1].value.replace("\u2007", " ")  # the label beside the bar
    assert "100/100" in shown, shown
    rate = float(re.search(r"([\d.]+)step/s", shown)[1])
    assert rate == pytest.approx(100 / 19, abs=0.01), shown
    assert "cost=1.235" in shown and "val=0.4644" in shown, shown


def test_the_bar_says_dash_without_validation():
    bar = progress_bar(1, file=io.StringIO())
    show_epoch(bar, {"cost": [0.5], "val_accuracy": []})
    assert bar.postfix == "cost=0.500, val=-"
    bar.close()


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        Optimizer("rmsprop", {})


# --- one pipeline for lesson 08 and the benchmark ------------------------------------------


def _benchmark_module(monkeypatch):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "cifar10_accuracy.py"
    monkeypatch.syspath_prepend(str(path.parent))  # as `python benchmarks/...` would
    spec = importlib.util.spec_from_file_location("cifar10_accuracy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Run first in the lesson's kernel: record what lesson 08 hands to the pipeline's two functions.
RECORDER = """
import json
import nnutils.engine.preprocess as _preprocess
import nnutils.engine.train as _train

_calls = []
_prepare, _train_classifier = _preprocess.prepare, _train.train_classifier


def _recording_prepare(X_train, *others, **options):
    outputs = _prepare(X_train, *others, **options)
    _calls.append(["prepare", X_train.shape[1], options.get("epsilon"), id(outputs[0])])
    return outputs


def _recording_train_classifier(X, y, **options):
    _calls.append(["train_classifier", X.shape[1], y.shape[1], id(X)])
    return _train_classifier(X, y, **options)


_preprocess.prepare, _train.train_classifier = _recording_prepare, _recording_train_classifier
"""


def test_benchmark_and_lesson_08_run_the_same_pipeline(monkeypatch):
    """The benchmark's pipeline is the engine's; lesson 08, run up to its training, whitens its
    whole training split once with EPSILON and trains its network on what that returned."""
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    from nnutils.engine import preprocess, train

    benchmark = _benchmark_module(monkeypatch)
    prepare, trainer = benchmark.PIPELINE
    assert prepare is preprocess.prepare and trainer is train.train_classifier
    assert benchmark.CONFIGS["lesson"] is train.LESSON_CONFIG

    lesson = nbformat.read(Path(__file__).parents[1] / "solutions" / "08_cifar10.ipynb", 4)
    cells = [c for c in lesson.cells if c.cell_type == "code"]
    last = max(
        i for i, c in enumerate(cells) if "parameters, history = train_classifier(" in c.source
    )
    lesson.cells = [
        nbformat.v4.new_code_cell(RECORDER),
        *cells[: last + 1],
        nbformat.v4.new_code_cell("print(json.dumps([_calls, int(y_train.shape[1]), EPSILON]))"),
    ]
    NotebookClient(lesson, timeout=300, kernel_name="python3").execute()
    calls, training_images, epsilon = json.loads(lesson.cells[-1].outputs[0]["text"])
    (whitened,) = [c for c in calls if c[0] == "prepare"]
    assert whitened[1:3] == [training_images, epsilon]
    assert calls[-1][:3] == ["train_classifier", training_images, training_images]
    assert calls[-1][3] == whitened[3], "the network does not train on the whitened images"

"""nnutils.gradcheck, its report's picture, and lesson 05b's check of a backward pass."""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from matplotlib.colors import to_hex

from nnutils import reference as ref
from nnutils.gradcheck import (
    gradient_check,
    gradient_check_report,
    gradients_to_vector,
    keys_of,
    model_cost,
    numerical_gradient,
    parameters_to_vector,
    relative_difference,
    vector_to_parameters,
    verdict,
)
from nnutils.grading.cases import random_network
from nnutils.plot import plot_gradient_check


@pytest.fixture
def network():
    """Parameters, X, Y and the backward pass's grads of a [4, 5, 3, 1] network, m = 6."""
    rng = np.random.default_rng(5)
    parameters, X, Y = random_network(rng, [4, 5, 3, 1], 6)
    AL, caches = ref.L_model_forward(X, parameters)
    return parameters, X, Y, ref.L_model_backward(AL, Y, caches)


def test_vectors_follow_the_key_order():
    parameters = {
        "b2": np.array([[7.0]]),
        "W1": np.array([[1.0, 2.0], [3.0, 4.0]]),
        "W2": np.array([[5.0, 6.0]]),
        "b1": np.array([[8.0], [9.0]]),
    }
    assert keys_of(parameters) == ["W1", "b1", "W2", "b2"]
    theta = parameters_to_vector(parameters)
    np.testing.assert_array_equal(theta, [1, 2, 3, 4, 8, 9, 5, 6, 7])
    assert theta.dtype == np.float64
    back = vector_to_parameters(theta, parameters)
    assert back.keys() == parameters.keys()
    for key, value in parameters.items():
        np.testing.assert_array_equal(back[key], value)
    grads = {f"d{key}": -value for key, value in parameters.items()} | {"dA0": np.ones((2, 3))}
    np.testing.assert_array_equal(gradients_to_vector(grads, parameters), -theta)


def test_model_cost_is_the_forward_pass_and_cost(network):
    parameters, X, Y, _ = network
    AL, _ = ref.L_model_forward(X, parameters)
    assert model_cost(parameters, X, Y) == ref.compute_cost(AL, Y)


def test_numerical_gradient_matches_backpropagation(network):
    parameters, X, Y, grads = network
    grad = gradients_to_vector(grads, parameters)
    assert relative_difference(grad, numerical_gradient(parameters, X, Y)) < 1e-7
    centered = relative_difference(grad, numerical_gradient(parameters, X, Y, 1e-4))
    one_sided = relative_difference(grad, numerical_gradient(parameters, X, Y, 1e-4, False))
    assert centered < 1e-8 < 1e-6 < one_sided


def test_relative_difference():
    a = np.array([3.0, 4.0])
    assert relative_difference(a, a) == 0
    assert relative_difference(a, -a) == 1
    assert relative_difference(a, 2 * a) == pytest.approx(1 / 3)


def test_gradient_check_and_report_find_a_planted_bug(network):
    parameters, X, Y, grads = network
    assert gradient_check(parameters, grads, X, Y) < 1e-7
    report = gradient_check_report(parameters, grads, X, Y)
    assert list(report) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert max(report.values()) < 1e-6
    broken = dict(grads, db2=grads["db2"] * 6)
    assert gradient_check(parameters, broken, X, Y) > 1e-3
    report = gradient_check_report(parameters, broken, X, Y)
    assert max(report, key=report.get) == "b2"
    assert all(report[key] < 1e-6 for key in report if key != "b2")


def test_verdict():
    assert verdict(1e-9).startswith("great")
    assert verdict(1e-6).startswith("ok-ish")
    assert verdict(1e-4).startswith("suspicious")
    assert verdict(0.2).startswith("likely a bug")


def test_plot_gradient_check_colors_bars_by_threshold():
    report = {"W1": 1e-9, "b1": 0.0, "W2": 1e-5, "b2": 0.3}
    ax = plot_gradient_check(report)
    bars = ax.patches
    assert [bar.get_height() for bar in bars] == [1e-9, 1e-16, 1e-5, 0.3]
    assert ax.get_yscale() == "log"
    colors = [to_hex(bar.get_facecolor()) for bar in bars]
    assert colors[0] == colors[1] != colors[2] != colors[3] != colors[0]
    plt.close(ax.figure)


def test_lesson_05b_backward_check_is_great_whatever_ran_before():
    """Lesson 05b's cell that checks the course's backward pass, over many seeds.

    Its network comes from a generator of its own, and its nonzero biases keep every ReLU off
    its kink (with b = 0, one example whose layer-1 units are all off put Z2 = b2 = 0 on it).
    ``GRADCHECK_SEEDS`` seeds (200 by default, 7 s; 1,000 gave "great" 1000 / 1000 too).
    """
    path = Path(__file__).parents[1] / "solutions" / "05b_gradient_checking.ipynb"
    notebook = nbformat.read(path, 4)
    (source,) = [c.source for c in notebook.cells if "np.random.default_rng(30)" in c.source]
    code = compile(source.replace("default_rng(30)", "default_rng(seed)"), "cell", "exec")
    lesson = {
        "np": np,
        "initialize_parameters_deep": ref.initialize_parameters_deep,
        "L_model_forward": ref.L_model_forward,
        "L_model_backward": ref.L_model_backward,
        "gradient_check": gradient_check,
        "verdict": verdict,
        "print": lambda text: None,
    }
    verdicts, seeds = {}, int(os.environ.get("GRADCHECK_SEEDS", 200))
    for seed in range(seeds):
        namespace = {**lesson, "seed": seed}
        exec(code, namespace)
        verdicts[seed] = verdict(namespace["difference"])
    bad = {seed: text for seed, text in verdicts.items() if not text.startswith("great")}
    assert not bad, f"{len(bad)} of {seeds} seeds: {dict(list(bad.items())[:3])}"

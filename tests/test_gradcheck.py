"""nnutils.gradcheck, and the checker of the gradient_check exercise."""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from matplotlib.colors import to_hex

from nnutils import reference as ref
from nnutils.checks import run_check
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

SEEDS = (0, 1, 2)


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


# --- the gradient_check exercise --------------------------------------------------------


def _perturbing_in_place(parameters, grads, X, Y, epsilon=1e-7):
    """Nudges each entry of the caller's arrays and puts the saved value back."""
    approx, grad = [], []
    for key in keys_of(parameters):
        P = parameters[key]
        for index in np.ndindex(P.shape):
            saved = P[index]
            P[index] = saved + epsilon
            J_plus = model_cost(parameters, X, Y)
            P[index] = saved - epsilon
            J_minus = model_cost(parameters, X, Y)
            P[index] = saved
            approx.append((J_plus - J_minus) / (2 * epsilon))
            grad.append(grads[f"d{key}"][index])
    approx, grad = np.array(approx), np.array(grad)
    return np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))


def _restoring_by_arithmetic(parameters, grads, X, Y, epsilon=1e-7):
    """Adds and subtracts epsilon: rounding may leave the parameters off by ~1e-17."""
    theta, approx = [], []
    for key in keys_of(parameters):
        flat = parameters[key].reshape(-1)
        for i in range(flat.size):
            flat[i] += epsilon
            J_plus = model_cost(parameters, X, Y)
            flat[i] -= 2 * epsilon
            J_minus = model_cost(parameters, X, Y)
            flat[i] += epsilon
            approx.append((J_plus - J_minus) / (2 * epsilon))
        theta.append(np.ravel(grads[f"d{key}"]))
    grad = np.concatenate(theta)
    return float(np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx)))


def _variant(numerator=None, approx_of=None, keys=None):
    """A vector-style gradient_check with planted mistakes."""

    def gradient_check(parameters, grads, X, Y, epsilon=1e-7):
        theta = parameters_to_vector(parameters)
        grad = gradients_to_vector(grads, parameters)
        count = theta.size if keys is None else sum(parameters[k].size for k in keys)
        approx = np.zeros(count)
        for i in range(count):
            plus, minus = theta.copy(), theta.copy()
            plus[i] += epsilon
            minus[i] -= epsilon
            J_plus = model_cost(vector_to_parameters(plus, parameters), X, Y)
            J_minus = model_cost(vector_to_parameters(minus, parameters), X, Y)
            J = model_cost(parameters, X, Y)
            approx[i] = (approx_of or (lambda p, m, j, e: (p - m) / (2 * e)))(
                J_plus, J_minus, J, epsilon
            )
        grad = grad[:count]
        gap = np.linalg.norm(grad - approx)
        return gap if numerator else gap / (np.linalg.norm(grad) + np.linalg.norm(approx))

    return gradient_check


def _loop(nudge, denominator=None):
    """A gradient_check whose loop body is ``nudge(theta, i, epsilon, J) -> (J_plus, J_minus)``."""

    def gradient_check(parameters, grads, X, Y, epsilon=1e-7):
        theta = parameters_to_vector(parameters)
        grad = gradients_to_vector(grads, parameters)
        approx = np.zeros_like(theta)

        def J(vector):
            return model_cost(vector_to_parameters(vector, parameters), X, Y)

        for i in range(theta.size):
            J_plus, J_minus = nudge(theta, i, epsilon, J)
            approx[i] = (J_plus - J_minus) / (2 * epsilon)
        gap = np.linalg.norm(grad - approx)
        if denominator == "norm of the sum":
            return float(gap / np.linalg.norm(grad + approx))
        return float(gap / (np.linalg.norm(grad) + np.linalg.norm(approx)))

    return gradient_check


def _no_copy(theta, i, epsilon, J):
    theta_plus = theta
    theta_plus[i] += epsilon
    J_plus = J(theta_plus)
    theta_minus = theta
    theta_minus[i] -= epsilon
    return J_plus, J(theta_minus)


def _no_copy_both_first(theta, i, epsilon, J):
    theta_plus = theta
    theta_plus[i] += epsilon
    theta_minus = theta
    theta_minus[i] -= epsilon
    return J(theta_plus), J(theta_minus)


def _minus_not_copied(theta, i, epsilon, J):
    theta_plus = np.copy(theta)
    theta_plus[i] += epsilon
    theta_minus = theta
    theta_minus[i] -= epsilon
    return J(theta_plus), J(theta_minus)


def _plus_not_copied(theta, i, epsilon, J):
    theta_plus = theta
    theta_plus[i] += epsilon
    theta_minus = np.copy(theta)
    theta_minus[i] -= epsilon
    return J(theta_plus), J(theta_minus)


def _centered_at(step):
    """Nudges theta by +-step(theta, i, epsilon), on copies."""

    def nudge(theta, i, epsilon, J):
        return J(theta + step(theta, i, epsilon)), J(theta - step(theta, i, epsilon))

    return nudge


def _basis(theta, index, epsilon):
    step = np.zeros_like(theta)
    step[index] = epsilon
    return step


_one_at_a_time = _centered_at(lambda theta, i, epsilon: _basis(theta, i, epsilon))


def _fixed_epsilon(parameters, grads, X, Y, epsilon=1e-7):
    return gradient_check(parameters, grads, X, Y, 1e-7)


def _not_restoring(parameters, grads, X, Y, epsilon=1e-7):
    parameters["W1"][0, 0] += epsilon
    return gradient_check(parameters, grads, X, Y, epsilon)


@pytest.mark.parametrize(
    "candidate",
    [
        gradient_check,
        _variant(),
        _perturbing_in_place,
        _restoring_by_arithmetic,
        _loop(_one_at_a_time),
    ],
)
def test_gradient_check_accepts(candidate):
    for seed in SEEDS:
        result = run_check("gradient_check", candidate, seed=seed)
        assert result.passed, f"seed {seed}: {result}"


GRADIENT_CHECK_MISTAKES = [
    (_variant(approx_of=lambda p, m, j, e: (p - j) / e), "one-sided"),
    (_variant(approx_of=lambda p, m, j, e: (p - m) / e), "twice the gradient"),
    (_variant(numerator=True), "relative difference"),
    (_variant(keys=["W1"]), "missed the error planted"),
    (_loop(_no_copy), "half the gradient", "same array", "np.copy"),
    (_loop(_plus_not_copied), "half the gradient", "same array", "np.copy"),
    (_loop(_minus_not_copied), "nudges accumulate", "np.copy"),
    (_loop(_no_copy_both_first), "0 everywhere", "same array", "np.copy"),
    (_loop(_centered_at(lambda theta, i, epsilon: _basis(theta, 0, epsilon))), "along θ[0]"),
    (_loop(_centered_at(lambda theta, i, epsilon: epsilon)), "all of θ at once"),
    (_loop(_one_at_a_time, "norm of the sum"), "more than 1", "np.linalg.norm(grad) + "),
    (_not_restoring, "left `parameters` changed"),
    (_fixed_epsilon, "ε = 1e-7 whatever epsilon is passed", "the argument epsilon"),
    (lambda *args: None, "None"),
    (lambda *args: [0.1], "should return a number"),
    (lambda *args: np.nan, "nan"),
    (lambda *args: 0.5, "expected about"),
]


@pytest.mark.parametrize(("candidate", "words"), [(c, w) for c, *w in GRADIENT_CHECK_MISTAKES])
def test_gradient_check_names_mistakes(candidate, words):
    for seed in SEEDS:
        result = run_check("gradient_check", candidate, seed=seed)
        assert not result.passed, f"seed {seed}: a wrong answer passed"
        for word in words:
            assert word in "\n".join(result.messages), f"seed {seed}: {result}"


def test_a_fixed_epsilon_fails_on_every_seed():
    """It once passed on most seeds: every case ran near ε = 1e-7, where the two agree."""
    for seed in range(int(os.environ.get("GRADCHECK_SEEDS", 200)) // 10):
        result = run_check("gradient_check", _fixed_epsilon, seed=seed)
        assert not result.passed, f"seed {seed}: a fixed epsilon passed"
        assert "whatever epsilon is passed" in result.messages[0], f"seed {seed}: {result}"


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

"""Checks of lesson 05b: the gradient_check exercise (its two questions are in ``questions``)."""

import copy

import numpy as np

from .. import reference as ref
from ..gradcheck import (
    GREAT,
    SUSPICIOUS,
    gradient_check,
    gradients_to_vector,
    model_cost,
    numerical_gradient,
    parameters_to_vector,
    relative_difference,
    vector_to_parameters,
)
from .api import exercise
from .cases import random_network
from .expect import Mistake, call, is_number, reject_none, same


def _agree(a, b, tight=1.1, noise=SUSPICIOUS):
    """Two relative differences tell the same story.

    Both tiny; or, where rounding errors may dominate (below ``noise``), within a
    factor of 10; above, where the value is determined by the gradients and ε,
    within a factor ``tight``.
    """
    if a <= GREAT and b <= GREAT:
        return True
    factor = tight if max(a, b) > noise else 10
    return a > 0 and b > 0 and abs(np.log10(a / b)) < np.log10(factor)


def _noise(epsilon):
    """Below this, rounding may shape a difference (float64 costs differ by ~1e-16 / ε)."""
    return min(SUSPICIOUS, 1e-12 / epsilon)


def _wrong_approximations(parameters, X, Y, epsilon):
    """(sentence, approx) pairs: what the typical wrong loops of gradient_check compute."""
    theta = parameters_to_vector(parameters)

    def J(vector):
        return model_cost(vector_to_parameters(vector, parameters), X, Y)

    drifting, drift = theta.copy(), np.empty_like(theta)
    for i in range(theta.size):  # theta_plus = np.copy(theta), but theta_minus = theta
        theta_plus = drifting.copy()
        theta_plus[i] += epsilon
        drifting[i] -= epsilon
        drift[i] = (J(theta_plus) - J(drifting)) / (2 * epsilon)
    rising, half_drift = theta.copy(), np.empty_like(theta)
    for i in range(theta.size):  # theta_plus = theta, theta_minus = np.copy(theta) after the +ε
        rising[i] += epsilon
        theta_minus = rising.copy()
        theta_minus[i] -= epsilon
        half_drift[i] = (J(rising) - J(theta_minus)) / (2 * epsilon)
    step_0 = np.zeros_like(theta)
    step_0[0] = epsilon
    approx = numerical_gradient(parameters, X, Y, epsilon)
    one_sided = numerical_gradient(parameters, X, Y, epsilon, centered=False)
    slope_0 = (J(theta + step_0) - J(theta - step_0)) / (2 * epsilon)
    slope_all = (J(theta + epsilon) - J(theta - epsilon)) / (2 * epsilon)
    copy_theta = "copy θ for each nudge: theta_plus = np.copy(theta), theta_minus = np.copy(theta)."
    half = (
        "your approximation is half the gradient, (J(θ+ε) - J(θ)) / (2ε): theta_plus and "
        "theta_minus are the same array (theta_plus = theta makes no copy), so the -ε "
        f"undoes the +ε and J_minus is J(θ); {copy_theta}"
    )
    return [
        (
            "your difference matches one-sided differences (J(θ+ε) - J(θ)) / ε: use centered "
            "ones, (J(θ+ε) - J(θ-ε)) / (2ε), whose error shrinks like ε² instead of ε.",
            one_sided,
        ),
        ("your approximation is twice the gradient: divide J(θ+ε) - J(θ-ε) by 2ε.", 2 * approx),
        (half, one_sided / 2),
        (half, half_drift),  # and each +ε stays in θ, which shows at a large ε
        (
            "your nudges accumulate: theta_minus = theta makes no copy, so each -ε stays in θ "
            f"and the later entries are nudged from a shifted θ; {copy_theta}",
            drift,
        ),
        (
            "your approximation is 0 everywhere, as when theta_plus and theta_minus are the "
            "same array (no copy) and both nudges happen before the costs, so J_plus = J_minus, "
            f"or when approx is never filled; {copy_theta}",
            np.zeros_like(theta),
        ),
        (
            "your approximation has the wrong sign: (J(θ+ε) - J(θ-ε)) / (2ε), with J_plus first.",
            -approx,
        ),
        (
            "every entry of your approximation is the slope along θ[0]: nudge entry i "
            "(theta_plus[i] += epsilon), not entry 0.",
            np.full_like(theta, slope_0),
        ),
        (
            "every entry of your approximation is the slope along all of θ at once "
            "(theta + epsilon): nudge one entry at a time, theta_plus[i] += epsilon.",
            np.full_like(theta, slope_all),
        ),
    ]


def _difference_mistakes(parameters, grads, X, Y, epsilon):
    """(sentence, wrong difference) pairs for the typical mistakes of gradient_check."""
    grad = gradients_to_vector(grads, parameters)
    approx = numerical_gradient(parameters, X, Y, epsilon)
    return [
        (
            "your difference is the one for ε = 1e-7 whatever epsilon is passed: nudge θ by "
            "the argument epsilon, not by a fixed number.",
            relative_difference(grad, numerical_gradient(parameters, X, Y, 1e-7)),
        ),
        *(
            (sentence, relative_difference(grad, wrong))
            for sentence, wrong in _wrong_approximations(parameters, X, Y, epsilon)
        ),
        (
            "you return ||grad - approx|| alone: divide it by ||grad|| + ||approx|| to get a "
            "relative difference.",
            float(np.linalg.norm(grad - approx)),
        ),
    ]


def _as_difference(got, expected, case):
    """``got`` as a finite Python number, or a ``Mistake``."""
    reject_none(got, "the difference", case)
    if isinstance(got, np.ndarray) and got.size == 1:
        got = got.item()
    if not is_number(got):
        raise Mistake(f"gradient_check should return a number, got {type(got).__name__}.", case)
    if not np.isfinite(got):
        raise Mistake(f"the difference is {got}; expected about {expected:.3g}.", case)
    return float(got)


def _explain_differences(runs):
    """Raise a ``Mistake`` unless every run's difference agrees with the reference's.

    ``runs`` holds (got, expected, mistakes, corrupted, case, noise) for every case. A mistake
    is named when it fits the differences of all the cases, and is told apart from the
    right answer by one of them; when several fit, all are named.
    """
    failed = [run for run in runs if not _agree(run[0], run[1], noise=run[5])]
    if not failed:
        return
    first_case = failed[0][4]
    sentences = [sentence for sentence, _ in runs[0][2]]
    fitting = {  # a dict keeps the order; a sentence may come with two wrong values
        sentence: None
        for index, sentence in enumerate(sentences)
        if all(_agree(run[0], run[2][index][1], 1.01, run[5]) for run in runs)
        and any(not _agree(run[1], run[2][index][1], noise=run[5]) for run in runs)
    }
    fitting = list(fitting)
    if len(fitting) == 1:
        raise Mistake(fitting[0], first_case)
    if fitting:
        raise Mistake("your difference fits more than one mistake:", *fitting, first_case)
    for got, expected, _, corrupted, case, _ in failed:
        if got > 1 + 1e-9:
            raise Mistake(
                f"your difference is {got:.3g}, more than 1, which ||grad - approx|| / "
                "(||grad|| + ||approx||) never is (that is at most 1): check the denominator, "
                "the sum of the two norms np.linalg.norm(grad) + np.linalg.norm(approx), not the "
                "norm of the sum np.linalg.norm(grad + approx).",
                case,
            )
        if corrupted and expected > SUSPICIOUS and got < expected / 100:
            raise Mistake(
                f"your check missed the error planted in grads['d{corrupted}']: θ must hold "
                "every parameter, W1, b1, ..., WL, bL, and the loop must visit all of its "
                "entries.",
                case,
            )
    got, expected, *_ = failed[0]
    raise Mistake(f"the difference is {got:.3g}, expected about {expected:.3g}.", first_case)


def _expect_restored(parameters, before, case):
    """The parameters must come back as they were (rounding-level changes are fine)."""
    if same(parameters, before):
        return
    restored = parameters.keys() == before.keys() and all(
        np.shape(parameters[k]) == np.shape(before[k])
        and np.allclose(parameters[k], before[k], rtol=1e-12, atol=1e-15)
        for k in before
    )
    if not restored:
        raise Mistake(
            "gradient_check left `parameters` changed: after nudging an entry by ±ε, put its "
            "original value back (or work on a copy, e.g. theta = "
            "parameters_to_vector(parameters)).",
            case,
        )


def _corrupt(grads, parameters, key, rng):
    """grads[f"d{key}"] moved by half the norm of the whole gradient, in a random direction."""
    size = parameters[key].size
    step = 0.5 * np.linalg.norm(gradients_to_vector(grads, parameters)) / np.sqrt(size)
    return grads[f"d{key}"] + step * rng.choice([-1.0, 1.0], size=parameters[key].shape)


def _live_network(rng, dims, m):
    """``random_network`` and its grads, drawn again until every dW{l} has a nonzero entry.

    A layer of dead ReLUs would give a check that visits only its weights 0 / 0.
    """
    while True:
        parameters, X, Y = random_network(rng, dims, m)
        AL, caches = ref.L_model_forward(X, parameters)
        grads = ref.L_model_backward(AL, Y, caches)
        if all(np.any(grads[f"dW{l}"]) for l in range(1, len(dims))):
            return parameters, X, Y, grads


@exercise("gradient_check")
def _gradient_check(candidate, rng):
    """The relative difference for correct, corrupted and sign-flipped grads; parameters unchanged.

    Every case runs before the verdict, so that a mistake is named only when all fit it.
    """
    cases = [  # (dims, m, corrupted parameter or "sign" or None, epsilon or None for the default)
        ([2, 1], 3, None, 1e-4),
        ([3, 4, 1], 5, None, 0.3),  # a large ε: the approximation is visibly off the gradient
        ([3, 4, 1], 4, "b1", None),
        ([4, 5, 3, 1], 6, None, 1e-3),
        ([int(rng.integers(2, 5)), int(rng.integers(2, 5)), 3, 1], 5, "b3", 1e-5),
        ([int(rng.integers(2, 5)), 4, int(rng.integers(2, 5)), 1], 6, "W1", 1e-6),
        ([3, 3, 1], 4, "sign", None),
    ]
    runs = []
    for dims, m, corrupted, epsilon in cases:
        parameters, X, Y, grads = _live_network(rng, dims, m)
        if corrupted == "sign":
            grads = {key: -value for key, value in grads.items()}
            planted = ", and grads of the wrong sign."
        elif corrupted:
            grads[f"d{corrupted}"] = _corrupt(grads, parameters, corrupted, rng)
            planted = f", and a wrong grads['d{corrupted}']."
        else:
            planted = ", and correct grads."
        extra = () if epsilon is None else (epsilon,)
        epsilon = 1e-7 if epsilon is None else epsilon
        case = f"with layer_dims={dims}, m={m}, epsilon={epsilon:g}{planted}"
        before = copy.deepcopy(parameters)
        got = call(candidate, "gradient_check", parameters, grads, X, Y, *extra, may_change=(0,))
        _expect_restored(parameters, before, case)
        parameters = before
        expected = gradient_check(parameters, grads, X, Y, epsilon)
        got = _as_difference(got, expected, case)
        mistakes = _difference_mistakes(parameters, grads, X, Y, epsilon)
        wrong_key = corrupted if corrupted != "sign" else None
        runs.append((got, expected, mistakes, wrong_key, case, _noise(epsilon)))
    _explain_differences(runs)
    return len(cases)

"""Gradient checking: compare a backward pass with centered finite differences of the cost.

The parameters ``W1, b1, W2, b2, ...`` are laid end to end, in that order, in one
float64 vector ``theta`` of shape (n,), where n is the total number of parameters.
``gradient_check`` is the reference of the lesson-05b exercise of the same name.
"""

import numpy as np

from .reference import L_model_forward, compute_cost, parameter_keys

GREAT, SUSPICIOUS = 1e-7, 1e-3  # relative differences: below GREAT is right, above SUSPICIOUS a bug


def keys_of(parameters):
    """The keys of ``parameters`` in the fixed order W1, b1, W2, b2, ..., WL, bL."""
    return parameter_keys(len(parameters) // 2)


def parameters_to_vector(parameters):
    """All parameters flattened into one float64 vector theta (n,), in ``keys_of`` order."""
    return np.concatenate(
        [np.ravel(parameters[key]).astype(np.float64) for key in keys_of(parameters)]
    )


def gradients_to_vector(grads, parameters):
    """The gradients ``dW1, db1, ...`` flattened like ``parameters_to_vector`` (no dA's)."""
    return np.concatenate(
        [np.ravel(grads[f"d{key}"]).astype(np.float64) for key in keys_of(parameters)]
    )


def vector_to_parameters(theta, parameters):
    """The inverse of ``parameters_to_vector``: a new dict shaped like ``parameters``.

    Its arrays are views of ``theta`` (no copy is made).
    """
    result, start = {}, 0
    for key in keys_of(parameters):
        shape = np.shape(parameters[key])
        size = int(np.prod(shape))
        result[key] = np.reshape(theta[start : start + size], shape)
        start += size
    return result


def model_cost(parameters, X, Y):
    """Cross-entropy cost J of the L-layer model (ReLU hidden layers, sigmoid output) on X, Y."""
    AL, _ = L_model_forward(X, parameters)
    return compute_cost(AL, Y)


def numerical_gradient(parameters, X, Y, epsilon=1e-7, centered=True):
    """Finite-difference estimate of dJ/dtheta, a vector (n,) in ``keys_of`` order.

    Centered: (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps), with an error of order eps^2.
    One-sided (``centered=False``): (J(theta + eps e_i) - J(theta)) / eps, error of order eps.
    """
    theta = parameters_to_vector(parameters)

    def J(vector):
        return model_cost(vector_to_parameters(vector, parameters), X, Y)

    J_theta = None if centered else J(theta)
    approx = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = epsilon
        if centered:
            approx[i] = (J(theta + step) - J(theta - step)) / (2 * epsilon)
        else:
            approx[i] = (J(theta + step) - J_theta) / epsilon
    return approx


def relative_difference(grad, approx):
    """||grad - approx|| / (||grad|| + ||approx||): 0 when they agree, 1 when opposite."""
    return float(np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx)))


def gradient_check(parameters, grads, X, Y, epsilon=1e-7):
    """Relative difference between the backward pass's ``grads`` and centered differences of J."""
    approx = numerical_gradient(parameters, X, Y, epsilon)
    return relative_difference(gradients_to_vector(grads, parameters), approx)


def verdict(difference):
    """A few words on a relative difference: great, ok-ish, suspicious, or likely a bug."""
    if difference < GREAT:
        return "great: the backward pass is right"
    if difference < 1e-5:
        return "ok-ish: probably right, but look closer"
    if difference <= SUSPICIOUS:
        return "suspicious: check the backward pass"
    return "likely a bug in the backward pass"


def gradient_check_report(parameters, grads, X, Y, epsilon=1e-7):
    """Relative difference for each parameter separately: a dict ``{"W1": ..., "b1": ..., ...}``.

    Read it from the output layer down: the highest layer with a large
    difference is where the backward pass first goes wrong.
    """
    approx = vector_to_parameters(numerical_gradient(parameters, X, Y, epsilon), parameters)
    return {
        key: relative_difference(np.asarray(grads[f"d{key}"], dtype=np.float64), approx[key])
        for key in keys_of(parameters)
    }

"""Reference solutions of every exercise, vectorised.

Conventions: examples are columns (``X`` is ``(n_x, m)``), layer ``l`` has
``W{l}`` ``(n_l, n_{l-1})`` and ``b{l}`` ``(n_l, 1)``. Every function keeps the
dtype of its inputs (float32 stays float32) and never changes its arguments.
Later lessons import from here, and the graded checks compare against it.
"""

from typing import NamedTuple

import numpy as np


class LinearCache(NamedTuple):
    """What ``linear_forward`` keeps for the backward pass."""

    A_prev: np.ndarray
    W: np.ndarray
    b: np.ndarray


class LayerCache(NamedTuple):
    """What ``linear_activation_forward`` keeps: the linear cache and ``Z``."""

    linear_cache: LinearCache
    activation_cache: np.ndarray


# --- 02 initialization ------------------------------------------------------


def initialize_parameters(n_x, n_h, n_y, rng=None):
    """Two-layer parameters: ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h), ``b2`` (n_y, 1).

    Weights are small Gaussians (standard deviation 0.01), biases are zero.
    ``rng`` is a seed, a ``np.random.Generator`` or None.
    """
    rng = np.random.default_rng(rng)
    return {
        "W1": rng.standard_normal((n_h, n_x)) * 0.01,
        "b1": np.zeros((n_h, 1)),
        "W2": rng.standard_normal((n_y, n_h)) * 0.01,
        "b2": np.zeros((n_y, 1)),
    }


def initialize_parameters_deep(layer_dims, rng=None, dtype=np.float64):
    """He-initialised parameters for layers of sizes ``layer_dims`` = [n_x, n_1, ..., n_L].

    ``W{l}`` is (n_l, n_{l-1}) with standard deviation sqrt(2 / n_{l-1}); ``b{l}`` is zeros (n_l, 1).
    """
    rng = np.random.default_rng(rng)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        W = rng.standard_normal((n, n_prev), dtype=np.float64) * np.sqrt(2.0 / n_prev)
        parameters[f"W{l}"] = W.astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return parameters


# --- 03 forward propagation ---------------------------------------------------


def sigmoid(Z):
    """Logistic function, elementwise; stable for large ``|Z|`` (no overflow warnings)."""
    Z = np.asarray(Z)
    return 0.5 * (1.0 + np.tanh(0.5 * Z))


def relu(Z):
    """max(0, Z), elementwise."""
    return np.maximum(Z, 0)


def tanh(Z):
    """Hyperbolic tangent, elementwise."""
    return np.tanh(Z)


def leaky_relu(Z, alpha=0.01):
    """Z where Z > 0, else alpha * Z."""
    return np.where(Z > 0, Z, alpha * Z)


def softmax(Z):
    """Column-wise softmax of ``Z`` (C, m); each column of the result sums to 1."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    E /= E.sum(axis=0, keepdims=True)
    return E


ACTIVATIONS = {
    "sigmoid": sigmoid,
    "relu": relu,
    "tanh": tanh,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
}


def linear_forward(A, W, b):
    """Z = W A + b for A (n_prev, m), W (n, n_prev), b (n, 1); returns (Z, (A, W, b))."""
    Z = W @ A
    Z += b
    return Z, LinearCache(A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    """One layer: A = g(W A_prev + b) with g named by ``activation``; returns (A, (linear_cache, Z))."""
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = ACTIVATIONS[activation](Z)
    return A, LayerCache(linear_cache, Z)


def L_model_forward(X, parameters, output_activation="sigmoid"):
    """[LINEAR->RELU] x (L-1) -> LINEAR->``output_activation``; returns (AL, caches), one cache per layer."""
    L = len(parameters) // 2
    A = X
    caches = []
    for l in range(1, L + 1):
        activation = "relu" if l < L else output_activation
        A, cache = linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], activation
        )
        caches.append(cache)
    return A, caches


# --- 04 cost ------------------------------------------------------------------


def _xlogy(x, y):
    """x * log(y), taken as 0 wherever x == 0 (so 0 * log 0 is 0, not NaN)."""
    with np.errstate(divide="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def compute_cost(AL, Y):
    """Binary cross-entropy of predictions AL (1, m) against labels Y (1, m), as a Python float.

    Exact 0s and 1s in AL are handled: 0 * log 0 counts as 0; a confident wrong
    prediction gives ``inf``, the true value, rather than NaN or a clipped guess.
    """
    m = Y.shape[1]
    return float(-(_xlogy(Y, AL) + _xlogy(1 - Y, 1 - AL)).sum() / m)


def compute_cost_categorical(AL, Y):
    """Categorical cross-entropy of softmax outputs AL (C, m) against one-hot Y (C, m), as a float."""
    m = Y.shape[1]
    return float(-_xlogy(Y, AL).sum() / m)


# --- 05 backward propagation ----------------------------------------------------


def sigmoid_backward(dA, Z):
    """dZ = dA * s * (1 - s) with s = sigmoid(Z)."""
    s = sigmoid(Z)
    return dA * s * (1 - s)


def relu_backward(dA, Z):
    """dZ = dA where Z > 0, else 0."""
    return np.where(Z > 0, dA, 0)


def tanh_backward(dA, Z):
    """dZ = dA * (1 - tanh(Z)^2)."""
    return dA * (1 - np.tanh(Z) ** 2)


def leaky_relu_backward(dA, Z, alpha=0.01):
    """dZ = dA where Z > 0, else alpha * dA."""
    return np.where(Z > 0, dA, alpha * dA)


ACTIVATION_BACKWARDS = {
    "sigmoid": sigmoid_backward,
    "relu": relu_backward,
    "tanh": tanh_backward,
    "leaky_relu": leaky_relu_backward,
}


def linear_backward(dZ, cache):
    """Gradients of the linear step from dZ (n, m) and cache (A_prev, W, b).

    Returns dA_prev (n_prev, m) = W^T dZ, dW (n, n_prev) = dZ A_prev^T / m,
    db (n, 1) = row sums of dZ / m.
    """
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T
    dW /= m
    db = dZ.sum(axis=1, keepdims=True)
    db /= m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    """Backward through one layer: returns (dA_prev, dW, db)."""
    linear_cache, Z = cache
    dZ = ACTIVATION_BACKWARDS[activation](dA, Z)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    """Gradients of the cross-entropy cost for the L-layer model.

    The output layer uses dZL = AL - Y, which holds both for sigmoid with binary
    cross-entropy and for softmax with categorical cross-entropy. Returns a dict
    with ``dA{l-1}``, ``dW{l}``, ``db{l}`` for l = 1..L.
    """
    L = len(caches)
    grads = {}
    dZ = AL - np.asarray(Y, dtype=AL.dtype)
    dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ, caches[L - 1].linear_cache)
    grads[f"dA{L - 1}"] = dA_prev
    for l in range(L - 1, 0, -1):
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            dA_prev, caches[l - 1], "relu"
        )
        grads[f"dA{l - 1}"] = dA_prev
    return grads


# --- 06 update ------------------------------------------------------------------


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step: P - learning_rate * dP for every parameter; returns a new dict."""
    return {key: P - learning_rate * grads[f"d{key}"] for key, P in parameters.items()}


def random_mini_batches(X, Y, mini_batch_size=64, rng=None):
    """Shuffle the columns of X (n_x, m) and Y (k, m) together and cut them into mini-batches.

    Returns a list of (X_batch, Y_batch); every batch has ``mini_batch_size``
    columns but the last, which holds the remaining m % mini_batch_size.
    """
    rng = np.random.default_rng(rng)
    m = X.shape[1]
    order = rng.permutation(m)
    return [
        (X[:, idx], Y[:, idx])
        for idx in (order[k : k + mini_batch_size] for k in range(0, m, mini_batch_size))
    ]


def initialize_velocity(parameters):
    """Zero velocities ``dW{l}``, ``db{l}`` shaped like the parameters, for momentum."""
    return {f"d{key}": np.zeros_like(P) for key, P in parameters.items()}


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """Momentum step: v = beta v + (1 - beta) dP; P = P - learning_rate v. Returns (parameters, v)."""
    new_v = {key: beta * v[key] + (1 - beta) * grads[key] for key in v}
    new_parameters = {key: P - learning_rate * new_v[f"d{key}"] for key, P in parameters.items()}
    return new_parameters, new_v


def initialize_adam(parameters):
    """Zero first and second moments (v, s), keyed ``dW{l}``, ``db{l}``, for Adam."""
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(
    parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    """Adam step number ``t`` (counting from 1) with bias-corrected moments. Returns (parameters, v, s)."""
    new_v = {key: beta1 * v[key] + (1 - beta1) * grads[key] for key in v}
    new_s = {key: beta2 * s[key] + (1 - beta2) * grads[key] ** 2 for key in s}
    new_parameters = {}
    for key, P in parameters.items():
        v_hat = new_v[f"d{key}"] / (1 - beta1**t)
        s_hat = new_s[f"d{key}"] / (1 - beta2**t)
        new_parameters[key] = P - learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
    return new_parameters, new_v, new_s


# --- 07 full model ----------------------------------------------------------------


def predict(X, parameters):
    """Labels 0/1 of shape (1, m): 1 where the L-layer model's output exceeds 0.5."""
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5).astype(int)

"""Reference solutions of every exercise, vectorized.

Conventions: examples are columns (``X`` is ``(n_x, m)``), layer ``l`` has
``W{l}`` ``(n_l, n_{l-1})`` and ``b{l}`` ``(n_l, 1)``. Every function keeps the
dtype of its inputs (float32 stays float32) and never changes its arguments.
Later lessons import from here, and the graded checks compare against it.
"""

from typing import NamedTuple

import numpy as np

from .bars import progress_range
from .engine.conv import (  # noqa: F401  (lesson 09's layers are exercises too)
    conv_backward,
    conv_forward,
    conv_forward_naive,
    max_pool_backward,
    max_pool_forward,
    zero_pad,
)


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


def parameter_keys(L, prefix=""):
    """["W1", "b1", ..., "WL", "bL"] of an L-layer network (``prefix="d"``: "dW1", "db1", ...)."""
    return [f"{prefix}{p}{l}" for l in range(1, L + 1) for p in "Wb"]


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
    """He-initialized parameters for layers of sizes ``layer_dims`` = [n_x, n_1, ..., n_L].

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


# --- 01 one neuron: logistic regression ----------------------------------------


def neuron_propagate(X, Y, w, b):
    """One sigmoid neuron on m examples: its cost J and the gradients of J.

    X (n_x, m), Y (1, m) of 0s and 1s, w (1, n_x), b (1, 1). Returns (cost, dw, db):
    the mean cross-entropy as a float, dw (1, n_x) and db (1, 1) in X's dtype.
    """
    A = sigmoid(w @ X + b)
    dw, db = neuron_batch_backward(X, Y, w, b)
    return compute_cost(A, Y), dw, db


def train_neuron(X, Y, learning_rate, num_iterations):
    """Gradient descent on one sigmoid neuron from w = 0, b = 0.

    Returns (w, b, costs): w (1, n_x) and b (1, 1) in X's dtype, and the list of the
    ``num_iterations`` costs, each taken before its step.
    """
    w = np.zeros((1, X.shape[0]), dtype=X.dtype)
    b = np.zeros((1, 1), dtype=X.dtype)
    costs = []
    for _ in range(num_iterations):
        cost, dw, db = neuron_propagate(X, Y, w, b)
        w = w - learning_rate * dw
        b = b - learning_rate * db
        costs.append(cost)
    return w, b, costs


# --- 03 forward propagation ---------------------------------------------------


def sigmoid(Z):
    """Logistic function 1 / (1 + e^-Z), elementwise.

    Accurate to the last digits even for large |Z| (no overflow, no relative
    error for very negative Z): e^-|Z| never overflows, and for Z < 0 the
    equivalent form e^Z / (1 + e^Z) is used.
    """
    Z = np.asarray(Z)
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


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


def one_hot(labels, C, dtype=np.float64):
    """One-hot columns (C, m) for integer labels of shape (1, m) or (m,)."""
    labels = np.asarray(labels).ravel()
    Y = np.zeros((C, labels.size), dtype=dtype)
    Y[labels, np.arange(labels.size)] = 1
    return Y


# --- 05 backward propagation ----------------------------------------------------


def neuron_example_backward(x, y, w, b):
    """Gradients of one sigmoid neuron's cross-entropy loss on one example.

    x (n, 1), y (1, 1) of 0 or 1, w (1, n), b (1, 1); z = w x + b, a = sigmoid(z).
    Returns dw (1, n) and db (1, 1), the derivatives of the loss L(a, y).
    """
    a = sigmoid(w @ x + b)
    dz = a - np.asarray(y, dtype=a.dtype)
    return dz * x.T, dz


def neuron_batch_backward(X, Y, w, b):
    """Gradients of one sigmoid neuron's cost J, the mean loss over m examples.

    X (n, m), Y (1, m) of 0s and 1s, w (1, n), b (1, 1). Returns dw (1, n), db (1, 1).
    """
    A = sigmoid(w @ X + b)
    dZ = A - np.asarray(Y, dtype=A.dtype)
    m = X.shape[1]
    return dZ @ X.T / m, dZ.sum(axis=1, keepdims=True) / m


def cross_entropy_backward(AL, Y):
    """dAL (1, m): column i is the derivative of example i's own loss with respect to a[L](i)."""
    Y = np.asarray(Y, dtype=AL.dtype)
    return (1 - Y) / (1 - AL) - Y / AL


def softmax_cross_entropy_backward(AL, Y):
    """dZL (C, m) for softmax outputs AL = softmax(ZL) and one-hot labels Y, both (C, m).

    Column i is the derivative of example i's own loss with respect to its scores z(i).
    """
    return AL - np.asarray(Y, dtype=AL.dtype)


def sigmoid_backward(dA, Z):
    """dZ = dA * s * (1 - s) with s = sigmoid(Z)."""
    s = sigmoid(Z)
    return dA * s * (1 - s)


def relu_backward(dA, Z):
    """dZ = dA where Z > 0, else 0."""
    return dA * (Z > 0)  # multiplying by the mask is several times faster than np.where


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


def linear_backward(dZ, cache, input_gradient=True):
    """Gradients of the linear step from dZ (n, m) and cache (A_prev, W, b).

    Returns dA_prev (n_prev, m) = W^T dZ, dW (n, n_prev) = dZ A_prev^T / m,
    db (n, 1) = row sums of dZ / m. With ``input_gradient=False`` dA_prev is
    None: the first layer needs no gradient for the data, and skipping it saves
    the largest matrix product of the backward pass.
    """
    A_prev, W, _ = cache
    dZ_mean = dZ / A_prev.shape[1]  # dividing the small dZ by m costs less than dividing dW
    dW = dZ_mean @ A_prev.T
    db = dZ_mean.sum(axis=1, keepdims=True)
    dA_prev = W.T @ dZ if input_gradient else None
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation, input_gradient=True):
    """Backward through one layer: returns (dA_prev, dW, db)."""
    linear_cache, Z = cache
    dZ = ACTIVATION_BACKWARDS[activation](dA, Z)
    return linear_backward(dZ, linear_cache, input_gradient)


def L_model_backward(AL, Y, caches, output_activation="sigmoid", input_gradient=True):
    """Gradients of the cross-entropy cost for the L-layer model.

    ``output_activation`` is the one ``L_model_forward`` used: "sigmoid" (AL, Y of shape
    (1, m), binary cross-entropy) or "softmax" (AL, one-hot Y of shape (C, m), categorical
    cross-entropy). Either way the output layer has dZL = AL - Y. Returns a dict with
    ``dA{l-1}``, ``dW{l}``, ``db{l}`` for l = 1..L (``dA0`` only with ``input_gradient``,
    the default; training does not need it).
    """
    if output_activation not in ("sigmoid", "softmax"):
        raise ValueError(f"unknown output activation {output_activation!r}")
    L = len(caches)
    grads = {}
    dZ = AL - np.asarray(Y, dtype=AL.dtype)
    linear_cache, _ = caches[L - 1]
    dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(
        dZ, linear_cache, input_gradient or L > 1
    )
    for l in range(L - 1, 0, -1):
        grads[f"dA{l}"] = dA_prev
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            dA_prev, caches[l - 1], "relu", input_gradient or l > 1
        )
    if input_gradient:
        grads["dA0"] = dA_prev
    return grads


# --- 06 update ------------------------------------------------------------------


def _copied(arrays):
    """A new dict holding copies of the arrays."""
    return {key: value.copy() for key, value in arrays.items()}


def update_parameters(parameters, grads, learning_rate, inplace=False):
    """One gradient-descent step: P = P - learning_rate * dP for every parameter.

    Returns a new dict; with ``inplace=True`` the arrays of ``parameters`` are
    updated in place instead (what a training loop that owns them wants: no new
    arrays each step).
    """
    if not inplace:
        parameters = _copied(parameters)
    for key, P in parameters.items():
        P -= learning_rate * grads[f"d{key}"]
    return parameters


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


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate, inplace=False):
    """Momentum step: v = beta v + (1 - beta) dP, then P = P - learning_rate v.

    Returns (parameters, v), new dicts unless ``inplace=True``.
    """
    if not inplace:
        parameters, v = _copied(parameters), _copied(v)
    for key, P in parameters.items():
        velocity = v[f"d{key}"]
        velocity *= beta
        velocity += (1 - beta) * grads[f"d{key}"]
        P -= learning_rate * velocity
    return parameters, v


def initialize_adam(parameters):
    """Zero first and second moments (v, s), keyed ``dW{l}``, ``db{l}``, for Adam."""
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(
    parameters,
    grads,
    v,
    s,
    t,
    learning_rate=0.001,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    inplace=False,
):
    """Adam step number ``t`` (counting from 1) with bias-corrected moments.

    v = beta1 v + (1 - beta1) dP; s = beta2 s + (1 - beta2) dP^2;
    P = P - learning_rate v_hat / (sqrt(s_hat) + epsilon) with v_hat = v / (1 - beta1^t),
    s_hat = s / (1 - beta2^t). Returns (parameters, v, s), new dicts unless ``inplace=True``.
    """
    if not inplace:
        parameters, v, s = _copied(parameters), _copied(v), _copied(s)
    for key, P in parameters.items():
        dP = grads[f"d{key}"]
        first, second = v[f"d{key}"], s[f"d{key}"]
        first *= beta1
        first += (1 - beta1) * dP
        second *= beta2
        second += (1 - beta2) * dP**2
        v_hat = first / (1 - beta1**t)
        s_hat = second / (1 - beta2**t)
        P -= learning_rate * v_hat / (np.sqrt(s_hat) + epsilon)
    return parameters, v, s


# --- 07 full model ----------------------------------------------------------------


def predict(X, parameters):
    """Labels 0/1 of shape (1, m): 1 where the L-layer model's output exceeds 0.5."""
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5).astype(int)


def compute_cost_with_regularization(AL, Y, parameters, lambd):
    """Cross-entropy of AL (1, m) against Y (1, m) plus lambd / (2 m) * sum of all ||W{l}||^2.

    Biases are not penalized. Returns a Python float.
    """
    cost = compute_cost(AL, Y)
    if not lambd:
        return cost
    m = Y.shape[1]
    squares = sum(float(np.sum(np.square(P))) for key, P in parameters.items() if key[0] == "W")
    return cost + lambd / (2 * m) * squares


def L_model_backward_with_regularization(AL, Y, caches, lambd):
    """``L_model_backward`` with the L2 term: dW{l} gains (lambd / m) W{l}; db{l} is unchanged."""
    grads = L_model_backward(AL, Y, caches)
    if lambd:
        m = Y.shape[1]
        for l, ((_, W, _), _) in enumerate(caches, start=1):
            grads[f"dW{l}"] += (lambd / m) * W
    return grads


def dropout_forward(A, keep_prob, rng):
    """Inverted dropout of activations A (n, m); returns (A_dropped, mask), both (n, m).

    Each entry is kept with probability ``keep_prob`` (mask 1) and scaled by 1 / keep_prob,
    so that the expected activation is unchanged; ``rng`` is a ``np.random.Generator``.
    """
    mask = rng.random(A.shape) < keep_prob
    return A * mask / np.asarray(keep_prob, dtype=A.dtype), mask


def dropout_backward(dA, mask, keep_prob):
    """Gradient through inverted dropout: dA (n, m) where the mask kept, scaled by 1 / keep_prob."""
    return dA * mask / np.asarray(keep_prob, dtype=dA.dtype)


def L_model_forward_with_dropout(X, parameters, keep_prob, rng, training=True):
    """``L_model_forward`` with inverted dropout on the hidden activations A1 ... A(L-1).

    Returns (AL, caches, masks): ``masks`` holds one mask per hidden layer in training mode
    and is empty in test mode (``training=False``), where nothing is dropped or scaled.
    ``rng``: a seed or a ``np.random.Generator``, from which every mask is drawn.
    Layer l+1's linear cache holds the dropped A{l}, the input that layer really saw.
    """
    rng = np.random.default_rng(rng)  # a Generator passes through unchanged
    L = len(parameters) // 2
    A, caches, masks = X, [], []
    for l in range(1, L + 1):
        activation = "relu" if l < L else "sigmoid"
        A, cache = linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], activation
        )
        caches.append(cache)
        if training and l < L:
            A, mask = dropout_forward(A, keep_prob, rng)
            masks.append(mask)
    return A, caches, masks


def L_model_backward_with_dropout(AL, Y, caches, masks, keep_prob):
    """Gradients of the cost for ``L_model_forward_with_dropout``'s training pass.

    The gradient reaching each dropped activation goes back through its own mask
    (``dropout_backward``). Returns the dict ``dW{l}``, ``db{l}`` and ``dA{l}`` for l < L.
    """
    L = len(caches)
    grads = {}
    dZ = AL - np.asarray(Y, dtype=AL.dtype)
    dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ, caches[L - 1][0], L > 1)
    for l in range(L - 1, 0, -1):
        dA = dropout_backward(dA_prev, masks[l - 1], keep_prob)
        grads[f"dA{l}"] = dA
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            dA, caches[l - 1], "relu", l > 1
        )
    return grads


def gradient_descent_with_dropout(
    X, Y, parameters, learning_rate, num_iterations, keep_prob, rng=None, progress=True
):
    """Batch gradient descent with inverted dropout (fresh masks at every iteration, from ``rng``).

    Returns (parameters, costs); ``costs[i]`` is the cost of iteration i's dropped network.
    """
    rng = np.random.default_rng(rng)
    costs = []
    for _ in progress_range(num_iterations, progress):
        AL, caches, masks = L_model_forward_with_dropout(X, parameters, keep_prob, rng)
        costs.append(compute_cost(AL, Y))
        grads = L_model_backward_with_dropout(AL, Y, caches, masks, keep_prob)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def gradient_descent(
    X, Y, parameters, learning_rate, num_iterations, print_cost=False, lambd=0.0, progress=True
):
    """Batch gradient descent on the L-layer model from ``parameters``; returns (parameters, costs).

    ``costs[i]`` is the cost (with the L2 term when ``lambd`` > 0) computed in
    iteration i, before that iteration's update.
    """
    costs = []
    for i in progress_range(num_iterations, progress):
        AL, caches = L_model_forward(X, parameters)
        costs.append(compute_cost_with_regularization(AL, Y, parameters, lambd))
        grads = L_model_backward_with_regularization(AL, Y, caches, lambd)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and (i % 100 == 0 or i == num_iterations - 1):
            print(f"Cost after iteration {i}: {costs[-1]:.6f}")
    return parameters, costs


def two_layer_model(
    X,
    Y,
    layers_dims,
    learning_rate=0.0075,
    num_iterations=3000,
    print_cost=False,
    rng=None,
    progress=True,
):
    """Train LINEAR->RELU->LINEAR->SIGMOID, layers_dims = (n_x, n_h, n_y); returns (parameters, costs).

    Starts from ``initialize_parameters(n_x, n_h, n_y, rng)`` (weights 0.01 N(0, 1));
    ``costs`` holds one cost per iteration.
    """
    n_x, n_h, n_y = layers_dims
    parameters = initialize_parameters(n_x, n_h, n_y, rng)
    return gradient_descent(
        X, Y, parameters, learning_rate, num_iterations, print_cost, progress=progress
    )


def L_layer_model(
    X,
    Y,
    layers_dims,
    learning_rate=0.0075,
    num_iterations=3000,
    print_cost=False,
    rng=None,
    lambd=0.0,
    progress=True,
):
    """Train [LINEAR->RELU] x (L-1) -> LINEAR->SIGMOID; returns (parameters, costs).

    Starts from ``initialize_parameters_deep(layers_dims, rng)`` (He); ``lambd``
    adds L2 regularization; ``costs`` holds one cost per iteration.
    """
    parameters = initialize_parameters_deep(layers_dims, rng)
    return gradient_descent(
        X, Y, parameters, learning_rate, num_iterations, print_cost, lambd, progress
    )


def predict_classes(X, parameters):
    """Class labels (1, m): the most probable class of the softmax model for each column of X."""
    AL, _ = L_model_forward(X, parameters, output_activation="softmax")
    return AL.argmax(axis=0, keepdims=True)


def accuracy(X, Y, parameters, chunk=4096):
    """Fraction of the columns of X (n_x, m) whose predicted label equals Y ((1, m) or (m,)).

    The model's output layer decides how it predicts: one sigmoid unit gives labels 0/1
    (``predict``, output > 0.5), C softmax units the most probable class
    (``predict_classes``). The columns go through in chunks, so large X use little memory.
    """
    Y = np.asarray(Y).ravel()
    L = len(parameters) // 2
    labels = predict if parameters[f"W{L}"].shape[0] == 1 else predict_classes
    correct = sum(
        int(np.count_nonzero(labels(X[:, k : k + chunk], parameters).ravel() == Y[k : k + chunk]))
        for k in range(0, Y.size, chunk)
    )
    return correct / Y.size


# --- 08 CIFAR-10 ---------------------------------------------------------------------


def standardize(X_train, X):
    """Standardize images X (3 P, k) with the per-channel mean and std of X_train (3 P, m).

    The rows hold three equal blocks (CIFAR-10: 1024 red, 1024 green, 1024 blue
    values); each channel's statistics are taken over all its pixels in all
    training images. Returns a new array of X's dtype.
    """
    P = X_train.shape[0] // 3
    blocks = [X_train[c * P : (c + 1) * P] for c in range(3)]
    mean = np.repeat([block.mean() for block in blocks], P).reshape(-1, 1)
    scale = np.repeat([1 / block.std() for block in blocks], P).reshape(-1, 1)
    return (X - mean.astype(X.dtype)) * scale.astype(X.dtype)


def confusion_matrix(y_true, y_pred, C):
    """Counts M (C, C) from labels (1, m): M[i, j] = how many examples of class i were predicted j."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    return np.bincount(y_true * C + y_pred, minlength=C * C).reshape(C, C)


def covariance(X, chunk=4096):
    """Covariance (n, n), float64, of the columns of X (n, m) about their mean (n, 1), divided by m.

    Accumulated over blocks of ``chunk`` columns: only one centered block exists at a
    time (never a centered copy of X), each block's product runs in X's dtype (float32
    BLAS is twice as fast) and the sum over blocks is kept in float64.
    Returns (covariance, mean) with mean (n, 1) float64.
    """
    n, m = X.shape
    mean = X.mean(axis=1, keepdims=True, dtype=np.float64)
    C = np.zeros((n, n))
    for k in range(0, m, chunk):
        block = X[:, k : k + chunk] - mean.astype(X.dtype)
        C += block @ block.T
    C /= m
    return C, mean


def eigh_in_place(C):
    """Eigenvalues (increasing, clipped at 0) and eigenvectors (columns of U) of symmetric C.

    C is overwritten (SciPy's LAPACK driver works in it): a 3072 x 3072 decomposition then
    needs about 100 MB beyond C instead of NumPy's 290 MB.
    """
    import scipy.linalg  # imported here only: most of the course never needs it

    lam, U = scipy.linalg.eigh(C, overwrite_a=True, check_finite=False, driver="evd")
    return np.maximum(lam, 0), U  # rounding can leave the smallest ones a hair below 0


def zca_from_eigen(lam, U, epsilon, dtype=np.float64):
    """U diag(1 / sqrt(lam + epsilon)) U^T (n, n) in ``dtype``, from eigenvalues lam (n,), U (n, n)."""
    V = U.astype(dtype)
    scaled = V * (1 / np.sqrt(lam + epsilon)).astype(dtype)
    return scaled @ V.T


def zca_matrix(X, epsilon):
    """ZCA whitening matrix W (n, n) = U diag(1 / sqrt(lambda + epsilon)) U^T of images X (n, m).

    lambda, U: eigenvalues and eigenvectors (columns of U) of the covariance of X's
    columns about their mean (divided by m). W is symmetric, of X's dtype; W (X - mean)
    has covariance close to the identity (exactly, for epsilon = 0).
    """
    C, _ = covariance(X)
    lam, U = eigh_in_place(C)
    return zca_from_eigen(lam, U, epsilon, X.dtype)


# --- 09 convolutions ------------------------------------------------------------------


class ConvBlockCache(NamedTuple):
    """What one CONV -> RELU -> MAXPOOL block keeps: the three layers' caches."""

    conv_cache: tuple
    activation_cache: np.ndarray
    pool_cache: tuple


def flatten(A):
    """Feature maps A (m, F, h, w) as columns (F h w, m): the course's layout again."""
    return A.reshape(A.shape[0], -1).T


def unflatten(dA, shape):
    """The gradient of ``flatten``: columns dA (F h w, m) back to maps of ``shape`` (m, F, h, w)."""
    return dA.T.reshape(shape)


def convnet_forward(X, parameters):
    """Forward pass on images X (m, C, H, W); returns (AL (classes, m) softmax, caches).

    caches: one ConvBlockCache per convolutional block, then the linear layer's cache and
    the shape of the maps that were flattened.
    """
    L = len(parameters) // 2
    A, caches = X, []
    for l in range(1, L):
        Z, conv_cache = conv_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], stride=1, pad=1)
        A, pool_cache = max_pool_forward(relu(Z), 2, 2)
        caches.append(ConvBlockCache(conv_cache, Z, pool_cache))
    ZL, linear_cache = linear_forward(flatten(A), parameters[f"W{L}"], parameters[f"b{L}"])
    caches.append((linear_cache, A.shape))
    return softmax(ZL), caches


def convnet_backward(AL, Y, caches, input_gradient=False):
    """Gradients dW{l}, db{l} of the mean categorical cross-entropy (Y one-hot (classes, m)).

    As in ``L_model_backward``, dZL = AL - Y, and each layer's dW and db are means over the
    m examples. ``dA0`` (the gradient for the images) only with ``input_gradient``.
    """
    grads = {}
    L = len(caches)
    linear_cache, shape = caches[-1]
    dZ = AL - np.asarray(Y, dtype=AL.dtype)
    dA, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ, linear_cache)
    dA = unflatten(dA, shape)
    for l in range(L - 1, 0, -1):
        conv_cache, Z, pool_cache = caches[l - 1]
        dZ = relu_backward(max_pool_backward(dA, pool_cache), Z)
        dA, grads[f"dW{l}"], grads[f"db{l}"] = conv_backward(
            dZ, conv_cache, input_gradient=input_gradient or l > 1
        )
    if input_gradient:
        grads["dA0"] = dA
    return grads


def convnet_cost_and_grads(X, Y, parameters):
    """Cost (float) and gradients {dW1, db1, ...} of the network on images X (m, C, H, W), Y (classes, m)."""
    AL, caches = convnet_forward(X, parameters)
    grads = convnet_backward(AL, Y, caches)
    return compute_cost_categorical(AL, Y), grads

"""Test cases every checker shares: sizes, layers, networks, key lists, dtypes.

Cases run from the smallest up; the last one of a checker is float32. Inputs are
consistent with a real forward pass (``random_network`` draws He weights, as
``initialize_parameters_deep`` does, and nonzero biases, as after training).
"""

import numpy as np

from .. import reference as ref
from ..reference import parameter_keys  # noqa: F401  (the checkers import it from here)


def case_dtype(index, count):
    """dtype of case ``index`` of ``count``: float64, but the last case is float32."""
    return np.float32 if index == count - 1 else np.float64


def layer_sizes(rng, count=4):
    """(n_prev, n, m) triples from tiny to moderate, the first ones fixed and small."""
    sizes = [(1, 1, 1), (3, 2, 4)]
    sizes += [tuple(int(k) for k in rng.integers(2, 12, size=3)) for _ in range(count - 2)]
    return sizes


def random_layer(rng, n_prev, n, m, dtype=np.float64):
    """A_prev (n_prev, m), W (n, n_prev), b (n, 1) with standard normal entries."""
    A_prev = rng.standard_normal((n_prev, m)).astype(dtype)
    W = rng.standard_normal((n, n_prev)).astype(dtype)
    b = rng.standard_normal((n, 1)).astype(dtype)
    return A_prev, W, b


def random_parameters(rng, dims, bias_scale=0.5, dtype=np.float64):
    """He weights W{l} (n_l, n_{l-1}) and biases b{l} (n_l, 1) of standard deviation ``bias_scale``.

    Nonzero biases keep ReLU units off their kink at 0 (Z = b when all inputs are off).
    """
    parameters = ref.initialize_parameters_deep(dims, rng, dtype)
    for l in range(1, len(dims)):
        parameters[f"b{l}"] = (bias_scale * rng.standard_normal((dims[l], 1))).astype(dtype)
    return parameters


def random_network(rng, dims, m, bias_scale=0.3, dtype=np.float64):
    """``random_parameters``, inputs X (dims[0], m) and integer labels Y (1, m) of 0s and 1s."""
    parameters = random_parameters(rng, dims, bias_scale, dtype)
    X = rng.standard_normal((dims[0], m)).astype(dtype)
    Y = rng.integers(0, 2, size=(1, m))
    return parameters, X, Y


def sigmoid_twice_backward(AL, Y, caches):
    """The grads of a slip: dZL = AL - Y handed to the sigmoid's backward as if it were dAL.

    The output layer then gets (AL - Y) * AL * (1 - AL): the sigmoid's derivative applied twice.
    """
    dZL = (AL - np.asarray(Y, dtype=AL.dtype)) * AL * (1 - AL)
    return ref.L_model_backward(AL, AL - dZL, caches)  # the reference starts from AL - Y = dZL

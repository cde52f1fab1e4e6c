"""The backward passes of lesson 05b's bug hunt, each with one slip a learner could make.

``mystery_backward(case)`` returns a function ``backward(AL, Y, caches) -> grads`` for the
lesson's three-layer network ([LINEAR->RELU] x 2 -> LINEAR->SIGMOID), with the signature
and the result of ``L_model_backward``. Each case is that backward pass written out layer by
layer with one mistake in it; finding which gradient goes wrong first is the learner's job,
with ``gradient_check_report``. The checker of ``bug_hunt`` knows the answers.
"""

import numpy as np

from .reference import relu_backward, sigmoid_backward

CASES = ("first", "second", "third")


def _layer(dZ, linear_cache, scale_dW=True, scale_db=True):
    """dA_prev, dW, db of one linear step, with the 1/m of dW or db optionally left out."""
    A_prev, W, _ = linear_cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T
    db = np.sum(dZ, axis=1, keepdims=True)
    return W.T @ dZ, dW / m if scale_dW else dW, db / m if scale_db else db


def _backward(AL, Y, caches, slip):
    """The three-layer backward pass, written out, with the one ``slip`` of its case."""
    if len(caches) != 3:
        raise ValueError(f"the mystery backward passes are for 3 layers, got {len(caches)}")
    (cache1, Z1), (cache2, Z2), (cache3, _) = caches
    grads = {}
    dZ3 = AL - np.asarray(Y, dtype=AL.dtype)
    grads["dA2"], grads["dW3"], grads["db3"] = _layer(dZ3, cache3)
    # the second layer takes the slope of the output layer's activation in the third case
    slope = sigmoid_backward if slip == "third" else relu_backward
    dZ2 = slope(grads["dA2"], Z2)
    grads["dA1"], grads["dW2"], grads["db2"] = _layer(dZ2, cache2, scale_dW=slip != "first")
    dZ1 = relu_backward(grads["dA1"], Z1)
    grads["dA0"], grads["dW1"], grads["db1"] = _layer(dZ1, cache1, scale_db=slip != "second")
    return grads


def mystery_backward(case):
    """A backward pass with a hidden bug: ``case`` is "first", "second" or "third".

    Returns a function ``backward(AL, Y, caches)`` that returns a dict of gradients with the
    keys of ``L_model_backward``'s (``dA0``, ``dW1``, ``db1``, ..., ``dW3``, ``db3``).
    """
    if case not in CASES:
        raise ValueError(f'case should be "first", "second" or "third"; got {case!r}')

    def backward(AL, Y, caches):
        return _backward(AL, Y, caches, case)

    backward.__name__ = backward.__qualname__ = f"mystery_backward({case!r})"
    return backward

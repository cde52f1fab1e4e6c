"""Lesson 08's backward pass with the update riding on the weight-gradient products.

``ref.L_model_backward`` computes every dW = dZ A_prev^T / m, and the update then reads dW,
the velocity and W again and writes them back: passes over the 4 million weights that cost
almost as much as a tenth of the products. BLAS's matrix product computes
C = alpha A B + beta C, so the velocity takes its new value inside the product itself:

    v <- beta v + (1 - beta) dZ A_prev^T / m       one product (scipy.linalg.blas gemm)
    v <- v + (1 - beta) weight_decay W             one pass, when there is weight decay
    W <- W - learning_rate v                       one pass (axpy)

the same numbers as ``ref.update_parameters_with_momentum`` after ``ref.L_model_backward``
(a test compares them), with no dW array at all. Plain gradient descent needs no pass:
W <- (1 - learning_rate weight_decay) W - learning_rate dZ A_prev^T / m is one product.

The layers are walked as ``L_model_backward`` walks them (output first, dZ = AL - Y), each
layer's input gradient W^T dZ taken before its W changes.
"""

import numpy as np
from scipy.linalg import blas

from .. import reference as ref


def _operand(M):
    """(array, transposed) with op(array) = M for BLAS, without a copy when M is contiguous."""
    if M.flags.f_contiguous:
        return M, False
    if M.flags.c_contiguous:
        return M.T, True
    return np.asfortranarray(M), False


def _gemm_into(C, alpha, dZ, A_prev, beta):
    """C <- alpha dZ A_prev^T + beta C in place: C (n, n_prev), dZ (n, m), A_prev (n_prev, m).

    BLAS reads the arrays column-major, where C-ordered C is C^T: it computes
    C^T <- alpha A_prev dZ^T + beta C^T.
    """
    gemm = blas.get_blas_funcs("gemm", (C,))
    a, trans_a = _operand(A_prev)
    b, trans_b = _operand(dZ.T)
    out = gemm(alpha, a, b, beta=beta, c=C.T, trans_a=trans_a, trans_b=trans_b, overwrite_c=True)
    if not np.shares_memory(out, C):  # a layout BLAS could not take in place
        C[...] = out.T


def _axpy(a, x, y):
    """y <- a x + y in place (x, y contiguous arrays of one shape)."""
    axpy = blas.get_blas_funcs("axpy", (y,))
    axpy(x.reshape(-1), y.reshape(-1), a=a)


def backward_and_update(AL, Y, caches, parameters, name, state, learning_rate, weight_decay, beta):
    """Backpropagate the softmax cross-entropy of ``caches`` and update ``parameters`` in place.

    ``name`` is "momentum" (``state`` holds the velocities dW1, db1, ...) or "gd"; weight
    decay applies to the W only, as ``Optimizer.step``.
    """
    L = len(caches)
    dZ = AL - np.asarray(Y, dtype=AL.dtype)
    for l in range(L, 0, -1):
        (A_prev, W, b), _ = caches[l - 1]
        m = A_prev.shape[1]
        dA_prev = W.T @ dZ if l > 1 else None  # before W changes
        db = dZ.sum(axis=1, keepdims=True) / m
        if name == "gd":
            _gemm_into(W, -learning_rate / m, dZ, A_prev, 1 - learning_rate * weight_decay)
            b -= learning_rate * db
        else:
            v, v_b = state[f"dW{l}"], state[f"db{l}"]
            _gemm_into(v, (1 - beta) / m, dZ, A_prev, beta)
            if weight_decay:
                _axpy((1 - beta) * weight_decay, W, v)
            _axpy(-learning_rate, v, W)
            v_b *= beta
            v_b += (1 - beta) * db
            b -= learning_rate * v_b
        if l > 1:
            dZ = ref.relu_backward(dA_prev, caches[l - 2].activation_cache)
    return parameters

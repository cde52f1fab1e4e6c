"""Checks of lesson 03: activations and the forward pass."""

import numpy as np

from .checks import call, exercise, expect_array, expect_tuple


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


def expect_linear_cache(got, A_prev, W, b, what, case):
    """The linear cache must be (A_prev, W, b), in that order."""
    got = expect_tuple(got, 3, what, "A_prev, W, b", case)
    for item, expected, name in zip(got, (A_prev, W, b), ("A_prev", "W", "b"), strict=True):
        expect_array(
            item, expected, f"{what}'s {name}", case=case + " The order is (A_prev, W, b)."
        )


@exercise("linear_forward")
def _linear_forward(candidate, rng):
    sizes = layer_sizes(rng)
    for index, (n_prev, n, m) in enumerate(sizes):
        dtype = np.float32 if index == len(sizes) - 1 else np.float64
        A_prev, W, b = random_layer(rng, n_prev, n, m, dtype)
        case = f"with A{A_prev.shape}, W{W.shape}, b{b.shape}, {np.dtype(dtype).name}."
        out = call(candidate, "linear_forward", A_prev, W, b)
        Z, cache = expect_tuple(out, 2, "the result", "Z, cache", case)
        expected = W @ A_prev + b
        mistakes = [
            ("Z is missing the bias b: Z = W A + b.", W @ A_prev),
            ("Z subtracts b: it is Z = W A + b.", W @ A_prev - b),
        ]
        expect_array(Z, expected, "Z", mistakes, case)
        expect_linear_cache(cache, A_prev, W, b, "the cache", case)
    return len(sizes)

"""Checks of lesson 02: initialize_parameters, initialize_parameters_deep."""

import numpy as np

from .api import exercise
from .cases import parameter_keys
from .expect import Mistake, call, expect_keys, shape_sentence

# A weight scale within 25% of the lesson's (0.01, or He's sqrt(2 / n_prev)) gets no note.
SCALE_TOLERANCE = 0.25


def _expect_weights(W, shape, name, n_prev, case, scale_hint, lenient=False):
    """Shape, float dtype, not zero, rows not identical, not too large.

    ``lenient`` lets the scale sqrt(2 / n_l) of the wrong fan (n_l units) pass this limit,
    for ``_expect_fan_in`` to name where a layer tells it from He.
    """
    if not isinstance(W, np.ndarray):
        raise Mistake(f"{name} should be a NumPy array, got {type(W).__name__}.", case)
    if W.shape != shape and W.shape == shape[::-1]:
        raise Mistake(
            f"{name} has shape {W.shape}, expected {shape}: it is transposed. A weight matrix has "
            "one row per unit of its layer and one column per input: (n_l, n_{l-1}).",
            case,
        )
    if W.shape != shape:
        raise Mistake(shape_sentence(name, W.shape, shape), case)
    if W.dtype.kind != "f":
        raise Mistake(f"{name} should hold floats, got dtype {W.dtype}.", case)
    if not np.isfinite(W).all():
        raise Mistake(f"{name} contains NaN or infinite values.", case)
    if not np.any(W):
        raise Mistake(
            f"{name} is all zeros: every unit of the layer would compute, and learn, the same "
            f"thing. Draw random values instead: rng.standard_normal({shape}) {scale_hint}.",
            case,
        )
    if shape[0] > 1 and np.all(W == W[:1]):
        raise Mistake(
            f"all rows of {name} are identical, so all units of the layer stay identical "
            "while training. Each weight needs its own random draw: draw the whole matrix "
            f"at once, rng.standard_normal({shape}).",
            case,
        )
    if W.size > 1 and np.all(W == W.flat[0]):
        raise Mistake(f"every entry of {name} is the same number; draw them at random.", case)
    fan = min(n_prev, shape[0]) if lenient else n_prev
    limit = max(0.1, 3 * np.sqrt(2.0 / fan))  # three times He: tiny samples stay below it
    if W.std() > limit:
        raise Mistake(
            f"the weights in {name} are too large (standard deviation {W.std():.3g} for "
            f"{n_prev} inputs): large weights make the signal grow layer after layer and "
            f"saturate the activations. Scale them: rng.standard_normal({shape}) {scale_hint}.",
            case,
        )


def _expect_bias(b, n, name, case):
    """Shape (n, 1), float, zero."""
    if not isinstance(b, np.ndarray):
        raise Mistake(
            f"{name} should be a NumPy array, got {type(b).__name__}: use np.zeros(({n}, 1)).",
            case,
        )
    if b.shape != (n, 1):
        raise Mistake(
            f"{name} has shape {b.shape}, expected ({n}, 1): a bias is a column with one entry "
            f"per unit of the layer, np.zeros(({n}, 1)).",
            case,
        )
    if b.dtype.kind != "f":
        raise Mistake(
            f"{name} should hold floats (np.zeros gives them), got dtype {b.dtype}.", case
        )
    if np.any(b):
        raise Mistake(f"{name} should start at zero; only the weights need randomness.", case)


def _expect_parameters(parameters, name, keys, case):
    """``parameters`` must be a dict with exactly ``keys``."""
    if parameters is None:
        raise Mistake(f"{name} returned None: is a `return` missing?", case)
    if not isinstance(parameters, dict):
        raise Mistake(
            f"{name} should return a dict of parameters, got {type(parameters).__name__}: "
            'return {"W1": W1, "b1": b1, ...}.',
            case,
        )
    expect_keys(parameters, keys, "the returned dict", case)


def _expect_centered(weights, scale_hint):
    """The weights of all cases together must have both signs, as standard normal draws do.

    Hundreds of normal draws all of one sign have a chance below 2^-400.
    """
    W = np.concatenate([w.ravel() for w in weights])
    for sign, same in (("positive", W >= 0), ("negative", W <= 0)):
        if same.all():
            raise Mistake(
                f"all {W.size} weights drawn in these cases are {sign} or zero: they do not come "
                "from a standard normal distribution, which is centered on 0 (rng.random, for "
                "instance, draws from [0, 1)). Draw them with rng.standard_normal(shape) "
                f"{scale_hint}.",
            )


def _is_near(value, target):
    return abs(value - target) <= SCALE_TOLERANCE * target


def _expect_uses_rng(candidate, name, args, case):
    """Same seed gives the same parameters; different seeds give different weights."""
    first = call(candidate, name, *args, 7)
    again = call(candidate, name, *args, 7)
    other = call(candidate, name, *args, 8)
    same_seed = all(np.array_equal(first[k], again[k]) for k in first)
    new_seed = any(not np.array_equal(first[k], other[k]) for k in first if k.startswith("W"))
    if not (same_seed and new_seed):
        raise Mistake(
            "the weights do not come from the `rng` argument: draw them with "
            "`rng.standard_normal(...)` so that a seed reproduces them "
            "(np.random.randn or a fixed np.random.seed ignores the seed you are given).",
            case,
        )


@exercise("initialize_parameters")
def _initialize_parameters(candidate, rng):
    """Shapes, small random weights from the given generator, zero biases."""
    sizes = [(2, 4, 1), (3, 1, 1)]
    sizes += [tuple(int(n) for n in rng.integers(1, 9, size=3)) for _ in range(2)]
    sizes.append((int(rng.integers(40, 80)), int(rng.integers(10, 30)), 1))
    hint = "* 0.01"
    weights = []
    for n_x, n_h, n_y in sizes:
        case = f"with n_x={n_x}, n_h={n_h}, n_y={n_y}."
        parameters = call(candidate, "initialize_parameters", n_x, n_h, n_y, int(rng.integers(1e6)))
        _expect_parameters(parameters, "initialize_parameters", ["W1", "b1", "W2", "b2"], case)
        _expect_weights(parameters["W1"], (n_h, n_x), "W1", n_x, case, hint)
        _expect_bias(parameters["b1"], n_h, "b1", case)
        _expect_weights(parameters["W2"], (n_y, n_h), "W2", n_h, case, hint)
        _expect_bias(parameters["b2"], n_y, "b2", case)
        _expect_uses_rng(candidate, "initialize_parameters", (n_x, n_h, n_y), case)
        weights += [parameters["W1"], parameters["W2"]]
    _expect_centered(weights, hint)
    return len(sizes), _small_scale_notes(parameters["W1"])


def _small_scale_notes(W1):
    """A note on a first layer (of the largest case) far from 0.01."""
    std = float(W1.std())
    if 0.5 * 0.01 <= std <= 2 * 0.01:
        return []
    return [
        f"your W1 has standard deviation {std:.2g}, where the lesson asks for 0.01: "
        "accepted (any small random start breaks the symmetry), but your numbers below "
        "will differ from the text."
    ]


def _expect_layer_keys(parameters, L, case):
    """Keys W1, b1, ..., WL, bL, with a diagnosis for a layer too few or numbering from 0."""
    keys = parameter_keys(L)
    if isinstance(parameters, dict) and set(parameters) == set(keys[:-2]):
        raise Mistake(
            f"the last layer is missing (no W{L}, b{L}): with L = len(layer_dims) - 1 layers, "
            "loop over l = 1 .. L, i.e. range(1, len(layer_dims)).",
            case,
        )
    if isinstance(parameters, dict) and "W0" in parameters:
        raise Mistake(
            "there is a W0: layers are numbered from 1 (W1 connects the input to the first "
            "layer, with shape (layer_dims[1], layer_dims[0])), so loop over "
            "range(1, len(layer_dims)).",
            case,
        )
    _expect_parameters(parameters, "initialize_parameters_deep", keys, case)


def _expect_fresh_draws(parameters, L, case):
    """Weights of two layers of the same shape must not be the same numbers (up to scale)."""
    weights = [parameters[f"W{l}"] for l in range(1, L + 1)]
    for l, W in enumerate(weights, start=1):
        for k, V in enumerate(weights[l:], start=l + 1):
            if (
                W.shape == V.shape
                and W.size >= 4
                and np.allclose(W / np.abs(W).max(), V / np.abs(V).max())
            ):
                raise Mistake(
                    f"W{l} and W{k} hold the same numbers: every layer draws the same numbers. "
                    "Create the Generator once, before the loop (the given line "
                    "rng = np.random.default_rng(rng) does it), and draw every layer from it.",
                    case,
                )


def _expect_fan_in(W, n, n_prev, name, case):
    """He divides by the inputs n_prev, not by the layer's own size n.

    Checked where the two scales differ by sqrt(2) or more and W has 1000 entries or more:
    a He draw lands above the geometric mean of the two with a chance below 1e-15.
    """
    std, he, own = float(W.std()), np.sqrt(2 / n_prev), np.sqrt(2 / n)
    if W.size >= 1000 and n_prev >= 2 * n and np.sqrt(he * own) < std <= 1.25 * own:
        raise Mistake(
            f"the weights of {name} have standard deviation {std:.2g}, about sqrt(2 / {n}) = "
            f"{own:.2g}: 2 divided by the layer's own size, n_l = layer_dims[l] = {n}. He divides "
            "by the number of inputs of the layer, n_{l-1} = layer_dims[l - 1] = "
            f"{n_prev}: * np.sqrt(2 / layer_dims[l - 1]) = {he:.2g}.",
            case,
        )


def _expect_not_precedence(parameters, dims):
    """np.sqrt(2) / n_prev, meant as np.sqrt(2 / n_prev), fails; other small scales pass.

    Told apart in the last case's first two layers (1000 and 250 weights or more, inputs
    n0 >= 2.5 n1): their scales times their inputs, c = std * n_prev, agree within 25% only
    for a scale that follows 1 / n_prev (a constant as 0.01, or Xavier and He's
    1 / sqrt(n_prev), differ by sqrt(n0 / n1) >= 1.58), and c is sqrt(2) within 10% in W1
    (measured within 2%), not 2 (2 / n_prev, the square root left out) nor 1.
    """
    if len(dims) < 3 or parameters["W1"].size < 1000 or parameters["W2"].size < 250:
        return
    n0, n1 = dims[0], dims[1]
    c1, c2 = float(parameters["W1"].std()) * n0, float(parameters["W2"].std()) * n1
    if n0 < 2.5 * n1 or not (0.8 < c2 / c1 < 1.25) or abs(c1 / np.sqrt(2) - 1) > 0.1:
        return
    raise Mistake(
        f"the weights have standard deviation {c1 / n0:.2g} in W1 ({n0} inputs) and "
        f"{c2 / n1:.2g} in W2 ({n1} inputs): np.sqrt(2) / layer_dims[l - 1], an operator-"
        "precedence slip whose square root covers the 2 alone, so the weights are "
        f"sqrt({n0}) = {np.sqrt(n0):.2g} times smaller than He's in W1. What was meant: "
        f"* np.sqrt(2 / layer_dims[l - 1]) = {np.sqrt(2 / n0):.2g} there, the division "
        "inside the square root.",
        f"with layer_dims={list(dims)}.",
    )


def _he_scale_notes(W, n_prev):
    """A note on a first layer W with n_prev inputs whose scale is not He's sqrt(2 / n_prev)."""
    std, he = float(W.std()), np.sqrt(2 / n_prev)
    if _is_near(std, he):
        return []
    named = [
        (0.01, "the 0.01 of the two-layer network"),
        (np.sqrt(1 / n_prev), "Xavier/Glorot's sqrt(1 / n_{l-1}), suited to tanh"),
        (2 / n_prev, "2 / n_{l-1}, without the square root"),
    ]
    which = " or ".join(text for scale, text in named if _is_near(std, scale))
    return [
        f"your weights have standard deviation {std:.2g}{f' ({which})' * bool(which)} in a "
        f"layer with {n_prev} inputs, where He gives sqrt(2 / {n_prev}) = {he:.2g}: this is "
        "not He initialization, whose scale keeps the spread of the activations the same from "
        "layer to layer (smaller weights shrink it at every layer, larger ones grow it). The "
        "check lets other scales pass; watch the 10-layer picture below."
    ]


@exercise("initialize_parameters_deep")
def _initialize_parameters_deep(candidate, rng):
    """One W and b per layer, He-scaled weights, fresh draws for each layer."""
    dims_list = [[2, 4, 1], [3, 4, 4, 4, 1]]  # W2 and W3 of one shape: fresh draws for each?
    dims_list.append([int(n) for n in rng.integers(1, 8, size=rng.integers(3, 6))])
    # The first layer of the last case has 2.5 to 6 times more inputs than units, so that
    # sqrt(2 / n), the layer's own size, is told from He's sqrt(2 / n_prev), and unscaled
    # weights are too large; its W2 (250 weights or more) shows how the scale follows n_prev.
    dims_list.append([int(rng.integers(100, 150)), int(rng.integers(25, 40)), 10, 1])
    hint = "* np.sqrt(2 / layer_dims[l - 1]) (He initialization)"
    weights = []
    for dims in dims_list:
        case = f"with layer_dims={dims}."
        L = len(dims) - 1
        parameters = call(
            candidate, "initialize_parameters_deep", list(dims), int(rng.integers(1e6))
        )
        _expect_layer_keys(parameters, L, case)
        for l in range(1, L + 1):
            n, n_prev = dims[l], dims[l - 1]
            W = parameters[f"W{l}"]
            _expect_weights(W, (n, n_prev), f"W{l}", n_prev, case, hint, lenient=True)
            _expect_fan_in(W, n, n_prev, f"W{l}", case)
            _expect_bias(parameters[f"b{l}"], n, f"b{l}", case)
            weights.append(W)
        _expect_fresh_draws(parameters, L, case)
        _expect_not_precedence(parameters, dims)
        _expect_uses_rng(candidate, "initialize_parameters_deep", (list(dims),), case)
    _expect_centered(weights, hint)
    return len(dims_list), _he_scale_notes(parameters["W1"], dims[0])

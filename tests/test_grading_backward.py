"""The lesson-05 checkers accept correct backward passes and name the typical mistakes."""

import numpy as np
import pytest

from nnutils import reference as ref
from nnutils.checks import run_check
from tests.checking import fails_with, passes


def _sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def _raises(*args):
    raise ZeroDivisionError("oops")


MISBEHAVING = [(lambda *args: None, "None"), (_raises, "raised ZeroDivisionError")]

# --- sigmoid_backward -------------------------------------------------------------------


def _sigmoid_backward_mutating(dA, Z):
    dA *= _sigmoid(Z) * (1 - _sigmoid(Z))
    return dA


@pytest.mark.parametrize(
    "candidate",
    [
        ref.sigmoid_backward,
        lambda dA, Z: dA * _sigmoid(Z) * (1 - _sigmoid(Z)),
        lambda dA, Z: dA * np.exp(-Z) / (1 + np.exp(-Z)) ** 2,
        lambda dA, Z: np.multiply(dA, ref.sigmoid(Z) - ref.sigmoid(Z) ** 2),
    ],
)
def test_sigmoid_backward_accepts(candidate):
    passes("sigmoid_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda dA, Z: dA * _sigmoid(Z), "not by s itself"),
        (lambda dA, Z: _sigmoid(Z) * (1 - _sigmoid(Z)), "missing the factor dA"),
        (lambda dA, Z: -dA * _sigmoid(Z) * (1 - _sigmoid(Z)), "wrong sign"),
        (lambda dA, Z: dA * Z * (1 - Z), "not Z"),
        (ref.relu_backward, "ReLU's backward"),
        (_sigmoid_backward_mutating, "changed its argument `dA` in place"),
        (lambda dA, Z: dA * np.nan, "NaN"),
        (lambda dA, Z: "dZ", "NumPy array"),
        *MISBEHAVING,
    ],
)
def test_sigmoid_backward_names_mistakes(candidate, words):
    fails_with("sigmoid_backward", candidate, words)


# --- relu_backward ----------------------------------------------------------------------


def _relu_backward_copy(dA, Z):
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def _relu_backward_in_place(dA, Z):
    dZ = dA
    dZ[Z <= 0] = 0
    return dZ


@pytest.mark.parametrize(
    "candidate",
    [
        ref.relu_backward,
        lambda dA, Z: dA * (Z > 0),
        lambda dA, Z: np.where(Z <= 0, 0.0, dA),
        lambda dA, Z: dA * np.heaviside(Z, 0),
        _relu_backward_copy,
    ],
)
def test_relu_backward_accepts(candidate):
    passes("relu_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda dA, Z: (Z > 0).astype(float), "mask (Z > 0) alone"),
        (_relu_backward_in_place, "changed dA in place"),
        (ref.sigmoid_backward, "sigmoid's derivative"),
        (lambda dA, Z: np.maximum(dA, 0), "comes from Z"),
        (lambda dA, Z: dA * np.maximum(Z, 0), "derivative is 1 where Z > 0"),
        (lambda dA, Z: np.where(Z < 0, dA, 0), "keeps dA where Z < 0"),
        (lambda dA, Z: np.where(Z >= 0, dA, 0), "keeps dA where Z is exactly 0"),
        (lambda dA, Z: dA * np.heaviside(Z, 1), "not Z >= 0"),
        (lambda dA, Z: list(dA), "NumPy array"),
        *MISBEHAVING,
    ],
)
def test_relu_backward_names_mistakes(candidate, words):
    fails_with("relu_backward", candidate, words)


def test_relu_backward_keeps_the_inputs_dtype():
    fails_with(
        "relu_backward",
        lambda dA, Z: dA * (Z > 0).astype(float),
        "is float64, expected float32",
        "keep the inputs' dtype",
    )


# --- linear_backward --------------------------------------------------------------------


def _linear_backward_dot(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), 1 / m * np.dot(dZ, A_prev.T), 1 / m * np.sum(dZ, axis=1, keepdims=True)


def _linear_backward_einsum(dZ, cache):
    A_prev, W = cache[0], cache[1]
    dW = np.einsum("im,jm->ij", dZ, A_prev) / A_prev.shape[1]
    return [np.einsum("ji,jm->im", W, dZ), dW, np.mean(dZ, axis=1, keepdims=True)]


def _linear_variant(dA_prev=None, dW=None, db=None, order=(0, 1, 2)):
    """The reference with some outputs replaced by functions of (dZ, A_prev, W, m)."""

    def linear_backward(dZ, cache):
        A_prev, W, _ = cache
        m = A_prev.shape[1]
        out = list(ref.linear_backward(dZ, cache))
        for index, f in enumerate((dA_prev, dW, db)):
            if f is not None:
                out[index] = f(dZ, A_prev, W, m)
        return tuple(out[i] for i in order)

    return linear_backward


@pytest.mark.parametrize(
    "candidate", [ref.linear_backward, _linear_backward_dot, _linear_backward_einsum]
)
def test_linear_backward_accepts(candidate):
    passes("linear_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (_linear_variant(dW=lambda dZ, A, W, m: dZ @ A.T), "dW is m times too large"),
        (_linear_variant(dW=lambda dZ, A, W, m: dZ @ A.T / m / m), "dW is divided by m twice"),
        (_linear_variant(db=lambda dZ, A, W, m: dZ.sum(1, keepdims=True)), "db is m times"),
        (_linear_variant(db=lambda dZ, A, W, m: dZ.sum(1, keepdims=True) / m**2), "db is divided"),
        (_linear_variant(db=lambda dZ, A, W, m: dZ.sum(axis=1) / m), "column dimension"),
        (_linear_variant(db=lambda dZ, A, W, m: dZ.sum(0, keepdims=True) / m), "wrong axis"),
        (_linear_variant(db=lambda dZ, A, W, m: np.sum(dZ) / m), "one number"),
        (_linear_variant(dW=lambda dZ, A, W, m: dZ @ A / m), "A_prev without its transpose"),
        (_linear_variant(dW=lambda dZ, A, W, m: A @ dZ.T / m), "transpose"),
        (_linear_variant(dA_prev=lambda dZ, A, W, m: W @ dZ), "W without its transpose"),
        (_linear_variant(dA_prev=lambda dZ, A, W, m: W.T @ dZ / m), "dA_prev is divided by m"),
        (_linear_variant(order=(1, 2, 0)), "wrong order"),
        (
            _linear_variant(db=lambda dZ, A, W, m: dZ @ np.ones((m, 1)) / m),
            "db is float64, expected float32",
        ),
        (lambda dZ, cache: ref.linear_backward(dZ, cache)[1:], "tuple of 3"),
        (lambda dZ, cache: "dZ", "tuple of 3"),
        *MISBEHAVING,
    ],
)
def test_linear_backward_names_mistakes(candidate, words):
    fails_with("linear_backward", candidate, words)


# --- linear_activation_backward ---------------------------------------------------------


def _linear_activation_backward_dispatch(dA, cache, activation):
    backward = {"relu": ref.relu_backward, "sigmoid": ref.sigmoid_backward}[activation]
    return ref.linear_backward(backward(dA, cache[1]), cache[0])


def _linear_activation_backward_if(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "sigmoid":
        s = _sigmoid(Z)
        dZ = dA * s * (1 - s)
    else:
        dZ = dA * (Z > 0)
    return _linear_backward_dot(dZ, linear_cache)


def _swapped(dA, cache, activation):
    other = "sigmoid" if activation == "relu" else "relu"
    return ref.linear_activation_backward(dA, cache, other)


@pytest.mark.parametrize(
    "candidate",
    [
        ref.linear_activation_backward,
        _linear_activation_backward_dispatch,
        _linear_activation_backward_if,
    ],
)
def test_linear_activation_backward_accepts(candidate):
    passes("linear_activation_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (_swapped, "derivative although activation"),
        (lambda dA, cache, a: ref.linear_backward(dA, cache[0]), "skips the activation"),
        (
            lambda dA, cache, a: ref.linear_activation_backward(dA, cache, a)[::-1],
            "wrong order",
        ),
        (
            lambda dA, cache, a: ref.linear_activation_backward(dA, cache, a)[1:],
            "tuple of 3",
        ),
        *MISBEHAVING,
    ],
)
def test_linear_activation_backward_names_mistakes(candidate, words):
    fails_with("linear_activation_backward", candidate, words)


# --- L_model_backward -------------------------------------------------------------------


def _classic(AL, Y, caches, output="sigmoid", hidden="relu", sign=1, cast=True, key=None):
    """The textbook backward pass with dAL; arguments plant mistakes."""
    if cast:
        Y = Y.astype(AL.dtype)
    dA = -sign * (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    key = key or (lambda name, l: f"{name}{l - 1 if name == 'dA' else l}")
    L = len(caches)
    grads = {}
    for l in reversed(range(1, L + 1)):
        activation = output if l == L else hidden
        dA, dW, db = ref.linear_activation_backward(dA, caches[l - 1], activation)
        grads[key("dA", l)], grads[key("dW", l)], grads[key("db", l)] = dA, dW, db
    return grads


def _textbook_indices(AL, Y, caches):
    """The seed tutorial's loop, with its bugs fixed."""
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape).astype(AL.dtype)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    linear_cache, Z = caches[-1]
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = ref.linear_backward(
        ref.sigmoid_backward(dAL, Z), linear_cache
    )
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = ref.linear_activation_backward(grads[f"dA{l + 1}"], caches[l], "relu")
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA_prev, dW, db
    return grads


def _skips_first_layer(AL, Y, caches):
    grads = _classic(AL, Y, caches)
    if len(caches) > 1:
        for key in ("dA0", "dW1", "db1"):
            del grads[key]
    return grads


def _reversed_caches(AL, Y, caches):
    return ref.L_model_backward(AL, Y, caches[::-1])


def _m_times_too_small(AL, Y, caches):
    grads = ref.L_model_backward(AL, Y, caches)
    return {key: value / AL.shape[1] for key, value in grads.items()}


def _shortcut(AL, Y, caches):
    """dZL = AL - Y with Y cast, through linear_backward, then the ReLU layers."""
    L = len(caches)
    grads = {}
    dZ = AL - Y.astype(AL.dtype)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = ref.linear_backward(dZ, caches[-1][0])
    for l in range(L - 1, 0, -1):
        dA_prev, dW, db = ref.linear_activation_backward(grads[f"dA{l}"], caches[l - 1], "relu")
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA_prev, dW, db
    return grads


def _in_float64(AL, Y, caches):
    """The reference, on every array cast to float64."""
    caches = [(tuple(np.float64(P) for P in linear), np.float64(Z)) for linear, Z in caches]
    return ref.L_model_backward(np.float64(AL), Y, caches)


def _dZ_as_dA(AL, Y, caches):
    """dAL = AL - Y, given to the sigmoid layer's backward."""
    L = len(caches)
    dA = AL - Y.astype(AL.dtype)
    grads = {}
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, grads[f"dW{l}"], grads[f"db{l}"] = ref.linear_activation_backward(
            dA, caches[l - 1], activation
        )
        grads[f"dA{l - 1}"] = dA
    return grads


def learner(sigmoid_route):
    """A learner's L_model_backward: ``sigmoid_route`` for "sigmoid", the shortcut for "softmax"."""

    def L_model_backward(AL, Y, caches, output_activation="sigmoid"):
        if output_activation == "softmax":
            return _shortcut(AL, Y, caches)
        return sigmoid_route(AL, Y, caches)

    return L_model_backward


def _shortcut_for_both(AL, Y, caches, output_activation="sigmoid"):
    return _shortcut(AL, Y, caches)


@pytest.mark.parametrize(
    "candidate",
    [
        ref.L_model_backward,
        learner(_classic),
        learner(_textbook_indices),
        learner(_shortcut),
        _shortcut_for_both,
    ],
)
def test_L_model_backward_accepts(candidate):
    passes("L_model_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (_shortcut, ["fourth argument", 'output_activation="sigmoid"']),
        (lambda AL, Y, c, a="sigmoid": _classic(AL, Y, c), ["output_activation is ignored"]),
        (
            lambda AL, Y, c, a="sigmoid": (
                {k: -v for k, v in _shortcut(AL, Y, c).items()}
                if a == "softmax"
                else _shortcut(AL, Y, c)
            ),
            ["wrong sign", "not Y - AL"],
        ),
        (
            lambda AL, Y, c, a="sigmoid": (
                {k: v / AL.shape[1] for k, v in _shortcut(AL, Y, c).items()}
                if a == "softmax"
                else _shortcut(AL, Y, c)
            ),
            ["m times too small", "no 1/m"],
        ),
    ],
)
def test_L_model_backward_names_softmax_mistakes(candidate, words):
    """The default cases pass; the softmax cases name the slip."""
    fails_with("L_model_backward", candidate, *words)


@pytest.mark.parametrize(
    "candidate", [lambda AL, Y, c: _classic(AL, Y, c, cast=False), _in_float64]
)
def test_L_model_backward_keeps_the_dtype_of_AL(candidate):
    fails_with(
        "L_model_backward",
        candidate,
        "is float64, expected float32: AL is float32",
        "Y.astype(AL.dtype)",
    )


def test_L_model_backward_names_dZL_given_as_dAL():
    result = fails_with(
        "L_model_backward", _dZ_as_dA, "AL - Y, which is dZL", "derivative a second time"
    )
    assert "m times" not in result.messages[0]


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda AL, Y, c: _classic(AL, Y, c, key=lambda n, l: f"{n}{l}"), "shifted by one"),
        (lambda AL, Y, c: _classic(AL, Y, c, key=lambda n, l: f"{n}{l - 1}"), "dW0"),
        (_skips_first_layer, "layer 1 is skipped"),
        (lambda AL, Y, c: _classic(AL, Y, c, output="relu"), "output layer uses the ReLU"),
        (lambda AL, Y, c: _classic(AL, Y, c, hidden="sigmoid"), "hidden layers use the sigmoid"),
        (lambda AL, Y, c: _classic(AL, Y, c, sign=-1), "wrong sign"),
        (_reversed_caches, "caches[l - 1]"),
        (_m_times_too_small, "m times too small"),
        (lambda AL, Y, c: list(ref.L_model_backward(AL, Y, c).values()), "should be a dict"),
        (lambda AL, Y, c: None, "None"),
        (_raises, "raised ZeroDivisionError"),
    ],
)
def test_L_model_backward_names_mistakes(candidate, words):
    fails_with("L_model_backward", candidate, words)


def test_L_model_backward_points_at_a_wrong_layer():
    def wrong_db1(AL, Y, caches):
        grads = ref.L_model_backward(AL, Y, caches)
        grads["db1"] = grads["db1"] + 1
        return grads

    result = run_check("L_model_backward", wrong_db1, seed=0)
    assert not result.passed
    assert "grads['db1'] has wrong values" in result.messages[0]


# --- deriving it: one neuron, dAL, softmax with cross-entropy ------------------------------


def _neuron_example_loop(x, y, w, b):
    """dw entry by entry, as a learner writes it first."""
    z = float(np.sum(w[0] * x[:, 0]) + b[0, 0])
    a = 1 / (1 + np.exp(-z))
    da = -(y[0, 0] / a - (1 - y[0, 0]) / (1 - a))
    dz = da * a * (1 - a)
    dw = np.zeros_like(w)
    for j in range(w.shape[1]):
        dw[0, j] = dz * x[j, 0]
    return dw, np.full_like(b, dz)


def _neuron_example_variant(dz_of, dw_of=None):
    """A one-example answer whose dz is dz_of(a, y, z) and dw is dw_of(dz, x, w)."""

    def neuron_example_backward(x, y, w, b):
        z = w @ x + b
        a = _sigmoid(z)
        dz = dz_of(a, y.astype(x.dtype), z)
        dw = dz * x.T if dw_of is None else dw_of(dz, x, w)
        return dw, dz

    return neuron_example_backward


def _da(a, y):
    return -(y / a - (1 - y) / (1 - a))


@pytest.mark.parametrize(
    "candidate",
    [
        ref.neuron_example_backward,
        _neuron_example_loop,
        _neuron_example_variant(lambda a, y, z: _da(a, y) * a * (1 - a)),
        _neuron_example_variant(lambda a, y, z: _da(a, y) * np.exp(-z) / (1 + np.exp(-z)) ** 2),
        _neuron_example_variant(lambda a, y, z: a - y, lambda dz, x, w: (x * dz).T),
    ],
)
def test_neuron_example_backward_accepts(candidate):
    passes("neuron_example_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (_neuron_example_variant(lambda a, y, z: y - a), "sign error"),
        (
            _neuron_example_variant(lambda a, y, z: _da(a, y) * _sigmoid(a) * (1 - _sigmoid(a))),
            "evaluated at a instead of z",
        ),
        (_neuron_example_variant(lambda a, y, z: _da(a, y)), "σ'(z) is missing"),
        (_neuron_example_variant(lambda a, y, z: (a - y) * a * (1 - a)), "applied twice"),
        (
            _neuron_example_variant(lambda a, y, z: a - y, lambda dz, x, w: dz * w),
            "input x, not w",
        ),
        (
            _neuron_example_variant(lambda a, y, z: a - y, lambda dz, x, w: dz * x),
            "laid out as a row",
        ),
        (
            _neuron_example_variant(lambda a, y, z: 1.01 * (a - y)),
            "disagrees with the slopes measured by nudging each entry of w",
        ),
        (lambda x, y, w, b: (w, b, x), "tuple of 2"),
        (lambda x, y, w, b: ([[0.0] * w.shape[1]], b), "NumPy array"),
        *MISBEHAVING,
    ],
)
def test_neuron_example_backward_names_mistakes(candidate, words):
    fails_with("neuron_example_backward", candidate, words)


def test_neuron_example_backward_keeps_float32():
    def promoted(x, y, w, b):
        dz = _sigmoid(w @ x + b) - y  # int labels promote float32 to float64
        return dz * x.T, dz

    fails_with("neuron_example_backward", promoted, "expected float32", "Y = Y.astype(x.dtype)")


def _neuron_batch_loop(X, Y, w, b):
    """The sum over examples written as a loop."""
    m = X.shape[1]
    dw, db = np.zeros_like(w), np.zeros_like(b)
    for i in range(m):
        x, y = X[:, i : i + 1], Y[:, i : i + 1].astype(X.dtype)
        dz = _sigmoid(w @ x + b) - y
        dw += dz * x.T
        db += dz
    return dw / m, db / m


def _neuron_batch_variant(dw_of, db_of=None, dz_of=None):
    """A batch answer: dZ from dz_of(A, Y) (A - Y by default), then dw_of(dZ, X, m), db_of(dZ, m)."""

    def neuron_batch_backward(X, Y, w, b):
        m = X.shape[1]
        A = _sigmoid(w @ X + b)
        Y = Y.astype(X.dtype)
        dZ = A - Y if dz_of is None else dz_of(A, Y)
        db = dZ.sum(axis=1, keepdims=True) / m if db_of is None else db_of(dZ, m)
        return dw_of(dZ, X, m), db

    return neuron_batch_backward


def _right_dw(dZ, X, m):
    return dZ @ X.T / m


@pytest.mark.parametrize(
    "candidate",
    [
        ref.neuron_batch_backward,
        _neuron_batch_loop,
        _neuron_batch_variant(lambda dZ, X, m: np.mean(dZ * X, axis=1, keepdims=True).T),
        _neuron_batch_variant(
            lambda dZ, X, m: np.einsum("im,jm->ij", dZ, X) / m,
            lambda dZ, m: np.mean(dZ).reshape(1, 1),
        ),
        _neuron_batch_variant(_right_dw, dz_of=lambda A, Y: _da(A, Y) * A * (1 - A)),
    ],
)
def test_neuron_batch_backward_accepts(candidate):
    passes("neuron_batch_backward", candidate)


def _last_example_only(X, Y, w, b):
    m = X.shape[1]
    for i in range(m):
        x, y = X[:, i : i + 1], Y[:, i : i + 1].astype(X.dtype)
        dz = _sigmoid(w @ x + b) - y
        dw, db = dz * x.T, dz  # = instead of +=
    return dw / m, db / m


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (_neuron_batch_variant(lambda dZ, X, m: dZ @ X.T), "dw is m times too large"),
        (_neuron_batch_variant(lambda dZ, X, m: dZ @ X.T / m**2), "divided by m twice"),
        (_neuron_batch_variant(lambda dZ, X, m: X @ dZ.T / m), "summed over examples"),
        (_neuron_batch_variant(lambda dZ, X, m: dZ @ X / m), "needs the transpose"),
        (
            _neuron_batch_variant(_right_dw, lambda dZ, m: dZ.sum(axis=1, keepdims=True)),
            "db is m times too large",
        ),
        (_neuron_batch_variant(_right_dw, lambda dZ, m: dZ / m), "sum over axis 1"),
        (_last_example_only, "last example's term alone"),
        (_neuron_batch_variant(_right_dw, dz_of=lambda A, Y: Y - A), "sign error"),
        (
            _neuron_batch_variant(
                _right_dw, dz_of=lambda A, Y: _da(A, Y) * _sigmoid(A) * (1 - _sigmoid(A))
            ),
            "evaluated at a instead of z",
        ),
        (_neuron_batch_variant(_right_dw, dz_of=lambda A, Y: _da(A, Y)), "σ'(z) is missing"),
        *MISBEHAVING,
    ],
)
def test_neuron_batch_backward_names_mistakes(candidate, words):
    fails_with("neuron_batch_backward", candidate, words)


def _dAL(AL, Y):
    Y = Y.astype(AL.dtype)
    return -(Y / AL - (1 - Y) / (1 - AL))


@pytest.mark.parametrize(
    "candidate",
    [
        ref.cross_entropy_backward,
        _dAL,
        lambda AL, Y: np.divide(AL - Y.astype(AL.dtype), AL * (1 - AL)),
        lambda AL, Y: np.where(Y == 1, -1 / AL, 1 / (1 - AL)).astype(AL.dtype),
    ],
)
def test_cross_entropy_backward_accepts(candidate):
    passes("cross_entropy_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda AL, Y: _dAL(AL, Y) / AL.shape[1], "divided by m: column i"),
        (lambda AL, Y: -_dAL(AL, Y), "sign error"),
        (lambda AL, Y: -(Y / AL + (1 - Y) / (1 - AL)), "second term has the wrong sign"),
        (lambda AL, Y: AL - Y.astype(AL.dtype), "which is dZL"),
        (lambda AL, Y: -Y.astype(AL.dtype) / AL, "only the y log a term"),
        (lambda AL, Y: 1.001 * _dAL(AL, Y), "disagrees with the slopes"),
        (lambda AL, Y: -(Y / AL - (1 - Y) / (1 - AL)), "Y = Y.astype(AL.dtype)"),
        *MISBEHAVING,
    ],
)
def test_cross_entropy_backward_names_mistakes(candidate, words):
    fails_with("cross_entropy_backward", candidate, words)


def _softmax_jacobian_loop(AL, Y):
    """dZ through the full Jacobian of the softmax, example by example."""
    dZ = np.empty_like(AL)
    for i in range(AL.shape[1]):
        a, y = AL[:, i], Y[:, i]
        jacobian = np.diag(a) - np.outer(a, a)  # ∂a_k/∂z_j
        dZ[:, i] = jacobian.T @ (-y / a)
    return dZ


@pytest.mark.parametrize(
    "candidate",
    [
        ref.softmax_cross_entropy_backward,
        lambda AL, Y: AL - Y,
        lambda AL, Y: np.subtract(AL, Y),
        _softmax_jacobian_loop,
    ],
)
def test_softmax_cross_entropy_backward_accepts(candidate):
    passes("softmax_cross_entropy_backward", candidate)


@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda AL, Y: Y - AL, "sign error"),
        (lambda AL, Y: (AL - Y) / AL.shape[1], "divided by m"),
        (lambda AL, Y: -Y / AL, "this is dAL"),
        (lambda AL, Y: -Y / AL * AL * (1 - AL), "only the diagonal"),
        (lambda AL, Y: (AL - Y) * AL * (1 - AL), "applied twice"),
        (lambda AL, Y: (AL - Y).T, "transpose"),
        (lambda AL, Y: (AL - Y).astype(np.float64), "expected float32"),
        *MISBEHAVING,
    ],
)
def test_softmax_cross_entropy_backward_names_mistakes(candidate, words):
    fails_with("softmax_cross_entropy_backward", candidate, words)


def test_sigmoid_backward_names_the_derivative_taken_at_A():
    s = ref.sigmoid
    fails_with(
        "sigmoid_backward",
        lambda dA, Z: dA * s(s(Z)) * (1 - s(s(Z))),
        "evaluated at s = sigmoid(Z)",
    )

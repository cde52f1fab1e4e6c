"""The checks of lesson 02 accept correct initializations and name the typical mistakes."""

import numpy as np
import pytest

from nnutils import reference
from nnutils.checks import run_check
from tests.checking import SEEDS, fails_with, passes


def two_layer(W1=None, b1=None, W2=None, b2=None):
    """An initialize_parameters built from per-parameter makers (n_x, n_h, n_y, rng) -> array."""

    def small(rows, cols):
        return lambda n_x, n_h, n_y, rng: (
            rng.standard_normal((rows(n_x, n_h, n_y), cols(n_x, n_h, n_y))) * 0.01
        )

    makers = {
        "W1": W1 or small(lambda x, h, y: h, lambda x, h, y: x),
        "b1": b1 or (lambda n_x, n_h, n_y, rng: np.zeros((n_h, 1))),
        "W2": W2 or small(lambda x, h, y: y, lambda x, h, y: h),
        "b2": b2 or (lambda n_x, n_h, n_y, rng: np.zeros((n_y, 1))),
    }

    def initialize_parameters(n_x, n_h, n_y, rng=None):
        rng = np.random.default_rng(rng)
        return {name: make(n_x, n_h, n_y, rng) for name, make in makers.items()}

    return initialize_parameters


def deep(W=None, b=None, layers=lambda L: range(1, L + 1)):
    """An initialize_parameters_deep from makers W(n, n_prev, rng), b(n), over ``layers(L)``."""
    W = W or (lambda n, n_prev, rng: rng.standard_normal((n, n_prev)) * np.sqrt(2 / n_prev))
    b = b or (lambda n: np.zeros((n, 1)))

    def initialize_parameters_deep(layer_dims, rng=None):
        rng = np.random.default_rng(rng)
        parameters = {}
        for l in layers(len(layer_dims) - 1):
            n, n_prev = layer_dims[l], layer_dims[l - 1]
            parameters[f"W{l}"] = W(n, n_prev, rng)
            parameters[f"b{l}"] = b(n)
        return parameters

    return initialize_parameters_deep


# --- initialize_parameters ------------------------------------------------------


def normal_scaled(n_x, n_h, n_y, rng=None):
    rng = np.random.default_rng(rng)
    parameters = {}
    for l, (n, n_prev) in enumerate([(n_h, n_x), (n_y, n_h)], start=1):
        parameters[f"W{l}"] = rng.normal(0.0, 0.01, size=(n, n_prev))
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


def float32_weights(n_x, n_h, n_y, rng=None):
    rng = np.random.default_rng(rng)
    return {
        "W1": (rng.standard_normal((n_h, n_x)) * 0.01).astype(np.float32),
        "b1": np.zeros((n_h, 1), dtype=np.float32),
        "W2": (rng.standard_normal((n_y, n_h)) * 0.01).astype(np.float32),
        "b2": np.zeros((n_y, 1), dtype=np.float32),
    }


def uniform_small(n_x, n_h, n_y, rng=None):
    rng = np.random.default_rng(rng)
    return {
        "W1": rng.uniform(-0.05, 0.05, (n_h, n_x)),
        "b1": np.zeros((n_h, 1)),
        "W2": rng.uniform(-0.05, 0.05, (n_y, n_h)),
        "b2": np.zeros((n_y, 1)),
    }


def positive_when_small(shape, rng, scale):
    """Normal draws times ``scale``, made positive in matrices of up to 4 entries: by chance,
    a correct (1, 2) W may have both entries positive."""
    W = rng.standard_normal(shape) * scale
    return np.abs(W) if W.size <= 4 else W


@pytest.mark.parametrize(
    "candidate",
    [
        reference.initialize_parameters,
        two_layer(),
        normal_scaled,
        float32_weights,
        uniform_small,
        two_layer(
            W1=lambda n_x, n_h, n_y, rng: positive_when_small((n_h, n_x), rng, 0.01),
            W2=lambda n_x, n_h, n_y, rng: positive_when_small((n_y, n_h), rng, 0.01),
        ),
    ],
)
def test_correct_initialize_parameters_pass(candidate):
    passes("initialize_parameters", candidate)


def ignores_rng(n_x, n_h, n_y, rng=None):
    return {
        "W1": np.random.randn(n_h, n_x) * 0.01,  # noqa: NPY002 (the mistake under test)
        "b1": np.zeros((n_h, 1)),
        "W2": np.random.randn(n_y, n_h) * 0.01,  # noqa: NPY002 (the mistake under test)
        "b2": np.zeros((n_y, 1)),
    }


def fixed_seed(n_x, n_h, n_y, rng=None):
    return reference.initialize_parameters(n_x, n_h, n_y, rng=1)


def shape_as_two_arguments(n_x, n_h, n_y, rng=None):
    rng = np.random.default_rng(rng)
    return {"W1": rng.standard_normal(n_h, n_x) * 0.01}


def zeros_with_two_arguments(n_x, n_h, n_y, rng=None):
    return {"b1": np.zeros(n_h, 1)}


def zeros(rows, cols):
    return lambda n_x, n_h, n_y, rng: np.zeros((rows(n_x, n_h), cols(n_x, n_h)))


TWO_LAYER_MISTAKES = {
    "zero W1": (
        two_layer(W1=lambda n_x, n_h, n_y, rng: np.zeros((n_h, n_x))),
        ["W1 is all zeros", "rng.standard_normal"],
    ),
    "transposed W1": (
        two_layer(W1=lambda n_x, n_h, n_y, rng: rng.standard_normal((n_x, n_h)) * 0.01),
        ["W1 has shape (", "transposed", "one row per unit"],
    ),
    "bias of shape (n,)": (
        two_layer(b1=lambda n_x, n_h, n_y, rng: np.zeros(n_h)),
        ["b1 has shape", "np.zeros((", ", 1))"],
    ),
    "bias as a row": (
        two_layer(b1=lambda n_x, n_h, n_y, rng: np.zeros((1, n_h))),
        ["b1 has shape", "a bias is a column"],
    ),
    "identical rows": (
        two_layer(
            W1=lambda n_x, n_h, n_y, rng: np.tile(rng.standard_normal((1, n_x)) * 0.01, (n_h, 1))
        ),
        ["all rows of W1 are identical"],
    ),
    "constant weights": (
        two_layer(W2=lambda n_x, n_h, n_y, rng: np.full((n_y, n_h), 0.01)),
        ["W2", "same number"],
    ),
    "unscaled randn": (
        two_layer(W1=lambda n_x, n_h, n_y, rng: rng.standard_normal((n_h, n_x))),
        ["W1 are too large", "* 0.01"],
    ),
    "random bias": (
        two_layer(b2=lambda n_x, n_h, n_y, rng: rng.standard_normal((n_y, 1)) * 0.01),
        ["b2 should start at zero"],
    ),
    "integer bias": (
        two_layer(b1=lambda n_x, n_h, n_y, rng: np.zeros((n_h, 1), dtype=int)),
        ["b1 should hold floats"],
    ),
    "np.random.randn": (ignores_rng, ["`rng` argument"]),
    "a fixed seed": (fixed_seed, ["`rng` argument"]),
    "standard_normal(rows, cols)": (shape_as_two_arguments, ["ONE tuple"]),
    "np.zeros(rows, 1)": (zeros_with_two_arguments, ["ONE tuple"]),
    "a missing key": (
        lambda n_x, n_h, n_y, rng=None: {
            k: v
            for k, v in reference.initialize_parameters(n_x, n_h, n_y, rng).items()
            if k != "b2"
        },
        ["missing keys ['b2']"],
    ),
    "NaN weights": (
        two_layer(W1=lambda n_x, n_h, n_y, rng: np.full((n_h, n_x), np.nan)),
        ["NaN"],
    ),
    "uniform rng.random": (
        two_layer(
            W1=lambda n_x, n_h, n_y, rng: rng.random((n_h, n_x)) * 0.01,
            W2=lambda n_x, n_h, n_y, rng: rng.random((n_y, n_h)) * 0.01,
        ),
        ["weights drawn in these cases are positive", "rng.standard_normal(shape) * 0.01"],
    ),
}


@pytest.mark.parametrize("mistake", TWO_LAYER_MISTAKES)
def test_initialize_parameters_mistakes_are_named(mistake):
    candidate, words = TWO_LAYER_MISTAKES[mistake]
    fails_with("initialize_parameters", candidate, *words)


def assert_note(exercise_id, candidate, *words):
    """The candidate passes on every seed, with a note holding ``words``."""
    for seed in SEEDS:
        result = run_check(exercise_id, candidate, seed=seed)
        assert result.passed, f"seed {seed}: {result}"
        text = " ".join(result.messages)
        for word in words:
            assert word in text, f"seed {seed}: {word!r} not in {text!r}"
    return result


def test_the_lesson_scale_gets_no_note():
    for seed in SEEDS:
        assert run_check("initialize_parameters", two_layer(), seed=seed).messages == []


def test_an_unusual_two_layer_scale_passes_with_a_note():
    candidate = two_layer(
        W1=lambda n_x, n_h, n_y, rng: rng.standard_normal((n_h, n_x)) * 0.1,
        W2=lambda n_x, n_h, n_y, rng: rng.standard_normal((n_y, n_h)) * 0.1,
    )
    assert_note("initialize_parameters", candidate, "standard deviation 0.", "asks for 0.01")


def test_returning_a_tuple_names_the_function():
    candidate = lambda *args: tuple(reference.initialize_parameters(*args).values())  # noqa: E731
    fails_with("initialize_parameters", candidate, "initialize_parameters should return a dict")


# --- initialize_parameters_deep ---------------------------------------------------


def xavier(layer_dims, rng=None):
    rng = np.random.default_rng(rng)
    parameters = {}
    for l, (n_prev, n) in enumerate(zip(layer_dims[:-1], layer_dims[1:], strict=True), start=1):
        parameters["W" + str(l)] = rng.standard_normal((n, n_prev)) / np.sqrt(n_prev)
        parameters["b" + str(l)] = np.zeros(shape=(n, 1))
    return parameters


@pytest.mark.parametrize(
    "candidate",
    [
        reference.initialize_parameters_deep,
        deep(),
        xavier,
        deep(W=lambda n, n_prev, rng: rng.standard_normal((n, n_prev)) * 0.01),
        deep(W=lambda n, n_prev, rng: rng.normal(scale=np.sqrt(2 / n_prev), size=(n, n_prev))),
        deep(W=lambda n, n_prev, rng: positive_when_small((n, n_prev), rng, np.sqrt(2 / n_prev))),
        deep(W=lambda n, n_prev, rng: rng.standard_normal((n, n_prev)) * np.sqrt(2 / (n_prev + n))),
    ],
    ids=["reference", "loop", "xavier", "0.01", "rng.normal", "positive by chance", "glorot"],
)
def test_correct_initialize_parameters_deep_pass(candidate):
    passes("initialize_parameters_deep", candidate)


def mutates_layer_dims(layer_dims, rng=None):
    layer_dims.insert(0, layer_dims[0])
    return reference.initialize_parameters_deep(layer_dims[1:], rng)


DEEP_MISTAKES = {
    "all-zero weights": (deep(W=lambda n, n_prev, rng: np.zeros((n, n_prev))), ["all zeros"]),
    "transposed W": (
        deep(W=lambda n, n_prev, rng: rng.standard_normal((n_prev, n)) * 0.01),
        ["transpose"],
    ),
    "biases of shape (n,)": (deep(b=lambda n: np.zeros(n)), ["a bias is a column", "np.zeros(("]),
    "a missing layer": (deep(layers=lambda L: range(1, L)), ["last layer is missing"]),
    "layers from 0": (deep(layers=lambda L: range(L)), ["numbered from 1"]),
    "identical rows": (
        deep(W=lambda n, n_prev, rng: np.repeat(rng.standard_normal((1, n_prev)), n, axis=0)),
        ["rows of W", "identical"],
    ),
    "unscaled randn in big layers": (
        deep(W=lambda n, n_prev, rng: rng.standard_normal((n, n_prev))),
        ["too large", "np.sqrt(2 / layer_dims[l - 1])"],
    ),
    "ignoring rng": (
        deep(W=lambda n, n_prev, rng: np.random.randn(n, n_prev) * 0.01),  # noqa: NPY002
        ["`rng` argument"],
    ),
    "mutating layer_dims": (mutates_layer_dims, ["changed its argument `layer_dims`"]),
    "the layer's own size": (
        deep(W=lambda n, n_prev, rng: rng.standard_normal((n, n_prev)) * np.sqrt(2 / n)),
        ["the layer's own size, n_l = layer_dims[l]", "number of inputs", "layer_dims[l - 1]"],
    ),
    # Once passed with a note: a slip, not a chosen scale, so it fails.
    "sqrt(2) / n_prev (precedence)": (
        deep(W=lambda n, n_prev, rng: rng.standard_normal((n, n_prev)) * np.sqrt(2) / n_prev),
        [
            "np.sqrt(2) / layer_dims[l - 1]",
            "precedence",
            "covers the 2 alone",
            "times smaller than He's",
            "What was meant: * np.sqrt(2 / layer_dims[l - 1])",
        ],
    ),
    "uniform rng.random": (
        deep(W=lambda n, n_prev, rng: rng.random((n, n_prev)) * np.sqrt(2 / n_prev)),
        ["positive or zero", "rng.standard_normal(shape) * np.sqrt(2 / layer_dims[l - 1])"],
    ),
}


@pytest.mark.parametrize("mistake", DEEP_MISTAKES)
def test_initialize_parameters_deep_mistakes_are_named(mistake):
    candidate, words = DEEP_MISTAKES[mistake]
    fails_with("initialize_parameters_deep", candidate, *words)


def reseeded_every_layer(layer_dims, rng=None):
    parameters = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        layer_rng = np.random.default_rng(rng)  # the mistake: a new Generator for every layer
        parameters[f"W{l}"] = layer_rng.standard_normal((n, n_prev)) * np.sqrt(2 / n_prev)
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


def test_reseeding_every_layer_is_named():
    fails_with(
        "initialize_parameters_deep", reseeded_every_layer, "same numbers", "once, before the loop"
    )


def test_he_gets_no_note():
    for seed in SEEDS:
        result = run_check(
            "initialize_parameters_deep", reference.initialize_parameters_deep, seed=seed
        )
        assert result.messages == []


@pytest.mark.parametrize(
    ("scale", "words"),
    [
        (lambda n, n_prev: 0.01, ["the 0.01 of the two-layer network"]),
        (lambda n, n_prev: np.sqrt(1 / n_prev), ["Xavier/Glorot"]),
        (lambda n, n_prev: 2 / n_prev, ["without the square root"]),
    ],
    ids=["0.01", "xavier", "no sqrt"],
)
def test_other_deep_scales_pass_with_a_note(scale, words):
    candidate = deep(W=lambda n, n_prev, rng: rng.standard_normal((n, n_prev)) * scale(n, n_prev))
    result = assert_note(
        "initialize_parameters_deep", candidate, *words, "where He gives", "picture below"
    )
    assert "not He initialization" in result.messages[0] and "fine" not in result.messages[0]


# --- misbehaving answers ------------------------------------------------------------


def not_written(*args):
    raise NotImplementedError("Exercise: replace this line with your code.")


def raises(*args):
    raise ValueError("boom")


@pytest.mark.parametrize("exercise_id", ["initialize_parameters", "initialize_parameters_deep"])
@pytest.mark.parametrize(
    ("candidate", "words"),
    [
        (lambda *args: None, "None"),
        (lambda *args: [1, 2], "dict"),
        (lambda *args: {"W1": "zero"}, "keys"),
        (raises, "raised ValueError: boom"),
        (not_written, "not written yet"),
        ("not a function", "expected a function"),
    ],
)
def test_misbehaving_answers_fail_without_raising(exercise_id, candidate, words):
    result = run_check(exercise_id, candidate, seed=0)
    assert not result.passed
    assert words in " ".join(result.messages)
    assert result.not_written == (candidate is not_written)


def test_non_array_weights_are_reported():
    candidate = two_layer(W1=lambda n_x, n_h, n_y, rng: [[0.01] * n_x] * n_h)
    result = run_check("initialize_parameters", candidate, seed=0)
    assert not result.passed
    assert "W1 should be a NumPy array, got list" in result.messages[0]

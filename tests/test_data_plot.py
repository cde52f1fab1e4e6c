"""nnutils.data: layout, dtypes, determinism, balance, splitting. nnutils.plot: draws on the given axes."""

import matplotlib
import matplotlib.pyplot as plt  # the Agg backend: conftest.py (at the root) sets MPLBACKEND
import numpy as np
import pytest

from nnutils import data, plot
from nnutils.reference import sigmoid

LOADERS = [data.load_planar, data.load_moons, data.load_circles]


# --- data ----------------------------------------------------------------------------


@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize("m", [400, 51, 2])
def test_layout_and_dtypes(load, m):
    X, Y = load(m=m)
    assert X.shape == (2, m)
    assert Y.shape == (1, m)
    assert X.dtype == np.float64
    assert Y.dtype == np.int64
    assert np.isfinite(X).all()
    assert set(np.unique(Y)) <= {0, 1}


@pytest.mark.parametrize("load", LOADERS)
def test_classes_are_balanced(load):
    for m in (400, 51):
        Y = load(m=m)[1]
        assert abs(int(Y.sum()) - (m - int(Y.sum()))) <= 1


@pytest.mark.parametrize("load", LOADERS)
def test_deterministic_by_seed(load):
    X1, Y1 = load(seed=3)
    X2, Y2 = load(seed=3)
    X3, _ = load(seed=4)
    assert np.array_equal(X1, X2)
    assert np.array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("load", LOADERS)
def test_default_is_seed_0(load):
    assert np.array_equal(load()[0], load(seed=0)[0])


def test_loaders_do_not_touch_global_random_state():
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    for load in LOADERS:
        load(seed=5)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_planar_examples_are_shuffled():
    """The columns are not grouped by class: about half of the neighboring pairs differ."""
    Y = data.load_planar()[1].ravel()
    changes = np.count_nonzero(Y[1:] != Y[:-1])
    assert 150 < changes < 250


def test_planar_is_not_linearly_separable():
    """A line through the flower classifies about half of the points right, whatever line."""
    from sklearn.linear_model import LogisticRegression

    X, Y = data.load_planar()
    accuracy = LogisticRegression().fit(X.T, Y.ravel()).score(X.T, Y.ravel())
    assert 0.4 < accuracy < 0.6


def numbered(m):
    """X whose column j is (j, -j), Y whose column j is j % 2: each example recognizable."""
    columns = np.arange(m)
    return np.stack([columns, -columns]).astype(float), (columns % 2).reshape(1, m)


@pytest.mark.parametrize(("m", "fraction", "n_test"), [(100, 0.25, 25), (10, 0.5, 5), (3, 0.1, 1)])
def test_train_test_split_is_disjoint_and_complete(m, fraction, n_test):
    X, Y = numbered(m)
    X_train, X_test, Y_train, Y_test = data.train_test_split(X, Y, test_fraction=fraction)
    assert X_test.shape == (2, n_test)
    assert X_train.shape == (2, m - n_test)
    assert Y_train.shape == (1, m - n_test)
    assert Y_test.shape == (1, n_test)
    train, test = X_train[0].astype(int), X_test[0].astype(int)
    assert not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(m))
    for X_part, Y_part in ((X_train, Y_train), (X_test, Y_test)):
        assert np.array_equal(X_part[1], -X_part[0]), "the columns were torn apart"
        assert np.array_equal(Y_part[0], X_part[0].astype(int) % 2), "labels left their examples"


def test_train_test_split_is_deterministic_and_shuffles():
    X, Y = numbered(50)
    first = data.train_test_split(X, Y, seed=1)
    again = data.train_test_split(X, Y, seed=1)
    other = data.train_test_split(X, Y, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])
    assert not np.array_equal(first[0][0], np.sort(first[0][0])), "the columns were not shuffled"


def test_train_test_split_returns_scikit_learns_order():
    """X_train, X_test, Y_train, Y_test, as sklearn.model_selection.train_test_split(X, Y)."""
    from sklearn.model_selection import train_test_split

    X, Y = numbered(20)
    X = np.vstack([X, X])  # 4 rows, so X and Y parts cannot be mistaken for each other
    ours = data.train_test_split(X, Y, test_fraction=0.25)
    theirs = train_test_split(X.T, Y.T, test_size=0.25, random_state=0)
    assert [part.T.shape for part in ours] == [part.shape for part in theirs]
    assert [part.shape for part in ours] == [(4, 15), (4, 5), (1, 15), (1, 5)]


def test_importing_data_does_not_import_sklearn():
    """scikit-learn takes a second or two to import: only the loaders that need it import it."""
    import subprocess
    import sys

    code = "import sys, nnutils.data; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_train_test_split_leaves_its_inputs_alone():
    X, Y = numbered(20)
    X_copy, Y_copy = X.copy(), Y.copy()
    data.train_test_split(X, Y)
    assert np.array_equal(X, X_copy)
    assert np.array_equal(Y, Y_copy)


@pytest.mark.parametrize("fraction", [0, 1, -0.25, 1.5])
def test_bad_test_fraction_raises(fraction):
    X, Y = numbered(10)
    with pytest.raises(ValueError, match="test_fraction"):
        data.train_test_split(X, Y, test_fraction=fraction)


# --- plot ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def ax():
    return plt.subplots()[1]


def test_scatter_classes_draws_both_classes(ax):
    X, Y = data.load_moons(m=40)
    assert plot.scatter_classes(X, Y, ax=ax, title="moons") is ax
    assert len(ax.collections) == 2
    assert sum(len(c.get_offsets()) for c in ax.collections) == 40
    assert ax.get_title() == "moons"


def test_scatter_classes_accepts_flat_labels(ax):
    X, Y = data.load_moons(m=40)
    plot.scatter_classes(X, Y.ravel(), ax=ax)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 40


def first_coordinate_positive(points):
    """Label 1 where x_1 > 0, as (1, k)."""
    return (points[:1] > 0).astype(int)


@pytest.mark.parametrize(
    "predict",
    [
        first_coordinate_positive,
        lambda points: first_coordinate_positive(points).ravel(),
        lambda points: sigmoid(10 * points[:1]),
        lambda points: sigmoid(10 * points[0]),
    ],
    ids=["labels (1,k)", "labels (k,)", "probabilities (1,k)", "probabilities (k,)"],
)
def test_plot_decision_boundary_accepts_every_predict_shape(ax, predict):
    X, Y = data.load_circles(m=60)
    seen = []

    def spy(points):
        seen.append(points)
        return predict(points)

    assert plot.plot_decision_boundary(spy, X, Y, ax=ax, title="t", resolution=30) is ax
    (points,) = seen
    assert points.shape == (2, 900)
    assert points.dtype == X.dtype
    shaded = ax.collections[0]
    assert len(ax.collections) >= 4  # the shading, the boundary line and two classes of points
    assert shaded.get_alpha() == 0.25
    assert ax.get_title() == "t"
    x_min, x_max = ax.get_xlim()
    assert x_min < X[0].min() and x_max > X[0].max()


def test_plot_decision_boundary_keeps_float32(ax):
    X, Y = data.load_moons(m=30)
    X = X.astype(np.float32)
    dtypes = []
    plot.plot_decision_boundary(
        lambda points: dtypes.append(points.dtype) or np.zeros(points.shape[1]),
        X,
        Y,
        ax=ax,
        resolution=10,
    )
    assert dtypes == [np.float32]


def test_plot_learning_curves(ax):
    assert plot.plot_learning_curves([3, 2, 1], ax=ax, title="cost") is ax
    assert len(ax.lines) == 1
    plot.plot_learning_curves({"a": [1, 2], "b": ([0, 100], [2, 1])}, ax=ax, log=True)
    assert [line.get_label() for line in ax.lines[1:]] == ["a", "b"]
    assert ax.get_yscale() == "log"


def relu_activations(scale, depth=4, width=20, seed=0):
    rng = np.random.default_rng(seed)
    A, layers = rng.standard_normal((width, 50)), []
    for _ in range(depth):
        A = np.maximum(scale * rng.standard_normal((width, width)) @ A, 0)
        layers.append(A)
    return layers


def test_plot_activation_stats(ax):
    activations = {"small": relu_activations(0.01), "zero": relu_activations(0.0)}
    assert plot.plot_activation_stats(activations, ax=ax, title="stats") is ax
    assert [line.get_label() for line in ax.lines] == ["small", "zero (all zero)"]
    small = ax.lines[0].get_ydata()
    assert np.allclose(small, [np.std(A) for A in activations["small"]])
    assert np.isnan(ax.lines[1].get_ydata()).all()
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "stats"


def test_plot_activation_histograms(ax):
    layers = relu_activations(0.3)
    assert plot.plot_activation_histograms(layers, ax=ax, title="h") is ax
    assert len(ax.patches) == len(layers)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["layer 1", "layer 4"]
    assert ax.get_title() == "h"


def test_plot_activation_histograms_of_zeros(ax):
    plot.plot_activation_histograms(relu_activations(0.0), ax=ax)
    assert not ax.patches
    assert "all activations are 0" in [t.get_text() for t in ax.texts]


@pytest.mark.parametrize(
    ("draw", "args"),
    [
        (plot.scatter_classes, lambda: data.load_planar(m=20)),
        (plot.plot_decision_boundary, lambda: (first_coordinate_positive, *data.load_planar(m=20))),
        (plot.plot_learning_curves, lambda: ([1, 0.5],)),
        (plot.plot_activation_stats, lambda: ({"a": relu_activations(1.0)},)),
        (plot.plot_activation_histograms, lambda: (relu_activations(1.0),)),
    ],
)
def test_a_new_axes_when_none_is_given(draw, args):
    ax = draw(*args())
    assert isinstance(ax, matplotlib.axes.Axes)
    assert matplotlib.get_backend().lower() == "agg"

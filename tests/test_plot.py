"""nnutils.plot: every picture draws on the axes it is given (or a new one)."""

import matplotlib
import matplotlib.pyplot as plt  # the Agg backend: conftest.py (at the root) sets MPLBACKEND
import numpy as np
import pytest

from nnutils import data, plot
from nnutils import reference as ref
from nnutils.plot import contrast_image, plot_zca
from nnutils.reference import sigmoid


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


def test_plot_neuron_graph_labels_every_local_derivative_and_no_answer():
    ax = plot.plot_neuron_graph()
    texts = " ".join(t.get_text() for t in ax.texts)
    for local in ("partial z}{\\partial w", "partial z}{\\partial b", "partial a}{\\partial z"):
        assert local in texts
    assert "a - y" not in texts and "(1 - a)}" not in texts  # the graph leaves the derivation open
    plt.close(ax.figure)


def smooth_images(m, side=12, seed=0):
    """Images (3 side^2, m) whose neighboring pixels are correlated, as in photos."""
    rng = np.random.default_rng(seed)
    coarse = rng.standard_normal((m, 3, side // 3, side // 3))
    fine = np.kron(coarse, np.ones((3, 3))) + 0.3 * rng.standard_normal((m, 3, side, side))
    return fine.reshape(m, -1).T.astype(np.float32)


def test_zca_figure_shows_center_surround_rows_and_no_overlapping_panels():
    X = smooth_images(2000)
    W = ref.zca_matrix(X, 0.1)
    X_white = W @ (X - X.mean(axis=1, keepdims=True))
    lam = np.linalg.eigvalsh(np.cov(X, bias=True))[::-1]
    fig = plot_zca(X, X_white, W, lam, 0.1, pixels=((4, 4), (6, 7)), radius=3)
    try:
        rows = [ax.images[0] for ax in fig.axes if ax.get_title().startswith("row of pixel")]
        assert len(rows) == 2
        for image in rows:
            patch = image.get_array()
            assert patch.shape == (7, 7), "the row of W is zoomed on its pixel's neighborhood"
            low, high = image.get_clim()
            assert low == -high and image.get_cmap().name == "RdBu_r", "diverging, 0 in the middle"
            center, ring = patch[3, 3], np.r_[patch[2, 2:5], patch[4, 2:5], patch[3, [2, 4]]]
            assert center > high, "the center saturates: the colors are set by the neighbors"
            assert ring.mean() < -0.2 * high, "the surround is visibly negative"
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                assert not boxes[a].overlaps(boxes[b]), (fig.axes[a], fig.axes[b])
    finally:
        plt.close(fig)


def test_contrast_image_puts_zero_at_mid_gray_and_clips_outliers():
    column = np.zeros(3 * 4 * 4)
    column[0], column[1] = 100.0, -1.0
    image = contrast_image(column, shape=(3, 4, 4))
    assert image.shape == (4, 4, 3) and image[0, 0, 0] == 1.0
    assert image[2, 2, 1] == 0.5 and 0 < image[0, 1, 0] < 0.5


def test_learning_curves_of_one_epoch_show_a_point():
    ax = plot.plot_learning_curves({"training": ([1], [0.3]), "validation": ([1], [0.35])})
    try:
        lines = ax.get_lines()
        assert [line.get_marker() for line in lines] == ["o", "o"]
        long = plot.plot_learning_curves(np.linspace(1, 0, 500))
        assert long.get_lines()[0].get_marker() in (None, "None", "")
        np.testing.assert_array_equal(long.get_lines()[0].get_xdata(), np.arange(500))
    finally:
        plt.close("all")


def _boxes_overlap(fig, texts):
    """True when any two of the texts' boxes overlap on the drawn figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    extents = [t.get_bbox_patch().get_window_extent(renderer) for t in texts]
    return any(a.overlaps(b) for i, a in enumerate(extents) for b in extents[i + 1 :])


def test_layer_pipeline_names_every_cache_and_gradient_and_no_boxes_overlap():
    ax = plot.plot_layer_pipeline(L=3)
    texts = " ".join(t.get_text() for t in ax.texts)
    for l in (1, 2, 3):
        assert f"caches[{l - 1}]" in texts and f"W^{{[{l}]}}" in texts and f"Z^{{[{l}]}}" in texts
        assert f"dW^{{[{l}]}}" in texts and f"dA^{{[{l - 1}]}}" in texts
    assert "LINEAR → SIGMOID" in texts and texts.count("LINEAR → RELU") == 2
    assert "dZ^{[L]} = A^{[L]} - Y" in texts
    boxes = [t for t in ax.texts if t.get_gid() == "box"]
    assert len(boxes) == 3 * 3 + 3
    assert not _boxes_overlap(ax.figure, boxes)
    plt.close(ax.figure)


def test_im2col_figure_shows_the_columns_im2col_makes_and_no_groups_overlap():
    ax = plot.plot_im2col(size=4, k=2)
    texts = [t.get_text() for t in ax.texts]
    assert any("im2col" in t and "(4, 9)" in t for t in texts)
    assert any("W_col (2, 2·2)" in t for t in texts) and any("@" in t for t in texts)
    groups = {}
    for patch in ax.patches:
        if patch.get_gid():
            groups.setdefault(patch.get_gid(), []).append(patch.get_bbox())
    assert set(groups) == {"image", "columns", "W_col", "Z"}
    assert len(groups["columns"]) == 4 * 9 and len(groups["image"]) == 16
    spans = {gid: (min(b.x0 for b in bs), max(b.x1 for b in bs)) for gid, bs in groups.items()}
    ordered = sorted(spans.values())
    assert all(left[1] < right[0] for left, right in zip(ordered, ordered[1:], strict=False))
    # row 0 of the columns: the top-left pixel of every window, in im2col's order
    first_column = [t for t in texts if t.isdigit()][16:]
    assert first_column[:9] == ["1", "2", "3", "5", "6", "7", "9", "10", "11"]
    plt.close(ax.figure)

"""Plots the lessons share. Every function draws on ``ax`` (a new one if None) and returns it."""

import matplotlib.pyplot as plt
import numpy as np

CLASS_COLORS = ("#2166ac", "#b2182b")
MARKED_POINTS = 50


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def scatter_classes(X, Y, ax=None, title=None, s=14):
    """Scatter the columns of X (2, m) colored by their labels Y (1, m)."""
    ax = _axes(ax)
    labels = np.asarray(Y).ravel()
    for label, color in zip((0, 1), CLASS_COLORS, strict=True):
        points = X[:, labels == label]
        ax.scatter(points[0], points[1], s=s, c=color, label=f"y = {label}", edgecolors="none")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_decision_boundary(predict, X, Y, ax=None, title=None, resolution=250, margin=0.5):
    """Shade the regions a classifier assigns to each class, with the data on top.

    ``predict`` maps an array (2, k) of points to (1, k) or (k,) labels or
    probabilities (thresholded at 0.5).
    """
    ax = _axes(ax)
    xx, yy, scores = _scores_on_plane(predict, X, resolution, margin)
    ax.contourf(xx, yy, scores > 0.5, levels=[-0.5, 0.5, 1.5], colors=CLASS_COLORS, alpha=0.25)
    ax.contour(xx, yy, scores, levels=[0.5], colors="k", linewidths=0.8)
    scatter_classes(X, Y, ax=ax, title=title)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    return ax


def _scores_on_plane(predict, X, resolution, margin):
    """Grid xx, yy (resolution, resolution) around the points X (2, m), and predict's output on it."""
    x_min, x_max = X[0].min() - margin, X[0].max() + margin
    y_min, y_max = X[1].min() - margin, X[1].max() + margin
    xx, yy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    grid = np.stack([xx.ravel(), yy.ravel()]).astype(X.dtype)
    scores = np.asarray(predict(grid), dtype=float).reshape(xx.shape)
    return xx, yy, scores


def plot_probability_map(predict, X, Y, ax=None, title=None, resolution=200, margin=0.5):
    """Color the plane by a model's output probability (blue 0, white 0.5, red 1), data on top.

    ``predict`` maps an array (2, k) of points to (1, k) or (k,) probabilities;
    the black line is where they cross 0.5. Returns the axes.
    """
    ax = _axes(ax)
    xx, yy, p = _scores_on_plane(predict, X, resolution, margin)
    image = ax.pcolormesh(xx, yy, p, cmap="RdBu_r", vmin=0, vmax=1, alpha=0.6, shading="auto")
    if p.min() < 0.5 < p.max():
        ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=0.8)
    scatter_classes(X, Y, ax=ax, title=title, s=8)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03, label="output")
    return ax


def plot_learning_curves(curves, ax=None, xlabel="iteration", ylabel="cost", title=None, log=False):
    """Plot one or more curves: ``curves`` is a sequence of numbers or a dict label -> sequence.

    A curve may also be a pair (x values, y values), e.g. costs recorded every 100 iterations.
    Curves of at most ``MARKED_POINTS`` values (epochs) mark each one: one epoch is a dot.
    """
    ax = _axes(ax, figsize=(6, 4))
    if not isinstance(curves, dict):
        curves = {None: curves}
    for label, curve in curves.items():
        if not (isinstance(curve, tuple) and len(curve) == 2):
            curve = (np.arange(len(curve)), np.asarray(curve, dtype=float))
        few = len(curve[1]) <= MARKED_POINTS  # epochs: each one a dot, a single one visible
        ax.plot(*curve, label=label, marker="o" if few else None, markersize=4)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if any(label is not None for label in curves):
        ax.legend()
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax


def plot_train_test_accuracy(histories, steps, ax=None, title=None):
    """Train (dashed) against test (solid) accuracy while training, one colour per run.

    ``histories`` maps a run's label to {"train": [...], "test": [...]}, accuracies measured
    at the iterations ``steps``; the gap between a run's two lines is its overfitting.
    """
    ax = _axes(ax, figsize=(6, 4))
    for label, history in histories.items():
        (line,) = ax.plot(steps, history["test"], "-", lw=2, label=f"{label}: test")
        ax.plot(steps, history["train"], "--", color=line.get_color(), label=f"{label}: train")
    ax.set(xlabel="iteration", ylabel="accuracy")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax


def plot_gradient_check(report, ax=None, title=None, great=1e-7, suspicious=1e-3):
    """Bar chart, on a log scale, of a per-parameter gradient check ``{"W1": difference, ...}``.

    Bars are green below ``great``, orange up to ``suspicious`` and red above it.
    """
    ax = _axes(ax, figsize=(6, 3))
    names = list(report)
    values = np.maximum(np.array([report[k] for k in names], dtype=float), 1e-16)
    colors = [
        "#1a7f37" if v < great else "#d4a017" if v < suspicious else "#cf222e" for v in values
    ]
    ax.bar(names, values, color=colors)
    ax.set_yscale("log")
    ax.set_ylim(min(1e-12, values.min() / 3), max(1.0, values.max() * 3))
    for level, text in ((great, "great below"), (suspicious, "likely a bug above")):
        ax.axhline(level, color="0.4", lw=0.8, ls="--", zorder=3)
        ax.text(
            0.99,
            level,
            text,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize="small",
            color="0.2",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            zorder=4,
        )
    ax.set_ylabel("relative difference")
    if title:
        ax.set_title(title)
    return ax


def plot_activation_functions(functions, z=None, axes=None):
    """One panel per activation: g(z) and its slope g'(z) (central differences).

    ``functions`` maps a label to an elementwise function of an array; ``z`` is
    the grid (default: 400 points on [-4, 4], none exactly at 0). Returns the axes.
    """
    z = np.linspace(-4, 4, 400) if z is None else np.asarray(z, dtype=float)
    if axes is None:
        _, axes = plt.subplots(1, len(functions), figsize=(3 * len(functions), 2.8), sharex=True)
    for ax, (label, g) in zip(np.atleast_1d(axes), functions.items(), strict=True):
        a = np.asarray(g(z.reshape(1, -1)), dtype=float).ravel()
        ax.axhline(0, color="0.7", lw=0.8)
        ax.axvline(0, color="0.7", lw=0.8)
        ax.plot(z, a, lw=2, label="$g(z)$")
        ax.plot(z, np.gradient(a, z), lw=1.5, ls="--", label="$g'(z)$")
        ax.set_title(label)
        ax.set_xlabel("$z$")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize="small", loc="upper left")
    return axes


def plot_activation_stats(activations, ax=None, title=None):
    """Standard deviation of each layer's activations, one line per setting, on a log scale.

    ``activations`` maps a label to the activations [A1, ..., AL] of one forward pass
    (arrays (n_l, m)). Zero has no place on a log scale: a setting whose activations
    are all zero is marked "(all zero)" in the legend.
    """
    ax = _axes(ax, figsize=(6, 4))
    for label, layers in activations.items():
        std = np.array([np.std(A, dtype=np.float64) for A in layers])
        name = label if std.any() else f"{label} (all zero)"
        layer = np.arange(1, len(std) + 1)
        ax.plot(layer, np.where(std > 0, std, np.nan), marker="o", ms=4, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("std of the activations")
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax


def plot_activation_histograms(layers, ax=None, title=None, bins=50):
    """Histograms of log10 |a| over the nonzero activations of each layer in ``layers`` = [A1, ..., AL].

    Layer 1 is drawn light, layer L dark: the histograms drift left when the signal
    vanishes with depth and right when it explodes.
    """
    ax = _axes(ax)
    colors = plt.cm.viridis(np.linspace(0.85, 0.0, len(layers)))
    drawn = False
    for l, (A, color) in enumerate(zip(layers, colors, strict=True), start=1):
        a = np.abs(np.asarray(A, dtype=np.float64)).ravel()
        a = a[(a > 0) & np.isfinite(a)]
        if a.size:
            label = f"layer {l}" if l in (1, len(layers)) else None
            ax.hist(np.log10(a), bins=bins, histtype="step", color=color, density=True, label=label)
            drawn = True
    if drawn:
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "all activations are 0", transform=ax.transAxes, ha="center")
    ax.set_xlabel("$\\log_{10} |a|$")
    ax.set_ylabel("density")
    if title:
        ax.set_title(title)
    return ax


def plot_optimization_paths(
    loss, paths, ax=None, title=None, extent=None, xlabel="$w$", ylabel="$b$"
):
    """Contours of a loss of two parameters, with the path each optimizer took across them.

    ``loss(w, b)`` works elementwise on arrays; ``paths`` maps a label to the visited
    points, an array (steps, 2). ``extent`` = (w_min, w_max, b_min, b_max) defaults to
    a box around the finite points of every path.
    """
    ax = _axes(ax)
    if extent is None:
        points = np.concatenate([np.asarray(p, dtype=float) for p in paths.values()])
        points = points[np.isfinite(points).all(axis=1)]
        low, high = points.min(axis=0), points.max(axis=0)
        pad = 0.1 * np.maximum(high - low, 1e-3)
        extent = (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])
    w, b = np.meshgrid(np.linspace(*extent[:2], 200), np.linspace(*extent[2:], 200))
    for label, path in paths.items():
        path = np.asarray(path, dtype=float)
        ax.plot(path[:, 0], path[:, 1], marker="o", ms=2.5, lw=1.2, label=label)
    ax.contour(w, b, loss(w, b), levels=15, colors="0.6", linewidths=0.6)
    ax.plot(path[:1, 0], path[:1, 1], "k*", ms=9, label="_start")
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_example_loss(loss, ax=None, title=None, resolution=300):
    """The loss of one example against its predicted probability a, for labels y = 0 and y = 1.

    ``loss(a, y)`` returns the loss of a single prediction ``a`` in (0, 1) with label ``y``.
    """
    ax = _axes(ax, figsize=(6, 4))
    a = np.linspace(0.001, 0.999, resolution)
    for y, color in zip((0, 1), CLASS_COLORS, strict=True):
        ax.plot(a, [loss(value, y) for value in a], color=color, label=f"y = {y}")
    ax.set_ylim(0, 7)
    ax.set_xlabel("predicted probability a = P(y = 1)")
    ax.set_ylabel("loss of the example")
    ax.legend()
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return ax


def plot_class_probabilities(probabilities, class_names=None, label=None, ax=None, title=None):
    """Bar chart of one example's class probabilities (C,); the true class ``label`` in red."""
    ax = _axes(ax, figsize=(6, 3))
    probabilities = np.asarray(probabilities, dtype=float).ravel()
    names = class_names if class_names is not None else [str(k) for k in range(probabilities.size)]
    colors = [CLASS_COLORS[int(k == label)] for k in range(probabilities.size)]
    ax.bar(np.arange(probabilities.size), probabilities, color=colors)
    ax.set_xticks(np.arange(probabilities.size), names, rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    if title:
        ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return ax


def image_of(column, shape=(3, 32, 32)):
    """One image column (C*H*W values, channel-major) as an (H, W, C) array in [0, 1] for imshow.

    Values outside [0, 1] (standardized data) are rescaled by the image's own minimum and maximum.
    """
    image = np.asarray(column, dtype=np.float64).reshape(shape).transpose(1, 2, 0)
    low, high = image.min(), image.max()
    if low < 0 or high > 1:
        image = (image - low) / max(high - low, 1e-12)
    return image


def _image_grid(count, ncols, size):
    """A figure with ``count`` image axes in rows of ``ncols``, frames and ticks off."""
    ncols = max(1, min(ncols, count))
    nrows = max(1, -(-count // ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * size, nrows * size * 1.4), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    return fig, axes.flat


def show_images(X, labels, class_names, predicted=None, ncols=10, size=1.1, title=None):
    """Show the images in the columns of X (3072, k), each titled with its class name.

    ``labels`` (1, k) or (k,) are the true classes; with ``predicted`` the titles read
    "predicted (true: label)", in red when the two differ. Returns the figure.
    """
    labels = np.ravel(labels)
    guesses = labels if predicted is None else np.ravel(predicted)
    fig, axes = _image_grid(labels.size, ncols, size)
    for j, ax in zip(range(labels.size), axes, strict=False):
        ax.imshow(image_of(X[:, j]), interpolation="nearest")
        text = class_names[guesses[j]]
        if predicted is not None:
            text = f"{text}\n(true: {class_names[labels[j]]})"
        wrong = guesses[j] != labels[j]
        ax.set_title(text, fontsize=7, color="#b2182b" if wrong else "black")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_class_samples(X, y, class_names, per_class=4, rng=None, size=1.0):
    """A grid with one column per class holding ``per_class`` random images of that class.

    X (3072, m), y (1, m). Returns the figure.
    """
    rng = np.random.default_rng(rng)
    y = np.ravel(y)
    C = len(class_names)
    fig, axes = plt.subplots(per_class, C, figsize=(C * size, per_class * size), squeeze=False)
    for c in range(C):
        members = np.flatnonzero(y == c)
        chosen = rng.choice(members, size=min(per_class, members.size), replace=False)
        axes[0, c].set_title(class_names[c], fontsize=8)
        for row in range(per_class):
            ax = axes[row, c]
            ax.axis("off")
            if row < chosen.size:
                ax.imshow(image_of(X[:, chosen[row]]), interpolation="nearest")
    fig.tight_layout()
    return fig


def plot_confusion_matrix(M, class_names, ax=None, title=None):
    """Heat map of a confusion matrix M (C, C): rows are true classes, columns predictions.

    Each cell shows its count; its shade is the fraction of its row (the class's examples).
    """
    M = np.asarray(M)
    ax = _axes(ax, figsize=(6, 5))
    fractions = M / np.maximum(M.sum(axis=1, keepdims=True), 1)
    ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1)
    C = len(class_names)
    for i in range(C):
        for j in range(C):
            color = "white" if fractions[i, j] > 0.6 else "black"
            ax.text(j, i, f"{M[i, j]:g}", ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(C), class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(C), class_names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title)
    return ax


def show_misclassified(X, y_true, y_pred, class_names, n=20, rng=None, ncols=10):
    """Up to ``n`` random misclassified images among the columns of X (3072, m), titled
    "predicted (true: label)". Returns the figure (None, with a message, when nothing is wrong)."""
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    wrong = np.flatnonzero(y_true != y_pred)
    if wrong.size == 0:
        print("No misclassified image.")
        return None
    chosen = np.random.default_rng(rng).choice(wrong, size=min(n, wrong.size), replace=False)
    return show_images(X[:, chosen], y_true[chosen], class_names, y_pred[chosen], ncols=ncols)


def plot_neuron_graph(ax=None, title=None):
    """The computational graph of one sigmoid neuron on one example, with its loss.

    Forward (black, left to right): x, w, b -> z = w x + b -> a = sigma(z) -> L(a, y).
    Backward (red, right to left): each arrow is labeled with the local derivative that
    the chain rule multiplies by. The derivatives themselves are left to the learner.
    """
    ax = _axes(ax, figsize=(10, 3.6))
    red = CLASS_COLORS[1]
    nodes = {  # name: (x, y, text)
        "x": (0.4, 2.9, "$x$\n$(n, 1)$"),
        "w": (0.4, 1.5, "$w$\n$(1, n)$"),
        "b": (0.4, 0.1, "$b$\n$(1, 1)$"),
        "z": (3.0, 1.5, "$z = w\\,x + b$"),
        "a": (5.4, 1.5, "$a = \\sigma(z)$"),
        "L": (8.9, 1.5, "$\\mathcal{L}(a, y) =$\n$-[\\,y \\log a + (1 - y)\\log(1 - a)\\,]$"),
        "y": (8.9, 0.1, "$y$ (label)"),
    }
    for name, (x, y, text) in nodes.items():
        given = name in "xwby"
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=11,
            bbox={
                "boxstyle": "round,pad=0.4",
                "facecolor": "#f0f0f0" if given else "white",
                "edgecolor": "#4d4d4d",
            },
        )

    def arrow(start, end, color, label=None, at=None):
        ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.4},
        )
        if label:
            ax.text(*at, label, color=color, ha="center", va="center", fontsize=15)

    def partial(top, bottom):
        return f"$\\frac{{\\partial {top}}}{{\\partial {bottom}}}$"

    # forward: the inputs go in, z, a and the loss come out
    arrow((0.85, 2.75), (2.15, 1.75), "k")
    arrow((0.85, 1.58), (2.15, 1.58), "k")
    arrow((0.85, 0.25), (2.15, 1.25), "k")
    arrow((3.85, 1.58), (4.75, 1.58), "k")
    arrow((6.05, 1.58), (7.05, 1.58), "k")
    arrow((8.9, 0.4), (8.9, 1.05), "k")
    # backward, beside the forward arrows, each labeled with its local derivative
    arrow((7.05, 1.38), (6.05, 1.38), red, partial("\\mathcal{L}", "a"), (6.55, 1.0))
    arrow((4.75, 1.38), (3.85, 1.38), red, partial("a", "z"), (4.3, 1.0))
    arrow((2.15, 1.95), (0.95, 2.9), red, partial("z", "x"), (1.75, 2.7))
    arrow((2.15, 1.42), (0.95, 1.42), red, partial("z", "w"), (1.55, 1.05))
    arrow((2.15, 1.05), (0.95, 0.1), red, partial("z", "b"), (1.75, 0.3))
    ax.text(
        5.9,
        2.9,
        "forward (black): compute and keep $z$, $a$, $\\mathcal{L}$\n"
        "backward (red): multiply the local derivatives along the path from $\\mathcal{L}$",
        ha="center",
        va="center",
        fontsize=10,
    )
    ax.set_xlim(-0.2, 10.9)
    ax.set_ylim(-0.4, 3.5)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def contrast_image(column, spread=3.0, shape=(3, 32, 32)):
    """A centered image column (whitened, standardized) as an (H, W, C) array in [0, 1].

    0 maps to mid-gray and ``spread`` standard deviations of the image to black and white
    (clipped beyond): a few extreme pixels do not turn the rest gray, as min-max scaling does.
    """
    image = np.asarray(column, dtype=np.float64).reshape(shape).transpose(1, 2, 0)
    return np.clip(0.5 + image / (2 * spread * max(image.std(), 1e-12)), 0, 1)


def plot_zca(X_raw, X_white, W, lam, epsilon, pixels=((8, 8), (20, 24)), radius=3, n=4):
    """Lesson 08's picture of ZCA: images before and after, rows of W, the eigenvalues.

    Left: ``n`` images of X_raw (3 P, m) above the same columns of X_white (0 as mid-gray,
    ``contrast_image``); P is a square number of pixels (1024 for CIFAR-10). Middle: for
    each (row, column) in ``pixels``, the red part of W's row for that pixel's red value,
    on the (2 radius + 1)-square neighborhood around it, in a diverging colormap centered
    at 0 whose range is set by the neighbors (the center is far larger, and saturates).
    Right: the eigenvalues ``lam`` (decreasing) on a log scale, with ``epsilon``.
    Returns the figure.
    """
    fig = plt.figure(figsize=(12, 3.8), layout="constrained")
    left, middle, right = fig.subfigures(1, 3, width_ratios=[n, len(pixels) * 1.25, 3.2])
    side = int(round(np.sqrt(W.shape[0] // 3)))
    shape = (3, side, side)
    images = left.subplots(2, n, squeeze=False)
    for j in range(n):
        images[0, j].imshow(image_of(X_raw[:, j], shape), interpolation="nearest")
        images[1, j].imshow(contrast_image(X_white[:, j], shape=shape), interpolation="nearest")
    for ax in images.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    images[0, 0].set_ylabel("original", fontsize=8)
    images[1, 0].set_ylabel("whitened", fontsize=8)
    filters = middle.subplots(len(pixels), 1, squeeze=False)[:, 0]
    for ax, (i, j) in zip(filters, pixels, strict=True):
        row = W[side * i + j, : side * side].reshape(side, side)
        top, left_edge = max(i - radius, 0), max(j - radius, 0)
        patch = row[top : i + radius + 1, left_edge : j + radius + 1]
        neighbors = np.abs(np.delete(patch.ravel(), (i - top) * patch.shape[1] + (j - left_edge)))
        limit = max(neighbors.max(), 1e-12)
        extent = (left_edge - 0.5, left_edge + patch.shape[1] - 0.5)
        extent += (top + patch.shape[0] - 0.5, top - 0.5)
        shown = ax.imshow(
            patch, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest", extent=extent
        )
        ax.set_title(f"row of pixel ({i}, {j})", fontsize=8)
        ax.tick_params(labelsize=6)
        middle.colorbar(shown, ax=ax, shrink=0.9).ax.tick_params(labelsize=6)
    ax = right.subplots()
    ax.semilogy(np.arange(1, lam.size + 1), np.maximum(lam, 1e-12), lw=1)
    ax.axhline(epsilon, color="gray", ls="--", lw=1, label=f"epsilon = {epsilon:g}")
    ax.set_xlabel("k", fontsize=8)
    ax.set_title("eigenvalues of the covariance", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize="small")
    return fig


def _box(ax, x, y, text, facecolor="white", fontsize=10, gid=None):
    """A text in a rounded box centered at (x, y); returns the Text (its box is its bbox patch)."""
    return ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=fontsize,
        gid=gid,
        bbox={"boxstyle": "round,pad=0.4", "facecolor": facecolor, "edgecolor": "#4d4d4d"},
    )


def _arrow(ax, start, end, color="k", style="-|>", linestyle="-"):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": style, "color": color, "lw": 1.3, "linestyle": linestyle},
    )


def plot_layer_pipeline(L=3, ax=None, title=None):
    """The forward and backward passes of an L-layer network, with what each cache holds.

    Top row (black, left to right): X = A0 through layers 1 .. L (ReLU, then sigmoid) to AL
    and the cost. Middle row: caches[l - 1], the cache of layer l, ((A{l-1}, W{l}, b{l}), Z{l}),
    written by the forward pass (dashed, down) and read by the backward pass. Bottom row (red,
    right to left): dZL = AL - Y, then each layer hands dA{l-1} down and gives dW{l}, db{l}.
    """
    ax = _axes(ax, figsize=(2.2 * L + 4.2, 4.4))
    red = CLASS_COLORS[1]
    step = 3.0
    xs = [1.6 + step * l for l in range(1, L + 1)]
    top, middle, bottom, out = 3.2, 1.9, 0.6, -0.35
    _box(ax, 0.4, top, "$X = A^{[0]}$", "#f0f0f0", gid="box")
    for l, x in enumerate(xs, start=1):
        activation = "SIGMOID" if l == L else "RELU"
        _box(ax, x, top, f"layer {l}\nLINEAR → {activation}", gid="box")
        _box(
            ax,
            x,
            middle,
            f"caches[{l - 1}]\n$((A^{{[{l - 1}]}}, W^{{[{l}]}}, b^{{[{l}]}}),\\ Z^{{[{l}]}})$",
            "#fff7e0",
            fontsize=9,
            gid="box",
        )
        _box(ax, x, bottom, f"layer {l}\nbackward", "#fde8e8", gid="box")
        ax.text(x, out, f"$dW^{{[{l}]}},\\ db^{{[{l}]}}$", color=red, ha="center", fontsize=10)
        _arrow(ax, (x, bottom - 0.3), (x, out + 0.25), red)
        _arrow(ax, (x, top - 0.38), (x, middle + 0.38), "#7f7f7f", linestyle="--")
        _arrow(ax, (x, middle - 0.38), (x, bottom + 0.35), "#7f7f7f", linestyle="--")
    end = xs[-1] + step
    _box(ax, end, top, "$A^{[L]}$ → cost $J$", "#f0f0f0", gid="box")
    _box(ax, end, bottom, "$dZ^{[L]} = A^{[L]} - Y$", "#fde8e8", gid="box")
    _arrow(ax, (end, top - 0.3), (end, bottom + 0.3), red)
    lefts = [0.4, *xs]
    for l, (a, b) in enumerate(zip(lefts, [*xs, end], strict=True)):
        _arrow(ax, (a + (0.55 if l == 0 else 1.05), top), (b - 1.05, top))
        ax.text((a + b) / 2 + 0.1, top + 0.2, f"$A^{{[{l}]}}$", ha="center", fontsize=10)
        if l >= 1:
            _arrow(ax, (b - 0.95, bottom), (a + 0.65, bottom), red)
            label = f"$dA^{{[{l}]}}$" if b != end else ""
            ax.text((a + b) / 2, bottom + 0.2, label, color=red, ha="center", fontsize=10)
    _arrow(ax, (xs[0] - 0.65, bottom), (0.4, bottom), red)
    ax.text(0.9, bottom + 0.2, "$dA^{[0]}$", color=red, ha="center", fontsize=10)
    ax.text(-0.6, top + 0.75, "forward →", fontsize=10, ha="left")
    ax.text(-0.6, middle, "kept", fontsize=10, ha="left", color="#7f7f7f")
    ax.text(-0.6, bottom - 0.75, "← backward", fontsize=10, ha="left", color=red)
    ax.set_xlim(-0.8, end + 1.3)
    ax.set_ylim(-0.8, 4.1)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def plot_im2col(size=4, k=2, filters=2, ax=None, title=None):
    """How im2col turns a convolution into one matrix product, on a numbered size x size image.

    Left: the image (one channel, one example), two of its k x k windows outlined. Middle: the
    columns that the course's ``im2col`` makes, one per window, in its order. Right: the
    filters as rows of W_col (filters, k k) times the columns gives (filters, windows), each
    row one output map of (size - k + 1)^2 positions. Patches carry a gid naming their group.
    """
    from .engine.conv import im2col

    image = np.arange(1, size * size + 1).reshape(1, 1, size, size)
    cols, (H_out, W_out) = im2col(image, k, 1, 0)
    n_rows, n_cols = cols.shape
    ax = _axes(ax, figsize=(13, 4.0))
    colors = ["#d6604d", "#4393c3"]
    chosen = [0, n_cols - 1]  # the first and last windows

    def grid(x0, y0, values, gid, highlight=None):
        rows, columns = values.shape
        for i in range(rows):
            for j in range(columns):
                face = highlight(i, j) if highlight else None
                ax.add_patch(
                    plt.Rectangle(
                        (x0 + j, y0 - i - 1),
                        1,
                        1,
                        facecolor=face or "white",
                        edgecolor="#4d4d4d",
                        lw=0.8,
                        gid=gid,
                    )
                )
                ax.text(x0 + j + 0.5, y0 - i - 0.5, str(values[i, j]), ha="center", va="center")

    top = n_rows + 1.5
    image_y = top - (n_rows - size) / 2 - 0.5
    grid(0, image_y, image[0, 0], "image")
    for window, color in zip(chosen, colors, strict=True):
        y, x = divmod(window, W_out)
        ax.add_patch(plt.Rectangle((x, image_y - y - k), k, k, fill=False, edgecolor=color, lw=3))
    ax.text(size / 2, top + 0.3, f"image {size} × {size}\nwindows {k} × {k}", ha="center")

    columns_x = size + 3.0
    column_color = dict(zip(chosen, colors, strict=True))
    grid(columns_x, top - 0.5, cols, "columns", lambda i, j: column_color.get(j) and "#f4e3c9")
    for window, color in column_color.items():
        ax.add_patch(
            plt.Rectangle(
                (columns_x + window, top - 0.5 - n_rows),
                1,
                n_rows,
                fill=False,
                edgecolor=color,
                lw=3,
            )
        )
    ax.text(
        columns_x + n_cols / 2,
        top + 0.3,
        f"im2col: one column per window\n({k}·{k}, {H_out}·{W_out}) = {cols.shape}",
        ha="center",
    )
    _arrow(ax, (size + 0.3, top - 2), (columns_x - 0.3, top - 2))

    product_x = columns_x + n_cols + 2.0
    weights = np.array([["ab"[f] + str(p + 1) for p in range(n_rows)] for f in range(filters)])
    grid(product_x, top - 0.5, weights, "W_col")
    ax.text(
        product_x + n_rows / 2,
        top + 0.3,
        f"filters as rows\nW_col ({filters}, {k}·{k})",
        ha="center",
    )
    ax.text(product_x + n_rows + 0.4, top - 1.5, "@ columns =", va="center", fontsize=11)
    result_x = product_x + n_rows + 4.2
    names = np.array([[f"z{f + 1}" for _ in range(n_cols)] for f in range(filters)])
    grid(result_x, top - 0.5, names, "Z")
    ax.text(
        result_x + n_cols / 2,
        top + 0.3,
        f"Z ({filters}, {H_out}·{W_out})\nrow f is output map f",
        ha="center",
    )
    ax.text(
        result_x + n_cols / 2,
        top - filters - 1.2,
        f"reshape each row to {H_out} × {W_out}",
        ha="center",
    )
    ax.set_xlim(-0.5, result_x + n_cols + 0.5)
    ax.set_ylim(0, top + 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax

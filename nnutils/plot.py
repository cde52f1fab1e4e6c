"""Plots the lessons share. Every function draws on ``ax`` (a new one if None) and returns it."""

import matplotlib.pyplot as plt
import numpy as np

CLASS_COLOURS = ("#2166ac", "#b2182b")


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def scatter_classes(X, Y, ax=None, title=None, s=14):
    """Scatter the columns of X (2, m) coloured by their labels Y (1, m)."""
    ax = _axes(ax)
    labels = np.asarray(Y).ravel()
    for label, colour in zip((0, 1), CLASS_COLOURS, strict=True):
        points = X[:, labels == label]
        ax.scatter(points[0], points[1], s=s, c=colour, label=f"y = {label}", edgecolors="none")
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
    x_min, x_max = X[0].min() - margin, X[0].max() + margin
    y_min, y_max = X[1].min() - margin, X[1].max() + margin
    xx, yy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    grid = np.stack([xx.ravel(), yy.ravel()]).astype(X.dtype)
    scores = np.asarray(predict(grid), dtype=float).reshape(xx.shape)
    ax.contourf(xx, yy, scores > 0.5, levels=[-0.5, 0.5, 1.5], colors=CLASS_COLOURS, alpha=0.25)
    ax.contour(xx, yy, scores, levels=[0.5], colors="k", linewidths=0.8)
    scatter_classes(X, Y, ax=ax, title=title)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    return ax


def plot_learning_curves(curves, ax=None, xlabel="iteration", ylabel="cost", title=None, log=False):
    """Plot one or more curves: ``curves`` is a sequence of numbers or a dict label -> sequence.

    A curve may also be a pair (x values, y values), e.g. costs recorded every 100 iterations.
    """
    ax = _axes(ax, figsize=(6, 4))
    if not isinstance(curves, dict):
        curves = {None: curves}
    for label, curve in curves.items():
        if isinstance(curve, tuple) and len(curve) == 2:
            ax.plot(*curve, label=label)
        else:
            ax.plot(np.asarray(curve, dtype=float), label=label)
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

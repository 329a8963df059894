"""Figures of a classifier on two features: observations, regions, probability maps, fools.

Every function draws a result it is given (a :class:`helpers.grids.ProbabilityGrid`, data,
points) on ``ax`` (the current Axes when None) and returns the Axes.
"""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from helpers._validation import check_numeric, check_table
from helpers.grids import ProbabilityGrid
from helpers.plotting._style import class_colors

#: Colour of the circles around misclassified observations.
MISCLASSIFIED_COLOR = "red"


def _check_grid(grid: Any) -> ProbabilityGrid:
    if not isinstance(grid, ProbabilityGrid):
        raise TypeError(
            f"grid must be a ProbabilityGrid (from helpers.grids.probability_grid); "
            f"got {type(grid).__name__}."
        )
    return grid


def _check_2d(X: Any, name: str = "X") -> np.ndarray:
    X = check_numeric(X, name)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"{name} must have shape (n_samples, 2) to be drawn on a 2-D plot; got {X.shape}. "
            "Select two feature columns (or project to two dimensions) first."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values; drop or impute them first.")
    return X


def _scatter_classes(
    ax: Axes, X: np.ndarray, y: Any, classes: Sequence[Any], name: str = "X", **kwargs: Any
) -> None:
    """One scatter per class, coloured by the class's position in ``classes``."""
    if y is None:
        raise ValueError(
            f"{name} was given without its labels y; pass y as well (or neither, to draw no "
            "observations)."
        )
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"{name} has {len(X)} rows but y has {len(y)} labels; they must match.")
    unknown = sorted(set(y.tolist()) - set(list(classes)), key=str)
    if unknown:
        raise ValueError(
            f"y holds labels {unknown} that are not among the classes "
            f"{list(classes)}; pass the classes the model was fitted on."
        )
    colors = class_colors(len(classes))
    for color, label in zip(colors, classes):
        mask = y == label
        ax.scatter(
            X[mask, 0], X[mask, 1], color=color, label=str(label),
            edgecolor="white", linewidth=0.5, s=30, **kwargs,
        )


def _label_axes(ax: Axes, feature_names: Sequence[str] | None) -> None:
    if feature_names is not None:
        ax.set_xlabel(feature_names[0])
        ax.set_ylabel(feature_names[1])


def plot_observations(
    X: Any,
    y: Any,
    classes: Sequence[Any] | None = None,
    misclassified: Any = None,
    feature_names: Sequence[str] | None = None,
    ax: Axes | None = None,
    name: str = "X",
) -> Axes:
    """Scatter the observations coloured by class, circling the misclassified ones in red.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    y : array-like of shape (n_samples,)
        Class labels.
    classes : sequence, optional
        Class order (sets the colours); by default the sorted unique labels of ``y``.
    misclassified : array-like of bool, shape (n_samples,), optional
        Rows to circle, e.g. ``model.predict(X) != y``.
    feature_names : (str, str), optional
        Axis labels.
    ax : Axes, optional
    name : str, default "X"
        What the caller calls the points, used in error messages (``plot_hidden_layer``: "H").

    Returns
    -------
    Axes
    """
    ax = plt.gca() if ax is None else ax
    X = _check_2d(X, name)
    classes = list(np.unique(np.asarray(y))) if classes is None else list(classes)
    _scatter_classes(ax, X, y, classes, name)
    if misclassified is not None:
        mask = np.asarray(misclassified, dtype=bool)
        if mask.shape != (len(X),):
            raise ValueError(
                f"misclassified must be a boolean mask of shape ({len(X)},); got {mask.shape}."
            )
        ax.scatter(
            X[mask, 0], X[mask, 1], s=160, facecolors="none",
            edgecolors=MISCLASSIFIED_COLOR, linewidths=1.5,
            label=f"misclassified ({int(mask.sum())})",
        )
    _label_axes(ax, feature_names)
    ax.legend(loc="best")
    return ax


def _draw_overlays(
    ax: Axes,
    points: Any = None,
    point_labels: Sequence[str] | None = None,
    bounds: tuple[float, float] | None = None,
    perturbations: tuple[Any, Any] | None = None,
) -> None:
    """Draw the optional overlays shared by the region and probability figures."""
    if point_labels is not None and points is None:
        raise ValueError("point_labels were given without points; pass points=... as well.")
    if perturbations is not None:
        try:
            start, delta = perturbations
        except (TypeError, ValueError):
            raise ValueError(
                "perturbations must be a pair (X_from, delta) of arrays of shape (n, 2)."
            ) from None
        _plot_perturbations(start, delta, ax=ax)
    if points is not None:
        _plot_points(points, point_labels, ax=ax)
    if bounds is not None:
        plot_activation_bounds(bounds, ax=ax)


def plot_decision_regions(
    grid: ProbabilityGrid,
    X: Any = None,
    y: Any = None,
    ax: Axes | None = None,
    *,
    points: Any = None,
    point_labels: Sequence[str] | None = None,
    bounds: tuple[float, float] | None = None,
    perturbations: tuple[Any, Any] | None = None,
) -> Axes:
    """Fill each class's predicted region (the arg-max of the probabilities) in its colour.

    Parameters
    ----------
    grid : ProbabilityGrid
    X, y : array-like, optional
        Observations of shape (n_samples, 2) and their labels, drawn on top.
    ax : Axes, optional
    points : array-like of shape (n_points, 2), optional
        Points to mark with crosses (for example fools), see :func:`_plot_points`.
    point_labels : sequence of str, optional
        One annotation per point.
    bounds : (float, float), optional
        Limits of a bounded 2-unit layer (tanh: ``(-1, 1)``), outlined as a dashed square,
        see :func:`plot_activation_bounds`.
    perturbations : (X_from, delta), optional
        Arrays of shape (n, 2): arrows from ``X_from`` to ``X_from + delta``, see
        :func:`_plot_perturbations`.

    Returns
    -------
    Axes
    """
    ax = plt.gca() if ax is None else ax
    grid = _check_grid(grid)
    n_classes = len(grid.classes)
    colors = class_colors(n_classes)
    ax.contourf(
        grid.xx, grid.yy, grid.predicted_index,
        levels=np.arange(n_classes + 1) - 0.5, colors=colors, alpha=0.35,
    )
    handles = [
        Patch(facecolor=c, alpha=0.35, label=f"predicted {label}")
        for c, label in zip(colors, grid.classes)
    ]
    if X is not None:
        _scatter_classes(ax, _check_2d(X), y, list(grid.classes))
    _label_axes(ax, grid.feature_names)
    ax.legend(handles=handles + ax.get_legend_handles_labels()[0], loc="best", fontsize="small")
    _draw_overlays(ax, points, point_labels, bounds, perturbations)
    return ax


def plot_uncertainty_region(
    grid: ProbabilityGrid,
    X: Any = None,
    y: Any = None,
    point: Any = None,
    levels: Sequence[float] = (0.4, 0.5, 0.6),
    ax: Axes | None = None,
) -> Axes:
    """Shade where the model is least sure: the maximum class probability near its floor.

    With ``n_classes`` classes the highest probability is never below ``1 / n_classes``; the
    shaded bands are where it stays below each of ``levels``.

    Parameters
    ----------
    grid : ProbabilityGrid
    X, y : array-like, optional
        Observations drawn on top.
    point : array-like of shape (2,), optional
        A point to mark, e.g. where every class has probability ``1 / n_classes``.
    levels : sequence of float, default (0.4, 0.5, 0.6)
        Upper edges of the shaded bands, increasing, each above ``1 / n_classes``.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = plt.gca() if ax is None else ax
    grid = _check_grid(grid)
    floor = 1.0 / len(grid.classes)
    levels = [float(v) for v in levels]
    if not levels or levels != sorted(levels) or levels[0] <= floor or levels[-1] > 1:
        raise ValueError(
            f"levels must increase, each between 1/n_classes = {floor:.3f} and 1; got {levels}."
        )
    filled = ax.contourf(
        grid.xx, grid.yy, grid.max_proba, levels=[floor] + levels,
        cmap="Greys_r", alpha=0.6,
    )
    ax.figure.colorbar(filled, ax=ax, label="maximum class probability", format="%.2f")
    if X is not None:
        _scatter_classes(ax, _check_2d(X), y, list(grid.classes))
    if point is not None:
        px, py = check_numeric(point, "point")
        ax.plot(px, py, marker="*", color="black", markersize=14, linestyle="none",
                label=f"all classes at 1/{len(grid.classes)}")
    _label_axes(ax, grid.feature_names)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_probability_contours(
    grid: ProbabilityGrid,
    level: float = 0.5,
    X: Any = None,
    y: Any = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw, for each class, the contour where its probability equals ``level``.

    With ``level=0.5`` these are the borders where one class is as likely as all the others
    together — for a softmax model, the two-class boundaries.

    Parameters
    ----------
    grid : ProbabilityGrid
    level : float, default 0.5
        A probability strictly between 0 and 1.
    X, y : array-like, optional
        Observations drawn on top.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = plt.gca() if ax is None else ax
    grid = _check_grid(grid)
    if not 0 < level < 1:
        raise ValueError(f"level must be a probability strictly between 0 and 1; got {level}.")
    colors = class_colors(len(grid.classes))
    for k, (color, label) in enumerate(zip(colors, grid.classes)):
        proba = grid.proba[..., k]
        if proba.min() < level < proba.max():
            ax.contour(grid.xx, grid.yy, proba, levels=[level], colors=[color], linewidths=2)
            ax.plot([], [], color=color, linewidth=2, label=f"P({label}) = {level:g}")
    if X is not None:
        _scatter_classes(ax, _check_2d(X), y, list(grid.classes), alpha=0.6)
    _label_axes(ax, grid.feature_names)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_probability_map(
    grid: ProbabilityGrid,
    X: Any = None,
    y: Any = None,
    certain_level: float | None = 0.99,
    ax: Axes | None = None,
    *,
    points: Any = None,
    point_labels: Sequence[str] | None = None,
    bounds: tuple[float, float] | None = None,
    perturbations: tuple[Any, Any] | None = None,
) -> Axes:
    """Colour every grid point by the highest class probability, with a colour bar.

    Parameters
    ----------
    grid : ProbabilityGrid
    X, y : array-like, optional
        Observations drawn on top.
    certain_level : float or None, default 0.99
        Draw a dashed contour where the maximum probability reaches this level (None: no line).
    ax : Axes, optional
    points : array-like of shape (n_points, 2), optional
        Points to mark with crosses (for example fools), see :func:`_plot_points`.
    point_labels : sequence of str, optional
        One annotation per point.
    bounds : (float, float), optional
        Limits of a bounded 2-unit layer (tanh: ``(-1, 1)``), outlined as a dashed square,
        see :func:`plot_activation_bounds`.
    perturbations : (X_from, delta), optional
        Arrays of shape (n, 2): arrows from ``X_from`` to ``X_from + delta``, see
        :func:`_plot_perturbations`.

    Returns
    -------
    Axes
    """
    ax = plt.gca() if ax is None else ax
    grid = _check_grid(grid)
    floor = 1.0 / len(grid.classes)
    steps = np.arange(np.ceil(floor * 20) / 20, 1.0, 0.05)
    levels = np.unique(np.round(np.concatenate([[floor], steps, [1.0]]), 12))
    filled = ax.contourf(grid.xx, grid.yy, grid.max_proba, levels=levels, cmap="viridis")
    ax.figure.colorbar(filled, ax=ax, label="maximum class probability", format="%.2f")
    if certain_level is not None and grid.max_proba.min() < certain_level < grid.max_proba.max():
        ax.contour(grid.xx, grid.yy, grid.max_proba, levels=[certain_level],
                   colors="white", linestyles="--", linewidths=1.2)
        ax.plot([], [], color="white", linestyle="--", label=f"P = {certain_level:g}")
    if X is not None:
        _scatter_classes(ax, _check_2d(X), y, list(grid.classes))
    _label_axes(ax, grid.feature_names)
    legend = ax.legend(loc="best", fontsize="small", facecolor="lightgrey")
    legend.get_frame().set_alpha(0.8)
    _draw_overlays(ax, points, point_labels, bounds, perturbations)
    return ax


def _plot_points(
    points: Any,
    labels: Sequence[str] | None = None,
    color: str = "red",
    ax: Axes | None = None,
) -> Axes:
    """Mark points (for example fools) with crosses and, optionally, a text label each.

    Parameters
    ----------
    points : array-like of shape (n_points, 2)
    labels : sequence of str, optional
        One annotation per point.
    color : str, default "red"
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = plt.gca() if ax is None else ax
    points = _check_2d(points, "points")
    ax.scatter(points[:, 0], points[:, 1], marker="X", s=120, color=color,
               edgecolor="black", linewidth=0.8, zorder=5)
    if labels is not None:
        if len(labels) != len(points):
            raise ValueError(
                f"labels has {len(labels)} entries but there are {len(points)} points."
            )
        for (px, py), text in zip(points, labels):
            ax.annotate(text, (px, py), xytext=(6, 6), textcoords="offset points",
                        fontsize="small", color="black",
                        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8})
    return ax


def _plot_perturbations(
    X: Any, delta: Any, ax: Axes | None = None, color: str = "black"
) -> Axes:
    """Draw each perturbation as an arrow from a point to the point it is moved to.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        Starting points.
    delta : array-like of shape (n_samples, 2)
        The changes; arrows end at ``X + delta``.
    ax : Axes, optional
    color : str, default "black"

    Returns
    -------
    Axes
    """
    ax = plt.gca() if ax is None else ax
    X = _check_2d(X)
    delta = _check_2d(delta, "delta")
    if delta.shape != X.shape:
        raise ValueError(f"delta has shape {delta.shape} but X has {X.shape}; they must match.")
    ax.quiver(X[:, 0], X[:, 1], delta[:, 0], delta[:, 1], angles="xy", scale_units="xy",
              scale=1, color=color, width=0.004)
    return ax


def plot_doubt_along_rays(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Plot, per class, how the probability of every *other* class shrinks along its ray.

    Parameters
    ----------
    table : DataFrame
        From :func:`helpers.attacks.fools_along_rays`: columns ``class``, ``travelled`` and
        ``other classes``.
    ax : Axes, optional

    Returns
    -------
    Axes
        With a logarithmic vertical axis.
    """
    check_table(table, ("class", "travelled", "other classes"), "table",
                "helpers.attacks.fools_along_rays")
    ax = plt.gca() if ax is None else ax
    classes = list(pd.unique(table["class"]))
    for color, label in zip(class_colors(len(classes)), classes):
        rows = table[table["class"] == label]
        ax.semilogy(rows["travelled"], rows["other classes"], color=color, linewidth=2,
                    label=f"ray of {label}")
    ax.set_xlabel("distance travelled from the class mean")
    ax.set_ylabel("probability of any other class")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_activation_bounds(
    bounds: tuple[float, float], label: str | None = None, ax: Axes | None = None
) -> Axes:
    """Outline the square a bounded 2-unit layer lives in (``(-1, 1)²`` for tanh).

    Parameters
    ----------
    bounds : (float, float)
        The limits of each unit, low first.
    label : str, optional
        Legend entry; by default "reachable: (low, high)²".
    ax : Axes, optional

    Returns
    -------
    Axes
        With one dashed black ``Rectangle`` patch added.
    """
    ax = plt.gca() if ax is None else ax
    low, high = (float(b) for b in bounds)
    if not low < high:
        raise ValueError(f"bounds must satisfy low < high; got {bounds!r}.")
    label = f"reachable: ({low:g}, {high:g})²" if label is None else label
    square = Rectangle((low, low), high - low, high - low, fill=False, edgecolor="black",
                       linestyle="--", linewidth=1.5, label=label, zorder=4)
    ax.add_patch(square)
    legend = ax.get_legend()  # keep the entries already shown (e.g. region patches) and add one
    handles = [] if legend is None else list(legend.legend_handles)
    labels = [] if legend is None else [text.get_text() for text in legend.get_texts()]
    ax.legend(handles + [square], labels + [label], loc="best", fontsize="small")
    return ax

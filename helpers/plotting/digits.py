"""Figures of digit images and of a network trained on them.

Axes-level functions take ``ax=None`` (drawing on ``plt.gca()`` when it is None) and return the
Axes. :func:`plot_digit_grid` draws many images and returns their Axes; :func:`plot_digit_sample`
(real digits, a row per class, through :func:`plot_digit_grid`) and :func:`plot_fooling_images`
return the Figure (a new one unless ``fig`` is given).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers._validation import check_numeric, check_pixels, check_range
from helpers.plotting._style import class_colors
from helpers.plotting.regions import plot_activation_bounds, plot_observations

#: Side of an MNIST image in pixels.
DIGIT_SIDE: int = 28
#: Colour maps: real digits in grey (0 white, 1 black); inverted images, whose pixels can be
#: negative, in a diverging map centred on 0.
DIGIT_CMAP: str = "gray_r"
FOOL_CMAP: str = "RdBu_r"
#: Colour of the circle around a changed pixel, in :func:`plot_digit_grid`.
PIXEL_MARK_COLOR: str = "red"
#: Axis labels of a 2-unit hidden layer.
HIDDEN_AXES: tuple[str, str] = ("hidden unit 1", "hidden unit 2")


def _check_images(X: Any, name: str = "X") -> np.ndarray:
    """Return ``X`` (rows of 784 pixels, one 28×28 image, or a stack) as shape (n_images, 28, 28)."""
    X = check_numeric(X, name)
    if X.ndim == 1 or X.shape == (DIGIT_SIDE, DIGIT_SIDE):
        X = X[np.newaxis, :]
    if X.ndim == 2 and X.shape[1] == DIGIT_SIDE**2:
        X = X.reshape(-1, DIGIT_SIDE, DIGIT_SIDE)
    if X.ndim != 3 or X.shape[1:] != (DIGIT_SIDE, DIGIT_SIDE) or len(X) == 0:
        raise ValueError(
            f"{name} must hold {DIGIT_SIDE}x{DIGIT_SIDE} images as rows of {DIGIT_SIDE**2} pixels "
            f"(shape (n_images, {DIGIT_SIDE**2})); got shape {np.shape(X)}."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite pixels; pass finite images.")
    return X


def format_probability(probability: float, digits: int = 3) -> str:
    """``"P = 0.923"``, or ``"P > 0.999"`` when rounding would print a misleading 1.000."""
    top = 1.0 - 10.0**-digits
    if probability > top + 0.5 * 10.0**-digits:
        return f"P > {top:.{digits}f}"
    return f"P = {probability:.{digits}f}"


def plot_digit(
    image: Any,
    title: str | None = None,
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    cmap: str = DIGIT_CMAP,
    ax: Axes | None = None,
) -> Axes:
    """Show one 28×28 image without ticks.

    Parameters
    ----------
    image : array-like of shape (784,) or (28, 28)
    title : str, optional
    vmin, vmax : float or None, default 0 and 1
        Pixel values drawn with the first and last colour (real digits lie in [0, 1]); None
        takes the image's own minimum or maximum.
    cmap : str, default "gray_r"
    ax : Axes, optional

    Returns
    -------
    Axes
        Holding one ``AxesImage`` (``ax.images[0]``).
    """
    pixels = _check_images(image, "image")
    if len(pixels) != 1:
        raise ValueError(f"image must be a single image; got {len(pixels)}. Use one row.")
    if vmin is not None and vmax is not None:
        vmin, vmax = check_range((vmin, vmax), "(vmin, vmax)")
        check_pixels(pixels, (vmin, vmax), "image")
    ax = plt.gca() if ax is None else ax
    ax.imshow(pixels[0], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title is not None:
        ax.set_title(title, fontsize="small")
    return ax


def plot_digit_grid(
    images: Any,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    marks: Sequence[int | None] | None = None,
    value_range: tuple[float, float] | None = (0.0, 1.0),
    row_labels: Sequence[Any] | None = None,
    axes: Any = None,
) -> np.ndarray:
    """Draw 28 x 28 digit images in a grid with :func:`plot_digit`, optionally circling one pixel of each.

    The series' one grid of digits: :func:`plot_digit_sample` and the attack notebook's figures
    of fools and changed pixels all draw through it.

    Parameters
    ----------
    images : array-like of shape (n_images, 784)
        Flattened images, row-major, filling the grid row by row.
    titles : sequence of str, optional
        One title per image.
    ncols : int, default 4
    marks : sequence of int or None, optional
        For each image, the flat index of a pixel to circle, 0 to 783 (None: no circle).
    value_range : (low, high) or None, default (0, 1)
        Grey scale limits (white = low, black = high, as ink on paper), low < high, holding
        every pixel; None scales each image to its own minimum and maximum.
    row_labels : sequence, optional
        A label for each row of the grid, written left of its first image.
    axes : array of Axes, optional
        At least ``n_images`` Axes to draw on; by default a new figure is made (cells of
        2.2 x 2.4 inches with titles, 0.9 x 0.95 without).

    Returns
    -------
    ndarray of Axes
        The Axes drawn on, flattened; unused ones are switched off.
    """
    images = _check_images(images, "images").reshape(-1, DIGIT_SIDE**2)
    n = len(images)
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a whole number >= 1; got {ncols!r}.")
    for name, values in (("titles", titles), ("marks", marks)):
        if values is not None and len(values) != n:
            raise ValueError(f"{name} has {len(values)} entries for {n} images; give one each.")
    if value_range is not None:
        value_range = check_range(value_range, "value_range")
        check_pixels(images, value_range, "images")
    for i, mark in enumerate(marks if marks is not None else []):
        if mark is not None and not (
            isinstance(mark, (int, np.integer)) and 0 <= mark < DIGIT_SIDE**2
        ):
            raise ValueError(
                f"marks[{i}]={mark!r} is not a pixel of a {DIGIT_SIDE}x{DIGIT_SIDE} image: give a "
                f"flat pixel index 0-{DIGIT_SIDE**2 - 1} (row * {DIGIT_SIDE} + column) or None."
            )
    nrows = int(np.ceil(n / ncols))
    if row_labels is not None and len(row_labels) != nrows:
        raise ValueError(
            f"row_labels has {len(row_labels)} entries for {nrows} rows of {ncols} images; "
            "give one per row."
        )
    if axes is None:
        width, height = (2.2, 2.4) if titles is not None else (0.9, 0.95)
        _, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) < n:
        raise ValueError(f"{n} images need at least {n} Axes; got {len(axes)}.")
    low, high = value_range if value_range is not None else (None, None)
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_axis_off()
            continue
        plot_digit(images[i], vmin=low, vmax=high, ax=ax)
        if titles is not None:
            ax.set_title(titles[i], fontsize="small", fontweight="normal")
        if marks is not None and marks[i] is not None:
            row, col = divmod(int(marks[i]), DIGIT_SIDE)
            ax.add_patch(plt.Circle((col, row), 1.6, fill=False, color=PIXEL_MARK_COLOR,
                                    linewidth=1.5))
        if row_labels is not None and i % ncols == 0:
            ax.set_ylabel(str(row_labels[i // ncols]), rotation=0, labelpad=12, fontsize="large")
    return axes


def plot_digit_sample(
    X: Any, y: Any, n_per_class: int = 8, fig: Figure | None = None
) -> Figure:
    """A grid of real digits: one row per class, the first ``n_per_class`` digits of each.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784)
        Pixels in [0, 1] (0-255 pixels are refused, with the fix).
    y : array-like of shape (n_samples,)
        The digit of each row; rows are the sorted classes.
    n_per_class : int, default 8
        Columns of the grid; every class needs at least this many digits.
    fig : Figure, optional
        Drawn on (its existing axes are cleared); a new Figure by default.

    Returns
    -------
    Figure
        With ``n_classes * n_per_class`` Axes, one image each; the first column's y-labels name
        the classes.
    """
    images = _check_images(X)
    check_pixels(images, (0.0, 1.0), "X")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != len(images):
        raise ValueError(f"X has {len(images)} images but y has {len(y)} labels; they must match.")
    if int(n_per_class) != n_per_class or n_per_class < 1:
        raise ValueError(f"n_per_class must be a positive integer; got {n_per_class!r}.")
    classes = np.unique(y)
    counts = {label: int(np.sum(y == label)) for label in classes}
    short = {label: n for label, n in counts.items() if n < n_per_class}
    if short:
        raise ValueError(
            f"classes {sorted(short)} have fewer than n_per_class={n_per_class} images "
            f"({short}); lower n_per_class."
        )
    fig = plt.figure(figsize=(0.9 * n_per_class, 0.95 * len(classes))) if fig is None else fig
    fig.clear()
    axes = fig.subplots(len(classes), int(n_per_class), squeeze=False)
    first = np.concatenate([images[y == label][:n_per_class] for label in classes])
    plot_digit_grid(first, ncols=int(n_per_class), row_labels=classes, axes=axes)
    return fig


def plot_fooling_images(
    X: Any,
    predicted: Sequence[Any],
    probability: Sequence[float],
    hidden: Any,
    fig: Figure | None = None,
) -> Figure:
    """Images made to fool a network, each titled with its prediction, probability and hidden vector.

    All images share one diverging colour scale centred on 0 and spanning the largest absolute
    pixel, with a colour bar; its label gives the range of the pixels next to the [0, 1] of
    real digits.

    Parameters
    ----------
    X : array-like of shape (n_images, 784)
    predicted : sequence of length n_images
        The class the network predicts for each image.
    probability : sequence of float, length n_images
        The probability of that class (formatted by :func:`format_probability`).
    hidden : array-like of shape (n_images, n_units)
        The image's activations in the network's 2-unit (or small) hidden layer.
    fig : Figure, optional
        Drawn on (cleared first); a new Figure by default.

    Returns
    -------
    Figure
        With ``n_images`` image Axes and one colour-bar Axes.
    """
    images = _check_images(X)
    hidden = check_numeric(hidden, "hidden")
    n = len(images)
    if len(predicted) != n or len(probability) != n or hidden.ndim != 2 or len(hidden) != n:
        raise ValueError(
            f"predicted, probability and hidden (2-D) need one entry per image ({n}); got "
            f"{len(predicted)}, {len(probability)} and shape {hidden.shape}."
        )
    fig = plt.figure(figsize=(2.6 * n + 0.8, 3.4)) if fig is None else fig
    fig.clear()
    axes = fig.subplots(1, n, squeeze=False)[0]
    limit = float(np.abs(images).max()) or 1.0
    for ax, image, label, p, h in zip(axes, images, predicted, probability, hidden):
        vector = ", ".join(f"{v:.3g}" for v in h)
        plot_digit(image, vmin=-limit, vmax=limit, cmap=FOOL_CMAP, ax=ax,
                   title=f"predicted {label}, {format_probability(p)}\nhidden = ({vector})")
    fig.colorbar(
        axes[0].images[0], ax=list(axes), shrink=0.8,
        label=f"pixel value: {images.min():.2g} to {images.max():.2g} (real digits: 0 to 1)",
    )
    return fig


def plot_loss_curves(curves: Mapping[str, Sequence[float]], ax: Axes | None = None) -> Axes:
    """Training loss per epoch of one or more networks, on a logarithmic scale.

    Parameters
    ----------
    curves : mapping from a network's name to its ``loss_curve_``
        Each a non-empty sequence of positive losses, one per epoch.
    ax : Axes, optional

    Returns
    -------
    Axes
        One line per network, labelled with its epochs and final loss.
    """
    ax = plt.gca() if ax is None else ax
    if not curves:
        raise ValueError("curves is empty; pass {name: model.loss_curve_} for each network.")
    for color, (name, curve) in zip(class_colors(len(curves)), curves.items()):
        loss = check_numeric(curve, f"curves[{name!r}]")
        if loss.ndim != 1 or loss.size == 0 or np.any(~np.isfinite(loss)) or np.any(loss <= 0):
            raise ValueError(
                f"the loss curve of {name!r} must be a non-empty sequence of positive, finite "
                "losses (a fitted MLPClassifier's loss_curve_)."
            )
        epochs = np.arange(1, loss.size + 1)
        ax.plot(epochs, loss, color=color, linewidth=2,
                label=f"{name}: {loss.size} epochs, final loss {loss[-1]:.2f}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_hidden_layer(
    H: Any,
    y: Any,
    classes: Sequence[Any] | None = None,
    misclassified: Any = None,
    bounds: tuple[float, float] | None = None,
    count_within: float | None = None,
    min_count: int = 10,
    ax: Axes | None = None,
) -> Axes:
    """Scatter digits in a 2-unit hidden layer, coloured by digit (Figures 8–9).

    Where many digits land on one spot (a saturated tanh layer stacks hundreds at its corners),
    their markers hide one another; ``count_within`` labels each such spot with its count.

    Parameters
    ----------
    H : array-like of shape (n_samples, 2)
        Activations of the 2-unit layer (``helpers.network.propagate``).
    y : array-like of shape (n_samples,)
        The true digits.
    classes : sequence, optional
        Class order (sets the colours); by default the sorted digits of ``y``.
    misclassified : array-like of bool, shape (n_samples,), optional
        Digits to circle in red.
    bounds : (float, float), optional
        The limits of a bounded layer (tanh: ``(-1, 1)``), outlined as a dashed square.
    count_within : float, optional
        Side of the square cells (in activation units, e.g. 0.1 for a tanh layer) in which
        digits are counted: every cell holding at least ``min_count`` digits gets a label
        "N digits (class: n, ...)" next to its digits' mean position, on the side towards the
        middle of the plot. No labels by default.
    min_count : int, default 10
        The fewest digits a cell needs to be labelled.
    ax : Axes, optional

    Returns
    -------
    Axes
        The labels, if any, are ``ax.texts``, from the most crowded cell down.
    """
    if count_within is not None and not (np.isfinite(count_within) and count_within > 0):
        raise ValueError(f"count_within must be a positive number of activation units; got {count_within!r}.")
    if int(min_count) != min_count or min_count < 1:
        raise ValueError(f"min_count must be a positive integer; got {min_count!r}.")
    ax = plot_observations(H, y, classes=classes, misclassified=misclassified,
                           feature_names=HIDDEN_AXES, ax=ax, name="H")
    if bounds is not None:
        plot_activation_bounds(bounds, ax=ax)
    if count_within is not None:
        classes = list(np.unique(np.asarray(y))) if classes is None else list(classes)
        _label_crowded_cells(ax, np.asarray(H, dtype=float), np.asarray(y), classes,
                             float(count_within), int(min_count))
    return ax


def _label_crowded_cells(
    ax: Axes, H: np.ndarray, y: np.ndarray, classes: list[Any], side: float, min_count: int
) -> None:
    """Label each square cell of ``side`` holding ``min_count`` or more points with its counts."""
    cells = np.round(H / side).astype(np.int64)
    _, cell_of_point, counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    cell_of_point = cell_of_point.reshape(-1)
    middle = np.array([np.mean(ax.get_xlim()), np.mean(ax.get_ylim())])
    for cell in np.argsort(-counts, kind="stable"):
        if counts[cell] < min_count:
            break
        members = cell_of_point == cell
        spot = H[members].mean(axis=0)
        per_class = ", ".join(f"{label}: {n}" for label in classes
                              if (n := int(np.sum(y[members] == label))))
        towards = np.where(spot <= middle, 1.0, -1.0)
        ax.annotate(
            f"{counts[cell]} digits\n({per_class})", xy=spot, xytext=10 * towards,
            textcoords="offset points", fontsize="small",
            ha="left" if towards[0] > 0 else "right", va="bottom" if towards[1] > 0 else "top",
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6", "alpha": 0.9},
        )


def plot_confidence_ceiling(
    classes: Sequence[Any],
    ceiling: Sequence[float],
    reached: Sequence[float],
    unbounded: Sequence[float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Per class: the highest probability a bounded network can give, and what fools reached.

    Parameters
    ----------
    classes : sequence of length n_classes
    ceiling : sequence of float
        The ceiling of each class (``helpers.network.confidence_ceiling``): one bar each.
    reached : sequence of float
        The probability the bounded network's fools reached: black crosses.
    unbounded : sequence of float, optional
        The probability an unbounded (identity) network's fools reached: white diamonds.
    ax : Axes, optional

    Returns
    -------
    Axes
        With one bar per class, in the class colours.
    """
    ax = plt.gca() if ax is None else ax
    n = len(classes)
    ceiling = check_numeric(ceiling, "ceiling")
    reached = check_numeric(reached, "reached")
    series = [ceiling, reached] + ([] if unbounded is None else [np.asarray(unbounded, float)])
    if any(s.shape != (n,) for s in series):
        raise ValueError(
            f"ceiling, reached and unbounded need one probability per class ({n}); got shapes "
            f"{[s.shape for s in series]}."
        )
    positions = np.arange(n)
    ax.bar(positions, ceiling, color=class_colors(n), alpha=0.6, label="ceiling")
    ax.scatter(positions, reached, marker="X", s=110, color="black", zorder=3,
               label="reached by a fool")
    if unbounded is not None:
        ax.scatter(positions, unbounded, marker="D", s=60, color="white", edgecolor="black",
                   zorder=3, label="unbounded network's fool")
    ax.set_xticks(positions, [str(c) for c in classes])
    ax.set_xlabel("class")
    ax.set_ylabel("probability")
    low = float(min(s.min() for s in series))
    ax.set_ylim(max(0.0, low - 0.05), 1.06)  # room above 1 for the legend
    ax.legend(loc="upper center", ncol=3, fontsize="small")
    return ax

"""Figures of a generative model: how probable each group of inputs is."""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.scale import SymmetricalLogTransform

from helpers._validation import check_numeric
from helpers.plotting._style import CLASS_COLORS

#: Colours of the groups, in order: the class palette reordered so that the first five stay
#: apart when they overlap (sky blue, indigo, olive, magenta, purple; tests/test_plotting_style.py
#: keeps them at least 20 apart in CIELAB, also under simulated colour-vision deficiencies).
GROUP_COLORS: tuple[str, ...] = tuple(CLASS_COLORS[i] for i in (0, 3, 2, 7, 4, 1, 5, 6, 8, 9))
#: Colour of the detection threshold line.
THRESHOLD_COLOR = "black"


def plot_log_density_histograms(
    log_densities: Mapping[str, Any],
    threshold: float | tuple[float, float] | None = None,
    bins: int = 60,
    linthresh: float = 10.0,
    ax: Axes | None = None,
) -> Axes:
    """Overlay one histogram of log-densities per group of inputs, on a symmetric-log axis.

    Log-densities of images span orders of magnitude (a few hundred for real digits, minus
    thousands or millions for noise), so the horizontal axis is linear within ``±linthresh``
    and logarithmic beyond, and the bins are equally wide on that axis.

    Parameters
    ----------
    log_densities : mapping of str to array-like of shape (n_inputs,)
        One group per entry, e.g. ``{"real test digits": ..., "uniform noise": ...}``; the key
        is the legend label (with the group's size appended), the colour follows
        :data:`GROUP_COLORS` in order.
    threshold : float or (float, float), optional
        A detection threshold, or the two ends of a typical range, drawn as vertical dashed
        lines.
    bins : int, default 60
        Number of bins across the whole range.
    linthresh : float, default 10.0
        Half-width of the linear part of the axis.
    ax : Axes, optional

    Returns
    -------
    Axes
        The vertical axis is the share of each group's images per bin, so a group of four
        images shows as clearly as one of thousands.
    """
    ax = plt.gca() if ax is None else ax
    if not log_densities:
        raise ValueError("log_densities is empty; pass at least one group of log-densities.")
    if len(log_densities) > len(GROUP_COLORS):
        raise ValueError(
            f"at most {len(GROUP_COLORS)} groups can be told apart by colour; "
            f"got {len(log_densities)}."
        )
    groups = {}
    for name, values in log_densities.items():
        arr = check_numeric(values, f"log_densities[{name!r}]")
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(
                f"group {name!r} must be a non-empty 1-D array of log-densities; "
                f"got shape {arr.shape}."
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"group {name!r} contains NaN or infinite values; drop them first.")
        groups[name] = arr
    if int(bins) != bins or bins < 1:
        raise ValueError(f"bins must be a positive integer; got {bins!r}.")
    thresholds = [] if threshold is None else [float(t) for t in np.atleast_1d(threshold)]
    if not np.all(np.isfinite(thresholds)) or len(thresholds) > 2:
        raise ValueError(f"threshold must be one finite number or a pair; got {threshold!r}.")
    everything = np.concatenate(list(groups.values()) + [np.asarray(thresholds)])
    transform = SymmetricalLogTransform(base=10, linthresh=linthresh, linscale=1.0)
    low, high = transform.transform(np.array([everything.min(), everything.max()]))
    if low == high:
        low, high = low - 1, high + 1
    edges = transform.inverted().transform(np.linspace(low, high, int(bins) + 1))
    # the round trip through the transform can land a hair inside the extremes, and ax.hist
    # drops a value outside its edges: pin the ends to the data's own extremes
    edges[0], edges[-1] = min(edges[0], everything.min()), max(edges[-1], everything.max())
    for color, (name, arr) in zip(GROUP_COLORS, groups.items()):
        ax.hist(arr, bins=edges, weights=np.full(arr.size, 1.0 / arr.size), color=color,
                alpha=0.6, label=f"{name} ({arr.size})")
    line_label = "threshold" if len(thresholds) == 1 else "ends of the typical range"
    for k, value in enumerate(thresholds):
        ax.axvline(value, color=THRESHOLD_COLOR, linestyle="--", linewidth=1.5,
                   label=line_label if k == 0 else None)
    ax.set_xscale("symlog", linthresh=linthresh)
    ax.set_xlabel("log-density  log p(x)")
    ax.set_ylabel("share of the group's images")
    ax.legend(loc="best", fontsize="small")
    return ax

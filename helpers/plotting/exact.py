"""Figures of exact minima: how far attacks are from them, and what the minimal change looks like.

Every function draws results it is given (from :mod:`helpers.attacks`) and returns what it drew
on; nothing here computes an attack.
"""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers._validation import check_numeric, check_table
from helpers.plotting._style import class_colors
from helpers.plotting.digits import DIGIT_SIDE, plot_digit

#: Colour map of signed pixel changes: red adds ink, blue removes it, white is no change.
CHANGE_CMAP = "RdBu_r"


def plot_attack_gaps(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Attack size / exact minimum for every digit: one strip of points per model and attack.

    Parameters
    ----------
    table : DataFrame
        Columns ``model``, ``attack`` and ``ratio`` (the attack's size divided by the exact
        minimum, >= 1 where both are exact; NaN where the attack failed: not drawn).
    ax : Axes, optional

    Returns
    -------
    Axes
        Points jittered (seeded) around each model's position, coloured by attack, a dashed
        line at 1 (the exact minimum), the y axis logarithmic.

    Raises
    ------
    ValueError
        If ``table`` lacks a column, or its ratios are not numbers > 0 (NaN apart) or all NaN.
    """
    table = check_table(table, ["model", "attack", "ratio"], "table",
                           "a frame of attack sizes divided by exact minima")
    ratios = check_numeric(table["ratio"], "table['ratio']")
    if np.all(np.isnan(ratios)):
        raise ValueError("table['ratio'] is NaN in every row (no attack succeeded): nothing to draw.")
    if np.any(ratios <= 0):
        raise ValueError(
            f"table['ratio'] holds {int(np.sum(ratios <= 0))} value(s) <= 0, but a ratio of two "
            "sizes is > 0 (and the log axis could not draw it); divide each attack's size by the "
            "exact minimum."
        )
    ax = plt.gca() if ax is None else ax
    models = list(dict.fromkeys(table["model"]))
    attacks = list(dict.fromkeys(table["attack"]))
    width = 0.8 / len(attacks)
    jitter = np.random.default_rng(0)
    for j, (attack, color) in enumerate(zip(attacks, class_colors(len(attacks)))):
        for i, model in enumerate(models):
            ratio = table.loc[(table["model"] == model) & (table["attack"] == attack), "ratio"]
            ratio = ratio.to_numpy(dtype=float)
            ratio = ratio[np.isfinite(ratio)]
            centre = i + (j - (len(attacks) - 1) / 2) * width
            x = centre + jitter.uniform(-0.3, 0.3, len(ratio)) * width
            ax.scatter(x, ratio, s=12, color=color, alpha=0.7,
                       label=attack if i == 0 else None)
            if len(ratio):
                ax.hlines(np.median(ratio), centre - width / 2, centre + width / 2,
                          color="black", linewidth=1.5)
    ax.axhline(1.0, color="0.3", linestyle="--", linewidth=1, label="exact minimum")
    ax.set_yscale("log")
    ax.set_xticks(range(len(models)), models)
    ax.set_ylabel("attack's size / exact minimum (in the attack's norm; black: median)")
    ax.legend(fontsize="small")
    return ax


def plot_minimal_changes(
    image: Any, changes: Mapping[str, Any], axes: Any = None
) -> np.ndarray:
    """A digit and several changes of it side by side, the changes on one shared colour scale.

    Parameters
    ----------
    image : array-like of shape (784,)
        The digit, drawn in grey.
    changes : mapping of title to array-like of shape (784,)
        Changes ``x' - x``, each drawn with :data:`CHANGE_CMAP` on the same symmetric scale
        (the largest absolute change of all of them), so that equal colours are equal changes.
    axes : sequence of Axes, optional
        ``1 + len(changes)`` Axes; by default a new figure with one row.

    Returns
    -------
    ndarray of Axes
        The digit's Axes first, then one per change; the figure has a colour bar for the
        changes.
    """
    pixels = np.asarray(image, dtype=float).ravel()
    if pixels.shape != (DIGIT_SIDE**2,):
        raise ValueError(f"image must have {DIGIT_SIDE**2} pixels; got shape {np.shape(image)}.")
    if not changes:
        raise ValueError("changes is empty; give at least one change to draw.")
    deltas = {title: np.asarray(change, dtype=float).ravel() for title, change in changes.items()}
    for title, delta in deltas.items():
        if delta.shape != pixels.shape:
            raise ValueError(f"change {title!r} has shape {delta.shape}; expected {pixels.shape}.")
    if axes is None:
        _, axes = plt.subplots(1, 1 + len(deltas), figsize=(2.6 * (1 + len(deltas)), 2.9))
    axes = np.asarray(axes).ravel()
    if len(axes) != 1 + len(deltas):
        raise ValueError(f"{1 + len(deltas)} Axes are needed (the digit and each change); "
                         f"got {len(axes)}.")
    plot_digit(pixels, title="digit", ax=axes[0])
    scale = max(float(np.abs(delta).max()) for delta in deltas.values()) or 1.0
    for ax, (title, delta) in zip(axes[1:], deltas.items()):
        plot_digit(delta, title=title, vmin=-scale, vmax=scale, cmap=CHANGE_CMAP, ax=ax)
    axes[0].figure.colorbar(axes[-1].images[0], ax=list(axes[1:]), shrink=0.8,
                            label="change of the pixel")
    return axes

"""Figures of attacks: accuracy against ε, perturbation sizes, pixel ranges.

Every ``plot_*`` function draws results it is given (tables from :mod:`helpers.attacks`, images)
and returns the Axes it drew on. Grids of digit images are drawn by
:func:`helpers.plotting.digits.plot_digit_grid`.
"""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers._validation import check_numeric, check_table
from helpers.plotting._style import class_colors

#: Line style of each attack in :func:`plot_accuracy_under_attack`.
ATTACK_LINESTYLES: dict[str, str] = {"FGSM": "--", "PGD": "-"}
#: Colour of the band of pixel values a real image can have, in :func:`plot_pixel_ranges`.
VALID_RANGE_COLOR = "0.85"


def plot_accuracy_under_attack(
    table: pd.DataFrame,
    reference: tuple[float, float, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Accuracy against the size ``eps`` of the change: one colour per model, one style per attack.

    Parameters
    ----------
    table : DataFrame
        From :func:`helpers.attacks.accuracy_under_attack`: columns ``model``, ``attack``,
        ``eps``, ``accuracy``.
    reference : (eps, accuracy, label), optional
        A published result, drawn as a black star with its label in the legend.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    table = check_table(table, ["model", "attack", "eps", "accuracy"], "table",
                           "helpers.attacks.accuracy_under_attack")
    ax = plt.gca() if ax is None else ax
    model_names = list(dict.fromkeys(table["model"]))
    for color, model_name in zip(class_colors(len(model_names)), model_names):
        for attack, rows in table[table["model"] == model_name].groupby("attack", sort=False):
            rows = rows.sort_values("eps")
            ax.plot(rows["eps"], rows["accuracy"], color=color, marker="o", markersize=4,
                    linestyle=ATTACK_LINESTYLES.get(attack, ":"), label=f"{model_name}, {attack}")
    if reference is not None:
        eps, accuracy, label = reference
        ax.plot([eps], [accuracy], linestyle="none", marker="*", markersize=14, color="black",
                label=label)
    ax.set_xlabel("size of the change, ε (L∞, pixels in [0, 1])")
    ax.set_ylabel("accuracy on the changed test digits")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize="small")
    return ax


def plot_norm_agreement(
    exact: Any, found: Any, ax: Axes | None = None, color: str | None = None
) -> Axes:
    """Scatter of the sizes an attack found against the exact smallest sizes, with the diagonal.

    Parameters
    ----------
    exact : array-like of shape (n_samples,)
        The exact smallest sizes (the floor).
    found : array-like of shape (n_samples,)
        The sizes the attack found for the same rows.
    ax : Axes, optional
    color : str, optional
        Colour of the points; the first class colour by default.

    Returns
    -------
    Axes
    """
    exact = check_numeric(exact, "exact")
    found = check_numeric(found, "found")
    if exact.ndim != 1 or exact.shape != found.shape or exact.size == 0:
        raise ValueError(
            f"exact and found must be non-empty 1-D arrays of the same length; got shapes "
            f"{exact.shape} and {found.shape}."
        )
    missing = ~(np.isfinite(exact) & np.isfinite(found))
    if np.any(missing):
        raise ValueError(
            f"{int(missing.sum())} of the {exact.size} pairs hold NaN or infinite sizes (rows the "
            "attack did not fool?); a point without a value cannot be drawn. Select the rows "
            "with both sizes first, e.g. keep = np.isfinite(exact) & np.isfinite(found), and "
            "say how many were left out."
        )
    ax = plt.gca() if ax is None else ax
    ax.scatter(exact, found, s=12, alpha=0.6, color=color or class_colors(1)[0],
               edgecolor="none", label="one digit")
    top = float(max(exact.max(), found.max())) * 1.05
    ax.plot([0, top], [0, top], color="black", linewidth=1, label="found = exact")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel("exact smallest change (L2)")
    ax.set_ylabel("change found by the attack (L2)")
    ax.legend(fontsize="small")
    return ax


def plot_perturbation_sizes(
    table: pd.DataFrame, norm: str = "L2", ax: Axes | None = None
) -> Axes:
    """Box plots of the sizes of the successful changes, per model and attack.

    Parameters
    ----------
    table : DataFrame
        From :func:`helpers.attacks.deepfool_vs_fgsm`: columns ``model``, ``attack``,
        ``fooled`` and the ``norm`` column.
    norm : {"L2", "Linf"}, default "L2"
    ax : Axes, optional

    Returns
    -------
    Axes
        One box per (model, attack), grouped by model, coloured by attack.
    """
    if norm not in ("L2", "Linf"):
        raise ValueError(f"norm must be 'L2' or 'Linf'; got {norm!r}.")
    table = check_table(table, ["model", "attack", "fooled", norm], "table",
                           "helpers.attacks.deepfool_vs_fgsm")
    ax = plt.gca() if ax is None else ax
    model_names = list(dict.fromkeys(table["model"]))
    attack_names = list(dict.fromkeys(table["attack"]))
    colors = class_colors(len(attack_names))
    width = 0.8 / len(attack_names)
    for j, (attack, color) in enumerate(zip(attack_names, colors)):
        positions, values = [], []
        for i, model_name in enumerate(model_names):
            rows = table[(table["model"] == model_name) & (table["attack"] == attack)
                         & table["fooled"]]
            positions.append(i + (j - (len(attack_names) - 1) / 2) * width)
            values.append(rows[norm].to_numpy())
        boxes = ax.boxplot(values, positions=positions, widths=width * 0.9, patch_artist=True,
                           showfliers=False, manage_ticks=False,
                           medianprops={"color": "black"})
        for box in boxes["boxes"]:
            box.set_facecolor(color)
        boxes["boxes"][0].set_label(attack)
    ax.set_xticks(range(len(model_names)), model_names)
    ax.set_ylabel(f"size of the successful change ({'L∞' if norm == 'Linf' else 'L2'})")
    ax.legend(fontsize="small")
    return ax


def plot_pixel_ranges(
    image_sets: Mapping[str, Any],
    valid_range: tuple[float, float] = (0.0, 1.0),
    ax: Axes | None = None,
) -> Axes:
    """The pixel values of each set of images, against the values a real image can have.

    One row per set: a thin line from its lowest to its highest pixel, a thick line over the
    middle 98 % of its pixels (1st to 99th percentile), and a grey band over ``valid_range``.

    Parameters
    ----------
    image_sets : mapping of str to array-like of shape (n_images, n_pixels)
        Name of each set (the row's label) and its images; rows are drawn top to bottom in
        the mapping's order.
    valid_range : (low, high), default (0, 1)
        The pixel values a real image can take.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    low, high = (float(v) for v in valid_range)
    if not low < high:
        raise ValueError(f"valid_range must be (low, high) with low < high; got {valid_range!r}.")
    if not image_sets:
        raise ValueError("image_sets is empty; give at least one named set of images.")
    values = {}
    for name, images in image_sets.items():
        images = check_numeric(images, f"image_sets[{name!r}]")
        if images.ndim != 2 or images.size == 0 or not np.all(np.isfinite(images)):
            raise ValueError(
                f"image_sets[{name!r}] must be a non-empty 2-D array (n_images, n_pixels) of "
                f"finite values; got shape {images.shape}."
            )
        values[name] = images.ravel()
    ax = plt.gca() if ax is None else ax
    ax.axvspan(low, high, color=VALID_RANGE_COLOR, zorder=0,
               label=f"values a real image can have [{low:g}, {high:g}]")
    for row, (color, (name, pixels)) in enumerate(zip(class_colors(len(values)), values.items())):
        ax.plot([pixels.min(), pixels.max()], [row, row], color=color, linewidth=1.5,
                marker="|", markersize=12)
        ax.plot(np.percentile(pixels, [1, 99]), [row, row], color=color, linewidth=7,
                solid_capstyle="butt")
    ax.set_yticks(range(len(values)), list(values))
    ax.set_ylim(len(values) - 0.5, -0.5)
    ax.set_xlabel("pixel value (thin: lowest to highest; thick: middle 98 %)")
    ax.grid(False, axis="y")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    return ax

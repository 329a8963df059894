"""Figures of robustness: certificates, exact minima and attacks per digit, and robust accuracy.

Every function draws results it is given (from :mod:`helpers.attacks` and ``benchmarks/robust.py``)
and returns what it drew on; nothing here computes a bound or trains a network.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers._validation import check_numeric, check_table
from helpers.plotting._style import class_colors

#: The per-digit columns :func:`plot_three_numbers` draws, and their legend labels.
THREE_NUMBERS: dict[str, str] = {
    "interval radius": "certified (interval bounds)",
    "lp radius": "certified (LP-tightened bounds)",
    "exact": "exact minimum (MILP)",
    "pgd smallest": "PGD's smallest fooling size",
}


def plot_three_numbers(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Per digit, the certified radii, the exact minimum and an attack's size, sorted by the
    exact minimum: every certificate lies below it, every attack above it.

    Parameters
    ----------
    table : DataFrame
        One row per digit, columns ``interval radius``, ``lp radius``, ``exact`` (the smallest
        fooling size: proven where ``status`` is ``"optimal"``, else the best change found),
        ``status`` and ``pgd smallest`` (NaN where PGD failed: not drawn). Sizes > 0 (a
        certificate of 0 is drawn at the axis' floor).
    ax : Axes, optional

    Returns
    -------
    Axes
        One line of points per quantity against the digits' rank; unproven exact minima drawn
        hollow; the y axis logarithmic.

    Raises
    ------
    ValueError
        If ``table`` lacks a column or is empty, or a size is negative.
    """
    table = check_table(table, [*THREE_NUMBERS, "status"], "table",
                        "data.load_result_table('robust-digits') (one network's rows)")
    sizes = {column: check_numeric(table[column], f"table[{column!r}]")
             for column in THREE_NUMBERS}
    if any(np.any(values < 0) for values in sizes.values()):
        raise ValueError("table holds a negative size; the radii, minima and attack sizes are "
                         "L-infinity sizes >= 0.")
    ax = plt.gca() if ax is None else ax
    order = np.argsort(sizes["exact"], kind="stable")
    rank = np.arange(len(order))
    positive = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in sizes.values()])
    floor = positive.min() / 2 if positive.size else 1e-3
    proven = (table["status"].to_numpy() == "optimal")[order]
    colours = class_colors(4)
    for (column, label), colour in zip(THREE_NUMBERS.items(), colours):
        values = np.maximum(sizes[column][order], floor)
        if column == "exact":
            ax.scatter(rank[proven], values[proven], s=14, color="black", label=label, zorder=3)
            if not proven.all():
                ax.scatter(rank[~proven], values[~proven], s=14, facecolors="none",
                           edgecolors="black", zorder=3, label="best change found (not proven)")
            continue
        marker = "x" if column == "pgd smallest" else "o"
        found = np.isfinite(values)
        ax.scatter(rank[found], values[found], s=10, color=colour, marker=marker, alpha=0.8,
                   label=label)
    ax.set_yscale("log")
    ax.set_xlabel("digit, sorted by its exact minimal change")
    ax.set_ylabel("L∞ size of the change")
    ax.legend(fontsize="small")
    return ax


def plot_robust_accuracy(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Robust accuracy of each network by each measure: the median over seeds as a bar, the
    smallest and largest seed as a whisker.

    Parameters
    ----------
    table : DataFrame
        Long format, one row per network, measure and seed: columns ``network``, ``measure``
        (e.g. "clean", "PGD", "exact", "LP", "interval") and ``value`` (a share in [0, 1]).
    ax : Axes, optional

    Returns
    -------
    Axes
        One group of bars per network (in the table's order), one bar per measure; the legend
        in one row above the bars.

    Raises
    ------
    ValueError
        If ``table`` lacks a column or is empty, or a value is not a share in [0, 1].
    """
    table = check_table(table, ["network", "measure", "value"], "table",
                        "pandas.melt of robust accuracies (network, measure, value)")
    values = check_numeric(table["value"], "table['value']")
    if np.any(np.isnan(values)) or np.any((values < 0) | (values > 1)):
        raise ValueError("table['value'] must hold shares in [0, 1] (robust accuracies), "
                         "without NaN.")
    ax = plt.gca() if ax is None else ax
    networks = list(dict.fromkeys(table["network"]))
    measures = list(dict.fromkeys(table["measure"]))
    width = 0.8 / len(measures)
    for j, (measure, colour) in enumerate(zip(measures, class_colors(len(measures)))):
        for i, name in enumerate(networks):
            shares = values[((table["network"] == name) & (table["measure"] == measure))
                            .to_numpy()]
            if not len(shares):
                continue
            centre = i + (j - (len(measures) - 1) / 2) * width
            median = np.median(shares)
            ax.bar(centre, median, width=width * 0.9, color=colour,
                   label=measure if i == 0 else None)
            ax.vlines(centre, shares.min(), shares.max(), color="black", linewidth=1.2)
    ax.set_xticks(range(len(networks)), networks)
    ax.set_ylim(0, 1.15)  # room above the bars for the legend's one row
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_ylabel("share of the test digits (bar: median over seeds; line: range)")
    ax.legend(fontsize="small", ncols=len(measures), loc="upper center")
    return ax

"""Figures of the remedies notebook: confidence along rays, and one evaluation table as a heat map."""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes


def plot_confidence_along_rays(
    alphas: Any,
    curves: Mapping[str, Any],
    n_classes: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Median highest class probability on ``alpha * x`` against ``alpha``, one line per model.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,)
        Scales, > 0 (drawn on a log axis).
    curves : mapping of str to array-like of shape (n_alphas, n_images)
        For every model, :func:`helpers.ood.confidence_along_rays`; the median over the images
        is drawn, and the band between the 10th and 90th percentiles.
    n_classes : int, optional
        Draws the level ``1 / n_classes`` (the uniform answer) as a dotted line.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    alphas = np.asarray(alphas, dtype=float)
    if alphas.ndim != 1 or np.any(alphas <= 0):
        raise ValueError("alphas must be a 1-D array of scales > 0.")
    ax = plt.gca() if ax is None else ax
    for name, values in curves.items():
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[0] != alphas.size:
            raise ValueError(
                f"curves[{name!r}] has shape {values.shape}; expected ({alphas.size}, n_images), "
                "as helpers.ood.confidence_along_rays returns."
            )
        low, median, high = np.percentile(values, [10, 50, 90], axis=1)
        (line,) = ax.plot(alphas, median, label=name)
        ax.fill_between(alphas, low, high, color=line.get_color(), alpha=0.15, linewidth=0)
    if n_classes is not None:
        ax.axhline(1.0 / n_classes, color="0.4", linestyle=":", label=f"1/{n_classes}")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(r"scale $\alpha$ of the input image $\alpha x$")
    ax.set_ylabel("highest class probability (median, 10-90 %)")
    ax.legend(fontsize="small")
    return ax


def plot_evaluation_table(
    table: pd.DataFrame, higher_is_worse: Mapping[str, bool], ax: Axes | None = None
) -> Axes:
    """One evaluation table as a heat map: a row per model, a column per measurement.

    Each column is coloured on its own 0-1 scale (all its values are shares, probabilities or
    AUCs), red where the model does badly; the numbers are written in the cells.

    Parameters
    ----------
    table : DataFrame
        Models as rows; numeric columns with values in [0, 1] (NaN is left blank).
    higher_is_worse : mapping of str to bool
        For every column of ``table``, whether a high value is bad for the model.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a DataFrame; got {type(table).__name__}.")
    missing = [c for c in table.columns if c not in higher_is_worse]
    if missing:
        raise ValueError(f"higher_is_worse lacks the column(s) {missing}; give one bool each.")
    values = table.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise ValueError("every value must be in [0, 1] (shares, probabilities, AUCs).")
    badness = np.where([higher_is_worse[c] for c in table.columns], values, 1.0 - values)
    ax = plt.gca() if ax is None else ax
    ax.imshow(np.ma.masked_invalid(badness), cmap="RdYlGn_r", vmin=0, vmax=1, aspect="auto")
    for (row, col), value in np.ndenumerate(values):
        if np.isfinite(value):
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize="small")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=35, ha="right")
    ax.set_yticks(range(table.shape[0]), table.index)
    ax.grid(False)
    return ax

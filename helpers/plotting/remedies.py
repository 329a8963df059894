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


def _text_colour(background: tuple[float, float, float, float]) -> str:
    """White on a dark cell, black on a light one (by the luma of its sRGB values)."""
    red, green, blue = background[:3]
    return "white" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.4 else "black"


def _check_range_table(table: pd.DataFrame, bound: Any, name: str) -> np.ndarray:
    """``bound`` as an array, if it is a DataFrame with ``table``'s rows and columns."""
    if not isinstance(bound, pd.DataFrame):
        raise TypeError(f"{name} must be a DataFrame like table; got {type(bound).__name__}.")
    if not (bound.index.equals(table.index) and bound.columns.equals(table.columns)):
        raise ValueError(
            f"{name} must have table's rows and columns in the same order; "
            f"reindex it first ({name}.loc[table.index, table.columns])."
        )
    return bound.to_numpy(dtype=float)


def plot_evaluation_table(
    table: pd.DataFrame,
    higher_is_worse: Mapping[str, bool],
    low: pd.DataFrame | None = None,
    high: pd.DataFrame | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One evaluation table as a heat map: a row per model, a column per measurement.

    Each column is coloured on its own 0-1 scale (all its values are shares, probabilities or
    AUCs), red where the model does badly; the numbers are written in the cells. Given ``low``
    and ``high`` (e.g. the minimum and maximum over seeds, with ``table`` their median), each
    cell also shows that range under its value.

    Parameters
    ----------
    table : DataFrame of shape (n_models, n_measurements)
        Models as rows; numeric columns with values in [0, 1] (NaN is left blank).
    higher_is_worse : mapping of str to bool
        For every column of ``table``, whether a high value is bad for the model.
    low, high : DataFrame of shape (n_models, n_measurements), optional
        Both or neither; the same rows and columns as ``table``, with
        ``low <= table <= high`` wherever all three are finite.
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
    if (low is None) != (high is None):
        raise ValueError("give both low and high (a range for every cell), or neither.")
    if low is not None:
        lows, highs = _check_range_table(table, low, "low"), _check_range_table(table, high, "high")
        with np.errstate(invalid="ignore"):
            outside = (lows > values) | (values > highs)
        if np.any(outside):
            raise ValueError("every value must lie within its range: low <= table <= high.")
    badness = np.where([higher_is_worse[c] for c in table.columns], values, 1.0 - values)
    ax = plt.gca() if ax is None else ax
    cmap = plt.get_cmap("RdYlGn_r")
    ax.imshow(np.ma.masked_invalid(badness), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for (row, col), value in np.ndenumerate(values):
        if np.isfinite(value):
            text = f"{value:.2f}"
            if low is not None:
                text += f"\n{lows[row, col]:.2f}\u2013{highs[row, col]:.2f}"
            ax.text(col, row, text, ha="center", va="center", fontsize="small",
                    color=_text_colour(cmap(badness[row, col])))
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=35, ha="right")
    ax.set_yticks(range(table.shape[0]), table.index)
    ax.grid(False)
    return ax

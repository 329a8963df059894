"""Figures of the remedies notebooks: confidence along rays (09), and one evaluation table as a heat map (10)."""

from __future__ import annotations

from typing import Any, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers._validation import check_numeric


def _check_unit_interval(values: np.ndarray, name: str, what: str) -> None:
    """Refuse NaN or inf and values outside [0, 1] in ``values`` (called ``name``)."""
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{name} holds {int(np.sum(~np.isfinite(values)))} NaN or infinite value(s); "
            f"{what} are finite, so drop or recompute them."
        )
    if values.size and (values.min() < 0 or values.max() > 1):
        hint = " (percentages? divide them by 100)" if values.max() > 1 else ""
        raise ValueError(
            f"{name} holds values from {values.min():.3g} to {values.max():.3g}, but {what} lie "
            f"in [0, 1]{hint}."
        )


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

    Raises
    ------
    ValueError
        If ``alphas`` is not a non-empty 1-D array of finite scales > 0, ``curves`` is empty, a
        curve has the wrong shape or holds NaN or values outside [0, 1] (percentages, say), or
        ``n_classes`` is not a whole number >= 2.
    TypeError
        If ``curves`` is not a dict.
    """
    alphas = check_numeric(alphas, "alphas")
    if alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas) & (alphas > 0)):
        raise ValueError(
            f"alphas must be a non-empty 1-D array of finite scales > 0 (e.g. "
            f"helpers.ood.HEIN_ALPHAS); got shape {alphas.shape}."
        )
    if not isinstance(curves, Mapping):
        raise TypeError(
            "curves must be a dict mapping a model's name to its curve, "
            f"{{'name': ood.confidence_along_rays(model, X, alphas)}}; got {type(curves).__name__}."
        )
    if not curves:
        raise ValueError("curves is empty; pass at least one model's curve, {'name': curve}.")
    checked = {}
    for name, values in curves.items():
        values = check_numeric(values, f"curves[{name!r}]")
        if values.ndim != 2 or values.shape[0] != alphas.size or values.shape[1] == 0:
            raise ValueError(
                f"curves[{name!r}] has shape {values.shape}; expected ({alphas.size}, n_images), "
                "as helpers.ood.confidence_along_rays returns."
            )
        _check_unit_interval(values, f"curves[{name!r}]", "highest class probabilities")
        checked[name] = values
    if n_classes is not None and (isinstance(n_classes, bool) or not isinstance(
            n_classes, (int, np.integer)) or n_classes < 2):
        raise ValueError(f"n_classes must be a whole number >= 2; got {n_classes!r}.")
    ax = plt.gca() if ax is None else ax
    for name, values in checked.items():
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

    Raises
    ------
    TypeError
        If ``table``, ``low`` or ``high`` is not a DataFrame.
    ValueError
        If ``table`` is empty or holds no number, holds inf or a value outside [0, 1]
        (percentages, say), a column has no entry in ``higher_is_worse``, or ``low`` and
        ``high`` do not match it.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a DataFrame; got {type(table).__name__}.")
    if table.empty:
        raise ValueError(
            f"table is empty (shape {table.shape}); nothing to draw: pass one row per model, "
            "e.g. what helpers.scorecard.evaluate_models returns."
        )
    missing = [c for c in table.columns if c not in higher_is_worse]
    if missing:
        raise ValueError(f"higher_is_worse lacks the column(s) {missing}; give one bool each.")
    values = check_numeric(table, "table")
    if np.all(np.isnan(values)):
        raise ValueError("table holds no number to draw: every value is NaN.")
    for column, column_values in zip(table.columns, values.T):
        known = column_values[~np.isnan(column_values)]  # NaN is drawn as a blank cell
        _check_unit_interval(known, f"table[{column!r}]", "shares, probabilities and AUCs")
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

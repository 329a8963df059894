"""The series' look: a style set once per notebook, and one colour per class."""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib as mpl

#: One colour per class position, shared by every figure: Paul Tol's colours, ordered so that the
#: first four (the most classes a figure of the series shows) stay far apart in CIELAB for normal
#: vision and for simulated protanopia, deuteranopia and tritanopia (tests/test_plotting_style.py):
#: sky blue, wine, olive, indigo; then purple, green, teal, magenta, sand, grey.
CLASS_COLORS: tuple[str, ...] = (
    "#33bbee", "#882255", "#999933", "#332288", "#aa4499",
    "#117733", "#44aa99", "#ee3377", "#ddcc77", "#949494",
)


def class_colors(n_classes: int) -> list[str]:
    """Return the colours of the first ``n_classes`` classes.

    Parameters
    ----------
    n_classes : int
        Number of classes, at most ``len(CLASS_COLORS)``.
    """
    if not 1 <= n_classes <= len(CLASS_COLORS):
        raise ValueError(
            f"n_classes must be between 1 and {len(CLASS_COLORS)}; got {n_classes}."
        )
    return list(CLASS_COLORS[:n_classes])


#: seaborn's ``axes_style("whitegrid")`` (seaborn 0.13), written out: importing seaborn costs each
#: notebook 0.3 s (most of it the ipywidgets it imports), and the series uses nothing else of it.
#: tests/test_plotting_style.py checks this style, and the two below, against seaborn's own.
_WHITEGRID: dict[str, Any] = {
    "figure.facecolor": "white", "axes.facecolor": "white", "axes.edgecolor": ".8",
    "axes.labelcolor": ".15", "axes.grid": True, "axes.axisbelow": True, "grid.color": ".8",
    "grid.linestyle": "-", "text.color": ".15", "xtick.color": ".15", "ytick.color": ".15",
    "xtick.direction": "out", "ytick.direction": "out", "xtick.top": False, "ytick.right": False,
    "xtick.bottom": False, "ytick.left": False, "axes.spines.left": True,
    "axes.spines.bottom": True, "axes.spines.right": True, "axes.spines.top": True,
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
}  # and "image.cmap": "rocket", which the series' settings below replace with viridis
#: seaborn's ``plotting_context("notebook")``; the other contexts scale every value.
_NOTEBOOK_CONTEXT: dict[str, float] = {
    "font.size": 12, "axes.labelsize": 12, "axes.titlesize": 12, "xtick.labelsize": 11,
    "ytick.labelsize": 11, "legend.fontsize": 11, "legend.title_fontsize": 12,
    "axes.linewidth": 1.25, "grid.linewidth": 1, "lines.linewidth": 1.5, "lines.markersize": 6,
    "patch.linewidth": 1, "xtick.major.width": 1.25, "ytick.major.width": 1.25,
    "xtick.minor.width": 1, "ytick.minor.width": 1, "xtick.major.size": 6, "ytick.major.size": 6,
    "xtick.minor.size": 4, "ytick.minor.size": 4,
}
_CONTEXT_SCALES: dict[str, float] = {"paper": 0.8, "notebook": 1.0, "talk": 1.5, "poster": 2.0}
#: seaborn's "deep" palette: the colour cycle, and (its first six, then a near-black) the colours
#: seaborn gives matplotlib's single-letter codes "b", "g", "r", "m", "y", "c", "k".
_DEEP: tuple[tuple[float, float, float], ...] = tuple(
    tuple(channel / 255 for channel in rgb) for rgb in (
        (76, 114, 176), (221, 132, 82), (85, 168, 104), (196, 78, 82), (129, 114, 179),
        (147, 120, 96), (218, 139, 195), (140, 140, 140), (204, 185, 116), (100, 181, 205),
    )
)
_DEEP_CODES: dict[str, tuple[float, float, float]] = dict(
    zip("bgrmyck", [_DEEP[i] for i in (0, 2, 3, 4, 8, 9)] + [(0.1, 0.1, 0.1)])
)


def set_style(context: str = "notebook", rc: dict | None = None) -> None:
    """Set the series' matplotlib style; call once in a notebook's first cell.

    The style is seaborn's ``set_theme(context=context, style="whitegrid")`` (white background,
    light grid, the "deep" colour cycle and colour codes), then the series' own defaults.

    Parameters
    ----------
    context : str, default "notebook"
        A seaborn plotting context ("paper", "notebook", "talk", "poster").
    rc : dict, optional
        Extra matplotlib rc settings that override the series' defaults.
    """
    if context not in _CONTEXT_SCALES:
        raise ValueError(f"context must be one of {sorted(_CONTEXT_SCALES)}; got {context!r}.")
    scale = _CONTEXT_SCALES[context]
    mpl.rcParams.update({key: value * scale for key, value in _NOTEBOOK_CONTEXT.items()})
    mpl.rcParams.update(_WHITEGRID)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler("color", list(_DEEP))
    for code, colour in _DEEP_CODES.items():
        mpl.colors.colorConverter.colors[code] = colour
    settings = {
        "figure.figsize": (6.4, 4.8),
        "figure.dpi": 80,
        "figure.constrained_layout.use": True,
        "savefig.dpi": 80,
        "axes.titleweight": "bold",
        "image.cmap": "viridis",
    }
    settings.update(rc or {})
    mpl.rcParams.update(settings)


__all__: Sequence[str] = ("CLASS_COLORS", "class_colors", "set_style")

"""The series' look: a style set once per notebook, and one colour per class."""

from __future__ import annotations

from typing import Sequence

import matplotlib as mpl
import seaborn as sns

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


def set_style(context: str = "notebook", rc: dict | None = None) -> None:
    """Set the series' matplotlib style; call once in a notebook's first cell.

    Parameters
    ----------
    context : str, default "notebook"
        A seaborn plotting context ("paper", "notebook", "talk", "poster").
    rc : dict, optional
        Extra matplotlib rc settings that override the series' defaults.
    """
    sns.set_theme(context=context, style="whitegrid")
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

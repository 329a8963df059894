"""Images: a digit, a change to it, and what the change made of it."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from helpers._validation import check_pixels


def _square(image: np.ndarray, name: str) -> np.ndarray:
    """The image as a square of pixels in [0, 1] (the range the digits are drawn on)."""
    flat = check_pixels(image, (0.0, 1.0), name).ravel()
    side = int(round(np.sqrt(flat.size)))
    if side * side != flat.size or flat.size == 0:
        raise ValueError(
            f"{name} must hold a square image (e.g. 784 = 28 × 28 pixels); got {flat.size} values."
        )
    return flat.reshape(side, side)


def plot_perturbed_digit(
    original: np.ndarray,
    perturbed: np.ndarray,
    titles: Sequence[str] = ("original", "change", "changed"),
    axes: Sequence[Axes] | None = None,
) -> np.ndarray:
    """Draw a digit, the change made to it and the changed digit side by side.

    The digits are drawn in grey on [0, 1] (black ink on white); the change on a diverging map
    centred on 0 and scaled to its own largest value, so a small change is visible.

    Parameters
    ----------
    original, perturbed : array-like of shape (side * side,) or (side, side)
        The digit before and after the change, pixels in [0, 1] (0-255 pixels or NaN are
        refused: they would be drawn as a white or empty square).
    titles : sequence of 3 str
        The title of each panel.
    axes : sequence of 3 Axes, optional
        Where to draw; a new figure with three panels when None.

    Returns
    -------
    ndarray of 3 Axes
    """
    before = _square(original, "original")
    after = _square(perturbed, "perturbed")
    if before.shape != after.shape:
        raise ValueError(
            f"original and perturbed differ in size ({before.size} vs {after.size} pixels)."
        )
    if len(titles) != 3:
        raise ValueError(f"titles must hold 3 strings, one per panel; got {len(titles)}.")
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(9, 3.4))
    axes = np.asarray(axes, dtype=object).ravel()
    if axes.size != 3:
        raise ValueError(f"axes must hold 3 Axes, one per panel; got {axes.size}.")
    change = after - before
    largest = float(np.abs(change).max()) or 1.0
    axes[0].imshow(before, cmap="gray_r", vmin=0, vmax=1)
    image = axes[1].imshow(change, cmap="RdBu_r", vmin=-largest, vmax=largest)
    axes[2].imshow(after, cmap="gray_r", vmin=0, vmax=1)
    axes[1].figure.colorbar(image, ax=axes[1], shrink=0.8)
    for ax, title in zip(axes, titles):
        ax.set_title(title, fontsize="medium")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    return axes

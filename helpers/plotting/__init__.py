"""One function per kind of figure.

Every ``plot_*`` function takes ``ax=None`` (drawing on ``plt.gca()`` when it is None), draws
the result it is given, and returns the Axes. None calls ``plt.show()`` or changes global
state; :func:`set_style` is the one exception, called once in a notebook's first cell.
"""

from helpers.plotting._style import CLASS_COLORS, class_colors, set_style

__all__ = ["CLASS_COLORS", "class_colors", "set_style"]

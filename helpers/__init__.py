"""Shared, tested code for the *pity-the-fool* notebook series.

The package is split by what the code does, so a reader can find any piece in one place:

- ``helpers.data`` — loaders that return tidy, named data (Iris petals, MNIST digits).
- ``helpers.models`` — the series' model configurations, seeded.
- ``helpers.grids`` — class probabilities on 2-D grids and the geometry of linear softmax regions.
- ``helpers.attacks`` — ways to fool a model, starting with the exact minimal perturbation of a
  linear model.
- ``helpers.plotting`` — one function per kind of figure; each takes ``ax=None`` and returns the Axes.

Computation modules never import ``helpers.plotting``.
"""

__version__ = "0.1.0"

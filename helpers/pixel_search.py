"""Brute-force one-pixel search on a network: every pixel, every value of a grid, all at once.

Changing one pixel of the input changes only the first layer's weighted input, by the pixel's
change times one row of the first weight matrix. So every single-pixel change of a batch of
images is scored by adding rank-one updates to the first layer and running the small rest of
the network, without ever building the changed images.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_range
from helpers.network import ACTIVATIONS, check_network, propagate_between


def one_pixel_flips_grid(
    model: MLPClassifier,
    X: Any,
    values: Sequence[float] = tuple(np.linspace(0.0, 1.0, 11)),
    clip: tuple[float, float] = (0.0, 1.0),
    batch_size: int = 8,
) -> np.ndarray:
    """Which rows of ``X`` some single pixel set to one of ``values`` flips, for a network.

    Every pixel of every row is set, in turn, to every value of ``values``
    (``n_features * len(values)`` changed images per row) and the prediction is compared with
    the row's own. This is exhaustive on the grid: a row is flipped by some pixel set to a grid
    value if and only if the answer is True. Between grid values a non-linear network may
    flip where the grid does not, so the count is a lower bound of the true one-pixel rate (for a
    linear model use :func:`helpers.attacks.one_pixel_flips_linear`, which is exact).

    Parameters
    ----------
    model : MLPClassifier
        Fitted, any hidden activation.
    X : array-like of shape (n_samples, n_features)
        Rows inside ``clip``.
    values : sequence of float, default 0, 0.1, ..., 1
        New pixel values to try, each inside ``clip``.
    clip : (low, high), default (0, 1)
        The valid pixel range.
    batch_size : int, default 8
        Rows scored together (memory: ``batch_size * n_features * len(values)`` times the first
        layer's width, in floats).

    Returns
    -------
    ndarray of shape (n_samples,), dtype bool

    Raises
    ------
    ValueError
        If ``X`` has the wrong number of features, lies outside ``clip``, a value lies outside
        ``clip``, ``values`` is empty or ``batch_size`` is not a whole number >= 1.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    check_network(model)
    X = check_features(X, n_features=model.coefs_[0].shape[0])
    low, high = check_range(clip, "clip")
    if X.min() < low or X.max() > high:
        raise ValueError(
            f"X lies outside clip={clip!r} (values from {X.min():.3g} to {X.max():.3g}); "
            "clip X first or widen the box."
        )
    grid = np.asarray(values, dtype=float).ravel()
    if grid.size == 0 or not np.all(np.isfinite(grid)) or grid.min() < low or grid.max() > high:
        raise ValueError(
            f"values must be a non-empty sequence of numbers inside clip={clip!r}; got {values!r}."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1; got {batch_size!r}.")
    first, bias = model.coefs_[0], model.intercepts_[0]  # (n_features, n_units), (n_units,)
    activation = ACTIVATIONS[model.activation]
    output = model.n_layers_ - 1
    predicted = model.predict_proba(X).argmax(axis=1)
    flips = np.zeros(len(X), dtype=bool)
    for start in range(0, len(X), batch_size):
        rows = slice(start, start + batch_size)
        batch = X[rows]
        weighted = batch @ first + bias  # (b, n_units)
        # (b, n_features, n_values, n_units): pixel j set to value v adds (v - x_j) * first[j]
        change = grid[None, None, :] - batch[:, :, None]
        changed = weighted[:, None, None, :] + change[..., None] * first[None, :, None, :]
        hidden = activation(changed.reshape(-1, first.shape[1]))
        proba = propagate_between(model, hidden, 1, output)
        winner = proba.argmax(axis=1).reshape(len(batch), -1)
        flips[rows] = (winner != predicted[rows, None]).any(axis=1)
    return flips

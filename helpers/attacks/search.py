"""The one-pixel attack: a differential evolution (no gradient), or on a network a brute force
over every pixel and a grid of values. Valid fool images grown from a start are in
:mod:`helpers.attacks.fool_images`. Nothing here draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.optimize import differential_evolution
from sklearn.neural_network import MLPClassifier

from helpers._validation import (
    check_class,
    check_features,
    check_fitted,
    check_numeric,
    model_input,
)
from helpers.attacks._checks import check_box, check_positive_int
from helpers.network import ACTIVATIONS, box_keeps_class, check_network, propagate_between


@dataclass(frozen=True)
class OnePixelResult:
    """What :func:`one_pixel_attack` found for one image.

    Attributes
    ----------
    x_adv : ndarray of shape (n_features,)
        The image with the changed pixel(s).
    pixels : ndarray of shape (n_pixels,), dtype int
        Indices of the changed features.
    values : ndarray of shape (n_pixels,)
        Their new values.
    probability : float
        Probability of the true class at ``x_adv``.
    predicted : object
        The class predicted at ``x_adv``.
    fooled : bool
        Whether ``predicted`` differs from the true class.
    n_evaluations : int
        Images the search scored.
    """

    x_adv: np.ndarray
    pixels: np.ndarray
    values: np.ndarray
    probability: float
    predicted: Any
    fooled: bool
    n_evaluations: int


def one_pixel_attack(
    model: Any,
    x: Any,
    y: Any,
    n_pixels: int = 1,
    clip: tuple[float, float] = (0.0, 1.0),
    popsize: int = 20,
    maxiter: int = 30,
    seed: int = 0,
) -> OnePixelResult:
    """Change ``n_pixels`` pixels of one image to flip its prediction (Su, Vargas and Sakurai, 2017).

    A differential evolution (:func:`scipy.optimize.differential_evolution`) searches over which
    pixels to change (integers) and their new values (inside ``clip``), minimising the margin
    ``P(true class) - max P(other class)``; it stops as soon as the margin is negative. The
    whole population is scored in one ``predict_proba`` call per generation.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
        Any classifier: the search needs no gradient.
    x : array-like of shape (n_features,)
        One image, flattened, inside ``clip``.
    y : label
        Its true class, one of ``model.classes_``.
    n_pixels : int, default 1
    clip : (low, high), default (0, 1)
        Range of the new pixel values.
    popsize : int, default 20
        Population size multiplier: ``popsize * 2 * n_pixels`` candidates per generation.
    maxiter : int, default 30
        Most generations; at most ``(maxiter + 1) * popsize * 2 * n_pixels`` images are scored.
    seed : int, default 0

    Returns
    -------
    OnePixelResult

    Raises
    ------
    ValueError
        If ``x`` is not one row of the model's number of features, lies outside ``clip``, ``y`` is
        unknown, or ``n_pixels``, ``popsize`` or ``maxiter`` is not a whole number >= 1.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    check_fitted(model)
    x = check_numeric(x, "x")
    if x.ndim != 1:
        raise ValueError(
            f"x must be one flattened image of shape (n_features,); got shape {x.shape}. "
            "Pass X[i], not X[i:i + 1]."
        )
    x = check_features(x, n_features=model.n_features_in_, name="x", allow_1d=True)[0]
    clip = check_box(clip, x[np.newaxis], "x", "the one-pixel attack")
    n_pixels = check_positive_int(n_pixels, "n_pixels")
    popsize = check_positive_int(popsize, "popsize")
    maxiter = check_positive_int(maxiter, "maxiter")
    classes = list(np.asarray(model.classes_))
    true = check_class(model, y, "y")
    n_features = len(x)

    def candidates(params: np.ndarray) -> np.ndarray:
        """Images for parameter columns (index, value, index, value, ...) of shape (2 n_pixels, m)."""
        images = np.repeat(x[np.newaxis], params.shape[1], axis=0)
        rows = np.arange(params.shape[1])
        for p in range(n_pixels):
            images[rows, np.rint(params[2 * p]).astype(int)] = params[2 * p + 1]
        return images

    n_scored = 0  # images scored; scipy's nfev counts calls, and each call scores a generation

    def margin(params: np.ndarray) -> np.ndarray:
        nonlocal n_scored
        n_scored += params.shape[1]
        proba = model.predict_proba(model_input(model, candidates(params)))
        return proba[:, true] - np.delete(proba, true, axis=1).max(axis=1)

    bounds = [(0, n_features - 1), clip] * n_pixels
    search = differential_evolution(
        margin,
        bounds,
        integrality=[True, False] * n_pixels,
        popsize=popsize,
        maxiter=maxiter,
        tol=0.0,
        seed=seed,
        polish=False,
        vectorized=True,
        updating="deferred",
        callback=lambda intermediate_result: bool(intermediate_result.fun < 0),
    )
    params = np.asarray(search.x, dtype=float)
    x_adv = candidates(params[:, np.newaxis])[0]
    proba = model.predict_proba(model_input(model, x_adv[np.newaxis]))[0]
    predicted = classes[int(proba.argmax())]
    return OnePixelResult(
        x_adv=x_adv,
        pixels=np.rint(params[0::2]).astype(int),
        values=params[1::2],
        probability=float(proba[true]),
        predicted=predicted,
        fooled=bool(predicted != y),
        n_evaluations=n_scored,
    )


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

    Only (row, pixel) pairs that might flip are scored: setting pixel ``j`` to any value between
    the grid's ends moves the first layer along a segment, and where the logit bounds of that
    segment (:func:`helpers.network.box_keeps_class`) prove that the prediction stays, no value of
    the grid can flip it. On the series' tanh network this skips over 99 % of the pairs; the
    answer is the same as scoring all of them.

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
    low, high = check_box(clip, X, "X", "one_pixel_flips_grid")
    grid = check_numeric(values, "values").ravel()
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
        batch, kept = X[start:start + batch_size], predicted[start:start + batch_size]
        weighted = batch @ first + bias  # (b, n_units)
        # pixel j set to v adds (v - x_j) * first[j]: the two ends of the grid, (b, n_features, n_units)
        ends = [weighted[:, None, :] + (v - batch)[..., None] * first for v in (grid.min(), grid.max())]
        safe = box_keeps_class(model, activation(np.minimum(*ends)).reshape(-1, first.shape[1]),
                               activation(np.maximum(*ends)).reshape(-1, first.shape[1]),
                               np.repeat(kept, X.shape[1]), start=1)
        rows, pixels = np.nonzero(~safe.reshape(len(batch), -1))
        if len(rows) == 0:
            continue
        change = grid[None, :] - batch[rows, pixels][:, None]  # (n_open, n_values)
        changed = weighted[rows, None, :] + change[..., None] * first[pixels][:, None, :]
        proba = propagate_between(model, activation(changed.reshape(-1, first.shape[1])), 1, output)
        winner = proba.argmax(axis=1).reshape(len(rows), -1)
        flips[start + rows[(winner != kept[rows, None]).any(axis=1)]] = True
    return flips

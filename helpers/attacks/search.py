"""Searches for inputs that fool a model: the one-pixel attack (a differential evolution, no
gradient, or on a network a brute force over every pixel and a grid of values) and valid fool images grown from a blank start, by L-BFGS-B on exact gradients or by an
evolution without them. Nothing here draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.optimize import differential_evolution, minimize
from sklearn.neural_network import MLPClassifier

from helpers import gradients
from helpers._validation import (
    check_class,
    check_features,
    check_fitted,
    check_numeric,
    model_input,
)
from helpers.attacks._checks import _check_box, _check_positive_int, starting_image
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
    clip = _check_box(clip, x[np.newaxis], "x", "the one-pixel attack")
    n_pixels = _check_positive_int(n_pixels, "n_pixels")
    popsize = _check_positive_int(popsize, "popsize")
    maxiter = _check_positive_int(maxiter, "maxiter")
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
    low, high = _check_box(clip, X, "X", "one_pixel_flips_grid")
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


@dataclass(frozen=True)
class FoolImage:
    """A valid image that a model gives to one class with high confidence.

    Attributes
    ----------
    image : ndarray of shape (n_features,)
        Inside the pixel box.
    start : ndarray of shape (n_features,)
        Where the search started.
    target : object
        The class aimed at.
    probability : float
        The model's probability of ``target`` for ``image``.
    reached : bool
        Whether ``probability >= confidence``.
    n_iter : int
        Optimiser iterations taken.
    """

    image: np.ndarray
    start: np.ndarray
    target: Any
    probability: float
    reached: bool
    n_iter: int


def fool_image(
    model: Any,
    target_class: Any,
    confidence: float = 0.99,
    clip: tuple[float, float] = (0.0, 1.0),
    start: Any = "blank",
    max_iter: int = 200,
    random_state: int = 0,
    tol: float = 1e-6,
) -> FoolImage:
    """Search the pixel box for an image the model gives to ``target_class`` with ``confidence``.

    Maximises ``log P(target_class | image)`` under the box constraints ``clip`` with L-BFGS-B
    (exact gradients from :func:`helpers.gradients.input_gradient`), stopping as soon as the
    probability reaches ``confidence``, or once an iteration improves ``log P`` by less than
    ``tol`` (a plateau, e.g. a tanh network held below its confidence ceiling). Unlike an
    unconstrained search (or a pseudo-inverse) the result is an image a camera could produce:
    every pixel is inside ``clip``.

    Stopping on the plateau keeps the result reproducible: past it the search drifts along
    directions that hardly change the probability, and where it ends would depend on the last
    bits of floating point (another CPU's numpy or BLAS kernels, which also train the network
    differently in its last digits). With ``tol=1e-6``, models that differ by such rounding give
    the same image to 4 decimals (measured on the series' tanh network).

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    target_class : label
        One of ``model.classes_``.
    confidence : float, default 0.99
        Probability to reach, in (0, 1).
    clip : (low, high), default (0, 1)
    start : {"blank", "noise"} or array-like of shape (n_features,), default "blank"
        "blank": every pixel at ``low`` (an empty MNIST image); "noise": uniform in the box,
        seeded by ``random_state``; or a given image inside the box.
    max_iter : int, default 200
    random_state : int, default 0
    tol : float, default 1e-6
        Smallest improvement of ``log P(target_class)`` per iteration that continues the search
        (L-BFGS-B's ``ftol``), > 0.

    Returns
    -------
    FoolImage

    Raises
    ------
    ValueError
        If ``confidence`` is not in (0, 1), ``target_class`` is unknown, ``start`` is not
        "blank", "noise" or an image of the right size inside ``clip``, ``clip`` is None,
        ``max_iter < 1`` or ``tol <= 0``.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    gradients.check_differentiable(model)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be a probability in (0, 1); got {confidence!r}.")
    low, high = _check_box(clip, task="fool_image")
    max_iter = _check_positive_int(max_iter, "max_iter")
    if not (isinstance(tol, (int, float)) and 0 < tol < 1):
        raise ValueError(f"tol must be a number in (0, 1), e.g. 1e-6; got {tol!r}.")
    n_features = gradients.n_input_features(model)
    check_class(model, target_class, "target_class")
    labels = np.asarray([target_class])
    x0 = starting_image(start, n_features, (low, high), random_state, "fool_image")
    goal = -np.log(confidence)

    def loss_and_gradient(z: np.ndarray) -> tuple[float, np.ndarray]:
        loss, gradient = gradients.loss_and_input_gradient(model, z[np.newaxis], labels)
        return float(loss[0]), gradient[0]

    def stop_when_confident(intermediate_result: Any) -> None:
        if intermediate_result.fun <= goal:
            raise StopIteration

    if loss_and_gradient(x0)[0] <= goal:
        image, n_iter = x0.copy(), 0
    else:
        search = minimize(
            loss_and_gradient,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(low, high)] * n_features,
            callback=stop_when_confident,
            # Saturated units give tiny gradients: do not stop on a small gradient; stop on a
            # plateau of the loss instead (see the docstring).
            options={"maxiter": max_iter, "gtol": 1e-14, "ftol": tol},
        )
        image, n_iter = np.clip(search.x, low, high), int(search.nit)
    probability = float(np.exp(-loss_and_gradient(image)[0]))
    return FoolImage(
        image=image,
        start=x0,
        target=target_class,
        probability=probability,
        reached=probability >= confidence,
        n_iter=n_iter,
    )


def evolve_fool_image(
    model: Any,
    target_class: Any,
    confidence: float = 0.99,
    clip: tuple[float, float] = (0.0, 1.0),
    population: int = 32,
    generations: int = 300,
    mutation_rate: float = 0.02,
    mutation_scale: float = 0.5,
    seed: int = 0,
    tol: float = 1e-4,
    patience: int = 10,
) -> FoolImage:
    """Evolve an image inside the pixel box that the model gives to ``target_class`` (no gradient).

    In the spirit of Nguyen et al. (2015, direct encoding): start from a blank image; in each
    generation every image of the population has one child, in which each pixel changes with
    probability ``mutation_rate`` by a normal step of scale ``mutation_scale`` (then clipped); the
    ``population`` images with the highest ``P(target_class)`` among parents and children survive.
    The search stops once the best image reaches ``confidence``, or once the best probability
    has improved by less than ``tol`` over the last ``patience`` generations (a plateau, e.g. a
    tanh network held below its confidence ceiling). Only ``predict_proba`` is used, so any
    classifier can be searched.

    Stopping on the plateau keeps the result reproducible: on it, children differ from their
    parents by far less than the rounding of another CPU's numpy or BLAS (which also trains a
    network differently in its last digits), so which of them survive, and the image drawn,
    would depend on the machine. Measured on the series' tanh network, models that differ by
    such rounding evolve identical images with ``tol=1e-4``, and different ones without it.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    target_class : label
        One of ``model.classes_``.
    confidence : float, default 0.99
        Probability to reach, in (0, 1).
    clip : (low, high), default (0, 1)
    population : int, default 32
    generations : int, default 300
        Most generations: at most ``population * generations`` images are scored.
    mutation_rate : float, default 0.02
        Chance that a pixel of a child changes, in (0, 1].
    mutation_scale : float, default 0.5
        Standard deviation of a pixel's change, > 0.
    seed : int, default 0
    tol : float, default 1e-4
        Smallest gain of the best probability over ``patience`` generations that continues the
        search, in [0, 1) (0: run until ``confidence`` or ``generations``).
    patience : int, default 10
        Generations over which the gain is measured, >= 1.

    Returns
    -------
    FoolImage
        The best image; ``n_iter`` is the number of generations run.

    Raises
    ------
    ValueError
        If ``confidence`` or ``mutation_rate`` is out of range, ``target_class`` is unknown,
        ``mutation_scale <= 0``, ``clip`` is None, ``tol`` is outside [0, 1), or
        ``population``, ``generations`` or ``patience`` is not a whole number >= 1.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    check_fitted(model)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be a probability in (0, 1); got {confidence!r}.")
    if not 0.0 < mutation_rate <= 1.0:
        raise ValueError(f"mutation_rate must be in (0, 1]; got {mutation_rate!r}.")
    if not mutation_scale > 0:
        raise ValueError(f"mutation_scale must be > 0; got {mutation_scale!r}.")
    low, high = _check_box(clip, task="evolve_fool_image")
    population = _check_positive_int(population, "population")
    generations = _check_positive_int(generations, "generations")
    patience = _check_positive_int(patience, "patience")
    if not (isinstance(tol, (int, float)) and 0 <= tol < 1):
        raise ValueError(f"tol must be a number in [0, 1), e.g. 1e-4; got {tol!r}.")
    target = check_class(model, target_class, "target_class")
    rng = np.random.default_rng(seed)
    n_features = int(model.n_features_in_)
    start = np.full(n_features, low)
    parents = np.repeat(start[np.newaxis], population, axis=0)
    fitness = model.predict_proba(model_input(model, parents))[:, target]
    best_so_far = [float(fitness.max())]  # the best probability after each generation
    n_iter = 0
    while fitness.max() < confidence and n_iter < generations:
        if n_iter >= patience and best_so_far[-1] - best_so_far[-1 - patience] < tol:
            break  # a plateau
        mutate = rng.random(parents.shape) < mutation_rate
        children = np.clip(
            parents + mutate * rng.normal(scale=mutation_scale, size=parents.shape), low, high
        )
        everyone = np.vstack([parents, children])
        scores = np.concatenate(
            [fitness, model.predict_proba(model_input(model, children))[:, target]]
        )
        keep = np.argsort(-scores, kind="stable")[:population]
        parents, fitness = everyone[keep], scores[keep]
        best_so_far.append(float(fitness.max()))
        n_iter += 1
    best = int(np.argmax(fitness))
    return FoolImage(
        image=parents[best],
        start=start,
        target=target_class,
        probability=float(fitness[best]),
        reached=bool(fitness[best] >= confidence),
        n_iter=n_iter,
    )



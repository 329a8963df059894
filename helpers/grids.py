"""Class probabilities on regular 2-D grids, and the geometry of linear softmax regions.

A :class:`ProbabilityGrid` is what every region or probability-map figure of the series draws:
it is computed here and handed to :mod:`helpers.plotting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.spatial import cKDTree

from helpers._validation import (
    check_features,
    check_fitted,
    check_grid,
    check_numeric,
    check_probabilities,
    check_range,
    model_input,
)
from helpers.linear import linear_scores

ProbaFunction = Callable[[np.ndarray], np.ndarray]


#: Plot ranges (petal length, petal width) in cm: around the flowers, and far beyond them
#: (negative lengths included) to show where the model is sure although no flower exists.
IRIS_CLOSE_RANGES: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 7.5), (-0.5, 4.5))
IRIS_WIDE_RANGES: tuple[tuple[float, float], tuple[float, float]] = ((-10.0, 15.0), (-10.0, 15.0))


@dataclass(frozen=True)
class ProbabilityGrid:
    """Class probabilities of a model on a regular grid over two features.

    Attributes
    ----------
    xx, yy : ndarray of shape (n_y, n_x)
        Coordinates of the grid points, as returned by ``np.meshgrid``.
    proba : ndarray of shape (n_y, n_x, n_classes)
        Probability of each class at each grid point.
    classes : ndarray of shape (n_classes,)
        Class labels, in the order of the last axis of ``proba``.
    feature_names : tuple of two str
        Names of the horizontal and vertical features (used as axis labels).
    """

    xx: np.ndarray
    yy: np.ndarray
    proba: np.ndarray
    classes: np.ndarray
    feature_names: tuple[str, str] = ("feature 1", "feature 2")

    @property
    def points(self) -> np.ndarray:
        """Grid points as rows, shape ``(n_y * n_x, 2)``."""
        return np.column_stack([self.xx.ravel(), self.yy.ravel()])

    @property
    def max_proba(self) -> np.ndarray:
        """Highest class probability at each grid point, shape ``(n_y, n_x)``."""
        return self.proba.max(axis=-1)

    @property
    def predicted_index(self) -> np.ndarray:
        """Index (into ``classes``) of the most probable class, shape ``(n_y, n_x)``."""
        return self.proba.argmax(axis=-1)

    @property
    def predicted(self) -> np.ndarray:
        """Most probable class label at each grid point, shape ``(n_y, n_x)``."""
        return self.classes[self.predicted_index]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(x_min, x_max, y_min, y_max)`` of the grid."""
        return (
            float(self.xx.min()),
            float(self.xx.max()),
            float(self.yy.min()),
            float(self.yy.max()),
        )


def _proba_function(model: Any) -> tuple[ProbaFunction, np.ndarray | None]:
    """Return ``(predict_proba, classes)`` for an estimator or a plain callable."""
    if hasattr(model, "predict_proba"):
        if hasattr(model, "fit"):
            check_fitted(model)
        return (lambda points: model.predict_proba(model_input(model, points))), getattr(
            model, "classes_", None
        )
    if callable(model):
        return model, None
    raise TypeError(
        f"model must have a predict_proba method or be a callable mapping points to "
        f"probabilities; got {type(model).__name__}."
    )


def ranges_around(
    points: Any, padding: float = 0.1
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Plot ranges that hold every point, widened on each side by a fraction of their extent.

    Parameters
    ----------
    points : array-like of shape (n_points, 2)
        E.g. the data and any fools to be drawn with them.
    padding : float, default 0.1
        Fraction of each feature's extent added on both sides (non-negative).

    Returns
    -------
    ((float, float), (float, float))
        ``(x_range, y_range)``, ready for :func:`probability_grid`.
    """
    points = check_features(points, n_features=2, name="points")
    if not padding >= 0:
        raise ValueError(f"padding must be a non-negative fraction; got {padding!r}.")
    low, high = points.min(axis=0), points.max(axis=0)
    extent = np.where(high > low, high - low, 1.0)  # a single point still gets a window
    low, high = low - padding * extent, high + padding * extent
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def _meshgrid(
    x_range: tuple[float, float], y_range: tuple[float, float], resolution: int
) -> tuple[np.ndarray, np.ndarray]:
    """``np.meshgrid`` of ``resolution`` evenly spaced values along each checked range."""
    x_low, x_high = check_range(x_range, "x_range")
    y_low, y_high = check_range(y_range, "y_range")
    if int(resolution) != resolution or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2; got {resolution!r}.")
    return np.meshgrid(np.linspace(x_low, x_high, int(resolution)),
                       np.linspace(y_low, y_high, int(resolution)))


def grid_points(
    x_range: tuple[float, float], y_range: tuple[float, float], resolution: int = 300
) -> np.ndarray:
    """The points of the grid :func:`probability_grid` evaluates, without evaluating a model.

    Parameters
    ----------
    x_range, y_range : (float, float)
        The grid's extent along each feature, low first.
    resolution : int, default 300
        Number of grid points along each axis (at least 2).

    Returns
    -------
    ndarray of shape (resolution ** 2, 2)
        The same rows, in the same order, as ``probability_grid(...).points``.
    """
    xx, yy = _meshgrid(x_range, y_range, resolution)
    return np.column_stack([xx.ravel(), yy.ravel()])


def probability_grid(
    model: Any,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    resolution: int = 300,
    feature_names: tuple[str, str] | None = None,
    classes: Any = None,
) -> ProbabilityGrid:
    """Evaluate a classifier's class probabilities on a regular grid over two features.

    Parameters
    ----------
    model : fitted estimator with ``predict_proba``, or callable
        Anything that maps points of shape ``(n_points, 2)`` to probabilities of shape
        ``(n_points, n_classes)``: a fitted scikit-learn classifier on two features, or a
        callable such as the output head of a network seen from a 2-D hidden layer.
    x_range, y_range : (float, float)
        The grid's extent along each feature, low first.
    resolution : int, default 300
        Number of grid points along each axis (at least 2).
    feature_names : (str, str), optional
        Axis labels; by default the estimator's ``feature_names_in_`` if it has them.
    classes : array-like, optional
        Class labels; by default the estimator's ``classes_`` (or ``0..n_classes-1``).

    Returns
    -------
    ProbabilityGrid
        With ``proba`` of shape ``(resolution, resolution, n_classes)``.

    Raises
    ------
    ValueError
        If a range is reversed or empty, the resolution is below 2, or the model does not
        take two features.
    sklearn.exceptions.NotFittedError
        If ``model`` is an estimator that has not been fitted.
    """
    xx, yy = _meshgrid(x_range, y_range, resolution)
    predict_proba, model_classes = _proba_function(model)
    n_in = getattr(model, "n_features_in_", 2)
    if n_in != 2:
        raise ValueError(
            f"model was fitted on {n_in} features; a 2-D probability grid needs a model "
            "fitted on exactly two features."
        )
    proba = check_probabilities(
        predict_proba(np.column_stack([xx.ravel(), yy.ravel()])), xx.size, "model's output"
    )
    proba = proba.reshape(xx.shape + (-1,))
    if classes is None:
        classes = model_classes if model_classes is not None else np.arange(proba.shape[-1])
    classes = np.asarray(classes)
    if classes.shape != (proba.shape[-1],):
        raise ValueError(
            f"classes has {classes.size} labels but the model gives {proba.shape[-1]} "
            "probabilities per point."
        )
    if feature_names is None:
        names = getattr(model, "feature_names_in_", None)
        feature_names = tuple(names) if names is not None else ("feature 1", "feature 2")
    return ProbabilityGrid(xx, yy, proba, classes, tuple(feature_names))


def _class_index(model: Any, label: Any) -> int:
    """Position of ``label`` in ``model.classes_``, or a ValueError listing the known classes."""
    classes = list(np.asarray(model.classes_))
    if label not in classes:
        known = ", ".join(str(c) for c in classes)
        raise ValueError(f"unknown class {label!r}; the model knows: {known}.")
    return classes.index(label)


def equal_probability_point(model: Any) -> np.ndarray:
    """The point where a three-class linear softmax model gives every class probability 1/3.

    There, all three scores are equal: two linear equations in the two features, so for a
    model on two features it is a single point (the corner where the three regions meet).

    Parameters
    ----------
    model : fitted linear classifier on two features with three classes

    Returns
    -------
    ndarray of shape (2,)

    Raises
    ------
    ValueError
        If the model does not have 3 classes and 2 features, or its borders are parallel (the
        three scores are then never equal).
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    W, b = linear_scores(model)
    if W.shape != (3, 2):
        raise ValueError(
            f"the equal-probability point is defined here for 3 classes and 2 features; the model "
            f"has {W.shape[0]} classes and {W.shape[1]} features."
        )
    A = np.array([W[0] - W[1], W[1] - W[2]])
    rhs = -np.array([b[0] - b[1], b[1] - b[2]])
    if np.linalg.cond(A) > 1e12:
        raise ValueError(
            "the model's borders are parallel, so its three scores are never equal at one point: "
            "no equal-probability point exists. Draw the figure without it "
            "(plot_uncertainty_region(..., point=None))."
        )
    return np.linalg.solve(A, rhs)


def dominant_direction(W: Any, index: int, label: Any = None) -> np.ndarray:
    """Unit direction along which one class of linear scores ``X @ W.T + b`` gains certainty fastest.

    Along a direction ``d`` the score of class ``k`` beats class ``j`` by a margin that grows as
    ``t * (w_k - w_j)·d`` at distance ``t``. The direction maximising the smallest of these
    growth rates is returned; when that rate is positive, the softmax probability of class ``k``
    tends to 1 along the ray, however far from the data it goes. The intercepts ``b`` do not
    change the direction.

    Parameters
    ----------
    W : array-like of shape (n_classes, n_features)
        One row of score weights per class (:func:`linear_scores`, or the output layer of a
        network seen from its last hidden layer).
    index : int
        Row of the class, from 0 to ``n_classes - 1``.
    label : optional
        How the class is called in error messages (``index`` when None).

    Returns
    -------
    ndarray of shape (n_features,)
        A unit vector ``d``; its growth rate is ``min_j (w_k - w_j)·d``.

    Raises
    ------
    ValueError
        If ``index`` is not a row of ``W``, or no direction makes the class dominant (its
        weights lie inside the hull of the others').
    """
    W = check_numeric(W, "W")
    if W.ndim != 2 or W.shape[0] < 2:
        raise ValueError(
            f"W must have shape (n_classes, n_features) with at least 2 classes; got {W.shape}."
        )
    if not 0 <= index < W.shape[0]:
        raise ValueError(f"index={index} is not a class row: W has {W.shape[0]} rows.")
    label = index if label is None else label
    G = W[index] - np.delete(W, index, axis=0)  # (n_classes - 1, n_features): margin growths
    # max_d min_j G_j·d over unit d is, by duality, the minimum-norm point of the hull of the
    # rows of G: find convex weights a minimising ||a @ G||.
    m = len(G)
    result = minimize(
        lambda a: float(np.sum((a @ G) ** 2)),
        np.full(m, 1.0 / m),
        jac=lambda a: 2.0 * G @ (a @ G),
        bounds=[(0.0, 1.0)] * m,
        constraints=[{"type": "eq", "fun": lambda a: a.sum() - 1.0}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 500},
    )
    v = result.x @ G
    norm = np.linalg.norm(v)
    if norm < 1e-12 or np.min(G @ (v / norm)) <= 0:
        raise ValueError(
            f"no direction makes class {label!r} dominant far from the data: its coefficients "
            "lie inside the hull of the other classes'."
        )
    return v / norm


def most_confident_direction(model: Any, label: Any) -> np.ndarray:
    """Unit direction along which one class of a linear softmax model gains certainty fastest.

    See :func:`dominant_direction`, applied to the model's :func:`linear_scores`.

    Parameters
    ----------
    model : fitted linear classifier
    label : class label
        One of ``model.classes_``.

    Returns
    -------
    ndarray of shape (n_features,)
        A unit vector. Its growth rate is ``min_j (w_k - w_j)·d`` (see :func:`probability_along_ray`).

    Raises
    ------
    ValueError
        If ``label`` is not a class of the model, or no direction makes the class dominant
        (its coefficients lie inside the hull of the others').
    """
    W, _ = linear_scores(model)
    return dominant_direction(W, _class_index(model, label), label)


def probability_along_ray(
    model: Any, origin: Any, direction: Any, distances: Any
) -> np.ndarray:
    """Class probabilities at ``origin + t * direction / ||direction||`` for each distance ``t``.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    origin : array-like of shape (n_features,)
    direction : array-like of shape (n_features,)
        Any non-zero vector; it is normalised.
    distances : array-like of shape (n_distances,)

    Returns
    -------
    ndarray of shape (n_distances, n_classes)
    """
    check_fitted(model)
    origin = check_features(origin, n_features=model.n_features_in_, name="origin", allow_1d=True)[0]
    direction = check_features(
        direction, n_features=model.n_features_in_, name="direction", allow_1d=True
    )[0]
    norm = np.linalg.norm(direction)
    if norm == 0:
        raise ValueError("direction is the zero vector; give a direction with a non-zero length.")
    t = check_grid(distances, "distances", minimum=-np.inf).reshape(-1, 1)
    return model.predict_proba(model_input(model, origin + t * direction / norm))


def distance_to_data(points: Any, X: Any) -> np.ndarray:
    """Euclidean distance from each point to its nearest row of ``X``.

    Parameters
    ----------
    points : array-like of shape (n_points, n_features)
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_points,)
    """
    X = check_features(X)
    points = check_features(points, n_features=X.shape[1], name="points", allow_1d=True)
    return cKDTree(X).query(points)[0]



def max_probability_beyond(
    model: Any,
    X_data: Any,
    distances: Any,
    ranges: tuple[tuple[float, float], tuple[float, float]] | None = None,
    resolution: int = 300,
    feature_names: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """The highest class probability a model gives at least a distance ``d`` from every observation.

    The model is evaluated on a regular grid (see :func:`probability_grid`); for each ``d`` the
    grid points whose nearest observation is at least ``d`` away are searched for the highest
    maximum-class probability. A model that knows where its data are should become unsure
    (approach ``1 / n_classes``) as ``d`` grows; a linear softmax becomes surer.

    Parameters
    ----------
    model : fitted estimator with ``predict_proba``, callable, or ProbabilityGrid
        As for :func:`probability_grid`, on two features; or a grid :func:`probability_grid`
        already computed (for a figure, say), searched as it is instead of evaluating the
        model again (``ranges`` is then not passed: the grid has its own).
    X_data : array-like of shape (n_samples, 2)
        The observations distances are measured from.
    distances : array-like of shape (n_distances,)
        Non-negative distances, in the units of the features.
    ranges : ((float, float), (float, float)), optional
        The grid's extent along each feature, e.g. :data:`IRIS_WIDE_RANGES`; needed unless
        ``model`` is a grid.
    resolution : int, default 300
        Grid points along each axis (of a model's grid).
    feature_names : (str, str), optional
        Names of the two coordinate columns of the result (default "feature 1", "feature 2").

    Returns
    -------
    DataFrame with one row per distance
        Columns ``"at least"`` (the distance), ``"highest probability"``, ``"class"`` (the class
        given that probability), the two coordinates of the grid point where it is reached, and
        ``"grid points"`` (how many grid points are that far).

    Raises
    ------
    ValueError
        If a distance is negative or not finite, no grid point is that far from the data
        (widen ``ranges``), ``ranges`` is missing for a model or given with a grid.
    """
    X_data = check_features(X_data, n_features=2, name="X_data")
    distances = check_grid(distances, "distances")
    if isinstance(model, ProbabilityGrid):
        if ranges is not None:
            raise ValueError(
                "model is a ProbabilityGrid, which has its own ranges; do not pass ranges with it."
            )
        grid = model
    else:
        if ranges is None:
            raise ValueError(
                "ranges is needed to evaluate a model, e.g. ranges=grids.IRIS_WIDE_RANGES "
                "(or pass a ProbabilityGrid already computed instead of the model)."
            )
        if np.ndim(ranges) != 2 or np.shape(ranges) != (2, 2):
            raise ValueError(
                f"ranges must be ((x_low, x_high), (y_low, y_high)), e.g. from ranges_around; "
                f"got {ranges!r}."
            )
        grid = probability_grid(model, *ranges, resolution=resolution)
    far = distance_to_data(grid.points, X_data)
    best = grid.max_proba.ravel()
    label = grid.predicted.ravel()
    points = grid.points
    names = list(feature_names) if feature_names is not None else list(grid.feature_names)
    rows = []
    for d in distances:
        candidates = np.flatnonzero(far >= d)
        if candidates.size == 0:
            raise ValueError(
                f"no grid point is {d:g} or more from the data (the farthest is {far.max():.3g}); "
                "widen ranges or use smaller distances."
            )
        i = candidates[np.argmax(best[candidates])]
        rows.append({
            "at least": d,
            "highest probability": best[i],
            "class": label[i],
            names[0]: points[i, 0],
            names[1]: points[i, 1],
            "grid points": candidates.size,
        })
    return pd.DataFrame(rows)

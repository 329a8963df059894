"""Class probabilities on regular 2-D grids, and the geometry of linear softmax regions.

A :class:`ProbabilityGrid` is what every region or probability-map figure of the series draws:
it is computed here and handed to :mod:`helpers.plotting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from helpers._validation import check_features, check_fitted, check_range

ProbaFunction = Callable[[np.ndarray], np.ndarray]


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
        return model.predict_proba, getattr(model, "classes_", None)
    if callable(model):
        return model, None
    raise TypeError(
        f"model must have a predict_proba method or be a callable mapping points to "
        f"probabilities; got {type(model).__name__}."
    )


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
    x_low, x_high = check_range(x_range, "x_range")
    y_low, y_high = check_range(y_range, "y_range")
    if int(resolution) != resolution or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2; got {resolution!r}.")
    predict_proba, model_classes = _proba_function(model)
    n_in = getattr(model, "n_features_in_", 2)
    if n_in != 2:
        raise ValueError(
            f"model was fitted on {n_in} features; a 2-D probability grid needs a model "
            "fitted on exactly two features."
        )
    xs = np.linspace(x_low, x_high, int(resolution))
    ys = np.linspace(y_low, y_high, int(resolution))
    xx, yy = np.meshgrid(xs, ys)
    proba = np.asarray(predict_proba(np.column_stack([xx.ravel(), yy.ravel()])), dtype=float)
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

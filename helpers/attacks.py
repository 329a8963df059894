"""Ways to fool a classifier, computed exactly where the model allows it.

Every function takes a fitted model and data, and returns the perturbations; nothing here
draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Sequence

import numpy as np
import pandas as pd

from helpers._validation import check_features
from helpers.grids import (
    distance_to_data,
    linear_scores,
    most_confident_direction,
    probability_along_ray,
)


@dataclass(frozen=True)
class LinearPerturbation:
    """The smallest L2 changes that move rows of ``X`` into another class's region.

    Attributes
    ----------
    delta : ndarray of shape (n_samples, n_features)
        ``X + delta`` lies on the border of the nearest other class's region.
    norm : ndarray of shape (n_samples,)
        ``np.linalg.norm(delta, axis=1)``: the distance to the nearest other region.
    target : ndarray of shape (n_samples,)
        The class whose region ``X + delta`` reaches.
    distances : ndarray of shape (n_samples, n_classes)
        Exact distance, in the norm of the function that made it, from each row to each class
        (0 for the predicted class; each function says what "to a class" means); ``norm`` is
        the smallest of the others.
    """

    delta: np.ndarray
    norm: np.ndarray
    target: np.ndarray
    distances: np.ndarray


def minimal_perturbation_linear(
    model: Any, X: Any, overshoot: float = 0.0
) -> LinearPerturbation:
    """Exact smallest L2 change that moves each row into another class's region.

    For a linear classifier the region of class ``k`` is the polyhedron
    ``{z : (w_k - w_j)·z + b_k - b_j >= 0 for every j != k}``. The smallest change that moves
    ``x`` into it is the Euclidean projection of ``x`` onto that polyhedron; the answer is the
    nearest of these projections over all ``k`` other than the predicted class.

    The projection is exact: it is the solution of the projection's optimality (KKT) conditions
    on one set of active constraints. With the predicted class's constraint alone it is the
    closed-form projection onto one boundary (the common case); when a third class is in the way,
    a larger active set is needed. Every active set is tried (``2**(n_classes - 1) - 1`` of them,
    fine for the handful of classes of this series) and the one satisfying the conditions is kept.

    Parameters
    ----------
    model : fitted linear classifier
        See :func:`helpers.grids.linear_scores`.
    X : array-like of shape (n_samples, n_features)
        The rows to perturb.
    overshoot : float, default 0.0
        Relative step past the border: ``delta`` is scaled by ``1 + overshoot``. With 0 the
        perturbed rows lie exactly on the border (a tie between two classes); a small positive
        value such as 1e-6 makes the prediction flip.

    Returns
    -------
    LinearPerturbation
        ``delta`` of shape (n_samples, n_features), its L2 ``norm``, the ``target`` class, and
        the exact L2 ``distances`` of shape (n_samples, n_classes) to every class's region.

    Raises
    ------
    ValueError
        If ``X`` has the wrong shape or non-finite values, ``overshoot`` is negative, or the
        model has too many classes for an exact search (more than 16).
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    W, b = linear_scores(model)
    X = check_features(X, n_features=W.shape[1], allow_1d=True)
    if not overshoot >= 0:
        raise ValueError(f"overshoot must be >= 0; got {overshoot!r}.")
    n_classes = W.shape[0]
    if n_classes > 16:
        raise ValueError(
            f"the exact search tries every active set and is meant for at most 16 classes; "
            f"the model has {n_classes}. Use helpers.attacks.deepfool instead."
        )
    scores = X @ W.T + b
    predicted = scores.argmax(axis=1)
    scale = np.abs(scores).max(axis=1, keepdims=True) + 1.0
    distances = np.full((len(X), n_classes), np.inf)
    distances[np.arange(len(X)), predicted] = 0.0
    best_norm = np.full(len(X), np.inf)
    best_delta = np.zeros_like(X)
    best_target = np.zeros(len(X), dtype=int)
    for k in range(n_classes):
        others = [j for j in range(n_classes) if j != k]
        A = W[k] - W[others]  # (n_classes - 1, n_features): rows of the region's constraints
        beta = b[k] - b[others]
        for size in range(1, min(len(others), W.shape[1]) + 1):
            for active in combinations(range(len(others)), size):
                A_s = A[list(active)]
                gram = A_s @ A_s.T
                if np.linalg.cond(gram) > 1e12:
                    continue  # dependent constraints: a smaller active set covers this case
                # KKT: z = x + A_s.T mu with A_s z + beta_s = 0 and mu >= 0.
                mu = -np.linalg.solve(gram, (X @ A_s.T + beta[list(active)]).T).T
                z = X + mu @ A_s
                slack = z @ A.T + beta  # >= 0 inside the region
                ok = (mu >= -1e-12 * scale).all(axis=1) & (slack >= -1e-9 * scale).all(axis=1)
                ok &= predicted != k
                norm = np.linalg.norm(z - X, axis=1)
                distances[ok, k] = np.minimum(distances[ok, k], norm[ok])
                better = ok & (norm < best_norm)
                best_norm[better] = norm[better]
                best_delta[better] = (z - X)[better]
                best_target[better] = k
    if not np.all(np.isfinite(best_norm)):  # pragma: no cover - every other region is reachable
        raise RuntimeError("no other class region could be reached; the model is degenerate.")
    delta = best_delta * (1.0 + overshoot)
    return LinearPerturbation(
        delta=delta,
        norm=np.linalg.norm(delta, axis=1),
        target=np.asarray(model.classes_)[best_target],
        distances=distances,
    )


def minimal_linf_perturbation_linear(
    model: Any, X: Any, overshoot: float = 0.0
) -> LinearPerturbation:
    """Exact smallest L-infinity change (the same step on every feature) that flips a linear model.

    Moving every feature by ``eps`` against the sign of ``w_c - w_k`` lowers the margin
    ``m = s_c - s_k`` of the predicted class ``c`` over class ``k`` by exactly
    ``eps * ||w_c - w_k||_1``; no change of L-infinity size ``eps`` lowers it more. So the
    border with ``k`` is reached at ``eps_k = m / ||w_c - w_k||_1``, and the smallest of these
    is the smallest L-infinity change that makes the prediction leave ``c``. The 1-norm grows
    with the number of features: this is why linear models on many features (pixels) are
    flipped by changes too small to see (Goodfellow et al., 2015).

    Parameters
    ----------
    model : fitted linear classifier
        See :func:`helpers.grids.linear_scores`.
    X : array-like of shape (n_samples, n_features)
    overshoot : float, default 0.0
        Relative step past the border (see :func:`minimal_perturbation_linear`).

    Returns
    -------
    LinearPerturbation
        ``delta = -eps * sign(w_c - w_k)`` of shape (n_samples, n_features), its L-infinity
        ``norm`` (``eps``), the ``target`` class ``k`` and, in ``distances`` of shape
        (n_samples, n_classes), ``eps_k`` for every class (0 for the predicted class).
    """
    W, b = linear_scores(model)
    X = check_features(X, n_features=W.shape[1], allow_1d=True)
    if not overshoot >= 0:
        raise ValueError(f"overshoot must be >= 0; got {overshoot!r}.")
    scores = X @ W.T + b
    rows = np.arange(len(X))
    predicted = scores.argmax(axis=1)
    diff = W[predicted][:, None, :] - W[None, :, :]  # (n_samples, n_classes, n_features)
    l1 = np.abs(diff).sum(axis=2)
    margin = scores[rows, predicted][:, None] - scores
    with np.errstate(divide="ignore", invalid="ignore"):
        distances = np.where(l1 > 0, margin / l1, np.inf)
    distances[rows, predicted] = 0.0
    target = np.where(distances == 0, np.inf, distances).argmin(axis=1)
    eps = distances[rows, target] * (1.0 + overshoot)
    delta = -eps[:, None] * np.sign(diff[rows, target])
    return LinearPerturbation(
        delta=delta,
        norm=np.abs(delta).max(axis=1),
        target=np.asarray(model.classes_)[target],
        distances=distances,
    )


def fools_along_rays(
    model: Any,
    X: Any,
    y: Any,
    distances: Sequence[float],
    feature_names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Walk away from each class's data in the direction that makes the model surest of it.

    For each class, start at the mean of its observations and move along
    :func:`helpers.grids.most_confident_direction`. For a linear softmax model the class's
    probability only grows along that ray, so every point far out is a *fool*: nothing like
    the data, yet classified with near certainty.

    Parameters
    ----------
    model : fitted linear classifier with ``predict_proba``
    X : array-like of shape (n_samples, n_features)
        The observations (the rays start at each class's mean).
    y : array-like of shape (n_samples,)
        Their labels.
    distances : sequence of float
        How far to walk along each ray.
    feature_names : sequence of str, optional
        Names of the feature columns of the result; by default ``feature 1``, ``feature 2``...

    Returns
    -------
    DataFrame
        One row per class and distance: ``class``, ``travelled``, one column per feature (the
        point), ``distance to nearest observation``, ``probability`` (of that class) and
        ``other classes`` (the summed probability of all other classes, computed directly so
        that values far below 1e-16 are not lost to rounding of ``1 - probability``).
    """
    W, _ = linear_scores(model)
    X = check_features(X, n_features=W.shape[1])
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},) to match X; got {y.shape}.")
    if feature_names is None:
        feature_names = [f"feature {i + 1}" for i in range(X.shape[1])]
    distances = np.asarray(distances, dtype=float)
    frames = []
    for k, label in enumerate(model.classes_):
        if not np.any(y == label):
            raise ValueError(f"no observation of class {label!r} in y; pass the training data.")
        origin = X[y == label].mean(axis=0)
        direction = most_confident_direction(model, label)
        points = origin + distances[:, None] * direction
        frame = pd.DataFrame(points, columns=list(feature_names))
        frame.insert(0, "travelled", distances)
        frame.insert(0, "class", label)
        frame["distance to nearest observation"] = distance_to_data(points, X)
        proba = probability_along_ray(model, origin, direction, distances)
        frame["probability"] = proba[:, k]
        frame["other classes"] = np.delete(proba, k, axis=1).sum(axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)

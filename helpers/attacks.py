"""Ways to fool a classifier, computed exactly where the model allows it.

Every function takes a fitted model and data, and returns the perturbations; nothing here
draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from helpers._validation import check_features
from helpers.grids import linear_scores


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
        Exact distance from each row to each class's region (0 for the predicted class);
        ``norm`` is the smallest of the others.
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
        ``delta`` of shape (n_samples, n_features), its ``norm``, the ``target`` class, and the
        exact ``distances`` of shape (n_samples, n_classes) to every class's region.

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

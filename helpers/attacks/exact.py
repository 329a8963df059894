"""Answers that are provably smallest, for models whose class scores are affine in the input.

For a linear classifier every class region is a polyhedron, so the smallest change that moves a
row into another region (in L2, in L-infinity, inside a pixel box, or one pixel at a time) has an
exact answer; these functions compute it, and :func:`fools_along_rays` walks to inputs far from
the data that such a model is sure of. Nothing here draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Sequence

import numpy as np
import pandas as pd

from helpers import network
from helpers._validation import check_features, check_grid, check_labels
from helpers.attacks._checks import check_box, check_clip
from helpers.grids import distance_to_data, most_confident_direction, probability_along_ray
from helpers.linear import linear_scores


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
        See :func:`helpers.linear.linear_scores`.
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
    model: Any, X: Any, overshoot: float = 0.0, clip: tuple[float, float] | None = None
) -> LinearPerturbation:
    """Exact smallest L-infinity change that flips a linear model, optionally inside a box.

    Moving every feature by ``eps`` against the sign of ``w_c - w_k`` lowers the margin
    ``m = s_c - s_k`` of the predicted class ``c`` over class ``k`` by exactly
    ``eps * ||w_c - w_k||_1``; no change of L-infinity size ``eps`` lowers it more. So the
    border with ``k`` is reached at ``eps_k = m / ||w_c - w_k||_1``, and the smallest of these
    is the smallest L-infinity change that makes the prediction leave ``c``. The 1-norm grows
    with the number of features: this is why linear models on many features (pixels) are
    flipped by changes too small to see (Goodfellow et al., 2015).

    With ``clip=(low, high)`` the changed point must stay in the box (pixels in [0, 1], say):
    feature ``i`` can then move only ``room_i`` (its distance to the box's side it moves
    towards), the margin falls by ``sum_i |w_ci - w_ki| * min(eps, room_i)``, a piecewise linear
    function of ``eps``, and ``eps_k`` is where it reaches ``m`` — solved exactly between the
    sorted rooms. A class that cannot be reached inside the box gets ``eps_k = inf``.

    Parameters
    ----------
    model : fitted linear classifier, or MLPClassifier with ``activation="identity"``
        See :func:`helpers.linear.linear_scores`; an identity network is one affine map (``affine_head``).
    X : array-like of shape (n_samples, n_features)
    overshoot : float, default 0.0
        Relative step past the border (see :func:`minimal_perturbation_linear`).
    clip : (low, high), optional
        The box the changed points must stay in; ``X`` must lie in it.

    Returns
    -------
    LinearPerturbation
        ``delta`` of shape (n_samples, n_features) (``-eps * sign(w_c - w_k)``, cut at the box),
        its L-infinity ``norm`` (``eps``; ``inf`` and a zero ``delta`` for a row that no change
        inside the box flips), the ``target`` class ``k`` and, in ``distances`` of shape
        (n_samples, n_classes), ``eps_k`` for every class (0 for the predicted class).

    Raises
    ------
    ValueError
        If ``X`` has the wrong number of features or non-finite values, ``overshoot`` is
        negative, ``clip`` is not a pair ``low < high``, or ``X`` lies outside ``clip``.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    W, b = network.affine_head(model, 0) if getattr(model, "activation", 0) == "identity" else linear_scores(model)
    X = check_features(X, n_features=W.shape[1], allow_1d=True)
    if not overshoot >= 0:
        raise ValueError(f"overshoot must be >= 0; got {overshoot!r}.")
    if clip is not None:
        low, high = check_clip(clip, X, scale_fix="divide them by 255")
    scores = X @ W.T + b
    rows = np.arange(len(X))
    predicted = scores.argmax(axis=1)
    diff = W[predicted][:, None, :] - W[None, :, :]  # (n_samples, n_classes, n_features)
    margin = scores[rows, predicted][:, None] - scores
    if clip is None:
        l1 = np.abs(diff).sum(axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            distances = np.where(l1 > 0, margin / l1, np.inf)
    else:
        room = np.where(diff > 0, (X - low)[:, None, :], (high - X)[:, None, :])
        distances = _boxed_linf_distances(np.abs(diff), room, margin)
    distances[rows, predicted] = 0.0
    target = np.where(distances == 0, np.inf, distances).argmin(axis=1)
    eps = distances[rows, target] * (1.0 + overshoot)
    reachable = np.isfinite(eps)
    step = np.where(reachable, eps, 0.0)[:, None]
    delta = -step * np.sign(diff[rows, target])
    if clip is not None:
        delta = np.clip(X + delta, low, high) - X
    return LinearPerturbation(
        delta=delta,
        norm=np.where(reachable, np.abs(delta).max(axis=1), np.inf),
        target=np.asarray(model.classes_)[target],
        distances=distances,
    )


def minimal_perturbation_linear_in_box(
    model: Any, X: Any, clip: tuple[float, float] = (0.0, 1.0), overshoot: float = 0.0
) -> LinearPerturbation:
    """Exact smallest L2 change that flips a linear model while every feature stays inside ``clip``.

    The prediction leaves the predicted class ``c`` as soon as some class ``k`` scores at least
    as high, so the answer is the nearest, over ``k != c``, of the convex problems

        minimise ||d||^2  subject to  a·d >= m,  low - x <= d <= high - x,

    with ``a = w_k - w_c`` and ``m = s_c - s_k`` (the margin). Their optimality (KKT) conditions
    give ``d(lam) = clip(lam * a, low - x, high - x)`` for one multiplier ``lam >= 0``, and
    ``a·d(lam) = sum_i a_i^2 * min(lam, t_i)`` with ``t_i`` the room of feature ``i`` (towards the
    side ``a_i`` points to) divided by ``|a_i|``: piecewise linear and increasing in ``lam``. Its
    crossing with ``m`` is found exactly between the sorted ``t_i`` (no iterative solver). Without
    the box this is the projection onto the border of :func:`minimal_perturbation_linear`.

    Parameters
    ----------
    model : fitted linear classifier
        See :func:`helpers.grids.linear_scores`; also a collapsed identity network
        (:func:`helpers.network.collapse_identity_network`).
    X : array-like of shape (n_samples, n_features)
        Rows inside ``clip``.
    clip : (low, high), default (0, 1)
        The box the changed rows must stay in.
    overshoot : float, default 0.0
        Relative lengthening of the multiplier ``lam`` (then cut at the box): with 0 the changed
        rows lie on the border (a tie); a small positive value such as 1e-6 makes them cross.

    Returns
    -------
    LinearPerturbation
        ``delta`` of shape (n_samples, n_features) (``X + delta`` inside ``clip``), its L2
        ``norm`` (``inf`` and a zero ``delta`` for a row no change inside the box flips), the
        ``target`` class whose score reaches the predicted one's, and in ``distances`` of shape
        (n_samples, n_classes) the exact L2 distance, inside the box, to where each class scores
        at least as high as the predicted class (0 for the predicted class, ``inf`` if out of reach).

    Raises
    ------
    ValueError
        If ``X`` has the wrong number of features or non-finite values, lies outside ``clip``,
        ``clip`` is not a pair ``low < high``, or ``overshoot`` is negative.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    W, b = linear_scores(model)
    X = check_features(X, n_features=W.shape[1], allow_1d=True)
    low, high = check_box(clip, X, "X", "minimal_perturbation_linear_in_box")
    if not overshoot >= 0:
        raise ValueError(f"overshoot must be >= 0; got {overshoot!r}.")
    scores = X @ W.T + b
    rows = np.arange(len(X))
    predicted = scores.argmax(axis=1)
    direction = W[None, :, :] - W[predicted][:, None, :]  # a = w_k - w_c: (n_samples, n_classes, n_features)
    margin = scores[rows, predicted][:, None] - scores  # m = s_c - s_k >= 0
    room = np.where(direction > 0, (high - X)[:, None, :], (X - low)[:, None, :])
    size = np.abs(direction)
    with np.errstate(divide="ignore", invalid="ignore"):
        turn = np.where(size > 0, room / size, 0.0)  # t_i: where feature i reaches the box
    multiplier = _boxed_linf_distances(size**2, turn, margin)  # (n_samples, n_classes)
    multiplier[rows, predicted] = np.inf
    finite = np.isfinite(multiplier)
    lam = np.where(finite, multiplier, 0.0)[..., None]
    change = np.clip(lam * direction, (low - X)[:, None, :], (high - X)[:, None, :])
    distances = np.where(finite, np.linalg.norm(change, axis=2), np.inf)
    distances[rows, predicted] = 0.0
    target = np.where(finite, distances, np.inf).argmin(axis=1)
    reachable = finite[rows, target]
    lam_target = np.where(reachable, multiplier[rows, target] * (1.0 + overshoot), 0.0)[:, None]
    delta = np.clip(lam_target * direction[rows, target], low - X, high - X)
    return LinearPerturbation(
        delta=delta,
        norm=np.where(reachable, np.linalg.norm(delta, axis=1), np.inf),
        target=np.asarray(model.classes_)[target],
        distances=distances,
    )


def linf_step_by_feature_count(model: Any, X: Any, counts: Sequence[int]) -> np.ndarray:
    """Smallest L-infinity change that flips a linear model when only ``n`` features may change.

    Changing only the ``n`` features with the largest ``|w_ci - w_ki|`` by ``eps`` each lowers
    the margin ``m`` over class ``k`` by ``eps`` times the sum of those ``n`` weights, so the
    change needed is ``m`` divided by that sum (minimised over ``k``). As ``n`` grows the sum
    grows and the change each feature needs shrinks: many small changes add up (Goodfellow
    et al., 2015). With ``n`` equal to all features this is
    :func:`minimal_linf_perturbation_linear`'s ``norm``.

    Parameters
    ----------
    model : fitted linear classifier
        See :func:`helpers.linear.linear_scores`.
    X : array-like of shape (n_samples, n_features)
    counts : sequence of int
        Numbers of features allowed to change, each from 1 to ``n_features``.

    Returns
    -------
    ndarray of shape (n_samples, len(counts))
        The change ``eps`` each allowed feature needs.

    Raises
    ------
    ValueError
        If ``X`` has the wrong number of features or non-finite values, or ``counts`` is not a
        non-empty sequence of integers from 1 to ``n_features``.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    W, b = linear_scores(model)
    X = check_features(X, n_features=W.shape[1], allow_1d=True)
    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.size == 0 or not np.issubdtype(counts.dtype, np.integer):
        raise ValueError(f"counts must be a non-empty sequence of integers; got {counts!r}.")
    if counts.min() < 1 or counts.max() > W.shape[1]:
        raise ValueError(
            f"counts must lie between 1 and the {W.shape[1]} features; got {counts.tolist()}."
        )
    scores = X @ W.T + b
    rows = np.arange(len(X))
    predicted = scores.argmax(axis=1)
    weights = -np.sort(-np.abs(W[predicted][:, None, :] - W[None, :, :]), axis=2)
    largest = np.cumsum(weights, axis=2)[:, :, counts - 1]  # (n_samples, n_classes, n_counts)
    margin = (scores[rows, predicted][:, None] - scores)[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = np.where(largest > 0, margin / largest, np.inf)
    eps[rows, predicted] = np.inf
    return eps.min(axis=1)


def _boxed_linf_distances(weight: np.ndarray, room: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """Smallest ``eps`` with ``sum_i weight_i * min(eps, room_i) >= margin``, per last axis.

    ``weight`` and ``room`` have shape (..., n_features) and are >= 0; ``margin`` has shape
    (...). Between two consecutive sorted rooms the sum is linear in ``eps``, so the crossing
    is found exactly.
    """
    order = np.argsort(room, axis=-1, kind="stable")
    r = np.take_along_axis(room, order, axis=-1)
    w = np.take_along_axis(weight, order, axis=-1)
    done = np.cumsum(w * r, axis=-1)  # features already at their side, at eps = r_j
    still = w.sum(axis=-1, keepdims=True) - np.cumsum(w, axis=-1)  # weights still moving
    reached = done + r * still  # the fall of the margin at eps = r_j
    enough = reached >= margin[..., None]
    first = enough.argmax(axis=-1)
    possible = enough.any(axis=-1)
    j = first[..., None]
    before_done = np.take_along_axis(done, j, axis=-1)[..., 0] - np.take_along_axis(w * r, j, axis=-1)[..., 0]
    moving = np.take_along_axis(still, j, axis=-1)[..., 0] + np.take_along_axis(w, j, axis=-1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = (margin - before_done) / moving
    eps = np.where(margin <= 0, 0.0, eps)
    return np.where(possible | (margin <= 0), eps, np.inf)


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

    Raises
    ------
    ValueError
        If ``X`` has the wrong number of features or non-finite values, ``y`` does not match
        ``X``, ``feature_names`` does not give one name per feature, or a class has no
        observation.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    W, _ = linear_scores(model)
    X = check_features(X, n_features=W.shape[1])
    y = check_labels(model, y, len(X))
    if feature_names is None:
        feature_names = [f"feature {i + 1}" for i in range(X.shape[1])]
    feature_names = list(feature_names)
    if len(feature_names) != X.shape[1]:
        raise ValueError(
            f"feature_names has {len(feature_names)} names but X has {X.shape[1]} features; "
            "pass one name per column of X."
        )
    distances = check_grid(distances, "distances")
    frames = []
    for k, label in enumerate(model.classes_):
        if not np.any(y == label):
            raise ValueError(f"no observation of class {label!r} in y; pass the training data.")
        origin = X[y == label].mean(axis=0)
        direction = most_confident_direction(model, label)
        points = origin + distances[:, None] * direction
        frame = pd.DataFrame(points, columns=feature_names)
        frame.insert(0, "travelled", distances)
        frame.insert(0, "class", label)
        frame["distance to nearest observation"] = distance_to_data(points, X)
        proba = probability_along_ray(model, origin, direction, distances)
        frame["probability"] = proba[:, k]
        frame["other classes"] = np.delete(proba, k, axis=1).sum(axis=1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)



def one_pixel_flips_linear(
    model: Any, X: Any, clip: tuple[float, float] = (0.0, 1.0)
) -> np.ndarray:
    """Exactly which rows of ``X`` some single-pixel change (inside ``clip``) flips, for a linear model.

    Setting pixel ``j`` to ``v`` changes the score difference ``s_k - s_c`` between a class ``k``
    and the predicted class ``c`` by ``(w_k - w_c)_j (v - x_j)``: linear in ``v``, so its largest
    value is at ``v = low`` or ``v = high``. The prediction leaves ``c`` if and only if for some
    ``k`` and ``j`` that best change makes ``s_k - s_c`` positive; all ``k`` and ``j`` are checked
    at once. This is the exact answer :func:`one_pixel_attack` searches for.

    Parameters
    ----------
    model : fitted linear classifier
        See :func:`helpers.linear.linear_scores`.
    X : array-like of shape (n_samples, n_features)
        Rows inside ``clip``.
    clip : (low, high), default (0, 1)
        Range of the new pixel value.

    Returns
    -------
    ndarray of shape (n_samples,), dtype bool
    """
    W, b = linear_scores(model)
    X = check_features(X, n_features=W.shape[1])
    low, high = check_box(clip, X, task="one_pixel_flips_linear")
    scores = X @ W.T + b
    rows = np.arange(len(X))
    predicted = scores.argmax(axis=1)
    diff = W[None, :, :] - W[predicted][:, None, :]  # (n_samples, n_classes, n_features)
    gain = np.maximum(diff * (high - X)[:, None, :], diff * (low - X)[:, None, :]).max(axis=2)
    margin = scores - scores[rows, predicted][:, None]
    flips = margin + gain > 0
    flips[rows, predicted] = False
    return flips.any(axis=1)



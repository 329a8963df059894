"""Ways to fool a classifier, computed exactly where the model allows it.

Every function takes a fitted model and data, and returns the perturbations; nothing here
draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution, minimize

from helpers import gradients
from helpers._validation import check_features, check_fitted, check_range
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
    model : fitted linear classifier
        See :func:`helpers.grids.linear_scores`.
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
    """
    W, b = linear_scores(model)
    X = check_features(X, n_features=W.shape[1], allow_1d=True)
    if not overshoot >= 0:
        raise ValueError(f"overshoot must be >= 0; got {overshoot!r}.")
    if clip is not None:
        low, high = check_range(clip, "clip")
        if X.min() < low or X.max() > high:
            raise ValueError(
                f"X lies outside clip={clip!r} (values from {X.min():.3g} to {X.max():.3g}); "
                "clip X first or widen the box."
            )
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
        See :func:`helpers.grids.linear_scores`.
    X : array-like of shape (n_samples, n_features)
    counts : sequence of int
        Numbers of features allowed to change, each from 1 to ``n_features``.

    Returns
    -------
    ndarray of shape (n_samples, len(counts))
        The change ``eps`` each allowed feature needs.
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


# --- Gradient, iterative and evolutionary attacks on fitted models ----------------------------
#
# These work on any model helpers.gradients differentiates: a LogisticRegression (or another
# linear classifier) and an MLPClassifier. Pixels stay inside ``clip`` unless it is None.

#: Norms the gradient attacks accept, by name.
NORMS: dict[str, float] = {"inf": np.inf, "2": 2.0}


def _check_eps(eps: float, name: str = "eps") -> float:
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number >= 0; got {eps!r}.") from None
    if not (np.isfinite(eps) and eps >= 0):
        raise ValueError(
            f"{name} must be a finite number >= 0 (the size of the change); got {eps!r}."
        )
    return eps


def _check_norm(norm: Any) -> float:
    key = "inf" if (isinstance(norm, (int, float)) and np.isinf(norm)) else str(norm)
    key = {"2.0": "2", "np.inf": "inf"}.get(key, key)
    if key not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; use np.inf (L-infinity) or 2 (L2).")
    return NORMS[key]


def _check_clip(
    clip: Any, X: np.ndarray | None = None, name: str = "X"
) -> tuple[float, float] | None:
    if clip is None:
        return None
    low, high = check_range(clip, "clip")
    if X is not None and (X.min() < low or X.max() > high):
        raise ValueError(
            f"{name} has values in [{X.min():.3g}, {X.max():.3g}], outside clip=({low:g}, "
            f"{high:g}); rescale {name} into the pixel range or pass clip=None."
        )
    return low, high


def _check_positive_int(value: Any, name: str) -> int:
    if not (isinstance(value, (int, np.integer)) and value >= 1):
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    return int(value)


def _prepare(model: Any, X: Any, clip: Any) -> tuple[np.ndarray, tuple[float, float] | None]:
    """Validated ``X`` (2-D, the model's number of features) and ``clip``."""
    gradients.check_differentiable(model)
    X = check_features(X, n_features=gradients.n_input_features(model))
    return X, _check_clip(clip, X)


def _steepest_step(gradient: np.ndarray, norm: float) -> np.ndarray:
    """The unit-size step (in ``norm``) that raises a linearised loss the most."""
    if np.isinf(norm):
        return np.sign(gradient)
    length = np.linalg.norm(gradient, axis=1, keepdims=True)
    return np.divide(gradient, length, out=np.zeros_like(gradient), where=length > 0)


def _project(delta: np.ndarray, eps: float, norm: float) -> np.ndarray:
    """The nearest change to ``delta`` of size at most ``eps`` in ``norm``."""
    if np.isinf(norm):
        return np.clip(delta, -eps, eps)
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    return delta * np.minimum(1.0, eps / np.maximum(length, 1e-300))


def fgsm(
    model: Any,
    X: Any,
    y: Any,
    eps: float,
    norm: Any = np.inf,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> np.ndarray:
    """Fast gradient (sign) method: one step of size ``eps`` up the log-loss (Goodfellow et al., 2015).

    With the L-infinity norm every feature moves by exactly ``eps`` in the direction of the sign of
    :func:`helpers.gradients.input_gradient` (features whose gradient is exactly 0 do not move);
    with the L2 norm the whole row moves by ``eps`` along the gradient. The result is then clipped
    to the pixel range.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels, among ``model.classes_``.
    eps : float
        Size of the change, >= 0.
    norm : {np.inf, 2}, default np.inf
    clip : (low, high) or None, default (0, 1)
        Valid feature range; ``X`` must lie inside it. None: no clipping.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        The perturbed rows.

    Raises
    ------
    ValueError
        If ``eps < 0``, the norm is unknown, ``X`` or ``y`` has the wrong shape, a label is unknown,
        or ``X`` lies outside ``clip``.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    eps = _check_eps(eps)
    norm = _check_norm(norm)
    X, clip = _prepare(model, X, clip)
    X_adv = X + eps * _steepest_step(gradients.input_gradient(model, X, y), norm)
    return X_adv if clip is None else np.clip(X_adv, *clip)


def pgd(
    model: Any,
    X: Any,
    y: Any,
    eps: float,
    step: float | None = None,
    n_steps: int = 20,
    norm: Any = np.inf,
    clip: tuple[float, float] | None = (0.0, 1.0),
    random_start: bool = False,
    random_state: int = 0,
) -> np.ndarray:
    """Projected gradient descent on the log-loss (Madry et al., 2018): iterated FGSM in a ball.

    Each step moves by ``step`` along the steepest direction (see :func:`fgsm`), then projects back
    into the ``eps``-ball around the original row and into the pixel box. Of all the iterates, each
    row keeps the one with the highest loss.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels, among ``model.classes_``.
    eps : float
        Radius of the ball, >= 0.
    step : float, optional
        Size of each step; default ``2.5 * eps / n_steps``.
    n_steps : int, default 20
    norm : {np.inf, 2}, default np.inf
    clip : (low, high) or None, default (0, 1)
    random_start : bool, default False
        Start from a uniform random point of the L-infinity ball (or a random direction of the L2
        ball, at a uniform radius) instead of ``X`` itself.
    random_state : int, default 0
        Seed of the random start.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        The perturbed rows.

    Raises
    ------
    ValueError
        As :func:`fgsm`, and if ``step < 0`` or ``n_steps < 1``.
    """
    eps = _check_eps(eps)
    norm = _check_norm(norm)
    n_steps = _check_positive_int(n_steps, "n_steps")
    step = 2.5 * eps / n_steps if step is None else _check_eps(step, "step")
    X, clip = _prepare(model, X, clip)
    target = gradients.class_indices(model, y, len(X))
    labels = np.asarray(model.classes_)[target]
    delta = np.zeros_like(X)
    if random_start:
        rng = np.random.default_rng(random_state)
        if np.isinf(norm):
            delta = rng.uniform(-eps, eps, size=X.shape)
        else:
            direction = _steepest_step(rng.normal(size=X.shape), 2.0)
            delta = direction * eps * rng.uniform(size=(len(X), 1))
    X_adv = X + delta if clip is None else np.clip(X + delta, *clip)
    best, best_loss = X_adv.copy(), np.full(len(X), -np.inf)
    for _ in range(n_steps):
        loss, gradient = gradients.loss_and_input_gradient(model, X_adv, labels)
        better = loss > best_loss
        best[better], best_loss[better] = X_adv[better], loss[better]
        X_adv = X + _project(X_adv + step * _steepest_step(gradient, norm) - X, eps, norm)
        if clip is not None:
            X_adv = np.clip(X_adv, *clip)
    loss, _ = gradients.loss_and_input_gradient(model, X_adv, labels)
    better = loss > best_loss
    best[better] = X_adv[better]
    return best


@dataclass(frozen=True)
class DeepFoolResult:
    """What :func:`deepfool` found for each row.

    Attributes
    ----------
    delta : ndarray of shape (n_samples, n_features)
        The perturbation (already scaled by ``1 + overshoot``).
    norm : ndarray of shape (n_samples,)
        Its L2 norm.
    flipped : ndarray of shape (n_samples,), dtype bool
        Whether ``X + delta`` is predicted another class than ``X``.
    predicted : ndarray of shape (n_samples,)
        The class predicted at ``X + delta``.
    n_iter : ndarray of shape (n_samples,), dtype int
        Linearisation steps taken.
    """

    delta: np.ndarray
    norm: np.ndarray
    flipped: np.ndarray
    predicted: np.ndarray
    n_iter: np.ndarray


def deepfool(
    model: Any,
    X: Any,
    max_iter: int = 50,
    overshoot: float = 0.02,
    max_step: float | None = None,
    clip: tuple[float, float] | None = None,
) -> DeepFoolResult:
    """DeepFool (Moosavi-Dezfooli et al., 2016): small L2 changes that flip the prediction.

    At the current point the model is replaced by its first-order (linear) approximation; the
    step is the exact projection onto the nearest border of that linear model, between the
    originally predicted class and any other, made longer by a relative ``1e-6`` (and ``1e-9``)
    so that it crosses. Steps add up until the prediction changes or ``max_iter`` steps were
    taken; the total is then scaled by ``1 + overshoot``. A row whose logit differences have no
    gradient (saturated units) stops where it is, unflipped.

    For a linear model the first step is already the exact minimal perturbation of
    :func:`minimal_perturbation_linear`: the region of the predicted class is an intersection of
    half-spaces, and the distance from a point inside it to its outside is the distance to the
    nearest of its borders (pass ``overshoot=0`` to compare them).

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    max_iter : int, default 50
    overshoot : float, default 0.02
        Relative lengthening of the final perturbation (the paper's 0.02), >= 0.
    max_step : float, optional
        Longest L2 step of one linearisation (a trust region), > 0. None (the paper's algorithm):
        no limit. Where units saturate, the gradient is tiny and the linear model's border is
        very far; limiting the step lets the next linearisation, closer by, correct it.
    clip : (low, high), optional
        Valid range of the features (``(0, 1)`` for pixels). After every step the point is
        projected back into the box, and the next linearisation is taken there, so ``X + delta``
        is a valid input. None (the paper's algorithm): no bounds.

    Returns
    -------
    DeepFoolResult
        ``delta`` of shape (n_samples, n_features), its L2 ``norm``, ``flipped``, the ``predicted``
        class at ``X + delta`` and the number of steps ``n_iter``. Without ``clip``,
        ``X + delta`` may leave the pixel range.

    Raises
    ------
    ValueError
        If ``X`` has the wrong shape or lies outside ``clip``, ``overshoot < 0``,
        ``max_iter < 1`` or ``max_step <= 0``.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    overshoot = _check_eps(overshoot, "overshoot")
    max_iter = _check_positive_int(max_iter, "max_iter")
    if max_step is not None and not (_check_eps(max_step, "max_step") > 0):
        raise ValueError(f"max_step must be > 0 or None; got {max_step!r}.")
    X, clip = _prepare(model, X, clip)

    def into_box(rows: np.ndarray, change: np.ndarray) -> np.ndarray:
        """``change``, shortened where ``X[rows] + change`` would leave the box."""
        return change if clip is None else np.clip(X[rows] + change, *clip) - X[rows]

    original = gradients.logits(model, X).argmax(axis=1)
    total = np.zeros_like(X)
    n_iter = np.zeros(len(X), dtype=int)
    active = np.arange(len(X))
    for _ in range(max_iter):
        X_now = X[active] + into_box(active, (1.0 + overshoot) * total[active])
        scores = gradients.logits(model, X_now)
        still = scores.argmax(axis=1) == original[active]
        active, X_now, scores = active[still], X_now[still], scores[still]
        if len(active) == 0:
            break
        jacobian = gradients.logit_gradients(model, X_now)
        rows = np.arange(len(active))
        k0 = original[active]
        w = jacobian - jacobian[rows, k0][:, np.newaxis, :]  # (n_active, n_classes, n_features)
        f = scores - scores[rows, k0][:, np.newaxis]
        w_norm = np.linalg.norm(w, axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            distance = np.where(w_norm > 0, np.abs(f) / w_norm, np.inf)
        distance[rows, k0] = np.inf
        nearest = distance.argmin(axis=1)
        stuck = ~np.isfinite(distance[rows, nearest])  # flat logits (saturated units): give up
        active, rows, nearest, w, w_norm, distance = (
            active[~stuck], rows[~stuck], nearest[~stuck], w[~stuck], w_norm[~stuck],
            distance[~stuck])
        if len(active) == 0:
            break
        rows = np.arange(len(active))
        w_nearest = w[rows, nearest]
        length = w_norm[rows, nearest][:, np.newaxis]
        step = distance[rows, nearest][:, np.newaxis] * (1.0 + 1e-6) + 1e-9
        if max_step is not None:
            step = np.minimum(step, max_step)
        total[active] = into_box(active, total[active] + step * w_nearest / length)
        n_iter[active] += 1
    delta = into_box(np.arange(len(X)), (1.0 + overshoot) * total)
    predicted = gradients.logits(model, X + delta).argmax(axis=1)
    return DeepFoolResult(
        delta=delta,
        norm=np.linalg.norm(delta, axis=1),
        flipped=predicted != original,
        predicted=np.asarray(model.classes_)[predicted],
        n_iter=n_iter,
    )


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
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(
            f"x must be one flattened image of shape (n_features,); got shape {x.shape}. "
            "Pass X[i], not X[i:i + 1]."
        )
    x = check_features(x, n_features=model.n_features_in_, name="x", allow_1d=True)[0]
    clip = _check_clip(clip, x[np.newaxis])
    n_pixels = _check_positive_int(n_pixels, "n_pixels")
    popsize = _check_positive_int(popsize, "popsize")
    maxiter = _check_positive_int(maxiter, "maxiter")
    classes = list(np.asarray(model.classes_))
    if y not in classes:
        raise ValueError(f"unknown label {y!r}; use one of model.classes_: {classes}.")
    true = classes.index(y)
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
        proba = model.predict_proba(candidates(params))
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
    proba = model.predict_proba(x_adv[np.newaxis])[0]
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
        See :func:`helpers.grids.linear_scores`.
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
    low, high = _check_clip(clip, X)
    scores = X @ W.T + b
    rows = np.arange(len(X))
    predicted = scores.argmax(axis=1)
    diff = W[None, :, :] - W[predicted][:, None, :]  # (n_samples, n_classes, n_features)
    gain = np.maximum(diff * (high - X)[:, None, :], diff * (low - X)[:, None, :]).max(axis=2)
    margin = scores - scores[rows, predicted][:, None]
    flips = margin + gain > 0
    flips[rows, predicted] = False
    return flips.any(axis=1)


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
) -> FoolImage:
    """Search the pixel box for an image the model gives to ``target_class`` with ``confidence``.

    Maximises ``log P(target_class | image)`` under the box constraints ``clip`` with L-BFGS-B
    (exact gradients from :func:`helpers.gradients.input_gradient`), stopping as soon as the
    probability reaches ``confidence``. Unlike an unconstrained search (or a pseudo-inverse) the
    result is an image a camera could produce: every pixel is inside ``clip``.

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

    Returns
    -------
    FoolImage

    Raises
    ------
    ValueError
        If ``confidence`` is not in (0, 1), ``target_class`` is unknown, ``start`` is not
        "blank", "noise" or an image of the right size inside ``clip``, or ``max_iter < 1``.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    gradients.check_differentiable(model)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be a probability in (0, 1); got {confidence!r}.")
    low, high = _check_clip(clip)
    max_iter = _check_positive_int(max_iter, "max_iter")
    n_features = gradients.n_input_features(model)
    labels = np.asarray([target_class])
    gradients.class_indices(model, labels, 1)  # raises for an unknown class
    if isinstance(start, str):
        if start == "blank":
            x0 = np.full(n_features, low)
        elif start == "noise":
            x0 = np.random.default_rng(random_state).uniform(low, high, size=n_features)
        else:
            raise ValueError(f"start must be 'blank', 'noise' or an image; got {start!r}.")
    else:
        x0 = check_features(start, n_features=n_features, name="start", allow_1d=True)[0]
        _check_clip(clip, x0[np.newaxis], name="start")
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
            # Saturated units give tiny gradients: do not stop on a small gradient.
            options={"maxiter": max_iter, "gtol": 1e-14},
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
) -> FoolImage:
    """Evolve an image inside the pixel box that the model gives to ``target_class`` (no gradient).

    In the spirit of Nguyen et al. (2015, direct encoding): start from a blank image; in each
    generation every image of the population has one child, in which each pixel changes with
    probability ``mutation_rate`` by a normal step of scale ``mutation_scale`` (then clipped); the
    ``population`` images with the highest ``P(target_class)`` among parents and children survive.
    The search stops once the best image reaches ``confidence``. Only ``predict_proba`` is used,
    so any classifier can be searched.

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

    Returns
    -------
    FoolImage
        The best image; ``n_iter`` is the number of generations run.

    Raises
    ------
    ValueError
        If ``confidence`` or ``mutation_rate`` is out of range, ``target_class`` is unknown,
        ``mutation_scale <= 0``, or ``population`` or ``generations`` is not a whole number >= 1.
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
    low, high = _check_clip(clip)
    population = _check_positive_int(population, "population")
    generations = _check_positive_int(generations, "generations")
    classes = list(np.asarray(model.classes_))
    if target_class not in classes:
        raise ValueError(f"unknown class {target_class!r}; use one of model.classes_: {classes}.")
    target = classes.index(target_class)
    rng = np.random.default_rng(seed)
    n_features = int(model.n_features_in_)
    start = np.full(n_features, low)
    parents = np.repeat(start[np.newaxis], population, axis=0)
    fitness = model.predict_proba(parents)[:, target]
    n_iter = 0
    while fitness.max() < confidence and n_iter < generations:
        mutate = rng.random(parents.shape) < mutation_rate
        children = np.clip(
            parents + mutate * rng.normal(scale=mutation_scale, size=parents.shape), low, high
        )
        everyone = np.vstack([parents, children])
        scores = np.concatenate([fitness, model.predict_proba(children)[:, target]])
        keep = np.argsort(-scores, kind="stable")[:population]
        parents, fitness = everyone[keep], scores[keep]
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


# --- Measurements the attack notebook draws -------------------------------------------------


def accuracy_under_attack(
    models: Mapping[str, Any],
    X: Any,
    y: Any,
    eps: Sequence[float],
    n_steps: int = 10,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> pd.DataFrame:
    """Accuracy of each model on rows changed by FGSM and by PGD, for every ``eps`` (L-infinity).

    Parameters
    ----------
    models : mapping of name to fitted model
        Models :mod:`helpers.gradients` differentiates.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels.
    eps : sequence of float
        Sizes of the change (0 gives the clean accuracy).
    n_steps : int, default 10
        Steps of PGD (with the default step ``2.5 * eps / n_steps``).
    clip : (low, high) or None, default (0, 1)

    Returns
    -------
    DataFrame
        Columns ``model``, ``attack`` ("FGSM" or "PGD"), ``eps``, ``accuracy``; one row per
        model, attack and eps.
    """
    y = np.asarray(y)
    records = []
    for name, model in models.items():
        for size in eps:
            if size == 0:  # nothing to search: both attacks return X itself
                changed = {"FGSM": check_features(X), "PGD": check_features(X)}
            else:
                changed = {
                    "FGSM": fgsm(model, X, y, size, clip=clip),
                    "PGD": pgd(model, X, y, size, n_steps=n_steps, clip=clip),
                }
            for attack, X_adv in changed.items():
                records.append({"model": name, "attack": attack, "eps": float(size),
                                "accuracy": float(np.mean(model.predict(X_adv) == y))})
    return pd.DataFrame.from_records(records)


@dataclass(frozen=True)
class SmallestFGSM:
    """The smallest FGSM step, on a grid, that misclassifies each row.

    Attributes
    ----------
    eps : ndarray of shape (n_samples,)
        Smallest grid value whose FGSM change is misclassified; NaN where none is.
    delta : ndarray of shape (n_samples, n_features)
        That change (after clipping); zeros where none is misclassified.
    fooled : ndarray of shape (n_samples,), dtype bool
        Whether some grid value misclassifies the row.
    """

    eps: np.ndarray
    delta: np.ndarray
    fooled: np.ndarray


def smallest_fgsm(
    model: Any,
    X: Any,
    y: Any,
    eps_grid: Sequence[float],
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> SmallestFGSM:
    """For each row, the smallest ``eps`` of ``eps_grid`` at which FGSM misclassifies it.

    FGSM's direction, the sign of the input gradient at ``X``, does not depend on ``eps``: it is
    computed once and every grid value is a single prediction.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels.
    eps_grid : sequence of float
        Values to try, each >= 0; sorted here.
    clip : (low, high) or None, default (0, 1)

    Returns
    -------
    SmallestFGSM
    """
    grid = np.sort([_check_eps(value) for value in eps_grid])
    X, clip = _prepare(model, X, clip)
    y = np.asarray(y)
    direction = np.sign(gradients.input_gradient(model, X, y))
    eps = np.full(len(X), np.nan)
    delta = np.zeros_like(X)
    for value in grid:
        todo = np.flatnonzero(np.isnan(eps))
        if len(todo) == 0:
            break
        X_adv = X[todo] + value * direction[todo]
        if clip is not None:
            X_adv = np.clip(X_adv, *clip)
        fooled = model.predict(X_adv) != y[todo]
        eps[todo[fooled]] = value
        delta[todo[fooled]] = X_adv[fooled] - X[todo[fooled]]
    return SmallestFGSM(eps=eps, delta=delta, fooled=~np.isnan(eps))


def deepfool_vs_fgsm(
    models: Mapping[str, Any],
    X: Any,
    y: Any,
    eps_grid: Sequence[float],
    clip: tuple[float, float] | None = (0.0, 1.0),
    **deepfool_options: Any,
) -> pd.DataFrame:
    """Sizes of the changes DeepFool and the smallest FGSM need to misclassify each row.

    Only rows each model classifies correctly are attacked, so that both attacks answer the same
    question: how far is this digit from a wrong class?

    Parameters
    ----------
    models : mapping of name to fitted model
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels.
    eps_grid : sequence of float
        Grid of :func:`smallest_fgsm`.
    clip : (low, high) or None, default (0, 1)
        Pixel range of both attacks: every changed row stays a valid input.
    **deepfool_options
        Passed to :func:`deepfool` (``max_iter``, ``overshoot``, ``max_step``).

    Returns
    -------
    DataFrame
        Columns ``model``, ``attack`` ("DeepFool" or "FGSM"), ``row`` (index into ``X``),
        ``fooled``, ``L2`` and ``Linf`` (sizes of the change; NaN where not fooled).
    """
    X = check_features(X)
    y = np.asarray(y)
    for value in eps_grid:  # check every input before the long searches
        _check_eps(value)
    for model in models.values():
        _prepare(model, X, clip)
        gradients.class_indices(model, y, len(X))
    frames = []
    for name, model in models.items():
        rows = np.flatnonzero(model.predict(X) == y)
        found = deepfool(model, X[rows], clip=clip, **deepfool_options)
        fast = smallest_fgsm(model, X[rows], y[rows], eps_grid, clip=clip)
        for attack, delta, fooled in [("DeepFool", found.delta, found.flipped),
                                      ("FGSM", fast.delta, fast.fooled)]:
            frames.append(pd.DataFrame({
                "model": name,
                "attack": attack,
                "row": rows,
                "fooled": fooled,
                "L2": np.where(fooled, np.linalg.norm(delta, axis=1), np.nan),
                "Linf": np.where(fooled, np.abs(delta).max(axis=1), np.nan),
            }))
    return pd.concat(frames, ignore_index=True)

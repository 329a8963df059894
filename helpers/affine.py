"""Exact answers for affine classifiers: an identity network collapsed, and the smallest change in a box.

An ``MLPClassifier`` with ``activation="identity"`` computes an affine map of its input followed
by a softmax: the product of its weight matrices, with the intercepts carried through. Collapsed
to that one map it *is* a logistic regression, so every exact answer for linear models applies
to it. The smallest L2 change that flips a linear model while keeping every feature inside a box
(pixels in [0, 1]) is a small convex problem per other class, solved here exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_range
from helpers.attacks import LinearPerturbation, _boxed_linf_distances
from helpers.grids import linear_scores
from helpers.network import affine_head, check_network


def collapse_identity_network(model: MLPClassifier) -> LogisticRegression:
    """The logistic regression that computes exactly what an identity network computes.

    With identity activations every layer is affine, so the class scores are
    ``X @ W.T + b`` with ``W`` the product of the weight matrices and ``b`` the intercepts
    propagated through the later layers (:func:`helpers.network.affine_head` from layer 0). The
    returned ``LogisticRegression`` carries that ``W`` and ``b`` as ``coef_`` and
    ``intercept_``: its ``predict_proba`` is the network's (softmax of the scores; for two
    classes the logistic of the one score), and the linear-model helpers
    (``minimal_perturbation_linear``, ``minimal_linf_perturbation_linear``,
    ``one_pixel_flips_linear``, :func:`minimal_perturbation_linear_in_box`) give their exact
    answers for the network.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, with ``activation="identity"``.

    Returns
    -------
    LogisticRegression
        Not fitted by ``fit``: its fitted attributes (``coef_`` of shape (n_classes, n_features),
        or (1, n_features) for two classes, ``intercept_``, ``classes_``, ``n_features_in_``)
        are the collapsed network's. Do not call ``fit`` on it (that would replace them).

    Raises
    ------
    ValueError
        If the network's hidden activation is not the identity (a tanh, logistic or relu network
        is not an affine map).
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    check_network(model)
    if model.activation != "identity":
        raise ValueError(
            f"only an identity network is one affine map; this one uses "
            f"activation={model.activation!r}. Use helpers.attacks.deepfool for other networks."
        )
    W, b = affine_head(model, 0)  # (n_classes, n_features), (n_classes,); [0, z] for two classes
    collapsed = LogisticRegression()
    if len(model.classes_) == 2:
        W, b = W[1:] - W[:1], b[1:] - b[:1]
    collapsed.coef_ = W
    collapsed.intercept_ = b
    collapsed.classes_ = np.asarray(model.classes_)
    collapsed.n_features_in_ = W.shape[1]
    collapsed.n_iter_ = np.zeros(1, dtype=int)
    return collapsed


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
    the box this is the projection onto the border of :func:`helpers.attacks.minimal_perturbation_linear`.

    Parameters
    ----------
    model : fitted linear classifier
        See :func:`helpers.grids.linear_scores`; also a collapsed identity network
        (:func:`collapse_identity_network`).
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
    low, high = check_range(clip, "clip")
    if X.min() < low or X.max() > high:
        raise ValueError(
            f"X lies outside clip={clip!r} (values from {X.min():.3g} to {X.max():.3g}); "
            "clip X first or widen the box."
        )
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

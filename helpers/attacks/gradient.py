"""Gradient attacks: FGSM, PGD and DeepFool, on any model :mod:`helpers.gradients` differentiates.

That is a LogisticRegression (or another linear classifier) and an MLPClassifier. Pixels stay
inside ``clip`` unless it is None. Nothing here draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from helpers import gradients
from helpers._validation import check_features
from helpers.attacks._checks import (
    check_eps,
    check_eps_per_row,
    check_norm,
    check_positive_int,
    prepare_rows,
)

#: Components of a gradient row smaller than this share of the row's largest ``|component|``
#: count as 0 in :func:`gradient_sign`. The rounding of a gradient (BLAS threads, CPU kernels)
#: is about 1e-16 of the terms it sums, far below this; a component this small moves the
#: linearised loss by at most this share of what the largest one does.
SIGN_RTOL: float = 1e-9


def gradient_sign(gradient: Any, rtol: float = SIGN_RTOL) -> np.ndarray:
    """The sign of every component of each gradient row, 0 where the component is too small.

    ``np.sign`` reads the sign of any component, even one 1e-40 times the largest: a gradient
    that is exactly 0 in exact arithmetic (a pixel no weight reads, a saturated unit) comes out
    as ``+-1e-20`` or so, with a sign decided by rounding, which changes with the number of BLAS
    threads or the CPU. Components with ``|g_j| <= rtol * max_i |g_i|`` (per row) are set to 0
    here, so FGSM and PGD (:func:`fgsm`, :func:`pgd`, :func:`surrogate_pgd`) do not move those
    pixels, whatever the machine.

    Parameters
    ----------
    gradient : array-like of shape (n_samples, n_features)
        One gradient per row, finite.
    rtol : float, default SIGN_RTOL (1e-9)
        Relative threshold, in [0, 1); 0 keeps every non-zero component (plain ``np.sign``).

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        -1, 0 or 1; a row that is all 0 stays all 0.

    Raises
    ------
    ValueError
        If ``gradient`` is not a finite 2-D array of numbers, or ``rtol`` is not in [0, 1).
    """
    gradient = check_features(gradient, name="gradient")
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.floating)) or not 0 <= rtol < 1:
        raise ValueError(
            f"rtol must be a number in [0, 1), the share of a row's largest gradient below which "
            f"a component counts as 0 (e.g. {SIGN_RTOL}); got {rtol!r}."
        )
    magnitude = np.abs(gradient)
    large = magnitude > rtol * magnitude.max(axis=1, keepdims=True)
    return np.where(large, np.sign(gradient), 0.0)


def _steepest_step(gradient: np.ndarray, norm: float) -> np.ndarray:
    """The unit-size step (in ``norm``) that raises a linearised loss the most."""
    if np.isinf(norm):
        return gradient_sign(gradient)
    length = np.linalg.norm(gradient, axis=1, keepdims=True)
    return np.divide(gradient, length, out=np.zeros_like(gradient), where=length > 0)


def _project(delta: np.ndarray, eps: float | np.ndarray, norm: float) -> np.ndarray:
    """The nearest change to ``delta`` of size at most ``eps`` (a number or a column) in ``norm``."""
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
    :func:`helpers.gradients.input_gradient` (features whose gradient is 0, or below ``SIGN_RTOL``
    of the row's largest, do not move: :func:`gradient_sign`);
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
    eps = check_eps(eps)
    norm = check_norm(norm)
    X, clip = prepare_rows(model, X, clip)
    X_adv = X + eps * _steepest_step(gradients.input_gradient(model, X, y), norm)
    return X_adv if clip is None else np.clip(X_adv, *clip)


def projected_gradient_ascent(
    objective: Callable[[np.ndarray], tuple[np.ndarray | None, np.ndarray]],
    X: np.ndarray,
    start: np.ndarray,
    eps: float | np.ndarray,
    step: float | np.ndarray,
    n_steps: int,
    norm: float = np.inf,
    clip: tuple[float, float] | None = (0.0, 1.0),
    keep_best: bool = True,
) -> np.ndarray:
    """The loop of every PGD of the series: climb ``objective`` in the ``eps``-ball around ``X``.

    From ``start`` (clipped into the box), ``n_steps`` times: move by ``step`` along the steepest
    unit step of the gradient in ``norm`` (the sign of it, :func:`gradient_sign`, for
    L-infinity), project the change back into the ``eps``-ball around ``X``, then into the box
    ``clip``. :func:`pgd`, :func:`surrogate_pgd` and :func:`helpers.adaptive.adaptive_pgd` are
    this loop with their own objective. Arguments are not checked here: the callers do it.

    Parameters
    ----------
    objective : callable
        ``objective(X_adv)`` returns ``(value, gradient)`` for the rows of ``X_adv``: the values
        to climb, shape (n_samples,) (None when ``keep_best`` is False), and their input
        gradients, shape (n_samples, n_features).
    X : ndarray of shape (n_samples, n_features)
        The centres of the balls.
    start : ndarray of shape (n_samples, n_features)
        The first iterate.
    eps : float or ndarray of shape (n_samples, 1)
        Radius of the ball (one for all rows, or one per row), in ``norm``.
    step : float or ndarray of shape (n_samples, 1)
        Size of each step, in ``norm``.
    n_steps : int
        Steps taken, >= 1.
    norm : {np.inf, 2.0}, default np.inf
    clip : (low, high) or None, default (0, 1)
        The box; None: no box.
    keep_best : bool, default True
        Return each row's iterate with the highest value, the last one included (``n_steps +
        1`` evaluations); False: the last iterate (``n_steps`` evaluations of the gradient).

    Returns
    -------
    ndarray of shape (n_samples, n_features)
    """
    X_adv = start if clip is None else np.clip(start, *clip)
    best, best_value = X_adv.copy(), np.full(len(X), -np.inf)
    for _ in range(n_steps):
        value, gradient = objective(X_adv)
        if keep_best:
            better = value > best_value
            best[better], best_value[better] = X_adv[better], value[better]
        X_adv = X + _project(X_adv + step * _steepest_step(gradient, norm) - X, eps, norm)
        if clip is not None:
            X_adv = np.clip(X_adv, *clip)
    if not keep_best:
        return X_adv
    value, _ = objective(X_adv)
    better = value > best_value
    best[better] = X_adv[better]
    return best


def _random_start(X: np.ndarray, eps: np.ndarray, norm: float, random_state: int) -> np.ndarray:
    """A uniform random point of each row's L-infinity ball, or (L2) a random direction of its
    ball at a uniform radius; ``eps`` of shape (n_samples, 1)."""
    rng = np.random.default_rng(random_state)
    if np.isinf(norm):
        return X + rng.uniform(-eps, eps, size=X.shape)
    direction = _steepest_step(rng.normal(size=X.shape), 2.0)
    return X + direction * eps * rng.uniform(size=(len(X), 1))


def pgd(
    model: Any,
    X: Any,
    y: Any,
    eps: float | np.ndarray,
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
    eps : float or array-like of shape (n_samples,)
        Radius of the ball, >= 0: one for all rows, or one per row.
    step : float, optional
        Size of each step; default ``2.5 * eps / n_steps`` (per row).
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
        As :func:`fgsm`, and if ``step < 0``, ``n_steps < 1`` or ``eps`` has neither one value
        nor one per row.
    """
    norm = check_norm(norm)
    n_steps = check_positive_int(n_steps, "n_steps")
    X, clip = prepare_rows(model, X, clip)
    eps = check_eps_per_row(eps, len(X))
    step = 2.5 * eps / n_steps if step is None else check_eps(step, "step")
    target = gradients.class_indices(model, y, len(X))
    labels = np.asarray(model.classes_)[target]
    start = _random_start(X, eps, norm, random_state) if random_start else X
    return projected_gradient_ascent(
        lambda X_adv: gradients.loss_and_input_gradient(model, X_adv, labels),
        X, start, eps, step, n_steps, norm, clip)


def surrogate_pgd(
    model: Any,
    X: Any,
    y: Any,
    eps: float | np.ndarray,
    target: Any,
    relu_slope: float = 0.1,
    n_steps: int = 40,
    clip: tuple[float, float] | None = (0.0, 1.0),
    random_start: bool = False,
    random_state: int = 0,
) -> np.ndarray:
    """Targeted L-infinity PGD on the logit margin, through a surrogate ReLU gradient.

    Each step moves every pixel by ``2.5 * eps / n_steps`` along the sign of the gradient of
    ``logit_target - logit_y`` (:func:`helpers.gradients.margin_and_surrogate_gradient`), then
    projects into the ``eps``-ball and the pixel box; each row keeps the iterate with the
    largest margin. Two changes from :func:`pgd` (Madry et al., 2018) make it work where the
    log-loss gradient vanishes: the margin of the logits (Carlini and Wagner, 2017) does not
    saturate as the softmax does, and the backward pass gives units that are off the slope
    ``relu_slope`` (Athalye, Carlini and Wagner, 2018), so a row whose every path to the logits
    is switched off still gets a direction. The result is checked with the network itself
    (``predict``) by whoever uses it: the surrogate only proposes.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
        A non-zero ``relu_slope`` needs ``activation="relu"``.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels.
    eps : float or array-like of shape (n_samples,)
    target : array-like of shape (n_samples,)
        The class each row is pushed towards (not its own).
    relu_slope : float, default 0.1
        0 gives the exact gradient.
    n_steps : int, default 40
    clip : (low, high) or None, default (0, 1)
    random_start : bool, default False
        Start from a uniform random point of the ball instead of ``X``.
    random_state : int, default 0

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Raises
    ------
    ValueError
        As :func:`pgd` and :func:`helpers.gradients.margin_and_surrogate_gradient`.
    """
    n_steps = check_positive_int(n_steps, "n_steps")
    X, clip = prepare_rows(model, X, clip)
    eps = check_eps_per_row(eps, len(X))
    start = _random_start(X, eps, np.inf, random_state) if random_start else X
    return projected_gradient_ascent(
        lambda X_adv: gradients.margin_and_surrogate_gradient(model, X_adv, y, target,
                                                              relu_slope),
        X, start, eps, 2.5 * eps / n_steps, n_steps, np.inf, clip)


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
    :func:`helpers.attacks.exact.minimal_perturbation_linear`: the region of the predicted class is an intersection of
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
    overshoot = check_eps(overshoot, "overshoot")
    max_iter = check_positive_int(max_iter, "max_iter")
    if max_step is not None and not (check_eps(max_step, "max_step") > 0):
        raise ValueError(f"max_step must be > 0 or None; got {max_step!r}.")
    X, clip = prepare_rows(model, X, clip)

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



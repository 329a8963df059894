"""Fools made *for* a remedy: input gradients through densities, and searches that use them.

A remedy that contains a density (a Gaussian mixture, the class-conditional density of notebook
04) is only tested when the attack's gradient goes through that density too. This module builds on the closed-form
log-density gradients of :mod:`helpers.gradients` (``gmm_log_density_gradient``,
``class_log_density_gradient``, ``log_density_and_gradient``):

- :func:`log_probability_and_gradient`: ``log p(c | x)`` and its input gradient for the series'
  differentiable classifiers and for the remedies of :mod:`helpers.remedies`;
- :func:`adaptive_fool_image`: a box-constrained search for an image the remedy gives to one class
  with high confidence, through its density;
- :func:`adaptive_pgd`: a targeted L-infinity PGD on ``log p(c | x) + lambda log p(x)``, which
  passes a classifier and a density detector together (Carlini and Wagner, 2017);
- :func:`smallest_passing_eps`: how large that change must be, with and without the detector.

Nothing here draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from helpers import gradients
from helpers.gradients import (
    class_log_density_gradient,
    gmm_log_density_gradient,
    log_density_and_gradient,
)
from helpers._validation import (
    check_class,
    check_features,
    check_fitted,
    check_in_range,
    check_nonnegative,
    check_numeric,
    check_probability,
    check_range,
)
from helpers.attacks import (
    FoolImage,
    climb_to_confidence,
    projected_gradient_ascent,
    starting_image,
)
from helpers.density import ClassConditionalDensity
from helpers.remedies import DensityGatedClassifier, MeinkeHeinClassifier, unfrozen


def log_probability_and_gradient(
    model: Any, X: Any, target_class: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``log p(target_class | x)`` and its input gradient, through the model's density if any.

    Parameters
    ----------
    model : fitted model
        A classifier :mod:`helpers.gradients` differentiates (``LogisticRegression``,
        ``MLPClassifier``), a :class:`ClassConditionalDensity` (its posterior), a
        :class:`DensityGatedClassifier` (its posterior; the gate is a step, see
        :func:`adaptive_fool_image`), or a :class:`MeinkeHeinClassifier` around a differentiable
        classifier.
    X : array-like of shape (n_samples, n_features)
    target_class : label
        One of ``model.classes_``.

    Returns
    -------
    log_probability : ndarray of shape (n_samples,)
    gradient : ndarray of shape (n_samples, n_features)

    Raises
    ------
    TypeError
        If the model (or the classifier inside a Meinke-Hein model) has no gradient here.
    ValueError
        If ``target_class`` is unknown or ``X`` has the wrong shape.
    """
    check_fitted(model)
    target = check_class(model, target_class)
    if isinstance(model, DensityGatedClassifier):
        return log_probability_and_gradient(model.density_, X, target_class)
    if isinstance(model, ClassConditionalDensity):
        X = check_features(X, n_features=model.n_features_in_)
        joint = model.class_log_density(X) + np.log(model.class_prior_)
        class_gradient = class_log_density_gradient(model, X)
        log_density = logsumexp(joint, axis=1)
        posterior = np.exp(joint - log_density[:, np.newaxis])
        mean_gradient = np.einsum("nk,nkd->nd", posterior, class_gradient)
        return joint[:, target] - log_density, class_gradient[:, target] - mean_gradient
    if isinstance(model, MeinkeHeinClassifier):
        return _meinke_hein_log_probability(model, X, target_class)
    inner = unfrozen(model)
    try:
        gradients.check_differentiable(inner)
    except TypeError:
        raise TypeError(
            f"no input gradient for {type(inner).__name__}; use a gradient-free search "
            "(helpers.attacks.evolve_fool_image)."
        ) from None
    labels = np.full(len(check_features(X)), target_class, dtype=np.asarray(inner.classes_).dtype)
    loss, gradient = gradients.loss_and_input_gradient(inner, X, labels)
    return -loss, -gradient


def _meinke_hein_log_probability(
    model: MeinkeHeinClassifier, X: Any, target_class: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``p = w q + (1 - w) / K``: ``grad p = w grad q + (q - 1/K) grad w``, divided by ``p``."""
    X = check_features(X, n_features=model.n_features_in_)
    n_classes = len(model.classes_)
    weight = model.in_probability(X)
    log_q, grad_log_q = log_probability_and_gradient(model.classifier_, X, target_class)
    q = np.exp(log_q)
    grad_log_ratio = gmm_log_density_gradient(model.in_density_, X) - gmm_log_density_gradient(
        model.out_density_, X
    )
    grad_weight = (weight * (1.0 - weight))[:, np.newaxis] * grad_log_ratio
    p = weight * q + (1.0 - weight) / n_classes
    grad_p = (weight * q)[:, np.newaxis] * grad_log_q + (q - 1.0 / n_classes)[:, np.newaxis] * grad_weight
    return np.log(p), grad_p / p[:, np.newaxis]


def _gate_penalty(
    model: DensityGatedClassifier, x: np.ndarray, margin: float
) -> tuple[float, np.ndarray]:
    """Squared distance of ``log p(x)`` outside the typical range (shrunk by ``margin``)."""
    log_density, gradient = log_density_and_gradient(model.density_, x[np.newaxis])
    low, high = model.typical_range_
    inside_low, inside_high = low + margin * (high - low), high - margin * (high - low)
    excess = max(inside_low - log_density[0], 0.0) - max(log_density[0] - inside_high, 0.0)
    scale = high - low
    return (excess / scale) ** 2, -2.0 * excess / scale**2 * gradient[0]


def adaptive_fool_image(
    model: Any,
    target_class: Any,
    start: Any = "blank",
    confidence: float = 0.99,
    clip: tuple[float, float] = (0.0, 1.0),
    gate_weight: float = 100.0,
    max_iter: int = 200,
    random_state: int = 0,
) -> FoolImage:
    """Search the pixel box for an image ``model`` gives to ``target_class``, through its density.

    Maximises ``log p(target_class | x)`` (:func:`log_probability_and_gradient`) with L-BFGS-B
    inside ``clip`` (:func:`helpers.attacks.fool_images.climb_to_confidence`), stopping once the
    model's own probability reaches ``confidence``. For a
    :class:`DensityGatedClassifier` the posterior is maximised minus ``gate_weight`` times the
    squared (relative) distance of ``log p(x)`` outside the typical range, shrunk by 5 % on each
    side: a smooth stand-in for the gate, whose step has no gradient.

    Parameters
    ----------
    model : fitted model
        See :func:`log_probability_and_gradient`.
    target_class : label
    start : {"blank", "noise"} or array-like of shape (n_features,), default "blank"
    confidence : float, default 0.99
    clip : (low, high), default (0, 1)
    gate_weight : float, default 100
        Weight of the gate penalty (density-gated models only), >= 0.
    max_iter : int, default 200
    random_state : int, default 0
        Seed of the noise start.

    Returns
    -------
    FoolImage
        ``probability`` is ``model.predict_proba(image)`` for ``target_class``; ``outcome`` is
        ``"reached"``, ``"plateau"`` (a zero gradient, or no more progress) or ``"budget"``.

    Raises
    ------
    ValueError
        If ``confidence`` is not in (0, 1), ``gate_weight < 0``, ``max_iter < 1``, ``start`` is
        not valid, or ``target_class`` is unknown.
    """
    check_fitted(model)
    if not hasattr(model, "predict_proba"):
        raise TypeError(
            f"model ({type(model).__name__}) gives no class probabilities (predict_proba), so no "
            "confidence to raise; calibrate it, e.g. CalibratedClassifierCV(SVC(), ensemble=False)."
        )
    target = check_class(model, target_class)
    confidence = check_probability(confidence, "confidence")
    gate_weight = check_nonnegative(gate_weight, "gate_weight")
    if isinstance(max_iter, bool) or not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ValueError(f"max_iter must be a whole number >= 1; got {max_iter!r}.")
    low, high = check_range(clip, "clip")
    n_features = int(model.n_features_in_)
    x0 = starting_image(start, n_features, (low, high), random_state, "adaptive_fool_image")
    gated = isinstance(model, DensityGatedClassifier)

    def probability(x: np.ndarray) -> float:
        return float(model.predict_proba(x[np.newaxis])[0, target])

    def loss_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        log_p, gradient = log_probability_and_gradient(model, x[np.newaxis], target_class)
        loss, grad = -float(log_p[0]), -gradient[0]
        if gated and gate_weight > 0:
            penalty, penalty_gradient = _gate_penalty(model, x, margin=0.05)
            loss, grad = loss + gate_weight * penalty, grad + gate_weight * penalty_gradient
        return loss, grad

    return climb_to_confidence(
        loss_and_gradient, x0, target_class, confidence, (low, high), max_iter,
        probability)


def _check_detector(detector: Any) -> None:
    if not isinstance(detector, DensityGatedClassifier):
        raise TypeError(
            "detector must be a fitted helpers.remedies.DensityGatedClassifier (its density and "
            f"typical range are the detector); got {type(detector).__name__}."
        )
    check_fitted(detector, "detector")


def _check_targets(classifier: Any, targets: Any, n_samples: int) -> np.ndarray:
    targets = np.asarray(targets)
    if targets.shape != (n_samples,):
        raise ValueError(f"targets must have shape ({n_samples},), one class per row; got {targets.shape}.")
    for label in np.unique(targets):
        check_class(classifier, label, "targets")
    return targets


def _gate_gradient(detector: DensityGatedClassifier, X: np.ndarray) -> np.ndarray:
    """Gradient of ``min(0, log p(x) - low) + min(0, high - log p(x))``: zero where accepted.

    The density's gradient is only computed for the rows outside the typical range.
    """
    log_density = detector.density_.score_samples(X)
    low, high = detector.typical_range_
    direction = (log_density < low).astype(float) - (log_density > high).astype(float)
    gradient = np.zeros_like(X)
    outside = direction != 0
    if outside.any():
        gradient[outside] = direction[outside, np.newaxis] * log_density_and_gradient(
            detector.density_, X[outside])[1]
    return gradient


def adaptive_pgd(
    classifier: Any,
    detector: DensityGatedClassifier | None,
    X: Any,
    targets: Any,
    eps: float,
    density_weight: float,
    n_steps: int = 20,
    step: float | None = None,
    clip: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """Targeted L-infinity PGD that passes a classifier and a density detector together.

    After Carlini and Wagner (2017, "Adversarial examples are not easily detected"): climb
    ``log p(c | x) + density_weight * g(x)`` where ``g(x) = min(0, log p(x) - low) +
    min(0, high - log p(x))`` is 0 inside the detector's typical range ``[low, high]`` and pulls
    ``log p(x)`` back into it outside (the hinge form of their ``+ lambda log p(x)``: no cost once
    the detector accepts). Each step moves every pixel by ``step`` in the sign of the gradient,
    then projects into the ``eps``-ball around ``X`` and into the pixel box
    (:func:`helpers.attacks.gradient.projected_gradient_ascent`); the last iterate is returned.
    ``density_weight=0`` is plain targeted PGD.

    Parameters
    ----------
    classifier : fitted model
        See :func:`log_probability_and_gradient`.
    detector : DensityGatedClassifier or None
        Fitted; its ``accepts`` is the detector. None: plain PGD (``density_weight`` must be 0).
    X : array-like of shape (n_samples, n_features)
        Inside ``clip``.
    targets : array-like of shape (n_samples,)
        The class to reach for every row, among ``classifier.classes_``.
    eps : float
        Radius of the L-infinity ball, >= 0.
    density_weight : float
        ``lambda`` >= 0.
    n_steps : int, default 20
    step : float, optional
        Default ``2.5 * eps / n_steps``.
    clip : (low, high), default (0, 1)

    Returns
    -------
    ndarray of shape (n_samples, n_features)

    Raises
    ------
    ValueError
        If ``eps``, ``step`` or ``density_weight`` is negative, ``n_steps < 1``, a target is
        unknown, or ``X`` lies outside ``clip``.
    TypeError
        If ``detector`` is neither None nor a :class:`DensityGatedClassifier`.
    """
    eps = check_nonnegative(eps, "eps")
    density_weight = check_nonnegative(density_weight, "density_weight")
    if isinstance(n_steps, bool) or not (isinstance(n_steps, (int, np.integer)) and n_steps >= 1):
        raise ValueError(f"n_steps must be a whole number >= 1; got {n_steps!r}.")
    step = 2.5 * eps / n_steps if step is None else check_nonnegative(step, "step")
    low, high = check_range(clip, "clip")
    check_fitted(classifier, "classifier")
    if detector is None and density_weight > 0:
        raise ValueError("density_weight > 0 needs a detector; pass one or set density_weight=0.")
    if detector is not None:
        _check_detector(detector)
    X = check_features(X, n_features=int(classifier.n_features_in_))
    check_in_range(X, (low, high), "X", "clip", allow_none=False,
                   scale_fix="divide them by 255, and give eps on that scale")
    targets = _check_targets(classifier, targets, len(X))

    def gradient(X_adv: np.ndarray) -> tuple[None, np.ndarray]:
        climb = np.empty_like(X_adv)
        for label in np.unique(targets):
            rows = targets == label
            climb[rows] = log_probability_and_gradient(classifier, X_adv[rows], label)[1]
        if detector is not None and density_weight > 0:
            climb += density_weight * _gate_gradient(detector, X_adv)
        return None, climb

    return projected_gradient_ascent(gradient, X, X, eps, step, n_steps, np.inf, (low, high),
                                     keep_best=False)


#: The attacks of :func:`smallest_passing_eps`, in the order of its columns.
PASSING_ATTACKS: tuple[str, ...] = (
    "classifier alone, PGD", "with detector, PGD", "with detector, adaptive PGD"
)


def _first_success(
    classifier: Any,
    detector: DensityGatedClassifier,
    X: np.ndarray,
    targets: np.ndarray,
    eps_grid: np.ndarray,
    density_weight: float,
    n_steps: int,
    passing: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest radius of the grid fooling the classifier, and fooling it past the detector.

    One :func:`adaptive_pgd` run per radius, on the rows not yet past the detector at that
    radius (a superset of the rows not yet fooling the classifier), serves both. ``passing``:
    radii already found by another attack (the smaller one counts); default none.
    """
    fooling = np.full(len(X), np.inf)
    passing = np.full(len(X), np.inf) if passing is None else passing.copy()
    for eps in eps_grid:
        todo = np.flatnonzero(passing > eps)
        if todo.size == 0:
            break
        X_adv = adaptive_pgd(classifier, detector, X[todo], targets[todo], eps, density_weight,
                             n_steps)
        fooled = classifier.predict(X_adv) == targets[todo]
        fooling[todo[fooled & np.isinf(fooling[todo])]] = eps
        passing[todo[fooled & detector.accepts(X_adv)]] = eps
    return fooling, passing


def smallest_passing_eps(
    classifier: Any,
    detector: DensityGatedClassifier,
    X: Any,
    targets: Any,
    eps_grid: Any,
    density_weight: float = 1.0,
    n_steps: int = 20,
) -> pd.DataFrame:
    """For every row, the smallest ``eps`` of a grid at which each of three attacks succeeds.

    The columns (:data:`PASSING_ATTACKS`): ``"classifier alone, PGD"``, plain targeted PGD
    (:func:`adaptive_pgd` with ``density_weight=0``) succeeds once ``classifier`` predicts the
    row's target; ``"with detector, PGD"``, the same attack, once the detector also accepts the
    image; ``"with detector, adaptive PGD"``, the attacker's best of that plain attack and
    :func:`adaptive_pgd` with ``density_weight`` under the same test (the adaptive attack only
    runs where the plain one has not passed yet). The first two share their PGD runs.

    Parameters
    ----------
    classifier, X, targets, density_weight, n_steps
        See :func:`adaptive_pgd`.
    detector : DensityGatedClassifier
        Fitted; its ``accepts`` is the detector.
    eps_grid : array-like of shape (n_eps,)
        Increasing radii > 0.
    density_weight : float, default 1
        ``lambda`` of the adaptive attack, > 0.

    Returns
    -------
    DataFrame of shape (n_samples, 3)
        One row per row of ``X``; ``np.inf`` where no radius of the grid succeeds.

    Raises
    ------
    TypeError
        If ``detector`` is not a :class:`DensityGatedClassifier`.
    ValueError
        If ``eps_grid`` is not an increasing 1-D array of radii > 0, ``density_weight <= 0``,
        or as :func:`adaptive_pgd`.
    """
    eps_grid = check_numeric(eps_grid, "eps_grid")
    if eps_grid.ndim != 1 or eps_grid.size == 0 or np.any(eps_grid <= 0) or np.any(np.diff(eps_grid) <= 0):
        raise ValueError(f"eps_grid must be a non-empty increasing 1-D array of radii > 0; got {eps_grid!r}.")
    _check_detector(detector)
    if not check_nonnegative(density_weight, "density_weight") > 0:
        raise ValueError(
            f"density_weight must be a finite number > 0 (0 is the plain attack, already in the "
            f"table); got {density_weight!r}."
        )
    check_fitted(classifier, "classifier")
    X = check_features(X, n_features=int(classifier.n_features_in_))
    targets = _check_targets(classifier, targets, len(X))
    alone, plain = _first_success(classifier, detector, X, targets, eps_grid, 0.0, n_steps)
    adaptive_eps = _first_success(classifier, detector, X, targets, eps_grid, density_weight,
                                  n_steps, passing=plain)[1]
    return pd.DataFrame(dict(zip(PASSING_ATTACKS, [alone, plain, adaptive_eps])))

"""The confidence ceiling of a network with bounded activations (tanh, logistic), and images
that reach it. See :mod:`helpers.network.layers` for the layer numbering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.optimize import lsq_linear, minimize
from scipy.special import expit, logsumexp, softmax
from sklearn.neural_network import MLPClassifier

from helpers.network.layers import BOUNDED_ACTIVATIONS, affine_head, check_network


def _check_bounded_network(model: MLPClassifier) -> tuple[float, float]:
    check_network(model)
    if model.activation not in BOUNDED_ACTIVATIONS:
        raise ValueError(
            f"activation={model.activation!r} is not bounded, so the network's confidence has "
            f"no ceiling; this needs one of {sorted(BOUNDED_ACTIVATIONS)}. For an identity "
            "network use far_point_per_class and invert_to_input."
        )
    return BOUNDED_ACTIVATIONS[model.activation][0]


@dataclass(frozen=True)
class ConfidenceCeiling:
    """The highest probability of each class a network with a bounded last hidden layer can give.

    Attributes
    ----------
    classes : ndarray of shape (n_classes,)
    ceiling : ndarray of shape (n_classes,)
        Supremum of each class's probability over the box the last hidden layer lives in
        (``[-1, 1]`` per unit for tanh, ``[0, 1]`` for logistic): the network can approach it,
        never exceed it, whatever the input.
    hidden : ndarray of shape (n_classes, n_units)
        Where in the box each ceiling is attained (often a corner).
    bounds : (float, float)
        The box's limits per unit.
    """

    classes: np.ndarray
    ceiling: np.ndarray
    hidden: np.ndarray
    bounds: tuple[float, float]


def confidence_ceiling(model: MLPClassifier) -> ConfidenceCeiling:
    """Highest probability per class that a tanh (or logistic) network can reach, computed exactly.

    The output is ``softmax(h @ W.T + b)`` of the last hidden layer ``h``, which stays inside a
    box. Class ``k``'s probability is ``1 / (1 + sum_j exp(s_j - s_k))``; maximising it means
    minimising ``log sum_j exp(s_j - s_k)``, a convex function of ``h`` (log-sum-exp of affine
    maps). A convex function has no local minima besides the global one, so a bounded
    quasi-Newton search (L-BFGS-B) over the box finds it; the box's corners are tried as
    starting points too. The maximum is often at a corner, but need not be.

    Parameters
    ----------
    model : MLPClassifier
        Fitted with ``activation="tanh"`` or ``"logistic"``.

    Returns
    -------
    ConfidenceCeiling
    """
    low, high = _check_bounded_network(model)
    W, b = affine_head(model, model.n_layers_ - 2)
    n_classes, n_units = W.shape
    corners = np.array(np.meshgrid(*[[low, high]] * n_units)).reshape(n_units, -1).T
    ceiling = np.empty(n_classes)
    hidden = np.empty((n_classes, n_units))
    for k in range(n_classes):
        others = np.arange(n_classes) != k
        G, c = W[others] - W[k], b[others] - b[k]  # s_j - s_k = h @ G.T + c

        def log_odds_against(h: np.ndarray) -> tuple[float, np.ndarray]:
            z = G @ h + c
            return float(logsumexp(z)), softmax(z) @ G

        start = corners[np.argmin(logsumexp(corners @ G.T + c, axis=1))]
        result = minimize(log_odds_against, start, jac=True, method="L-BFGS-B",
                          bounds=[(low, high)] * n_units, options={"ftol": 1e-15, "gtol": 1e-12})
        hidden[k] = result.x
        ceiling[k] = expit(-result.fun)
    return ConfidenceCeiling(np.asarray(model.classes_), ceiling, hidden, (low, high))


def tanh_fools(
    model: MLPClassifier,
    target_classes: Sequence[Any] | None = None,
    slack: float = 1e-3,
) -> np.ndarray:
    """Inputs that bring a tanh (or logistic) network close to its confidence ceiling per class.

    The target of the last hidden layer is the point of the box where the class's ceiling is
    attained (:func:`confidence_ceiling`), pulled inside the open box by ``slack`` (the bounds
    themselves are never reached). Then, layer by layer back to the input: invert the
    activation (``arctanh``), and find the previous layer's activations inside the box (shrunk
    by ``slack``) whose affine map comes closest to these pre-activations — a bounded linear
    least-squares problem (``scipy.optimize.lsq_linear``). The first weight matrix maps many
    pixels to few units, so its minimum-norm pseudo-inverse solution is exact.

    Parameters
    ----------
    model : MLPClassifier
        Fitted with ``activation="tanh"`` or ``"logistic"``.
    target_classes : sequence of class labels, optional
        The classes to fool the network into; all of ``model.classes_`` by default.
    slack : float, default 1e-3
        Fraction of the half-width of the box kept free at each bound, in (0, 0.5).

    Returns
    -------
    X : ndarray of shape (n_targets, n_features)
        One input per target class, unbounded (pixels are not clipped to [0, 1]). Check the
        probabilities they reach with ``model.predict_proba``.
    """
    low, high = _check_bounded_network(model)
    if not 0 < slack < 0.5:
        raise ValueError(f"slack must lie strictly between 0 and 0.5; got {slack!r}.")
    classes = list(model.classes_)
    targets = classes if target_classes is None else list(target_classes)
    unknown = [t for t in targets if t not in classes]
    if unknown or not targets:
        raise ValueError(
            f"target_classes must be a non-empty selection of the network's classes {classes}; "
            f"got {targets}."
        )
    ceiling = confidence_ceiling(model)
    inverse = BOUNDED_ACTIVATIONS[model.activation][1]
    middle, margin = (low + high) / 2, slack * (high - low) / 2
    inner = (low + margin, high - margin)
    H = np.array([ceiling.hidden[classes.index(t)] for t in targets])
    H = middle + (1 - slack) * (H - middle)
    for k in range(model.n_layers_ - 3, 0, -1):
        Z = inverse(H) - model.intercepts_[k]
        H = np.array(
            [lsq_linear(model.coefs_[k].T, z, bounds=inner, method="bvls").x for z in Z]
        )
    return (inverse(H) - model.intercepts_[0]) @ np.linalg.pinv(model.coefs_[0])

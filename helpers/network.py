"""Inside a fitted ``MLPClassifier``: activations layer by layer.

Layer numbering, used by every helper of the series: layer ``k`` is the activation after ``k``
weight matrices. Layer 0 is the input, layer ``model.n_layers_ - 1`` the output (the class
probabilities), so the 2-unit bottleneck of ``hidden_layer_sizes=(50, 20, 2)`` is layer 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Sequence

import numpy as np
from scipy.optimize import lsq_linear, minimize
from scipy.special import expit, logit, logsumexp, softmax
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_fitted
from helpers.grids import dominant_direction

#: The hidden activations scikit-learn's ``MLPClassifier`` offers, as numpy functions.
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
}

#: Derivative of each activation, written in terms of its output ``a = activation(z)``
#: (relu's derivative at exactly 0 is 0, as in scikit-learn's back-propagation).
ACTIVATION_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": np.ones_like,
    "logistic": lambda a: a * (1.0 - a),
    "tanh": lambda a: 1.0 - a**2,
    "relu": lambda a: (a > 0).astype(float),
}

#: Hidden activations whose values stay inside an open interval: (low, high) and the inverse map.
BOUNDED_ACTIVATIONS: dict[str, tuple[tuple[float, float], Callable[[np.ndarray], np.ndarray]]] = {
    "tanh": ((-1.0, 1.0), np.arctanh),
    "logistic": ((0.0, 1.0), logit),
}


def check_network(model: MLPClassifier, name: str = "model") -> MLPClassifier:
    """Check that ``model`` is a fitted ``MLPClassifier`` with a known activation.

    Raises
    ------
    TypeError
        If ``model`` is not an ``MLPClassifier``.
    NotFittedError
        If it has not been fitted.
    ValueError
        If its activation is not one of :data:`ACTIVATIONS`.
    """
    if not isinstance(model, MLPClassifier):
        raise TypeError(
            f"{name} must be a fitted sklearn.neural_network.MLPClassifier; "
            f"got {type(model).__name__}."
        )
    check_fitted(model, name)
    if model.activation not in ACTIVATIONS:
        raise ValueError(
            f"{name} uses activation={model.activation!r}, which is not supported; "
            f"use one of {sorted(ACTIVATIONS)}."
        )
    return model


def check_layer(model: MLPClassifier, layer: int, name: str = "layer") -> int:
    """Return ``layer`` as an int after checking it is between 0 and ``model.n_layers_ - 1``."""
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise TypeError(f"{name} must be an integer; got {layer!r}.")
    last = model.n_layers_ - 1
    if not 0 <= layer <= last:
        raise ValueError(
            f"{name}={layer} does not exist: this network has layers 0 (input) to {last} (output)."
        )
    return int(layer)


def layer_sizes(model: MLPClassifier) -> list[int]:
    """Number of units of every layer, input first, of a fitted ``MLPClassifier``.

    Returns
    -------
    list of int of length ``model.n_layers_``
    """
    check_network(model)
    return [model.coefs_[0].shape[0]] + [w.shape[1] for w in model.coefs_]


def pre_activation(model: MLPClassifier, X: np.ndarray, layer: int) -> np.ndarray:
    """Weighted input of layer ``layer`` (before its activation): ``h_{k-1} W_k + b_k``.

    Parameters
    ----------
    model : MLPClassifier
        Fitted.
    X : array-like of shape (n_samples, n_features)
        Inputs (layer 0).
    layer : int
        A layer from 1 to ``model.n_layers_ - 1``.

    Returns
    -------
    ndarray of shape (n_samples, n_units_of_layer)
    """
    check_network(model)
    layer = check_layer(model, layer)
    if layer == 0:
        raise ValueError("layer=0 is the input and has no pre-activation; use a layer >= 1.")
    before = propagate(model, X, layer - 1)
    return before @ model.coefs_[layer - 1] + model.intercepts_[layer - 1]


def propagate(model: MLPClassifier, X: np.ndarray, layer: int) -> np.ndarray:
    """Activations of layer ``layer`` of a fitted ``MLPClassifier`` for the inputs ``X``.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, with any hidden activation scikit-learn offers (identity, logistic, tanh, relu).
    X : array-like of shape (n_samples, n_features)
        Inputs (layer 0).
    layer : int
        0 returns ``X``; ``1 .. model.n_layers_ - 2`` the hidden layers; ``model.n_layers_ - 1``
        the class probabilities, exactly as ``model.predict_proba`` returns them.

    Returns
    -------
    ndarray of shape (n_samples, n_units_of_layer)
        For the output layer of a two-class network, the two columns of ``predict_proba``.
    """
    check_network(model)
    return propagate_between(model, X, 0, check_layer(model, layer))


def propagate_between(model: MLPClassifier, H: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Activations of layer ``stop`` given the activations ``H`` of an earlier layer ``start``.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, with any hidden activation scikit-learn offers.
    H : array-like of shape (n_samples, n_units_of_start)
        Activations of layer ``start`` (any values: points the data never reach are allowed).
    start, stop : int
        Layers with ``0 <= start <= stop <= model.n_layers_ - 1``; ``start == stop`` returns ``H``.

    Returns
    -------
    ndarray of shape (n_samples, n_units_of_stop)
    """
    check_network(model)
    start = check_layer(model, start, "start")
    stop = check_layer(model, stop, "stop")
    if start > stop:
        raise ValueError(
            f"start={start} comes after stop={stop}; propagation runs forward, so pass "
            "start <= stop (use invert_to_input to go backwards)."
        )
    H = check_features(H, layer_sizes(model)[start], name="H")
    hidden = ACTIVATIONS[model.activation]
    output = model.n_layers_ - 1
    for k in range(start, stop):
        Z = H @ model.coefs_[k] + model.intercepts_[k]
        if k + 1 < output:
            H = hidden(Z)
        elif model.out_activation_ == "softmax":
            H = softmax(Z, axis=1)
        elif model.out_activation_ == "logistic" and Z.shape[1] == 1:
            p = expit(Z)
            H = np.hstack([1.0 - p, p])
        else:
            raise ValueError(
                f"Output activation {model.out_activation_!r} with {Z.shape[1]} units is not "
                "supported (multi-label networks are not); fit a single-label classifier."
            )
    return H


def head_from_layer(model: MLPClassifier, layer: int) -> Callable[[np.ndarray], np.ndarray]:
    """The rest of the network seen from a hidden layer: a callable from activations to probabilities.

    Useful with :func:`helpers.grids.probability_grid` to draw the class regions of a 2-unit
    hidden layer, far beyond the points the data reach.

    Parameters
    ----------
    model : MLPClassifier
        Fitted.
    layer : int
        A layer from 0 to ``model.n_layers_ - 2``.

    Returns
    -------
    callable
        Maps ``H`` of shape ``(n_points, n_units_of_layer)`` to class probabilities of shape
        ``(n_points, n_classes)``.
    """
    check_network(model)
    layer = check_layer(model, layer)
    output = model.n_layers_ - 1
    if layer == output:
        raise ValueError(
            f"layer={layer} is the output layer, which has no head after it; use a layer "
            f"from 0 to {output - 1}."
        )
    return partial(propagate_between, model, start=layer, stop=output)


def affine_head(model: MLPClassifier, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """Class scores as an affine map of a hidden layer: probabilities are ``softmax(H @ W.T + b)``.

    This holds for the last hidden layer of any network, and for any layer of an identity
    network (every map after it is affine). The convention is that of
    :func:`helpers.grids.linear_scores`: for a two-class network the scores are ``[0, z]``.

    Parameters
    ----------
    model : MLPClassifier
        Fitted.
    layer : int
        A layer from 0 to ``model.n_layers_ - 2``; a layer before the last hidden one needs
        ``activation="identity"``.

    Returns
    -------
    W : ndarray of shape (n_classes, n_units_of_layer)
    b : ndarray of shape (n_classes,)
    """
    head_from_layer(model, layer)  # checks the model and the layer
    last_hidden = model.n_layers_ - 2
    if layer < last_hidden and model.activation != "identity":
        raise ValueError(
            f"with activation={model.activation!r} the output is an affine map (then softmax) of "
            f"the last hidden layer only; use layer={last_hidden}, or an identity network."
        )
    W = np.eye(layer_sizes(model)[layer])
    b = np.zeros(W.shape[0])
    for k in range(layer, model.n_layers_ - 1):
        W, b = W @ model.coefs_[k], b @ model.coefs_[k] + model.intercepts_[k]
    if W.shape[1] == 1:  # binary network: one logit, the score of the second class
        W, b = np.hstack([np.zeros_like(W), W]), np.concatenate([[0.0], b])
    return W.T, b


def _check_identity_network(model: MLPClassifier, task: str) -> None:
    if model.activation != "identity":
        raise ValueError(
            f"{task} needs an identity network; this one uses activation={model.activation!r}. "
            "tanh, logistic and relu layers cannot be inverted through the pseudo-inverse (their "
            "values are bounded or clipped); for tanh or logistic networks use "
            "confidence_ceiling and tanh_fools instead."
        )


def invert_to_input(model: MLPClassifier, H: np.ndarray, layer: int) -> np.ndarray:
    """Inputs that an identity network maps exactly to the hidden activations ``H``.

    Each layer ``h = x @ W + b`` maps more units to fewer, so it has no inverse; the
    Moore–Penrose pseudo-inverse gives, layer by layer from ``layer`` back to the pixels, the
    minimum-norm solution ``x = (h - b) @ pinv(W)``. When every weight matrix has full column
    rank (as trained networks that narrow do), ``propagate(model, X, layer)`` returns ``H``.

    Parameters
    ----------
    model : MLPClassifier
        Fitted with ``activation="identity"``.
    H : array-like of shape (n_samples, n_units_of_layer)
        Activations of hidden layer ``layer``, anywhere (far from the data too).
    layer : int
        A hidden layer, from 1 to ``model.n_layers_ - 2``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        No bounds are imposed: pixels may fall far outside the data's range.

    Raises
    ------
    ValueError
        A network that is not identity, the input or output layer, or ``H`` of the wrong shape.
    """
    check_network(model)
    layer = check_layer(model, layer)
    _check_identity_network(model, "invert_to_input")
    output = model.n_layers_ - 1
    if layer == 0:
        raise ValueError("layer=0 is the input itself: there is nothing to invert.")
    if layer == output:
        raise ValueError(
            f"layer={layer} is the output (softmax probabilities); invert a hidden layer, from "
            f"1 to {output - 1} (e.g. points of the last hidden layer, layer {output - 1})."
        )
    X = check_features(H, layer_sizes(model)[layer], name="H")
    for k in range(layer - 1, -1, -1):
        X = (X - model.intercepts_[k]) @ np.linalg.pinv(model.coefs_[k])
    return X


@dataclass(frozen=True)
class FarPoints:
    """One point per class in a hidden layer, far from the data, where the class is certain.

    Attributes
    ----------
    classes : ndarray of shape (n_classes,)
        The network's classes, in the order of the rows below.
    points : ndarray of shape (n_classes, n_units)
        ``centre + distances[:, None] * directions``.
    directions : ndarray of shape (n_classes, n_units)
        Unit directions along which each class's probability rises fastest
        (:func:`helpers.grids.dominant_direction` of the head's scores).
    distances : ndarray of shape (n_classes,)
        How far each point lies from ``centre``.
    centre : ndarray of shape (n_units,)
        Mean of the data's activations.
    spread : float
        Root-mean-square distance of the data's activations from ``centre``.
    """

    classes: np.ndarray
    points: np.ndarray
    directions: np.ndarray
    distances: np.ndarray
    centre: np.ndarray
    spread: float


def far_point_per_class(
    model: MLPClassifier,
    H_data: np.ndarray,
    layer: int | None = None,
    distance_factor: float = 5.0,
    min_probability: float = 0.999,
) -> FarPoints:
    """For each class, a hidden point far beyond the data where the network is sure of that class.

    The output is a softmax of an affine map of the layer (:func:`affine_head`), so along the
    direction where a class's score outgrows every other score fastest, its probability tends
    to 1. Each point is placed along that direction from the data's centre, at
    ``distance_factor`` times the data's spread, or further if needed to reach
    ``min_probability`` (a distance computed in closed form, not searched).

    Parameters
    ----------
    model : MLPClassifier
        Fitted; with ``activation="identity"`` unless ``layer`` is 0 (the input).
    H_data : array-like of shape (n_samples, n_units)
        Activations of the data at ``layer`` (``propagate(model, X, layer)``).
    layer : int, optional
        The hidden layer; the last hidden layer (``model.n_layers_ - 2``) by default.
    distance_factor : float, default 5.0
        Distance from the centre, in units of the data's spread (positive).
    min_probability : float, default 0.999
        The probability each point's class reaches at least, in (0, 1).

    Returns
    -------
    FarPoints

    Raises
    ------
    ValueError
        A hidden layer that is not identity (tanh, logistic, relu: far points in every
        direction do not exist there), a bad factor or probability, or ``H_data`` of the wrong
        shape; a class that can never dominate.
    """
    check_network(model)
    layer = model.n_layers_ - 2 if layer is None else check_layer(model, layer)
    W, b = affine_head(model, layer)
    if layer > 0 and model.activation in BOUNDED_ACTIVATIONS:
        (low, high), _ = BOUNDED_ACTIVATIONS[model.activation]
        raise ValueError(
            f"activation={model.activation!r} keeps layer {layer} inside ({low:g}, {high:g}) per "
            "unit: points far from the data do not exist there. Use confidence_ceiling for the "
            "highest probability such a network can give, and tanh_fools to reach it."
        )
    if layer > 0 and model.activation != "identity":
        raise ValueError(
            f"activation={model.activation!r} keeps layer {layer} at or above 0 per unit: far "
            "points in most directions do not exist there, and the layers cannot be inverted. "
            "Use an identity network (activation='identity')."
        )
    if not distance_factor > 0:
        raise ValueError(f"distance_factor must be positive; got {distance_factor!r}.")
    if not 0 < min_probability < 1:
        raise ValueError(
            f"min_probability must lie strictly between 0 and 1; got {min_probability!r}."
        )
    H_data = check_features(H_data, W.shape[1], name="H_data")
    centre = H_data.mean(axis=0)
    spread = float(np.sqrt(np.mean(np.sum((H_data - centre) ** 2, axis=1))))
    n_classes = len(model.classes_)
    # P(class) >= p holds when every other class's score trails by log((n_classes - 1) p / (1 - p)).
    needed_margin = np.log((n_classes - 1) * min_probability / (1.0 - min_probability))
    scores = centre @ W.T + b
    directions = np.empty((n_classes, W.shape[1]))
    distances = np.empty(n_classes)
    for k, label in enumerate(model.classes_):
        directions[k] = dominant_direction(W, k, label)
        others = np.arange(n_classes) != k
        growth = (W[k] - W[others]) @ directions[k]  # all > 0
        margin = scores[k] - scores[others]
        distances[k] = max(distance_factor * spread, float(np.max((needed_margin - margin) / growth)))
    points = centre + distances[:, np.newaxis] * directions
    return FarPoints(np.asarray(model.classes_), points, directions, distances, centre, spread)


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

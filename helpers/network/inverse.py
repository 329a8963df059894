"""Inputs an identity network is sure of: hidden points far from the data, inverted to pixels.

An identity network is affine from input to logits, so a point of its bottleneck far along a
class's most confident direction is certain, and the pseudo-inverse gives the smallest image that
reaches it (:func:`invert_to_input`). Inside the pixel box, linear programming finds an image
that reaches a hidden point, or proves that none does (:func:`invert_into_box`). See
:mod:`helpers.network.layers` for the layer numbering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_range
from helpers.grids import dominant_direction
from helpers.network.layers import (
    BOUNDED_ACTIVATIONS,
    affine_head,
    check_hidden_layer,
    check_layer,
    check_network,
    layer_sizes,
)


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


def affine_map_to_layer(model: MLPClassifier, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """The affine map from the input to a hidden layer of an identity network.

    Parameters
    ----------
    model : MLPClassifier
        Fitted with ``activation="identity"``.
    layer : int
        A hidden layer, from 1 to ``model.n_layers_ - 2``.

    Returns
    -------
    A : ndarray of shape (n_features, n_units)
    c : ndarray of shape (n_units,)
        ``propagate(model, X, layer) == X @ A + c`` for every input ``X``.
    """
    check_network(model)
    _check_identity_network(model, "affine_map_to_layer")
    layer = check_hidden_layer(model, layer)
    A, c = model.coefs_[0].copy(), model.intercepts_[0].copy()
    for k in range(1, layer):
        A, c = A @ model.coefs_[k], c @ model.coefs_[k] + model.intercepts_[k]
    return A, c


def invert_into_box(
    model: MLPClassifier, H: np.ndarray, layer: int, box: tuple[float, float] = (0.0, 1.0)
) -> np.ndarray:
    """For every row of ``H``, an input inside ``box`` that an identity network maps exactly to it.

    Of all such inputs, the one with the least ink (the smallest sum of its values), found by
    linear programming (HiGHS, ``scipy.optimize.linprog``); a row that no input in the box
    reaches is proven unreachable and gets NaN.

    Parameters
    ----------
    model : MLPClassifier
        Fitted with ``activation="identity"``.
    H : array-like of shape (n_points, n_units_of_layer)
    layer : int
        A hidden layer, from 1 to ``model.n_layers_ - 2``.
    box : (low, high), default (0, 1)
        The bounds of every input feature (the pixel box).

    Returns
    -------
    ndarray of shape (n_points, n_features)
        NaN rows where no input in ``box`` reaches the row of ``H``.

    Raises
    ------
    ValueError
        A network that is not identity, a layer that is not hidden, ``H`` of the wrong shape, or
        a bad box.
    RuntimeError
        If the solver stops for another reason than a solution or a proof of infeasibility.
    """
    A, c = affine_map_to_layer(model, layer)
    H = check_features(H, A.shape[1], name="H")
    low, high = check_range(box, "box")
    X = np.full((len(H), A.shape[0]), np.nan)
    for row, h in enumerate(H):
        result = linprog(np.ones(A.shape[0]), A_eq=A.T, b_eq=h - c, bounds=(low, high),
                         method="highs")
        if result.status == 0:
            X[row] = np.clip(result.x, low, high)
        elif result.status != 2:  # 2: infeasible, the row stays NaN
            raise RuntimeError(f"linprog stopped on row {row} without an answer: {result.message}")
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

"""Inside a fitted ``MLPClassifier``: activations layer by layer.

Layer numbering, used by every helper of the series: layer ``k`` is the activation after ``k``
weight matrices. Layer 0 is the input, layer ``model.n_layers_ - 1`` the output (the class
probabilities), so the 2-unit bottleneck of ``hidden_layer_sizes=(50, 20, 2)`` is layer 3.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import expit, softmax
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_fitted

#: The hidden activations scikit-learn's ``MLPClassifier`` offers, as numpy functions.
ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
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
    layer = check_layer(model, layer)
    H = check_features(X, model.n_features_in_)
    hidden = ACTIVATIONS[model.activation]
    output = model.n_layers_ - 1
    for k in range(layer):
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

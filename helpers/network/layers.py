"""Inside a fitted ``MLPClassifier``: activations layer by layer, from the one forward pass.

Layer numbering, used by every helper of the series: layer ``k`` is the activation after ``k``
weight matrices. Layer 0 is the input, layer ``model.n_layers_ - 1`` the output (the class
probabilities), so the 2-unit bottleneck of ``hidden_layer_sizes=(50, 20, 2)`` is layer 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
from scipy.special import expit, logit, softmax
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_fitted

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


def check_hidden_layer(model: MLPClassifier, layer: int, name: str = "layer") -> int:
    """Return ``layer`` as an int after checking it is a hidden layer, 1 to ``n_layers_ - 2``."""
    layer = check_layer(model, layer, name)
    if not 0 < layer < model.n_layers_ - 1:
        raise ValueError(
            f"{name}={layer} is not a hidden layer; use one from 1 to {model.n_layers_ - 2} "
            f"(e.g. the last hidden layer, {model.n_layers_ - 2})."
        )
    return layer


def layer_sizes(model: MLPClassifier) -> list[int]:
    """Number of units of every layer, input first, of a fitted ``MLPClassifier``.

    Returns
    -------
    list of int of length ``model.n_layers_``
    """
    check_network(model)
    return [model.coefs_[0].shape[0]] + [w.shape[1] for w in model.coefs_]


@dataclass(frozen=True)
class ForwardPass:
    """Every layer of one pass through a fitted ``MLPClassifier``, from layer ``start`` on.

    Attributes
    ----------
    start : int
        The layer the pass started from.
    activations : list of ndarray, each of shape (n_samples, n_units_of_layer)
        Activations of layers ``start``, ``start + 1``, ..., ``stop`` (the first is the input
        ``H``; the output layer's are the class probabilities, as ``predict_proba`` returns them).
    pre_activations : list of ndarray, each of shape (n_samples, n_units_of_layer)
        Weighted inputs ``h_{k-1} W_k + b_k`` of layers ``start + 1``, ..., ``stop``, before the
        activation (the output layer's are the network's logits: one column for two classes).
    """

    start: int
    activations: list[np.ndarray]
    pre_activations: list[np.ndarray]


def forward_pass(
    model: MLPClassifier, H: np.ndarray, start: int = 0, stop: int | None = None
) -> ForwardPass:
    """Run ``H``, the activations of layer ``start``, forward to layer ``stop``, keeping every layer.

    The one forward pass of the package: :func:`propagate`, :func:`_pre_activation` and the input
    gradients of :mod:`helpers.gradients` all read it.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, with any hidden activation scikit-learn offers (identity, logistic, tanh, relu).
    H : array-like of shape (n_samples, n_units_of_start)
        Activations of layer ``start`` (any values: points the data never reach are allowed).
    start, stop : int
        Layers with ``0 <= start <= stop <= model.n_layers_ - 1``; ``stop`` defaults to the
        output layer.

    Returns
    -------
    ForwardPass
    """
    check_network(model)
    start = check_layer(model, start, "start")
    output = model.n_layers_ - 1
    stop = output if stop is None else check_layer(model, stop, "stop")
    if start > stop:
        raise ValueError(
            f"start={start} comes after stop={stop}; propagation runs forward, so pass "
            "start <= stop (use invert_to_input to go backwards)."
        )
    name = "X" if start == 0 else "H"
    H = check_features(H, layer_sizes(model)[start], name=name)
    hidden = ACTIVATIONS[model.activation]
    activations, pre_activations = [H], []
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
        pre_activations.append(Z)
        activations.append(H)
    return ForwardPass(start=start, activations=activations, pre_activations=pre_activations)


def _logit_bounds(
    model: MLPClassifier, low: np.ndarray, high: np.ndarray, start: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on the logits of every input whose layer-``start`` activations lie in a box.

    Interval bound propagation (Gowal et al., 2018): a box's image under ``h W + b`` lies in
    the box of centre ``c W + b`` and half-width ``r |W|`` (``c``, ``r`` the centre and half-width
    of the box), and every activation scikit-learn offers is non-decreasing, so it maps a box to
    the box of its ends. The bounds are sound (every point of the box has its logits inside
    them) but not tight; they prove that a whole box keeps its prediction where the lower bound
    of the predicted logit exceeds the upper bounds of all others.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, any hidden activation.
    low, high : ndarray of shape (n_boxes, n_units_of_start)
        Corners of each box, ``low <= high``.
    start : int, default 0
        The layer the boxes live in, from 0 to ``model.n_layers_ - 2``.

    Returns
    -------
    lower, upper : ndarray of shape (n_boxes, n_output_units)
        Bounds on the output layer's pre-activations (the logits; one column for two classes).

    Raises
    ------
    ValueError
        If ``start`` is the output layer, ``low`` or ``high`` is not a finite array of the
        layer's width, they differ in shape, or a lower corner lies above its upper corner.
    """
    check_network(model)
    start = check_layer(model, start, "start")
    output = model.n_layers_ - 1
    if start == output:
        raise ValueError(f"start={start} is the output layer; use a layer from 0 to {output - 1}.")
    hidden = ACTIVATIONS[model.activation]
    width = layer_sizes(model)[start]
    low = check_features(low, width, name="low")
    high = check_features(high, width, name="high")
    if low.shape != high.shape:
        raise ValueError(
            f"low and high must have the same shape, one row per box; got {low.shape} and "
            f"{high.shape}."
        )
    reversed_ = np.argwhere(low > high)
    if len(reversed_):
        box, unit = reversed_[0]
        raise ValueError(
            f"low lies above high in {len(reversed_)} place(s), e.g. box {box}, unit {unit}: "
            f"{low[box, unit]:.6g} > {high[box, unit]:.6g}; pass each box's lower corner as low "
            "and its upper corner as high (np.minimum and np.maximum of the two)."
        )
    for k in range(start, output):
        centre = (low + high) / 2 @ model.coefs_[k] + model.intercepts_[k]
        radius = (high - low) / 2 @ np.abs(model.coefs_[k])
        low, high = centre - radius, centre + radius
        if k + 1 < output:
            low, high = hidden(low), hidden(high)
    return low, high


def box_keeps_class(
    model: MLPClassifier, low: np.ndarray, high: np.ndarray, predicted: np.ndarray, start: int = 0
) -> np.ndarray:
    """Whether :func:`_logit_bounds` prove that every input of each box keeps its predicted class.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, any hidden activation.
    low, high : ndarray of shape (n_boxes, n_units_of_start)
        Corners of each box in layer ``start``.
    predicted : ndarray of shape (n_boxes,), dtype int
        Position in ``model.classes_`` of each box's class.
    start : int, default 0

    Returns
    -------
    ndarray of shape (n_boxes,), dtype bool
        True where the lower bound of the class's logit beats the upper bound of every other by
        more than rounding (1e-9); False proves nothing.

    Raises
    ------
    ValueError
        As :func:`_logit_bounds`, or if ``predicted`` is not one position in ``model.classes_``
        per box.
    """
    lower, upper = _logit_bounds(model, low, high, start)
    predicted = np.asarray(predicted)
    n_classes = len(model.classes_)
    if predicted.shape != (len(lower),):
        raise ValueError(
            f"predicted must hold one class position per box, shape ({len(lower)},); got shape "
            f"{predicted.shape}."
        )
    if predicted.dtype.kind not in "iu" or predicted.min() < 0 or predicted.max() >= n_classes:
        raise ValueError(
            f"predicted must hold positions in model.classes_, whole numbers from 0 to "
            f"{n_classes - 1} (e.g. model.predict_proba(X).argmax(axis=1)), not labels; got "
            f"values from {predicted.min()!r} to {predicted.max()!r}."
        )
    if lower.shape[1] == 1:  # two classes: one logit z, the second class exactly where z > 0
        return np.where(predicted == 1, lower[:, 0] > 1e-9, upper[:, 0] < -1e-9)
    rows = np.arange(len(lower))
    rivals = upper.copy()
    rivals[rows, predicted] = -np.inf
    return lower[rows, predicted] - rivals.max(axis=1) > 1e-9


def _pre_activation(model: MLPClassifier, X: np.ndarray, layer: int) -> np.ndarray:
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
    return forward_pass(model, X, 0, layer).pre_activations[-1]


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


def last_hidden_layer_off(model: MLPClassifier, X: np.ndarray) -> np.ndarray:
    """Which rows switch every unit of the last hidden layer off (all its activations 0).

    For a ReLU network such a row's logits are the output biases alone, the same for every input
    nearby, so its input gradient is exactly zero (notebook 07).

    Parameters
    ----------
    model : MLPClassifier
        Fitted; only ReLU units are ever exactly 0.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples,), dtype bool
    """
    return np.all(propagate(model, X, model.n_layers_ - 2) == 0, axis=1)


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
    return forward_pass(model, H, start, stop).activations[-1]


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
    :func:`helpers.linear.linear_scores`: for a two-class network the scores are ``[0, z]``.

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


def collapse_identity_network(model: MLPClassifier) -> LogisticRegression:
    """The logistic regression that computes exactly what an identity network computes.

    With identity activations every layer is affine, so the class scores are
    ``X @ W.T + b`` with ``W`` the product of the weight matrices and ``b`` the intercepts
    propagated through the later layers (:func:`affine_head` from layer 0). The
    returned ``LogisticRegression`` carries that ``W`` and ``b`` as ``coef_`` and
    ``intercept_``: its ``predict_proba`` is the network's (softmax of the scores; for two
    classes the logistic of the one score), and the exact answers of :mod:`helpers.attacks` for
    linear models (``minimal_perturbation_linear``, ``minimal_linf_perturbation_linear``,
    ``minimal_perturbation_linear_in_box``, ``one_pixel_flips_linear``) hold for the network.

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

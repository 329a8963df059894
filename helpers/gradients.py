"""Exact gradients of scikit-learn classifiers with respect to their input, for a whole batch.

Gradient attacks (FGSM, PGD, DeepFool, fool images) need the derivative of a model's outputs
with respect to the pixels. scikit-learn does not provide it, but for the two model families of
this series it is a few matrix products of the fitted weights:

- a linear classifier (``LogisticRegression``, and any other scikit-learn classifier whose
  decision function is ``X @ coef_.T + intercept_``) has a constant Jacobian;
- an ``MLPClassifier`` is differentiated by back-propagation through ``coefs_`` and
  ``intercepts_`` (activations ``identity``, ``logistic``, ``tanh`` and ``relu``).

What "logits" means
-------------------
The *logits* of a model are the scores ``s`` of shape ``(n_samples, n_classes)`` whose softmax
is ``predict_proba``. For more than two classes these are the decision function of a
``LogisticRegression`` and the pre-softmax output of an ``MLPClassifier``. For two classes
scikit-learn stores a single score ``z`` (one coefficient row, or one logistic output unit) with
``P(second class) = sigmoid(z)``; it is written here as the two columns ``(0, z)``, since
``softmax(0, z) = (1 - sigmoid(z), sigmoid(z))``. The same convention is used by
:func:`helpers.linear.linear_scores`, so the first column of a binary model's logit Jacobian is
zero.

For a linear classifier that is not a ``LogisticRegression`` (``LinearSVC``, ``SGDClassifier``
with the hinge loss) the logits are its decision scores and the "log-loss" of
:func:`input_gradient` is the cross-entropy of their softmax: a smooth surrogate whose gradient
points where the true class's score falls against the others.

Nothing here draws; see :mod:`helpers.plotting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_fitted, check_labels
from helpers.linear import check_linear_classifier, linear_scores
from helpers.network.layers import ACTIVATION_DERIVATIVES, forward_pass

#: Hidden-layer activations of ``MLPClassifier`` that :mod:`helpers.gradients` differentiates.
SUPPORTED_ACTIVATIONS: tuple[str, ...] = tuple(ACTIVATION_DERIVATIVES)


@dataclass(frozen=True)
class _ForwardPass:
    """What the backward pass needs from one forward pass.

    Attributes
    ----------
    logits : ndarray of shape (n_samples, n_classes)
    derivatives : list of ndarray of shape (n_samples, n_units)
        Derivative of each hidden layer's activation at its pre-activation, first hidden layer
        first (empty for a linear model).
    """

    logits: np.ndarray
    derivatives: list[np.ndarray]


def check_differentiable(model: Any) -> None:
    """Raise unless ``model`` is a fitted classifier whose input gradient is implemented here.

    Raises
    ------
    TypeError
        If the model is neither a linear scikit-learn classifier nor an ``MLPClassifier``.
    sklearn.exceptions.NotFittedError
        If it is not fitted.
    ValueError
        If it is a multi-label ``MLPClassifier``.
    """
    if isinstance(model, MLPClassifier):
        check_fitted(model)
        if model.activation not in SUPPORTED_ACTIVATIONS:  # pragma: no cover - sklearn's four
            raise ValueError(
                f"activation {model.activation!r} is not supported; use one of "
                f"{', '.join(SUPPORTED_ACTIVATIONS)}."
            )
        binary = model.out_activation_ == "logistic" and model.n_outputs_ == 1
        if not (model.out_activation_ == "softmax" or binary):
            raise ValueError(
                "model is a multi-label MLPClassifier (one logistic output per label); only "
                "binary and multiclass classifiers have logits whose softmax is predict_proba. "
                "Fit it on a 1-D y of class labels."
            )
        return
    try:
        check_linear_classifier(model)  # NotFittedError for an unfitted linear classifier
    except TypeError:
        raise TypeError(
            f"model must be a fitted LogisticRegression (or another linear scikit-learn "
            f"classifier) or an MLPClassifier; got {type(model).__name__}. Gradients of other "
            "models are not implemented."
        ) from None


def n_input_features(model: Any) -> int:
    """Number of input features of a fitted linear classifier or ``MLPClassifier``."""
    if isinstance(model, MLPClassifier):
        return int(model.coefs_[0].shape[0])
    return int(np.asarray(model.coef_).shape[1])


def _forward(model: Any, X: np.ndarray) -> _ForwardPass:
    """Logits of ``X`` and the activation derivatives the backward pass needs.

    A network's layers come from :func:`helpers.network.forward_pass`, the package's one
    forward pass; here they are only read.
    """
    if not isinstance(model, MLPClassifier):
        W, b = linear_scores(model)
        return _ForwardPass(logits=X @ W.T + b, derivatives=[])
    layers = forward_pass(model, X)
    derivative = ACTIVATION_DERIVATIVES[model.activation]
    derivatives = [derivative(a) for a in layers.activations[1:-1]]
    logits = layers.pre_activations[-1]
    if logits.shape[1] == 1:  # binary: one logistic unit z, written as the two logits (0, z)
        logits = np.column_stack([np.zeros(len(logits)), logits[:, 0]])
    return _ForwardPass(logits=logits, derivatives=derivatives)


def _backward(model: Any, forward: _ForwardPass, upstream: np.ndarray) -> np.ndarray:
    """Vector-Jacobian products: ``upstream @ d(logits)/d(input)`` for every sample.

    Parameters
    ----------
    upstream : ndarray of shape (n_samples, n_directions, n_classes)
        Row vectors to multiply into the logit Jacobian of each sample.

    Returns
    -------
    ndarray of shape (n_samples, n_directions, n_features)
    """
    if not isinstance(model, MLPClassifier):
        W, _ = linear_scores(model)
        return upstream @ W
    if model.n_outputs_ == 1:  # only the second logit, z, depends on the input
        upstream = upstream[..., 1:]
    coefs = [np.asarray(W, dtype=float) for W in model.coefs_]
    grad = upstream @ coefs[-1].T
    for W, derivative in zip(coefs[-2::-1], forward.derivatives[::-1]):
        grad = (grad * derivative[:, np.newaxis, :]) @ W.T
    return grad


def _check_input(model: Any, X: Any) -> np.ndarray:
    check_differentiable(model)
    return check_features(X, n_features=n_input_features(model))


def class_indices(model: Any, y: Any, n_samples: int, name: str = "y") -> np.ndarray:
    """Positions in ``model.classes_`` of the labels ``y``.

    Parameters
    ----------
    model : fitted classifier
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Class labels, each one of ``model.classes_``.
    n_samples : int
        The number of rows ``y`` must have.
    name : str, default "y"
        How the argument is called in the caller's signature, used in messages.

    Returns
    -------
    ndarray of shape (n_samples,), dtype int

    Raises
    ------
    ValueError
        If ``y`` has the wrong shape or holds a label the model does not know (see
        :func:`helpers._validation.check_labels`).
    """
    y = check_labels(model, y, n_samples, name)
    classes = np.asarray(model.classes_)
    order = np.argsort(classes)
    return order[np.searchsorted(classes, y, sorter=order)]


def logits(model: Any, X: Any) -> np.ndarray:
    """Scores whose softmax is ``model.predict_proba(X)`` (see the module's docstring).

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        For two classes the columns are ``(0, z)``.
    """
    X = _check_input(model, X)
    return _forward(model, X).logits


def logit_gradients(model: Any, X: Any) -> np.ndarray:
    """Jacobian of the logits with respect to the input, for every row of ``X``.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
        See the module's docstring for what the logits of a binary model are.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_classes, n_features)
        ``J[i, k, j]`` is the derivative of logit ``k`` of row ``i`` with respect to feature ``j``.

    Raises
    ------
    TypeError
        If the model is neither linear nor an ``MLPClassifier``.
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    ValueError
        If ``X`` has the wrong number of features or non-finite values.
    """
    X = _check_input(model, X)
    forward = _forward(model, X)
    n_classes = forward.logits.shape[1]
    identity = np.broadcast_to(np.eye(n_classes), (len(X), n_classes, n_classes))
    return _backward(model, forward, identity)


def loss_and_input_gradient(model: Any, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample log-loss and its gradient with respect to the input, from one forward pass.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels, among ``model.classes_``.

    Returns
    -------
    loss : ndarray of shape (n_samples,)
        ``-log softmax(logits)[y]``, i.e. ``-log predict_proba(X)[y]`` (no regularisation term:
        it does not depend on the input).
    gradient : ndarray of shape (n_samples, n_features)
    """
    X = _check_input(model, X)
    target = class_indices(model, y, len(X))
    forward = _forward(model, X)
    rows = np.arange(len(X))
    loss = -log_softmax(forward.logits, axis=1)[rows, target]
    upstream = softmax(forward.logits, axis=1)
    upstream[rows, target] -= 1.0  # d loss / d logits = p - onehot(y)
    gradient = _backward(model, forward, upstream[:, np.newaxis, :])[:, 0, :]
    return loss, gradient


def input_gradient(model: Any, X: Any, y: Any) -> np.ndarray:
    """Gradient of the log-loss ``-log P(y | x)`` with respect to each input row.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels, among ``model.classes_``.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        Moving ``X`` along it raises the loss fastest (FGSM steps along its sign).

    Raises
    ------
    TypeError
        If the model is neither linear nor an ``MLPClassifier``.
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    ValueError
        If ``X`` has the wrong number of features, or ``y`` the wrong shape or an unknown label.
    """
    return loss_and_input_gradient(model, X, y)[1]

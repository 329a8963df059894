"""Exact gradients of scikit-learn classifiers with respect to their input, for a whole batch.

Gradient attacks (FGSM, PGD, DeepFool, fool images) need the derivative of a model's outputs
with respect to the pixels. scikit-learn does not provide it, but for the two model families of
this series it is a few matrix products of the fitted weights:

- a linear classifier (``LogisticRegression``, and any other scikit-learn classifier whose
  decision function is ``X @ coef_.T + intercept_``) has a constant Jacobian;
- an ``MLPClassifier`` is differentiated by back-propagation through ``coefs_`` and
  ``intercepts_`` (activations ``identity``, ``logistic``, ``tanh`` and ``relu``).

Densities have closed-form input gradients too, which attacks made *for* a density-based remedy
need: the log-density of a ``GaussianMixture`` (:func:`gmm_log_density_gradient`) and of the
series' :class:`helpers.density.ClassConditionalDensity` (:func:`class_log_density_gradient`,
:func:`log_density_and_gradient`).

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
from scipy.special import log_softmax, logsumexp, softmax
from sklearn.mixture import GaussianMixture
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_fitted, check_labels
from helpers.density import ClassConditionalDensity
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
    n_samples, n_directions = upstream.shape[:2]
    # Every product below is with one weight matrix shared by all samples, so the samples and
    # directions are stacked into the rows of one 2-D matrix product: one BLAS call per layer
    # instead of one per sample (3-4 times faster on a batch of digits; the same numbers).
    if not isinstance(model, MLPClassifier):
        W, _ = linear_scores(model)
        rows = upstream.reshape(n_samples * n_directions, -1)
        return (rows @ W).reshape(n_samples, n_directions, -1)
    if model.n_outputs_ == 1:  # only the second logit, z, depends on the input
        upstream = upstream[..., 1:]
    coefs = [np.asarray(W, dtype=float) for W in model.coefs_]
    grad = upstream.reshape(n_samples * n_directions, -1) @ coefs[-1].T
    for W, derivative in zip(coefs[-2::-1], forward.derivatives[::-1]):
        grad = (grad.reshape(n_samples, n_directions, -1) * derivative[:, np.newaxis, :])
        grad = grad.reshape(n_samples * n_directions, -1) @ W.T
    return grad.reshape(n_samples, n_directions, -1)


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


def margin_and_surrogate_gradient(
    model: Any, X: Any, y: Any, target: Any, relu_slope: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """The logit margin ``logit_target - logit_y`` and its input gradient, for every row.

    With ``relu_slope > 0`` the backward pass of a ReLU network treats every unit that is off
    as if it had that slope (a leaky ReLU's derivative): a *surrogate* gradient. Where the
    true gradient is exactly zero — every path to the logits runs through units that are off,
    as at the origin of a 2-unit bottleneck — it still says which way to move the pixels so
    that those units turn on; the forward pass, and so the margin, stays the network's own.
    This is the idea of Athalye, Carlini and Wagner (ICML 2018) for attacking a model whose
    gradient is useless: differentiate a close approximation instead.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        The class to move away from (labels among ``model.classes_``).
    target : array-like of shape (n_samples,)
        The class to move towards, one per row, never equal to ``y``.
    relu_slope : float, default 0
        Derivative used for ReLU units that are off; 0 gives the exact gradient. Only
        ``activation="relu"`` networks accept a non-zero slope.

    Returns
    -------
    margin : ndarray of shape (n_samples,)
        ``logit_target - logit_y``: positive once ``X`` is classified as ``target`` (or as a
        third class above both).
    gradient : ndarray of shape (n_samples, n_features)

    Raises
    ------
    ValueError
        If ``target`` equals ``y`` in some row, ``relu_slope`` is negative or not a number, or a
        non-zero slope is asked of a model without ReLU units; as :func:`input_gradient`
        otherwise.
    """
    X = _check_input(model, X)
    source = class_indices(model, y, len(X))
    goal = class_indices(model, target, len(X), name="target")
    if np.any(source == goal):
        row = int(np.flatnonzero(source == goal)[0])
        raise ValueError(
            f"target equals y in row {row}; a margin towards the class a row already has is "
            "always 0. Give each row another class as its target."
        )
    if not (isinstance(relu_slope, (int, float)) and 0 <= relu_slope):
        raise ValueError(f"relu_slope must be a number >= 0; got {relu_slope!r}.")
    if relu_slope and getattr(model, "activation", None) != "relu":
        raise ValueError(
            "relu_slope > 0 replaces the derivative of ReLU units that are off; this model has "
            "no ReLU units. Use relu_slope=0 (the exact gradient)."
        )
    forward = _forward(model, X)
    if relu_slope:
        leaky = [d + relu_slope * (1.0 - d) for d in forward.derivatives]
        forward = _ForwardPass(logits=forward.logits, derivatives=leaky)
    rows = np.arange(len(X))
    margin = forward.logits[rows, goal] - forward.logits[rows, source]
    upstream = np.zeros_like(forward.logits)
    upstream[rows, goal], upstream[rows, source] = 1.0, -1.0
    gradient = _backward(model, forward, upstream[:, np.newaxis, :])[:, 0, :]
    return margin, gradient


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


# --- Densities ---------------------------------------------------------------------------


def _precision_times(mixture: GaussianMixture, diff: np.ndarray) -> np.ndarray:
    """``Sigma_k^-1 (x - mu_k)`` for every row and component; ``diff`` (n, k, d)."""
    precisions = np.asarray(mixture.precisions_, dtype=float)
    kind = mixture.covariance_type
    if kind == "full":
        return np.einsum("kde,nke->nkd", precisions, diff)
    if kind == "tied":
        return diff @ precisions
    if kind == "diag":
        return diff * precisions[np.newaxis]
    return diff * precisions[np.newaxis, :, np.newaxis]  # spherical


def gmm_log_density_gradient(mixture: GaussianMixture, X: Any) -> np.ndarray:
    """Input gradient of a Gaussian mixture's log-density, in closed form.

    ``grad log p(x) = -sum_k r_k(x) Sigma_k^-1 (x - mu_k)``, where ``r_k(x)`` is the
    responsibility of component ``k`` (``mixture.predict_proba``).

    Parameters
    ----------
    mixture : GaussianMixture
        Fitted, any ``covariance_type``.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_features)
    """
    if not isinstance(mixture, GaussianMixture):
        raise TypeError(
            f"mixture must be a fitted sklearn.mixture.GaussianMixture; got "
            f"{type(mixture).__name__}."
        )
    check_fitted(mixture, "mixture")
    X = check_features(X, n_features=mixture.means_.shape[1])
    diff = X[:, np.newaxis, :] - mixture.means_[np.newaxis]
    responsibilities = mixture.predict_proba(X)
    return -np.einsum("nk,nkd->nd", responsibilities, _precision_times(mixture, diff))


def class_log_density_gradient(model: ClassConditionalDensity, X: Any) -> np.ndarray:
    """Input gradient of ``log p(x | y)`` of a :class:`ClassConditionalDensity`, every class.

    With ``z = W (x - m)`` (the principal coordinates, ``W`` the components) and the residual
    ``r = (x - m) - W' z``, ``log p(x | y) = log p(z | y) + log N(r; 0, s I)``, so
    ``grad = W' grad_z log p(z | y) - r / s`` (the residual's projector is symmetric and
    idempotent).

    Parameters
    ----------
    model : ClassConditionalDensity
        Fitted.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples, n_classes, n_features)
    """
    check_fitted(model)
    X = check_features(X, n_features=model.n_features_in_)
    components = model.pca_.components_
    Z = model.pca_.transform(X)
    residual = (X - model.pca_.mean_) - Z @ components
    per_class = [gmm_log_density_gradient(mixture, Z) @ components for mixture in model.mixtures_]
    return np.stack(per_class, axis=1) - (residual / model.noise_variance_)[:, np.newaxis, :]


def _joint_log_density_and_gradient(
    model: ClassConditionalDensity, X: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``log p(x | y) + log p(y)`` (n, K) and the class gradients (n, K, d)."""
    joint = model.class_log_density(X) + np.log(model.class_prior_)
    return joint, class_log_density_gradient(model, X)


def log_density_and_gradient(
    model: ClassConditionalDensity, X: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``log p(x)`` of a :class:`ClassConditionalDensity` and its input gradient.

    Returns
    -------
    log_density : ndarray of shape (n_samples,)
    gradient : ndarray of shape (n_samples, n_features)
    """
    check_fitted(model)
    X = check_features(X, n_features=model.n_features_in_)
    joint, class_gradient = _joint_log_density_and_gradient(model, X)
    log_density = logsumexp(joint, axis=1)
    posterior = np.exp(joint - log_density[:, np.newaxis])
    return log_density, np.einsum("nk,nkd->nd", posterior, class_gradient)

"""The class scores of a fitted linear classifier, read through scikit-learn's public API.

A linear classifier predicts ``argmax(X @ W.T + b)``; :func:`linear_scores` returns ``W`` and
``b`` for every such model (binary ones included), and is what the exact attacks, the gradients
and the region geometry of the series are computed from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, is_classifier

from helpers._validation import check_fitted, model_input


def _has_decision_function(model: Any) -> bool:
    """Whether ``model`` is a scikit-learn classifier with a decision function (fitted or not)."""
    return (
        isinstance(model, BaseEstimator)
        and is_classifier(model)
        and hasattr(model, "decision_function")
    )


def _is_linear_classifier(model: Any) -> bool:
    """Whether ``model`` is a fitted classifier whose decision function is ``X @ coef_.T + intercept_``.

    Uses only public API: a classifier with ``decision_function`` and fitted ``coef_`` and
    ``intercept_`` with one row per class (a single row for two classes), whose decision
    function on two probe inputs (all zeros, all ones) equals that affine map. That holds for
    ``LogisticRegression``, ``LinearSVC``, ``SGDClassifier``, ``RidgeClassifier``,
    ``Perceptron``, and not for a one-vs-one ``SVC(kernel="linear")`` (its scores are votes). An
    unfitted model is not one yet (``False``).

    Parameters
    ----------
    model : object

    Returns
    -------
    bool
    """
    if not _has_decision_function(model):
        return False
    try:
        coef, intercept, classes = model.coef_, model.intercept_, model.classes_
    except AttributeError:  # not fitted, or a kernel model without coef_
        return False
    coef, intercept = np.asarray(coef, dtype=float), np.asarray(intercept, dtype=float)
    n_rows = 1 if len(classes) == 2 else len(classes)
    if coef.ndim != 2 or coef.shape[0] != n_rows or intercept.shape != (n_rows,):
        return False
    probes = np.vstack([np.zeros(coef.shape[1]), np.ones(coef.shape[1])])
    affine = probes @ coef.T + intercept
    scores = np.asarray(model.decision_function(model_input(model, probes)), dtype=float).reshape(affine.shape)
    return bool(np.allclose(scores, affine, rtol=1e-9, atol=1e-9 * (1 + np.abs(affine).max())))


def check_linear_classifier(model: Any, name: str = "model") -> None:
    """Raise unless ``model`` is a fitted linear classifier (see :func:`_is_linear_classifier`).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is a classifier with a decision function that has not been fitted.
    TypeError
        If it is fitted but its scores are not ``X @ coef_.T + intercept_`` with one row per
        class (a kernel SVM, a one-vs-one ``SVC(kernel="linear")``, a tree, a network...).
    """
    if _has_decision_function(model):
        check_fitted(model, name)
    if not _is_linear_classifier(model):
        raise TypeError(
            f"{name} must be a fitted linear scikit-learn classifier whose scores are "
            f"X @ coef_.T + intercept_ with one row per class (LogisticRegression, LinearSVC, "
            f"...); got {type(model).__name__}. For networks use helpers.attacks.deepfool."
        )


def linear_scores(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(W, b)`` such that a linear classifier predicts ``argmax(X @ W.T + b)``.

    For a binary model scikit-learn stores one row, the score of the second class against the
    first; it is written here as two rows, ``[0, w]`` and ``[0, b]``, so the same argmax rule
    applies to every model.

    Parameters
    ----------
    model : fitted linear classifier
        ``LogisticRegression``, ``LinearSVC``, ``SGDClassifier`` or another scikit-learn
        classifier whose decision function is ``X @ coef_.T + intercept_``.

    Returns
    -------
    W : ndarray of shape (n_classes, n_features)
    b : ndarray of shape (n_classes,)
    """
    check_linear_classifier(model)
    W = np.asarray(model.coef_, dtype=float)
    b = np.asarray(model.intercept_, dtype=float)
    if W.shape[0] == 1:
        W = np.vstack([np.zeros_like(W), W])
        b = np.concatenate([[0.0], b])
    return W, b

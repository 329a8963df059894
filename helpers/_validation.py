"""Input checks shared by the helpers: each error names the problem and the fix."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted


def check_fitted(model: Any, name: str = "model") -> None:
    """Raise ``NotFittedError`` with a plain message when ``model`` has not been fitted.

    Parameters
    ----------
    model : estimator
        A scikit-learn estimator.
    name : str
        How the argument is called in the caller's signature, used in the message.
    """
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise NotFittedError(
            f"{name} ({type(model).__name__}) is not fitted yet: call {name}.fit(X, y) first."
        ) from None
    except TypeError as exc:  # not an estimator at all
        raise TypeError(
            f"{name} must be a fitted scikit-learn estimator, got {type(model).__name__}."
        ) from exc


def check_features(
    X: Any, n_features: int | None = None, name: str = "X", allow_1d: bool = False
) -> np.ndarray:
    """Return ``X`` as a finite float array of shape ``(n_samples, n_features)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data to check. With ``allow_1d=True`` a single row of shape ``(n_features,)`` is
        accepted and returned as shape ``(1, n_features)``.
    n_features : int, optional
        The number of columns ``X`` must have.
    name : str
        How the argument is called in the caller's signature, used in messages.
    allow_1d : bool
        Accept one row given as a 1-D array.

    Returns
    -------
    ndarray of shape (n_samples, n_features), dtype float64

    Raises
    ------
    ValueError
        If ``X`` is not 2-D, has the wrong number of columns, is empty, or holds NaN or inf.
    """
    arr = np.asarray(X, dtype=float)
    if allow_1d and arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); got shape {arr.shape}. "
            "Reshape a single sample with X.reshape(1, -1)."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one row.")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} features but {n_features} are expected; "
            f"select the {n_features} columns the model was fitted on."
        )
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); drop or impute them first."
        )
    return arr


def check_range(bounds: Any, name: str) -> tuple[float, float]:
    """Return ``(low, high)`` as floats, raising ``ValueError`` unless ``low < high``.

    Parameters
    ----------
    bounds : sequence of two numbers
        The interval, low first.
    name : str
        How the argument is called, used in messages.
    """
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of numbers; got {bounds!r}.") from None
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name} must be finite; got {bounds!r}.")
    if not low < high:
        raise ValueError(
            f"{name} must satisfy low < high; got {bounds!r}. Swap the two values."
        )
    return low, high

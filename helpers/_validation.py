"""Input checks shared by the helpers: each error names the problem and the fix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d


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
    X: Any,
    n_features: int | None = None,
    name: str = "X",
    allow_1d: bool = False,
    model: Any = None,
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
    model : estimator, optional
        The model whose method checks ``X``: a wrong number of columns is then said as
        scikit-learn says it ("X has 5 features, but MyModel is expecting 6 features as input").

    Returns
    -------
    ndarray of shape (n_samples, n_features), dtype float64

    Raises
    ------
    ValueError
        If ``X`` is not 2-D, has no column or the wrong number of columns, is empty, or holds
        NaN, inf or complex numbers.
    TypeError
        If ``X`` is sparse or holds objects that are not numbers.
    """
    arr = check_numeric(X, name)
    if allow_1d and arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features); got shape {arr.shape}. "
            f"Reshape your data: {name}.reshape(1, -1) if it is one sample, "
            f"{name}.reshape(-1, 1) if it is one feature."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one row.")
    if arr.shape[1] == 0:
        raise ValueError(
            f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required; "
            "pass at least one column."
        )
    if n_features is not None and arr.shape[1] != n_features:
        if model is not None:
            raise ValueError(
                f"{name} has {arr.shape[1]} features, but {type(model).__name__} is expecting "
                f"{n_features} features as input; select the {n_features} columns it was "
                "fitted on."
            )
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


def check_in_range(
    X: np.ndarray,
    value_range: Any,
    name: str = "X",
    range_name: str = "value_range",
    allow_none: bool = True,
    scale_fix: str = "divide them by 255",
) -> tuple[float, float] | None:
    """``value_range`` as ``(low, high)`` after checking that every value of ``X`` lies in it.

    Catches inputs on the wrong scale: 0-255 pixels given where pixels in [0, 1] are expected
    get a hint saying so.

    Parameters
    ----------
    X : ndarray
        Finite values (checked with :func:`check_features` or :func:`check_numeric` first).
    value_range : (low, high) or None
        None: no range to check (allowed only with ``allow_none``).
    name, range_name : str
        How the two arguments are called in the caller's signature, used in messages.
    allow_none : bool, default True
        Whether the caller accepts ``value_range=None`` (features without bounds); the message
        then offers it.
    scale_fix : str
        The fix for 0-255 pixels, said in the message.

    Returns
    -------
    (float, float) or None

    Raises
    ------
    ValueError
        If ``value_range`` is not ``low < high`` (or None where not allowed), or ``X`` has a
        value outside it.
    """
    if value_range is None and allow_none:
        return None
    if value_range is None:
        raise ValueError(f"{range_name}=None is not possible here; pass {range_name}=(low, high).")
    low, high = check_range(value_range, range_name)
    if X.size and (X.min() < low or X.max() > high):
        pixels = f" (0-255 pixels? {scale_fix})" if X.max() > 10 and high <= 1 else ""
        unbounded = f" ({range_name}=None only for features without bounds)" if allow_none else ""
        raise ValueError(
            f"{name} has values in [{X.min():.3g}, {X.max():.3g}], outside {range_name}=({low:g}, "
            f"{high:g}){pixels}; rescale {name} into {range_name}, or set {range_name} to the "
            f"range its values live in{unbounded}."
        )
    return low, high


def check_nonnegative(value: Any, name: str) -> float:
    """``value`` as a float after checking that it is a finite number >= 0 (a size, a radius)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a number >= 0; got {value!r}.")
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}.")
    return float(value)


def check_probability(value: Any, name: str) -> float:
    """``value`` as a float after checking that it lies strictly between 0 and 1 (a level)."""
    if isinstance(value, (bool, np.bool_)) or not (
        isinstance(value, (int, float, np.number)) and 0.0 < float(value) < 1.0
    ):
        raise ValueError(f"{name} must be a probability strictly between 0 and 1; got {value!r}.")
    return float(value)


def check_seed(value: Any, name: str = "random_state") -> int:
    """``value`` as an int after checking that it is a seed: a whole number >= 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0 (a seed), e.g. 0; got {value!r}.")
    return int(value)


def check_numeric(values: Any, name: str) -> np.ndarray:
    """``np.asarray(values, dtype=float)``, with a message naming the argument when it fails.

    Sparse matrices and complex numbers are refused rather than converted (a sparse matrix is
    not an array of its values; casting complex numbers to floats drops their imaginary part).
    A ``TypeError`` for objects that are not numbers at all (a dict, say), else ``ValueError``.
    """
    if sparse.issparse(values):
        raise TypeError(
            f"{name} is a sparse matrix, and sparse input is not supported here; pass a dense "
            f"array ({name}.toarray())."
        )
    try:
        arr = np.asarray(values)
        numbers = None if arr.dtype.kind == "c" else arr.astype(float, copy=False)
    except (TypeError, ValueError) as exc:
        error = TypeError if isinstance(exc, TypeError) else ValueError
        raise error(
            f"{name} must hold numbers only; converting it to floats failed ({exc}). Encode "
            "text columns as numbers, or select the numeric columns the model was fitted on."
        ) from None
    if numbers is None:
        raise ValueError(
            f"Complex data not supported: {name} holds complex numbers; pass real numbers "
            f"(e.g. {name}.real or np.abs({name}))."
        )
    return numbers


def check_training_data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` for a classifier's ``fit``: finite features, one class label per row.

    A column ``y`` of shape ``(n_samples, 1)`` is flattened with scikit-learn's
    ``DataConversionWarning``, as scikit-learn's own classifiers do.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, 1)

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
    y : ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        ``y`` missing (None), not one label per row of ``X``, holding NaN or inf, continuous
        values rather than class labels, or a single class; ``X`` as :func:`check_features`.
    """
    if y is None:
        raise ValueError(
            "this classifier requires y to be passed, but the target y is None; pass the class "
            "labels: model.fit(X, y)."
        )
    X = check_features(X)
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = column_or_1d(labels, warn=True)
    if labels.shape != (len(X),):
        raise ValueError(
            f"y must have shape ({len(X)},), one label per row of X; got shape {labels.shape}."
        )
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError(
            f"y contains {int(np.sum(~np.isfinite(labels)))} NaN or infinite value(s); every "
            "row needs its class label: drop the unlabelled rows from X and y."
        )
    check_classification_targets(labels)
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError(
            f"y holds one class ({classes[0].tolist()!r}); a classifier needs at least two: add "
            "rows of another class."
        )
    return X, labels


def check_labels(model: Any, y: Any, n_samples: int, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D array of ``n_samples`` labels of ``model.classes_``.

    A column of shape ``(n_samples, 1)`` is accepted (as scikit-learn does) and flattened.

    Parameters
    ----------
    model : fitted classifier
    y : array-like of shape (n_samples,) or (n_samples, 1)
    n_samples : int
        The number of rows of the ``X`` that goes with ``y``.
    name : str
        How the argument is called in the caller's signature, used in messages.

    Returns
    -------
    ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        A wrong number of labels, labels the model does not know (integer codes given to a
        model with string labels said so), or a 2-D ``y`` of more than one column.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (n_samples,):
        raise ValueError(
            f"{name} must have shape ({n_samples},), one label per row of X; got shape {y.shape}."
        )
    classes = np.asarray(model.classes_)
    known = ", ".join(repr(c) for c in classes.tolist())
    codes = y.dtype.kind in "iub" and classes.dtype.kind in "OUS"
    if codes:
        raise ValueError(
            f"{name} holds integer codes but the model's classes are labels ({known}); pass the "
            f"labels themselves, e.g. model.classes_[{name}] if the codes are positions in "
            "model.classes_."
        )
    unknown = ~np.isin(y, classes)
    if np.any(unknown):
        raise ValueError(
            f"{name} holds label(s) {sorted(set(y[unknown].tolist()), key=str)} that the model "
            f"does not know; use labels among model.classes_: {known}."
        )
    return y


def check_class(model: Any, label: Any, name: str = "target_class") -> int:
    """Position of one class label in ``model.classes_``; a ValueError naming ``name`` if unknown."""
    classes = np.asarray(model.classes_).tolist()
    if label not in classes:
        known = ", ".join(repr(c) for c in classes)
        raise ValueError(
            f"{name}={np.asarray(label).tolist()!r} is not one of the model's classes; use one "
            f"of {known}."
        )
    return classes.index(label)


def check_model_mapping(models: Any, name: str = "models") -> dict[str, Any]:
    """Return ``models`` as a dict of name to fitted model, refusing a single model or an empty dict."""
    if not isinstance(models, Mapping):
        hint = (
            f"; for one model pass {{'{type(models).__name__}': model}}"
            if hasattr(models, "fit") else ""
        )
        raise TypeError(
            f"{name} must be a dict mapping a name to a fitted model; got "
            f"{type(models).__name__}{hint}."
        )
    if not models:
        raise ValueError(f"{name} is empty; pass at least one model, e.g. {{'name': model}}.")
    for label, model in models.items():
        check_fitted(model, f"{name}[{label!r}]")
    return dict(models)


def check_grid(values: Any, name: str, minimum: float = 0.0) -> np.ndarray:
    """Return a non-empty 1-D grid of finite numbers >= ``minimum`` as floats (e.g. eps values)."""
    grid = check_numeric(values, name)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of numbers, e.g. np.linspace(0, 0.3, 31); "
            f"got {values!r}."
        )
    if not np.all(np.isfinite(grid)) or np.any(grid < minimum):
        raise ValueError(f"{name} must hold finite numbers >= {minimum:g}; got {values!r}.")
    return grid


def check_probabilities(P: Any, n_rows: int, name: str = "the model's output") -> np.ndarray:
    """Return ``P`` as an ``(n_rows, n_classes)`` array of probabilities whose rows sum to 1.

    Catches a scoring function passed where probabilities are expected: ``decision_function``
    (any real number) and ``predict`` (labels) are refused, not drawn as probabilities.
    """
    fix = (
        "pass the model itself or its predict_proba (class probabilities), not "
        "decision_function or predict"
    )
    try:
        P = np.asarray(P, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not numeric (labels?); {fix}.") from None
    if P.ndim != 2 or P.shape[0] != n_rows:
        raise ValueError(
            f"{name} must have shape ({n_rows}, n_classes), one row of class probabilities per "
            f"point; got shape {P.shape}; {fix}."
        )
    if not np.all(np.isfinite(P)) or P.min() < 0 or P.max() > 1:
        raise ValueError(f"{name} holds values outside [0, 1], so not probabilities; {fix}.")
    if not np.allclose(P.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError(f"{name} has rows that do not sum to 1, so not probabilities; {fix}.")
    return P


def check_table(table: Any, columns: tuple[str, ...], name: str, producer: str) -> pd.DataFrame:
    """Refuse anything but a DataFrame with ``columns`` (the result of ``producer``)."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"{name} must be the DataFrame returned by {producer}; got {type(table).__name__}."
        )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{name} lacks the column(s) {missing}; pass the DataFrame returned by {producer}."
        )
    if table.empty:
        raise ValueError(f"{name} is empty; nothing to draw.")
    return table


def check_pixels(
    images: Any, value_range: tuple[float, float] | None = (0.0, 1.0), name: str = "image"
) -> np.ndarray:
    """Return images as floats, refusing NaN and, with ``value_range``, values outside it.

    Drawing 0-255 pixels on a [0, 1] scale gives a white square; a NaN pixel is drawn as
    nothing. Both are refused with the fix.
    """
    pixels = check_numeric(images, name)
    if pixels.size == 0:
        raise ValueError(f"{name} is empty; pass at least one image.")
    if not np.all(np.isfinite(pixels)):
        raise ValueError(
            f"{name} has {int(np.sum(~np.isfinite(pixels)))} NaN or infinite pixel(s); pass "
            "finite images."
        )
    if value_range is not None:
        low, high = check_range(value_range, "value_range")
        if pixels.min() < low or pixels.max() > high:
            hint = " (0-255 pixels? divide by 255)" if pixels.max() > 1.5 and high <= 1 else ""
            raise ValueError(
                f"{name} has pixels in [{pixels.min():.3g}, {pixels.max():.3g}], outside the "
                f"range drawn, [{low:g}, {high:g}]{hint}; rescale the images or pass the range "
                "they use."
            )
    return pixels


def model_input(model: Any, X: np.ndarray) -> Any:
    """``X`` as the model expects it: a DataFrame with its column names if it was fitted on one.

    A model fitted on a DataFrame warns "X does not have valid feature names" for every array it
    is given; the helpers work on arrays, so they hand it its own column names back.
    """
    names = getattr(model, "feature_names_in_", None)
    if names is not None and not isinstance(X, pd.DataFrame) and np.ndim(X) == 2:
        return pd.DataFrame(X, columns=names)
    return X

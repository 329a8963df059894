"""How sure a model is about inputs unlike its training data: measurements and test images.

- Far away (Hein, Andriushchenko and Bitterwolf, CVPR 2019): the highest class probability on
  ``alpha * x`` as the scale ``alpha`` grows (:func:`confidence_along_rays`), the smallest
  ``alpha`` at which it reaches a level (:func:`_smallest_alpha_reaching`, a grid refined by
  bisection), and the share of scaled images clipped back into the pixel box that are
  classified with high confidence (:func:`confident_share_clipped`).
- Real images from elsewhere (e.g. :func:`helpers.data.photo_patches`), scored by the mean
  maximum confidence and by the ROC AUC of the maximum confidence between real test inputs and
  those (:func:`outsider_summary`).

Nothing here draws.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from helpers._validation import (
    check_features,
    check_fitted,
    check_in_range,
    check_numeric,
    check_probability,
)
from helpers.density import outlier_auc

#: Scales of Hein et al.'s far-away test: 1 to 10,000, 41 values evenly spaced in log scale.
HEIN_ALPHAS: np.ndarray = np.geomspace(1.0, 1e4, 41)
#: The range every measurement expects its input images in, unless told otherwise.
PIXEL_RANGE: tuple[float, float] = (0.0, 1.0)


def _check_alphas(alphas: Any) -> np.ndarray:
    arr = check_numeric(alphas, "alphas")
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"alphas must be a non-empty 1-D array of finite scales > 0; got {alphas!r}.")
    if np.any(np.diff(arr) <= 0):
        raise ValueError("alphas must be increasing; sort them first (e.g. np.sort(alphas)).")
    return arr


def _check_model(model: Any) -> None:
    """A fitted classifier that gives class probabilities (``predict_proba``)."""
    check_fitted(model)
    if not hasattr(model, "predict_proba"):
        raise TypeError(
            f"model ({type(model).__name__}) gives no class probabilities (predict_proba), and "
            "every measurement here reads them; calibrate it, e.g. "
            "CalibratedClassifierCV(SVC(), ensemble=False) (helpers.models.iris_rbf_svm)."
        )


def _check_inputs(model: Any, X: Any, value_range: Any, name: str = "X") -> np.ndarray:
    """``X`` as finite rows of the model's width, inside ``value_range`` (unless None)."""
    X = check_features(X, n_features=getattr(model, "n_features_in_", None), name=name,
                       model=model)
    check_in_range(X, value_range, name)
    return X


def _highest_probability(model: Any, X: np.ndarray) -> np.ndarray:
    return np.max(model.predict_proba(X), axis=1)


def confidence_along_rays(
    model: Any, X: Any, alphas: Any = HEIN_ALPHAS, value_range: Any = PIXEL_RANGE
) -> np.ndarray:
    """Highest class probability of ``alpha * x`` for every scale and row.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    X : array-like of shape (n_samples, n_features)
        The directions (e.g. uniform noise images).
    alphas : array-like of shape (n_alphas,), default :data:`HEIN_ALPHAS`
        Increasing scales > 0.
    value_range : (low, high) or None, default (0, 1)
        The range the directions ``X`` lie in (see :func:`outsider_summary`); the scaled images
        ``alpha * x`` leave it, by design.

    Returns
    -------
    ndarray of shape (n_alphas, n_samples)
    """
    _check_model(model)
    X = _check_inputs(model, X, value_range)
    alphas = _check_alphas(alphas)
    scaled = (alphas[:, np.newaxis, np.newaxis] * X[np.newaxis]).reshape(-1, X.shape[1])
    return _highest_probability(model, scaled).reshape(len(alphas), len(X))


def _smallest_alpha_reaching(
    model: Any,
    X: Any,
    confidence: float = 0.999,
    alphas: Any = HEIN_ALPHAS,
    rtol: float = 1e-3,
    value_range: Any = PIXEL_RANGE,
) -> np.ndarray:
    """For every row, the smallest scale ``alpha`` at which ``alpha * x`` reaches ``confidence``.

    Hein et al. (CVPR 2019, Table 2) report the median of this scale over uniform noise images,
    at 99.9 % confidence. The grid ``alphas`` finds, for every row, the first grid interval at
    whose upper end the confidence is reached; bisection on the log scale then narrows that
    interval until its ends differ by a factor of at most ``1 + rtol``, and its upper end (which
    reaches ``confidence``) is returned. The answer is the first crossing if the confidence
    crosses the level at most once inside that interval; a row that already reaches it at
    ``alphas[0]`` gets ``alphas[0]`` (smaller scales are not examined).

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    X : array-like of shape (n_samples, n_features)
    confidence : float, default 0.999
    alphas : array-like of shape (n_alphas,), default :data:`HEIN_ALPHAS`
        Increasing scales > 0.
    rtol : float, default 1e-3
        Relative width of the interval the bisection stops at, > 0.
    value_range : (low, high) or None, default (0, 1)
        The range the directions ``X`` lie in (see :func:`outsider_summary`).

    Returns
    -------
    ndarray of shape (n_samples,)
        ``np.inf`` where no scale of the grid reaches ``confidence``.
    """
    _check_model(model)
    X = _check_inputs(model, X, value_range)
    confidence = check_probability(confidence, "confidence")
    alphas = _check_alphas(alphas)
    if not (isinstance(rtol, (int, float, np.floating)) and np.isfinite(rtol) and rtol > 0):
        raise ValueError(f"rtol must be a finite relative width > 0 (e.g. 1e-3); got {rtol!r}.")
    reached = confidence_along_rays(model, X, alphas, value_range=None) >= confidence
    first = np.argmax(reached, axis=0)
    high = np.where(reached.any(axis=0), alphas[first], np.inf)
    low = np.where(first > 0, alphas[np.maximum(first - 1, 0)], high)
    while True:
        rows = np.flatnonzero(np.isfinite(high) & (high > low * (1.0 + rtol)))
        if rows.size == 0:
            return high
        middle = np.sqrt(low[rows] * high[rows])
        reaches = _highest_probability(model, middle[:, np.newaxis] * X[rows]) >= confidence
        high[rows[reaches]] = middle[reaches]
        low[rows[~reaches]] = middle[~reaches]


def confident_share_clipped(
    model: Any,
    X: Any,
    alphas: Any = HEIN_ALPHAS,
    threshold: float = 0.95,
    clip: tuple[float, float] = (0.0, 1.0),
) -> float:
    """Share of the images ``clip(alpha * x)`` classified with more than ``threshold``.

    The scaled images are clipped back into the pixel box, so they are valid images; Hein et al.
    (CVPR 2019, Table 2) report this share at 95 %. Every pair of a row and a scale counts once.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    X : array-like of shape (n_samples, n_features)
    alphas : array-like of shape (n_alphas,), default :data:`HEIN_ALPHAS`
    threshold : float, default 0.95
    clip : (low, high), default (0, 1)
        The pixel box; ``X`` must lie in it.

    Returns
    -------
    float
        In [0, 1].
    """
    _check_model(model)
    X = check_features(X, n_features=getattr(model, "n_features_in_", None), model=model)
    low, high = check_in_range(X, clip, "X", "clip", allow_none=False)
    alphas = _check_alphas(alphas)
    threshold = check_probability(threshold, "threshold")
    scaled = np.clip(alphas[:, np.newaxis, np.newaxis] * X[np.newaxis], low, high)
    return float(np.mean(_highest_probability(model, scaled.reshape(-1, X.shape[1])) > threshold))


def far_away_summary(
    model: Any,
    noise: Any,
    alphas: Any = HEIN_ALPHAS,
    confidence: float = 0.999,
    threshold: float = 0.95,
    clip: tuple[float, float] = PIXEL_RANGE,
) -> dict[str, float]:
    """Hein et al.'s two far-away numbers for one model, as a dict.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    noise : array-like of shape (n_images, n_features)
        Uniform noise images in the pixel box.
    alphas, confidence, threshold
        See :func:`_smallest_alpha_reaching` and :func:`confident_share_clipped`.
    clip : (low, high), default (0, 1)
        The pixel box the noise lies in (and the clipped images are clipped to).

    Returns
    -------
    dict
        ``"median alpha"`` (``np.inf`` if most rows never reach ``confidence``) and
        ``"clipped share"``.
    """
    _check_model(model)
    noise = _check_inputs(model, noise, clip, "noise")
    reached_at = _smallest_alpha_reaching(model, noise, confidence, alphas, value_range=clip)
    return {
        "median alpha": float(np.median(reached_at)),
        "clipped share": confident_share_clipped(model, noise, alphas, threshold, clip),
    }


def outsider_summary(
    model: Any, X_in: Any, outsiders: Mapping[str, Any], value_range: Any = PIXEL_RANGE
) -> dict[str, float]:
    """MMC and max-confidence ROC AUC against ``X_in`` for every group of outside images.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    X_in : array-like of shape (n_in, n_features)
    outsiders : dict of str to array-like of shape (n_i, n_features)
        May be empty (then only ``"MMC test digits"``).
    value_range : (low, high) or None, default :data:`PIXEL_RANGE` (0, 1)
        The range every image lies in (pixels in [0, 1]; 0-255 pixels are refused with a hint);
        None for features without bounds.

    Returns
    -------
    dict
        ``"MMC <name>"`` and ``"AUC <name>"`` for every group, and ``"MMC test digits"``.
    """
    if not isinstance(outsiders, Mapping):
        raise TypeError(
            "outsiders must be a dict mapping a name to images, e.g. {'photos': patches}; got "
            f"{type(outsiders).__name__}."
        )
    _check_model(model)
    # once, shared by every group's AUC
    inside = _highest_probability(model, _check_inputs(model, X_in, value_range, "X_in"))
    summary = {"MMC test digits": float(np.mean(inside))}
    for name, images in outsiders.items():
        images = _check_inputs(model, images, value_range, f"outsiders[{name!r}]")
        outside = _highest_probability(model, images)
        summary[f"MMC {name}"] = float(np.mean(outside))
        summary[f"AUC {name}"] = outlier_auc(inside, outside)
    return summary


def spread(values: Sequence[float], decimals: int = 3) -> str:
    """``"median [min, max]"`` of several seeds' values.

    Infinite values (a level never reached) and NaN (nothing to measure, e.g. no digit fooled)
    are left out of the median and counted apart, e.g. ``"0.200 [0.100, 0.300]; 1 of 4 seeds
    never"``, or ``"5 of 5 seeds never"`` when no value is finite.

    Parameters
    ----------
    values : sequence of float, length n_seeds >= 1
    decimals : int, default 3
        Digits after the decimal point, >= 0.

    Returns
    -------
    str
    """
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)) or decimals < 0:
        raise ValueError(
            f"decimals must be a whole number >= 0 (digits after the decimal point); got "
            f"{decimals!r}."
        )
    arr = check_numeric(values, "values")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"values must be a non-empty 1-D sequence of numbers; got {values!r}.")
    finite = arr[np.isfinite(arr)]
    parts = []
    if finite.size:
        median, low, high = np.median(finite), finite.min(), finite.max()
        parts.append(f"{median:.{decimals}f} [{low:.{decimals}f}, {high:.{decimals}f}]")
    counted_apart = [(int(np.isinf(arr).sum()), "never"), (int(np.isnan(arr).sum()), "undefined")]
    for count, what in counted_apart:
        if count:
            parts.append(f"{count} of {arr.size} seeds {what}")
    return "; ".join(parts)


def relu_ray_limits(model: Any, X: Any, alphas: Any = HEIN_ALPHAS) -> dict[str, np.ndarray]:
    """Where each ray ``alpha * x`` of a ReLU network settles in one linear region, and its limit.

    Hein, Andriushchenko and Bitterwolf (CVPR 2019, Lemma 3.1 and Theorem 3.1): along a ray a
    ReLU network's units switch finitely often, so from some scale on the ray stays in one
    linear region, where the logits are affine in the scale, ``f(alpha x) = alpha V x + a``.
    That region is computed exactly, layer by layer: once the layers before it are fixed, every
    pre-activation is ``alpha c + b``, and a unit is on for all large ``alpha`` exactly when
    ``c > 0``, or ``c = 0`` and ``b > 0``. An affine function keeps its sign beyond a point
    where it already has its limit sign, so the first scale of the grid at which every unit
    has its limit state is one from which the ray never leaves that region. Beyond it the
    classes with the largest entry of ``V x`` take everything: if one class has it (a margin
    > 0), the confidence tends to 1 (the theorem); if several tie (``V x = 0`` when a whole
    layer is off), to the largest softmax of their entries of ``a``.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, with ``activation="relu"`` (or ``"identity"``: one region everywhere).
    X : array-like of shape (n_samples, n_features)
        The rays' directions.
    alphas : array-like of shape (n_alphas,), default :data:`HEIN_ALPHAS`
        Increasing scales > 0.

    Returns
    -------
    dict of str to ndarray of shape (n_samples,)
        ``"alpha"``: the first scale of the grid from which the ray stays in its last region
        (``np.inf`` if none of the grid); ``"margin"``: the largest entry of ``V x`` minus the
        second largest (0 for a tie); ``"limit confidence"``: the confidence's limit as
        ``alpha`` grows.

    Raises
    ------
    ValueError
        If ``model`` is not a fitted ReLU or identity ``MLPClassifier``.
    """
    if type(model).__name__ != "MLPClassifier" or getattr(model, "activation", None) not in (
            "relu", "identity") or not hasattr(model, "coefs_"):
        raise ValueError(
            "relu_ray_limits needs a fitted MLPClassifier with activation='relu' (or "
            f"'identity'), whose logits are piecewise affine; got {type(model).__name__}. For "
            "other models measure the rays with confidence_along_rays."
        )
    X = check_features(X, n_features=model.coefs_[0].shape[0])
    alphas = _check_alphas(alphas)
    slope, offset, limit_states = X, np.zeros_like(X), []
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        slope, offset = slope @ W, offset @ W + b
        on = (slope > 0) | ((slope == 0) & (offset > 0)) if model.activation == "relu" else None
        if on is not None:
            limit_states.append(on)
            slope, offset = slope * on, offset * on
    V_x = slope @ model.coefs_[-1]
    a = offset @ model.coefs_[-1] + model.intercepts_[-1]
    if V_x.shape[1] == 1:  # two classes: one logistic unit z, as the two logits (0, z)
        V_x, a = np.hstack([np.zeros_like(V_x), V_x]), np.hstack([np.zeros_like(a), a])
    settled = np.ones((len(alphas), len(X)), dtype=bool)  # every unit in its limit state
    for i, alpha in enumerate(alphas):
        H = alpha * X
        for W, b, on in zip(model.coefs_, model.intercepts_, limit_states):
            Z = H @ W + b
            settled[i] &= np.all((Z > 0) == on, axis=1)
            H = np.maximum(Z, 0.0)
    # the first scale from which every larger one of the grid is settled too
    still_moving = np.where(~settled, np.arange(len(alphas))[:, np.newaxis], -1).max(axis=0)
    first = np.where(still_moving + 1 < len(alphas),
                     alphas[np.minimum(still_moving + 1, len(alphas) - 1)], np.inf)
    ordered = np.sort(V_x, axis=1)
    tied = V_x == ordered[:, -1:]
    top = np.where(tied, a, -np.inf)
    limit = np.exp(top - top.max(axis=1, keepdims=True))
    return {"alpha": first, "margin": ordered[:, -1] - ordered[:, -2],
            "limit confidence": limit.max(axis=1) / limit.sum(axis=1)}

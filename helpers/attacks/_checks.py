"""Argument checks shared by the attacks: each error names the problem and the fix."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import gradients
from helpers._validation import check_features, check_in_range, check_numeric, check_range

#: Norms the gradient attacks accept, by name.
NORMS: dict[str, float] = {"inf": np.inf, "2": 2.0}


def check_eps(eps: float, name: str = "eps") -> float:
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number >= 0; got {eps!r}.") from None
    if not (np.isfinite(eps) and eps >= 0):
        raise ValueError(
            f"{name} must be a finite number >= 0 (the size of the change); got {eps!r}."
        )
    return eps


def check_eps_per_row(eps: Any, n_samples: int, name: str = "eps") -> np.ndarray:
    """``eps`` (a number, or one per row) as a column of shape (n_samples, 1), each >= 0."""
    values = np.asarray(eps, dtype=float) if np.ndim(eps) else None
    if values is None:
        return np.full((n_samples, 1), check_eps(eps, name))
    if values.shape != (n_samples,):
        raise ValueError(
            f"{name} must be a number or one number per row, shape ({n_samples},); got shape "
            f"{values.shape}."
        )
    if not (np.all(np.isfinite(values)) and np.all(values >= 0)):
        raise ValueError(f"{name} must be finite and >= 0 for every row; got {eps!r}.")
    return values[:, np.newaxis]


def check_norm(norm: Any) -> float:
    key = "inf" if (isinstance(norm, (int, float)) and np.isinf(norm)) else str(norm)
    key = {"2.0": "2", "np.inf": "inf"}.get(key, key)
    if key not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; use np.inf (L-infinity) or 2 (L2).")
    return NORMS[key]


def check_clip(
    clip: Any,
    X: np.ndarray | None = None,
    name: str = "X",
    allow_none: bool = True,
    scale_fix: str = "divide them by 255, and give eps on that scale",
) -> tuple[float, float] | None:
    """The box ``clip`` an attack's changes stay in, as ``(low, high)`` or None, after checking
    that ``X`` lies inside it; ``clip=None`` (features without bounds) is refused for ``X`` that
    looks like 0-255 pixels, whose changes would leave that range. Shared by the attacks and
    the training on attacked batches (:mod:`helpers.training`)."""
    if clip is None and X is not None and _looks_like_8_bit_pixels(X):
        raise ValueError(
            f"{name} holds whole numbers from 0 to {X.max():.0f}, like 0-255 pixels, but "
            "clip=None treats them as features without bounds (the change may leave 0-255); "
            f"divide {name} by 255 and pass clip=(0, 1), with eps on that scale, or pass "
            "clip=(0, 255) if the model takes 0-255 pixels."
        )
    if X is None:
        return None if clip is None else check_range(clip, "clip")
    return check_in_range(X, clip, name, "clip", allow_none=allow_none, scale_fix=scale_fix)


def _looks_like_8_bit_pixels(X: np.ndarray) -> bool:
    """Whole numbers in [0, 255], some above 1: what images of 0-255 pixels hold."""
    return bool(X.size and X.min() >= 0 and 1 < X.max() <= 255
                and np.allclose(X, np.round(X), rtol=0, atol=1e-6))


def check_box(
    clip: Any, X: np.ndarray | None = None, name: str = "X", task: str = "This search"
) -> tuple[float, float]:
    """Like :func:`check_clip`, for searches that need a box: ``clip=None`` is refused."""
    if clip is None:
        raise ValueError(
            f"clip=None is not possible here: {task} works inside a box of valid values; pass "
            "clip=(low, high), e.g. clip=(0, 1) for pixels in [0, 1]."
        )
    return check_clip(clip, X, name, allow_none=False, scale_fix="divide them by 255")


def starting_image(
    start: Any, n_features: int, clip: tuple[float, float], random_state: int | None, task: str
) -> np.ndarray:
    """The first image of a fool search: ``"blank"`` (every pixel at the box's low end),
    ``"noise"`` (uniform in the box, seeded by ``random_state``) or an image inside the box.

    Shared by :func:`helpers.attacks.fool_image` and :func:`helpers.adaptive.adaptive_fool_image`
    (hence public, re-exported by :mod:`helpers.attacks`); ``task`` names the caller in errors.

    Returns
    -------
    ndarray of shape (n_features,)
    """
    low, high = clip
    if isinstance(start, str):
        if start == "blank":
            return np.full(n_features, low)
        if start == "noise":
            return np.random.default_rng(random_state).uniform(low, high, size=n_features)
        raise ValueError(f"start must be 'blank', 'noise' or an image; got {start!r}.")
    x0 = check_features(start, n_features=n_features, name="start", allow_1d=True)[0]
    check_box(clip, x0[np.newaxis], "start", task)
    return x0


def check_positive_int(value: Any, name: str) -> int:
    if not (isinstance(value, (int, np.integer)) and value >= 1):
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    return int(value)


def prepare_rows(model: Any, X: Any, clip: Any) -> tuple[np.ndarray, tuple[float, float] | None]:
    """Validated ``X`` (2-D, the model's number of features) and ``clip``."""
    gradients.check_differentiable(model)
    X = check_features(X, n_features=gradients.n_input_features(model))
    return X, check_clip(clip, X)


def check_choice(value: Any, choices: tuple[str, ...], name: str) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}; got {value!r}.")
    return value


def check_in_box(X: np.ndarray, clip: tuple[float, float]) -> None:
    if X.min() < clip[0] or X.max() > clip[1]:
        raise ValueError(
            f"X has values in [{X.min():.3g}, {X.max():.3g}], outside clip={clip!r}; the exact "
            "search looks for x' inside that box, so rescale X into it (pixels in [0, 1])."
        )


def check_positive(value: Any, name: str) -> float:
    """``value`` as a float after checking that it is a finite number > 0 (a time, a tolerance);
    the error names the argument ``name``. Shared by the exact search and the certificates."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number > 0; got {value!r}.") from None
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}.")
    return value


def as_row_values(value: Any, n_samples: int, name: str) -> np.ndarray:
    """``value`` (one number, or one per row of X) as an array of shape (n_samples,), each >= 0
    (``inf`` allowed: unknown); the error names the argument ``name``. Shared by the exact
    search and the certificates."""
    values = check_numeric(value, name)
    if values.ndim > 1 or values.size not in (1, n_samples):
        raise ValueError(
            f"{name} must be a number or one number per row of X, shape ({n_samples},); got "
            f"shape {values.shape}."
        )
    values = np.broadcast_to(values, (n_samples,))
    if np.any(np.isnan(values)) or np.any(values < 0):
        raise ValueError(f"{name} must be >= 0 for every row (inf: unknown); got {value!r}.")
    return values

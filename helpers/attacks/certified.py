"""Certified lower bounds on the smallest L-infinity change that fools a ReLU network.

An attack's fooling change is an upper bound on the smallest change ``eps*`` (notation page,
problem (3)); the exact search of :mod:`helpers.attacks.milp` proves ``eps*`` itself, at the
price of a mixed-integer program. In between lie *certificates*: bounds on every hidden unit's
pre-activation over the ball of radius ``eps`` around ``x`` (inside the pixel box), propagated
to the logits, that prove no other class's logit can reach the predicted one's anywhere in the
ball. They cost one pass (interval arithmetic) or a few linear programs (LP-tightened bounds:
the triangle relaxation of every ReLU whose sign the bounds leave open), never a branch and
bound; they may fail to prove a radius that is in fact safe, never prove one that is not.

- :func:`certified_at` — at one radius: proven safe, or not proven.
- :func:`certified_radius` — the largest radius proven safe, by bisection.
- :func:`fixed_sign_units` — the hidden units whose sign the bounds fix over the ball: the ones
  the exact search needs no binary variable for (Xiao et al., ICLR 2019, train for more of
  them).

The bounds are those of the exact search (:func:`helpers.attacks._milp_encoding.hidden_bounds`
and :func:`~helpers.attacks._milp_encoding.network_program`): exact for the first layer, interval
arithmetic above it, and with ``bounds="lp"`` every undecided unit, and then every other class's
logit margin, tightened by LP. So the certificate with LP bounds is never below the one with
intervals, and neither is ever above the exact minimum. Nothing here draws.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.neural_network import MLPClassifier

from helpers._validation import check_features, check_in_range, check_range
from helpers.attacks._checks import as_row_values, check_choice, check_positive
from helpers.attacks._milp_encoding import Region, hidden_bounds, network_program
from helpers.attacks.milp import BOUND_METHODS, check_relu_network

#: How far below the predicted class's logit every other class's must provably stay for a
#: certificate: a margin for the linear programs' tolerances (about 1e-7), as the exact search
#: asks a fooling change to exceed the predicted logit by 1e-6.
CERTIFICATE_MARGIN: float = 1e-6


def _certifies(model: MLPClassifier, x0: np.ndarray, eps: float, bounds: str,
               clip: tuple[float, float], deadline: float) -> bool:
    """Whether the bounds prove that no change of size ``<= eps`` reaches another class."""
    region = Region(x0, "inf", 0.0, eps, clip, deadline)
    return not network_program(model, region, bounds, -CERTIFICATE_MARGIN).targets


def _prepare(model: Any, X: Any, bounds: str, clip: Any, time_limit: float):
    """Validated rows, bounds method, box and time limit."""
    check_relu_network(model)
    clip = check_range(clip, "clip")
    X = check_features(X, n_features=model.coefs_[0].shape[0], allow_1d=True)
    check_in_range(X, clip, "X", "clip", allow_none=False)
    check_choice(bounds, BOUND_METHODS, "bounds")
    return X, clip, check_positive(time_limit, "time_limit")


def certified_at(
    model: MLPClassifier,
    X: Any,
    eps: float,
    bounds: str = "lp",
    clip: tuple[float, float] = (0.0, 1.0),
    time_limit: float = 60.0,
) -> np.ndarray:
    """Whether the bounds prove, per row, that no L-infinity change of size ``eps`` fools the
    network.

    Proven: over every ``x'`` with ``||x' - x||_inf <= eps`` inside ``clip``, every other
    class's logit stays at least :data:`CERTIFICATE_MARGIN` below the logit of the class
    predicted at ``x``. Not proven (False) says nothing: the change may exist or the bounds may
    be too loose; the exact search (:func:`helpers.attacks.adversarial_within_relu`) decides.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, ``activation="relu"``.
    X : array-like of shape (n_samples, n_features)
        Rows inside ``clip``.
    eps : float or array-like of shape (n_samples,)
        The radius, >= 0: one for all rows, or one per row.
    bounds : {"lp", "interval"}, default "lp"
        Interval arithmetic, or interval arithmetic tightened by LP.
    clip : (low, high), default (0, 1)
    time_limit : float, default 60
        Seconds per row; the LPs still unsolved then keep their interval bounds (still sound,
        looser).

    Returns
    -------
    ndarray of shape (n_samples,), dtype bool

    Raises
    ------
    TypeError
        If ``model`` is not an ``MLPClassifier``.
    ValueError
        If its activation is not ReLU, ``X`` has the wrong shape or lies outside ``clip``,
        ``eps`` is negative or has neither one value nor one per row, ``bounds`` is unknown or
        ``time_limit`` is not > 0.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    X, clip, time_limit = _prepare(model, X, bounds, clip, time_limit)
    sizes = as_row_values(eps, len(X), "eps")
    return np.array([_certifies(model, x0, float(size), bounds, clip,
                                time.perf_counter() + time_limit)
                     for x0, size in zip(X, sizes)], dtype=bool)


def certified_radius(
    model: MLPClassifier,
    X: Any,
    bounds: str = "lp",
    upper_bound: Any = None,
    tol: float = 1e-4,
    clip: tuple[float, float] = (0.0, 1.0),
    time_limit: float = 60.0,
) -> np.ndarray:
    """The largest L-infinity radius the bounds prove safe, per row, by bisection.

    Bisection between 0 and ``upper_bound`` on :func:`certified_at`'s question: the radius
    returned is proven (no change of that size reaches another class) and lies within ``tol``
    of the largest radius the same bounds would prove, so it is a lower bound on the exact
    minimum ``eps*``. A row whose predicted class does not win by at least
    :data:`CERTIFICATE_MARGIN` at ``x`` itself gets 0.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, ``activation="relu"``.
    X : array-like of shape (n_samples, n_features)
        Rows inside ``clip``.
    bounds : {"lp", "interval"}, default "lp"
    upper_bound : float or array-like of shape (n_samples,), optional
        Where to start the bisection: a size known to fool each row (an attack's, or the exact
        minimum), so fewer steps are needed; the radius returned is below it. None: the radius
        of a ball that holds the whole box.
    tol : float, default 1e-4
        Width of the last bisection interval, > 0.
    clip : (low, high), default (0, 1)
    time_limit : float, default 60
        Seconds per row; past it the remaining steps use interval bounds only (still sound).

    Returns
    -------
    ndarray of shape (n_samples,)

    Raises
    ------
    TypeError, ValueError, sklearn.exceptions.NotFittedError
        As :func:`certified_at`, and if ``upper_bound`` is negative or has neither one value
        nor one per row, or ``tol`` is not > 0.
    """
    X, clip, time_limit = _prepare(model, X, bounds, clip, time_limit)
    tol = check_positive(tol, "tol")
    reach = np.maximum(X - clip[0], clip[1] - X).max(axis=1)  # a ball holding the whole box
    highs = reach if upper_bound is None else np.minimum(
        as_row_values(upper_bound, len(X), "upper_bound"), reach)
    radii = []
    for x0, high in zip(X, highs):
        deadline = time.perf_counter() + time_limit
        if not _certifies(model, x0, 0.0, bounds, clip, deadline):
            radii.append(0.0)
            continue
        # LP bounds prove whatever intervals prove: start from the intervals' radius (cheap)
        low = 0.0 if bounds == "interval" else \
            certified_radius(model, x0, "interval", high, tol, clip, time_limit)[0]
        while high - low > tol:
            middle = (low + high) / 2
            if _certifies(model, x0, middle, bounds, clip, deadline):
                low = middle
            else:
                high = middle
        radii.append(low)
    return np.array(radii)


def fixed_sign_units(
    model: MLPClassifier,
    X: Any,
    eps: float,
    bounds: str = "lp",
    clip: tuple[float, float] = (0.0, 1.0),
    time_limit: float = 60.0,
) -> np.ndarray:
    """How many hidden units, per layer, the bounds prove always on or always off over the ball.

    Over every ``x'`` with ``||x' - x||_inf <= eps`` inside ``clip``: a unit whose
    pre-activation's lower bound is >= 0 is always on (linear), one whose upper bound is <= 0
    always off (constant). The others are open: the exact search gives each a binary variable,
    and each doubles, at worst, the work of its branch and bound.

    Parameters
    ----------
    model : MLPClassifier
        Fitted, ``activation="relu"``.
    X : array-like of shape (n_samples, n_features)
    eps : float or array-like of shape (n_samples,)
        The radius, >= 0: one for all rows, or one per row.
    bounds : {"lp", "interval"}, default "lp"
    clip : (low, high), default (0, 1)
    time_limit : float, default 60
        Seconds per row for the LPs.

    Returns
    -------
    ndarray of shape (n_samples, n_hidden_layers), dtype int
        Units of fixed sign, per row and hidden layer.

    Raises
    ------
    TypeError, ValueError, sklearn.exceptions.NotFittedError
        As :func:`certified_at`.
    """
    X, clip, time_limit = _prepare(model, X, bounds, clip, time_limit)
    sizes = as_row_values(eps, len(X), "eps")
    counts = []
    for x0, size in zip(X, sizes):
        region = Region(x0, "inf", 0.0, float(size), clip, time.perf_counter() + time_limit)
        lows, highs = hidden_bounds(model, region, bounds)
        counts.append([int(np.sum((lo >= 0) | (hi <= 0))) for lo, hi in zip(lows, highs)])
    return np.array(counts, dtype=int)

"""Measurements over a data set: accuracy under attack, the smallest FGSM step and the smallest
PGD size per row, and DeepFool's and FGSM's changes side by side. Nothing here draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from helpers import gradients
from helpers._validation import (
    check_features,
    check_grid,
    check_labels,
    check_model_mapping,
    model_input,
)
from helpers.attacks._checks import check_eps, check_positive_int, prepare_rows
from helpers.attacks.gradient import deepfool, fgsm, gradient_sign, pgd, surrogate_pgd


def accuracy_under_attack(
    models: Mapping[str, Any],
    X: Any,
    y: Any,
    eps: Sequence[float],
    n_steps: int = 10,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> pd.DataFrame:
    """Accuracy of each model on rows changed by FGSM and by PGD, for every ``eps`` (L-infinity).

    Parameters
    ----------
    models : mapping of name to fitted model
        Models :mod:`helpers.gradients` differentiates.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, 1)
        True labels, among each model's ``classes_``.
    eps : sequence of float
        Sizes of the change (0 gives the clean accuracy), at least one.
    n_steps : int, default 10
        Steps of PGD (with the default step ``2.5 * eps / n_steps``).
    clip : (low, high) or None, default (0, 1)

    Returns
    -------
    DataFrame
        Columns ``model``, ``attack`` ("FGSM" or "PGD"), ``eps``, ``accuracy``; one row per
        model, attack and eps.

    Raises
    ------
    TypeError
        If ``models`` is a single model rather than a dict of them.
    ValueError
        An empty ``models`` or ``eps``, labels the models do not know, or the errors of
        :func:`fgsm` and :func:`pgd`.
    """
    models = check_model_mapping(models)
    eps = check_grid(eps, "eps")
    X_checked = check_features(X)
    for model in models.values():
        prepare_rows(model, X_checked, clip)
    records = []
    for name, model in models.items():
        y = check_labels(model, y, len(X_checked))
        for size in eps:
            if size == 0:  # nothing to search: both attacks return X itself
                changed = {"FGSM": X_checked, "PGD": X_checked}
            else:
                changed = {
                    "FGSM": fgsm(model, X_checked, y, size, clip=clip),
                    "PGD": pgd(model, X_checked, y, size, n_steps=n_steps, clip=clip),
                }
            for attack, X_adv in changed.items():
                records.append({"model": name, "attack": attack, "eps": float(size),
                                "accuracy": float(np.mean(model.predict(model_input(model, X_adv)) == y))})
    return pd.DataFrame.from_records(records)


@dataclass(frozen=True)
class SmallestFGSM:
    """The smallest FGSM step, on a grid, that misclassifies each row.

    Attributes
    ----------
    eps : ndarray of shape (n_samples,)
        Smallest grid value whose FGSM change is misclassified; NaN where none is.
    delta : ndarray of shape (n_samples, n_features)
        That change (after clipping); zeros where none is misclassified.
    fooled : ndarray of shape (n_samples,), dtype bool
        Whether some grid value misclassifies the row.
    """

    eps: np.ndarray
    delta: np.ndarray
    fooled: np.ndarray


def smallest_fgsm(
    model: Any,
    X: Any,
    y: Any,
    eps_grid: Sequence[float],
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> SmallestFGSM:
    """For each row, the smallest ``eps`` of ``eps_grid`` at which FGSM misclassifies it.

    FGSM's direction, the sign of the input gradient at ``X``, does not depend on ``eps``: it is
    computed once and every grid value is a single prediction.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels.
    eps_grid : sequence of float
        Values to try, each >= 0, at least one; sorted here.
    clip : (low, high) or None, default (0, 1)

    Returns
    -------
    SmallestFGSM

    Raises
    ------
    ValueError
        An empty ``eps_grid`` (every row would be reported "not fooled"), a negative value, or
        the errors of :func:`fgsm`.
    """
    grid = np.sort(check_grid(eps_grid, "eps_grid"))
    X, clip = prepare_rows(model, X, clip)
    y = check_labels(model, y, len(X))
    direction = gradient_sign(gradients.input_gradient(model, X, y))
    eps = np.full(len(X), np.nan)
    delta = np.zeros_like(X)
    for value in grid:
        todo = np.flatnonzero(np.isnan(eps))
        if len(todo) == 0:
            break
        X_adv = X[todo] + value * direction[todo]
        if clip is not None:
            X_adv = np.clip(X_adv, *clip)
        fooled = model.predict(model_input(model, X_adv)) != y[todo]
        eps[todo[fooled]] = value
        delta[todo[fooled]] = X_adv[fooled] - X[todo[fooled]]
    return SmallestFGSM(eps=eps, delta=delta, fooled=~np.isnan(eps))


#: ReLU slopes of the surrogate gradient that ``smallest_pgd(loss="surrogate margin")`` tries:
#: on the series' ReLU network no single slope found the smallest change for every digit.
SURROGATE_SLOPES: tuple[float, ...] = (0.1, 0.3, 1.0)


@dataclass(frozen=True)
class SmallestPGD:
    """The smallest L-infinity PGD size, by bisection, that misclassifies each row.

    Attributes
    ----------
    eps : ndarray of shape (n_samples,)
        Smallest size found, within the bisection's resolution; NaN where no run at the largest
        size misclassifies the row.
    delta : ndarray of shape (n_samples, n_features)
        PGD's misclassified change of that size (after clipping); zeros where none was found.
    fooled : ndarray of shape (n_samples,), dtype bool
    """

    eps: np.ndarray
    delta: np.ndarray
    fooled: np.ndarray


def smallest_pgd(
    model: Any,
    X: Any,
    y: Any,
    high: float = 0.5,
    n_bisections: int = 12,
    n_restarts: int = 2,
    n_steps: int = 20,
    clip: tuple[float, float] | None = (0.0, 1.0),
    random_state: int = 0,
    loss: str = "log-loss",
) -> SmallestPGD:
    """For each row, the smallest L-infinity size at which PGD misclassifies it, by bisection.

    At a size ``eps`` PGD (:func:`helpers.attacks.pgd`, ``n_steps`` steps of the default length
    ``2.5 * eps / n_steps``) runs from the row itself, then from ``n_restarts`` random starts in
    the ball (seeds ``random_state + 1``, ``random_state + 2``, ...); ``eps`` fools the row if any
    run does. Every row starts from the interval ``[0, high]``, which is halved ``n_bisections``
    times (all rows at once, each at its own size), so the answer is within
    ``high / 2**n_bisections`` of the smallest size at which these runs succeed. It is an upper
    bound on the true minimum, never a lower one: a failed run proves nothing.

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels.
    high : float, default 0.5
        The largest size tried.
    n_bisections : int, default 12
    n_restarts : int, default 2
        Random starts besides the one at the row itself; 0 for none.
    n_steps : int, default 20
    clip : (low, high) or None, default (0, 1)
    random_state : int, default 0
    loss : {"log-loss", "surrogate margin"}, default "log-loss"
        ``"log-loss"``: :func:`helpers.attacks.pgd`, the cross-entropy with exact gradients
        (Madry et al.). ``"surrogate margin"``: :func:`helpers.attacks.surrogate_pgd` towards
        each other class in turn, with each ReLU slope of ``SURROGATE_SLOPES`` (``2 * n_steps``
        steps each), for networks whose exact gradient vanishes (units switched off, a
        saturated softmax). Only ReLU networks take it.

    Returns
    -------
    SmallestPGD

    Raises
    ------
    ValueError
        As :func:`helpers.attacks.pgd`, and if ``high <= 0``, ``n_bisections < 1`` or
        ``n_restarts < 0``, or ``loss`` is unknown.
    """
    if loss not in ("log-loss", "surrogate margin"):
        raise ValueError(f"loss must be 'log-loss' or 'surrogate margin'; got {loss!r}.")
    if not check_eps(high, "high") > 0:
        raise ValueError(f"high must be > 0 (the largest size tried); got {high!r}.")
    n_bisections = check_positive_int(n_bisections, "n_bisections")
    if not (isinstance(n_restarts, (int, np.integer)) and n_restarts >= 0):
        raise ValueError(f"n_restarts must be a whole number >= 0; got {n_restarts!r}.")
    X, clip = prepare_rows(model, X, clip)
    y = np.asarray(y)
    gradients.class_indices(model, y, len(X))

    if loss == "log-loss":
        runs = [(restart, None, None) for restart in range(n_restarts + 1)]
    else:
        runs = [(restart, target, slope) for restart in range(n_restarts + 1)
                for slope in SURROGATE_SLOPES for target in model.classes_]

    def fooling(rows: np.ndarray, eps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``rows`` some run at its ``eps`` misclassifies, and those runs' changes."""
        fooled = np.zeros(len(rows), dtype=bool)
        delta = np.zeros((len(rows), X.shape[1]))
        for restart, target, slope in runs:
            todo = np.flatnonzero(~fooled & (y[rows] != target))
            if len(todo) == 0:
                continue
            start = {"clip": clip, "random_start": restart > 0,
                     "random_state": random_state + restart}
            if target is None:
                X_adv = pgd(model, X[rows[todo]], y[rows[todo]], eps[todo], n_steps=n_steps,
                            **start)
            else:
                X_adv = surrogate_pgd(model, X[rows[todo]], y[rows[todo]], eps[todo],
                                      np.full(len(todo), target), relu_slope=slope,
                                      n_steps=2 * n_steps, **start)
            now = model.predict(X_adv) != y[rows[todo]]
            fooled[todo[now]] = True
            delta[todo[now]] = X_adv[now] - X[rows[todo[now]]]
        return fooled, delta

    everyone = np.arange(len(X))
    fooled, delta = fooling(everyone, np.full(len(X), float(high)))
    rows = np.flatnonzero(fooled)
    low, up = np.zeros(len(rows)), np.full(len(rows), float(high))
    for _ in range(n_bisections):
        middle = (low + up) / 2
        now, change = fooling(rows, middle)
        up[now], low[~now] = middle[now], middle[~now]
        delta[rows[now]] = change[now]
    eps = np.full(len(X), np.nan)
    eps[rows] = up
    return SmallestPGD(eps=eps, delta=delta, fooled=fooled)


def deepfool_vs_fgsm(
    models: Mapping[str, Any],
    X: Any,
    y: Any,
    eps_grid: Sequence[float],
    clip: tuple[float, float] | None = (0.0, 1.0),
    **deepfool_options: Any,
) -> pd.DataFrame:
    """Sizes of the changes DeepFool and the smallest FGSM need to misclassify each row.

    Only rows each model classifies correctly are attacked, so that both attacks answer the same
    question: how far is this digit from a wrong class?

    Parameters
    ----------
    models : mapping of name to fitted model
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        True labels.
    eps_grid : sequence of float
        Grid of :func:`smallest_fgsm`.
    clip : (low, high) or None, default (0, 1)
        Pixel range of both attacks: every changed row stays a valid input.
    **deepfool_options
        Passed to :func:`deepfool` (``max_iter``, ``overshoot``, ``max_step``).

    Returns
    -------
    DataFrame
        Columns ``model``, ``attack`` ("DeepFool" or "FGSM"), ``row`` (index into ``X``),
        ``fooled``, ``L2`` and ``Linf`` (sizes of the change; NaN where not fooled).
    """
    models = check_model_mapping(models)
    X = check_features(X)
    check_grid(eps_grid, "eps_grid")  # every input checked before the long searches
    for model in models.values():
        prepare_rows(model, X, clip)
        y = check_labels(model, y, len(X))
    frames = []
    for name, model in models.items():
        rows = np.flatnonzero(model.predict(model_input(model, X)) == y)
        found = deepfool(model, X[rows], clip=clip, **deepfool_options)
        fast = smallest_fgsm(model, X[rows], y[rows], eps_grid, clip=clip)
        for attack, delta, fooled in [("DeepFool", found.delta, found.flipped),
                                      ("FGSM", fast.delta, fast.fooled)]:
            frames.append(pd.DataFrame({
                "model": name,
                "attack": attack,
                "row": rows,
                "fooled": fooled,
                "L2": np.where(fooled, np.linalg.norm(delta, axis=1), np.nan),
                "Linf": np.where(fooled, np.abs(delta).max(axis=1), np.nan),
            }))
    return pd.concat(frames, ignore_index=True)


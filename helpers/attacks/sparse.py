"""An attack made for the L1 norm: the elastic-net attack (EAD).

Chen, Sharma, Zhang, Yi and Hsieh, "EAD: Elastic-net attacks to deep neural networks via
adversarial examples", AAAI 2018. It minimises ``c * f(x') + ||x' - x||_2^2 + beta ||x' - x||_1``
over the pixel box, where ``f`` is Carlini and Wagner's margin loss ``max(logit_y -
max_{k != y} logit_k, -kappa)``, by iterative shrinkage-thresholding (ISTA, with FISTA's
momentum), and searches the constant ``c`` by bisection. The L1 term makes the change sparse:
a few pixels move far, as the smallest L1 change does.
:func:`helpers.attacks.minimal_perturbation_relu` starts its L1 search from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import gradients
from helpers.attacks._checks import check_box, check_positive, check_positive_int, prepare_rows


@dataclass(frozen=True)
class SparseAttack:
    """What :func:`ead` found for each row.

    Attributes
    ----------
    delta : ndarray of shape (n_samples, n_features)
        The misclassified change with the smallest L1 norm found (zeros where none was).
    l1 : ndarray of shape (n_samples,)
        Its L1 norm; ``inf`` where the attack found no misclassified change ("search failed").
    fooled : ndarray of shape (n_samples,), dtype bool
    """

    delta: np.ndarray
    l1: np.ndarray
    fooled: np.ndarray


def ead(
    model: Any,
    X: Any,
    y: Any,
    beta: float = 1e-2,
    n_searches: int = 9,
    n_steps: int = 100,
    learning_rate: float = 1e-2,
    initial_const: float = 1e-3,
    clip: tuple[float, float] = (0.0, 1.0),
) -> SparseAttack:
    """The elastic-net attack (Chen et al., AAAI 2018), untargeted, with the L1 decision rule.

    For each of ``n_searches`` constants ``c`` (per row: ``initial_const``, multiplied by 10
    until a run succeeds, then bisected between the largest failure and the smallest success),
    ``n_steps`` steps of FISTA from ``X``: a gradient step of length ``learning_rate * (1 -
    k / n_steps) ** 0.5`` on ``c * f + ||x' - x||_2^2`` (``f`` the margin of the true class over
    the best other one, ``kappa = 0``), then the shrinkage ``S_beta`` (each pixel's change cut
    by ``beta`` towards zero) and the pixel box. Every iterate the network misclassifies is a
    candidate; the one with the smallest L1 change is returned. The paper's settings: 9
    searches, 1,000 steps, ``learning_rate`` 0.01, ``initial_const`` 0.001, ``beta`` 0.01
    (10 times fewer steps here; the exact search only needs a good start).

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    X : array-like of shape (n_samples, n_features)
        Rows inside ``clip``.
    y : array-like of shape (n_samples,)
        The labels to move away from.
    beta : float, default 0.01
    n_searches : int, default 9
    n_steps : int, default 100
    learning_rate : float, default 0.01
    initial_const : float, default 0.001
    clip : (low, high), default (0, 1)

    Returns
    -------
    SparseAttack

    Raises
    ------
    ValueError
        If a number is not > 0 (``n_searches`` and ``n_steps`` whole), ``X`` has the wrong shape
        or lies outside ``clip``, or a label is unknown to the model.
    """
    beta = check_positive(beta, "beta")
    learning_rate = check_positive(learning_rate, "learning_rate")
    const = check_positive(initial_const, "initial_const")
    n_searches = check_positive_int(n_searches, "n_searches")
    n_steps = check_positive_int(n_steps, "n_steps")
    X, clip = prepare_rows(model, X, check_box(clip, task="EAD"))
    source = gradients.class_indices(model, y, len(X))
    rows = np.arange(len(X))
    best, best_l1 = X.copy(), np.full(len(X), np.inf)
    c, low, high = np.full(len(X), const), np.zeros(len(X)), np.full(len(X), np.inf)
    for _ in range(n_searches):
        x, slack = X.copy(), X.copy()
        succeeded = np.zeros(len(X), dtype=bool)
        for k in range(n_steps):
            logits = gradients.logits(model, slack)
            others = logits.copy()
            others[rows, source] = -np.inf
            rival = others.argmax(axis=1)
            margin, gradient = gradients.margin_and_surrogate_gradient(
                model, slack, model.classes_[source], model.classes_[rival])
            # f = logit_y - logit_rival = -margin, active while the row is not yet fooled
            step = c[:, None] * np.where(margin[:, None] < 0, -gradient, 0.0) + 2 * (slack - X)
            moved = slack - learning_rate * (1 - k / n_steps) ** 0.5 * step - X
            new = np.clip(X + np.sign(moved) * np.maximum(np.abs(moved) - beta, 0.0), *clip)
            slack, x = new + k / (k + 3) * (new - x), new
            fooled = gradients.logits(model, new).argmax(axis=1) != source
            l1 = np.abs(new - X).sum(axis=1)
            better = fooled & (l1 < best_l1)
            best[better], best_l1[better] = new[better], l1[better]
            succeeded |= fooled
        high[succeeded] = np.minimum(high[succeeded], c[succeeded])
        low[~succeeded] = np.maximum(low[~succeeded], c[~succeeded])
        c = np.where(np.isfinite(high), (low + high) / 2, c * 10)
    return SparseAttack(delta=best - X, l1=best_l1, fooled=np.isfinite(best_l1))

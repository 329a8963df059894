"""Training for robustness: an ``MLPClassifier`` trained on attacked batches.

Adversarial training (Madry et al., ICLR 2018) fits a network to the min-max problem

``min over the weights of the mean, over the training digits, of
max over the allowed changes delta of  loss(x + delta, y)``,

the inner maximisation being the notation page's problem (2). It cannot be solved exactly, so
each step of training solves it approximately for one batch, against the current weights, with
an attack, and then takes one optimiser step on the changed batch:

- ``attack="pgd"``: projected gradient descent from a random start in the ball
  (:func:`helpers.attacks.pgd`), as Madry et al.;
- ``attack="fgsm"``: one signed-gradient step of ``1.25 eps`` from a random start in the ball
  (Wong, Rice and Kolter, "Fast is better than free", ICLR 2020), the same function with one
  step: as robust on MNIST for a tenth of the attack's cost, they found.

:class:`AdversarialMLPClassifier` does it in scikit-learn itself, by composition: a clone of an
``MLPClassifier`` is trained batch by batch with its own ``partial_fit`` (one optimiser step per
batch), and the result, ``network_``, is a plain fitted ``MLPClassifier`` that every helper of
the series reads (gradients, attacks, the exact search). Nothing here draws.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.neural_network import MLPClassifier

from helpers import attacks, models
from helpers._validation import (
    check_features,
    check_fitted,
    check_nonnegative,
    check_seed,
    check_training_data,
)
from helpers.attacks._checks import check_choice, check_clip

#: The attacks the training replaces each batch with.
TRAINING_ATTACKS: tuple[str, str] = ("pgd", "fgsm")
#: FGSM's step, as a multiple of ``eps``, from its random start (Wong, Rice and Kolter 2020).
FGSM_STEP: float = 1.25
#: Solvers whose ``partial_fit`` takes one optimiser step per batch.
STOCHASTIC_SOLVERS: tuple[str, str] = ("adam", "sgd")


def _check_whole(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not (isinstance(value, numbers.Integral) and value >= minimum):
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}.")
    return int(value)


def _check_network(estimator: Any) -> MLPClassifier:
    """An unfitted clone of ``estimator`` that ``partial_fit`` trains one batch at a time."""
    if estimator is None:
        return models.mnist_standard_network()
    if not isinstance(estimator, MLPClassifier):
        raise TypeError(
            f"estimator must be an MLPClassifier (the network to train), or None for the "
            f"series' standard network; got {type(estimator).__name__}."
        )
    if estimator.solver not in STOCHASTIC_SOLVERS:
        raise ValueError(
            f"estimator has solver={estimator.solver!r}, which trains on all the data at once "
            "and has no partial_fit; training on attacked batches needs solver='adam' or "
            "solver='sgd'."
        )
    if estimator.early_stopping:
        raise ValueError(
            "estimator has early_stopping=True, which partial_fit ignores (it holds out no "
            "validation digits): training would run all the epochs anyway. Set "
            "early_stopping=False, and choose the number of epochs with epochs=."
        )
    return clone(estimator)


class AdversarialMLPClassifier(ClassifierMixin, BaseEstimator):
    """An ``MLPClassifier`` trained on batches replaced by attacks against its current weights.

    Every epoch shuffles the training rows (a generator seeded by ``random_state``) and cuts
    them into batches of the network's ``batch_size`` (``"auto"``: 200). Each batch is replaced
    by the attack's changes of size ``eps_t`` against the current weights, made for the true
    labels, and the network takes one optimiser step on them (``partial_fit``). The size grows
    linearly from 0 in the first epoch to ``eps`` after ``warmup_epochs`` (a common schedule:
    at the full size from the first step, the series' standard network collapsed to chance).
    The first batch of all, and every batch of size 0, is taken as it is. With ``eps=0`` this
    is plain training by ``partial_fit`` on shuffled batches.

    Parameters
    ----------
    estimator : MLPClassifier, optional
        The network to train (cloned), with ``solver="adam"`` or ``"sgd"`` and no early
        stopping; its ``max_iter`` and ``tol`` do not apply (``epochs`` does). None:
        :func:`helpers.models.mnist_standard_network` at the series' seed.
    eps : float, default 0.1
        L-infinity size of the changes, >= 0 (pixels in [0, 1]: 0.1 is a tenth of the range).
    attack : {"pgd", "fgsm"}, default "pgd"
        ``"pgd"``: :func:`helpers.attacks.pgd` with ``n_steps`` steps of ``2.5 eps / n_steps``
        from a random start (Madry et al. 2018); ``"fgsm"``: the same function with one step of
        ``1.25 eps`` from a random start (Wong, Rice and Kolter 2020). Either keeps, per row,
        the iterate of highest loss (:func:`helpers.attacks.pgd`): for FGSM the random start
        where the step lowered the loss, which Wong et al.'s loop does not do.
    n_steps : int, default 10
        PGD's steps (``attack="pgd"`` only).
    epochs : int, default 40
        Passes over the training rows.
    warmup_epochs : int, default 10
        Epochs over which the size grows from 0 to ``eps`` (0: the full size from the start),
        fewer than ``epochs``.
    clip : (low, high) or None, default (0, 1)
        The box the changed rows stay in (pixels); None for features without bounds.
    random_state : int, default 0
        Seed of the batches' order and of the attack's random starts (the network's own
        ``random_state`` seeds its initial weights).

    Attributes
    ----------
    network_ : MLPClassifier
        The trained network: a plain fitted ``MLPClassifier``.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    loss_curve_ : list of float
        Per epoch, the mean log-loss (with the network's penalty) of its batches as trained on,
        changes included.
    """

    def __init__(
        self,
        estimator: MLPClassifier | None = None,
        eps: float = 0.1,
        attack: str = "pgd",
        n_steps: int = 10,
        epochs: int = 40,
        warmup_epochs: int = 10,
        clip: tuple[float, float] | None = (0.0, 1.0),
        random_state: int = 0,
    ) -> None:
        self.estimator = estimator
        self.eps = eps
        self.attack = attack
        self.n_steps = n_steps
        self.epochs = epochs
        self.warmup_epochs = warmup_epochs
        self.clip = clip
        self.random_state = random_state

    def _attacked(self, network: MLPClassifier, X: np.ndarray, y: np.ndarray, eps: float,
                  clip: tuple[float, float] | None, seed: int) -> np.ndarray:
        """The batch ``X`` replaced by the attack's changes of size ``eps``."""
        if self.attack == "fgsm":
            return attacks.pgd(network, X, y, eps, step=FGSM_STEP * eps, n_steps=1, clip=clip,
                               random_start=True, random_state=seed)
        return attacks.pgd(network, X, y, eps, n_steps=self.n_steps, clip=clip,
                           random_start=True, random_state=seed)

    def fit(self, X: Any, y: Any) -> AdversarialMLPClassifier:
        """Train a clone of ``estimator`` on attacked batches of ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inside ``clip``.
        y : array-like of shape (n_samples,)

        Returns
        -------
        self

        Raises
        ------
        TypeError
            If ``estimator`` is not an ``MLPClassifier``.
        ValueError
            If its solver has no ``partial_fit`` or it stops early, ``eps`` is negative,
            ``attack`` is unknown, ``n_steps`` or ``epochs`` is not a whole number >= 1,
            ``warmup_epochs`` is negative or not below ``epochs``, ``random_state`` is not a seed,
            ``X`` is not finite and 2-D or lies outside ``clip`` (or, with ``clip=None``,
            holds whole numbers up to 255, like 0-255 pixels), or ``y`` is not one class label
            per row of ``X``.
        """
        network = _check_network(self.estimator)
        eps = check_nonnegative(self.eps, "eps")
        check_choice(self.attack, TRAINING_ATTACKS, "attack")
        _check_whole(self.n_steps, "n_steps", 1)
        epochs = _check_whole(self.epochs, "epochs", 1)
        warmup = _check_whole(self.warmup_epochs, "warmup_epochs", 0)
        if warmup >= epochs > 1 or warmup > epochs:
            raise ValueError(
                f"warmup_epochs={warmup} with epochs={epochs} leaves no epoch at the full size "
                "eps; lower warmup_epochs or raise epochs (warmup_epochs < epochs)."
            )
        seed = check_seed(self.random_state)
        X, y = check_training_data(X, y)
        clip = check_clip(self.clip, X)
        classes = np.unique(y)
        chosen = network.batch_size
        batch = min(200 if chosen == "auto" else int(chosen), len(X))
        order_rng = np.random.default_rng(seed)
        attack_rng = np.random.default_rng([seed, 1])
        self.loss_curve_ = []
        for epoch in range(epochs):
            size = eps * min(1.0, epoch / warmup) if warmup else eps
            order = order_rng.permutation(len(X))
            losses = []
            for start in range(0, len(X), batch):
                rows = order[start:start + batch]
                X_batch = X[rows]
                if size > 0 and hasattr(network, "coefs_"):
                    X_batch = self._attacked(network, X_batch, y[rows], size, clip,
                                             int(attack_rng.integers(2**31)))
                # one optimiser step on the whole batch (a last, shorter batch included:
                # partial_fit would warn that the chosen batch_size exceeds its rows)
                network.set_params(batch_size=len(rows))
                network.partial_fit(X_batch, y[rows], classes=classes)
                losses.append(network.loss_)
            self.loss_curve_.append(float(np.mean(losses)))
        self.network_ = network.set_params(batch_size=chosen)
        self.classes_ = network.classes_
        self.n_features_in_ = X.shape[1]
        return self

    def _input(self, X: Any) -> np.ndarray:
        check_fitted(self)
        return check_features(X, n_features=self.n_features_in_, model=self)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of the trained network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        X = self._input(X)
        return self.network_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """The class the trained network predicts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        X = self._input(X)
        return self.network_.predict(X)

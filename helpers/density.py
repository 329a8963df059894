"""Generative models of the inputs: how likely is an image, not only which class it is.

A discriminative classifier models ``p(y | x)`` and is silent about ``p(x)``. The
:class:`ClassConditionalDensity` here models ``p(x | y)`` for every class, so it can say when an
input looks like none of the training data, and it classifies with Bayes' rule
``p(y | x) ∝ p(x | y) p(y)``. Nothing here draws (see :mod:`helpers.plotting.density`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.mixture import GaussianMixture

from helpers._validation import check_features, check_fitted, check_numeric, check_range


class ClassConditionalDensity(ClassifierMixin, BaseEstimator):
    """Density of the inputs of each class: principal components, a Gaussian mixture per class.

    The inputs are projected on the ``n_components`` leading principal components of all the
    training rows (shared by the classes). In those coordinates ``z`` each class has its own
    Gaussian mixture ``p(z | y)``. What the components leave out, the residual
    ``r = x - reconstruction(z)``, gets an isotropic Gaussian whose variance is the mean variance
    of the discarded directions (as in probabilistic PCA). The log-density of an input is then

    ``log p(x | y) = log p(z | y) + log N(r; 0, noise_variance_ * I)``,

    a density over the full input space: an image far from the principal subspace (noise, an
    image no digit resembles) is as improbable as one at an unusual place inside it.

    Parameters
    ----------
    n_components : int, default 30
        Number of principal components.
    n_mixture_components : int, default 1
        Gaussians per class (1: a single full-covariance Gaussian per class).
    reg_covar : float, default 1e-4
        Added to the diagonal of each covariance (see ``GaussianMixture``).
    random_state : int, default 0
        Seed of the mixtures' k-means initialisation.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_prior_ : ndarray of shape (n_classes,)
        Fraction of training rows in each class, ``p(y)``.
    pca_ : PCA
        Fitted on all training rows.
    noise_variance_ : float
        Variance of each residual coordinate.
    mixtures_ : list of GaussianMixture
        ``p(z | y)``, one per class, in the order of ``classes_``.
    n_features_in_ : int
    """

    def __init__(
        self,
        n_components: int = 30,
        n_mixture_components: int = 1,
        reg_covar: float = 1e-4,
        random_state: int = 0,
    ) -> None:
        self.n_components = n_components
        self.n_mixture_components = n_mixture_components
        self.reg_covar = reg_covar
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> ClassConditionalDensity:
        """Fit the principal components on all rows, then one mixture per class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``X`` is not a finite 2-D array, ``y`` does not match it, there are fewer than two
            classes, ``n_components`` is not below the number of features, or a class has fewer
            rows than ``n_mixture_components + 1``.
        """
        X = check_features(X)
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(
                f"y must have shape ({len(X)},), one label per row of X; got {y.shape}."
            )
        if not 1 <= self.n_components < X.shape[1]:
            raise ValueError(
                f"n_components={self.n_components} must be between 1 and n_features - 1 = "
                f"{X.shape[1] - 1} (X has n_features = {X.shape[1]}), so that a residual is left "
                "to model; lower n_components."
            )
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise ValueError(f"y holds {len(classes)} class; a classifier needs at least two.")
        if counts.min() <= self.n_mixture_components:
            small = classes[counts.argmin()]
            raise ValueError(
                f"class {small!r} has {counts.min()} rows, too few for "
                f"{self.n_mixture_components} mixture component(s); lower n_mixture_components "
                "or add rows."
            )
        self.pca_ = PCA(n_components=self.n_components, svd_solver="full").fit(X)
        self.noise_variance_ = float(self.pca_.noise_variance_)
        if self.noise_variance_ <= 0:
            raise ValueError(
                "the principal components explain all the variance of X, so the residual has no "
                "spread to model; lower n_components."
            )
        Z = self.pca_.transform(X)
        self.mixtures_ = [
            GaussianMixture(
                n_components=self.n_mixture_components,
                covariance_type="full",
                reg_covar=self.reg_covar,
                random_state=self.random_state,
            ).fit(Z[y == label])
            for label in classes
        ]
        self.classes_ = classes
        self.class_prior_ = counts / counts.sum()
        self.n_features_in_ = X.shape[1]
        return self

    def class_log_density(self, X: Any) -> np.ndarray:
        """``log p(x | y)`` for every row and class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Natural logarithm of a density over the ``n_features``-dimensional input space.
        """
        check_fitted(self)
        X = check_features(X, self.n_features_in_)
        Z = self.pca_.transform(X)
        residual = X - self.pca_.inverse_transform(Z)
        n_residual = self.n_features_in_ - self.n_components
        residual_log_density = -0.5 * (
            np.sum(residual**2, axis=1) / self.noise_variance_
            + n_residual * np.log(2 * np.pi * self.noise_variance_)
        )
        subspace = np.column_stack([mixture.score_samples(Z) for mixture in self.mixtures_])
        return subspace + residual_log_density[:, np.newaxis]

    def score_samples(self, X: Any) -> np.ndarray:
        """``log p(x) = log sum_y p(x | y) p(y)`` for every row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return logsumexp(self.class_log_density(X) + np.log(self.class_prior_), axis=1)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Bayes' rule in logs: ``log p(y | x) = log p(x | y) + log p(y) - log p(x)``.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        joint = self.class_log_density(X) + np.log(self.class_prior_)
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def predict_proba(self, X: Any) -> np.ndarray:
        """``p(y | x)`` for every row and class, shape ``(n_samples, n_classes)``."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row, shape ``(n_samples,)``."""
        check_fitted(self)
        return self.classes_[np.argmax(self.predict_log_proba(X), axis=1)]


def low_density_threshold(model: ClassConditionalDensity, X: Any, quantile: float = 0.01) -> float:
    """The log-density below which only a fraction ``quantile`` of the rows of ``X`` fall.

    Chosen on the training rows, it flags an input as "unlike the training data" when fewer than
    ``quantile`` of the training inputs were as improbable.

    Parameters
    ----------
    model : ClassConditionalDensity
        Fitted.
    X : array-like of shape (n_samples, n_features)
        Usually the training rows.
    quantile : float, default 0.01
        Strictly between 0 and 1.

    Returns
    -------
    float
        ``np.quantile(model.score_samples(X), quantile)``.
    """
    _check_density_model(model)
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be strictly between 0 and 1; got {quantile!r}.")
    return float(np.quantile(model.score_samples(X), quantile))


def typical_range(
    model: ClassConditionalDensity, X: Any, coverage: float = 0.99
) -> tuple[float, float]:
    """The central interval of log-densities holding a fraction ``coverage`` of the rows of ``X``.

    A low log-density is not the only sign of an unusual input: in many dimensions typical
    samples of a density lie far from its mode, so an input *more* probable than nearly every
    training row (a blank or very faint image, close to the mean) is atypical too. Flagging
    inputs outside this interval is a two-sided (typicality) test.

    Parameters
    ----------
    model : ClassConditionalDensity
        Fitted.
    X : array-like of shape (n_samples, n_features)
        Usually the training rows.
    coverage : float, default 0.99
        Strictly between 0 and 1; each tail holds ``(1 - coverage) / 2`` of the rows.

    Returns
    -------
    (float, float)
        The ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` quantiles of
        ``model.score_samples(X)``.
    """
    _check_density_model(model)
    if not 0 < coverage < 1:
        raise ValueError(f"coverage must be strictly between 0 and 1; got {coverage!r}.")
    low, high = np.quantile(model.score_samples(X), [(1 - coverage) / 2, (1 + coverage) / 2])
    return float(low), float(high)


def predict_or_reject(
    model: ClassConditionalDensity, X: Any, threshold: Any, reject_label: Any = -1
) -> np.ndarray:
    """Predict the most probable class, or ``reject_label`` ("none of these") for unusual inputs.

    Parameters
    ----------
    model : ClassConditionalDensity
        Fitted.
    X : array-like of shape (n_samples, n_features)
    threshold : float or (float, float)
        A float: rows with ``model.score_samples(X) < threshold`` are rejected (e.g. from
        :func:`low_density_threshold`). A pair ``(low, high)``: rows outside it are rejected
        (e.g. from :func:`typical_range`).
    reject_label : scalar, default -1
        The answer for rejected rows; must not be one of ``model.classes_`` and must have a
        type compatible with them (e.g. an int for integer classes).

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    _check_density_model(model)
    if np.ndim(threshold) == 0:
        low, high = float(threshold), np.inf
        if not np.isfinite(low):
            raise ValueError(f"threshold must be a finite log-density; got {threshold!r}.")
    else:
        low, high = check_range(threshold, "threshold")
    if reject_label in list(model.classes_):
        raise ValueError(
            f"reject_label={reject_label!r} is one of the classes; choose a label the model "
            "never predicts, e.g. -1."
        )
    predicted = model.predict(X)
    log_density = model.score_samples(X)
    rejected = (log_density < low) | (log_density > high)
    return np.where(rejected, np.asarray(reject_label, dtype=predicted.dtype), predicted)


def _check_density_model(model: Any) -> None:
    """Refuse a model that gives no density (a classifier alone says nothing about ``p(x)``)."""
    if not (hasattr(model, "score_samples") and hasattr(model, "predict")):
        raise TypeError(
            f"model must be a fitted ClassConditionalDensity (a classifier with score_samples, "
            f"the log-density of each row); got {type(model).__name__}, which gives no density. "
            "Fit helpers.models.mnist_digit_density() on the same rows."
        )
    check_fitted(model)


def _check_scores(values: Any, name: str) -> np.ndarray:
    arr = check_numeric(values, name)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of scores; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; compute finite scores first.")
    return arr


def tail_probability(log_density: Any, reference_log_density: Any) -> np.ndarray:
    """Two-sided empirical tail probability of each log-density among reference log-densities.

    The share of reference values at or below the value, or at or above it, whichever is
    smaller: 0.5 at the reference median, 0 beyond the reference's extremes on either side. It
    is the score of a typicality test (low means unusual, whether too improbable or too
    probable); flagging values below ``(1 - coverage) / 2`` is the test of :func:`typical_range`.

    Parameters
    ----------
    log_density : array-like of shape (n_inputs,)
        Log-densities to score.
    reference_log_density : array-like of shape (n_reference,)
        Log-densities of the training inputs.

    Returns
    -------
    ndarray of shape (n_inputs,)
        Values in [0, 0.5] (up to ties), lower is more atypical.
    """
    values = _check_scores(log_density, "log_density")
    reference = np.sort(_check_scores(reference_log_density, "reference_log_density"))
    at_or_below = np.searchsorted(reference, values, side="right") / reference.size
    at_or_above = 1.0 - np.searchsorted(reference, values, side="left") / reference.size
    return np.minimum(at_or_below, at_or_above)


def outlier_auc(inlier_scores: Any, outlier_scores: Any) -> float:
    """ROC AUC of "a low score means outlier": the chance an outlier scores below an inlier.

    Parameters
    ----------
    inlier_scores : array-like of shape (n_inliers,)
        Scores of genuine inputs (e.g. log-densities, or :func:`tail_probability`, of real test
        digits).
    outlier_scores : array-like of shape (n_outliers,)
        Scores of the inputs to flag (e.g. fool images).

    Returns
    -------
    float
        ``sklearn.metrics.roc_auc_score`` with outliers as the positive class and the negated
        score as the detector's output: 1 when every outlier scores below every inlier, 0.5 for
        a detector no better than chance (ties count one half).
    """
    inliers = _check_scores(inlier_scores, "inlier_scores")
    outliers = _check_scores(outlier_scores, "outlier_scores")
    is_outlier = np.concatenate([np.zeros(inliers.size), np.ones(outliers.size)])
    return float(roc_auc_score(is_outlier, -np.concatenate([inliers, outliers])))

"""Remedies for confidence far from the data, as scikit-learn classifiers.

- :class:`MeinkeHeinClassifier` — any classifier combined with a density of the training inputs
  and a wider density of "out" inputs (Meinke and Hein, ICLR 2020): its confidence provably tends
  to ``1 / n_classes`` far from the data.
- :class:`DensityGatedClassifier` — the series' generative classifier (notebook 05) with its
  two-sided typicality test, as one probability model: inputs outside the typical range of
  ``log p(x)`` get the uniform answer ``1 / n_classes`` ("none of these").
- :class:`HiddenLayerRBFClassifier` — a network whose last step is replaced by a calibrated RBF
  SVM on a hidden layer (the post's suggestion).

Nothing here draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.mixture import GaussianMixture
from sklearn.neural_network import MLPClassifier

from helpers import models
from helpers._validation import (
    check_features,
    check_fitted,
    check_probability,
    check_seed,
    check_training_data,
)
from helpers.density import ClassConditionalDensity, typical_range
from helpers.network import check_hidden_layer, propagate

#: Covariance shapes for which :class:`MeinkeHeinClassifier` checks its guarantee in closed form.
WIDTH_CHECKED_COVARIANCES: tuple[str, ...] = ("spherical", "diag")


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not (isinstance(value, (int, np.integer)) and value >= 1):
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    return int(value)


def _prediction_input(model: BaseEstimator, X: Any) -> np.ndarray:
    """``X`` for a fitted remedy's prediction: fitted first, then its number of features."""
    check_fitted(model)
    return check_features(X, n_features=model.n_features_in_, model=model)


def _per_feature_variances(mixture: GaussianMixture, n_features: int) -> np.ndarray:
    """Variance of every component along every feature, shape (n_components, n_features)."""
    covariances = np.asarray(mixture.covariances_, dtype=float)
    if mixture.covariance_type == "spherical":
        return np.repeat(covariances[:, np.newaxis], n_features, axis=1)
    return covariances  # "diag"


def out_density_dominates(in_density: GaussianMixture, out_density: GaussianMixture) -> bool:
    """Whether one out component is wider than every in component along every axis.

    For Gaussians with diagonal covariances ``D_out`` and ``D_in``, the ratio
    ``N(x; mu_in, D_in) / N(x; mu_out, D_out)`` tends to 0 along every ray ``x = t v`` (``t`` to
    infinity, any ``v != 0``) exactly when ``D_out > D_in`` on every diagonal entry: the quadratic
    form ``v' (D_in^-1 - D_out^-1) v`` is then positive. If one out component dominates every in
    component, ``p(x | in) / p(x | out)`` therefore tends to 0 far from the data, in every direction.

    Parameters
    ----------
    in_density, out_density : GaussianMixture
        Fitted, ``covariance_type`` "spherical" or "diag", on the same number of features.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If a mixture's covariances are not spherical or diagonal, or the two have different
        numbers of features.
    sklearn.exceptions.NotFittedError
        If a mixture is not fitted.
    """
    for mixture, name in [(in_density, "in_density"), (out_density, "out_density")]:
        check_fitted(mixture, name)
        if mixture.covariance_type not in WIDTH_CHECKED_COVARIANCES:
            raise ValueError(
                f"{name} has covariance_type={mixture.covariance_type!r}; the test is closed-form "
                f"for {WIDTH_CHECKED_COVARIANCES} only: fit the mixture with one of them."
            )
    n_features = in_density.means_.shape[1]
    if out_density.means_.shape[1] != n_features:
        raise ValueError(
            f"in_density has {n_features} features but out_density "
            f"{out_density.means_.shape[1]}; fit both on inputs of the same width."
        )
    widest_in = _per_feature_variances(in_density, n_features).max(axis=0)
    out = _per_feature_variances(out_density, n_features)
    return bool(np.any(np.all(out > widest_in, axis=1)))


class MeinkeHeinClassifier(ClassifierMixin, BaseEstimator):
    """A classifier that knows when it doesn't know, after Meinke and Hein (ICLR 2020).

    A classifier ``p(y | x, in)`` is fitted on the training inputs, a Gaussian mixture
    ``p(x | in)`` on the same inputs and another ``p(x | out)`` on "out" inputs (uniform noise in
    the training inputs' range unless given). With priors ``p(in) = p_in`` and
    ``p(out) = 1 - p_in``, and the uniform answer ``1 / K`` (``K`` classes) for out inputs,

    ``p(y | x) = [p(y | x, in) p(x | in) p(in) + p(x | out) p(out) / K]
    / [p(x | in) p(in) + p(x | out) p(out)]``,

    that is ``p(y | x) = w(x) p(y | x, in) + (1 - w(x)) / K`` with ``w(x) = p(in | x)``. If the
    out mixture is wider than the in mixture (checked at fit, see :func:`out_density_dominates`),
    ``w(x)`` tends to 0 far from the data and the confidence tends to ``1 / K``, whatever the
    classifier does there.

    Parameters
    ----------
    classifier : classifier
        Cloned and fitted on ``(X, y)``; wrap a fitted one in ``sklearn.frozen.FrozenEstimator``
        to use it as it is.
    n_in_components : int, default 4
        Components of the in mixture.
    n_out_components : int, default 1
        Components of the out mixture.
    covariance_type : {"spherical", "diag"}, default "spherical"
        Of both mixtures (the two shapes for which the guarantee is checked in closed form).
    p_in : float, default 0.5
        Prior probability that an input comes from the training distribution.
    reg_covar : float, default 1e-6
        Added to every variance (see ``GaussianMixture``).
    random_state : int, default 0
        Seed of the mixtures' initialisation and of the default out inputs.

    Attributes
    ----------
    classifier_ : classifier
        Fitted on ``(X, y)``.
    in_density_ : GaussianMixture
        ``p(x | in)``.
    out_density_ : GaussianMixture
        ``p(x | out)``.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    """

    def __init__(
        self,
        classifier: Any,
        n_in_components: int = 4,
        n_out_components: int = 1,
        covariance_type: str = "spherical",
        p_in: float = 0.5,
        reg_covar: float = 1e-6,
        random_state: int = 0,
    ) -> None:
        self.classifier = classifier
        self.n_in_components = n_in_components
        self.n_out_components = n_out_components
        self.covariance_type = covariance_type
        self.p_in = p_in
        self.reg_covar = reg_covar
        self.random_state = random_state

    def _mixture(self, n_components: int) -> GaussianMixture:
        return GaussianMixture(
            n_components=n_components,
            covariance_type=self.covariance_type,
            reg_covar=self.reg_covar,
            random_state=self.random_state,
        )

    def fit(self, X: Any, y: Any, X_out: Any = None) -> MeinkeHeinClassifier:
        """Fit the classifier and the in density on ``X``, the out density on ``X_out``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        X_out : array-like of shape (n_out, n_features), optional
            Inputs the model should not be sure about. Default: ``n_samples`` images of uniform
            noise between the lowest and the highest value of ``X`` (seeded by ``random_state``).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``p_in`` is not in (0, 1), a component count is not a whole number >= 1,
            ``covariance_type`` is not one of :data:`WIDTH_CHECKED_COVARIANCES`, ``X`` or
            ``X_out`` is not a finite 2-D array of the same width, ``y`` is not one class label
            per row of ``X``, or the out mixture is not wider than the in mixture (then the
            guarantee does not hold).
        """
        check_probability(self.p_in, "p_in")
        check_seed(self.random_state)
        if not hasattr(self.classifier, "predict_proba"):
            raise TypeError(
                f"classifier must be a classifier with class probabilities (predict_proba), "
                f"p(y | x, in); got {type(self.classifier).__name__}. Calibrate an SVM first: "
                "CalibratedClassifierCV(SVC(), ensemble=False)."
            )
        n_in = _check_count(self.n_in_components, "n_in_components")
        n_out = _check_count(self.n_out_components, "n_out_components")
        if self.covariance_type not in WIDTH_CHECKED_COVARIANCES:
            raise ValueError(
                f"covariance_type={self.covariance_type!r} is not supported: the guarantee is "
                f"checked for {WIDTH_CHECKED_COVARIANCES} only; use one of them."
            )
        X, y = check_training_data(X, y)
        if X_out is None:
            rng = np.random.default_rng(self.random_state)
            X_out = rng.uniform(X.min(), X.max(), size=X.shape)
        X_out = check_features(X_out, n_features=X.shape[1], name="X_out")
        self.classifier_ = clone(self.classifier).fit(X, y)
        self.in_density_ = self._mixture(n_in).fit(X)
        self.out_density_ = self._mixture(n_out).fit(X_out)
        if not out_density_dominates(self.in_density_, self.out_density_):
            raise ValueError(
                "the out density is not wider than the in density along every axis, so the "
                "confidence need not fall to 1/n_classes far from the data; fit it on wider out "
                "inputs (X_out), or use more in components (narrower ones)."
            )
        self.classes_ = self.classifier_.classes_
        self.n_features_in_ = X.shape[1]
        return self

    def log_density_ratio(self, X: Any) -> np.ndarray:
        """``log [p(x | in) p(in)] - log [p(x | out) p(out)]``, the log-odds of "in".

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        X = _prediction_input(self, X)
        return (
            self.in_density_.score_samples(X)
            + np.log(self.p_in)
            - self.out_density_.score_samples(X)
            - np.log1p(-self.p_in)
        )

    def in_probability(self, X: Any) -> np.ndarray:
        """``p(in | x)``: the weight of the classifier in :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return expit(self.log_density_ratio(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """``w(x) p(y | x, in) + (1 - w(x)) / K`` for every row and class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to 1.
        """
        X = _prediction_input(self, X)
        weight = self.in_probability(X)[:, np.newaxis]
        inside = self.classifier_.predict_proba(X)
        return weight * inside + (1.0 - weight) / len(self.classes_)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row, shape (n_samples,)."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


class DensityGatedClassifier(ClassifierMixin, BaseEstimator):
    """A generative classifier that answers "none of these" (``1 / K`` each) for atypical inputs.

    The class-conditional density (notebook 05) classifies by Bayes' rule; an input whose
    ``log p(x)`` lies outside the range holding ``coverage`` of the training inputs (two-sided,
    :func:`helpers.density.typical_range`) is rejected, and its probabilities are the uniform
    ``1 / K``: the same answer the :class:`MeinkeHeinClassifier` gives far away, so both can be
    scored by their highest probability.

    Parameters
    ----------
    density : ClassConditionalDensity, optional
        Unfitted; cloned. Default :func:`helpers.models.mnist_digit_density`.
    coverage : float, default 0.99
        Share of training inputs inside the typical range.

    Attributes
    ----------
    density_ : ClassConditionalDensity
    typical_range_ : (float, float)
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    """

    def __init__(self, density: ClassConditionalDensity | None = None, coverage: float = 0.99):
        self.density = density
        self.coverage = coverage

    def fit(self, X: Any, y: Any) -> DensityGatedClassifier:
        """Fit the density on ``(X, y)`` and set the typical range from ``X``.

        Raises
        ------
        ValueError
            If ``coverage`` is not in (0, 1), ``y`` is not one class label per row of ``X``, or
            as ``ClassConditionalDensity.fit``.
        TypeError
            If ``density`` is not a ``ClassConditionalDensity``.
        """
        check_probability(self.coverage, "coverage")
        template = models.mnist_digit_density() if self.density is None else self.density
        if not isinstance(template, ClassConditionalDensity):
            raise TypeError(
                f"density must be a helpers.density.ClassConditionalDensity; got "
                f"{type(template).__name__}."
            )
        X, y = check_training_data(X, y)
        self.density_ = clone(template).fit(X, y)
        self.typical_range_ = typical_range(self.density_, X, coverage=self.coverage)
        self.classes_ = self.density_.classes_
        self.n_features_in_ = self.density_.n_features_in_
        return self

    def accepts(self, X: Any) -> np.ndarray:
        """Whether ``log p(x)`` lies inside the typical range, shape (n_samples,), dtype bool."""
        X = _prediction_input(self, X)
        log_density = self.density_.score_samples(X)
        low, high = self.typical_range_
        return (log_density >= low) & (log_density <= high)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The posterior ``p(y | x)`` where accepted, ``1 / K`` where rejected.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        X = _prediction_input(self, X)
        accepted = self.accepts(X)[:, np.newaxis]
        return np.where(accepted, self.density_.predict_proba(X), 1.0 / len(self.classes_))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row (a rejected row gets the first class)."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


class HiddenLayerRBFClassifier(ClassifierMixin, BaseEstimator):
    """A network up to one hidden layer, then a calibrated RBF SVM (:func:`models.hidden_rbf_svm`).

    Parameters
    ----------
    network : MLPClassifier
        Cloned and fitted on ``(X, y)``; wrap a fitted one in ``sklearn.frozen.FrozenEstimator``
        to use it as it is.
    layer : int, default 3
        The hidden layer the SVM reads (3: the 2-unit bottleneck of the series' networks).

    Attributes
    ----------
    network_ : MLPClassifier
    head_ : CalibratedClassifierCV
        Fitted on the training inputs' activations at ``layer``.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    """

    def __init__(self, network: MLPClassifier, layer: int = 3) -> None:
        self.network = network
        self.layer = layer

    def fit(self, X: Any, y: Any) -> HiddenLayerRBFClassifier:
        """Fit the network, then the SVM on its activations at ``layer``.

        Raises
        ------
        TypeError
            If ``network`` is not an ``MLPClassifier`` or ``layer`` not an integer.
        ValueError
            If ``layer`` is the input or the output rather than a hidden layer, ``y`` is not
            one class label per row of ``X``, or a class has fewer rows than the head's
            cross-validation folds (5).
        """
        if not isinstance(unfrozen(self.network), MLPClassifier):
            raise TypeError(
                f"network must be an sklearn.neural_network.MLPClassifier (or one frozen with "
                f"sklearn.frozen.FrozenEstimator); got {type(self.network).__name__}."
            )
        X, y = check_training_data(X, y)
        head = models.hidden_rbf_svm()
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() < head.cv:
            smallest = classes[counts.argmin()].tolist()
            raise ValueError(
                f"class {smallest!r} has {counts.min()} row(s), but the head's probabilities are "
                f"calibrated by {head.cv}-fold cross-validation (models.hidden_rbf_svm): give "
                f"every class at least {head.cv} rows."
            )
        self.network_ = unfrozen(clone(self.network).fit(X, y))
        layer = check_hidden_layer(self.network_, self.layer)
        self.head_ = head.fit(propagate(self.network_, X, layer), y)
        self.classes_ = self.head_.classes_
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The SVM's calibrated probabilities at the network's hidden layer, (n_samples, n_classes)."""
        X = _prediction_input(self, X)
        return self.head_.predict_proba(propagate(self.network_, X, self.layer))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row, shape (n_samples,)."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]


def unfrozen(estimator: Any) -> Any:
    """The estimator inside a ``sklearn.frozen.FrozenEstimator``, or ``estimator`` itself."""
    return estimator.estimator if isinstance(estimator, FrozenEstimator) else estimator

"""One evaluation, the same for every model: the remedies notebook's table, for one seed.

:func:`evaluate_models` computes, for every fitted model, the clean accuracy, Hein et al.'s two
far-away numbers, the mean maximum confidence and the max-confidence ROC AUC on images from
elsewhere, and the best confidence that fools made *for the model* reach
(:func:`helpers.fools.best_fools`, and how many classes its searches failed on).
:func:`near_data_detection` asks whether a density detector sees small adversarial changes of
real digits (DeepFool, PGD). :func:`fit_networks`, :func:`fit_remedies` and
:func:`fit_remedy_models` fit the models evaluated, for one seed, with the series' model
builders (:mod:`helpers.models`; the ReLU network is the series' standard network,
:func:`helpers.models.mnist_standard_network`). ``benchmarks/remedies.py`` runs the same
functions over seeds. Nothing here draws.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.svm import SVC

from helpers import adaptive, attacks, models, ood
from helpers._validation import (check_features, check_fitted, check_grid, check_in_range,
                                 check_labels, check_model_mapping, check_nonnegative,
                                 check_seed, check_training_data)
from helpers.density import outlier_auc, tail_probability
from helpers.fools import FoolSearch, best_fools, check_search
from helpers.remedies import DensityGatedClassifier, HiddenLayerRBFClassifier, MeinkeHeinClassifier


def _check_networks(networks: Any, needed: tuple[str, ...]) -> None:
    """``networks`` holds the fitted models the remedies are built on, under these names."""
    networks = check_model_mapping(networks, "networks")
    missing = [name for name in needed if name not in networks]
    if missing:
        raise ValueError(
            f"networks lacks {missing}, which the remedies are built on; pass what "
            f"fit_networks(X, y) returns (all of {list(NETWORK_NAMES)} by default)."
        )


def evaluate_models(
    fitted: Mapping[str, Any],
    X_test: Any,
    y_test: Any,
    outsiders: Mapping[str, Any],
    noise: Any,
    alphas: Any = ood.HEIN_ALPHAS,
    search: FoolSearch | None = FoolSearch(),
    seed: int = 0,
) -> pd.DataFrame:
    """The evaluation table: one row per model, every number computed the same way.

    Parameters
    ----------
    fitted : mapping of str to fitted classifier
    X_test, y_test : array-like
        Real held-out digits of the training classes and their labels.
    outsiders : mapping of str to array-like of shape (n_i, n_features)
        Real images from elsewhere (unseen digits, photo patches).
    noise : array-like of shape (n_noise, n_features)
        Uniform noise images in the pixel box, the directions of Hein et al.'s test.
    alphas : array-like, default :data:`helpers.ood.HEIN_ALPHAS`
    search : FoolSearch or None, default FoolSearch()
        None: no fool search (the ``"fooled"`` columns are left out). The searches restart from
        the test digits too (:func:`helpers.fools.best_fools`' ``X_real``).
    seed : int, default 0

    Returns
    -------
    DataFrame
        Columns ``accuracy``, ``median alpha`` (99.9 %; ``inf`` when never reached),
        ``clipped share`` (> 95 %), ``MMC test digits``, ``MMC <outsider>``, ``AUC <outsider>``
        and, with a search, ``fooled: worst class`` and ``fooled: mean`` (the best fool's
        confidence, lowest over classes and mean) and ``fooled: search failed`` (the number of
        classes no search settled, whose best confidence is only a lower bound).

    Raises
    ------
    TypeError
        If ``fitted`` or ``outsiders`` is not a dict, or ``search`` neither a
        :class:`FoolSearch` nor None.
    ValueError
        If ``fitted`` is empty, ``y_test`` is not one known label per row of ``X_test``, or an
        input is not finite or lies outside the pixel box [0, 1].
    sklearn.exceptions.NotFittedError
        If a model is not fitted.
    """
    fitted = check_model_mapping(fitted, "fitted")
    if search is not None:
        check_search(search)
    X_test = check_features(X_test, name="X_test")
    check_in_range(X_test, ood.PIXEL_RANGE, "X_test", allow_none=False)
    rows = {}
    for name, model in fitted.items():
        labels = check_labels(model, y_test, len(X_test), "y_test")
        row = {"accuracy": float(np.mean(model.predict(X_test) == labels))}
        row.update(ood.far_away_summary(model, noise, alphas))
        row.update(ood.outsider_summary(model, X_test, outsiders))
        if search is not None:
            found = best_fools(model, search, seed, X_real=X_test, y_real=labels)
            failed = found["status"].eq("search failed")
            row.update({"fooled: worst class": float(found["confidence"].min()),
                        "fooled: mean": float(found["confidence"].mean()),
                        "fooled: search failed": float(failed.sum())})
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def near_data_detection(
    classifier: Any,
    detector: DensityGatedClassifier,
    X: Any,
    y: Any,
    X_reference: Any,
    eps: Sequence[float],
    n_steps: int = 20,
    clip: tuple[float, float] = (0.0, 1.0),
) -> pd.DataFrame:
    """Do small adversarial changes of real digits leave the detector's typical range?

    Two attacks on ``classifier``, both inside the pixel box ``clip``: DeepFool
    (:func:`helpers.attacks.deepfool`, the smallest L2 change it finds, with its default 2 %
    overshoot) and PGD (L-infinity, :func:`helpers.attacks.pgd`) at every ``eps``. For the digits
    an attack fools, the detector's two-sided typicality score
    (:func:`helpers.density.tail_probability` of ``log p(x)`` among ``X_reference``) is compared
    with that of the unchanged digits by the ROC AUC (:func:`helpers.density.outlier_auc`; 0.5:
    the detector does not see them, 1: it flags every fooling image before any real digit).

    Parameters
    ----------
    classifier : fitted LogisticRegression or MLPClassifier
    detector : DensityGatedClassifier
        Fitted; its density and typical range are the detector.
    X, y : array-like of shape (n_samples, n_features), (n_samples,)
        Correctly classified real digits (inside ``clip``) and their labels.
    X_reference : array-like of shape (n_reference, n_features)
        The digits the detector's range was set on (its training digits).
    eps : sequence of float
        PGD radii, each >= 0 (at least one).
    n_steps : int, default 20
        PGD steps.
    clip : (low, high), default (0, 1)
        The pixel box of both attacks.

    Returns
    -------
    DataFrame
        Index ``attack``: ``"DeepFool"``, then ``"PGD, eps=<eps>"`` for every ``eps``. Columns
        ``fooled`` (share of the digits the attack fools), ``median Linf`` and ``median L2`` (of
        the changes that fool), ``detector AUC`` and ``accepted`` (share of the fooling images
        inside the typical range); the last four are NaN when no digit is fooled.

    Raises
    ------
    TypeError
        If ``detector`` is not a :class:`helpers.remedies.DensityGatedClassifier`.
    ValueError
        If ``eps`` is empty or holds a negative radius, ``X`` and ``X_reference`` do not have the
        classifier's number of features, ``y`` does not match ``X``, or ``X`` lies outside
        ``clip``.
    """
    if not isinstance(detector, DensityGatedClassifier):
        raise TypeError(
            "detector must be a fitted helpers.remedies.DensityGatedClassifier (its density and "
            f"typical range are the detector); got {type(detector).__name__}."
        )
    check_fitted(classifier, "classifier")
    check_fitted(detector, "detector")
    eps = check_grid(eps, "eps")
    n_features = int(classifier.n_features_in_)
    X = check_features(X, n_features=n_features)
    y = check_labels(classifier, y, len(X))
    reference = detector.density_.score_samples(
        check_features(X_reference, n_features=n_features, name="X_reference"))
    clean = tail_probability(detector.density_.score_samples(X), reference)
    found = attacks.deepfool(classifier, X, clip=clip)
    attacked = {"DeepFool": X + found.delta}
    for radius in eps:
        attacked[f"PGD, eps={radius:g}"] = attacks.pgd(classifier, X, y, radius,
                                                       n_steps=n_steps, clip=clip)
    rows = {}
    for name, X_adv in attacked.items():
        fooled = classifier.predict(X_adv) != y
        row = {"fooled": float(fooled.mean()), "median Linf": np.nan, "median L2": np.nan,
               "detector AUC": np.nan, "accepted": np.nan}
        if fooled.any():
            change = X_adv[fooled] - X[fooled]
            scores = tail_probability(detector.density_.score_samples(X_adv[fooled]), reference)
            row.update({
                "median Linf": float(np.median(np.abs(change).max(axis=1))),
                "median L2": float(np.median(np.linalg.norm(change, axis=1))),
                "detector AUC": outlier_auc(clean, scores),
                "accepted": float(detector.accepts(X_adv[fooled]).mean()),
            })
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("attack")


def fgsm_mistakes(
    model: Any, X: Any, y: Any, eps: float, source: Any = None, clip: tuple[float, float] = (0.0, 1.0)
) -> dict[str, Any]:
    """FGSM at ``eps``: the error rate and the mean confidence on the mistakes.

    Goodfellow, Shlens and Szegedy (2015) report both for a shallow RBF network (55.4 % error at
    ``eps = 0.25`` on MNIST, but 1.2 % mean confidence on its mistakes). Each digit moves by
    ``eps`` on every pixel in the sign of ``-grad log p(y | x)``
    (:func:`helpers.adaptive.log_probability_and_gradient`) of ``model`` itself, or of
    ``source`` when given (a transferred attack, for models without an input gradient), then is
    clipped into the pixel box. The sign is :func:`helpers.attacks.gradient_sign`'s: a component
    smaller than ``attacks.SIGN_RTOL`` times the largest of its row counts as 0 (a density's
    gradient has components 1e-40 times its largest, whose sign the rounding of the numeric
    kernels decides: one BLAS thread or two).

    Parameters
    ----------
    model : fitted classifier
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    eps : float
    source : fitted differentiable model, optional
        Whose gradient gives the direction; default ``model``.
    clip : (low, high), default (0, 1)

    Returns
    -------
    dict
        ``"error"`` (share misclassified), ``"confidence on mistakes"`` (mean highest
        probability of the misclassified ones; NaN without mistakes), ``"rejected"`` (share the
        model answers "none of these": a :class:`DensityGatedClassifier`'s rejections, which are
        not counted as mistakes; 0 for other models) and ``"gradient of"`` (``"itself"`` or
        ``"transferred"``).

    Raises
    ------
    ValueError
        If ``eps`` is negative, ``X`` is not finite, not of the model's width or outside
        ``clip`` (0-255 pixels, say), or ``y`` is not one known label per row of ``X``.
    TypeError
        If ``eps`` is not a number, or the gradient's model has none (pass ``source``).
    sklearn.exceptions.NotFittedError
        If ``model`` or ``source`` is not fitted.
    """
    check_fitted(model)
    if source is not None:
        check_fitted(source, "source")
    eps = check_nonnegative(eps, "eps")
    X = check_features(X, n_features=model.n_features_in_, model=model)
    clip = check_in_range(X, clip, "X", "clip", allow_none=False,
                          scale_fix="divide them by 255, and give eps on that scale")
    y = check_labels(model, y, len(X))
    attacker = model if source is None else source
    direction = np.empty_like(X)
    for label in np.unique(y):
        rows = y == label
        gradient = adaptive.log_probability_and_gradient(attacker, X[rows], label)[1]
        direction[rows] = -attacks.gradient_sign(gradient)
    X_adv = np.clip(X + eps * direction, *clip)
    proba = model.predict_proba(X_adv)
    accepted = model.accepts(X_adv) if isinstance(model, DensityGatedClassifier) else np.ones(len(X), bool)
    wrong = accepted & (np.asarray(model.classes_)[proba.argmax(axis=1)] != y)
    return {
        "error": float(wrong.mean()),
        "confidence on mistakes": float(proba[wrong].max(axis=1).mean()) if wrong.any() else np.nan,
        "rejected": float(1.0 - accepted.mean()),
        "gradient of": "itself" if source is None else "transferred",
    }


# --- The models evaluated ----------------------------------------------------------------


#: The models :func:`fit_networks` fits, in the order of the evaluation table.
NETWORK_NAMES: tuple[str, ...] = (
    "logistic regression", "identity network", "tanh network", "ReLU network"
)


def fit_networks(
    X: Any,
    y: Any,
    random_state: int = models.MNIST_SEED,
    names: Sequence[str] = NETWORK_NAMES,
    cache: bool = False,
) -> dict[str, Any]:
    """Fit the series' linear model and its three networks, the networks seeded ``random_state``.

    The builders of :mod:`helpers.models`: ``mnist_logistic_regression``,
    ``mnist_identity_network`` and ``mnist_tanh_network`` (the post's networks, with their 2-unit
    layer), and for the "ReLU network" the series' standard network, ``mnist_standard_network``
    (784-50-20-K, no bottleneck), with their settings unchanged.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    random_state : int, default 21 (the series' seed)
    names : sequence of str, default :data:`NETWORK_NAMES`
        Which of them to fit (a notebook can fit them in two cells).
    cache : bool, default False
        Fit through :func:`helpers.models.fit_once`: a network an earlier notebook trained on the
        same digits is loaded, not trained again (the same weights).

    Returns
    -------
    dict of str to fitted estimator
        Keyed by ``names``, in the order given.

    Raises
    ------
    ValueError
        If a name is not one of :data:`NETWORK_NAMES`, ``random_state`` is not a seed, or ``y``
        is not one class label per row of ``X``.
    """
    seed = check_seed(random_state)
    if isinstance(names, str):
        raise TypeError(f"names must be a list of model names, e.g. [{names!r}]; got a string.")
    X, y = check_training_data(X, y)
    builders = {
        "logistic regression": models.mnist_logistic_regression,
        "identity network": lambda: models.mnist_identity_network(seed),
        "tanh network": lambda: models.mnist_tanh_network(seed),
        "ReLU network": lambda: models.mnist_standard_network(seed),
    }
    unknown = [name for name in names if name not in builders]
    if unknown:
        raise ValueError(f"unknown model name(s) {unknown}; use some of {list(NETWORK_NAMES)}.")
    if cache:
        return {name: models.fit_once(builders[name](), X, y) for name in names}
    return {name: builders[name]().fit(X, y) for name in names}


#: The remedies :func:`fit_remedies` fits, in the order of the evaluation table, and the network
#: each is built on (None: on the pixels alone).
REMEDY_NAMES: dict[str, str | None] = {
    "RBF SVM": None,
    "RBF SVM on layer 3": "identity network",
    "density-gated": None,
    "Meinke-Hein (ReLU)": "ReLU network",
}


def fit_remedies(
    X: Any,
    y: Any,
    networks: dict[str, Any],
    random_state: int = models.MNIST_SEED,
    names: Sequence[str] = tuple(REMEDY_NAMES),
) -> dict[str, Any]:
    """Fit the four remedies the notebook evaluates, on top of :func:`fit_networks`' networks.

    The RBF SVM on pixels uses ``gamma="scale"`` (on 784 pixels ``"auto"`` is a much narrower
    kernel). The RBF SVM on layer 3 reads the fitted identity network, and the Meinke-Hein
    classifier wraps the fitted ReLU network (as in their paper); both receive it frozen
    (``sklearn.frozen.FrozenEstimator``), so it is not fitted again.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    networks : dict
        From :func:`fit_networks`, fitted on the same ``(X, y)``; only the networks the remedies
        in ``names`` are built on are needed.
    random_state : int, default 21
        Seed of the mixtures and of the Meinke-Hein model's out inputs.
    names : sequence of str, default all of :data:`REMEDY_NAMES`
        Which of them to fit (notebook 09 needs two).

    Returns
    -------
    dict of str to fitted estimator
        Keyed by ``names``, in the order given.

    Raises
    ------
    ValueError
        If a name is not one of :data:`REMEDY_NAMES`, or ``networks`` lacks a network a remedy
        in ``names`` is built on.
    """
    if isinstance(names, str):
        raise TypeError(f"names must be a list of remedy names, e.g. [{names!r}]; got a string.")
    unknown = [name for name in names if name not in REMEDY_NAMES]
    if unknown:
        raise ValueError(f"unknown remedy name(s) {unknown}; use some of {list(REMEDY_NAMES)}.")
    _check_networks(networks, tuple(dict.fromkeys(
        REMEDY_NAMES[name] for name in names if REMEDY_NAMES[name] is not None)))
    seed = int(random_state)
    builders = {
        "RBF SVM": lambda: CalibratedClassifierCV(
            SVC(kernel="rbf", gamma="scale"), method="sigmoid", cv=5, ensemble=False),
        "RBF SVM on layer 3": lambda: HiddenLayerRBFClassifier(
            FrozenEstimator(networks["identity network"])),
        "density-gated": lambda: DensityGatedClassifier(
            models.mnist_digit_density().set_params(random_state=seed)),
        "Meinke-Hein (ReLU)": lambda: MeinkeHeinClassifier(
            FrozenEstimator(networks["ReLU network"]), random_state=seed),
    }
    return {name: builders[name]().fit(X, y) for name in names}


def fit_remedy_models(X: Any, y: Any, random_state: int = models.MNIST_SEED) -> dict[str, Any]:
    """Every model the remedies notebook evaluates: :func:`fit_networks`, then :func:`fit_remedies`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    random_state : int, default 21 (the series' seed)

    Returns
    -------
    dict of str to fitted estimator
        The eight models, in the order of the evaluation table.
    """
    networks = fit_networks(X, y, random_state)
    return {**networks, **fit_remedies(X, y, networks, random_state)}

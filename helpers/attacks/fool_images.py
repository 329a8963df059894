"""Valid fool images: an image inside the pixel box that a model gives to one class with high
confidence, grown from a start by L-BFGS-B on exact input gradients (:func:`fool_image`) or by an
evolution that only reads ``predict_proba`` (:func:`evolve_fool_image`).

Every search says whether it reached its goal and, if not, why it stopped
(:attr:`FoolImage.outcome`): on a plateau (no progress: a zero gradient, or less gain than its
tolerance) or at the end of its budget. A search that stopped short proves nothing about the
model; :func:`helpers.fools.best_fools` restarts it from other starts before it says so. Nothing
here draws (see :mod:`helpers.plotting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy.optimize import minimize

from helpers import gradients
from helpers._validation import check_class, check_fitted, model_input
from helpers.attacks._checks import check_box, check_positive_int, starting_image

#: Why a fool search ended (:attr:`FoolImage.outcome`).
FOOL_OUTCOMES: tuple[str, ...] = ("reached", "plateau", "budget")


@dataclass(frozen=True)
class FoolImage:
    """A valid image that a model gives to one class with high confidence.

    Attributes
    ----------
    image : ndarray of shape (n_features,)
        Inside the pixel box.
    start : ndarray of shape (n_features,)
        Where the search started.
    target : object
        The class aimed at.
    probability : float
        The model's probability of ``target`` for ``image``.
    reached : bool
        Whether ``probability >= confidence``: the search reached its goal.
    n_iter : int
        Optimiser iterations taken.
    outcome : str
        Why the search ended, one of :data:`FOOL_OUTCOMES`: ``"reached"`` (the goal),
        ``"plateau"`` (no progress: a zero gradient, or less gain than the search's tolerance) or
        ``"budget"`` (its iterations ran out while it still gained). Every search of the series
        sets it; ``"unknown"`` only where another caller builds a FoolImage without it.
    """

    image: np.ndarray
    start: np.ndarray
    target: Any
    probability: float
    reached: bool
    n_iter: int
    outcome: str = "unknown"


def fool_image(
    model: Any,
    target_class: Any,
    confidence: float = 0.99,
    clip: tuple[float, float] = (0.0, 1.0),
    start: Any = "blank",
    max_iter: int = 200,
    random_state: int = 0,
    tol: float = 1e-6,
) -> FoolImage:
    """Search the pixel box for an image the model gives to ``target_class`` with ``confidence``.

    Maximises ``log P(target_class | image)`` under the box constraints ``clip`` with L-BFGS-B
    (exact gradients from :func:`helpers.gradients.input_gradient`), stopping as soon as the
    probability reaches ``confidence``, or once an iteration improves ``log P`` by less than
    ``tol`` (a plateau, e.g. a tanh network held below its confidence ceiling). Unlike an
    unconstrained search (or a pseudo-inverse) the result is an image a camera could produce:
    every pixel is inside ``clip``.

    Stopping on the plateau keeps the result reproducible: past it the search drifts along
    directions that hardly change the probability, and where it ends would depend on the last
    bits of floating point (another CPU's numpy or BLAS kernels, which also train the network
    differently in its last digits). With ``tol=1e-6``, models that differ by such rounding give
    the same image to 4 decimals (measured on the series' tanh network).

    Parameters
    ----------
    model : fitted LogisticRegression, other linear classifier, or MLPClassifier
    target_class : label
        One of ``model.classes_``.
    confidence : float, default 0.99
        Probability to reach, in (0, 1).
    clip : (low, high), default (0, 1)
    start : {"blank", "noise"} or array-like of shape (n_features,), default "blank"
        "blank": every pixel at ``low`` (an empty MNIST image); "noise": uniform in the box,
        seeded by ``random_state``; or a given image inside the box.
    max_iter : int, default 200
    random_state : int, default 0
    tol : float, default 1e-6
        Smallest improvement of ``log P(target_class)`` per iteration that continues the search
        (L-BFGS-B's ``ftol``), > 0.

    Returns
    -------
    FoolImage
        ``outcome``: ``"reached"``, ``"plateau"`` (L-BFGS-B stopped on ``tol`` or a zero
        gradient) or ``"budget"`` (``max_iter`` ran out).

    Raises
    ------
    ValueError
        If ``confidence`` is not in (0, 1), ``target_class`` is unknown, ``start`` is not
        "blank", "noise" or an image of the right size inside ``clip``, ``clip`` is None,
        ``max_iter < 1`` or ``tol <= 0``.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    gradients.check_differentiable(model)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be a probability in (0, 1); got {confidence!r}.")
    low, high = check_box(clip, task="fool_image")
    max_iter = check_positive_int(max_iter, "max_iter")
    if not (isinstance(tol, (int, float)) and 0 < tol < 1):
        raise ValueError(f"tol must be a number in (0, 1), e.g. 1e-6; got {tol!r}.")
    n_features = gradients.n_input_features(model)
    check_class(model, target_class, "target_class")
    labels = np.asarray([target_class])
    x0 = starting_image(start, n_features, (low, high), random_state, "fool_image")

    def loss_and_gradient(z: np.ndarray) -> tuple[float, np.ndarray]:
        loss, gradient = gradients.loss_and_input_gradient(model, z[np.newaxis], labels)
        return float(loss[0]), gradient[0]

    # Saturated units give tiny gradients: do not stop on a small gradient; stop on a plateau
    # of the loss instead (``tol``, see the docstring).
    return climb_to_confidence(
        loss_and_gradient, x0, target_class, confidence, (low, high), max_iter,
        probability=lambda z: float(np.exp(-loss_and_gradient(z)[0])),
        loss_goal=-np.log(confidence), ftol=tol,
    )


def climb_to_confidence(
    loss_and_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    target: Any,
    confidence: float,
    box: tuple[float, float],
    max_iter: int,
    probability: Callable[[np.ndarray], float],
    loss_goal: float | None = None,
    ftol: float | None = None,
) -> FoolImage:
    """The L-BFGS-B search of every gradient fool search of the series, from ``x0`` in the box.

    Minimises ``loss_and_gradient`` (a loss that falls as the target's probability rises) with
    L-BFGS-B inside ``box``, stopping as soon as the image is confident; it does not stop on a
    small gradient (``gtol=1e-14``: saturated units give tiny ones). :func:`fool_image` and
    :func:`helpers.adaptive.adaptive_fool_image` are this search with their own loss. Arguments
    are not checked here: the callers do it.

    Parameters
    ----------
    loss_and_gradient : callable
        ``loss_and_gradient(x)`` for one image ``x`` of shape (n_features,): the loss (float) and
        its gradient, shape (n_features,).
    x0 : ndarray of shape (n_features,)
        The start, inside ``box``.
    target : label
        The class aimed at (stored in the result).
    confidence : float
        The probability to reach, in (0, 1).
    box : (low, high)
    max_iter : int
        L-BFGS-B's iterations, >= 1.
    probability : callable
        ``probability(x)``: the model's probability of ``target`` at ``x``.
    loss_goal : float, optional
        A loss at or below which an image is confident (``-log(confidence)`` when the loss is
        ``-log P(target)``): checked at ``x0`` and after every iteration. None: check
        ``probability(x) >= confidence`` instead.
    ftol : float, optional
        L-BFGS-B's ``ftol`` (stop once an iteration gains less); None: scipy's default.

    Returns
    -------
    FoolImage
        ``outcome``: ``"reached"`` (``probability >= confidence``), ``"budget"`` (``max_iter``
        ran out) or ``"plateau"`` (L-BFGS-B stopped without progress).
    """
    low, high = box

    def confident(x: np.ndarray, loss: float | None = None) -> bool:
        if loss_goal is None:
            return probability(x) >= confidence
        return (loss_and_gradient(x)[0] if loss is None else loss) <= loss_goal

    def stop_when_confident(intermediate_result: Any) -> None:
        if confident(intermediate_result.x, intermediate_result.fun):
            raise StopIteration

    if confident(x0):
        image, n_iter, out_of_budget = x0.copy(), 0, False
    else:
        options = {"maxiter": max_iter, "gtol": 1e-14}
        if ftol is not None:
            options["ftol"] = ftol
        search = minimize(
            loss_and_gradient,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(low, high)] * len(x0),
            callback=stop_when_confident,
            options=options,
        )
        # L-BFGS-B's status 1: the iterations (or evaluations) ran out; 0 and 2: no progress
        image, n_iter = np.clip(search.x, low, high), int(search.nit)
        out_of_budget = search.status == 1
    reached_probability = probability(image)
    reached = reached_probability >= confidence
    return FoolImage(
        image=image,
        start=x0,
        target=target,
        probability=reached_probability,
        reached=reached,
        n_iter=n_iter,
        outcome="reached" if reached else "budget" if out_of_budget else "plateau",
    )


def evolve_fool_image(
    model: Any,
    target_class: Any,
    confidence: float = 0.99,
    clip: tuple[float, float] = (0.0, 1.0),
    population: int = 32,
    generations: int = 300,
    mutation_rate: float = 0.02,
    mutation_scale: float = 0.5,
    seed: int = 0,
    tol: float = 1e-4,
    patience: int = 10,
    start: Any = "blank",
) -> FoolImage:
    """Evolve an image inside the pixel box that the model gives to ``target_class`` (no gradient).

    In the spirit of Nguyen et al. (2015, direct encoding): start from ``start`` (by default a
    blank image; the whole first population is that image); in each
    generation every image of the population has one child, in which each pixel changes with
    probability ``mutation_rate`` by a normal step of scale ``mutation_scale`` (then clipped); the
    ``population`` images with the highest ``P(target_class)`` among parents and children survive.
    The search stops once the best image reaches ``confidence``, or once the best probability
    has improved by less than ``tol`` over the last ``patience`` generations (a plateau, e.g. a
    tanh network held below its confidence ceiling). Only ``predict_proba`` is used, so any
    classifier can be searched.

    Stopping on the plateau keeps the result reproducible: on it, children differ from their
    parents by far less than the rounding of another CPU's numpy or BLAS (which also trains a
    network differently in its last digits), so which of them survive, and the image drawn,
    would depend on the machine. Measured on the series' tanh network, models that differ by
    such rounding evolve identical images with ``tol=1e-4``, and different ones without it.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba``
    target_class : label
        One of ``model.classes_``.
    confidence : float, default 0.99
        Probability to reach, in (0, 1).
    clip : (low, high), default (0, 1)
    population : int, default 32
    generations : int, default 300
        Most generations: at most ``population * generations`` images are scored.
    mutation_rate : float, default 0.02
        Chance that a pixel of a child changes, in (0, 1].
    mutation_scale : float, default 0.5
        Standard deviation of a pixel's change, > 0.
    seed : int, default 0
    tol : float, default 1e-4
        Smallest gain of the best probability over ``patience`` generations that continues the
        search, in [0, 1) (0: run until ``confidence`` or ``generations``).
    patience : int, default 10
        Generations over which the gain is measured, >= 1.
    start : {"blank", "noise"} or array-like of shape (n_features,), default "blank"
        As in :func:`fool_image` ("noise" is seeded by ``seed``).

    Returns
    -------
    FoolImage
        The best image; ``n_iter`` is the number of generations run; ``outcome`` is
        ``"reached"``, ``"plateau"`` (stopped on ``tol``) or ``"budget"`` (``generations`` ran
        out).

    Raises
    ------
    ValueError
        If ``confidence`` or ``mutation_rate`` is out of range, ``target_class`` is unknown,
        ``mutation_scale <= 0``, ``clip`` is None, ``tol`` is outside [0, 1), ``start`` is not
        "blank", "noise" or an image of the right size inside ``clip``, or ``population``,
        ``generations`` or ``patience`` is not a whole number >= 1.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    check_fitted(model)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be a probability in (0, 1); got {confidence!r}.")
    if not 0.0 < mutation_rate <= 1.0:
        raise ValueError(f"mutation_rate must be in (0, 1]; got {mutation_rate!r}.")
    if not mutation_scale > 0:
        raise ValueError(f"mutation_scale must be > 0; got {mutation_scale!r}.")
    low, high = check_box(clip, task="evolve_fool_image")
    population = check_positive_int(population, "population")
    generations = check_positive_int(generations, "generations")
    patience = check_positive_int(patience, "patience")
    if not (isinstance(tol, (int, float)) and 0 <= tol < 1):
        raise ValueError(f"tol must be a number in [0, 1), e.g. 1e-4; got {tol!r}.")
    target = check_class(model, target_class, "target_class")
    n_features = int(model.n_features_in_)
    x0 = starting_image(start, n_features, (low, high), seed, "evolve_fool_image")
    rng = np.random.default_rng(seed)
    parents = np.repeat(x0[np.newaxis], population, axis=0)
    fitness = model.predict_proba(model_input(model, parents))[:, target]
    best_so_far = [float(fitness.max())]  # the best probability after each generation
    n_iter, outcome = 0, "budget"
    while fitness.max() < confidence and n_iter < generations:
        if n_iter >= patience and best_so_far[-1] - best_so_far[-1 - patience] < tol:
            outcome = "plateau"
            break
        mutate = rng.random(parents.shape) < mutation_rate
        children = np.clip(
            parents + mutate * rng.normal(scale=mutation_scale, size=parents.shape), low, high
        )
        everyone = np.vstack([parents, children])
        scores = np.concatenate(
            [fitness, model.predict_proba(model_input(model, children))[:, target]]
        )
        keep = np.argsort(-scores, kind="stable")[:population]
        parents, fitness = everyone[keep], scores[keep]
        best_so_far.append(float(fitness.max()))
        n_iter += 1
    best = int(np.argmax(fitness))
    reached = bool(fitness[best] >= confidence)
    return FoolImage(
        image=parents[best],
        start=x0,
        target=target_class,
        probability=float(fitness[best]),
        reached=reached,
        n_iter=n_iter,
        outcome="reached" if reached else outcome,
    )



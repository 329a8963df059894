"""The best fool a model allows for each class, and what a search that falls short may say.

:func:`best_fools` runs every search the series has for one model and class: gradient searches
through the model's density (:func:`helpers.adaptive.adaptive_fool_image`), the search of an RBF
SVM's 2-unit layer (:func:`helpers.bottleneck.bottleneck_fool_image`) and the evolution, which
only reads ``predict_proba`` (:func:`helpers.attacks.evolve_fool_image`). A search that stops
short of its goal proves nothing about the model: it may have stalled on a plateau (a blank
image where the model's probability is 0 and no small change moves it). So before a class is
reported as resisting, the searches restart from other starts (the best image found so far, a
random image, the real image of that class the model is surest of), and the table says which of
these holds (:data:`STATUSES`):

- ``"reached"``: an image reaches the goal;
- ``"maximum"``: the model's ``log p(class | x)`` is concave in ``x`` (affine logits: logistic
  regression, an identity network), so a gradient search that stopped on its plateau found the
  maximum over the pixel box;
- ``"ceiling"``: the best image is within 0.1 % of an exact upper bound (the confidence ceiling
  of a tanh or logistic network, :func:`helpers.network.confidence_ceiling`);
- ``"grid optimum"``: the structure-aware search through a 2-unit layer ran, and nothing beat its
  best reachable grid point;
- ``"search failed"``: none of these: the best confidence found is only a lower bound, and
  :func:`_fool_cell` prints it as ``"search failed (best 0.000)"``, never as a bare number.

Nothing here draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers import adaptive, attacks, network
from helpers._validation import check_features, check_fitted, check_probability, check_seed
from helpers.bottleneck import bottleneck_fool_image, has_linear_bottleneck

#: What :func:`best_fools` can say about a class (its ``"status"`` column), in plain words.
STATUSES: dict[str, str] = {
    "reached": "an image reaches the goal confidence",
    "maximum": "the maximum over the pixel box (a concave log-probability)",
    "ceiling": "the model's exact confidence ceiling for that class",
    "grid optimum": "the best reachable point of the structure-aware search's grid",
    "search failed": "every search stopped short: the best confidence found is a lower bound",
}

#: Relative distance to an exact ceiling within which the best fool counts as at the ceiling.
CEILING_RTOL: float = 1e-3


@dataclass(frozen=True)
class FoolSearch:
    """The search budget of :func:`best_fools`.

    Attributes
    ----------
    gradient_iterations : int
        L-BFGS-B iterations of :func:`helpers.adaptive.adaptive_fool_image`, from a blank image
        and from a noise image (models with an input gradient only).
    population, generations : int
        Of :func:`helpers.attacks.evolve_fool_image` (every model; only ``predict_proba``).
    confidence : float
        Every search stops once the target class reaches it, and :func:`best_fools` then skips
        the searches after it.
    restarts : bool
        Whether a class no search settled is searched again from other starts (see
        :func:`best_fools`).
    restart_iterations : int
        L-BFGS-B iterations of each gradient search a restart runs: more than the first
        searches', so that a search cut short by its budget can end on its plateau.
    """

    gradient_iterations: int = 30
    population: int = 12
    generations: int = 30
    confidence: float = 0.99
    restarts: bool = True
    restart_iterations: int = 200

    def __post_init__(self) -> None:
        for name in ("gradient_iterations", "population", "generations", "restart_iterations"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"FoolSearch.{name} must be a whole number >= 1; got {value!r}.")
        check_probability(self.confidence, "FoolSearch.confidence")
        if not isinstance(self.restarts, (bool, np.bool_)):
            raise TypeError(f"FoolSearch.restarts must be True or False; got {self.restarts!r}.")


def check_search(search: Any) -> None:
    """Raise a ``TypeError`` unless ``search`` is a :class:`FoolSearch`."""
    if not isinstance(search, FoolSearch):
        raise TypeError(
            f"search must be a FoolSearch, e.g. fools.FoolSearch(generations=10); got "
            f"{type(search).__name__}."
        )


def _exact_ceiling(model: Any, target_class: Any) -> float:
    """An exact upper bound of ``P(target_class | x)`` over every input, where one is known.

    For an ``MLPClassifier`` with tanh or logistic units, its confidence ceiling
    (:func:`helpers.network.confidence_ceiling`); for any other model ``np.inf`` (no bound).

    Parameters
    ----------
    model : fitted classifier
    target_class : label
        One of ``model.classes_``.

    Returns
    -------
    float
    """
    if not (isinstance(model, MLPClassifier) and model.activation in network.BOUNDED_ACTIVATIONS):
        return np.inf
    ceiling = network.confidence_ceiling(model)
    return float(ceiling.ceiling[list(ceiling.classes).index(target_class)])


def _has_concave_log_probability(model: Any) -> bool:
    """Whether ``log p(c | x)`` is concave in ``x`` for every class: the model's logits are affine.

    True for a ``LogisticRegression`` and an ``MLPClassifier`` with identity units: the log of a
    softmax of affine scores is concave, so a gradient search inside a box that stops on a plateau
    has found the box's maximum.
    """
    if isinstance(model, LogisticRegression):
        return True
    return isinstance(model, MLPClassifier) and model.activation == "identity"


def _best_real_image(
    model: Any, target_class: Any, X: np.ndarray, y: np.ndarray
) -> np.ndarray | None:
    """The row of ``X`` labelled ``target_class`` that ``model`` gives that class most surely."""
    rows = X[y == target_class]
    if len(rows) == 0:
        return None
    index = list(np.asarray(model.classes_)).index(target_class)
    return rows[int(np.argmax(model.predict_proba(rows)[:, index]))]


def best_fools(
    model: Any,
    search: FoolSearch = FoolSearch(),
    seed: int = 0,
    X_real: Any = None,
    y_real: Any = None,
) -> pd.DataFrame:
    """For every class, the most confident image the searches find, made for ``model``.

    The searches, in order, each only where the ones before fell short: gradient search through
    the model's density where it has one (:func:`helpers.adaptive.adaptive_fool_image`, from a
    blank image, then from noise); for an RBF SVM that reads an identity network's 2-unit layer,
    the search of that layer's image of the pixel box
    (:func:`helpers.bottleneck.bottleneck_fool_image`); then the evolutionary search
    (:func:`helpers.attacks.evolve_fool_image`, from a blank image). A class is settled once the
    best image reaches ``search.confidence`` or sits at an exact ceiling (see the module's
    docstring). If none of this settles it and ``search.restarts`` is set, the searches start
    again (the gradient search where the model has one, for ``search.restart_iterations``, then
    the evolution) from: the best image found so far, a random image (seeded ``seed + 1``), and
    the image of ``X_real`` labelled with that class that the model is surest of. The best image
    of all counts; its ``"search"`` says where it started, so a best image grown from a real
    image (a digit, not a fool) shows as such.

    Parameters
    ----------
    model : fitted classifier on pixels in [0, 1]
    search : FoolSearch
    seed : int, default 0
        Seed of the noise start and of the evolution.
    X_real, y_real : array-like of shape (n_samples, n_features), (n_samples,), optional
        Real images and their labels, the last restart; without them that restart is skipped.

    Returns
    -------
    DataFrame
        One row per class: ``"confidence"`` (the model's probability of that class for the best
        image), ``"search"`` (which search found it), ``"status"`` (one of :data:`STATUSES`) and
        ``"image"`` (the image, an array).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    TypeError
        If ``model`` is not an estimator or ``search`` not a :class:`FoolSearch`.
    ValueError
        If ``seed`` is not a seed, or ``X_real`` and ``y_real`` are not images of the model's
        width with one label each.
    """
    check_fitted(model)
    check_search(search)
    seed = check_seed(seed, "seed")
    if X_real is not None:
        X_real = check_features(X_real, n_features=int(model.n_features_in_), name="X_real")
        y_real = np.asarray(y_real)
        if y_real.shape != (len(X_real),):
            raise ValueError(
                f"y_real must have shape ({len(X_real)},), one label per row of X_real; got "
                f"shape {y_real.shape}."
            )
    rows = []
    for target in model.classes_:
        found = _search_class(model, target, search, seed, X_real, y_real)
        rows.append({"class": target, **found})
    return pd.DataFrame(rows).set_index("class")[["confidence", "search", "status", "image"]]


def _search_class(
    model: Any, target: Any, search: FoolSearch, seed: int, X_real: Any, y_real: Any
) -> dict[str, Any]:
    """The searches of :func:`best_fools` for one class: the best image, its search and status."""
    ceiling = _exact_ceiling(model, target)
    found: list[tuple[float, str, np.ndarray]] = []
    plateau = False  # a gradient search stopped on its plateau (the maximum, if concave)

    def status() -> str | None:
        if not found:
            return None
        best = max(probability for probability, _, _ in found)
        if best >= search.confidence:
            return "reached"
        if best >= (1.0 - CEILING_RTOL) * ceiling:
            return "ceiling"
        if plateau and _has_concave_log_probability(model):
            return "maximum"
        return None

    def gradient(start: Any, name: str, iterations: int) -> bool:
        """One gradient search; False if the model has no input gradient."""
        nonlocal plateau
        try:
            fool = adaptive.adaptive_fool_image(
                model, target, start=start, confidence=search.confidence,
                max_iter=iterations, random_state=seed,
            )
        except TypeError:  # no input gradient: the evolutionary search alone
            return False
        found.append((fool.probability, f"gradient from {name}", fool.image))
        plateau = plateau or fool.outcome == "plateau"
        return True

    def evolve(start: Any, name: str) -> None:
        fool = attacks.evolve_fool_image(
            model, target, confidence=search.confidence, population=search.population,
            generations=search.generations, seed=seed, start=start,
        )
        found.append((fool.probability, name, fool.image))

    differentiable = gradient("blank", "blank", search.gradient_iterations)
    if differentiable and status() is None:
        gradient("noise", "noise", search.gradient_iterations)
    bottleneck = has_linear_bottleneck(model) and status() is None
    if bottleneck:
        fool = bottleneck_fool_image(model, target)
        found.append((fool.probability, "through the bottleneck", fool.image))
    if status() is None:
        evolve("blank", "evolution")
    if search.restarts and not bottleneck and status() is None:
        n_features = int(model.n_features_in_)
        starts = {
            "the best image": max(found, key=lambda item: item[0])[2],
            "a random image": np.random.default_rng(seed + 1).uniform(0.0, 1.0, n_features),
            "a real image": (None if X_real is None
                             else _best_real_image(model, target, X_real, y_real)),
        }
        for name, start in starts.items():
            if start is None:
                continue
            if differentiable and status() is None:
                gradient(start, name, search.restart_iterations)
            if status() is None:
                evolve(start, f"evolution from {name}")
            if status() is not None:
                break
    probability, name, image = max(found, key=lambda item: item[0])
    settled = status() or ("grid optimum" if bottleneck else "search failed")
    return {"confidence": probability, "search": name, "status": settled, "image": image}


def _fool_cell(confidence: float, status: str, decimals: int = 3) -> str:
    """How a table prints one class's best fool: the confidence, with what settles it.

    ``"0.994"`` (reached), ``"0.940 (ceiling)"``, ``"0.700 (maximum)"``, ``"0.985 (grid
    optimum)"``; a failed search is never printed as a bare number: ``"search failed (best
    0.000)"``, its best confidence rounded down (a lower bound: 0.98996 is "0.989", not the
    goal's "0.990").

    Parameters
    ----------
    confidence : float
    status : str
        One of :data:`STATUSES`.
    decimals : int, default 3

    Returns
    -------
    str
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {list(STATUSES)}; got {status!r}.")
    value = f"{confidence:.{decimals}f}"
    if status == "reached":
        return value
    if status == "search failed":  # rounded down: a lower bound, never shown as the goal
        floor = np.floor(confidence * 10**decimals) / 10**decimals
        return f"search failed (best {floor:.{decimals}f})"
    return f"{value} ({status})"


def fool_cells(fools: Mapping[str, pd.DataFrame], decimals: int = 3) -> pd.DataFrame:
    """Every model's best fools as table cells (:func:`_fool_cell`), models as rows.

    Parameters
    ----------
    fools : mapping of str to DataFrame
        :func:`best_fools` of every model.
    decimals : int, default 3

    Returns
    -------
    DataFrame of str
    """
    return pd.DataFrame({
        name: {target: _fool_cell(row["confidence"], row["status"], decimals)
               for target, row in frame.iterrows()}
        for name, frame in fools.items()}).T.rename_axis(columns="class")


def worst_class_cell(fools: pd.DataFrame, decimals: int = 3) -> str:
    """The cell for a model's worst class: its lowest best confidence, with its status.

    The lowest best confidence over the classes is the model's true worst class only if that
    class is settled; if its search failed, the cell says so (:func:`_fool_cell`).

    Parameters
    ----------
    fools : DataFrame
        :func:`best_fools` of one model.
    decimals : int, default 3

    Returns
    -------
    str
    """
    worst = fools.loc[fools["confidence"].idxmin()]
    return _fool_cell(worst["confidence"], worst["status"], decimals)

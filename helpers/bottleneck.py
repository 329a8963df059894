"""Fools made through a remedy's bottleneck: an RBF SVM that reads an identity network's layer.

:class:`helpers.remedies.HiddenLayerRBFClassifier` sees an image only through one hidden layer of
its network. When that network is an identity network, the layer is an affine function of the
pixels, ``h = x @ A + c``, so the pixel box maps onto a convex polygon of the layer (a zonotope:
``c`` plus one segment ``[0, 1] * A[i]`` per pixel). Every probability the model can give is the
SVM's probability at a point of that polygon. :func:`bottleneck_fool_image` therefore searches a
grid of the polygon for the point where a class is most probable and turns it into an image of
the pixel box by linear programming (:func:`helpers.network.invert_into_box`): a fool made for
the model's structure, which needs no gradient of the SVM.

Nothing here draws.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from helpers import network
from helpers._validation import check_class, check_fitted
from helpers.remedies import HiddenLayerRBFClassifier

#: Grid points evaluated at once.
_CHUNK = 2048


class BottleneckFool(NamedTuple):
    """The image a bottleneck search found, and where it lands in the hidden layer.

    Attributes
    ----------
    image : ndarray of shape (n_features,)
        Inside the pixel box [0, 1].
    hidden : ndarray of shape (n_units,)
        Its activations at the model's layer (the grid point it was inverted from).
    target : object
        The class aimed at.
    probability : float
        The model's probability of ``target`` for ``image``.
    """

    image: np.ndarray
    hidden: np.ndarray
    target: Any
    probability: float


def has_linear_bottleneck(model: Any) -> bool:
    """Whether ``model`` is a fitted :class:`HiddenLayerRBFClassifier` on an identity network
    with at most 2 units in its layer: the models :func:`bottleneck_fool_image` can search."""
    if not isinstance(model, HiddenLayerRBFClassifier) or not hasattr(model, "network_"):
        return False
    return (model.network_.activation == "identity"
            and network.layer_sizes(model.network_)[model.layer] <= 2)


def _polygon_directions(n_units: int, n_directions: int) -> np.ndarray:
    """Unit directions in the layer: both signs for 1 unit, a circle of them for 2."""
    if n_units == 1:
        return np.array([[1.0], [-1.0]])
    angles = np.linspace(0.0, 2.0 * np.pi, n_directions, endpoint=False)
    return np.column_stack([np.cos(angles), np.sin(angles)])


def bottleneck_fool_image(
    model: HiddenLayerRBFClassifier,
    target_class: Any,
    grid_size: int = 200,
    n_directions: int = 512,
    max_inversions: int = 50,
) -> BottleneckFool:
    """The image of the pixel box that ``model`` gives to ``target_class`` most confidently.

    A grid of ``grid_size`` points per unit spans the bounding box of the polygon the pixel box
    maps onto (see the module's docstring). The support function of the polygon along
    ``n_directions`` directions, ``u @ c + sum_i max(0, A[i] @ u)``, keeps the grid points that
    may lie in it (an outer bound, so none is lost); these are tried in order of the SVM's
    probability of ``target_class``, each inverted into the box by linear programming, and the
    first one that an image reaches is returned. Its probability is the model's own for that
    image. The answer is the grid's best reachable point; a finer grid may find a better one.

    Parameters
    ----------
    model : HiddenLayerRBFClassifier
        Fitted, on an identity network, reading a layer of 1 or 2 units
        (:func:`has_linear_bottleneck`).
    target_class : object
        One of ``model.classes_``.
    grid_size : int, default 200
        Grid points per unit of the layer, >= 2.
    n_directions : int, default 512
        Directions of the outer bound of the polygon, >= 3 (for a 2-unit layer).
    max_inversions : int, default 50
        Grid points tried by linear programming before giving up, >= 1.

    Returns
    -------
    BottleneckFool

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`HiddenLayerRBFClassifier`.
    ValueError
        If its network is not an identity network, its layer has more than 2 units, the class
        is unknown, or a count is out of range.
    RuntimeError
        If no grid point lies in the polygon (raise ``grid_size``), or none of the
        ``max_inversions`` most probable grid points is reachable (raise ``n_directions`` so that
        the outer bound is tighter).
    """
    if not isinstance(model, HiddenLayerRBFClassifier):
        raise TypeError(
            "model must be a fitted helpers.remedies.HiddenLayerRBFClassifier; got "
            f"{type(model).__name__}. For other models use helpers.attacks.evolve_fool_image."
        )
    check_fitted(model)
    if not has_linear_bottleneck(model):
        raise ValueError(
            "the bottleneck search needs an identity network reading a layer of at most 2 "
            f"units; this one has activation={model.network_.activation!r} and "
            f"{network.layer_sizes(model.network_)[model.layer]} units in layer {model.layer}."
        )
    index = check_class(model, target_class)
    for name, value, least in [("grid_size", grid_size, 2), ("n_directions", n_directions, 3),
                               ("max_inversions", max_inversions, 1)]:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}; got {value!r}.")
    A, c = network.affine_map_to_layer(model.network_, model.layer)
    corners = c + np.minimum(A, 0.0).sum(axis=0), c + np.maximum(A, 0.0).sum(axis=0)
    axes = [np.linspace(low, high, grid_size) for low, high in zip(*corners)]
    grid = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, A.shape[1])
    directions = _polygon_directions(A.shape[1], n_directions)
    support = directions @ c + np.maximum(A @ directions.T, 0.0).sum(axis=0)
    tolerance = 1e-9 * (np.abs(A).sum() + np.abs(c).sum())
    # in chunks of rows, so that memory stays small (a grid point times every direction)
    chunks = range(0, len(grid), _CHUNK)
    inside = np.concatenate([
        np.all(grid[start:start + _CHUNK] @ directions.T <= support + tolerance, axis=1)
        for start in chunks])
    candidates = grid[inside]
    if len(candidates) == 0:
        raise RuntimeError(
            f"no point of the {grid_size}-per-unit grid lies in the pixel box's image; raise "
            "grid_size."
        )
    probability = np.concatenate([
        model.head_.predict_proba(candidates[start:start + _CHUNK])[:, index]
        for start in range(0, len(candidates), _CHUNK)])
    order = np.argsort(-probability, kind="stable")
    for hidden in candidates[order[:max_inversions]]:
        image = network.invert_into_box(model.network_, hidden[np.newaxis], model.layer)[0]
        if np.all(np.isfinite(image)):
            probability = float(model.predict_proba(image[np.newaxis])[0, index])
            return BottleneckFool(image, hidden, target_class, probability)
    raise RuntimeError(
        f"none of the {max_inversions} most probable grid points is reachable from the pixel "
        "box; raise n_directions (a tighter outer bound of the polygon) or max_inversions."
    )

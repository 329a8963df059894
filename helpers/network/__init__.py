"""Inside a fitted ``MLPClassifier``: layers, inversion and confidence ceilings.

Layer numbering, used by every helper of the series: layer ``k`` is the activation after ``k``
weight matrices. Layer 0 is the input, layer ``model.n_layers_ - 1`` the output (the class
probabilities), so the 2-unit bottleneck of ``hidden_layer_sizes=(50, 20, 2)`` is layer 3.

- :mod:`helpers.network.layers` — the one forward pass (:func:`forward_pass`) and what reads it:
  activations of any layer, the head after a hidden layer, its affine scores, bounds on the
  logits over a box of inputs, and an identity network collapsed to the one
  ``LogisticRegression`` it computes.
- :mod:`helpers.network.inverse` — identity networks: far hidden points inverted to images, and
  hidden points reached from inside the pixel box.
- :mod:`helpers.network.ceiling` — bounded (tanh, logistic) networks: the confidence ceiling and
  images that reach it.

Every public name is re-exported here: ``from helpers import network; network.propagate(...)``.
"""

from helpers.network.ceiling import ConfidenceCeiling, confidence_ceiling, tanh_fools
from helpers.network.inverse import (
    FarPoints,
    affine_map_to_layer,
    far_point_per_class,
    invert_into_box,
    invert_to_input,
)
from helpers.network.layers import (
    ACTIVATION_DERIVATIVES,
    ACTIVATIONS,
    BOUNDED_ACTIVATIONS,
    ForwardPass,
    affine_head,
    box_keeps_class,
    check_hidden_layer,
    check_layer,
    check_network,
    collapse_identity_network,
    forward_pass,
    head_from_layer,
    layer_sizes,
    last_hidden_layer_off,
    propagate,
    propagate_between,
)

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_DERIVATIVES",
    "BOUNDED_ACTIVATIONS",
    "check_network",
    "check_layer",
    "check_hidden_layer",
    "layer_sizes",
    "ForwardPass",
    "forward_pass",
    "box_keeps_class",
    "last_hidden_layer_off",
    "propagate",
    "propagate_between",
    "head_from_layer",
    "affine_head",
    "collapse_identity_network",
    "invert_to_input",
    "affine_map_to_layer",
    "invert_into_box",
    "FarPoints",
    "far_point_per_class",
    "ConfidenceCeiling",
    "confidence_ceiling",
    "tanh_fools",
]

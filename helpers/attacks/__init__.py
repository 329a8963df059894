"""Ways to fool a classifier, computed exactly where the model allows it.

One module per kind of attack; every public name is re-exported here, so
``from helpers import attacks; attacks.fgsm(...)`` reads the same whichever module holds it:

- :mod:`helpers.attacks.exact` — provably smallest changes of models whose scores are affine in
  the input (L2, L-infinity, inside a pixel box, one pixel), and fools along rays.
- :mod:`helpers.attacks.milp` — the provably smallest change (L-infinity, L1) that fools a ReLU
  network, by mixed-integer linear programming (HiGHS, through ``highspy``).
- :mod:`helpers.attacks.certified` — certified lower bounds on that smallest L-infinity change
  (interval and LP-tightened bounds, by bisection), and the units whose sign they fix.
- :mod:`helpers.attacks.gradient` — FGSM, PGD and DeepFool, on exact input gradients, and PGD on
  a surrogate margin gradient (for networks whose exact gradient is zero); every PGD is one loop,
  :func:`projected_gradient_ascent`.
- :mod:`helpers.attacks.sparse` — an attack made for the L1 norm: the elastic-net attack (EAD).
- :mod:`helpers.attacks.search` — the one-pixel attack (a differential evolution, and a brute force
  over a grid of values for networks).
- :mod:`helpers.attacks.fool_images` — valid fool images (L-BFGS-B, evolution), each saying
  whether it reached its goal and why it stopped; every L-BFGS-B fool search is one,
  :func:`climb_to_confidence`.
- :mod:`helpers.attacks.evaluate` — measurements over a data set (accuracy under attack, the
  smallest FGSM step, the smallest PGD size, DeepFool beside FGSM).

Every function takes a fitted model and data and returns the perturbations; nothing here draws
(see :mod:`helpers.plotting`).
"""

from helpers.attacks._checks import NORMS, starting_image
from helpers.attacks.certified import certified_at, certified_radius, fixed_sign_units
from helpers.attacks.evaluate import (
    SmallestFGSM,
    SmallestPGD,
    accuracy_under_attack,
    deepfool_vs_fgsm,
    smallest_fgsm,
    smallest_pgd,
)
from helpers.attacks.exact import (
    LinearPerturbation,
    fools_along_rays,
    linf_step_by_feature_count,
    minimal_linf_perturbation_linear,
    minimal_perturbation_linear,
    minimal_perturbation_linear_in_box,
    one_pixel_flips_linear,
)
from helpers.attacks.fool_images import (
    FOOL_OUTCOMES,
    FoolImage,
    climb_to_confidence,
    evolve_fool_image,
    fool_image,
)
from helpers.attacks.gradient import (
    SIGN_RTOL,
    DeepFoolResult,
    deepfool,
    fgsm,
    gradient_sign,
    pgd,
    projected_gradient_ascent,
    surrogate_pgd,
)
from helpers.attacks.milp import ExactMinimum, adversarial_within_relu, minimal_perturbation_relu
from helpers.attacks.search import OnePixelResult, one_pixel_attack, one_pixel_flips_grid
from helpers.attacks.sparse import SparseAttack, ead

__all__ = [
    "NORMS",
    "LinearPerturbation",
    "minimal_perturbation_linear",
    "minimal_linf_perturbation_linear",
    "minimal_perturbation_linear_in_box",
    "linf_step_by_feature_count",
    "one_pixel_flips_linear",
    "fools_along_rays",
    "ExactMinimum",
    "minimal_perturbation_relu",
    "adversarial_within_relu",
    "certified_at",
    "certified_radius",
    "fixed_sign_units",
    "DeepFoolResult",
    "fgsm",
    "gradient_sign",
    "SIGN_RTOL",
    "pgd",
    "surrogate_pgd",
    "projected_gradient_ascent",
    "deepfool",
    "SparseAttack",
    "ead",
    "OnePixelResult",
    "one_pixel_attack",
    "one_pixel_flips_grid",
    "FoolImage",
    "FOOL_OUTCOMES",
    "fool_image",
    "climb_to_confidence",
    "evolve_fool_image",
    "starting_image",
    "accuracy_under_attack",
    "SmallestFGSM",
    "smallest_fgsm",
    "SmallestPGD",
    "smallest_pgd",
    "deepfool_vs_fgsm",
]

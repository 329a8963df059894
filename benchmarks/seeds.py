"""Seeds: the series' statements that depend on a random draw, recomputed over many seeds.

Every network of the series is trained with ``random_state=21`` (:data:`helpers.models.MNIST_SEED`):
its initial weights, the order of its mini-batches and (identity network) its early-stopping
split. The notebooks store the outputs of that one draw. This script trains the series' networks
(``helpers.models.mnist_identity_network``, ``mnist_tanh_network``, the standard network
``mnist_standard_network`` and the ReLU network with a bottleneck, ``mnist_relu_network``) once
per seed of :data:`SEEDS` (same digits, same split, same settings otherwise) and recomputes,
from those networks, every seed-dependent statement of notebooks 03, 04, 05 and 06:

- notebook 03 (:func:`networks_row`): test accuracies and whether a training collapsed
  (:func:`collapse`), where the tanh network puts the test digits, its confidence ceilings and
  its fools (unclipped and clipped into [0, 1]), the identity network's fools (and whether every
  class has a far point to make one from), and exercise 3's ReLU bottleneck (:func:`relu_row`);
- notebook 04 (:func:`networks_row`): the RBF SVM on the identity network's hidden layer;
- notebook 05 (:func:`networks_row`, :func:`detector_numbers`): the two density detectors on the
  12 fools (identity, identity clipped to [0, 1], tanh). The detector is *chosen* on the fools of
  the notebooks' seed (21, the *selection* seed), by ROC AUC against the real test digits, and
  *scored* on the fresh fools of the other seeds; the density and its thresholds are fitted on
  the training digits only and do not depend on the seed;
- notebook 06 (:func:`notebook06_values`): the attacks measured on the standard network (error
  rates under FGSM and 10-step PGD and whether it falls faster than the logistic regression,
  DeepFool beside the smallest FGSM step, L2 PGD beside DeepFool, valid fool images by gradient
  search and by evolution, one-pixel rates and the search's share of them), and the bottleneck
  networks' lessons (the tanh network's FGSM plateau and confidence ceiling, reached by the
  searches inside the pixel box).

A *collapsed* training is one where some class lost more than half of its test digits to
another class (:data:`COLLAPSE_RECALL`); it is recorded (accuracy, the class swallowed and the
class it was taken for) so that the notebooks can name it instead of mixing it into a range or a
median. The digit density and the logistic regression are deterministic: fitted once
(:func:`digits_and_density`). Run from the repository root (about ten minutes with one BLAS
thread)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/seeds.py

It writes, in ``benchmarks/results/``:

- ``seeds_networks.csv`` (one row per seed, :func:`networks_row`), which notebooks 03, 04 and 05
  print and ``tests/test_claims_seeds_nb01_04.py`` tests (checking one seed against :func:`seed_row`);
- ``seeds.csv`` (one row per seed and quantity: :func:`notebook06_values` and the detector
  numbers), which notebook 06 prints and ``tests/test_claims_seeds_nb05.py`` tests (checking one
  seed against :func:`seed_values`);
- ``seeds.md`` (the tables of ``seeds.csv``, with this command at the top).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone

from helpers import attacks, data, density, gradients, grids, models, network

COMMAND = "OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/seeds.py"
RESULTS = Path(__file__).resolve().parent / "results"
NETWORKS_CSV = RESULTS / "seeds_networks.csv"
SEEDS_CSV = RESULTS / "seeds.csv"
#: The seed of the stored outputs (chooses notebook 05's detector), then twenty fresh seeds (the
#: standard network's table, ``benchmarks/standard_network.py``, has the same 21).
SELECTION_SEED = models.MNIST_SEED
FRESH_SEEDS = tuple(range(20))
SEEDS = (SELECTION_SEED, *FRESH_SEEDS)
#: The bottleneck networks' 2-unit layer, ``hidden_layer_sizes=(50, 20, 2)``.
BOTTLENECK = 3
#: A training has collapsed when some class keeps less than this share of its test digits.
COLLAPSE_RECALL = 0.5
#: The networks of notebooks 03-06, by the names the tables use.
NETWORKS = ("identity network", "tanh network", "standard network")
#: L-infinity sizes of notebook 06's FGSM and PGD comparisons; the small ones compare models.
EPS = (0.02, 0.05, 0.1, 0.25)
SMALL_EPS = (0.02, 0.05, 0.1)
PGD_STEPS = 10
#: New pixel values of notebook 06's brute-force one-pixel search on a network.
ONE_PIXEL_VALUES = tuple(np.linspace(0.0, 1.0, 5))
#: Notebook 06's budget of the one-pixel search (scipy's popsize, generations).
ONE_PIXEL_SEARCH = (10, 30)
#: Notebook 06's grid of the smallest FGSM step, and its L2 budgets of L2 PGD against DeepFool.
FGSM_GRID = np.r_[np.arange(0, 0.2, 0.001), np.arange(0.2, 0.5001, 0.005)]
L2_BUDGETS = (0.5, 1.0, 1.5)
#: Notebook 05's exercise 2: Gaussians per digit of the more flexible density, and the seeds of
#: its initialisation (``random_state``) tried at every network seed.
MIXTURE_COMPONENTS = 3
MIXTURE_SEEDS = tuple(range(5))
#: Notebook 06's fool searches: the confidence they aim at, and the evolution's settings.
FOOL_CONFIDENCE = 0.99
EVOLUTION = {"population": 32, "generations": 150, "mutation_rate": 0.02, "seed": 0}


def digits_and_density() -> dict:
    """The notebooks' split of the bundled digits 0-3, the density and the logistic regression.

    Returns
    -------
    dict
        ``X_train, X_test, y_train, y_test`` (as ``data.split_digits``; 1500 and 500 digits of
        784 pixels), ``density`` (fitted ``models.mnist_digit_density``), ``train_log_density``
        (1500,), ``test_log_density`` (500,), the low-density ``threshold`` and the ``typical``
        range (both from the training digits), the ``mixtures`` (the density with
        :data:`MIXTURE_COMPONENTS` Gaussians per digit, one per seed of :data:`MIXTURE_SEEDS`), the
        fitted ``logistic`` regression (notebook 02's, deterministic) and its ``logistic errors``
        under FGSM and PGD (``{(attack, eps): error}``).
    """
    X, y = data.load_mnist_digits(digits=(0, 1, 2, 3))
    X_train, X_test, y_train, y_test = data.split_digits(X, y, test_size=0.25, random_state=0)
    digit_density = models.mnist_digit_density().fit(X_train, y_train)
    logistic = models.mnist_logistic_regression().fit(X_train, y_train)
    return {
        "X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test,
        "density": digit_density,
        "train_log_density": digit_density.score_samples(X_train),
        "test_log_density": digit_density.score_samples(X_test),
        "threshold": density.low_density_threshold(digit_density, X_train, quantile=0.01),
        "typical": density.typical_range(digit_density, X_train, coverage=0.99),
        "mixtures": [clone(digit_density).set_params(n_mixture_components=MIXTURE_COMPONENTS,
                                                     random_state=seed).fit(X_train, y_train)
                     for seed in MIXTURE_SEEDS],
        "logistic": logistic,
        "logistic errors": error_rates(logistic, X_test, y_test),
    }


def error_rates(model, X_test: np.ndarray, y_test: np.ndarray) -> dict[tuple[str, float], float]:
    """Error of ``model`` under FGSM and 10-step PGD at every eps of :data:`EPS`: ``{(attack, eps): error}``."""
    under = attacks.accuracy_under_attack({"model": model}, X_test, y_test, EPS, n_steps=PGD_STEPS)
    return {(row.attack, row.eps): 1 - row.accuracy for row in under.itertuples()}


def fit_networks(seed: int, setup: dict) -> dict:
    """The series' identity, tanh, standard and ReLU-bottleneck networks, trained with ``random_state=seed``."""
    X_train, y_train = setup["X_train"], setup["y_train"]
    return {
        "identity network": models.mnist_identity_network(random_state=seed).fit(X_train, y_train),
        "tanh network": models.mnist_tanh_network(random_state=seed).fit(X_train, y_train),
        "standard network": models.mnist_standard_network(random_state=seed).fit(X_train, y_train),
        "relu network": models.mnist_relu_network(random_state=seed).fit(X_train, y_train),
    }


def collapse(net, X_test: np.ndarray, y_test: np.ndarray) -> dict:
    """Whether a training collapsed: the class with the smallest recall, and what it was taken for.

    Returns
    -------
    dict
        ``accuracy``, ``worst class``, ``worst recall`` (its share of test digits predicted as
        itself), ``taken for`` (the class most of its other digits are predicted as; -1 if none),
        ``collapsed`` (``worst recall < COLLAPSE_RECALL``).
    """
    predicted = net.predict(X_test)
    recalls = np.array([np.mean(predicted[y_test == c] == c) for c in net.classes_])
    worst = net.classes_[recalls.argmin()]
    wrong = predicted[(y_test == worst) & (predicted != worst)]
    taken_for = int(pd.Series(wrong).mode().iloc[0]) if len(wrong) else -1
    return {"accuracy": float(np.mean(predicted == y_test)), "worst class": int(worst),
            "worst recall": float(recalls.min()), "taken for": taken_for,
            "collapsed": bool(recalls.min() < COLLAPSE_RECALL)}


def classes_without_a_far_point(identity) -> list[int]:
    """The classes of the identity network that dominate along no direction of its 2-unit layer.

    Notebook 03 makes a far point, and from it a fool, for each class along the direction where
    its score outgrows every other (``grids.dominant_direction``). A class whose weights in that
    layer lie inside the hull of the other classes' has no such direction: its region is bounded,
    and so is its probability far from the data.
    """
    W, _ = network.affine_head(identity, BOTTLENECK)
    missing = []
    for k, label in enumerate(identity.classes_):
        try:
            grids.dominant_direction(W, k)
        except ValueError:
            missing.append(int(label))
    return missing


def bottleneck_fools(nets: dict, setup: dict) -> dict[str, np.ndarray | None]:
    """Notebook 05's three groups of 4 fools (4, 784), made by one pair of networks (notebook 03's).

    The identity fools (and their clipped copies) are None when a class has no far point
    (:func:`classes_without_a_far_point`): notebook 03's construction does not apply to that network.
    """
    identity = nets["identity network"]
    tanh = network.tanh_fools(nets["tanh network"], slack=1e-3)
    if classes_without_a_far_point(identity):
        return {"identity": None, "clipped": None, "tanh": tanh}
    hidden_train = network.propagate(identity, setup["X_train"], BOTTLENECK)
    far = network.far_point_per_class(identity, hidden_train, distance_factor=5.0, min_probability=0.999)
    fools = network.invert_to_input(identity, far.points, BOTTLENECK)
    return {"identity": fools, "clipped": np.clip(fools, 0.0, 1.0), "tanh": tanh}


def two_aucs(model, fools: np.ndarray, setup: dict) -> np.ndarray:
    """ROC AUCs of ``fools`` against the real test digits under a density ``model``: low density,
    two-sided (tail probabilities among the training digits'), shape (2,)."""
    train, test, found = (model.score_samples(X) for X in (setup["X_train"], setup["X_test"], fools))
    return np.array([density.outlier_auc(test, found),
                     density.outlier_auc(density.tail_probability(test, train),
                                         density.tail_probability(found, train))])


def detector_numbers(fools: dict[str, np.ndarray | None], setup: dict) -> dict:
    """Notebook 05's two density detectors on one seed's 12 fools (from :func:`bottleneck_fools`);
    NaN when the identity network has no far point for some class (no identity fools). Also its
    exercise 2: how far either ROC AUC moves with :data:`MIXTURE_COMPONENTS` Gaussians per digit
    (the largest change over the initialisations of :data:`MIXTURE_SEEDS`)."""
    if fools["identity"] is None:
        return dict.fromkeys(DETECTOR_NUMBERS, np.nan)
    twelve = np.vstack([fools["identity"], fools["clipped"], fools["tanh"]])
    one_gaussian = two_aucs(setup["density"], twelve, setup)
    mixture_change = max(np.abs(two_aucs(mixture, twelve, setup) - one_gaussian).max()
                         for mixture in setup["mixtures"])
    fool_log_density = {name: setup["density"].score_samples(images) for name, images in fools.items()}
    all_fools = np.concatenate(list(fool_log_density.values()))
    train_log_density, test_log_density = setup["train_log_density"], setup["test_log_density"]
    low, high = setup["typical"]

    def inside_typical(values: np.ndarray) -> int:
        return int(np.sum((values >= low) & (values <= high)))

    return {
        "low-density AUC": density.outlier_auc(test_log_density, all_fools),
        "two-sided AUC": density.outlier_auc(
            density.tail_probability(test_log_density, train_log_density),
            density.tail_probability(all_fools, train_log_density)),
        "fools flagged, low density": int(np.sum(all_fools < setup["threshold"])),
        "fools flagged, two-sided": int(all_fools.size - inside_typical(all_fools)),
        "tanh fools inside the typical range": inside_typical(fool_log_density["tanh"]),
        "clipped identity fools inside the typical range": inside_typical(fool_log_density["clipped"]),
        "identity fools flagged by both tests": int(np.sum(
            (fool_log_density["identity"] < setup["threshold"])
            & ((fool_log_density["identity"] < low) | (fool_log_density["identity"] > high)))),
        f"{MIXTURE_COMPONENTS} Gaussians per digit: largest ROC AUC change": float(mixture_change),
    }


#: What :func:`detector_numbers` returns.
DETECTOR_NUMBERS = ("low-density AUC", "two-sided AUC", "fools flagged, low density", "fools flagged, two-sided",
                    "tanh fools inside the typical range", "clipped identity fools inside the typical range",
                    "identity fools flagged by both tests",
                    f"{MIXTURE_COMPONENTS} Gaussians per digit: largest ROC AUC change")


def detector_quantities(detectors: dict) -> dict[str, float]:
    """:func:`detector_numbers` under ``seeds.csv``'s names (catch rates as shares of the 12 fools)."""
    return {
        "low density: ROC AUC, 12 fools": detectors["low-density AUC"],
        "two-sided: ROC AUC, 12 fools": detectors["two-sided AUC"],
        "low density: fools caught at the threshold": detectors["fools flagged, low density"] / 12,
        "two-sided: fools caught at the threshold": detectors["fools flagged, two-sided"] / 12,
        "tanh fools inside the typical range (of 4)": float(detectors["tanh fools inside the typical range"]),
    }


#: :func:`relu_row`'s quantities that need the training digits' spread in layer 3 (NaN without one).
RELU_RAY_QUANTITIES = (
    "relu: classes winning a ray 5 spreads out", "relu: lowest best P of a ray winner 5 spreads out",
    "relu: classes winning a ray 100 spreads out", "relu: lowest best P of a ray winner 100 spreads out",
    "relu: class most stacked at the origin", "relu: share of that class at the origin",
    "relu: its P at the origin", "relu: its highest P on the quadrant grid is at the origin")


def relu_row(relu, setup: dict) -> dict:
    """Notebook 03's exercise 3: the ReLU network with a 2-unit layer (``models.mnist_relu_network``).

    Along rays from the training digits' centre in the quadrant of its layer 3 (0 to 90 degrees, 5
    and 100 spreads out), which classes win somewhere and how sure; which class the network stacks
    at the origin (both units off), how sure it is there, and whether that is the class's highest
    probability on a grid over the quadrant (a ceiling, as the tanh network's).
    """
    X_train, y_train, X_test, y_test = (setup[k] for k in ("X_train", "y_train", "X_test", "y_test"))
    hidden = network.propagate(relu, X_train, BOTTLENECK)
    centre = hidden.mean(axis=0)
    spread = np.sqrt(np.mean(np.sum((hidden - centre) ** 2, axis=1)))
    angles = np.radians(np.linspace(0, 90, 91))
    rays = np.column_stack([np.cos(angles), np.sin(angles)])
    head = network.head_from_layer(relu, BOTTLENECK)
    state = collapse(relu, X_test, y_test)
    row = {"relu accuracy": state["accuracy"], "relu collapsed": state["collapsed"],
           "relu worst class": state["worst class"], "relu worst recall": state["worst recall"],
           "relu worst class taken for": state["taken for"],
           "relu: training digits at the origin": np.mean(np.all(hidden == 0, axis=1))}
    if spread == 0:  # every training digit at the origin: one answer for every input, no rays
        return {**row, **dict.fromkeys(RELU_RAY_QUANTITIES, np.nan)}
    for factor in (5, 100):
        proba = head(centre + factor * spread * rays)
        winners = np.unique(proba.argmax(axis=1))
        row[f"relu: classes winning a ray {factor} spreads out"] = len(winners)
        row[f"relu: lowest best P of a ray winner {factor} spreads out"] = proba[:, winners].max(axis=0).min()
    at_origin = np.all(hidden == 0, axis=1)
    shares = np.array([np.mean(at_origin[y_train == c]) for c in relu.classes_])
    stacked = int(shares.argmax())
    quadrant = grids.grid_points((0, 5 * spread), (0, 5 * spread), resolution=201)
    on_grid = head(quadrant)[:, stacked]
    at_zero = head(np.zeros((1, 2)))[0, stacked]
    row.update({"relu: class most stacked at the origin": int(relu.classes_[stacked]),
                "relu: share of that class at the origin": shares[stacked],
                "relu: its P at the origin": at_zero,
                "relu: its highest P on the quadrant grid is at the origin": bool(on_grid.max() <= at_zero + 1e-12)})
    return row


def count(holds: np.ndarray, defined: bool = True) -> float:
    """How many entries of ``holds`` are true; NaN when the quantity is not defined."""
    return float(np.sum(holds)) if defined else np.nan


def networks_row(seed: int, nets: dict, fools: dict[str, np.ndarray], setup: dict) -> dict:
    """Notebooks 03-05's seed-dependent numbers for one pair of bottleneck networks and its fools.

    Returns
    -------
    dict
        One row of ``seeds_networks.csv``; counts are out of the 4 classes (or 12 fools).
    """
    X_train, X_test, y_train, y_test = (setup[k] for k in ("X_train", "X_test", "y_train", "y_test"))
    identity_net, tanh_net = nets["identity network"], nets["tanh network"]
    own = np.arange(len(tanh_net.classes_))
    health = {}
    for short, net in (("identity", identity_net), ("tanh", tanh_net)):
        state = collapse(net, X_test, y_test)
        health.update({f"{short} accuracy": state["accuracy"], f"{short} collapsed": state["collapsed"],
                       f"{short} worst class": state["worst class"],
                       f"{short} worst recall": state["worst recall"],
                       f"{short} worst class taken for": state["taken for"]})

    # Notebook 03: where the tanh network puts the test digits, its ceilings and fools
    hidden_test = network.propagate(tanh_net, X_test, BOTTLENECK)
    saturated = np.abs(hidden_test) > 0.99
    ceiling = network.confidence_ceiling(tanh_net)
    reached = tanh_net.predict_proba(fools["tanh"])[own, own]
    clipped_tanh = tanh_net.predict_proba(np.clip(fools["tanh"], 0.0, 1.0))
    test_proba = tanh_net.predict_proba(X_test)
    test_best = np.array([test_proba[y_test == c, k].max() for k, c in enumerate(tanh_net.classes_)])

    # Notebook 03: the identity network's fools (none if a class has no far point: NaN below)
    no_fools = np.full((len(own), len(own)), np.nan)
    has_fools = fools["identity"] is not None
    identity_proba = identity_net.predict_proba(fools["identity"]) if has_fools else no_fools
    clipped_identity_proba = identity_net.predict_proba(fools["clipped"]) if has_fools else no_fools

    # Notebook 04 (kernels): an RBF SVM on the identity network's hidden layer
    hidden_rbf = models.hidden_rbf_svm().fit(network.propagate(identity_net, X_train, BOTTLENECK), y_train)
    rbf_on_fools = (hidden_rbf.predict_proba(network.propagate(identity_net, fools["identity"], BOTTLENECK))
                    if has_fools else no_fools)

    return {
        "seed": seed,
        "role": "selection" if seed == SELECTION_SEED else "fresh",
        **health,
        "tanh test digits in the corners": np.mean(saturated.all(axis=1)),
        "tanh test digits on an edge": np.mean(saturated.sum(axis=1) == 1),
        "lowest ceiling": ceiling.ceiling.min(),
        "highest ceiling": ceiling.ceiling.max(),
        "ceilings at a corner": int(np.sum(np.all(np.isin(ceiling.hidden, ceiling.bounds), axis=1))),
        "tanh fools within 0.001 of the ceiling": int(np.sum(reached >= ceiling.ceiling - 0.001)),
        "best test digit within 0.001 of the ceiling": int(np.sum(test_best >= ceiling.ceiling - 0.001)),
        "clipped tanh fools keeping their class": int(np.sum(clipped_tanh.argmax(axis=1) == own)),
        "clipped tanh fools, lowest own P": clipped_tanh[own, own].min(),
        "identity class without a far point": (classes_without_a_far_point(identity_net) or [-1])[0],
        "identity fools at P >= 0.999": count(identity_proba[own, own] >= 0.999, has_fools),
        "clipped identity fools keeping their class": count(clipped_identity_proba.argmax(axis=1) == own,
                                                            has_fools),
        "clipped identity fools, lowest own P": clipped_identity_proba[own, own].min(),
        "hidden RBF accuracy": hidden_rbf.score(network.propagate(identity_net, X_test, BOTTLENECK), y_test),
        "hidden RBF: digits the fools are sent to": (len(np.unique(rbf_on_fools.argmax(axis=1)))
                                                     if has_fools else np.nan),
        "hidden RBF: highest P on a fool": rbf_on_fools.max(),
        # Notebook 05 (generative models): the two density detectors on the 12 fools
        **detector_numbers(fools, setup),
        # Notebook 03, exercise 3: the ReLU network with a 2-unit layer
        **relu_row(nets["relu network"], setup),
    }


def attack_values(nets: dict, setup: dict) -> dict[str, float]:
    """Notebook 06's budgeted attacks: error rates, the comparison with the logistic regression."""
    X_test, y_test = setup["X_test"], setup["y_test"]
    values: dict[str, float] = {}
    for name in ("standard network", "tanh network"):
        for (attack, eps), error in error_rates(nets[name], X_test, y_test).items():
            values[f"{name}: {attack} error at eps {eps:g}"] = error
    standard_clean = 1 - nets["standard network"].score(X_test, y_test)
    logistic_clean = 1 - setup["logistic"].score(X_test, y_test)
    for eps in SMALL_EPS:
        for attack in ("FGSM", "PGD"):
            standard = values[f"standard network: {attack} error at eps {eps:g}"]
            logistic = setup["logistic errors"][attack, eps]
            values[f"standard network error above logistic regression error, {attack} at eps {eps:g}"] = float(
                standard > logistic)
            values[f"standard network's error grows more than the logistic regression's, {attack} at eps "
                   f"{eps:g}"] = float(standard - standard_clean > logistic - logistic_clean)
    for name in ("standard network", "tanh network"):
        values[f"{name}: FGSM error below PGD error at eps 0.25"] = float(
            values[f"{name}: FGSM error at eps 0.25"] < values[f"{name}: PGD error at eps 0.25"])
        values[f"{name}: share of digits whose loss falls along FGSM's ray"] = float(
            np.mean(loss_falls_along_fgsm(nets[name], X_test, y_test)))
    return values


def loss_falls_along_fgsm(net, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """For each row, whether the log-loss falls somewhere along FGSM's ray (eps 0 to 0.25, steps of 0.01).

    FGSM takes one step along the sign of the gradient at the digit. Where the model bends (saturated
    units), the loss along that fixed direction can rise and then fall: the direction was only locally
    useful, and a longer step is not a stronger attack (notebook 06's gradient-masking lesson).
    """
    sign = attacks.gradient_sign(gradients.input_gradient(net, X, y))
    losses = np.array([gradients.loss_and_input_gradient(net, np.clip(X + eps * sign, 0.0, 1.0), y)[0]
                       for eps in np.linspace(0.0, 0.25, 26)])
    return (np.diff(losses, axis=0) < -1e-12).any(axis=0)


def size_values(standard, setup: dict) -> dict[str, float]:
    """Notebook 06's minimal-change attacks on the standard network: DeepFool, FGSM, L2 PGD."""
    X_test, y_test = setup["X_test"], setup["y_test"]
    sizes = attacks.deepfool_vs_fgsm({"standard network": standard}, X_test, y_test, eps_grid=FGSM_GRID,
                                     clip=(0.0, 1.0), max_step=0.1, max_iter=100, overshoot=0.0)
    values: dict[str, float] = {}
    for attack, part in sizes.groupby("attack"):
        values[f"standard network: {attack} fooled"] = part["fooled"].mean()
        values[f"standard network: {attack} median L2"] = part["L2"].median()
        values[f"standard network: {attack} median Linf"] = part["Linf"].median()
    values["standard network: DeepFool smaller in L2, FGSM smaller in Linf (medians)"] = float(
        values["standard network: DeepFool median L2"] < values["standard network: FGSM median L2"]
        and values["standard network: FGSM median Linf"] < values["standard network: DeepFool median Linf"])
    deepfool = sizes[sizes["attack"] == "DeepFool"]
    X_attacked, y_attacked = X_test[deepfool["row"]], y_test[deepfool["row"]]
    stronger = []
    for budget in L2_BUDGETS:
        by_deepfool = np.mean(deepfool["fooled"] & (deepfool["L2"] <= budget))
        X_pgd = attacks.pgd(standard, X_attacked, y_attacked, budget, norm=2, n_steps=PGD_STEPS)
        by_pgd = np.mean(standard.predict(X_pgd) != y_attacked)
        values[f"standard network: DeepFool within L2 {budget:g}"] = by_deepfool
        values[f"standard network: L2 PGD within L2 {budget:g}"] = by_pgd
        stronger.append(by_pgd >= by_deepfool)
    values["standard network: L2 PGD at least as strong as DeepFool at every budget"] = float(all(stronger))
    values["standard network: L2 PGD weaker than DeepFool at every budget"] = float(not any(stronger))
    return values


def fool_values(nets: dict) -> dict[str, float]:
    """Notebook 06's valid fool images: the standard network's (do they reach 0.99?) and the tanh
    network's (do they reach its ceiling?), by gradient search and by evolution from a blank image."""
    values: dict[str, float] = {}
    ceiling = network.confidence_ceiling(nets["tanh network"])
    for label, value in zip(ceiling.classes, ceiling.ceiling):
        values[f"tanh network: confidence ceiling, class {label}"] = value
    for name in ("standard network", "tanh network"):
        net = nets[name]
        for method in ("gradient search", "evolution"):
            if method == "gradient search":
                found = [attacks.fool_image(net, c, confidence=FOOL_CONFIDENCE, start="blank", max_iter=200)
                         for c in net.classes_]
            else:
                found = [attacks.evolve_fool_image(net, c, confidence=FOOL_CONFIDENCE, **EVOLUTION)
                         for c in net.classes_]
            probability = np.array([fool.probability for fool in found])
            values[f"{name}: {method}, fools reaching {FOOL_CONFIDENCE:g} (of 4)"] = float(
                sum(fool.reached for fool in found))
            values[f"{name}: {method}, lowest P"] = probability.min()
            if name == "tanh network":
                values[f"tanh network: {method}, fools within 0.001 of the ceiling (of 4)"] = float(
                    np.sum(probability >= ceiling.ceiling - 1e-3))
    return values


def one_pixel_values(standard, setup: dict) -> dict[str, float]:
    """Notebook 06's one-pixel counts on the standard network: brute force on a grid, and a search."""
    X_test, y_test = setup["X_test"], setup["y_test"]
    correct = np.flatnonzero(standard.predict(X_test) == y_test)
    flips = attacks.one_pixel_flips_grid(standard, X_test[correct], values=ONE_PIXEL_VALUES)
    popsize, generations = ONE_PIXEL_SEARCH
    found = [attacks.one_pixel_attack(standard, X_test[i], y_test[i], popsize=popsize,
                                      maxiter=generations, seed=0).fooled
             for i in correct[flips]]
    return {"standard network: one-pixel rate (grid of 5 values)": flips.mean(),
            "standard network: one-pixel search, share of the flippable digits found":
                float(np.mean(found)) if found else float("nan")}


def notebook06_values(nets: dict, setup: dict) -> dict[str, float]:
    """Notebook 06's seed-dependent numbers for one seed's networks."""
    X_test, y_test = setup["X_test"], setup["y_test"]
    values: dict[str, float] = {}
    for name in NETWORKS:
        state = collapse(nets[name], X_test, y_test)
        values[f"{name}: test accuracy"] = state["accuracy"]
        values[f"{name}: collapsed"] = float(state["collapsed"])
        values[f"{name}: smallest class recall"] = state["worst recall"]
        values[f"{name}: class with the smallest recall"] = state["worst class"]
        values[f"{name}: that class mostly taken for"] = state["taken for"]
    values.update(attack_values(nets, setup))
    published = attacks.deepfool(nets["tanh network"], X_test, max_iter=50)
    values["tanh network: DeepFool as published, median L2 change / digit L2"] = float(
        np.median(published.norm / np.linalg.norm(X_test, axis=1)))
    values["tanh network: DeepFool as published, flipped"] = published.flipped.mean()
    values.update(size_values(nets["standard network"], setup))
    values.update(fool_values(nets))
    values.update(one_pixel_values(nets["standard network"], setup))
    return values


def seed_row(seed: int, setup: dict) -> dict:
    """Train the networks with ``seed``: one row of ``seeds_networks.csv`` (notebooks 03-05)."""
    nets = fit_networks(seed, setup)
    return networks_row(seed, nets, bottleneck_fools(nets, setup), setup)


def seed_values(seed: int, setup: dict) -> dict[str, float]:
    """Train the networks with ``seed``: every quantity of ``seeds.csv`` (notebook 06, detectors)."""
    nets = fit_networks(seed, setup)
    values = notebook06_values(nets, setup)
    values.update(detector_quantities(detector_numbers(bottleneck_fools(nets, setup), setup)))
    return {quantity: float(value) for quantity, value in values.items()}


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity: min, median and max over the seeds where the quantity's network did not
    collapse, the collapsed seeds left out, then each seed (the notebooks' first)."""
    wide = frame.pivot(index="quantity", columns="seed", values="value")[list(SEEDS)]
    wide = wide.loc[frame["quantity"].drop_duplicates()]
    collapsed = {name: wide.loc[f"{name}: collapsed"] > 0 for name in NETWORKS}
    rows = {}
    for quantity, values in wide.iterrows():
        left_out = pd.Series(False, index=wide.columns)
        for name in NETWORKS:
            if quantity.startswith(name) and not quantity.endswith("collapsed"):
                left_out = collapsed[name]
        kept = values[~left_out]
        rows[quantity] = {"min": kept.min(), "median": kept.median(), "max": kept.max(),
                          "collapsed seeds left out": ", ".join(map(str, values.index[left_out])) or "-"}
    seeds = wide.rename(columns=lambda s: f"seed {s}" + (" (notebooks)" if s == SEEDS[0] else ""))
    return pd.concat([pd.DataFrame.from_dict(rows, orient="index"), seeds], axis=1)


def markdown(table: pd.DataFrame) -> str:
    header = "| quantity | " + " | ".join(table.columns) + " |"
    rule = "| --- |" + " ---: |" * len(table.columns)
    lines = [header, rule]
    for quantity, row in table.iterrows():
        cells = [value if isinstance(value, str) else f"{value:.3f}" for value in row]
        lines.append(f"| {quantity} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def collapsed_lines(networks_table: pd.DataFrame, frame: pd.DataFrame) -> list[str]:
    """One line per collapsed training: seed, network, accuracy, the class swallowed and by which."""
    lines = []
    for seed, row in networks_table.iterrows():
        for short in ("identity", "tanh", "relu"):
            if row[f"{short} collapsed"]:
                lines.append(f"- seed {seed}, {short} network: accuracy {row[f'{short} accuracy']:.3f}; "
                             f"class {row[f'{short} worst class']} keeps {row[f'{short} worst recall']:.0%} "
                             f"of its test digits, most of the others are taken for "
                             f"{row[f'{short} worst class taken for']}")
    standard = frame[frame["quantity"] == "standard network: collapsed"]
    lines += [f"- seed {seed}, standard network" for seed in standard.loc[standard["value"] > 0, "seed"]]
    return lines or ["- none"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    start = time.time()
    setup = digits_and_density()
    rows, records = [], []
    for seed in SEEDS:
        nets = fit_networks(seed, setup)
        row = networks_row(seed, nets, bottleneck_fools(nets, setup), setup)
        values = {**notebook06_values(nets, setup), **detector_quantities(row)}
        rows.append(row)
        records += [{"seed": seed, "quantity": q, "value": float(v)} for q, v in values.items()]
        print(f"seed {seed}: done ({time.time() - start:.0f} s)", flush=True)
    networks_table = pd.DataFrame(rows).set_index("seed")
    frame = pd.DataFrame.from_records(records)

    # Notebook 05's detector, chosen on the notebook seed's fools, scored on the others'.
    # Scored where the 12 fools exist and neither network collapsed (notebook 05 names the others).
    chosen_on = frame[frame["seed"] == SEEDS[0]].set_index("quantity")["value"]
    chosen = max(("low density", "two-sided"), key=lambda d: chosen_on[f"{d}: ROC AUC, 12 fools"])
    usable = networks_table[~networks_table["identity collapsed"] & ~networks_table["tanh collapsed"]
                            & (networks_table["identity class without a far point"] < 0)].index
    scored = frame[frame["seed"].isin(usable) & (frame["seed"] != SEEDS[0])]
    fresh = scored[scored["quantity"] == f"{chosen}: ROC AUC, 12 fools"]["value"]

    RESULTS.mkdir(exist_ok=True)
    networks_table.round(6).to_csv(NETWORKS_CSV)
    frame.to_csv(SEEDS_CSV, index=False, float_format="%.6g")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent).stdout.strip() or "unknown"
    collapsed = "\n".join(collapsed_lines(networks_table, frame))
    text = f"""# Seeds: the series' random results over {len(SEEDS)} seeds

Produced by `{COMMAND}` (from the repository root), which also writes `seeds.csv` (read by notebook 06) and `seeds_networks.csv` (read by notebooks 03, 04 and 05).

- date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {time.time() - start:.0f} s
- Python {platform.python_version()}; numpy {np.__version__}, scikit-learn {sklearn.__version__}; repository at commit {commit}
- data: the bundled MNIST digits 0-3, the series' split (1500 training, 500 test digits, `random_state=0`)
- seeds: `random_state` of the three networks: {', '.join(map(str, SEEDS))} ({SEEDS[0]} is the notebooks'); every other setting as in `helpers.models`
- collapsed: a training in which some class keeps less than {COLLAPSE_RECALL:.0%} of its test digits; its network's quantities are left out of the min, median and max (its seeds are listed), not out of the per-seed columns
- attacks: FGSM and PGD (L-infinity, {PGD_STEPS} steps of 2.5 eps / {PGD_STEPS}, no random start) as in notebook 06, compared with the logistic regression (deterministic); DeepFool (pixel box, steps of at most 0.1, at most 100) beside the smallest FGSM step on a grid (0.001 up to 0.2, then 0.005), and L2 PGD ({PGD_STEPS} steps) at L2 budgets {', '.join(map(str, L2_BUDGETS))}, over the correctly classified test digits; fool images from a blank image aiming at P = {FOOL_CONFIDENCE} (L-BFGS-B, at most 200 iterations; evolution: {EVOLUTION}); one-pixel rates over the correctly classified test digits (every pixel set to each of {len(ONE_PIXEL_VALUES)} values 0, 0.25, ..., 1, `one_pixel_flips_grid`), and the differential evolution's share of them (popsize {ONE_PIXEL_SEARCH[0]}, {ONE_PIXEL_SEARCH[1]} generations, seed 0)
- notebook 05's detectors: density fitted on the training digits (deterministic); "low density" flags log p(x) below the 1st percentile of the training digits, "two-sided" outside their central 99 %; ROC AUC of the 12 fools (4 identity, 4 identity clipped to [0, 1], 4 tanh) against the 500 real test digits
- booleans ("... above ...", "collapsed") are 1 for true, 0 for false

## Collapsed trainings

{collapsed}

## Notebook 05's detector, chosen on one seed and scored on the others

Chosen on the fools of seed {SEEDS[0]} (higher ROC AUC): **{chosen}** ({chosen_on[f'{chosen}: ROC AUC, 12 fools']:.3f} there).
Scored on the fools of the {len(fresh)} other seeds where neither bottleneck network collapsed and every class of the identity network has a far point: ROC AUC from {fresh.min():.3f} to {fresh.max():.3f} (median {fresh.median():.3f}).

## Every quantity

{markdown(summary_table(frame))}
"""
    (RESULTS / "seeds.md").write_text(text)
    print(networks_table.round(3).T.to_string())
    print(text)


if __name__ == "__main__":
    main()

"""Notebooks 03 and 04's network results, recomputed for networks trained with other seeds.

Usage (from the repository root, in the project's environment)::

    OPENBLAS_NUM_THREADS=1 python benchmarks/seeds_networks.py

Every network of the series is trained with ``random_state=21`` (the post's seed), and the stored
notebook outputs come from those two networks. This script trains the same two networks
(``helpers.models.mnist_identity_network`` and ``mnist_tanh_network``) with each seed of
``SEEDS`` on the same training digits, and recomputes, for each seed, the statements of
notebooks 03 and 04 that depend on that draw: the test accuracies, the tanh network's confidence
ceilings and its fools (unclipped and clipped into [0, 1]), the identity network's fools, the
RBF SVM on the identity network's hidden layer, and the density detectors' scores on the fools.
Seed 21 is the *selection* seed: notebook 04 chooses its detector on seed 21's fools; seeds 0-4
give fresh fools to score that choice on. About a minute with one BLAS thread.

Results go to ``benchmarks/results/seeds_networks.csv`` (one row per seed), which notebooks 03
and 04 print; ``tests/test_claims_seeds_nb01_04.py`` recomputes the same rows (through
:func:`seed_row`) for seeds 0-4 and asserts the direction of each statement the notebooks make.
Notebook 05's statements are recomputed by ``benchmarks/seeds.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import data, density, models, network

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "seeds_networks.csv"
#: The seed of the stored outputs (chooses the detector), then five fresh seeds (score it).
SELECTION_SEED = models.MNIST_SEED
FRESH_SEEDS = (0, 1, 2, 3, 4)
SEEDS = (SELECTION_SEED, *FRESH_SEEDS)
BOTTLENECK = 3


def digits_and_density() -> dict:
    """The notebooks' split of the bundled digits 0-3 and the density fitted on its training part.

    Returns
    -------
    dict
        ``X_train, X_test, y_train, y_test`` (as ``data.split_digits``), ``density`` (fitted
        ``models.mnist_digit_density``), ``train_log_density``, ``test_log_density``, the
        low-density ``threshold`` and the ``typical`` range (both from the training digits).
    """
    X, y = data.load_mnist_digits(digits=(0, 1, 2, 3))
    X_train, X_test, y_train, y_test = data.split_digits(X, y, test_size=0.25, random_state=0)
    digit_density = models.mnist_digit_density().fit(X_train, y_train)
    return {
        "X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test,
        "density": digit_density,
        "train_log_density": digit_density.score_samples(X_train),
        "test_log_density": digit_density.score_samples(X_test),
        "threshold": density.low_density_threshold(digit_density, X_train, quantile=0.01),
        "typical": density.typical_range(digit_density, X_train, coverage=0.99),
    }


def seed_row(seed: int, setup: dict) -> dict:
    """Train both networks with ``seed`` and recompute notebooks 03-04's seed-dependent numbers.

    Parameters
    ----------
    seed : int
        ``random_state`` of both networks.
    setup : dict
        From :func:`digits_and_density`.

    Returns
    -------
    dict
        One row of the results table; counts are out of the 4 classes (or 12 fools).
    """
    X_train, X_test, y_train, y_test = (setup[k] for k in ("X_train", "X_test", "y_train", "y_test"))
    identity_net = models.mnist_identity_network(random_state=seed).fit(X_train, y_train)
    tanh_net = models.mnist_tanh_network(random_state=seed).fit(X_train, y_train)
    own = np.arange(len(tanh_net.classes_))

    # Notebook 03: the tanh network's ceilings and fools
    hidden_test = network.propagate(tanh_net, X_test, BOTTLENECK)
    ceiling = network.confidence_ceiling(tanh_net)
    tanh_fools = network.tanh_fools(tanh_net, slack=1e-3)
    reached = tanh_net.predict_proba(tanh_fools)[own, own]
    clipped_tanh = tanh_net.predict_proba(np.clip(tanh_fools, 0.0, 1.0))
    test_proba = tanh_net.predict_proba(X_test)
    test_best = np.array([test_proba[y_test == c, k].max() for k, c in enumerate(tanh_net.classes_)])

    # Notebook 03: the identity network's fools
    hidden_train = network.propagate(identity_net, X_train, BOTTLENECK)
    far = network.far_point_per_class(identity_net, hidden_train, distance_factor=5.0,
                                      min_probability=0.999)
    identity_fools = network.invert_to_input(identity_net, far.points, BOTTLENECK)
    clipped_identity = np.clip(identity_fools, 0.0, 1.0)
    identity_proba = identity_net.predict_proba(identity_fools)
    clipped_identity_proba = identity_net.predict_proba(clipped_identity)

    # Notebook 04, part 2: an RBF SVM on the identity network's hidden layer
    hidden_rbf = models.hidden_rbf_svm().fit(hidden_train, y_train)
    hidden_fools = network.propagate(identity_net, identity_fools, BOTTLENECK)
    rbf_on_fools = hidden_rbf.predict_proba(hidden_fools)

    # Notebook 04, part 3: the two density detectors on the 12 fools
    fool_groups = {"identity": identity_fools, "clipped": clipped_identity, "tanh": tanh_fools}
    fool_log_density = {name: setup["density"].score_samples(images) for name, images in fool_groups.items()}
    all_fools = np.concatenate(list(fool_log_density.values()))
    train_log_density, test_log_density = setup["train_log_density"], setup["test_log_density"]
    low, high = setup["typical"]

    def inside_typical(values: np.ndarray) -> int:
        return int(np.sum((values >= low) & (values <= high)))

    return {
        "seed": seed,
        "role": "selection" if seed == SELECTION_SEED else "fresh",
        "identity accuracy": identity_net.score(X_test, y_test),
        "tanh accuracy": tanh_net.score(X_test, y_test),
        "tanh test digits in the corners": np.mean(np.all(np.abs(hidden_test) > 0.99, axis=1)),
        "lowest ceiling": ceiling.ceiling.min(),
        "highest ceiling": ceiling.ceiling.max(),
        "ceilings at a corner": int(np.sum(np.all(np.isin(ceiling.hidden, ceiling.bounds), axis=1))),
        "tanh fools within 0.001 of the ceiling": int(np.sum(reached >= ceiling.ceiling - 0.001)),
        "best test digit within 0.001 of the ceiling": int(np.sum(test_best >= ceiling.ceiling - 0.001)),
        "clipped tanh fools keeping their class": int(np.sum(clipped_tanh.argmax(axis=1) == own)),
        "clipped tanh fools, lowest own P": clipped_tanh[own, own].min(),
        "identity fools at P >= 0.999": int(np.sum(identity_proba[own, own] >= 0.999)),
        "clipped identity fools keeping their class": int(np.sum(clipped_identity_proba.argmax(axis=1) == own)),
        "clipped identity fools, lowest own P": clipped_identity_proba[own, own].min(),
        "hidden RBF accuracy": hidden_rbf.score(network.propagate(identity_net, X_test, BOTTLENECK), y_test),
        "hidden RBF: digits the fools are sent to": len(np.unique(rbf_on_fools.argmax(axis=1))),
        "hidden RBF: highest P on a fool": rbf_on_fools.max(),
        "low-density AUC": density.outlier_auc(test_log_density, all_fools),
        "two-sided AUC": density.outlier_auc(
            density.tail_probability(test_log_density, train_log_density),
            density.tail_probability(all_fools, train_log_density)),
        "fools flagged, low density": int(np.sum(all_fools < setup["threshold"])),
        "fools flagged, two-sided": int(all_fools.size - inside_typical(all_fools)),
        "tanh fools inside the typical range": inside_typical(fool_log_density["tanh"]),
        "clipped identity fools inside the typical range": inside_typical(fool_log_density["clipped"]),
    }


def main() -> int:
    start = time.perf_counter()
    setup = digits_and_density()
    rows = []
    for seed in SEEDS:
        rows.append(seed_row(seed, setup))
        print(f"seed {seed}: done after {time.perf_counter() - start:.0f} s", flush=True)
    table = pd.DataFrame(rows).set_index("seed")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    table.round(4).to_csv(RESULTS)
    print(table.round(3).T.to_string())
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The seed-dependent statements of notebooks 01-05, over five seeds each.

(Notebooks 04, kernels, and 05, generative models, were one notebook 04 when this file was named.)

The notebooks' stored outputs come from one draw (the networks' ``random_state=21``); their text
states which conclusions hold over other seeds, from the table ``benchmarks/seeds.py``
writes (``benchmarks/results/seeds_networks.csv``). Each test here asserts the direction the text
states for the networks of seeds 0-4.

Training ten networks takes about 30 s of CPU, too slow for every test run, so by default the rows
come from the committed table, and :func:`test_the_results_table_matches_a_fresh_run` retrains the
networks of one seed and checks its row: a change to the models or helpers that moves the numbers
fails there until the table is regenerated, and then the direction tests judge the new numbers.
``PITY_SEED_TESTS=recompute`` retrains all five seeds instead of reading the table.
Notebook 06's statements (attacks) are tested elsewhere.
"""

import os

import numpy as np
import pandas as pd
import pytest

from helpers import data, models

SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def seeds(seeds_script):
    assert seeds_script.FRESH_SEEDS == SEEDS
    return seeds_script


@pytest.fixture(scope="module")
def rows(seeds, seeds_setup) -> pd.DataFrame:
    """One row per seed: both networks trained with that seed, and every statement recomputed."""
    if os.environ.get("PITY_SEED_TESTS") == "recompute":
        return pd.DataFrame([seeds.seed_row(seed, seeds_setup) for seed in SEEDS]).set_index("seed")
    table = pd.read_csv(seeds.NETWORKS_CSV, index_col="seed")
    return table.loc[list(SEEDS)]


def test_the_results_table_matches_a_fresh_run(seeds, seeds_setup):
    """Seed 0 retrained: its row in the committed table is what the code computes today.

    Tolerances allow for another CPU (the networks' training is floating-point sensitive):
    0.01 on accuracies and probabilities, 0.02 on ROC AUCs, 0.02 on shares, 1 on counts.
    """
    fresh = seeds.seed_row(SEEDS[0], seeds_setup)
    stored = pd.read_csv(seeds.NETWORKS_CSV, index_col="seed").loc[SEEDS[0]]
    assert set(stored.index) == set(fresh) - {"seed"}, "regenerate: python benchmarks/seeds.py"
    for column, value in fresh.items():
        if column in ("seed", "role"):
            continue
        tolerance = 1 if isinstance(value, int) else 0.02 if "AUC" in column or "corners" in column else 0.01
        assert abs(stored[column] - value) <= tolerance, (
            f"{column}: table {stored[column]}, fresh run {value}; "
            "regenerate it with python benchmarks/seeds.py"
        )


# Notebook 03 -------------------------------------------------------------------------------------

def test_the_tanh_network_is_the_more_accurate_on_every_seed(rows):
    assert (rows["tanh accuracy"] > rows["identity accuracy"]).all()


def test_the_tanh_accuracy_varies_less_than_the_identity_accuracy(rows):
    assert np.ptp(rows["tanh accuracy"]) < np.ptp(rows["identity accuracy"])


def test_most_seeds_push_nearly_all_digits_into_the_corners(rows):
    assert (rows["tanh test digits in the corners"] > 0.85).sum() >= len(SEEDS) - 1


def test_the_ceilings_stay_between_092_and_099(rows):
    assert (rows["lowest ceiling"] > 0.92).all() and (rows["highest ceiling"] < 0.99).all()


def test_the_tanh_fools_reach_their_ceiling_on_every_seed(rows):
    assert (rows["tanh fools within 0.001 of the ceiling"] == 4).all()


def test_the_best_real_digit_reaches_the_ceiling_on_every_seed(rows):
    assert (rows["best test digit within 0.001 of the ceiling"] == 4).all()


def test_clipping_ruins_at_least_half_of_the_tanh_fools_on_every_seed(rows):
    assert (rows["clipped tanh fools keeping their class"] <= 2).all()
    assert (rows["clipped tanh fools, lowest own P"] < 0.5).all()


def test_the_identity_fools_are_sure_and_survive_clipping_on_every_seed(rows):
    assert (rows["identity fools at P >= 0.999"] == 4).all()
    assert (rows["clipped identity fools keeping their class"] == 4).all()
    assert (rows["clipped identity fools, lowest own P"] > 0.95).all()


# Notebooks 04 (hidden RBF SVM, post-way far field) and 05 (density tests) ----------------------

def test_the_hidden_rbf_svm_sends_all_fools_to_one_digit_less_surely(rows):
    assert (rows["hidden RBF: digits the fools are sent to"] == 1).all()
    assert (rows["hidden RBF: highest P on a fool"].between(0.8, 0.97)).all()


def test_the_hidden_rbf_svm_costs_little_accuracy(rows):
    assert (np.abs(rows["hidden RBF accuracy"] - rows["identity accuracy"]) < 0.03).all()


def test_the_chosen_two_sided_test_scores_below_its_selection_score_on_fresh_fools(rows):
    """Chosen on seed 21's fools, where its ROC AUC is 0.996; fresh fools score lower."""
    assert (rows["two-sided AUC"] < 0.99).all()
    assert (rows["two-sided AUC"] > 0.8).all()


def test_the_two_sided_test_beats_the_low_density_test_on_some_seeds_only(rows):
    better = rows["two-sided AUC"] > rows["low-density AUC"]
    assert better.any() and not better.all()


def test_a_tanh_fool_passes_the_two_sided_test_on_every_fresh_seed(rows):
    assert (rows["tanh fools inside the typical range"] >= 1).all()


def test_neither_density_test_flags_every_fool_on_any_seed(rows):
    assert (rows[["fools flagged, low density", "fools flagged, two-sided"]] < 12).all(axis=None)


def test_the_post_way_rbf_far_field_stays_below_one_half_over_cv_seeds():
    """Notebook 04: libsvm's far-field probability for five draws of its CV folds."""
    frame = data.load_iris_petals()
    X, y = frame[list(data.IRIS_FEATURES)].to_numpy(), frame[data.IRIS_TARGET].astype(str).to_numpy()
    far = [models.fit_post_svm(X, y, kernel="rbf", random_state=seed).predict_proba([[1e3, 0.0]]).max()
           for seed in SEEDS]
    calibrated = models.iris_rbf_svm(gamma="auto").fit(X, y).predict_proba([[1e3, 0.0]]).max()
    assert max(far) < 0.5 < 0.85 < calibrated

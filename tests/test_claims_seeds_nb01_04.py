"""The seed-dependent statements of notebooks 03, 04 and 05, over the 21 seeds of the seeds table.

(Notebooks 04, kernels, and 05, generative models, were one notebook 04 when this file was named.)

The notebooks' stored outputs come from one draw (the networks' ``random_state=21``); their text
states what holds over other seeds, from the table ``benchmarks/seeds.py`` writes
(``benchmarks/results/seeds_networks.csv``: seed 21, then 0-19). The text counts seeds, gives
ranges, and names the trainings that collapsed (a class keeping less than half of its test
digits) instead of mixing them in; each test here asserts one such statement on the table.

Training the networks of 21 seeds takes minutes, too slow for every test run, so by default the
rows come from the committed table, and :func:`test_the_results_table_matches_a_fresh_run`
retrains the networks of one seed and checks its row: a change to the models or helpers that
moves the numbers fails there until the table is regenerated, and then the statement tests judge
the new numbers. ``PITY_SEED_TESTS=recompute`` retrains every seed instead of reading the table.
Notebook 06's statements (attacks) are tested in ``test_claims_seeds_nb05.py``.
"""

import os

import numpy as np
import pandas as pd
import pytest

from helpers import data, models

SEEDS = (21, *range(20))
#: Draws of libsvm's cross-validation folds in notebook 04's far-field check (not network seeds).
CV_SEEDS = tuple(range(20))


@pytest.fixture(scope="module")
def seeds(seeds_script):
    assert seeds_script.SEEDS == SEEDS
    return seeds_script


@pytest.fixture(scope="module")
def rows(seeds, seeds_setup) -> pd.DataFrame:
    """One row per seed: the networks trained with that seed, and every statement recomputed."""
    if os.environ.get("PITY_SEED_TESTS") == "recompute":
        return pd.DataFrame([seeds.seed_row(seed, seeds_setup) for seed in SEEDS]).set_index("seed")
    table = pd.read_csv(seeds.NETWORKS_CSV, index_col="seed")
    assert sorted(table.index) == sorted(SEEDS), "regenerate: python benchmarks/seeds.py"
    return table.loc[list(SEEDS)]


@pytest.fixture(scope="module")
def tanh_ok(rows) -> pd.DataFrame:
    """The seeds at which the tanh network did not collapse."""
    return rows[~rows["tanh collapsed"].astype(bool)]


@pytest.fixture(scope="module")
def with_fools(rows) -> pd.DataFrame:
    """The seeds at which every class of the identity network has a far point, hence a fool."""
    return rows[rows["identity class without a far point"] < 0]


@pytest.fixture(scope="module")
def usable(rows) -> pd.DataFrame:
    """Notebook 05's seeds: no network collapsed, and every class has an identity fool."""
    keep = (~rows["tanh collapsed"].astype(bool) & ~rows["identity collapsed"].astype(bool)
            & (rows["identity class without a far point"] < 0))
    return rows[keep]


def test_the_results_table_matches_a_fresh_run(seeds, seeds_setup):
    """Seed 0 retrained: its row in the committed table is what the code computes today.

    Tolerances allow for another CPU (the networks' training is floating-point sensitive):
    0.01 on accuracies and probabilities, 0.02 on ROC AUCs and shares of digits, 1 on counts.
    """
    fresh = seeds.seed_row(0, seeds_setup)
    stored = pd.read_csv(seeds.NETWORKS_CSV, index_col="seed").loc[0]
    assert set(stored.index) == set(fresh) - {"seed"}, "regenerate: python benchmarks/seeds.py"
    for column, value in fresh.items():
        if column in ("seed", "role") or (pd.isna(value) and pd.isna(stored[column])):
            continue
        tolerance = (1 if isinstance(value, (bool, int, np.bool_, np.integer))
                     else 0.02 if "AUC" in column or "corners" in column or "edge" in column
                     or "origin" in column else 0.01)
        assert abs(float(stored[column]) - float(value)) <= tolerance, (
            f"{column}: table {stored[column]}, fresh run {value}; "
            "regenerate it with python benchmarks/seeds.py"
        )


# Notebook 03 -------------------------------------------------------------------------------------

def test_the_tanh_network_collapsed_at_two_seeds_and_the_identity_network_at_none(rows):
    """'The tanh network collapsed at two of the 21 seeds': a class swallowed by another."""
    collapsed = rows[rows["tanh collapsed"].astype(bool)]
    assert len(collapsed) == 2
    assert (collapsed["tanh worst recall"] < 0.5).all()
    assert not rows["identity collapsed"].astype(bool).any()


def test_the_tanh_network_is_the_more_accurate_wherever_neither_collapsed(tanh_ok):
    assert (tanh_ok["tanh accuracy"] > tanh_ok["identity accuracy"]).all()


def test_each_networks_accuracy_moves_by_a_few_points(tanh_ok):
    assert np.ptp(tanh_ok["identity accuracy"]) < 0.07
    assert np.ptp(tanh_ok["tanh accuracy"]) < 0.07


def test_most_seeds_push_nearly_all_digits_into_the_corners_the_others_onto_an_edge(tanh_ok):
    corners = tanh_ok["tanh test digits in the corners"]
    assert (corners > 0.85).sum() >= len(tanh_ok) - 2
    others = tanh_ok[corners <= 0.85]
    assert len(others) >= 1
    assert (others["tanh test digits on an edge"] > 0.5).all()  # 'most digits on an edge'


def test_the_ceilings_lie_between_about_092_and_099(tanh_ok):
    assert (tanh_ok["lowest ceiling"] > 0.92).all()
    assert (tanh_ok["highest ceiling"] < 0.995).all()


def test_the_ceilings_are_not_all_at_a_corner_at_some_seeds(tanh_ok):
    assert (tanh_ok["ceilings at a corner"] < 4).any()
    assert (tanh_ok["ceilings at a corner"] == 4).sum() > len(tanh_ok) / 2


def test_a_collapsed_classs_ceiling_falls_to_about_one_half(rows):
    collapsed = rows[rows["tanh collapsed"].astype(bool)]
    assert collapsed["lowest ceiling"].between(0.4, 0.6).all()


def test_the_tanh_fools_and_the_best_real_digit_reach_the_ceiling_at_every_seed(tanh_ok):
    assert (tanh_ok["tanh fools within 0.001 of the ceiling"] == 4).all()
    assert (tanh_ok["best test digit within 0.001 of the ceiling"] == 4).all()


def test_clipping_ruins_a_tanh_fool_at_all_but_one_seed(tanh_ok):
    kept = tanh_ok["clipped tanh fools keeping their class"]
    assert (kept == 4).sum() == 1
    assert (kept < 4).sum() == len(tanh_ok) - 1


def test_one_seed_has_an_identity_class_without_a_far_point(rows):
    assert (rows["identity class without a far point"] >= 0).sum() == 1


def test_the_identity_fools_are_sure_and_keep_their_class_clipped_at_every_seed(with_fools):
    assert (with_fools["identity fools at P >= 0.999"] == 4).all()
    assert (with_fools["clipped identity fools keeping their class"] == 4).all()
    lowest = with_fools["clipped identity fools, lowest own P"]
    assert (lowest < 0.999).sum() >= 2  # 'at some seeds ... below 0.999'
    assert (lowest < 0.9).sum() == 1  # 'at one far below'


def test_the_relu_bottleneck_collapses_at_about_half_the_seeds(rows):
    """Exercise 3: 'it collapsed at about half of them, at some with every training digit at the
    origin; at most of the others a class stacked at the origin has its ceiling there'."""
    collapsed = rows["relu collapsed"].astype(bool)
    assert 8 <= collapsed.sum() <= 13
    assert (rows.loc[collapsed, "relu: training digits at the origin"] == 1).any()
    others = rows[~collapsed]
    at_origin = others["relu: its highest P on the quadrant grid is at the origin"].astype(bool)
    assert at_origin.sum() > len(others) / 2


# Notebook 04 (hidden RBF SVM, post-way far field) ------------------------------------------------

def test_the_hidden_rbf_svm_sends_all_fools_to_one_digit_less_surely(with_fools):
    assert (with_fools["hidden RBF: digits the fools are sent to"] == 1).all()
    assert with_fools["hidden RBF: highest P on a fool"].between(0.8, 0.97).all()


def test_the_hidden_rbf_svm_stays_within_a_few_points_of_the_networks_accuracy(rows):
    assert (np.abs(rows["hidden RBF accuracy"] - rows["identity accuracy"]) < 0.03).all()


def test_the_post_way_rbf_far_field_stays_about_one_half_over_cv_seeds():
    """Notebook 04: libsvm's far-field probability over 20 draws of its CV folds stays 'within a
    few hundredths of 0.5, below it at all but one', while today's calibration gives about 0.9."""
    frame = data.load_iris_petals()
    X, y = frame[list(data.IRIS_FEATURES)].to_numpy(), frame[data.IRIS_TARGET].astype(str).to_numpy()
    far = np.array([models.fit_post_svm(X, y, kernel="rbf", gamma="auto", random_state=seed)
                    .predict_proba([[1e3, 0.0]]).max() for seed in CV_SEEDS])
    calibrated = models.iris_rbf_svm(gamma="auto").fit(X, y).predict_proba([[1e3, 0.0]]).max()
    assert np.all(np.abs(far - 0.5) < 0.05)
    assert (far < 0.5).sum() == len(far) - 1
    assert calibrated > 0.85


# Notebook 05 (density tests on fresh fools) ------------------------------------------------------

def test_notebook_05_leaves_out_three_seeds(rows, usable):
    """The two collapsed tanh networks and the identity network without a far point."""
    assert len(rows) - len(usable) == 3


def test_the_chosen_two_sided_test_scores_below_its_selection_score_on_fresh_fools(usable):
    """Chosen on seed 21's fools, where its ROC AUC is 0.996; fresh fools score lower."""
    fresh = usable[usable["role"] == "fresh"]
    assert (fresh["two-sided AUC"] < usable.loc[21, "two-sided AUC"]).all()
    assert (fresh["two-sided AUC"] > 0.8).all()


def test_the_two_sided_test_beats_the_low_density_test_at_most_seeds_not_all(usable):
    fresh = usable[usable["role"] == "fresh"]
    better = fresh["two-sided AUC"] > fresh["low-density AUC"]
    assert len(fresh) / 2 < better.sum() < len(fresh)


def test_a_tanh_fool_passes_the_two_sided_test_at_every_fresh_seed(usable):
    inside = usable.loc[usable["role"] == "fresh", "tanh fools inside the typical range"]
    assert (inside >= 1).all() and inside.max() == 3  # 'at least one of them, and up to three'


def test_neither_density_test_flags_every_fool_at_any_seed(usable):
    assert (usable[["fools flagged, low density", "fools flagged, two-sided"]] < 12).all(axis=None)


def test_both_tests_flag_every_unclipped_identity_fool_at_every_seed(usable):
    assert (usable["identity fools flagged by both tests"] == 4).all()


def test_three_gaussians_per_digit_move_the_aucs_by_a_few_hundredths_at_most(usable):
    """Exercise 2: 'both AUCs move by less than 0.01 here, and by a few hundredths at most at the
    other seeds' (the largest change over five initialisations of the mixture)."""
    change = usable["3 Gaussians per digit: largest ROC AUC change"]
    assert change.loc[21] < 0.01
    assert (change < 0.05).all()

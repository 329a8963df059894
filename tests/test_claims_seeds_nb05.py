"""Notebook 06's (attacks, numbered 05 when this file was named) seed-dependent statements, over
the 21 seeds of the seeds table, as its text states them.

The notebook measures the series' standard network (``models.mnist_standard_network``) and keeps
the bottleneck networks of notebook 03 for their lessons. Its stored outputs come from one draw
(``random_state=21``); its text states what holds over other seeds, from the table
``benchmarks/seeds.py`` writes (``benchmarks/results/seeds.csv``: seed 21, then 0-19), as counts
and ranges, with the collapsed trainings (a class keeping less than half of its test digits)
named and left out. Each test here asserts one such statement on the table.

Training the networks of 21 seeds takes minutes, too slow for every test run, so by default the
values come from the committed table, and :func:`test_the_results_table_matches_a_fresh_run`
retrains the networks of one seed and checks its values: a change to the models or helpers that
moves the numbers fails there until the table is regenerated, and then the statement tests judge
the new numbers. ``PITY_SEED_TESTS=recompute`` retrains every seed instead of reading the table.
"""

import os

import numpy as np
import pandas as pd
import pytest

SEEDS = (21, *range(20))
STANDARD, TANH = "standard network", "tanh network"
L2_BUDGETS = ("0.5", "1", "1.5")


@pytest.fixture(scope="module")
def seeds(seeds_script):
    assert seeds_script.SEEDS == SEEDS
    return seeds_script


@pytest.fixture(scope="module")
def values(seeds, seeds_setup) -> pd.DataFrame:
    """One column per seed, one row per quantity."""
    if os.environ.get("PITY_SEED_TESTS") == "recompute":
        return pd.DataFrame({seed: seeds.seed_values(seed, seeds_setup) for seed in SEEDS})
    table = pd.read_csv(seeds.SEEDS_CSV)
    assert sorted(table["seed"].unique()) == sorted(SEEDS), "regenerate: python benchmarks/seeds.py"
    return table.pivot(index="quantity", columns="seed", values="value")[list(SEEDS)]


def over(values: pd.DataFrame, quantity: str, network: str) -> pd.Series:
    """``quantity`` at the seeds where ``network`` did not collapse (as the notebook's ``over``)."""
    return values.loc[quantity][values.loc[f"{network}: collapsed"] == 0]


def _tolerance(quantity: str) -> float | None:
    """How far another CPU may move a quantity of one seed (None: compared relatively)."""
    if "DeepFool as published" in quantity and "L2" in quantity:
        return None
    knife_edge = "at every budget" in quantity or (
        "eps 0.02" in quantity and ("above" in quantity or "grows" in quantity))
    if knife_edge or "(of 4)" in quantity:
        return 1.0  # counts of fools; directions the text states only as counts over seeds
    if quantity.endswith(("with the smallest recall", "mostly taken for")):
        return 0.0  # class labels
    if any(word in quantity for word in ("above", "grows more", "below", "smaller", "collapsed")):
        return 0.0  # a direction: must be the same
    if any(word in quantity for word in ("AUC", "caught", "share", "median")):
        return 0.02
    return 0.01


def test_the_results_table_matches_a_fresh_run(seeds, seeds_setup):
    """Seed 0 retrained: its values in the committed table are what the code computes today.

    Tolerances allow for another CPU (the networks' training is floating-point sensitive): 0.01
    on accuracies, error rates and probabilities, 0.02 on ROC AUCs, shares and median sizes, 1 on
    counts of fools, 10 % on DeepFool's unlimited steps on the tanh network; directions must be
    the same, except the knife-edge ones the text only counts over seeds (eps 0.02, every budget).
    """
    fresh = seeds.seed_values(0, seeds_setup)
    table = pd.read_csv(seeds.SEEDS_CSV)
    stored = table[table["seed"] == 0].set_index("quantity")["value"]
    assert set(fresh) == set(stored.index), "regenerate: python benchmarks/seeds.py"
    for quantity, value in fresh.items():
        if np.isnan(value) and np.isnan(stored[quantity]):
            continue
        tolerance = _tolerance(quantity)
        if tolerance is None:
            assert value == pytest.approx(stored[quantity], rel=0.1), quantity
        else:
            assert value == pytest.approx(stored[quantity], abs=tolerance), quantity


# The networks ------------------------------------------------------------------------------------

def test_the_standard_network_never_collapses(values):
    assert (values.loc[f"{STANDARD}: collapsed"] == 0).all()
    assert (values.loc[f"{STANDARD}: test accuracy"] >= 0.95).all()


def test_the_tanh_network_collapsed_at_two_seeds(values):
    """'The tanh network collapsed at two seeds, named where the counts are printed.'"""
    collapsed = values.loc[f"{TANH}: collapsed"] == 1
    assert collapsed.sum() == 2
    assert (values.loc[f"{TANH}: smallest class recall", collapsed] < 0.5).all()


# FGSM and PGD ------------------------------------------------------------------------------------

@pytest.mark.parametrize("attack", ["FGSM", "PGD"])
@pytest.mark.parametrize("eps", ["0.05", "0.1"])
def test_the_standard_network_loses_more_than_the_logistic_regression_at_every_seed(values, attack, eps):
    grows = values.loc[f"standard network's error grows more than the logistic regression's, "
                       f"{attack} at eps {eps}"]
    assert (grows == 1).all()


@pytest.mark.parametrize("attack", ["FGSM", "PGD"])
def test_at_eps_002_the_network_loses_more_at_only_some_seeds(values, attack):
    grows = values.loc[f"standard network's error grows more than the logistic regression's, "
                       f"{attack} at eps 0.02"]
    assert 0 < grows.sum() < len(grows)


def test_fgsm_levels_off_below_pgd_on_the_tanh_network_at_every_seed(values):
    fgsm = over(values, f"{TANH}: FGSM error at eps 0.25", TANH)
    pgd = over(values, f"{TANH}: PGD error at eps 0.25", TANH)
    assert (fgsm < pgd).all()
    assert (pgd >= 0.95).all()  # 'PGD takes its accuracy to zero or nearly'


def test_the_loss_falls_along_fgsms_ray_on_the_tanh_network_only(values):
    tanh = over(values, f"{TANH}: share of digits whose loss falls along FGSM's ray", TANH)
    standard = values.loc[f"{STANDARD}: share of digits whose loss falls along FGSM's ray"]
    assert (tanh > 0).all()
    assert (standard == 0).all()


def test_deepfool_as_published_overshoots_the_digit_on_the_tanh_network(values):
    """'farther than the length of the digit itself', at every seed."""
    ratio = over(values, f"{TANH}: DeepFool as published, median L2 change / digit L2", TANH)
    assert (ratio > 1).all()


# DeepFool, FGSM and L2 PGD on the standard network -----------------------------------------------

def test_each_attack_wins_in_its_own_norm_at_every_seed(values):
    assert (values.loc[f"{STANDARD}: DeepFool smaller in L2, FGSM smaller in Linf (medians)"] == 1).all()


def test_neither_l2_pgd_nor_deepfool_is_ahead_over_the_seeds(values):
    """'which one flips more depends on the seed and the budget, and the two shares never differ
    by more than a few digits in a hundred'."""
    assert values.loc[f"{STANDARD}: L2 PGD weaker than DeepFool at every budget"].sum() >= 1
    assert values.loc[f"{STANDARD}: L2 PGD at least as strong as DeepFool at every budget"].sum() >= 1
    for budget in L2_BUDGETS:
        gap = (values.loc[f"{STANDARD}: L2 PGD within L2 {budget}"]
               - values.loc[f"{STANDARD}: DeepFool within L2 {budget}"])
        assert (gap.abs() < 0.05).all()


# Fool images -------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["gradient search", "evolution"])
def test_both_searches_reach_099_on_the_standard_network_at_every_seed(values, method):
    assert (values.loc[f"{STANDARD}: {method}, fools reaching 0.99 (of 4)"] == 4).all()


@pytest.mark.parametrize("method", ["gradient search", "evolution"])
def test_both_searches_reach_the_tanh_ceiling_at_every_seed(values, method):
    assert (over(values, f"{TANH}: {method}, fools within 0.001 of the ceiling (of 4)", TANH) == 4).all()


def test_the_tanh_ceilings_stay_below_099_at_all_but_one_seed_where_the_searches_pass_it(values):
    ceilings = pd.DataFrame({c: over(values, f"{TANH}: confidence ceiling, class {c}", TANH)
                             for c in range(4)})
    above = ceilings.index[(ceilings >= 0.99).any(axis=1)]
    assert len(above) == 1
    for method in ("gradient search", "evolution"):
        assert values.loc[f"{TANH}: {method}, fools reaching 0.99 (of 4)", above[0]] >= 1
    assert (ceilings > 0.9).all(axis=None)  # the network still gets confident: the cap is not trivial


# One pixel ---------------------------------------------------------------------------------------

def test_the_standard_networks_one_pixel_rate_is_a_small_share_at_every_seed(values):
    rate = values.loc[f"{STANDARD}: one-pixel rate (grid of 5 values)"]
    assert ((rate > 0) & (rate < 0.05)).all()


def test_the_one_pixel_search_finds_all_at_some_seeds_and_as_few_as_half_at_others(values):
    found = values.loc[f"{STANDARD}: one-pixel search, share of the flippable digits found"]
    assert (found == 1).any() and (found < 1).any()
    assert found.min() >= 0.5

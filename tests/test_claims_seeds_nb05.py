"""Notebook 06's (attacks, numbered 05 when this file was named) seed-dependent statements, over five seeds each, in the direction its text states.

The notebook's stored outputs come from one draw (the networks' ``random_state=21``); its text
states which conclusions hold over other seeds, from the table ``benchmarks/seeds.py`` writes
(``benchmarks/results/seeds.csv``). Each test here asserts the direction the text states for the
networks of five seeds.

Training ten networks takes about 20 s of CPU, too slow for every test run, so by default the
values come from the committed table, and :func:`test_the_results_table_matches_a_fresh_run`
retrains the networks of one seed and checks its values: a change to the models or helpers that
moves the numbers fails there until the table is regenerated, and then the direction tests judge
the new numbers. ``PITY_SEED_TESTS=recompute`` retrains all five seeds instead of reading the table.
"""

import os

import pandas as pd
import pytest

SEEDS = (21, 0, 1, 2, 3)


@pytest.fixture(scope="module")
def seeds(seeds_script):
    assert set(SEEDS) <= set(seeds_script.SEEDS)
    return seeds_script


@pytest.fixture(scope="module")
def values(seeds, seeds_setup) -> pd.DataFrame:
    """One column per seed, one row per quantity."""
    if os.environ.get("PITY_SEED_TESTS") == "recompute":
        return pd.DataFrame({seed: seeds.seed_values(seed, seeds_setup) for seed in SEEDS})
    table = pd.read_csv(seeds.SEEDS_CSV)
    return table.pivot(index="quantity", columns="seed", values="value")[list(SEEDS)]


def test_the_results_table_matches_a_fresh_run(seeds, seeds_setup):
    """Seed 0 retrained: its values in the committed table are what the code computes today.

    Tolerances allow for another CPU (the networks' training is floating-point sensitive): 0.01
    on accuracies, error rates, probabilities and one-pixel rates, 0.02 on ROC AUCs and shares of
    fools, 1 on counts.
    """
    fresh = seeds.seed_values(0, seeds_setup)
    table = pd.read_csv(seeds.SEEDS_CSV)
    stored = table[table["seed"] == 0].set_index("quantity")["value"]
    assert set(fresh) == set(stored.index)
    for quantity, value in fresh.items():
        tolerance = 1 if "(of 4)" in quantity else 0.02 if ("AUC" in quantity or "caught" in quantity) else 0.01
        if "above" in quantity:
            tolerance = 0  # a direction: must be the same
        assert value == pytest.approx(stored[quantity], abs=tolerance), quantity


@pytest.mark.parametrize("seed", SEEDS)
def test_the_tanh_network_is_the_more_accurate(values, seed):
    assert values.loc["tanh network: test accuracy", seed] > values.loc["identity network: test accuracy", seed]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("attack", ["FGSM", "PGD"])
@pytest.mark.parametrize("eps", ["0.02", "0.05"])
def test_the_identity_network_falls_faster_at_small_eps(values, seed, attack, eps):
    identity = values.loc[f"identity network: {attack} error at eps {eps}", seed]
    tanh = values.loc[f"tanh network: {attack} error at eps {eps}", seed]
    assert identity > tanh


@pytest.mark.parametrize("seed", SEEDS)
def test_fgsm_levels_off_below_pgd_on_the_tanh_network(values, seed):
    fgsm = values.loc["tanh network: FGSM error at eps 0.25", seed]
    pgd = values.loc["tanh network: PGD error at eps 0.25", seed]
    assert fgsm < pgd
    assert pgd >= 0.98  # "to zero here, and over the seeds to at most 1.8 %"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_tanh_ceilings_stay_below_099(values, seed):
    ceilings = values.loc[[q for q in values.index if q.startswith("tanh network: confidence ceiling")], seed]
    assert len(ceilings) == 4
    assert (ceilings < 0.99).all()
    assert (ceilings > 0.9).all()  # and the network still gets confident: the cap is not trivial


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("quantity", ["identity network: one-pixel rate (exact)",
                                      "tanh network: one-pixel rate (grid of 5 values)"])
def test_one_pixel_rates_are_a_few_per_cent(values, seed, quantity):
    assert 0 < values.loc[quantity, seed] < 0.1

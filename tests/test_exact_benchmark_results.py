"""The committed results of ``benchmarks/exact.py`` (read by notebook 07) hold together and meet
the targets the README reports as met (issue 22)."""

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import attacks

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
sys.path.insert(0, str(RESULTS.parent))
import exact  # noqa: E402  (benchmarks/exact.py: the networks and digits it used)

TIME_LIMIT = exact.TIME_LIMIT


@pytest.fixture(scope="module")
def standard():
    return pd.read_csv(RESULTS / "exact-standard.csv")


@pytest.fixture(scope="module")
def bottleneck():
    return pd.read_csv(RESULTS / "exact-bottleneck.csv")


def _proven(table, prefix):
    return table[table[f"{prefix} status"] == "optimal"]


def test_the_standard_network_meets_the_l_infinity_targets(standard):
    """At least 99 % of 200 digits proven optimal within 60 s each, median at most 5 s."""
    done = standard[standard["inf status"].notna()]
    assert len(done) >= 200
    assert (done["inf status"] == "optimal").mean() >= 0.99
    assert done["inf solve_time"].median() <= 5.0


def test_the_standard_network_meets_the_l1_target(standard):
    """At least 95 % of 100 digits proven optimal within 60 s each."""
    done = standard[standard["1 status"].notna()]
    assert len(done) >= 100
    assert (done["1 status"] == "optimal").mean() >= 0.95


def test_every_digit_of_every_run_kept_to_the_time_limit():
    """No row took more than 1.1 times the limit, everything for it included: the standard
    network (both norms, every seed), the bottleneck network (every configuration) and
    784-100-50-10. On 784-256-256-10 (the scale table, no target) HiGHS checks its limit only
    between rounds of cut separation, and one round on those programs (about 280,000 nonzeros)
    can take several seconds: its rows are held to 1.15 times (the README says so)."""
    scale = pd.read_csv(RESULTS / "exact-scale.csv")
    wide = scale["network"] == "256-256"
    times = [scale.loc[~wide, "solve_time"]]
    times += [pd.read_csv(RESULTS / "exact-standard.csv")[f"{n} solve_time"] for n in ("inf", "1")]
    bottleneck = pd.read_csv(RESULTS / "exact-bottleneck.csv")
    times += [bottleneck[f"inf {c} solve_time"] for c in exact.CONFIGS]
    for seed in exact.SEEDS:
        progress = RESULTS / f"exact-standard-seed{seed}-inf-lp.jsonl"
        times.append(pd.read_json(progress, lines=True)["solve_time"])
    assert max(t.max() for t in times) <= 1.1 * TIME_LIMIT
    assert scale.loc[wide, "solve_time"].max() <= 1.15 * TIME_LIMIT


@pytest.mark.parametrize("prefix", ["inf", "1"])
def test_every_unproven_digit_keeps_a_fooling_change(standard, prefix):
    """Where the solver ran out of time, the row reports the best change known: finite, above
    what is proven; never an exact answer."""
    done = standard[standard[f"{prefix} status"].notna()]
    rest = done[done[f"{prefix} status"] != "optimal"]
    assert set(rest[f"{prefix} status"]) <= {"time limit"}
    assert np.all(np.isfinite(rest[f"{prefix} eps"]))
    assert np.all(rest[f"{prefix} lower_bound"] <= rest[f"{prefix} eps"])


@pytest.mark.parametrize("prefix", ["inf", "1"])
def test_every_proven_minimum_has_its_lower_bound_within_the_gap(standard, prefix):
    proven = _proven(standard, prefix)
    assert len(proven) > 0
    # the relative gap of 1e-4 is HiGHS's, on its own objective; eps is re-measured on the
    # changed digit, which the solver's feasibility tolerance (1e-7) may move a little
    assert np.all(proven[f"{prefix} lower_bound"] >= (1 - 1e-4) * proven[f"{prefix} eps"] - 1e-7)
    assert np.all(proven[f"{prefix} lower_bound"] <= proven[f"{prefix} eps"] * (1 + 1e-9))


@pytest.mark.parametrize("attack", ["FGSM", "PGD", "DeepFool", "inf start"])
def test_no_l_infinity_attack_goes_below_a_proven_minimum(standard, attack):
    proven = _proven(standard, "inf")
    sizes = proven[attack].to_numpy(dtype=float)
    found = np.isfinite(sizes)
    assert found.sum() > 0.5 * len(proven)
    assert np.all(sizes[found] >= (1 - 1e-4) * proven["inf eps"].to_numpy()[found])


def test_the_l1_attack_never_goes_below_a_proven_l1_minimum(standard):
    proven = _proven(standard, "1")
    assert np.all(proven["1 start"] >= (1 - 1e-4) * proven["1 eps"])


def test_the_seed_table_covers_eleven_networks_and_proves_most_digits():
    seeds = pd.read_csv(RESULTS / "exact-seeds.csv")
    assert len(seeds) >= 11 and exact.models.MNIST_SEED in set(seeds["seed"])
    assert (seeds["digits"] == exact.SEED_DIGITS).all()
    assert (seeds["proven"] >= 0.9 * seeds["digits"]).all()
    assert (seeds[["PGD / exact", "FGSM / exact", "DeepFool / exact"]] >= 1 - 1e-4).all().all()


def test_the_scale_table_has_fifty_digits_of_each_network():
    scale = pd.read_csv(RESULTS / "exact-scale.csv")
    assert set(scale["network"]) == {"standard", "100-50", "256-256"}
    assert (scale.groupby("network")["row"].count() >= 50).all()


@pytest.mark.parametrize("config", ["interval", "disjunction"])
def test_every_bottleneck_configuration_agrees_with_the_default_where_both_proved(
        bottleneck, config):
    both = bottleneck[(bottleneck["inf lp status"] == "optimal")
                      & (bottleneck[f"inf {config} status"] == "optimal")]
    assert len(both) > 0
    np.testing.assert_allclose(both[f"inf {config} eps"], both["inf lp eps"], rtol=2e-4)


def test_the_digits_are_the_rule_s_and_the_easiest_is_solved_again(standard):
    """Refit the benchmark's network, check its digits, and solve again the proven digit with
    the fewest binaries."""
    net, X_test, _, rows, _, _ = exact.benchmark_digits(len(standard), "standard")
    np.testing.assert_array_equal(standard["test_row"], rows)
    proven = _proven(standard, "inf")
    easiest = proven.nsmallest(1, "inf n_binaries").iloc[0]
    row = int(easiest["test_row"])
    again = attacks.minimal_perturbation_relu(net, X_test[[row]], time_limit=30)
    assert again.status[0] == "optimal"
    np.testing.assert_allclose(again.eps[0], easiest["inf eps"], rtol=2e-4)


def test_the_peer_benchmark_solved_the_same_digits(standard):
    peers = pd.read_csv(RESULTS / "peers.csv")["test_row"].to_numpy()
    np.testing.assert_array_equal(peers, standard["test_row"].to_numpy()[:len(peers)])


def test_the_black_box_comparison_rests_on_exact_minima_the_current_run_confirms(bottleneck):
    """``vs_art_blackbox.md`` divides by the exact minima of the bottleneck run it read, kept as
    ``vs_art_blackbox-exact.jsonl``: the table's count and median come from that file, and the
    committed run finds the same minimum on every digit both proved."""
    text = (RESULTS / "vs_art_blackbox.md").read_text()
    n_digits = int(re.search(r"digits: the first (\d+) of", text).group(1))
    n_proven = int(re.search(r"exact minima proven for (\d+) of them", text).group(1))
    median = float(re.search(r"\| exact minimal L-inf [^|]* \| [^|]* \| ([0-9.]+) \|", text).group(1))
    kept = pd.read_json(RESULTS / "vs_art_blackbox-exact.jsonl", lines=True).set_index("row")
    first = kept.loc[bottleneck["test_row"].iloc[:n_digits]]
    proven = first[first["status"] == "optimal"]
    assert len(proven) == n_proven
    assert round(float(proven["eps"].median()), 4) == median
    now = bottleneck[bottleneck["inf lp status"] == "optimal"].set_index("test_row")
    both = proven.index.intersection(now.index)
    assert len(both) >= 0.9 * n_proven
    np.testing.assert_allclose(now.loc[both, "inf lp eps"], proven.loc[both, "eps"], rtol=2e-4)

"""benchmarks/peer_solvers.py: Gurobi (through gurobi-machinelearning) and SCIP pose the helpers'
exact L-infinity problem and find the same minima on tiny networks.

Benchmark-only packages (``benchmarks/requirements.txt``): CI installs ``requirements.txt``
alone, so these tests are skipped there, each saying which package is missing; run them after
``.venv/bin/pip install -r benchmarks/requirements.txt``. ``tests/test_peers_results.py`` checks
the committed results in CI.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from helpers import attacks, gradients

for package in ("gurobipy", "gurobi_ml", "pyscipopt"):
    pytest.importorskip(package, reason=f"{package} is benchmark-only: pip install -r "
                        "benchmarks/requirements.txt to run these tests")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import peer_solvers  # noqa: E402
from logit_network import logit_regressor  # noqa: E402

SOLVERS = {"gurobi": peer_solvers.solve_gurobi, "scip": peer_solvers.solve_scip}


def _tiny_network(n_features: int, hidden: tuple[int, ...], n_classes: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(150, n_features))
    y = rng.integers(n_classes, size=150)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = MLPClassifier(hidden_layer_sizes=hidden, max_iter=300, random_state=seed).fit(X, y)
    return net, rng.uniform(0.1, 0.9, size=(3, n_features))


@pytest.fixture(scope="module", params=[(3, (6, 5), 3, 0), (5, (8, 6), 4, 1)],
                ids=["3-6-5-3", "5-8-6-4"])
def tiny(request):
    net, rows = _tiny_network(*request.param)
    return net, rows, attacks.minimal_perturbation_relu(net, rows, upper_bound=1.0)


def test_the_logit_regressor_predicts_the_logits(tiny):
    net, rows, _ = tiny
    np.testing.assert_allclose(logit_regressor(net).predict(rows), gradients.logits(net, rows),
                               rtol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_peer_finds_the_helpers_minimum(tiny, solver):
    net, rows, exact = tiny
    assert exact.optimal.all()
    for x0, eps in zip(rows, exact.eps):
        answer = SOLVERS[solver](net, x0, upper=1.0, time_limit=30.0)
        assert answer.status == "optimal"
        assert answer.eps == pytest.approx(eps, rel=2e-4)
        assert answer.lower_bound <= answer.eps * (1 + 1e-9)
        change = answer.x_adv - x0
        assert np.abs(change).max() == pytest.approx(answer.eps, rel=1e-6, abs=1e-9)
        assert answer.x_adv.min() >= -1e-9 and answer.x_adv.max() <= 1 + 1e-9
        assert net.predict(answer.x_adv[None])[0] != net.predict(x0[None])[0]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_cap_below_the_minimum_leaves_no_adversarial(tiny, solver):
    """The search box is the ball of radius ``upper``: below the minimum, nothing in it fools."""
    net, rows, exact = tiny
    answer = SOLVERS[solver](net, rows[0], upper=0.5 * exact.eps[0], time_limit=30.0)
    assert answer.status == "no adversarial" and answer.eps == np.inf
    assert np.isnan(answer.x_adv).all()


def test_interval_bounds_contain_every_pre_activation(tiny):
    net, rows, _ = tiny
    low, high = peer_solvers.search_box(rows[0], 0.2)
    bounds = peer_solvers.interval_bounds(net, low, high)
    inside = np.random.default_rng(0).uniform(low, high, size=(500, len(low)))
    a = inside
    for (lo, hi), weights, bias in zip(bounds, net.coefs_, net.intercepts_):
        z = a @ weights + bias
        assert (z >= lo - 1e-12).all() and (z <= hi + 1e-12).all()
        a = np.maximum(z, 0.0)
    predicted = int(net.predict(rows[:1])[0] == net.classes_[1])  # any class: bounds hold for all
    lowest, highest = peer_solvers.difference_bounds(net, bounds, predicted)
    difference = z - z[:, [predicted]]
    assert (difference >= lowest - 1e-12).all() and (difference <= highest + 1e-12).all()


def test_a_model_over_the_size_limited_license_is_reported_not_raised():
    """pip's gurobipy license stops at 2,000 variables: a wide network's model is refused, and the
    answer says so with the model's size (a full license solves it instead: skipped)."""
    net, rows = _tiny_network(784, (1200,), 3, 2)
    answer = peer_solvers.solve_gurobi(net, rows[0], upper=0.01, time_limit=5.0)
    if answer.status != "license limit":
        pytest.skip("this Gurobi license is not size-limited")
    assert answer.size["variables"] > 2000 and answer.eps == np.inf

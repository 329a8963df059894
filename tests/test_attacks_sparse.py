"""helpers.attacks.sparse: the elastic-net attack (EAD), made for the L1 norm."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from helpers import attacks


@pytest.fixture(scope="module")
def network():
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(200, 6))
    y = (X[:, 0] + X[:, 1] > X[:, 2] + 0.5).astype(int) + (X[:, 3] > 0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier(hidden_layer_sizes=(8, 6), max_iter=500, random_state=0).fit(X, y)
    rows = rng.uniform(0.1, 0.9, size=(8, 6))
    return model, rows


def test_every_change_found_fools_the_model_and_stays_in_the_box(network):
    model, X = network
    labels = model.predict(X)
    found = attacks.ead(model, X, labels)
    assert found.fooled.mean() >= 0.75
    changed = X[found.fooled] + found.delta[found.fooled]
    assert np.all(model.predict(changed) != labels[found.fooled])
    assert np.all((changed >= 0) & (changed <= 1))
    np.testing.assert_allclose(found.l1[found.fooled],
                               np.abs(found.delta[found.fooled]).sum(axis=1))
    assert np.all(np.isinf(found.l1[~found.fooled]))
    assert np.all(found.delta[~found.fooled] == 0)


def test_no_change_found_is_below_the_exact_l1_minimum(network):
    """An attack is an upper bound: never below the MILP's proven L1 minimum."""
    model, X = network
    labels = model.predict(X)
    found = attacks.ead(model, X, labels)
    exact = attacks.minimal_perturbation_relu(model, X, norm=1, upper_bound=np.inf)
    assert np.all(exact.optimal)
    assert np.all(found.l1[found.fooled] >= exact.eps[found.fooled] * (1 - 1e-6))
    # and it is a useful start: within a few times the minimum
    assert np.median(found.l1[found.fooled] / exact.eps[found.fooled]) < 2.0


def test_the_l1_term_makes_the_change_sparse(network):
    """With a larger beta, fewer pixels move (the shrinkage cuts small changes to zero)."""
    model, X = network
    labels = model.predict(X)
    dense = attacks.ead(model, X, labels, beta=1e-4)
    sparse = attacks.ead(model, X, labels, beta=5e-2)
    both = dense.fooled & sparse.fooled
    assert both.sum() >= 4
    moved = lambda delta: np.sum(np.abs(delta[both]) > 1e-9)  # noqa: E731
    assert moved(sparse.delta) < moved(dense.delta)


def test_a_linear_model_is_attacked_too():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(100, 5))
    y = (X[:, 0] > X[:, 1]).astype(int)
    model = LogisticRegression().fit(X, y)
    found = attacks.ead(model, X[:10], model.predict(X[:10]))
    assert found.fooled.all()


def test_the_attack_is_deterministic(network):
    model, X = network
    labels = model.predict(X)
    a, b = attacks.ead(model, X, labels), attacks.ead(model, X, labels)
    np.testing.assert_array_equal(a.delta, b.delta)


@pytest.mark.parametrize("name", ["beta", "learning_rate", "initial_const"])
def test_rejects_a_setting_that_is_not_positive(network, name):
    model, X = network
    with pytest.raises(ValueError, match=f"{name} must be a finite number > 0"):
        attacks.ead(model, X, model.predict(X), **{name: 0})


@pytest.mark.parametrize("name", ["n_searches", "n_steps"])
def test_rejects_a_count_that_is_not_a_whole_number(network, name):
    model, X = network
    with pytest.raises(ValueError, match=f"{name} must be a whole number >= 1"):
        attacks.ead(model, X, model.predict(X), **{name: 0})


def test_rejects_no_box(network):
    model, X = network
    with pytest.raises(ValueError, match="clip=None is not possible here"):
        attacks.ead(model, X, model.predict(X), clip=None)


def test_rejects_rows_outside_the_box(network):
    model, X = network
    with pytest.raises(ValueError, match="outside clip"):
        attacks.ead(model, 255 * X, model.predict(X))


def test_rejects_unknown_labels(network):
    model, X = network
    with pytest.raises(ValueError, match="that the model does not know"):
        attacks.ead(model, X, np.full(len(X), 7))

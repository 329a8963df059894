"""helpers.attacks.certified: certified lower bounds on the smallest L-infinity change.

A certificate may be loose, never wrong: on tiny networks it is checked against the exact minimum
computed by brute force (every pattern of units on and off is a linear program: the same brute
force as tests/test_attacks_milp.py), and the order interval <= LP <= exact <= attack is checked
on every row.
"""

import copy

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier
from test_attacks_milp import _brute_force, _forward, _tiny_network, small  # noqa: F401

from helpers import attacks


@pytest.fixture(scope="module", params=[(2, (8,), 3, 0), (3, (5, 4), 3, 1)],
                ids=["2-8-3", "3-5-4-3"])
def tiny(request):
    """A tiny ReLU network, three rows, and their exact minima (brute force: up to 2**9
    activation patterns times the other classes, each a linear program)."""
    model, X = _tiny_network(*request.param)
    X = X[:3]
    exact = np.array([_brute_force(model, x0, "inf") for x0 in X])
    return model, X, exact


@pytest.mark.parametrize("bounds", ["interval", "lp"])
def test_never_above_the_exact_minimum(tiny, bounds):
    model, X, exact = tiny
    radius = attacks.certified_radius(model, X, bounds=bounds)
    assert np.all(radius <= exact)
    assert np.all(radius > 0)  # every row is classified with a margin: something is proven


def test_interval_then_lp_then_exact_then_attack(tiny):
    """The order of the three numbers per row (and the attack's size, above them all); the LP
    certificate is strictly better than the intervals' on some row, so the order is not
    vacuous."""
    model, X, exact = tiny
    interval = attacks.certified_radius(model, X, bounds="interval")
    lp = attacks.certified_radius(model, X, bounds="lp")
    pgd = attacks.smallest_pgd(model, X, model.predict(X))
    assert np.all(interval <= lp) and np.all(lp <= exact)
    assert pgd.fooled.all()
    assert np.all(exact[pgd.fooled] <= pgd.eps[pgd.fooled] * (1 + 1e-9))
    assert np.any(lp > interval + 1e-3)


def test_the_radius_is_within_tol_of_what_the_bounds_prove(tiny):
    """Proven at the radius returned, not proven tol above it (bisection's two ends)."""
    model, X, _ = tiny
    for bounds in ("interval", "lp"):
        radius = attacks.certified_radius(model, X, bounds=bounds, tol=1e-4)
        assert np.all(attacks.certified_at(model, X, 0.0, bounds=bounds))
        for x0, r in zip(X, radius):
            assert attacks.certified_at(model, x0, r, bounds=bounds)[0]
            assert not attacks.certified_at(model, x0, r + 2e-4, bounds=bounds)[0]


def test_a_radius_that_a_change_fools_is_never_certified(tiny):
    model, X, exact = tiny
    for bounds in ("interval", "lp"):
        assert not np.any(attacks.certified_at(model, X, exact * 1.001, bounds=bounds))


def test_an_upper_bound_only_shortens_the_search(tiny):
    model, X, exact = tiny
    free = attacks.certified_radius(model, X, bounds="lp", tol=1e-5)
    started = attacks.certified_radius(model, X, bounds="lp", upper_bound=exact, tol=1e-5)
    np.testing.assert_allclose(started, free, atol=2e-5)
    capped = attacks.certified_radius(model, X, bounds="lp", upper_bound=free / 2)
    assert np.all(capped <= free / 2)


def test_a_row_without_a_margin_gets_zero():
    model, X = _tiny_network(2, (8,), 3, 0)
    logits = _forward(model, X[:1])[1][0]
    top, second = np.sort(logits)[::-1][:2]
    model.intercepts_[-1] = model.intercepts_[-1].copy()
    model.intercepts_[-1][np.argsort(logits)[-2]] += top - second  # a tie at x itself
    assert attacks.certified_radius(model, X[:1])[0] == 0.0


def test_fixed_sign_units_never_change_sign_in_the_ball(tiny):
    """Sampled points of the ball keep the sign of every unit counted as fixed; LP fixes at
    least as many as the intervals, at radius 0 all of them."""
    model, X, exact = tiny
    rng = np.random.default_rng(0)
    sizes = [W.shape[1] for W in model.coefs_[:-1]]
    assert np.array_equal(attacks.fixed_sign_units(model, X, 0.0, bounds="interval"),
                          np.tile(sizes, (len(X), 1)))
    for x0, eps in zip(X, 2 * exact):
        interval = attacks.fixed_sign_units(model, x0, eps, bounds="interval")[0]
        lp = attacks.fixed_sign_units(model, x0, eps, bounds="lp")[0]
        assert np.all(lp >= interval) and np.all(lp <= sizes)
        points = np.clip(x0 + rng.uniform(-eps, eps, size=(5000, len(x0))), 0, 1)
        varying = [int(np.sum((p > 0).any(axis=0) & (p < 0).any(axis=0)))
                   for p in _forward(model, points)[0]]
        assert np.all(lp + np.array(varying) <= sizes)


# --- Bad inputs: one test per case -------------------------------------------------------------


def test_rejects_a_network_that_is_not_relu(small):
    model, X = small
    tanh = copy.deepcopy(model).set_params(activation="tanh")  # fitted, with tanh units
    with pytest.raises(ValueError, match="activation='relu'"):
        attacks.certified_radius(tanh, X)


def test_rejects_an_unfitted_network(small):
    _, X = small
    with pytest.raises(NotFittedError, match="fit"):
        attacks.certified_at(MLPClassifier(), X, 0.1)


def test_rejects_a_model_that_is_not_a_network(small):
    _, X = small
    with pytest.raises(TypeError, match="MLPClassifier"):
        attacks.fixed_sign_units(object(), X, 0.1)


def test_rejects_rows_outside_the_box(small):
    model, X = small
    with pytest.raises(ValueError, match="outside clip"):
        attacks.certified_radius(model, X + 1.0)


def test_rejects_rows_of_the_wrong_width(small):
    model, X = small
    with pytest.raises(ValueError, match="3 features"):
        attacks.certified_at(model, np.hstack([X, X[:, :1]]), 0.1)


def test_rejects_a_negative_radius(small):
    model, X = small
    with pytest.raises(ValueError, match="eps must be >= 0 for every row"):
        attacks.certified_at(model, X, -0.1)


def test_rejects_an_unknown_bound_method(small):
    model, X = small
    with pytest.raises(ValueError, match="bounds must be one of"):
        attacks.certified_radius(model, X, bounds="crown")


def test_rejects_a_tolerance_that_is_not_positive(small):
    model, X = small
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        attacks.certified_radius(model, X, tol=0.0)


def test_rejects_a_time_limit_that_is_not_positive(small):
    model, X = small
    with pytest.raises(ValueError, match="time_limit must be a finite number > 0"):
        attacks.fixed_sign_units(model, X, 0.1, time_limit=-1.0)


def test_rejects_a_negative_upper_bound(small):
    model, X = small
    with pytest.raises(ValueError, match="upper_bound must be >= 0"):
        attacks.certified_radius(model, X, upper_bound=-0.5)


def test_rejects_upper_bounds_of_the_wrong_length(small):
    model, X = small
    with pytest.raises(ValueError, match=r"one number per row of X, shape \(4,\)"):
        attacks.certified_radius(model, X, upper_bound=[0.1, 0.2])


def test_rejects_a_reversed_box(small):
    model, X = small
    with pytest.raises(ValueError, match="low < high"):
        attacks.certified_at(model, X, 0.1, clip=(1.0, 0.0))

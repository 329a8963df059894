"""The package's one PGD loop and its one L-BFGS-B fool search, on problems solved by hand."""

import numpy as np
import pytest
from scipy.special import expit, log_expit

from helpers import attacks

W = np.array([1.0, -2.0, 0.0])  # the third feature has no gradient: it never moves


def _linear(X):
    """The objective ``X @ W`` and its gradient."""
    return X @ W, np.tile(W, (len(X), 1))


@pytest.mark.parametrize("keep_best", [True, False])
def test_pgd_loop_climbs_a_linear_objective_to_the_corner_of_the_ball(keep_best):
    X = np.full((2, 3), 0.5)
    found = attacks.projected_gradient_ascent(_linear, X, X, 0.1, 0.03, 10, keep_best=keep_best)
    np.testing.assert_allclose(found, X + 0.1 * np.sign(W), rtol=0, atol=1e-12)


def test_pgd_loop_stays_in_the_box_and_the_l2_ball():
    X = np.array([[0.95, 0.05, 0.5]])
    found = attacks.projected_gradient_ascent(_linear, X, X, 0.5, 0.1, 20, norm=2.0)
    assert np.linalg.norm(found - X) <= 0.5 + 1e-12
    assert found.min() >= 0 and found.max() <= 1
    assert found[0, 0] == 1.0 and found[0, 1] == 0.0  # pushed against the box
    # The best iterate, not the last: a step that lowers the objective is not kept.
    falling = attacks.projected_gradient_ascent(lambda Z: (-Z @ W, _linear(Z)[1]), X, X, 0.5,
                                                0.1, 5, norm=2.0)
    np.testing.assert_array_equal(falling, X)


def _logistic(x):
    """``-log P`` of a logistic model ``P = expit(x @ W)`` and its gradient."""
    return -float(log_expit(x @ W)), -(1 - expit(x @ W)) * W


def _search(start, confidence, max_iter=200, loss_goal=None):
    return attacks.climb_to_confidence(_logistic, np.asarray(start, dtype=float), "c", confidence,
                                       (0.0, 1.0), max_iter, lambda x: expit(x @ W),
                                       loss_goal=loss_goal)


@pytest.mark.parametrize("loss_goal", [None, -np.log(0.7)])  # ask the probability, or the loss
def test_fool_search_reaches_a_goal_inside_the_box(loss_goal):
    result = _search([0.5, 0.5, 0.5], 0.7, loss_goal=loss_goal)
    assert result.outcome == "reached" and result.reached and result.target == "c"
    assert result.probability >= 0.7


def test_fool_search_stops_on_a_plateau_below_a_goal_out_of_reach():
    # The box's best is expit(1 - 2 * 0) = 0.73, at its corner x = (1, 0, *): 0.9 is out of reach.
    result = _search([0.5, 0.5, 0.5], 0.9)
    assert result.outcome == "plateau" and not result.reached
    assert result.probability == pytest.approx(expit(1.0))


def test_fool_search_says_when_its_budget_ran_out():
    result = _search([0.0, 1.0, 0.5], 0.7309, max_iter=1)
    assert result.outcome == "budget" and result.n_iter == 1 and not result.reached


def test_fool_search_that_starts_confident_takes_no_step():
    start = np.array([1.0, 0.0, 0.3])
    result = attacks.climb_to_confidence(_logistic, start, 1, 0.6, (0.0, 1.0), 10,
                                         lambda x: expit(x @ W))
    assert result.n_iter == 0 and result.outcome == "reached"
    np.testing.assert_array_equal(result.image, start)
